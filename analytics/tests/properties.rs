//! Properties over random inputs: bounds stay ordered, estimates move the
//! right way with hashrate, price, revenue and nodes, and units agree.

use blockwatt_analytics::cbeci::{cbeci_v1_core, threshold_j_per_gh, CbeciInput};
use blockwatt_analytics::economic::economic_power_w;
use blockwatt_analytics::hardware::{hardware_core, PowInput};
use blockwatt_analytics::params::RigFactor;
use blockwatt_analytics::pos::pos_power_w;
use blockwatt_analytics::units::{twh_per_year_to_kwh_per_day, watts_to_twh_per_year};
use blockwatt_analytics::{estimate_series, Algorithm, Catalogues, Method, Params, Pue};
use blockwatt_domain::{Bounds, DailyMetrics};
use chrono::NaiveDate;
use proptest::prelude::*;

const DAY_2020: i64 = 1_593_561_600; // 2020-07-01

fn cbeci_day(hashrate_th_s: f64, revenue_usd: f64, params: &Params) -> Option<Bounds> {
    let input = CbeciInput {
        day_unix: DAY_2020,
        hashrate_th_s: Some(hashrate_th_s),
        revenue_usd: Some(revenue_usd),
    };
    cbeci_v1_core(&[input], &Catalogues::embedded().cbeci_v1, params).unwrap()[0].map(|d| d.power_w)
}

fn le(a: f64, b: f64) -> bool {
    a <= b * (1.0 + 1e-12)
}

fn pue() -> impl Strategy<Value = Pue> {
    (1.0..1.5f64, 0.0..0.5f64, 0.0..0.5f64).prop_map(|(l, d1, d2)| Pue {
        lower: l,
        best: l + d1,
        upper: l + d1 + d2,
    })
}

fn rig() -> impl Strategy<Value = RigFactor> {
    (1.0..1.3f64, 0.0..0.3f64, 0.0..0.5f64).prop_map(|(l, d1, d2)| RigFactor {
        lower: l,
        best: l + d1,
        upper: l + d1 + d2,
    })
}

proptest! {
    #[test]
    fn cbeci_bounds_are_ordered(h in 1e3..1e9f64, r in 1e3..1e8f64, price in 0.001..1.0f64, pue in pue()) {
        let params = Params::default().with_price(price).with_pue(pue);
        let p = cbeci_day(h, r, &params);
        // Rejects (no profitable model) are counted by proptest: too many fail the test.
        prop_assume!(p.is_some());
        let p = p.unwrap();
        prop_assert!(p.is_ordered(), "{p:?}");
        prop_assert!(p.lower > 0.0);
    }

    #[test]
    fn cbeci_power_does_not_rise_with_price(h in 1e6..3e8f64, r in 1e6..5e7f64, p1 in 0.01..0.2f64, factor in 1.0..3.0f64) {
        let cheap = cbeci_day(h, r, &Params::default().with_price(p1));
        let dear = cbeci_day(h, r, &Params::default().with_price(p1 * factor));
        prop_assume!(cheap.is_some() && dear.is_some());
        let (c, d) = (cheap.unwrap(), dear.unwrap());
        prop_assert!(le(d.lower, c.lower) && le(d.best, c.best) && le(d.upper, c.upper), "{c:?} -> {d:?}");
    }

    /// With revenue per hash fixed (the same threshold), power is proportional to hashrate.
    #[test]
    fn cbeci_power_rises_with_hashrate_at_a_fixed_threshold(h in 1e6..3e8f64, usd_per_th in 0.01..1.0f64, factor in 1.0..10.0f64) {
        let params = Params::default();
        let small = cbeci_day(h, h * usd_per_th, &params);
        let big = cbeci_day(h * factor, h * factor * usd_per_th, &params);
        prop_assert!((threshold_j_per_gh(h * usd_per_th, h, 0.05) - threshold_j_per_gh(h * factor * usd_per_th, h * factor, 0.05)).abs() < 1e-9);
        prop_assume!(small.is_some() && big.is_some());
        let (s, b) = (small.unwrap(), big.unwrap());
        prop_assert!(le(s.best, b.best) && le(s.lower, b.lower) && le(s.upper, b.upper));
        prop_assert!((b.best / s.best - factor).abs() < 1e-9 * factor);
    }

    #[test]
    fn hardware_bounds_ordered_and_monotonic(alg in 0usize..7, h in 1e6..1e22f64, factor in 1.0..10.0f64, day in 0u32..4000, pue in pue(), rig in rig()) {
        let alg = Algorithm::ALL[alg];
        let models = Catalogues::embedded().hardware_for(alg);
        let d = NaiveDate::from_ymd_opt(2015, 1, 1).unwrap() + chrono::Days::new(u64::from(day));
        let params = Params::default().with_pue(pue).with_rig_factor(rig);
        let run = |hashrate: f64| {
            let input = PowInput { day: d, hashrate_hs: Some(hashrate), revenue_usd: None };
            hardware_core(&[input], models, &params).unwrap()[0].map(|x| x.power_w)
        };
        let (a, b) = (run(h), run(h * factor));
        prop_assume!(a.is_some() && b.is_some());
        let (a, b) = (a.unwrap(), b.unwrap());
        prop_assert!(a.is_ordered() && b.is_ordered());
        prop_assert!(le(a.best, b.best) && le(a.lower, b.lower) && le(a.upper, b.upper));
    }

    /// Without a threshold the basket is the same machines, so a larger rig
    /// factor (every bound) never lowers power; it raises it wherever the
    /// basket holds a machine listed by board power.
    #[test]
    fn hardware_power_does_not_fall_with_the_rig_factor(alg in 0usize..7, h in 1e6..1e22f64, day in 0u32..4000, rig in rig(), extra in 0.0..0.5f64) {
        let alg = Algorithm::ALL[alg];
        let models = Catalogues::embedded().hardware_for(alg);
        let d = NaiveDate::from_ymd_opt(2015, 1, 1).unwrap() + chrono::Days::new(u64::from(day));
        let more = RigFactor { lower: rig.lower + extra, best: rig.best + extra, upper: rig.upper + extra };
        let run = |rig: RigFactor| {
            let input = PowInput { day: d, hashrate_hs: Some(h), revenue_usd: None };
            hardware_core(&[input], models, &Params::default().with_rig_factor(rig)).unwrap()[0]
                .map(|x| (x.power_w, x.basket.board_share))
        };
        let (a, b) = (run(rig), run(more));
        prop_assume!(a.is_some() && b.is_some());
        let ((a, board), (b, _)) = (a.unwrap(), b.unwrap());
        prop_assert!(le(a.lower, b.lower) && le(a.best, b.best) && le(a.upper, b.upper), "{a:?} -> {b:?}");
        if board > 0.0 && extra > 1e-6 {
            prop_assert!(a.best < b.best, "{a:?} -> {b:?}");
        }
    }

    #[test]
    fn economic_is_ordered_rises_with_revenue_falls_with_price(r in 0.0..1e9f64, share in 0.01..1.0f64, price in 0.001..1.0f64, f in 1.0..5.0f64) {
        let base = economic_power_w(r, share, price);
        prop_assert!(base.is_ordered());
        let richer = economic_power_w(r * f, share, price);
        let dearer = economic_power_w(r, share, price * f);
        prop_assert!(le(base.best, richer.best) && le(dearer.best, base.best));
    }

    #[test]
    fn pos_is_ordered_and_rises_with_nodes(n in 0.0..1e6f64, f in 1.0..5.0f64, low in 1.0..100.0f64, d1 in 0.0..200.0f64, d2 in 0.0..500.0f64, pue in pue()) {
        let classes = [low, low + d1, low + d1 + d2];
        let a = pos_power_w(n, classes, pue);
        let b = pos_power_w(n * f, classes, pue);
        prop_assert!(a.is_ordered());
        prop_assert!(le(a.best, b.best));
    }

    /// Unit consistency of a full estimate: W ↔ TWh/yr, TWh × g/kWh → t, per-tx × tx = day energy.
    #[test]
    fn estimates_are_unit_consistent(nodes in 1u64..100_000, tx in 1u64..10_000_000, price in 0.001..1.0f64) {
        let c = Catalogues::embedded();
        let mut d = DailyMetrics::empty("solana", NaiveDate::from_ymd_opt(2024, 5, 1).unwrap(), "test");
        d.node_count = Some(nodes);
        d.tx_count = Some(tx);
        let e = &estimate_series(c, "solana", &[d], &Params::default().with_price(price), Some(Method::PosNodes)).unwrap()[0];
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * a.abs().max(b.abs());
        prop_assert!(close(watts_to_twh_per_year(e.power_w.best), e.energy_twh_per_year.best));
        let grid = e.inputs["grid_gco2e_per_kwh"]["best"].as_f64().unwrap();
        prop_assert!(close(e.co2e_t_per_year.best, e.energy_twh_per_year.best * grid * 1e3));
        let per_tx = e.per_tx.as_ref().unwrap();
        prop_assert!(close(per_tx.energy_kwh.best * tx as f64, twh_per_year_to_kwh_per_day(e.energy_twh_per_year.best)));
        prop_assert!(e.water_m3_per_year.is_ordered() && e.ewaste_t_per_year.is_ordered());
    }
}

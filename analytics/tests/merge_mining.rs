//! Litecoin and Dogecoin share one scrypt fleet from 2014-09-11 (merged
//! mining): on the real Coin Metrics histories the fleet is computed once
//! and split by revenue, never counted on both chains; before that day
//! each chain is estimated alone; a day whose split is unknown has no
//! hardware figure. A property test checks the split on any inputs.

mod common;

use blockwatt_analytics::{
    estimate_day, estimate_day_in_fleet, estimate_series_in_fleet, AnalyticsError, Catalogues,
    Method, Params,
};
use blockwatt_domain::{DailyMetrics, Estimate};
use chrono::NaiveDate;
use proptest::prelude::*;

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn fleet_power_best(e: &Estimate) -> f64 {
    e.inputs["merge_mining"]["fleet_power_w"]["best"]
        .as_f64()
        .expect("fleet power recorded")
}

fn share(e: &Estimate) -> f64 {
    e.inputs["merge_mining"]["revenue_share"].as_f64().unwrap()
}

#[test]
fn the_scrypt_fleet_is_counted_once_and_split_by_revenue() {
    let (Some(ltc), Some(doge)) = (
        common::history(
            "the_scrypt_fleet_is_counted_once_and_split_by_revenue",
            "litecoin",
        ),
        common::history(
            "the_scrypt_fleet_is_counted_once_and_split_by_revenue",
            "dogecoin",
        ),
    ) else {
        return;
    };
    let c = Catalogues::embedded();
    let p = Params::default();
    let hw = Some(Method::Hardware);
    let ltc_series =
        estimate_series_in_fleet(c, "litecoin", &ltc, &[("dogecoin", &doge)], &p, hw).unwrap();
    let doge_series =
        estimate_series_in_fleet(c, "dogecoin", &doge, &[("litecoin", &ltc)], &p, hw).unwrap();
    let on = |s: &[Estimate], d: NaiveDate| s.iter().find(|e| e.date == d).cloned();
    let mut checked = 0;
    for probe in ["2015-06-01", "2017-12-20", "2019-01-15", "2020-07-27"] {
        let d = day(probe);
        let (l, g) = (on(&ltc_series, d).unwrap(), on(&doge_series, d).unwrap());
        // One fleet, seen from both chains, with the same power; the two
        // parts add up to it.
        let fleet = fleet_power_best(&l);
        assert!(
            (fleet / fleet_power_best(&g) - 1.0).abs() < 1e-12,
            "{probe}"
        );
        assert!((share(&l) + share(&g) - 1.0).abs() < 1e-12, "{probe}");
        // The published power is the trailing 7-day mean: the parts add up
        // to the mean of the fleet's own power over those days.
        let week: Vec<f64> = ltc_series
            .iter()
            .filter(|e| e.date <= d && e.date > d - chrono::Days::new(7))
            .map(fleet_power_best)
            .collect();
        assert_eq!(week.len(), 7, "{probe}");
        let fleet_week = week.iter().sum::<f64>() / 7.0;
        let parts = l.power_w.best + g.power_w.best;
        assert!(
            (parts / fleet_week - 1.0).abs() < 1e-9,
            "{probe}: {parts} vs {fleet_week}"
        );
        // Each part is the chain's share of the fleet's revenue.
        let revenue = |rows: &[DailyMetrics]| {
            rows.iter()
                .find(|r| r.day == d)
                .and_then(DailyMetrics::miner_revenue_usd)
                .unwrap()
        };
        let expected = revenue(&doge) / (revenue(&doge) + revenue(&ltc));
        assert!((share(&g) - expected).abs() < 1e-12, "{probe}");
        checked += 1;
    }
    assert_eq!(checked, 4);

    // Dogecoin's hardware figure now sits near its economic one (it was
    // about 20× above it when the whole fleet was counted on Dogecoin).
    let d = day("2020-07-27");
    let econ = estimate_day(c, "dogecoin", d, &doge, &p, Some(Method::Economic)).unwrap();
    let hardware = on(&doge_series, d).unwrap();
    let ratio = hardware.energy_twh_per_year.best / econ.energy_twh_per_year.best;
    println!("dogecoin 2020-07-27: hardware / economic = {ratio:.2}");
    assert!((0.2..5.0).contains(&ratio), "{ratio}");

    // Before the fleet existed, Dogecoin is estimated alone.
    let alone = on(&doge_series, day("2014-06-01")).unwrap();
    assert!(!alone.inputs.contains_key("merge_mining"));

    // Without Litecoin's day the split is unknown: no hardware figure, and
    // the error says what is missing.
    let err = estimate_day(c, "dogecoin", d, &doge, &p, hw).unwrap_err();
    assert!(
        matches!(&err, AnalyticsError::MissingInput { input, .. } if input.contains("merge-mined fleet")),
        "{err}"
    );
}

fn metrics(chain: &str, d: NaiveDate, hashrate_hs: f64, revenue_usd: f64) -> DailyMetrics {
    let mut m = DailyMetrics::empty(chain, d, "t");
    m.hashrate_hs = Some(hashrate_hs);
    m.issuance_usd = Some(revenue_usd);
    m.fees_usd = Some(0.0);
    m
}

proptest! {
    /// Whatever the hashrates and revenues: the chains' parts are ordered
    /// bounds that sum to the fleet, and a chain's part grows with its
    /// revenue share.
    #[test]
    fn merge_mined_shares_sum_to_the_fleet(
        ltc_h in 1e14..1e16f64, doge_ratio in 0.5..1.0f64,
        ltc_rev in 1e5..5e6f64, doge_rev in 1e4..5e6f64,
    ) {
        let d = day("2020-06-01");
        let ltc = [metrics("litecoin", d, ltc_h, ltc_rev)];
        let doge = [metrics("dogecoin", d, ltc_h * doge_ratio, doge_rev)];
        let c = Catalogues::embedded();
        // The day's own power, unsmoothed: one day of history.
        let p = Params { smoothing_window_days: 1, ..Params::default() };
        let l = estimate_day_in_fleet(c, "litecoin", d, &ltc, &[("dogecoin", &doge)], &p, None);
        let g = estimate_day_in_fleet(c, "dogecoin", d, &doge, &[("litecoin", &ltc)], &p, None);
        // No profitable model at these prices: nothing to split.
        prop_assume!(l.is_ok() && g.is_ok());
        let (l, g) = (l.unwrap(), g.unwrap());
        prop_assert!(l.power_w.is_ordered() && g.power_w.is_ordered());
        let fleet = fleet_power_best(&l);
        prop_assert!(((l.power_w.best + g.power_w.best) / fleet - 1.0).abs() < 1e-9);
        prop_assert!((share(&g) - doge_rev / (doge_rev + ltc_rev)).abs() < 1e-12);
        prop_assert!(share(&g) > share(&l) || doge_rev <= ltc_rev);
    }
}

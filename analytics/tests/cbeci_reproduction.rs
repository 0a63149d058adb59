//! cbeci-v1 over the whole Coin Metrics Bitcoin history: the fast path
//! against the straightforward reference, the series shape on every day, a
//! cold start, and a comparison with a later published release of the index
//! (CBECI API v1.2.0, downloaded in late 2022: a longer hardware list and
//! blockchain.com inputs, so it bounds how far the 2020 method on Coin
//! Metrics inputs lands from the published series, not an exact match).

mod common;

use blockwatt_analytics::cbeci::{cbeci_v1_core, CbeciDay, CbeciInput};
use blockwatt_analytics::reference::cbeci_v1_reference;
use blockwatt_analytics::units::watts_to_twh_per_year;
use blockwatt_analytics::{cbeci_v1_day, cbeci_v1_series, Catalogues, Params};
use blockwatt_domain::{Bounds, DailyMetrics};

fn inputs(days: &[DailyMetrics]) -> Vec<CbeciInput> {
    days.iter()
        .map(|d| CbeciInput {
            day_unix: d.day.and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp(),
            hashrate_th_s: d.hashrate_hs.map(|h| h / 1e12),
            revenue_usd: d.miner_revenue_usd(),
        })
        .collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1e-300)
}

fn same(a: &Option<CbeciDay>, b: &Option<CbeciDay>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => {
            let eq = |x: Bounds, y: Bounds| {
                close(x.lower, y.lower) && close(x.best, y.best) && close(x.upper, y.upper)
            };
            a.profitable_models == b.profitable_models
                && eq(a.efficiency_j_per_gh, b.efficiency_j_per_gh)
                && eq(a.power_w, b.power_w)
                && eq(a.energy_twh_per_year, b.energy_twh_per_year)
        }
        _ => false,
    }
}

#[test]
fn fast_path_equals_reference_over_the_whole_history() {
    let Some(days) = common::history(
        "fast_path_equals_reference_over_the_whole_history",
        "bitcoin",
    ) else {
        return;
    };
    let inputs = inputs(&days);
    let models = &Catalogues::embedded().cbeci_v1;
    for params in [
        Params::default(),
        Params::default().with_price(0.10),
        Params {
            threshold_window_days: 1,
            smoothing_window_days: 30,
            ..Params::default().with_price(0.02)
        },
    ] {
        let fast = cbeci_v1_core(&inputs, models, &params).unwrap();
        let slow = cbeci_v1_reference(&inputs, models, &params);
        assert_eq!(fast.len(), slow.len());
        for (i, (f, s)) in fast.iter().zip(&slow).enumerate() {
            assert!(
                same(f, s),
                "day {} differs at price {}: {f:?} vs {s:?}",
                days[i].day,
                params.electricity_price_usd_per_kwh
            );
        }
    }
}

#[test]
fn series_shape_holds_on_every_day() {
    let Some(days) = common::history("series_shape_holds_on_every_day", "bitcoin") else {
        return;
    };
    let est = cbeci_v1_series(&days, Catalogues::embedded(), &Params::default()).unwrap();
    // Revenue in USD exists from 2010-07-18 (the first PriceUSD); every later day has an estimate.
    let first = est.first().unwrap().date;
    assert_eq!(first.to_string(), "2010-07-18");
    let expected = days.iter().filter(|d| d.day >= first).count();
    assert_eq!(est.len(), expected);
    let mut carried = 0;
    for e in &est {
        for b in [
            e.power_w,
            e.energy_twh_per_year,
            e.co2e_t_per_year,
            e.water_m3_per_year,
            e.ewaste_t_per_year,
        ] {
            assert!(b.is_ordered(), "{}: {b:?}", e.date);
            assert!(
                b.lower.is_finite() && b.upper.is_finite() && b.lower >= 0.0,
                "{}: {b:?}",
                e.date
            );
        }
        assert!(e.energy_twh_per_year.lower > 0.0, "{}", e.date);
        assert!(close(
            watts_to_twh_per_year(e.power_w.best),
            e.energy_twh_per_year.best
        ));
        assert_eq!(e.method, "cbeci-v1");
        assert!(e.inputs.contains_key("threshold_j_per_gh"));
        if e.inputs["carried_forward"] == serde_json::json!(true) {
            carried += 1;
        }
        if let Some(per_tx) = &e.per_tx {
            assert!(per_tx.energy_kwh.is_ordered() && per_tx.co2e_kg.is_ordered());
        }
    }
    // The 2020 halving and the 2011-2012 bear market leave some days unprofitable, never most.
    assert!(carried < est.len() / 10, "{carried} carried-forward days");
    // Order of magnitude checks: tens of TWh in 2019-2020, below 1 TWh before 2013.
    let at = |d: &str| {
        est.iter()
            .find(|e| e.date.to_string() == d)
            .unwrap()
            .energy_twh_per_year
            .best
    };
    assert!(at("2012-06-01") < 1.0);
    assert!((30.0..150.0).contains(&at("2020-07-27")));
}

/// A cold start on a day: nothing before it, and the windows fill from it.
/// Once both have filled (threshold window + smoothing window − 1 days)
/// the cold series equals the warm one exactly: the windows are the
/// method's only memory.
#[test]
fn a_cold_start_fills_its_windows_then_meets_the_warm_series() {
    let Some(days) = common::history(
        "a_cold_start_fills_its_windows_then_meets_the_warm_series",
        "bitcoin",
    ) else {
        return;
    };
    let cold_day = chrono::NaiveDate::from_ymd_opt(2019, 10, 1).unwrap();
    let warm = cbeci_v1_series(&days, Catalogues::embedded(), &Params::default()).unwrap();
    let params = Params {
        cold_start: Some(cold_day),
        ..Params::default()
    };
    let cold = cbeci_v1_series(&days, Catalogues::embedded(), &params).unwrap();
    assert_eq!(cold.first().map(|e| e.date), Some(cold_day));
    assert_eq!(
        cold[0].inputs.get("cold_start").and_then(|v| v.as_str()),
        Some("2019-10-01")
    );
    let filled = params.threshold_window_days + params.smoothing_window_days - 1;
    let warm_from = warm.iter().position(|e| e.date == cold_day).unwrap();
    let mut differ = 0;
    for (k, c) in cold.iter().enumerate() {
        let w = &warm[warm_from + k];
        assert_eq!(c.date, w.date);
        let same = close(c.energy_twh_per_year.lower, w.energy_twh_per_year.lower)
            && close(c.energy_twh_per_year.best, w.energy_twh_per_year.best)
            && close(c.energy_twh_per_year.upper, w.energy_twh_per_year.upper);
        if k >= filled {
            assert!(same, "{}: cold {c:?} vs warm {w:?}", c.date);
        } else if !same {
            differ += 1;
        }
    }
    // The first days do see the difference.
    assert!(differ > 0);
}

#[test]
fn within_five_percent_of_a_later_published_release() {
    let Some(days) = common::history(
        "within_five_percent_of_a_later_published_release",
        "bitcoin",
    ) else {
        return;
    };
    let est = cbeci_v1_series(&days, Catalogues::embedded(), &Params::default()).unwrap();
    let published = include_str!("fixtures/cbeci_published.csv");
    let mut worst: f64 = 0.0;
    let mut checked = 0;
    for line in published
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("date"))
    {
        let (date, value) = line.split_once(',').unwrap();
        let value: f64 = value.parse().unwrap();
        let ours = est
            .iter()
            .find(|e| e.date.to_string() == date)
            .unwrap()
            .energy_twh_per_year
            .best;
        let deviation = ours / value - 1.0;
        println!(
            "{date}: published {value:.2} TWh, ours {ours:.2} TWh ({:+.2}%)",
            deviation * 100.0
        );
        worst = worst.max(deviation.abs());
        checked += 1;
        // Single-day API gives the same number as the series.
        let one = cbeci_v1_day(
            &days,
            est.iter()
                .find(|e| e.date.to_string() == date)
                .unwrap()
                .date,
            Catalogues::embedded(),
            &Params::default(),
        )
        .unwrap();
        assert!(close(one.energy_twh_per_year.best, ours));
    }
    assert_eq!(checked, 8);
    assert!(worst < 0.05, "worst deviation {:.2}%", worst * 100.0);
}

//! Sensitivity on a real history and a stored node count: every row
//! finite and ranked by swing, with the signs the models imply, and the
//! rows that scale a figure exactly equal to a re-run.

mod common;

use blockwatt_analytics::{sensitivity, Catalogues, Method, Params};
use blockwatt_domain::DailyMetrics;
use chrono::NaiveDate;

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn row<'a>(
    s: &'a blockwatt_analytics::Sensitivity,
    name: &str,
) -> &'a blockwatt_analytics::SensitivityRow {
    s.ranked
        .iter()
        .find(|r| r.parameter == name)
        .unwrap_or_else(|| panic!("no {name} row"))
}

#[test]
fn bitcoin_hardware_sensitivity_is_ranked_finite_and_signed() {
    let Some(days) = common::history("bitcoin_hardware_sensitivity", "bitcoin") else {
        return;
    };
    let c = Catalogues::embedded();
    let s = sensitivity(
        c,
        "bitcoin",
        day("2020-06-15"),
        &days,
        &[],
        &Params::default(),
        Some(Method::Hardware),
    )
    .unwrap();
    let names: Vec<&str> = s.ranked.iter().map(|r| r.parameter).collect();
    for expected in [
        "electricity_price",
        "pue",
        "hardware_mix",
        "grid_intensity",
        "lifetime",
    ] {
        assert!(names.contains(&expected), "{names:?}");
    }
    for r in &s.ranked {
        let ends = [r.figure_at_low, r.figure_at_high];
        for v in ends
            .into_iter()
            .flatten()
            .chain([r.figure_at_best, r.swing])
        {
            assert!(v.is_finite() && v >= 0.0, "{r:?}");
        }
        assert!(r.low <= r.best && r.best <= r.high, "{r:?}");
    }
    assert!(s.ranked.windows(2).all(|w| w[0].swing >= w[1].swing));
    // Every row's figure at its best is the estimate's own.
    let e = &s.estimate;
    assert_eq!(row(&s, "pue").figure_at_best, e.energy_twh_per_year.best);
    assert_eq!(
        row(&s, "grid_intensity").figure_at_best,
        e.co2e_t_per_year.best
    );
    // Signs: more facility overhead, more energy; a cheaper price keeps
    // older, less efficient machines profitable, so more energy; a
    // dirtier grid, more CO2e; longer-lived machines, less e-waste.
    let ends = |name: &str| {
        let r = row(&s, name);
        (r.figure_at_low, r.figure_at_best, r.figure_at_high)
    };
    let (lo, best, hi) = ends("pue");
    assert!(lo.unwrap() < best && best < hi.unwrap());
    // At double the default price no catalogued machine pays on that day:
    // no figure at that end, rather than a made-up zero.
    let (lo, best, hi) = ends("electricity_price");
    assert!(lo.unwrap() >= best && hi.is_none_or(|h| h <= best));
    let (lo, _, hi) = ends("grid_intensity");
    assert!(lo.unwrap() <= hi.unwrap());
    let (lo, _, hi) = ends("lifetime");
    assert!(lo.unwrap() > hi.unwrap());
}

#[test]
fn pos_rows_scale_exactly_like_a_rerun() {
    // A stored node count on a day after the Merge.
    let d = day("2026-11-01");
    let mut m = DailyMetrics::empty("ethereum", d, "node-count");
    m.node_count = Some(8000);
    let c = Catalogues::embedded();
    let s = sensitivity(
        c,
        "ethereum",
        d,
        &[m.clone()],
        &[],
        &Params::default(),
        None,
    )
    .unwrap();
    assert_eq!(s.estimate.method, "pos-nodes");
    assert!(!s.ranked.iter().any(|r| r.parameter == "electricity_price"));
    // 25% more nodes is 25% more energy, as a re-run with 10,000 says.
    let nodes = row(&s, "node_count");
    let mut more = m;
    more.node_count = Some(10_000);
    let rerun =
        blockwatt_analytics::estimate_day(c, "ethereum", d, &[more], &Params::default(), None)
            .unwrap();
    let high = nodes.figure_at_high.unwrap();
    assert!((high / rerun.energy_twh_per_year.best - 1.0).abs() < 1e-12);
    let power = row(&s, "node_power");
    let (lo, hi) = (power.figure_at_low.unwrap(), power.figure_at_high.unwrap());
    assert!(lo < power.figure_at_best && power.figure_at_best < hi);
}

/// On a day Ethereum was mined mostly with GPUs, listed by board power, the
/// rig factor is a parameter: a larger one, more energy; the distribution
/// draws it too.
#[test]
fn the_rig_factor_moves_a_gpu_chains_energy() {
    let Some(days) = common::history("the_rig_factor_moves_a_gpu_chains_energy", "ethereum") else {
        return;
    };
    let c = Catalogues::embedded();
    let d = day("2020-06-15");
    let end = days.partition_point(|x| x.day <= d);
    let days = &days[end - 60..end];
    let p = Params::default();
    let s = sensitivity(c, "ethereum", d, days, &[], &p, Some(Method::Hardware)).unwrap();
    assert!(s.estimate.inputs["basket_board_share"].as_f64().unwrap() > 0.5);
    let r = row(&s, "rig_factor");
    assert_eq!(
        (r.low, r.best, r.high),
        (p.rig_factor.lower, p.rig_factor.best, p.rig_factor.upper)
    );
    let (lo, best, hi) = (
        r.figure_at_low.unwrap(),
        r.figure_at_best,
        r.figure_at_high.unwrap(),
    );
    assert!(lo < best && best < hi, "{r:?}");
    assert_eq!(best, s.estimate.energy_twh_per_year.best);

    let (_, dist) = blockwatt_analytics::monte_carlo(
        c,
        "ethereum",
        d,
        days,
        &[],
        &p,
        Some(Method::Hardware),
        2_000,
        1,
    )
    .unwrap();
    let names: Vec<&str> = dist.parameters.iter().map(|x| x.parameter).collect();
    assert!(names.contains(&"rig_factor"), "{names:?}");

    // Bitcoin's 2020 basket holds ASICs only: no rig factor to move.
    let Some(btc) = common::history("the_rig_factor_moves_a_gpu_chains_energy", "bitcoin") else {
        return;
    };
    let end = btc.partition_point(|x| x.day <= d);
    let s = sensitivity(
        c,
        "bitcoin",
        d,
        &btc[end - 60..end],
        &[],
        &p,
        Some(Method::Hardware),
    )
    .unwrap();
    assert!(s.ranked.iter().all(|r| r.parameter != "rig_factor"));
}

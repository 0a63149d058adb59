//! Every chain has an estimate path; Ethereum switches method at the Merge;
//! fallback inputs are used only where allowed and always recorded.

mod common;

use blockwatt_analytics::node_hardware::embodied_t_per_year;
use blockwatt_analytics::{
    chain_profiles, estimate_day, estimate_series, estimate_series_in_fleet, AnalyticsError,
    Catalogues, Method, Params, FALLBACK_MAX_AGE_DAYS,
};
use blockwatt_domain::{Basis, DailyMetrics, Estimate};
use chrono::{Datelike, NaiveDate};

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn assert_shape(e: &Estimate) {
    for b in [
        e.power_w,
        e.energy_twh_per_year,
        e.co2e_t_per_year,
        e.water_m3_per_year,
        e.ewaste_t_per_year,
    ] {
        assert!(b.is_ordered(), "{} {}: {b:?}", e.chain, e.date);
        assert!(
            b.lower >= 0.0 && b.upper.is_finite(),
            "{} {}: {b:?}",
            e.chain,
            e.date
        );
    }
    assert!(e.energy_twh_per_year.best > 0.0, "{} {}", e.chain, e.date);
    assert!(!e.methodology_version.is_empty());
}

/// The day a chain's catalogue fallback is dated, or any day for an
/// undated one (a local test chain).
fn fallback_day(chain: &str) -> NaiveDate {
    Catalogues::embedded()
        .chain(chain)
        .unwrap()
        .fallback_date
        .unwrap_or_else(|| day("2026-11-24"))
}

#[test]
fn every_chain_estimates_its_fallback_days_from_it_and_says_so() {
    let c = Catalogues::embedded();
    for profile in chain_profiles(c) {
        let on = fallback_day(&profile.chain);
        let result = estimate_day(c, &profile.chain, on, &[], &Params::default(), None);
        if c.merge_mined_with(&profile.chain, on).is_some() {
            // A fallback hashrate says nothing of how the shared fleet's
            // revenue splits: no figure, rather than the fleet counted on
            // each of its chains.
            let err = result.expect_err(&profile.chain);
            assert!(err.to_string().contains("merge-mined fleet"), "{err}");
            continue;
        }
        let e = result.unwrap_or_else(|err| panic!("{}: {err}", profile.chain));
        assert_shape(&e);
        assert_eq!(e.method, profile.default_method, "{}", profile.chain);
        let from = e
            .inputs
            .get("hashrate_from")
            .or_else(|| e.inputs.get("node_count_from"))
            .unwrap_or_else(|| panic!("{} records no input origin", profile.chain));
        assert_eq!(
            from["fallback"],
            serde_json::json!(true),
            "{}",
            profile.chain
        );
        assert!(from["source"].as_str().is_some_and(|s| !s.is_empty()));
        // Said on top, with the fallback's own date as the data's age.
        assert_eq!(e.basis, Basis::Fallback, "{}", profile.chain);
        assert_eq!(e.as_of, on, "{}", profile.chain);
    }
}

#[test]
fn a_fallback_serves_only_the_days_from_its_date_to_its_stated_distance() {
    let c = Catalogues::embedded();
    for profile in chain_profiles(c).into_iter().filter(|p| p.public) {
        let since = fallback_day(&profile.chain);
        let last = since + chrono::Days::new(FALLBACK_MAX_AGE_DAYS);
        if c.merge_mined_with(&profile.chain, since).is_some() {
            continue; // no fallback figure at all (the test above)
        }
        let estimate =
            |on: NaiveDate| estimate_day(c, &profile.chain, on, &[], &Params::default(), None);
        let e = estimate(last).unwrap_or_else(|err| panic!("{}: {err}", profile.chain));
        assert_eq!(
            (e.basis, e.as_of),
            (Basis::Fallback, since),
            "{}",
            profile.chain
        );
        for outside in [last + chrono::Days::new(1), since - chrono::Days::new(1)] {
            let err = estimate(outside).expect_err(&profile.chain);
            assert!(
                matches!(err, AnalyticsError::MissingInput { .. }),
                "{}: {err}",
                profile.chain
            );
            assert!(err.to_string().contains("180 days"), "{err}");
        }
    }
}

#[test]
fn stored_inputs_of_the_day_are_measured_as_of_that_day() {
    let c = Catalogues::embedded();
    let mut d = DailyMetrics::empty("bitcoin", day("2020-06-01"), "coinmetrics");
    d.hashrate_hs = Some(100e18);
    d.issuance_usd = Some(9e6);
    d.fees_usd = Some(5e5);
    let e = &estimate_series(c, "bitcoin", &[d], &Params::default(), None).unwrap()[0];
    assert_eq!((e.basis, e.as_of), (Basis::Measured, day("2020-06-01")));
}

#[test]
fn bitcoin_on_its_fallback_day_is_in_a_plausible_range() {
    let c = Catalogues::embedded();
    let e = estimate_day(
        c,
        "bitcoin",
        fallback_day("bitcoin"),
        &[],
        &Params::default(),
        None,
    )
    .unwrap();
    // ~1 ZH/s on 2023-2025 hardware (~13-40 J/TH): roughly 100-400 TWh/yr.
    assert!(
        (50.0..500.0).contains(&e.energy_twh_per_year.best),
        "{:?}",
        e.energy_twh_per_year
    );
    // A fallback without revenue: no profitability filter, and the inputs say so.
    assert_eq!(e.inputs["profitability_filter"], serde_json::json!(false));
}

#[test]
fn old_days_do_not_borrow_todays_hashrate() {
    let c = Catalogues::embedded();
    let err = estimate_day(
        c,
        "bitcoin",
        day("2016-01-01"),
        &[],
        &Params::default(),
        None,
    )
    .unwrap_err();
    assert!(matches!(err, AnalyticsError::MissingInput { .. }), "{err}");
}

#[test]
fn ethereum_switches_from_hardware_to_pos_nodes_at_the_merge() {
    let Some(mut days) = common::history(
        "ethereum_switches_from_hardware_to_pos_nodes_at_the_merge",
        "ethereum",
    ) else {
        return;
    };
    // Coin Metrics' copy ends 2020-07-27; add the days around the Merge.
    let mut d = day("2022-09-10");
    while d <= day("2022-09-20") {
        let mut m = DailyMetrics::empty("ethereum", d, "test");
        if d <= day("2022-09-15") {
            m.hashrate_hs = Some(900e12);
            m.issuance_usd = Some(20e6);
            m.fees_usd = Some(1e6);
        } else {
            m.node_count = Some(7000);
        }
        m.tx_count = Some(1_000_000);
        days.push(m);
        d = d.succ_opt().unwrap();
    }
    let est = estimate_series(
        Catalogues::embedded(),
        "ethereum",
        &days,
        &Params::default(),
        None,
    )
    .unwrap();
    est.iter().for_each(assert_shape);
    let method_on = |s: &str| {
        est.iter()
            .find(|e| e.date == day(s))
            .unwrap()
            .method
            .clone()
    };
    assert_eq!(method_on("2017-06-01"), "hardware");
    assert_eq!(method_on("2022-09-15"), "hardware");
    assert_eq!(method_on("2022-09-16"), "pos-nodes");
    let pow = est.iter().find(|e| e.date == day("2022-09-15")).unwrap();
    let pos = est.iter().find(|e| e.date == day("2022-09-16")).unwrap();
    // The Merge cut Ethereum's energy by more than 99.9% (CCRI 2022).
    assert!(pos.energy_twh_per_year.best < pow.energy_twh_per_year.best / 1000.0);
    assert_eq!(
        pos.inputs["node_count_from"],
        serde_json::json!("daily_metrics")
    );
    // PoW-era Ethereum in 2018-2020 was of order 5-30 TWh/yr.
    let e2019 = est.iter().find(|e| e.date == day("2019-06-01")).unwrap();
    assert!(
        (1.0..60.0).contains(&e2019.energy_twh_per_year.best),
        "{:?}",
        e2019.energy_twh_per_year
    );
    // A PoW method after the Merge is refused, naming the day.
    let err = estimate_series(
        Catalogues::embedded(),
        "ethereum",
        &days,
        &Params::default(),
        Some(Method::Hardware),
    )
    .unwrap_err();
    assert!(matches!(
        err,
        AnalyticsError::MethodNotApplicable {
            method: "hardware",
            ..
        }
    ));
}

#[test]
fn every_coinmetrics_pow_history_has_a_sound_series_by_every_pow_method() {
    let c = Catalogues::embedded();
    for (chain, _, _) in common::COINMETRICS_CHAINS {
        let Some(days) = common::history("every_coinmetrics_pow_history", chain) else {
            return;
        };
        let mut methods = vec![Method::Hardware, Method::Economic];
        if chain == "bitcoin" {
            methods.push(Method::CbeciV1);
        }
        // A merge-mined chain is estimated with its fleet partners' days.
        let partners: Vec<(&str, Vec<DailyMetrics>)> = c
            .fleet_partners(chain)
            .into_iter()
            .map(|p| {
                (
                    p,
                    common::history("every_coinmetrics_pow_history", p).unwrap(),
                )
            })
            .collect();
        let fleet: Vec<(&str, &[DailyMetrics])> =
            partners.iter().map(|(p, d)| (*p, d.as_slice())).collect();
        for m in methods {
            let est =
                estimate_series_in_fleet(c, chain, &days, &fleet, &Params::default(), Some(m))
                    .unwrap_or_else(|e| panic!("{chain} {m:?}: {e}"));
            assert!(
                est.len() > days.len() / 2,
                "{chain} {m:?}: {} of {} days",
                est.len(),
                days.len()
            );
            est.iter().for_each(assert_shape);
        }
    }
}

#[test]
fn hardware_and_economic_cross_check_within_an_order_of_magnitude_for_bitcoin() {
    let Some(days) = common::history("hardware_and_economic_cross_check", "bitcoin") else {
        return;
    };
    let c = Catalogues::embedded();
    let hw = estimate_series(
        c,
        "bitcoin",
        &days,
        &Params::default(),
        Some(Method::Hardware),
    )
    .unwrap();
    let ec = estimate_series(
        c,
        "bitcoin",
        &days,
        &Params::default(),
        Some(Method::Economic),
    )
    .unwrap();
    for date in ["2017-01-01", "2018-06-01", "2019-06-01", "2020-07-01"] {
        let h = hw
            .iter()
            .find(|e| e.date == day(date))
            .unwrap()
            .energy_twh_per_year
            .best;
        let e = ec
            .iter()
            .find(|e| e.date == day(date))
            .unwrap()
            .energy_twh_per_year
            .best;
        println!("{date}: hardware {h:.1} TWh, economic {e:.1} TWh");
        assert!(h / e > 0.1 && h / e < 10.0, "{date}: {h} vs {e}");
        // Both methods take the fleet (and so the e-waste) from the same hardware basket.
        let wh = hw
            .iter()
            .find(|e| e.date == day(date))
            .unwrap()
            .ewaste_t_per_year
            .best;
        let we = ec
            .iter()
            .find(|e| e.date == day(date))
            .unwrap()
            .ewaste_t_per_year
            .best;
        assert!(
            wh / we > 0.5 && wh / we < 2.0,
            "{date}: e-waste {wh} vs {we}"
        );
    }
}

#[test]
fn days_must_be_ordered_and_of_one_chain() {
    let c = Catalogues::embedded();
    let a = DailyMetrics::empty("bitcoin", day("2020-01-02"), "t");
    let b = DailyMetrics::empty("bitcoin", day("2020-01-01"), "t");
    let err = estimate_series(c, "bitcoin", &[a.clone(), b], &Params::default(), None).unwrap_err();
    assert!(matches!(err, AnalyticsError::UnorderedDays { .. }));
    let other = DailyMetrics::empty("litecoin", day("2020-01-03"), "t");
    assert!(estimate_series(c, "bitcoin", &[a, other], &Params::default(), None).is_err());
    assert!(matches!(
        estimate_series(c, "nope", &[], &Params::default(), None),
        Err(AnalyticsError::UnknownChain(_))
    ));
    let err = estimate_series(
        c,
        "litecoin",
        &[],
        &Params::default().with_price(-1.0),
        None,
    )
    .unwrap_err();
    assert!(err.to_string().contains("electricity_price_usd_per_kwh"));
}

#[test]
fn cbeci_is_bitcoin_only_and_pos_nodes_is_pos_only() {
    let c = Catalogues::embedded();
    let d = day("2026-01-01");
    assert!(matches!(
        estimate_day(
            c,
            "litecoin",
            d,
            &[],
            &Params::default(),
            Some(Method::CbeciV1)
        ),
        Err(AnalyticsError::MethodNotApplicable { .. })
    ));
    assert!(matches!(
        estimate_day(
            c,
            "bitcoin",
            d,
            &[],
            &Params::default(),
            Some(Method::PosNodes)
        ),
        Err(AnalyticsError::MethodNotApplicable { .. })
    ));
    assert!(matches!(
        estimate_day(
            c,
            "solana",
            d,
            &[],
            &Params::default(),
            Some(Method::Economic)
        ),
        Err(AnalyticsError::MethodNotApplicable { .. })
    ));
}

#[test]
fn bitcoin_carbon_uses_the_mining_map_of_its_time_and_reports_the_intensity() {
    let c = Catalogues::embedded();
    let mut d2020 = DailyMetrics::empty("bitcoin", day("2020-06-01"), "test");
    d2020.hashrate_hs = Some(100e18);
    d2020.issuance_usd = Some(9e6);
    d2020.fees_usd = Some(5e5);
    let e2020 = &estimate_series(c, "bitcoin", &[d2020], &Params::default(), None).unwrap()[0];
    let e2025 = estimate_day(
        c,
        "bitcoin",
        fallback_day("bitcoin"),
        &[],
        &Params::default(),
        None,
    )
    .unwrap();
    let grid = |e: &Estimate| e.inputs["grid_gco2e_per_kwh"]["best"].as_f64().unwrap();
    println!(
        "bitcoin grid intensity: 2020 {:.0} g/kWh, 2025 {:.0} g/kWh",
        grid(e2020),
        grid(&e2025)
    );
    assert_eq!(
        e2020.inputs["location_profile"],
        serde_json::json!("bitcoin-2020")
    );
    assert_eq!(
        e2025.inputs["location_profile"],
        serde_json::json!("bitcoin-2022")
    );
    // China-heavy 2020 mix (coal) is dirtier than the US-heavy 2022 one; both in 300-700 g/kWh.
    assert!(grid(e2020) > grid(&e2025));
    assert!((300.0..700.0).contains(&grid(e2020)) && (300.0..700.0).contains(&grid(&e2025)));
    let lower = e2020.inputs["grid_gco2e_per_kwh"]["lower"]
        .as_f64()
        .unwrap();
    assert!(lower < grid(e2020));
}

#[test]
fn mica_disclosure_for_bitcoin_2019() {
    let Some(days) = common::history("mica_disclosure_for_bitcoin_2019", "bitcoin") else {
        return;
    };
    let c = Catalogues::embedded();
    let est = estimate_series(c, "bitcoin", &days, &Params::default(), None).unwrap();
    let profile = c.chain("bitcoin").unwrap();
    let asset = blockwatt_analytics::Asset {
        id: "bitcoin",
        name: "Bitcoin",
        hosts: vec![profile],
        allocation: None,
        not_counted: vec![],
    };
    let year = blockwatt_analytics::Period {
        start: day("2019-01-01"),
        end: day("2019-12-31"),
    };
    let anonymous = blockwatt_analytics::Discloser::default();
    let d = blockwatt_analytics::disclosure(
        c,
        &asset,
        &anonymous,
        year,
        &est,
        &days,
        &Params::default(),
    )
    .unwrap();
    let field = |code: &str| d.fields.iter().find(|f| f.code == code).unwrap();
    let number = |code: &str| {
        field(code)
            .value
            .as_deref()
            .unwrap()
            .parse::<f64>()
            .unwrap()
    };
    println!(
        "bitcoin 2019: S.8 {} kWh ({}..{}), S.10 {}%, S.11 {} kWh/tx, S.13 {} t, S.14 {} kg/tx, S.19 {} kg/kWh, S.22 {} t, S.31 {} m3",
        field("S.8").value.as_deref().unwrap(),
        field("S.8").lower.as_deref().unwrap(),
        field("S.8").upper.as_deref().unwrap(),
        number("S.10"),
        number("S.11"),
        number("S.13"),
        number("S.14"),
        number("S.19"),
        number("S.22"),
        number("S.31"),
    );
    // The whole year is estimated, so S.8 is the year's total, not a scaled part.
    assert_eq!(d.days_with_estimates, 365);
    assert!(field("S.8").note.is_none());
    // Published 2019 figures: ~50-80 TWh, ~20-40 Mt CO2e, a few hundred kWh per transaction.
    assert!((20e9..120e9).contains(&number("S.8")));
    assert!((100.0..1500.0).contains(&number("S.11")));
    assert!((5e6..8e7).contains(&number("S.13")));
    assert!((0.0..100.0).contains(&number("S.10")));
    assert!(number("S.22") > 1000.0 && number("S.31") > 0.0);
    // S.19 is S.13 over S.8, in kg per kWh.
    assert!((number("S.19") - number("S.13") * 1000.0 / number("S.8")).abs() < 1e-4);
    // Far above 500,000 kWh: Table 3 applies, and what it lacks is named.
    assert!(d.threshold.table3_mandatory && !d.threshold.within_bounds);
    assert_eq!(d.missing_required, vec!["S.1", "S.2"]);
    assert_eq!(field("S.6").value.as_deref(), Some("2019-01-01"));
    assert_eq!(
        d.methodology_versions,
        vec![blockwatt_analytics::Method::Hardware
            .methodology_version()
            .to_owned()]
    );
    let named = blockwatt_analytics::Discloser {
        name: Some("Example CASP".into()),
        lei: Some("529900T8BM49AURSDO55".into()),
    };
    let d =
        blockwatt_analytics::disclosure(c, &asset, &named, year, &est, &days, &Params::default())
            .unwrap();
    assert!(d.missing_required.is_empty(), "{:?}", d.missing_required);
    // Before the chain existed, or a period with no estimate: an error that says so.
    let early = blockwatt_analytics::Period {
        start: day("2008-12-01"),
        end: day("2009-12-31"),
    };
    let err =
        blockwatt_analytics::disclosure(c, &asset, &named, early, &est, &days, &Params::default())
            .unwrap_err();
    assert!(err.to_string().contains("first day is 2009-01-03"), "{err}");
    let empty = blockwatt_analytics::Period {
        start: day("2024-01-01"),
        end: day("2024-12-31"),
    };
    let err =
        blockwatt_analytics::disclosure(c, &asset, &named, empty, &est, &days, &Params::default())
            .unwrap_err();
    assert!(
        err.to_string()
            .contains("no estimate for bitcoin between 2024-01-01 and 2024-12-31"),
        "{err}"
    );
}

/// The 14-day threshold and 7-day smoothing windows are calendar days: with
/// nothing stored for the 20 days before D, the figures from D on do not
/// depend on what was stored before the gap (counting rows, they reached
/// back across it).
#[test]
fn windows_count_calendar_days_across_a_gap() {
    let Some(days) = common::history("windows_count_calendar_days_across_a_gap", "bitcoin") else {
        return;
    };
    let d = day("2020-03-01");
    let gap_from = d - chrono::Days::new(20);
    let with_history: Vec<DailyMetrics> = days
        .iter()
        .filter(|m| m.day < gap_from || (m.day >= d && m.day < d + chrono::Days::new(5)))
        .cloned()
        .collect();
    let after_gap: Vec<DailyMetrics> = with_history
        .iter()
        .filter(|m| m.day >= d)
        .cloned()
        .collect();
    assert_eq!(after_gap.len(), 5);
    for method in [Method::Hardware, Method::CbeciV1] {
        let run = |series: &[DailyMetrics]| {
            estimate_series(
                Catalogues::embedded(),
                "bitcoin",
                series,
                &Params::default(),
                Some(method),
            )
            .unwrap()
            .into_iter()
            .filter(|e| e.date >= d)
            .map(|e| (e.date, e.power_w, e.energy_twh_per_year))
            .collect::<Vec<_>>()
        };
        let (a, b) = (run(&with_history), run(&after_gap));
        assert_eq!(a.len(), 5, "{method:?}");
        // Equal but for the rounding of the running sums.
        let close = |x: f64, y: f64| (x - y).abs() <= 1e-9 * y.abs();
        for ((day_a, pa, ea), (day_b, pb, eb)) in a.iter().zip(&b) {
            assert_eq!(day_a, day_b);
            for (x, y) in [(pa, pb), (ea, eb)] {
                assert!(
                    close(x.lower, y.lower) && close(x.best, y.best) && close(x.upper, y.upper),
                    "{method:?} {day_a}: {x:?} with the history before the gap, {y:?} without: it leaked into the windows"
                );
            }
        }
    }
}

/// No figure for a day before a chain existed: a single day is refused,
/// and a series leaves those days out, for every chain with a known first
/// day (each with its source in the catalogue).
#[test]
fn no_estimate_before_a_chain_existed() {
    let c = Catalogues::embedded();
    let params = Params::default();
    let mut checked = 0;
    for profile in chain_profiles(c) {
        let Some(first) = profile.launched else {
            continue;
        };
        let before = first.pred_opt().expect("a day before");
        let err = estimate_day(c, &profile.chain, before, &[], &params, None).unwrap_err();
        assert!(
            matches!(&err, AnalyticsError::BeforeLaunch { launched, .. } if *launched == first),
            "{}: {err}",
            profile.chain
        );
        // A history straddling the first day: only the days from it on.
        let rows: Vec<DailyMetrics> = (0..4)
            .map(|i| DailyMetrics {
                hashrate_hs: Some(1e12),
                issuance_usd: Some(1e5),
                node_count: Some(100),
                tx_count: Some(1_000),
                ..DailyMetrics::empty(
                    &profile.chain,
                    before - chrono::Days::new(1) + chrono::Days::new(i),
                    "test",
                )
            })
            .collect();
        let series = estimate_series(c, &profile.chain, &rows, &params, None).unwrap_or_default();
        assert!(
            series.iter().all(|e| e.date >= first),
            "{}: {:?}",
            profile.chain,
            series.iter().map(|e| e.date).collect::<Vec<_>>()
        );
        checked += 1;
    }
    assert!(checked >= 19, "only {checked} chains have a first day");
}

/// The grid intensity (lower, best, upper gCO2e/kWh) an estimate used.
fn grid_bounds(e: &Estimate) -> (f64, f64, f64) {
    let g = &e.inputs["grid_gco2e_per_kwh"];
    (
        g["lower"].as_f64().unwrap(),
        g["best"].as_f64().unwrap(),
        g["upper"].as_f64().unwrap(),
    )
}

/// The cleanest and the dirtiest grid of `year` among the countries where
/// mining or nodes are known to be.
fn plausible_grid_span(c: &Catalogues, year: i32) -> (f64, f64) {
    let values: Vec<f64> = blockwatt_analytics::location::plausible_locations(c)
        .iter()
        .filter_map(|iso| c.grid_intensity.get(iso, year).map(|r| r.1))
        .collect();
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (min, max)
}

/// How an estimate says its location was found.
fn location_basis(e: &Estimate) -> String {
    e.inputs["location_basis"].as_str().unwrap().to_owned()
}

/// A chain without a published location says the world average is used,
/// and its carbon bounds span every country where mining or nodes are
/// known to be: wider than Bitcoin's, whose mining map is published.
#[test]
fn world_average_locations_say_so_and_widen_the_carbon_bounds() {
    let c = Catalogues::embedded();
    let d = day("2020-06-01");
    let mut btc = DailyMetrics::empty("bitcoin", d, "t");
    btc.hashrate_hs = Some(100e18);
    btc.issuance_usd = Some(9e6);
    btc.fees_usd = Some(5e5);
    let mut dash = DailyMetrics::empty("dash", d, "t");
    dash.hashrate_hs = Some(4e15);
    dash.issuance_usd = Some(2e5);
    dash.fees_usd = Some(0.0);
    let p = Params::default();
    let b = &estimate_series(c, "bitcoin", &[btc], &p, None).unwrap()[0];
    let w = &estimate_series(c, "dash", &[dash], &p, None).unwrap()[0];
    assert!(
        location_basis(w).starts_with("world average"),
        "{}",
        location_basis(w)
    );
    assert!(
        location_basis(b).starts_with("published location profile bitcoin-2020"),
        "{}",
        location_basis(b)
    );
    let (wl, wb, wu) = grid_bounds(w);
    let (bl, bb, bu) = grid_bounds(b);
    assert!(
        (wu - wl) / wb > (bu - bl) / bb,
        "{:?} vs {:?}",
        grid_bounds(w),
        grid_bounds(b)
    );
    // The whole span: the cleanest and dirtiest plausible countries.
    let (min, max) = plausible_grid_span(c, 2020);
    assert!(
        (wl - min).abs() < 1e-9 && (wu - max).abs() < 1e-9,
        "{wl}..{wu} vs {min}..{max}"
    );
}

/// Monero mined CryptoNight until 2019-11-29 and RandomX from 2019-11-30
/// (`algorithm_eras.csv`): each era is estimated with its own hardware,
/// whose hashrates are in its own hashes, and the windows restart at the
/// switch.
#[test]
fn monero_is_estimated_with_each_eras_hardware() {
    let Some(days) = common::history("monero_eras", "monero") else {
        return;
    };
    let c = Catalogues::embedded();
    let est = estimate_series(
        c,
        "monero",
        &days,
        &Params::default(),
        Some(Method::Hardware),
    )
    .unwrap();
    let on = |d: &str| est.iter().find(|e| e.date == day(d)).unwrap();
    let algorithm = |d: &str| on(d).inputs["algorithm"].as_str().unwrap().to_owned();
    assert_eq!(algorithm("2018-06-01"), "cryptonight");
    assert_eq!(algorithm("2019-11-29"), "cryptonight");
    assert_eq!(algorithm("2019-11-30"), "randomx");
    assert_eq!(algorithm("2020-06-01"), "randomx");
    for d in ["2018-06-01", "2019-11-29", "2019-11-30", "2020-06-01"] {
        assert_shape(on(d));
        println!("monero {d}: {:?} TWh/yr", on(d).energy_twh_per_year);
    }
    // A CryptoNight hash costs a GPU far more energy than a RandomX hash
    // costs a Zen 2 CPU: the basket's efficiency jumps at the switch.
    let joules = |d: &str| on(d).inputs["efficiency_j_per_h"]["best"].as_f64().unwrap();
    let (before, after) = (joules("2019-11-29"), joules("2019-11-30"));
    assert!(before > 5.0 * after, "{before} J/H then {after} J/H");
}

/// Ethereum's, Polygon's and Solana's nodes are located from 2025 (a crawl
/// of their nodes, validators.app's list): the estimate names that profile, and its
/// carbon bounds are narrower than a world-average chain's of the same
/// day. Ethereum's proof-of-work days do not take the crawl's countries:
/// it says where nodes are, not where miners were (their carbon is the
/// test below's).
#[test]
fn node_geography_locates_pos_chains_from_2025_and_not_their_mining() {
    let c = Catalogues::embedded();
    let p = Params::default();
    let on = |chain: &str| {
        estimate_day(c, chain, fallback_day(chain), &[], &p, None)
            .unwrap_or_else(|e| panic!("{chain}: {e}"))
    };
    let cardano = on("cardano");
    assert!(
        location_basis(&cardano).starts_with("world average"),
        "{}",
        location_basis(&cardano)
    );
    let (wl, wb, wu) = grid_bounds(&cardano);
    for chain in ["ethereum", "polygon", "solana", "avalanche"] {
        let e = on(chain);
        assert_eq!(e.date.year(), 2025, "{chain}");
        let vintage = format!("{chain}-2025");
        assert_eq!(e.inputs["location_profile"], serde_json::json!(vintage));
        assert!(
            location_basis(&e).starts_with(&format!("published location profile {vintage}")),
            "{}",
            location_basis(&e)
        );
        let (l, b, u) = grid_bounds(&e);
        println!("{chain} 2025 grid: {l:.0} / {b:.0} / {u:.0} g/kWh; world average {wl:.0} / {wb:.0} / {wu:.0}");
        assert!(l <= b && b <= u, "{chain}: {l} {b} {u}");
        assert!(
            u - l < wu - wl,
            "{chain}: [{l}, {u}] not narrower than [{wl}, {wu}]"
        );
        assert!((b - wb).abs() > 1.0, "{chain}: {b} is the world's {wb}");
    }
    let pow = ethereum_mining_day("2020-06-01");
    let e = &estimate_series(c, "ethereum", &[pow], &p, None).unwrap()[0];
    assert_eq!(
        e.inputs["location_profile"],
        serde_json::json!("ethereum-2015")
    );
    assert!(
        location_basis(e).contains("Water: world average"),
        "{}",
        location_basis(e)
    );
}

/// A mining day of Ethereum's: 200 TH/s, 6 million USD of revenue.
fn ethereum_mining_day(d: &str) -> DailyMetrics {
    let mut m = DailyMetrics::empty("ethereum", day(d), "t");
    m.hashrate_hs = Some(200e12);
    m.issuance_usd = Some(5e6);
    m.fees_usd = Some(1e6);
    m
}

/// Ethereum's mining days take the month's grid intensity McDonald
/// published from where its blocks were mined (`mining_intensity.csv`),
/// with the bounds of a published location; water keeps the world average,
/// and the days after the Merge in the same month keep their nodes' place.
#[test]
fn ethereums_mining_days_take_the_published_intensity_of_their_month() {
    let c = Catalogues::embedded();
    let p = Params::default();
    let mut history = Vec::new();
    for d in ["2020-06-01", "2020-06-30", "2020-07-01", "2022-09-15"] {
        history.push(ethereum_mining_day(d));
    }
    let mut pos = DailyMetrics::empty("ethereum", day("2022-09-16"), "t");
    pos.node_count = Some(6000);
    history.push(pos);
    let est = estimate_series(c, "ethereum", &history, &p, None).unwrap();
    let on = |d: &str| est.iter().find(|e| e.date == day(d)).unwrap();
    // The catalogue's rows for those months, as McDonald's daily series
    // gives them (checked against his inputs in tests/sources.rs).
    for (d, month, g) in [
        ("2020-06-01", "2020-06", 315.6),
        ("2020-06-30", "2020-06", 315.6),
        ("2020-07-01", "2020-07", 314.2),
        ("2022-09-15", "2022-09", 293.6),
    ] {
        let e = on(d);
        let (l, b, u) = grid_bounds(e);
        assert_eq!(b, g, "{d}");
        assert!(l < b && b < u, "{d}: {l} {b} {u}");
        assert_eq!(e.inputs["mining_intensity"]["month"], month, "{d}");
        assert!(
            location_basis(e).starts_with(&format!(
                "published mining intensity ethereum {month}: {g} gCO2e/kWh"
            )),
            "{}",
            location_basis(e)
        );
        assert!(
            location_basis(e).contains("[mcdonald-daily-2022]"),
            "{}",
            location_basis(e)
        );
        // Water has no country mix from the study: the world average's.
        assert!(
            location_basis(e).contains("Water: world average"),
            "{}",
            location_basis(e)
        );
        assert_eq!(e.inputs["location_profile"], "ethereum-2015");
        // Carbon is energy × that intensity.
        let twh = e.energy_twh_per_year.best;
        assert!(
            (e.co2e_t_per_year.best - twh * 1e9 * g / 1e6).abs() < 1e-6 * e.co2e_t_per_year.best
        );
    }
    // Its bounds are a published location's: 20% of the mix moved to the
    // cleanest or dirtiest plausible country, not the whole of it.
    let (min, max) = plausible_grid_span(c, 2020);
    let (l, b, u) = grid_bounds(on("2020-06-01"));
    assert!((l - (0.8 * b + 0.2 * min)).abs() < 1e-9, "{l} vs {min}");
    assert!((u - (0.8 * b + 0.2 * max)).abs() < 1e-9, "{u} vs {max}");
    // After the Merge, in the same month: the validators are not the miners.
    let after = on("2022-09-16");
    assert!(!after.inputs.contains_key("mining_intensity"));
    assert!(
        location_basis(after).starts_with("world average"),
        "{}",
        location_basis(after)
    );
}

/// On the days McDonald's daily series is published for and Coin Metrics'
/// history covers, our Ethereum carbon per kWh is his (the month's mean of
/// his daily factor, so within the factor's spread over the month): what
/// is left between our figures and his is energy.
#[test]
fn ethereums_carbon_per_kwh_is_mcdonalds_where_both_have_the_day() {
    let Some(days) = common::history(
        "ethereums_carbon_per_kwh_is_mcdonalds_where_both_have_the_day",
        "ethereum",
    ) else {
        return;
    };
    let c = Catalogues::embedded();
    let est = estimate_series(c, "ethereum", &days, &Params::default(), None).unwrap();
    let mut compared = 0;
    for day in c
        .published
        .iter()
        .filter(|f| f.index == "mcdonald" && f.figure == "energy_twh_per_year")
        .map(|f| f.date)
    {
        let Some(e) = est.iter().find(|e| e.date == day) else {
            continue;
        };
        let published = |figure: &str| {
            c.published
                .iter()
                .find(|f| f.index == "mcdonald" && f.date == day && f.figure == figure)
                .unwrap_or_else(|| panic!("{day} {figure}"))
                .value
        };
        let (twh, t) = (
            published("energy_twh_per_year"),
            published("co2e_t_per_year"),
        );
        let theirs = t / (twh * 1e3);
        let ours = e.co2e_t_per_year.best / (e.energy_twh_per_year.best * 1e3);
        println!(
            "{day}: {ours:.1} g/kWh against McDonald's {theirs:.1}; energy {:.2} TWh/yr against {twh:.2}",
            e.energy_twh_per_year.best
        );
        // From 2016 on, his daily factor strays at most 4.6% from its
        // month's energy-weighted mean (2016-06-03; worked out from the
        // daily series when the catalogue rows were made).
        assert!(
            (ours / theirs - 1.0).abs() < 0.046,
            "{day}: {ours} vs {theirs}"
        );
        compared += 1;
    }
    // 2016-06-30 to 2020-06-30: the Coin Metrics copy ends 2020-07-27.
    assert_eq!(compared, 5);
}

/// A proof-of-stake day's machines are node_hardware.csv's: their weights
/// give its e-waste and their manufacturers' footprints its hardware
/// emissions (the class medians 194.6, 263.9 and 1,155.5 kgCO2e, 1.4, 6.5
/// and 16.75 kg, in the class mix 1/4, 1/2, 1/4, over 4 years); a mining
/// day has no such emissions.
#[test]
fn validator_nodes_machines_are_the_manufacturers_footprints() {
    let c = Catalogues::embedded();
    let mut d = DailyMetrics::empty("cardano", day("2024-06-01"), "t");
    d.node_count = Some(3000);
    let e = &estimate_series(c, "cardano", &[d], &Params::default(), None).unwrap()[0];
    let made = embodied_t_per_year(&e.inputs).expect("the fleet's manufacture");
    let close = |a: f64, b: f64| (a - b).abs() < 1e-9 * b;
    // 3,000 × 194.6 / 4 / 1000; 3,000 × (0.25·194.6 + 0.5·263.9 + 0.25·1155.5) / 4 / 1000; 3,000 × 1155.5 / 4 / 1000.
    assert!(close(made.lower, 145.95), "{made:?}");
    assert!(close(made.best, 352.10625), "{made:?}");
    assert!(close(made.upper, 866.625), "{made:?}");
    // 3,000 × (0.25·1.4 + 0.5·6.5 + 0.25·16.75) kg / 4 years, in t.
    assert!(
        close(e.ewaste_t_per_year.best, 5.840625),
        "{:?}",
        e.ewaste_t_per_year
    );
    let mut btc = DailyMetrics::empty("bitcoin", day("2020-06-01"), "t");
    btc.hashrate_hs = Some(100e18);
    btc.issuance_usd = Some(9e6);
    btc.fees_usd = Some(5e5);
    let b = &estimate_series(c, "bitcoin", &[btc], &Params::default(), None).unwrap()[0];
    assert_eq!(embodied_t_per_year(&b.inputs), None);
}

/// Ethereum's mining fleet against the two published bearings on it for
/// 2020-04-16, both from McDonald 2022 [mcdonald-ethereum-emissions]: the
/// HiveOS fleet's measured 0.232 MH/s per W (his article's check,
/// `article/data.dat`), and his trend line, 0.371 MH/s per W that day
/// (`emissions_utils.efficiency_at_date`), both at the cards' own draw.
/// Our basket, taken back to the cards' draw, lies between them: above
/// the measured fleet, since it weighs every profitable card alike, below a
/// fleet as new as that day's hardware.
#[test]
fn ethereums_fleet_lies_between_the_hiveos_fleet_and_mcdonalds_trend() {
    let Some(days) = common::history("ethereums_fleet_lies_between", "ethereum") else {
        return;
    };
    let c = Catalogues::embedded();
    let params = Params::default();
    let e = estimate_day(
        c,
        "ethereum",
        day("2020-04-16"),
        &days,
        &params,
        Some(Method::Hardware),
    )
    .unwrap();
    let wall_j_per_mh = e.inputs["efficiency_j_per_h"]["best"].as_f64().unwrap() * 1e6;
    let board_share = e.inputs["basket_board_share"].as_f64().unwrap();
    // Back to the cards' own draw: the board-listed part of the basket
    // carries the rig factor, the rest (ASICs) is at the wall already.
    let rig = board_share * params.rig_factor.best + (1.0 - board_share);
    let mh_per_s_per_w = rig / wall_j_per_mh;
    println!("ethereum 2020-04-16: {mh_per_s_per_w:.3} MH/s per W at the cards ({board_share:.2} of the basket on cards)");
    assert!(board_share > 0.9, "{board_share}");
    assert!(
        (0.232..0.371).contains(&mh_per_s_per_w),
        "{mh_per_s_per_w} MH/s per W"
    );
}

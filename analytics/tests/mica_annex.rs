//! The disclosure against the Annex of Delegated Regulation (EU) 2025/422:
//! every field, in order, with the code, name, unit and format the Annex
//! gives (`config/catalogues/mica_annex.csv`, each row with where it was
//! read), and every value written as Table 1 says.

use blockwatt_analytics::mica::{AnnexTable, Checked, FieldFormat};
use blockwatt_analytics::{disclosure, Asset, Catalogues, Discloser, Params, Period};
use blockwatt_domain::{Basis, Bounds, DailyMetrics, Estimate};
use chrono::NaiveDate;

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// Two plain days: 365.25 TWh/yr is 1e9 kWh a day.
fn estimates() -> (Vec<Estimate>, Vec<DailyMetrics>) {
    let b = |x: f64| Bounds::new(x * 0.5, x, x * 2.0);
    let mut est = Vec::new();
    let mut days = Vec::new();
    for d in ["2020-01-01", "2020-01-02"] {
        est.push(Estimate {
            chain: "bitcoin".into(),
            date: day(d),
            basis: Basis::Measured,
            as_of: day(d),
            method: "hardware".into(),
            methodology_version: "hardware.5".into(),
            power_w: b(1.0),
            energy_twh_per_year: b(365.25),
            co2e_t_per_year: b(365.25e6),
            water_m3_per_year: b(365.25),
            ewaste_t_per_year: b(365.25),
            per_tx: None,
            inputs: Default::default(),
        });
        let mut m = DailyMetrics::empty("bitcoin", day(d), "test");
        m.tx_count = Some(1_000_000);
        days.push(m);
    }
    (est, days)
}

/// A chain's native coin as the asset disclosed, named `name`.
fn native<'a>(c: &'a Catalogues, chain: &'a str, name: &'a str) -> Asset<'a> {
    Asset {
        id: chain,
        name,
        hosts: vec![c.chain(chain).unwrap()],
        allocation: None,
        not_counted: vec![],
    }
}

/// The period from `start` to `end`.
fn period(start: NaiveDate, end: NaiveDate) -> Period {
    Period { start, end }
}

/// The asset and period the two plain days describe.
fn bitcoin_two_days(c: &Catalogues) -> (Asset<'_>, Period) {
    (
        native(c, "bitcoin", "Bitcoin"),
        period(day("2020-01-01"), day("2020-01-02")),
    )
}

#[test]
fn the_annex_has_its_tables_in_order() {
    let c = Catalogues::embedded();
    let a = &c.mica_annex;
    let table = |t: AnnexTable| {
        a.iter()
            .filter(|f| f.table == t)
            .map(|f| f.code.as_str())
            .collect::<Vec<_>>()
    };
    let codes =
        |r: std::ops::RangeInclusive<usize>| r.map(|i| format!("S.{i}")).collect::<Vec<_>>();
    assert_eq!(table(AnnexTable::Mandatory), codes(1..=9));
    assert_eq!(table(AnnexTable::Supplementary), codes(10..=16));
    assert_eq!(table(AnnexTable::Optional), codes(17..=36));
    // The two fields read in the adopted text, word for word.
    assert_eq!((a[0].name.as_str(), a[0].checked), ("Name", Checked::Oj));
    assert_eq!(
        (a[1].name.as_str(), a[1].checked),
        ("Relevant legal entity identifier", Checked::Oj)
    );
    // Units and formats of the figures the issue names.
    let f = |code: &str| a.iter().find(|f| f.code == code).unwrap();
    for (code, unit, format) in [
        ("S.6", "", FieldFormat::Date),
        (
            "S.8",
            "kWh",
            FieldFormat::Decimal {
                digits: 18,
                fraction: 5,
            },
        ),
        (
            "S.10",
            "%",
            FieldFormat::Decimal {
                digits: 11,
                fraction: 10,
            },
        ),
        (
            "S.11",
            "kWh",
            FieldFormat::Decimal {
                digits: 18,
                fraction: 5,
            },
        ),
        (
            "S.12",
            "tCO2e",
            FieldFormat::Decimal {
                digits: 18,
                fraction: 5,
            },
        ),
        (
            "S.13",
            "tCO2e",
            FieldFormat::Decimal {
                digits: 18,
                fraction: 5,
            },
        ),
        (
            "S.14",
            "kgCO2e",
            FieldFormat::Decimal {
                digits: 18,
                fraction: 5,
            },
        ),
        (
            "S.19",
            "kgCO2e per kWh",
            FieldFormat::Decimal {
                digits: 18,
                fraction: 5,
            },
        ),
        (
            "S.22",
            "t",
            FieldFormat::Decimal {
                digits: 18,
                fraction: 5,
            },
        ),
        (
            "S.31",
            "m3",
            FieldFormat::Decimal {
                digits: 18,
                fraction: 5,
            },
        ),
    ] {
        assert_eq!(
            (f(code).unit.as_str(), f(code).format),
            (unit, format),
            "{code}"
        );
    }
}

#[test]
fn every_field_is_disclosed_as_the_annex_writes_it() {
    let c = Catalogues::embedded();
    let (est, days) = estimates();
    let (asset, period) = bitcoin_two_days(c);
    let who = Discloser {
        name: Some("Example CASP".into()),
        lei: Some("529900T8BM49AURSDO55".into()),
    };
    let d = disclosure(c, &asset, &who, period, &est, &days, &Params::default()).unwrap();
    assert_eq!(d.fields.len(), 36);
    for (field, annex) in d.fields.iter().zip(&c.mica_annex) {
        assert_eq!(field.code, annex.code);
        assert_eq!(field.name, annex.name);
        assert_eq!(field.unit, annex.unit);
        assert_eq!(field.format, annex.format.label());
        assert_eq!(field.table, annex.table.number());
        // A field not computed says why; none is a silent blank.
        if field.value.is_none() && field.parts.is_empty() {
            assert!(
                field.note.as_deref().is_some_and(|n| n.starts_with("not ")),
                "{field:?}"
            );
        }
        let parts = field
            .parts
            .iter()
            .flat_map(|p| [&p.value, &p.lower, &p.upper]);
        for v in [&field.value, &field.lower, &field.upper]
            .into_iter()
            .flatten()
            .chain(parts)
        {
            match annex.format {
                FieldFormat::Decimal { digits, fraction } => {
                    let fits = v.parse::<f64>().is_ok()
                        && v.chars().filter(char::is_ascii_digit).count() <= usize::from(digits)
                        && v.split('.').nth(1).map_or(0, str::len) <= usize::from(fraction);
                    assert!(fits, "{}: {v} in {}", field.code, annex.format.label());
                }
                FieldFormat::Date => {
                    assert!(NaiveDate::parse_from_str(v, "%Y-%m-%d").is_ok(), "{v}")
                }
                FieldFormat::FreeText => assert!(!v.trim().is_empty()),
            }
        }
    }
    let value = |code: &str| {
        d.fields
            .iter()
            .find(|f| f.code == code)
            .unwrap()
            .value
            .clone()
    };
    // Two days of 1e9 kWh scaled to a year; 2e9 kWh over 2e6 transactions.
    assert_eq!(value("S.8").as_deref(), Some("365250000000"));
    assert_eq!(d.fields[7].lower.as_deref(), Some("182625000000"));
    assert_eq!(value("S.11").as_deref(), Some("1000"));
    assert_eq!(value("S.14").as_deref(), Some("1000"));
    assert_eq!(value("S.19").as_deref(), Some("1"));
    assert_eq!(value("S.1").as_deref(), Some("Example CASP"));
    assert_eq!(value("S.7").as_deref(), Some("2020-01-02"));
    assert!(d.missing_required.is_empty(), "{:?}", d.missing_required);
    // Scope 1 is zero by the stated rule, its note saying so; S.14 is then
    // S.13 alone per transaction: 2e9 kWh at 1 kg/kWh over 2e6 transactions.
    let s12 = d.fields.iter().find(|f| f.code == "S.12").unwrap();
    assert_eq!(
        (
            s12.lower.as_deref(),
            s12.value.as_deref(),
            s12.upper.as_deref()
        ),
        (Some("0"), Some("0"), Some("0"))
    );
    assert!(s12
        .note
        .as_deref()
        .is_some_and(|n| n.starts_with("zero by rule, not measured")));
    // S.17 in parts, one per primary source: they make the whole, and the
    // renewable ones are the generation's renewable share.
    let s17 = d.fields.iter().find(|f| f.code == "S.17").unwrap();
    assert_eq!(s17.value, None);
    let names: Vec<&str> = s17.parts.iter().map(|p| p.part.as_str()).collect();
    assert_eq!(names, blockwatt_analytics::catalogue::GENERATION_SOURCES);
    let share = |p: &blockwatt_analytics::FieldPart| -> (f64, f64, f64) {
        let f = |v: &str| v.parse::<f64>().unwrap();
        (f(&p.lower), f(&p.value), f(&p.upper))
    };
    for p in &s17.parts {
        let (lower, best, upper) = share(p);
        assert!(lower <= best && best <= upper, "{p:?}");
    }
    let total: f64 = s17.parts.iter().map(|p| share(p).1).sum();
    assert!((total - 100.0).abs() < 0.01, "the parts sum to {total}");
    let renewable: f64 = s17
        .parts
        .iter()
        .filter(|p| {
            ["hydro", "wind", "solar", "bioenergy", "other_renewable"].contains(&p.part.as_str())
        })
        .map(|p| share(p).1)
        .sum();
    // S.10 is the share consumed in the period's year where Electricity
    // Maps gives the country (2020 takes its nearest year, 2021), the
    // generation share elsewhere; S.17's renewable parts stay generation.
    let c = Catalogues::embedded();
    let (_, shares) = c.location_for("bitcoin", 2020).expect("bitcoin's 2020 map");
    let weighted = |series: &blockwatt_analytics::catalogue::CountrySeries| -> f64 {
        let none = std::collections::BTreeSet::new();
        let b = blockwatt_analytics::location::location_weighted(shares, &none, series, 2020, 0.0);
        100.0 * b.expect("every country or the world has a share").best
    };
    let s10: f64 = value("S.10").unwrap().parse().unwrap();
    let consumed = weighted(&c.renewable_share);
    let generated = weighted(&c.renewable_generation_share);
    assert!(
        (s10 - consumed).abs() < 0.05,
        "S.10 {s10} against {consumed}"
    );
    assert!(
        (renewable - generated).abs() < 0.05,
        "renewable parts {renewable} against {generated}"
    );
    assert!((consumed - generated).abs() > 0.5, "{consumed} {generated}");
    println!(
        "bitcoin 2020: S.10 {s10}% consumed, S.17's renewable parts {renewable}% of generation"
    );
    // The Global E-waste Monitor 2024: 22.3% of the world's e-waste
    // documented as recycled in 2022, Europe 42.8%, Africa under 1%.
    let s23 = d.fields.iter().find(|f| f.code == "S.23").unwrap();
    assert_eq!(
        (
            s23.lower.as_deref(),
            s23.value.as_deref(),
            s23.upper.as_deref()
        ),
        (Some("57.2"), Some("77.7"), Some("99"))
    );
    assert!(s23
        .note
        .as_deref()
        .is_some_and(|n| n.contains("no rate is published for mining")));
}

#[test]
fn the_threshold_decides_on_the_best_estimate_and_says_when_it_is_close() {
    let c = Catalogues::embedded();
    let (mut est, days) = estimates();
    // 400,000 kWh a year best, 200,000 to 800,000 in the bounds.
    for e in &mut est {
        e.energy_twh_per_year = Bounds::new(0.0002, 0.0004, 0.0008);
    }
    let (asset, period) = bitcoin_two_days(c);
    let d = disclosure(
        c,
        &asset,
        &Discloser::default(),
        period,
        &est,
        &days,
        &Params::default(),
    )
    .unwrap();
    assert!(
        !d.threshold.table3_mandatory && d.threshold.within_bounds,
        "{:?}",
        d.threshold
    );
    // Below the threshold Table 3's gaps are not required ones.
    assert_eq!(d.missing_required, ["S.1", "S.2"]);
}

#[test]
fn a_period_defaults_to_the_last_full_calendar_year() {
    assert_eq!(
        Period::resolve(None, None, day("2026-11-30")),
        Period {
            start: day("2025-01-01"),
            end: day("2025-12-31")
        }
    );
    assert_eq!(
        Period::resolve(Some(day("2024-03-01")), None, day("2026-11-30")).end,
        day("2024-12-31")
    );
    assert_eq!(
        Period::resolve(None, Some(day("2024-03-01")), day("2026-11-30")).start,
        day("2024-01-01")
    );
}

/// S.15 and S.16 name the location each host takes in the period's year
/// and how far its bounds reach: Ethereum's node geography from 2025, the
/// world average (all of the mix moved) before, Bitcoin's mining map.
#[test]
fn the_sources_name_the_location_of_the_periods_year_and_its_bounds() {
    let c = Catalogues::embedded();
    let who = Discloser::default();
    let text_of = |chain: &str, year: &str, code: &str| -> String {
        let (mut est, mut days) = estimates();
        for (e, d) in est.iter_mut().zip(days.iter_mut()) {
            let date = day(&format!("{year}{}", &e.date.to_string()[4..]));
            (e.chain, e.date, e.as_of) = (chain.to_owned(), date, date);
            (d.chain, d.day) = (chain.to_owned(), date);
        }
        let asset = native(c, chain, chain);
        let period = period(est[0].date, est[1].date);
        let d = disclosure(c, &asset, &who, period, &est, &days, &Params::default()).unwrap();
        let f = d.fields.iter().find(|f| f.code == code).unwrap();
        serde_json::to_value(&f.value).unwrap().to_string()
    };
    let s15 = text_of("ethereum", "2025", "S.15");
    assert!(
        s15.contains("(ethereum-2025, its bounds moving 20% of the mix) in 2025"),
        "{s15}"
    );
    let s15 = text_of("ethereum", "2020", "S.15");
    assert!(
        s15.contains("(ethereum-2015, its bounds moving 100% of the mix) in 2020"),
        "{s15}"
    );
    let s16 = text_of("bitcoin", "2020", "S.16");
    assert!(
        s16.contains("(bitcoin-2020, its bounds moving 20% of the mix)"),
        "{s16}"
    );
    assert!(!s16.contains("blocks were mined"), "{s16}");
}

/// A period of Ethereum's mining says in S.16 that its grid intensity is
/// where the blocks were mined, month by month, and S.13 is the estimates'
/// carbon, which took it.
#[test]
fn ethereums_mining_months_are_named_in_the_scope_2_sources() {
    let c = Catalogues::embedded();
    let mut days = Vec::new();
    for d in ["2020-01-31", "2020-02-01"] {
        let mut m = DailyMetrics::empty("ethereum", day(d), "test");
        m.hashrate_hs = Some(150e12);
        m.issuance_usd = Some(3e6);
        m.fees_usd = Some(2e5);
        m.tx_count = Some(700_000);
        days.push(m);
    }
    let p = Params::default();
    let est = blockwatt_analytics::estimate_series(c, "ethereum", &days, &p, None).unwrap();
    assert_eq!(est.len(), 2);
    let asset = native(c, "ethereum", "Ethereum");
    let period = period(day("2020-01-31"), day("2020-02-01"));
    let d = disclosure(c, &asset, &Discloser::default(), period, &est, &days, &p).unwrap();
    let field = |code: &str| d.fields.iter().find(|f| f.code == code).unwrap();
    let s16 = serde_json::to_value(&field("S.16").value)
        .unwrap()
        .to_string();
    assert!(
        s16.contains("On the period's mining days (2020-01 to 2020-02), the grid intensity is instead each month's where the chain's blocks were mined"),
        "{s16}"
    );
    let note = |code: &str| field(code).note.clone().unwrap_or_default();
    assert!(
        note("S.13").contains("or on mining days of where the chain's blocks were mined"),
        "{}",
        note("S.13")
    );
    assert!(
        note("S.19").contains("or on mining days that of where"),
        "{}",
        note("S.19")
    );
    // S.13 (t/yr) from the two days' carbon, which used 313.3 and 312.9 g/kWh.
    let grid: Vec<f64> = est
        .iter()
        .map(|e| e.inputs["grid_gco2e_per_kwh"]["best"].as_f64().unwrap())
        .collect();
    assert_eq!(grid, [313.3, 312.9]);
    let s13 = serde_json::to_value(&field("S.13").value).unwrap();
    let mean: f64 = est.iter().map(|e| e.co2e_t_per_year.best).sum::<f64>() / 2.0;
    // The annex writes it as text, rounded to the tonne.
    let best: f64 = s13
        .as_str()
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("{s13}"));
    assert!((best - mean).abs() <= 0.01 * mean, "{best} vs {mean}");
}

/// S.20 gives a proof-of-stake chain's validator machines' manufacture and
/// transport, per year, from its estimates; a mining chain's says why it
/// has none.
#[test]
fn scope_3_is_the_validator_machines_and_not_mining_machines() {
    let c = Catalogues::embedded();
    let p = Params::default();
    let field = |chain: &str, days: Vec<DailyMetrics>| {
        let est = blockwatt_analytics::estimate_series(c, chain, &days, &p, None).unwrap();
        let asset = native(c, chain, chain);
        let period = period(days[0].day, days[days.len() - 1].day);
        let d = disclosure(c, &asset, &Discloser::default(), period, &est, &days, &p).unwrap();
        let f = d.fields.into_iter().find(|f| f.code == "S.20").unwrap();
        (est, serde_json::to_value(&f).unwrap())
    };
    let mut cardano = Vec::new();
    for d in ["2024-06-01", "2024-06-02"] {
        let mut m = DailyMetrics::empty("cardano", day(d), "test");
        m.node_count = Some(3000);
        m.tx_count = Some(80_000);
        cardano.push(m);
    }
    let (est, s20) = field("cardano", cardano);
    // Two days of the same fleet, scaled to a year: the day's own figure.
    let made = blockwatt_analytics::node_hardware::embodied_t_per_year(&est[0].inputs).unwrap();
    let value: f64 = s20["value"].as_str().unwrap().parse().unwrap();
    // Written to the precision the disclosure gives (352.106).
    assert!((value - made.best).abs() < 1e-5 * made.best, "{s20}");
    assert!(
        s20["note"]
            .as_str()
            .unwrap()
            .contains("validator nodes' machines only"),
        "{s20}"
    );
    let mut btc = Vec::new();
    for d in ["2020-01-01", "2020-01-02"] {
        let mut m = DailyMetrics::empty("bitcoin", day(d), "test");
        m.hashrate_hs = Some(100e18);
        m.issuance_usd = Some(9e6);
        m.fees_usd = Some(5e5);
        m.tx_count = Some(300_000);
        btc.push(m);
    }
    let (_, s20) = field("bitcoin", btc);
    assert!(s20["value"].is_null(), "{s20}");
    assert!(
        s20.to_string()
            .contains("the manufacture of mining machines is not modelled"),
        "{s20}"
    );
}

/// A chain's estimates on consecutive days from `from`, one per value of
/// `twh` (TWh/yr, so twh / 365.25 × 1e9 kWh that day), with `txs`
/// transactions a day.
fn chain_days(
    chain: &str,
    from: &str,
    twh: &[f64],
    txs: u64,
) -> (Vec<Estimate>, Vec<DailyMetrics>) {
    let b = |x: f64| Bounds::new(x * 0.5, x, x * 2.0);
    let mut est = Vec::new();
    let mut days = Vec::new();
    for (d, &twh) in day(from).iter_days().zip(twh) {
        est.push(Estimate {
            chain: chain.into(),
            date: d,
            basis: Basis::Measured,
            as_of: d,
            method: "pos-nodes".into(),
            methodology_version: "pos-nodes.6".into(),
            power_w: b(1.0),
            energy_twh_per_year: b(twh),
            co2e_t_per_year: b(twh * 1e6),
            water_m3_per_year: b(twh),
            ewaste_t_per_year: b(twh),
            per_tx: None,
            inputs: Default::default(),
        });
        let mut m = DailyMetrics::empty(chain, d, "test");
        m.tx_count = Some(txs);
        days.push(m);
    }
    (est, days)
}

/// A token's figure on several hosts is the sum of its figures on each,
/// whatever days each host has estimates for.
fn token_on<'a>(c: &'a Catalogues, hosts: &[&str]) -> Asset<'a> {
    Asset {
        id: "tok",
        name: "Token",
        hosts: hosts.iter().map(|h| c.chain(h).unwrap()).collect(),
        allocation: Some("test allocation".into()),
        not_counted: vec![],
    }
}

proptest::proptest! {
    #[test]
    fn a_tokens_totals_are_the_sums_of_its_hosts(
        a in proptest::collection::vec(0.001..1000.0f64, 1..=31),
        b in proptest::collection::vec(0.001..1000.0f64, 1..=31),
    ) {
        let c = Catalogues::embedded();
        let p = Params::default();
        let january = period(day("2021-01-01"), day("2021-01-31"));
        let (mut est, mut days) = chain_days("ethereum", "2021-01-01", &a, 1000);
        let (e, d) = chain_days("polygon", "2021-01-01", &b, 1000);
        est.extend(e);
        days.extend(d);
        let total = |hosts: &[&str], code: &str| -> f64 {
            let d = disclosure(c, &token_on(c, hosts), &Discloser::default(), january, &est, &days, &p).unwrap();
            let f = d.fields.iter().find(|f| f.code == code).unwrap();
            f.value.as_deref().unwrap().parse().unwrap()
        };
        for code in ["S.8", "S.13", "S.22", "S.31"] {
            let both = total(&["ethereum", "polygon"], code);
            let parts = total(&["ethereum"], code) + total(&["polygon"], code);
            // Each written to 6 significant digits: off by up to half a
            // unit of the sixth digit, 5e-6 of a number starting with 1.
            proptest::prop_assert!((both - parts).abs() <= 1e-5 * (both + parts), "{code}: {both} against {parts}");
        }
    }
}

/// A token on several chains: a host launched during the period counts
/// from its launch, its few estimated days standing for the days it
/// existed and not for the whole period; a host with no estimate, and one
/// launched after the period, are named as not counted; a period that
/// starts before every host existed is refused.
#[test]
fn a_tokens_hosts_count_for_the_days_they_existed_and_the_missing_are_named() {
    let c = Catalogues::embedded();
    let p = Params::default();
    let (mut est, mut days) = chain_days("ethereum", "2020-09-01", &[365.25; 30], 1_000_000);
    // Avalanche launched on 2020-09-21: 5 of its 10 days are estimated.
    let (e, d) = chain_days("avalanche", "2020-09-21", &[36.525; 5], 100_000);
    est.extend(e);
    days.extend(d);
    let token = |hosts: &[&str]| Asset {
        id: "tok",
        name: "Token",
        hosts: hosts.iter().map(|h| c.chain(h).unwrap()).collect(),
        allocation: Some("test allocation".into()),
        not_counted: vec![],
    };
    let number = |d: &blockwatt_analytics::Disclosure, code: &str| -> f64 {
        let f = d.fields.iter().find(|f| f.code == code).unwrap();
        f.value.as_deref().unwrap().parse().unwrap()
    };
    let september = period(day("2020-09-01"), day("2020-09-30"));
    let d = disclosure(
        c,
        &token(&["ethereum", "avalanche", "polygon"]),
        &Discloser::default(),
        september,
        &est,
        &days,
        &p,
    )
    .unwrap();
    // Ethereum's 30 days of 1e9 kWh scale to 365.25e9 kWh a year; Avalanche's
    // 1e8 kWh a day for the third of the period it existed adds 1.2175e10
    // (scaled over the whole period, as before, it would add 3.6525e10).
    let s8 = number(&d, "S.8");
    assert!((s8 / (365.25e9 + 1.2175e10) - 1.0).abs() < 1e-5, "{s8}");
    // Per transaction, the period's energy over its transactions.
    let s11 = number(&d, "S.11");
    assert!((s11 / 1000.0 - 1.0).abs() < 1e-5, "{s11}");
    assert_eq!(d.chains, ["ethereum", "avalanche", "polygon"]);
    assert_eq!(d.not_counted.len(), 1, "{:?}", d.not_counted);
    assert_eq!(d.not_counted[0].chain, "polygon");
    let s8_note = d
        .fields
        .iter()
        .find(|f| f.code == "S.8")
        .and_then(|f| f.note.clone())
        .unwrap();
    for part in [
        "Avalanche: 5 estimated of the 10 days from its launch on 2020-09-21",
        "Ethereum: 30 estimated of the period's 30 days",
        "not counted: no estimate of Polygon PoS on any day from 2020-09-01 to 2020-09-30",
    ] {
        assert!(s8_note.contains(part), "{part:?} not in {s8_note}");
    }
    let s9 = d.fields.iter().find(|f| f.code == "S.9").unwrap();
    let s9 = s9.value.as_deref().unwrap();
    assert!(
        s9.contains("35 days of its 2 host chains estimated (35 measured"),
        "{s9}"
    );

    // Before Avalanche's launch it holds none of the token.
    let early = period(day("2020-09-01"), day("2020-09-10"));
    let d = disclosure(
        c,
        &token(&["ethereum", "avalanche"]),
        &Discloser::default(),
        early,
        &est,
        &days,
        &p,
    )
    .unwrap();
    assert!((number(&d, "S.8") / 365.25e9 - 1.0).abs() < 1e-5);
    assert_eq!(d.not_counted.len(), 1);
    assert!(
        d.not_counted[0]
            .reason
            .contains("launched on 2020-09-21, after the period"),
        "{:?}",
        d.not_counted
    );

    // No host existed on the first day: no figure.
    let e = disclosure(
        c,
        &token(&["ethereum", "avalanche"]),
        &Discloser::default(),
        period(day("2015-01-01"), day("2015-12-31")),
        &est,
        &days,
        &p,
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("ethereum did not exist on 2015-01-01: its first day is 2015-07-30"),
        "{e}"
    );
}

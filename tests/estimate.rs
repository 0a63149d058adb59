//! `blockwatt estimate` and `blockwatt chains`.

mod common;

use common::*;

/// Every chain slug of DESIGN.md has a method, and `chains` says which.
#[test]
fn chains_lists_every_design_slug_with_a_method() {
    let dir = tempfile::tempdir().unwrap();
    let out = blockwatt(dir.path())
        .args(["chains", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let chains: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let slugs = [
        "bitcoin",
        "litecoin",
        "dogecoin",
        "bitcoin-cash",
        "dash",
        "zcash",
        "monero",
        "ethereum",
        "ethereum-classic",
        "cardano",
        "solana",
        "polkadot",
        "tezos",
        "algorand",
        "avalanche",
        "cosmos",
        "tron",
        "polygon",
        "bnb",
    ];
    for slug in slugs {
        let c = chains
            .iter()
            .find(|c| c["chain"] == slug)
            .unwrap_or_else(|| panic!("{slug} missing"));
        assert!(
            c["default_method"].as_str().is_some_and(|m| !m.is_empty()),
            "{slug}: {c}"
        );
        assert!(
            !c["live_inputs"].as_array().unwrap().is_empty(),
            "{slug}: {c}"
        );
    }
    assert!(
        !dir.path().join("data").exists(),
        "chains must not create a database"
    );
}

/// Import, then estimates by day and by series, in every format, and the
/// errors a user can make.
#[test]
fn estimate_after_import_in_every_format() {
    let Some(data) = blockwatt_testkit::shared_data("cli::estimate_after_import_in_every_format")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| blockwatt(dir.path()).args(args).output().unwrap();
    import_bitcoin(dir.path(), &data);

    let one = run(&[
        "estimate",
        "--chain",
        "bitcoin",
        "--date",
        "2020-06-15",
        "--method",
        "cbeci-v1",
    ]);
    assert!(one.status.success(), "{}", stderr(&one));
    let e: serde_json::Value = serde_json::from_slice(&one.stdout).unwrap();
    assert_eq!(
        (
            e["chain"].as_str(),
            e["date"].as_str(),
            e["method"].as_str()
        ),
        (Some("bitcoin"), Some("2020-06-15"), Some("cbeci-v1"))
    );
    let twh = &e["energy_twh_per_year"];
    let (lo, best, hi) = (
        twh["lower"].as_f64().unwrap(),
        twh["best"].as_f64().unwrap(),
        twh["upper"].as_f64().unwrap(),
    );
    assert!(lo <= best && best <= hi, "{twh}");
    // CCAF published 53.4 TWh/yr for 2020-06-15; the model tests hold it to a few percent.
    assert!((45.0..65.0).contains(&best), "{best}");
    assert!(e["inputs"].as_object().is_some_and(|i| !i.is_empty()));

    let csv = run(&[
        "estimate",
        "--chain",
        "bitcoin",
        "--from",
        "2020-07-01",
        "--to",
        "2020-07-27",
        "--format",
        "csv",
    ]);
    assert!(csv.status.success(), "{}", stderr(&csv));
    let mut reader = csv::Reader::from_reader(csv.stdout.as_slice());
    let header = reader.headers().unwrap().clone();
    assert!(
        header.iter().any(|h| h == "energy_twh_per_year_best"),
        "{header:?}"
    );
    assert_eq!(reader.records().count(), 27);

    let lines = run(&[
        "estimate",
        "--chain",
        "bitcoin",
        "--from",
        "2020-07-25",
        "--format",
        "json",
    ]);
    assert!(lines.status.success(), "{}", stderr(&lines));
    let days: Vec<serde_json::Value> = String::from_utf8_lossy(&lines.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(days.len(), 3, "2020-07-25 .. latest stored day 2020-07-27");

    // The day's sensitivity, as a ranked table with a bar per parameter,
    // and as the API's JSON.
    let table = run(&[
        "estimate",
        "--chain",
        "bitcoin",
        "--date",
        "2020-06-15",
        "--explain",
        "sensitivity",
        "--format",
        "table",
    ]);
    assert!(table.status.success(), "{}", stderr(&table));
    let text = String::from_utf8_lossy(&table.stdout);
    let ranked: Vec<&str> = text
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(
        ranked.contains(&"electricity_price") && ranked.contains(&"pue"),
        "{text}"
    );
    assert!(
        text.lines().nth(1).is_some_and(|l| l.contains('#')),
        "{text}"
    );
    let json = run(&[
        "estimate",
        "--chain",
        "bitcoin",
        "--date",
        "2020-06-15",
        "--explain",
        "sensitivity",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(
        v["sensitivity"][0]["parameter"].as_str(),
        ranked.first().copied(),
        "the table and the JSON rank alike"
    );
    println!("{text}");
    // The Monte Carlo's percentiles beside the bounds, as people read them.
    let dist = run(&[
        "estimate",
        "--chain",
        "bitcoin",
        "--date",
        "2020-06-15",
        "--explain",
        "distribution",
        "--format",
        "table",
    ]);
    assert!(dist.status.success(), "{}", stderr(&dist));
    let text = String::from_utf8_lossy(&dist.stdout);
    assert!(text.contains("10000 draws, seed 1"), "{text}");
    assert!(
        text.lines().any(|l| l.starts_with("energy TWh/yr")),
        "{text}"
    );
    println!("{text}");

    for (args, needle) in [
        (
            vec!["estimate", "--chain", "bitcoin", "--price", "7"],
            "electricity_price_usd_per_kwh = 7 is out of range",
        ),
        (
            vec!["estimate", "--chain", "bitcon"],
            "unknown chain \"bitcon\"",
        ),
        (
            vec!["estimate", "--chain", "bitcoin", "--method", "magic"],
            "method \"magic\" is not available for bitcoin",
        ),
        (
            vec![
                "estimate",
                "--chain",
                "bitcoin",
                "--from",
                "2020-07-27",
                "--to",
                "2020-07-01",
            ],
            "from must not be after to",
        ),
        (
            vec!["estimate", "--chain", "bitcoin", "--date", "2020-02-30"],
            "is not a date",
        ),
        (
            vec![
                "estimate",
                "--chain",
                "bitcoin",
                "--from",
                "2020-07-01",
                "--explain",
                "sensitivity",
            ],
            "explains one day",
        ),
    ] {
        let out = run(&args);
        assert!(!out.status.success(), "{args:?} succeeded");
        assert!(stderr(&out).contains(needle), "{args:?}: {}", stderr(&out));
    }
}

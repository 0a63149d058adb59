//! `blockwatt import coinmetrics` from a file.

mod common;

use common::*;

/// A good import is stored; a later malformed file for the same chain is
/// refused with its line number, and what was stored is untouched.
#[test]
fn coinmetrics_import_is_all_or_nothing() {
    let Some(data) = blockwatt_testkit::shared_data("cli::coinmetrics_import_is_all_or_nothing")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let btc = data.join("coinmetrics/btc.csv");
    let ok = blockwatt(dir.path())
        .args(["import", "coinmetrics", "--chain", "bitcoin", "--file"])
        .arg(&btc)
        .output()
        .unwrap();
    assert!(ok.status.success(), "{}", stderr(&ok));
    assert!(String::from_utf8_lossy(&ok.stdout)
        .contains("imported 4224 days of bitcoin (2009-01-03 .. 2020-07-27)"));

    // Good first rows that would overwrite stored days, then a bad one.
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "time,HashRate,IssTotUSD\n2020-07-26,1.0,5.0\n2020-07-27,oops,5.0\n",
    )
    .unwrap();
    let refused = blockwatt(dir.path())
        .args(["import", "coinmetrics", "--chain", "bitcoin", "--file"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1), "{}", stderr(&refused));
    let err = stderr(&refused);
    assert!(
        err.contains("line 3: column HashRate: \"oops\" is not a number")
            && err.contains("nothing was imported"),
        "{err}"
    );

    let day = |s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let rows = stored_metrics(dir.path(), "bitcoin", day("2009-01-01"), day("2021-01-01"));
    assert_eq!(rows.len(), 4224);
    let last = rows.last().unwrap();
    assert!(
        last.hashrate_hs.unwrap() > 1e20,
        "stored day was overwritten: {last:?}"
    );
}

/// A file that cannot describe the chain it is imported under is refused
/// whole: Bitcoin's history (from 2009) under `--chain ethereum` (from
/// 2015-07-30), and a chain outside the catalogue. Nothing is stored.
#[test]
fn a_file_of_another_chain_or_an_unknown_chain_is_refused() {
    let Some(data) = blockwatt_testkit::shared_data(
        "cli::a_file_of_another_chain_or_an_unknown_chain_is_refused",
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let btc = data.join("coinmetrics/btc.csv");
    let import = |chain: &str| {
        blockwatt(dir.path())
            .args(["import", "coinmetrics", "--chain", chain, "--file"])
            .arg(&btc)
            .output()
            .unwrap()
    };
    let refused = import("ethereum");
    assert_eq!(refused.status.code(), Some(1), "{}", stderr(&refused));
    let err = stderr(&refused);
    assert!(
        err.contains("the row of 2009-01-03 is before ethereum's first day, 2015-07-30")
            && err.contains("another chain's file")
            && err.contains("nothing was imported"),
        "{err}"
    );
    let unknown = import("bitcoin-gold");
    assert_eq!(unknown.status.code(), Some(1), "{}", stderr(&unknown));
    let err = stderr(&unknown);
    assert!(
        err.contains("\"bitcoin-gold\" is not a chain of the catalogue")
            && err.contains("bitcoin,"),
        "{err}"
    );

    let day = |s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let stored: usize = ["ethereum", "bitcoin-gold"]
        .iter()
        .map(|chain| stored_metrics(dir.path(), chain, day("2009-01-01"), day("2021-01-01")).len())
        .sum();
    assert_eq!(stored, 0, "a refused file left rows behind");
}

//! Test helpers: the Coin Metrics community CSV (test fixture only: CC BY-NC)
//! read into `DailyMetrics`, through `blockwatt_testkit::shared_data`.

#![allow(dead_code)]

use std::path::Path;

use blockwatt_domain::DailyMetrics;
use chrono::NaiveDate;

/// Coin Metrics file name and the factor from its `HashRate` unit to H/s
/// (see ../shared/data/README.md: TH/s for BTC/LTC/DOGE/BCH/ETH/ETC, GH/s for
/// DASH, H/s for XMR, GSol/s for ZEC).
pub const COINMETRICS_CHAINS: [(&str, &str, f64); 9] = [
    ("bitcoin", "btc.csv", 1e12),
    ("litecoin", "ltc.csv", 1e12),
    ("dogecoin", "doge.csv", 1e12),
    ("bitcoin-cash", "bch.csv", 1e12),
    ("dash", "dash.csv", 1e9),
    ("zcash", "zec.csv", 1e9),
    ("monero", "xmr.csv", 1.0),
    ("ethereum", "eth.csv", 1e12),
    ("ethereum-classic", "etc.csv", 1e12),
];

fn cell(row: &csv::StringRecord, idx: Option<usize>) -> Option<f64> {
    let v = row.get(idx?)?.trim();
    if v.is_empty() {
        None
    } else {
        v.parse().ok()
    }
}

/// Parses a Coin Metrics CSV; panics on malformed test data.
pub fn coinmetrics(path: &Path, chain: &str, hashrate_factor: f64) -> Vec<DailyMetrics> {
    let mut rdr = csv::Reader::from_path(path).expect("coin metrics csv opens");
    let headers = rdr.headers().expect("header").clone();
    let col = |name: &str| headers.iter().position(|h| h == name);
    let (t, hr, iss, fee, issn, feen, price, tx, blk, size) = (
        col("time"),
        col("HashRate"),
        col("IssTotUSD"),
        col("FeeTotUSD"),
        col("IssTotNtv"),
        col("FeeTotNtv"),
        col("PriceUSD"),
        col("TxCnt"),
        col("BlkCnt"),
        col("BlkSizeMeanByte"),
    );
    let mut out = Vec::new();
    for row in rdr.records() {
        let row = row.expect("csv row");
        let day: NaiveDate = row[t.expect("time column")].parse().expect("date");
        let mut d = DailyMetrics::empty(chain, day, "coinmetrics");
        d.hashrate_hs = cell(&row, hr).map(|h| h * hashrate_factor);
        d.issuance_usd = cell(&row, iss);
        d.fees_usd = cell(&row, fee);
        d.issuance_native = cell(&row, issn);
        d.fees_native = cell(&row, feen);
        d.price_usd = cell(&row, price);
        d.tx_count = cell(&row, tx).map(|n| n as u64);
        d.block_count = cell(&row, blk).map(|n| n as u64);
        d.block_size_mean_bytes = cell(&row, size);
        out.push(d);
    }
    out
}

/// One chain's history from ../shared/data, or None (SKIPPED) without it.
pub fn history(test: &str, chain: &str) -> Option<Vec<DailyMetrics>> {
    let dir = blockwatt_testkit::shared_data(test)?;
    let (_, file, factor) = COINMETRICS_CHAINS.iter().find(|c| c.0 == chain)?;
    Some(coinmetrics(
        &dir.join("coinmetrics").join(file),
        chain,
        *factor,
    ))
}

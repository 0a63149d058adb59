//! A fresh `serve` keeps every chain current by itself: pointed at the
//! replay of Coin Metrics (real community data in the API's documented
//! shape), it brings every covered chain to the provider's last day with
//! its whole history, publishes an index of measured figures, takes the
//! next day as it arrives, and refuses a broken day with the rest intact.
//! `blockwatt sync` does the same once, and never shows an API key.

mod common;

use blockwatt_testkit::coinmetrics_replay::CoinMetricsReplay;
use common::*;
use serde_json::Value;

const CHAINS: [&str; 9] = [
    "bitcoin",
    "litecoin",
    "dogecoin",
    "bitcoin-cash",
    "dash",
    "zcash",
    "monero",
    "ethereum-classic",
    "ethereum",
];

fn last_days(server: &Server) -> Vec<(String, Option<String>)> {
    let (status, body) = server.get("/v1/chains");
    assert_eq!(status, 200, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    v["chains"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| CHAINS.contains(&c["slug"].as_str().unwrap_or_default()))
        .map(|c| {
            (
                c["slug"].as_str().unwrap_or_default().to_owned(),
                c["coverage"]["last_day"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

fn all_through(server: &Server, day: &str) -> bool {
    let days = last_days(server);
    days.len() == CHAINS.len() && days.iter().all(|(_, d)| d.as_deref() == Some(day))
}

#[test]
fn a_fresh_serve_brings_every_chain_current_and_keeps_it_so() {
    let Some(data) = blockwatt_testkit::shared_data("a_fresh_serve_brings_every_chain_current")
    else {
        return;
    };
    let replay = CoinMetricsReplay::start(&data.join("coinmetrics"), "2020-07-25");
    let dir = tempfile::tempdir().unwrap();
    let token = "a-long-enough-admin-token";
    let server = Server::start_with(
        dir.path(),
        &[
            ("BLOCKWATT_SOURCES__COINMETRICS__URL", replay.url.as_str()),
            ("BLOCKWATT_SOURCES__INTERVAL_S", "1"),
            ("BLOCKWATT_ADMIN_TOKEN", token),
            ("BLOCKWATT_PUBLISH__DAILY", "false"),
            // This test polls /v1/chains; no per-client limit here.
            ("BLOCKWATT_API__RATE_LIMIT_PER_MINUTE", "0"),
        ],
    );
    // The API answers at once; the history arrives behind it.
    let started = std::time::Instant::now();
    let current = wait_until(Duration::from_secs(120), || {
        all_through(&server, "2020-07-25")
    });
    assert!(
        current,
        "not every chain reached 2020-07-25: {:?}",
        last_days(&server)
    );
    eprintln!(
        "every chain current after {:?}, {} requests",
        started.elapsed(),
        replay.requests()
    );
    let v: Value = serde_json::from_str(&server.get("/v1/chains").1).unwrap();
    let btc = v["chains"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["slug"] == "bitcoin")
        .unwrap();
    assert_eq!(
        btc["coverage"]["first_day"], "2009-01-03",
        "the whole history"
    );

    // The latest figure is the provider's last day, measured.
    let (status, body) = server.get("/v1/chains/bitcoin/footprint");
    assert_eq!(status, 200, "{body}");
    let latest: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (
            latest["date"].as_str(),
            latest["basis"].as_str(),
            latest["as_of"].as_str()
        ),
        (Some("2020-07-25"), Some("measured"), Some("2020-07-25"))
    );

    // The published index of that day: every covered chain, measured.
    let (status, body) = server.post("/v1/admin/publish", Some(token), r#"{"date":"2020-07-25"}"#);
    assert_eq!(status, 201, "{body}");
    let (status, body) = server.get("/v1/indices/2020-07-25");
    assert_eq!(status, 200, "{body}");
    let index: Value = serde_json::from_str(&body).unwrap();
    for chain in CHAINS {
        let entry = index["chains"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["chain"] == chain)
            .unwrap_or_else(|| panic!("{chain} missing from the index: {body}"));
        assert_eq!(entry["basis"], "measured", "{chain}");
        assert!(entry["sources"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s == "coinmetrics"));
    }

    // The provider publishes two more days, one of them broken for Bitcoin:
    // Bitcoin keeps its good data, every other chain moves on.
    replay.set_value("btc", "2020-07-26", "HashRate", Value::from("not-a-number"));
    replay.serve_through("2020-07-27");
    let moved = wait_until(Duration::from_secs(60), || {
        last_days(&server).iter().all(|(c, d)| {
            d.as_deref()
                == Some(if c == "bitcoin" {
                    "2020-07-25"
                } else {
                    "2020-07-27"
                })
        })
    });
    assert!(moved, "{:?}", last_days(&server));
    // No stale cache: the chain's latest figure is the new day at once.
    let (_, body) = server.get("/v1/chains/litecoin/footprint");
    let ltc: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(ltc["date"], "2020-07-27", "{body}");
    // Bitcoin on the new day says how old its data is.
    let (status, body) = server.get("/v1/chains/bitcoin/footprint?date=2020-07-27");
    assert_eq!(status, 200, "{body}");
    let carried: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (carried["basis"].as_str(), carried["as_of"].as_str()),
        (Some("carried-forward"), Some("2020-07-25"))
    );

    // The same once from the command line, for one chain: the broken day
    // is refused naming chain, day and field; exit code 1.
    let out = blockwatt(dir.path())
        .args(["sync", "--chain", "bitcoin"])
        .env("BLOCKWATT_SOURCES__COINMETRICS__URL", &replay.url)
        .env("BLOCKWATT_SOURCES__COINMETRICS__API_KEY", "SECRET-KEY-123")
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("bitcoin on 2020-07-26: HashRate") && text.contains("not a number"),
        "{text}"
    );
    assert!(!text.contains("SECRET"), "{text}");
}

/// `--offline` and an unreachable provider alike: the API starts and
/// answers at once; nothing is synced.
#[test]
fn the_api_starts_whatever_the_providers_do() {
    let dir = tempfile::tempdir().unwrap();
    // tests/common points the provider at a dead loopback port.
    let server = Server::start(dir.path());
    let (status, _) = server.get("/v1/chains");
    assert_eq!(status, 200);
    drop(server);
    let offline = blockwatt(dir.path())
        .args(["sync", "--chain", "dogecoin"])
        .env("BLOCKWATT_SOURCES__COINMETRICS__MAX_RETRIES", "0")
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&offline.stdout).into_owned();
    assert_eq!(offline.status.code(), Some(1), "{out}");
    assert!(
        out.contains("dogecoin (coinmetrics): failed: coinmetrics (http://127.0.0.1:9)"),
        "{out}"
    );
    let unknown = blockwatt(dir.path())
        .args(["sync", "--chain", "devnet"])
        .output()
        .unwrap();
    assert_eq!(unknown.status.code(), Some(1));
    assert!(
        stderr(&unknown).contains("no public daily data source"),
        "{}",
        stderr(&unknown)
    );
}

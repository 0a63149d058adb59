//! The Coin Metrics API v4 source: the provider's documented answers
//! (`tests/recorded/coinmetrics-api/`), and whole syncs against the replay
//! of real Coin Metrics data (`blockwatt_testkit::coinmetrics_replay`):
//! history in a few requests, the next day in one, and every kind of bad
//! answer refused with nothing stored changed.

mod common;

use std::sync::Arc;

use axum::routing::get;
use axum::{Json, Router};
use blockwatt_ingest::sources::checks::coinmetrics_rows;
use blockwatt_ingest::sources::coinmetrics_api::{asset_of, CoinMetricsClient, Row, PROVIDER};
use blockwatt_ingest::sources::{
    sync_coinmetrics, CoinMetricsConfig, SourceSyncError, SyncOutcome,
};
use blockwatt_store::Store;
use blockwatt_testkit::coinmetrics_replay::CoinMetricsReplay;
use chrono::NaiveDate;
use common::{day, recorded};
use serde_json::{json, Value};

fn config(url: &str) -> CoinMetricsConfig {
    CoinMetricsConfig {
        url: url.to_owned(),
        // The replay has no limit; the spacing is tested by its own count.
        max_requests: 1000,
        per_seconds: 1,
        max_retries: 0,
        ..CoinMetricsConfig::default()
    }
}

fn replay(test: &str, through: &str) -> Option<CoinMetricsReplay> {
    let data = blockwatt_testkit::shared_data(test)?;
    Some(CoinMetricsReplay::start(&data.join("coinmetrics"), through))
}

async fn sync(store: &dyn Store, client: &CoinMetricsClient, end: &str) -> Vec<SyncOutcome> {
    sync_coinmetrics(store, client, None, day(end), &|_| ()).await
}

fn outcome<'a>(all: &'a [SyncOutcome], chain: &str) -> &'a SyncOutcome {
    all.iter().find(|o| o.chain == chain).expect(chain)
}

fn through(all: &[SyncOutcome], chain: &str) -> Option<NaiveDate> {
    outcome(all, chain)
        .result
        .as_ref()
        .unwrap_or_else(|e| panic!("{chain}: {e}"))
        .through
}

#[test]
fn the_documented_daily_answer_reads_as_daily_metrics() {
    let page = recorded("coinmetrics-api/asset-metrics-daily.json");
    let rows: Vec<Row> = serde_json::from_value(page["data"].clone()).expect("rows");
    let refs: Vec<&Row> = rows.iter().collect();
    let btc = asset_of("bitcoin").expect("bitcoin");
    let days = coinmetrics_rows(btc, &refs, None, day("2020-03-01")).expect("documented rows");
    assert_eq!(days.len(), 2);
    assert_eq!(days[0].day, day("2020-02-29"));
    assert_eq!(days[0].price_usd, Some(8582.09029964933));
    assert_eq!(days[1].price_usd, Some(8541.77389392169));
    assert!(days
        .iter()
        .all(|d| d.source == PROVIDER && d.hashrate_hs.is_none()));
    // A day that has not ended is no daily row.
    let err = coinmetrics_rows(btc, &refs, None, day("2020-02-29")).expect_err("too new");
    assert!(err.to_string().contains("2020-03-01"), "{err}");
}

/// The provider's own error bodies reach the user as its words, with the
/// host only; a next page on another host is not followed (a key would
/// travel with it).
#[tokio::test]
async fn documented_errors_and_foreign_next_pages_are_refused_with_the_host_only() {
    let error = recorded("coinmetrics-api/error-400-bad-asset.json");
    let page = recorded("coinmetrics-api/asset-metrics-daily.json");
    let app = Router::new()
        .route(
            "/bad/timeseries/asset-metrics",
            get(move || async move { (axum::http::StatusCode::BAD_REQUEST, Json(error)) }),
        )
        .route(
            "/good/timeseries/asset-metrics",
            get(move || async move { Json(page) }),
        );
    let root = blockwatt_testkit::serve_router(app).await;
    let mut cfg = config(&format!("{root}/bad"));
    cfg.api_key = Some("SECRET-KEY-123".into());
    let client = CoinMetricsClient::new(&cfg).expect("client");
    let err = client
        .asset_metrics(&["btc"], None, day("2020-03-01"))
        .await
        .expect_err("400");
    let text = err.to_string();
    assert!(
        matches!(err, SourceSyncError::Http { status: 400, .. }),
        "{text}"
    );
    assert!(
        text.contains("bad_parameter: Bad parameter 'assets'"),
        "{text}"
    );
    assert!(!text.contains("SECRET") && !text.contains("/bad"), "{text}");

    let client = CoinMetricsClient::new(&config(&format!("{root}/good"))).expect("client");
    let err = client
        .asset_metrics(&["btc"], None, day("2020-03-01"))
        .await
        .expect_err("the documented next_page_url is api.coinmetrics.io");
    let text = err.to_string();
    assert!(text.contains("https://api.coinmetrics.io"), "{text}");
    assert!(!text.contains("api_key"), "{text}");
}

/// A fresh store reaches every chain's last day in a few requests, then
/// the next day arrives in one.
#[tokio::test]
async fn history_in_a_few_requests_then_one_request_a_day() {
    let Some(replay) = replay(
        "history_in_a_few_requests_then_one_request_a_day",
        "2020-07-26",
    ) else {
        return;
    };
    let (store, _dir) = blockwatt_testkit::temp_sqlite().await;
    let client = CoinMetricsClient::new(&config(&replay.url)).expect("client");
    let first = sync(store.as_ref(), &client, "2020-07-27").await;
    assert_eq!(first.len(), 9);
    for o in &first {
        assert_eq!(
            through(&first, &o.chain),
            Some(day("2020-07-26")),
            "{}",
            o.chain
        );
    }
    let bootstrap = replay.requests();
    // 9 assets, ~20k days: a few pages of 10,000, not one request per day.
    assert!((2..=5).contains(&bootstrap), "{bootstrap} requests");
    let btc = store
        .daily_metrics("bitcoin", day("2020-07-26"), day("2020-07-26"))
        .await
        .unwrap();
    let h = btc[0].hashrate_hs.expect("hashrate");
    assert!((1.0e20..1.5e20).contains(&h), "{h} H/s on 2020-07-26");
    assert_eq!(
        store
            .daily_source_coverage("bitcoin", PROVIDER)
            .await
            .unwrap(),
        Some((day("2009-01-03"), day("2020-07-26")))
    );

    // Nothing new: no chain asks again for days it has.
    let again = sync(store.as_ref(), &client, "2020-07-26").await;
    assert!(again
        .iter()
        .all(|o| matches!(&o.result, Ok(s) if s.days == 0)));
    assert_eq!(replay.requests(), bootstrap);

    replay.serve_through("2020-07-27");
    let next = sync(store.as_ref(), &client, "2020-07-27").await;
    assert_eq!(
        replay.requests(),
        bootstrap + 1,
        "one request for every chain's new day"
    );
    for o in &next {
        let s = o
            .result
            .as_ref()
            .unwrap_or_else(|e| panic!("{}: {e}", o.chain));
        assert_eq!(
            (s.days, s.through),
            (1, Some(day("2020-07-27"))),
            "{}",
            o.chain
        );
    }
}

/// Each kind of bad answer for one chain's new day: that chain is refused
/// naming provider, chain, day and field, keeps what it had, and the
/// other chains are written.
#[tokio::test]
async fn a_bad_day_is_refused_for_its_chain_alone() {
    let Some(replay) = replay("a_bad_day_is_refused_for_its_chain_alone", "2020-07-20") else {
        return;
    };
    let (store, _dir) = blockwatt_testkit::temp_sqlite().await;
    let client = CoinMetricsClient::new(&config(&replay.url)).expect("client");
    sync(store.as_ref(), &client, "2020-07-20").await;
    // (asset, chain, day, the value sent or None for no row, field, why)
    type Case<'a> = (&'a str, &'a str, &'a str, Option<Value>, &'a str, &'a str);
    let cases: Vec<Case> = vec![
        (
            "btc",
            "bitcoin",
            "2020-07-21",
            Some(json!("abc")),
            "HashRate",
            "is not a number",
        ),
        (
            "ltc",
            "litecoin",
            "2020-07-21",
            Some(json!(123)),
            "TxCnt",
            "a JSON number",
        ),
        (
            "doge",
            "dogecoin",
            "2020-07-21",
            Some(json!("-5")),
            "PriceUSD",
            ">= 0",
        ),
        // TH/s read where EH/s arrived: the difficulty says so.
        (
            "bch",
            "bitcoin-cash",
            "2020-07-21",
            Some(json!("0.0025")),
            "HashRate",
            "unit differs",
        ),
        ("eth", "ethereum", "2020-07-21", None, "time", "missing"),
    ];
    replay.drop_day("eth", "2020-07-21");
    for (asset, _, d, value, metric, _) in &cases {
        if let Some(v) = value {
            replay.set_value(asset, d, metric, v.clone());
        }
    }
    // 150× the day before, with a difficulty to match: past the unit check,
    // refused as no network's day-to-day step.
    // (2020-07-21's real values: HashRate 7170079.45 GH/s, DiffMean 259677407.5.)
    replay.set_value("dash", "2020-07-21", "HashRate", json!("1075511917.3"));
    replay.set_value("dash", "2020-07-21", "DiffMean", json!("38951611129.8"));
    replay.serve_through("2020-07-22");
    let out = sync(store.as_ref(), &client, "2020-07-22").await;
    for (_, chain, d, _, field, why) in &cases {
        let err = outcome(&out, chain)
            .result
            .as_ref()
            .expect_err(chain)
            .to_string();
        assert!(err.contains("coinmetrics") && err.contains(chain), "{err}");
        assert!(
            err.contains(d) && err.contains(field) && err.contains(why),
            "{chain}: {err}"
        );
        assert!(err.contains("nothing of this batch was stored"), "{err}");
        let coverage = store.daily_source_coverage(chain, PROVIDER).await.unwrap();
        assert_eq!(
            coverage.map(|c| c.1),
            Some(day("2020-07-20")),
            "{chain} kept its data"
        );
    }
    let dash = outcome(&out, "dash")
        .result
        .as_ref()
        .expect_err("dash")
        .to_string();
    assert!(dash.contains("no network moves that much"), "{dash}");
    for chain in ["zcash", "monero", "ethereum-classic"] {
        assert_eq!(through(&out, chain), Some(day("2020-07-22")), "{chain}");
    }
}

/// An outage (429 or 5xx beyond the retries) stores nothing and says so;
/// the next sync, once the provider answers, catches up.
#[tokio::test]
async fn an_outage_stores_nothing_and_the_next_sync_catches_up() {
    let Some(replay) = replay(
        "an_outage_stores_nothing_and_the_next_sync_catches_up",
        "2020-07-20",
    ) else {
        return;
    };
    let (store, _dir) = blockwatt_testkit::temp_sqlite().await;
    let mut cfg = config(&replay.url);
    cfg.api_key = Some("SECRET-KEY-123".into());
    let client = CoinMetricsClient::new(&cfg).expect("client");
    let chains = ["bitcoin".to_owned()];
    sync_coinmetrics(
        store.as_ref(),
        &client,
        Some(&chains),
        day("2020-07-20"),
        &|_| (),
    )
    .await;
    replay.serve_through("2020-07-27");
    for status in [429, 503] {
        replay.fail_with(Some(status));
        let out = sync_coinmetrics(
            store.as_ref(),
            &client,
            Some(&chains),
            day("2020-07-27"),
            &|_| (),
        )
        .await;
        let err = out[0].result.as_ref().expect_err("outage").to_string();
        assert!(err.contains(&format!("HTTP {status}")), "{err}");
        assert!(!err.contains("SECRET"), "{err}");
        let coverage = store
            .daily_source_coverage("bitcoin", PROVIDER)
            .await
            .unwrap();
        assert_eq!(coverage.map(|c| c.1), Some(day("2020-07-20")));
    }
    replay.fail_with(None);
    let out = sync_coinmetrics(
        store.as_ref(),
        &client,
        Some(&chains),
        day("2020-07-27"),
        &|_| (),
    )
    .await;
    assert_eq!(through(&out, "bitcoin"), Some(day("2020-07-27")));
}

/// The client spaces its requests to the provider's limit (10 per 6 s):
/// four pages cannot go out in under three spacings.
#[tokio::test]
async fn requests_are_spaced_to_the_providers_limit() {
    let Some(replay) = replay("requests_are_spaced_to_the_providers_limit", "2020-07-27") else {
        return;
    };
    let (store, _dir) = blockwatt_testkit::temp_sqlite().await;
    let mut cfg = config(&replay.url);
    (cfg.max_requests, cfg.per_seconds, cfg.page_size) = (10, 1, 1000);
    let client = Arc::new(CoinMetricsClient::new(&cfg).expect("client"));
    let chains = ["ethereum-classic".to_owned()];
    let started = std::time::Instant::now();
    let out = sync_coinmetrics(
        store.as_ref(),
        &client,
        Some(&chains),
        day("2020-07-27"),
        &|_| (),
    )
    .await;
    assert_eq!(through(&out, "ethereum-classic"), Some(day("2020-07-27")));
    let pages = client.requests();
    assert!(pages >= 2, "{pages}");
    let floor = std::time::Duration::from_millis(100 * (pages - 1));
    assert!(
        started.elapsed() >= floor,
        "{pages} requests in {:?}",
        started.elapsed()
    );
}

//! Test scaffolding for the HTTP layer: the real service (the analytics
//! models over a seeded SQLite store in a temporary directory) and request
//! helpers using `oneshot` (no socket).

#![allow(dead_code)] // each test binary uses a different subset

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use axum::Router;
use blockwatt_api::{ApiConfig, AppState};
use blockwatt_domain::{Block, BlockBatch, Checkpoint, DailyMetrics, Transaction};
use blockwatt_ingest::{ChainClients, ChainSourceConfig, SourceKind};
use blockwatt_service::{Admin, Footprints, Jobs};
use blockwatt_store::Store;
use bytes::Bytes;
use chrono::{Days, NaiveDate};
use http_body_util::BodyExt;
use tower::ServiceExt;

pub const BLOCK_HASH: &str = "00000000000000000002a7c4c1e48d76c5a37902165a270156b7a8d72728a054";
pub const TXID: &str = "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b";
pub const BLOCK_HEIGHT: u64 = 800_000;
/// 2024-06-01T12:00:00Z
pub const BLOCK_TIME: i64 = 1_717_243_200;

pub fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
}

/// The first and last day of Bitcoin's seeded daily metrics.
pub fn first_day() -> NaiveDate {
    day("2020-01-01")
}

pub fn last_day() -> NaiveDate {
    day("2024-06-30")
}

pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    pub store: Arc<dyn Store>,
    /// Held so background jobs never see a shutdown during the test.
    _stop: Option<tokio::sync::watch::Sender<bool>>,
    _dir: tempfile::TempDir,
}

impl TestApp {
    /// The test's temporary directory (the store lives there).
    pub fn dir(&self) -> &std::path::Path {
        self._dir.path()
    }
}

/// Rate limit off unless a test asks: tests share one client key.
pub fn test_config() -> ApiConfig {
    ApiConfig {
        rate_limit_per_minute: 0,
        ..ApiConfig::default()
    }
}

pub async fn app() -> TestApp {
    app_with(test_config()).await
}

pub async fn app_with(config: ApiConfig) -> TestApp {
    let (store, dir) = blockwatt_testkit::temp_sqlite().await;
    seed(store.as_ref()).await;
    let state = AppState::new(Footprints::new(Arc::clone(&store)), config).expect("state");
    TestApp {
        router: blockwatt_api::router(state.clone()),
        state,
        store,
        _stop: None,
        _dir: dir,
    }
}

/// The shipped devnet source, pointed at `url`.
pub fn devnet_source(url: &str) -> BTreeMap<String, ChainSourceConfig> {
    let mut cfg = ChainSourceConfig::new(SourceKind::Evm, url);
    cfg.chain_id = Some(31337);
    cfg.max_retries = 0;
    BTreeMap::from([("devnet".to_owned(), cfg)])
}

/// [`app_with`] plus the real admin actions, with devnet's source at
/// `devnet_url` and prices at `price_url` (both may be dead ports).
pub async fn app_with_admin(config: ApiConfig, devnet_url: &str, price_url: &str) -> TestApp {
    let t = app_with(config).await;
    let chains = devnet_source(devnet_url);
    let clients = Arc::new(ChainClients::new(&chains, |_, _| Arc::default()));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let admin = Admin::new(
        chains,
        price_url.to_owned(),
        Arc::clone(&t.store),
        clients,
        Jobs::default(),
        stopped,
    )
    // File imports read the test's own directory.
    .with_import_dir(Some(t.dir().to_path_buf()));
    let state = t.state.clone().with_admin(Arc::new(admin));
    TestApp {
        router: blockwatt_api::router(state.clone()),
        state,
        _stop: Some(stop),
        ..t
    }
}

/// `http://127.0.0.1:PORT` where nothing listens.
pub fn dead_url() -> String {
    format!("http://127.0.0.1:{}", blockwatt_testkit::free_port())
}

/// Bitcoin's daily metrics for every day of 2020-01-01 ..= 2024-06-30, of
/// the magnitude Coin Metrics publishes (hashrate rising from 100 to
/// 600 EH/s, 6.25 BTC × 144 blocks at 30,000 USD, 350,000 transactions a
/// day), and one stored block with one transaction. Ethereum has none.
pub async fn seed(store: &dyn Store) {
    let block = Block {
        chain: "bitcoin".into(),
        height: BLOCK_HEIGHT,
        hash: BLOCK_HASH.into(),
        parent_hash: "00000000000000000001b4b3d5b2a1ed0f7c1d5a8d5c7f1e0a9b8c7d6e5f4a3b".into(),
        time: BLOCK_TIME,
        tx_count: 2000,
        size_bytes: 1_500_000,
        weight: 3_990_000,
        gas_used: 0,
        gas_limit: 0,
        difficulty: 8.3e13,
        fees_native: 0.2,
        subsidy_native: 3.125,
        provisional: false,
    };
    let tx = Transaction {
        chain: "bitcoin".into(),
        txid: TXID.into(),
        block_height: BLOCK_HEIGHT,
        block_hash: BLOCK_HASH.into(),
        position: 1,
        size_bytes: 250,
        vsize: 141,
        gas_used: 0,
        fee_native: 0.0001,
    };
    store
        .write_batch(&BlockBatch {
            logs: Vec::new(),
            blocks: vec![block],
            transactions: vec![tx],
            checkpoint: Checkpoint {
                chain: "bitcoin".into(),
                source: "test".into(),
                height: BLOCK_HEIGHT,
                hash: BLOCK_HASH.into(),
            },
        })
        .await
        .expect("seed batch");
    let days = (last_day() - first_day()).num_days() as u64;
    let rows: Vec<DailyMetrics> = (0..=days)
        .map(|i| {
            let share = i as f64 / days as f64;
            DailyMetrics {
                hashrate_hs: Some(1e20 + 5e20 * share),
                block_count: Some(144),
                tx_count: Some(350_000),
                issuance_usd: Some(6.25 * 144.0 * 30_000.0),
                fees_usd: Some(1e6),
                ..DailyMetrics::empty("bitcoin", first_day() + Days::new(i), "coinmetrics")
            }
        })
        .collect();
    store
        .write_daily_metrics(&rows)
        .await
        .expect("seed metrics");
    // Ethereum after the Merge: a daily validator-node count and
    // transaction count of mainnet's magnitude (2023-2024), as a
    // proof-of-stake source stores them.
    let eth_first = day("2023-01-01");
    let eth_days = (last_day() - eth_first).num_days() as u64;
    let eth: Vec<DailyMetrics> = (0..=eth_days)
        .map(|i| DailyMetrics {
            node_count: Some(5_000 + i),
            tx_count: Some(1_100_000),
            ..DailyMetrics::empty("ethereum", eth_first + Days::new(i), "coinmetrics")
        })
        .collect();
    store
        .write_daily_metrics(&eth)
        .await
        .expect("seed ethereum metrics");
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: header::HeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts an RFC 9457 problem of `status` and `type` slug; returns it.
    #[track_caller]
    pub fn problem(&self, status: u16, slug: &str) -> serde_json::Value {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.text());
        assert_eq!(
            self.header(header::CONTENT_TYPE),
            Some("application/problem+json")
        );
        let p = self.json();
        assert_eq!(
            p["type"],
            format!("https://blockwatt.dev/problems/{slug}"),
            "{p}"
        );
        assert_eq!(p["status"], status);
        assert!(p["title"].is_string(), "{p}");
        assert!(p["detail"].is_string(), "{p}");
        assert!(
            p["instance"].as_str().is_some_and(|i| i.starts_with('/')),
            "{p}"
        );
        p
    }

    /// [`Reply::problem`] whose detail says `says`.
    #[track_caller]
    pub fn problem_saying(&self, status: u16, slug: &str, says: &str) -> serde_json::Value {
        let p = self.problem(status, slug);
        assert!(
            p["detail"].as_str().is_some_and(|d| d.contains(says)),
            "{says:?} not in {p}"
        );
        p
    }
}

pub async fn send(router: &Router, req: Request<Body>) -> Reply {
    let resp = router
        .clone()
        .oneshot(req)
        .await
        .expect("infallible router");
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = resp.into_body().collect().await.expect("body").to_bytes();
    Reply {
        status,
        headers,
        body,
    }
}

pub async fn get(router: &Router, uri: &str) -> Reply {
    send(
        router,
        Request::get(uri).body(Body::empty()).expect("request"),
    )
    .await
}

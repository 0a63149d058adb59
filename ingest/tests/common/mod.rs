//! Shared test helpers: testkit's anvil node, a tiny JSON-RPC client, a
//! SQLite store in a temp dir, and the recorded provider answers of
//! `tests/recorded/` (each folder's README says where they come from).
#![allow(dead_code)]

use std::sync::Arc;

use blockwatt_ingest::{ChainSourceConfig, SourceKind};
use blockwatt_store::Store;
use serde_json::{json, Value};

// Not every test crate that includes this module starts a node.
#[allow(unused_imports)]
pub use blockwatt_testkit::AnvilNode as Anvil;

/// A recorded JSON answer, by its path under `tests/recorded/`.
pub fn recorded(path: &str) -> Value {
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/recorded")
        .join(path);
    let text = std::fs::read_to_string(&file)
        .unwrap_or_else(|e| panic!("recorded answer {}: {e}", file.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("recorded answer {path}: {e}"))
}

pub fn day(s: &str) -> chrono::NaiveDate {
    s.parse().expect("a date")
}

pub async fn rpc(url: &str, method: &str, params: Value) -> Value {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    let resp = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .expect("node answers");
    let bytes = resp.bytes().await.expect("body");
    let v: Value = serde_json::from_slice(&bytes).expect("JSON");
    if let Some(e) = v.get("error") {
        panic!("{method} failed: {e}");
    }
    v["result"].clone()
}

pub fn hex_u64(v: &Value) -> u64 {
    let s = v.as_str().expect("hex string");
    u64::from_str_radix(s.trim_start_matches("0x"), 16).expect("hex quantity")
}

pub fn hex_u128(v: &Value) -> u128 {
    let s = v.as_str().expect("hex string");
    u128::from_str_radix(s.trim_start_matches("0x"), 16).expect("hex quantity")
}

pub async fn temp_store() -> (tempfile::TempDir, Arc<dyn Store>) {
    let (store, dir) = blockwatt_testkit::temp_sqlite().await;
    (dir, store)
}

/// Where an ingestion test writes: a fresh SQLite file, or a fresh
/// database on the ClickHouse cluster (`BLOCKWATT_TEST_CLICKHOUSE_CLUSTER_URL`).
#[derive(Debug, Clone, Copy)]
pub enum Backend {
    Sqlite,
    ClickHouseCluster,
}

impl Backend {
    /// A migrated store, and the directory to keep while it is used;
    /// `None` (skipped) when the cluster is not there.
    pub async fn store(self, test: &str) -> Option<(Option<tempfile::TempDir>, Arc<dyn Store>)> {
        match self {
            Backend::Sqlite => {
                let (dir, store) = temp_store().await;
                Some((Some(dir), store))
            }
            Backend::ClickHouseCluster => {
                let (endpoint, cluster) = blockwatt_testkit::clickhouse_cluster(test)?;
                let db = blockwatt_testkit::unique_name("bw_ingest");
                let url = blockwatt_store::DatabaseUrl::parse(&format!(
                    "{endpoint}/?database={db}&cluster={cluster}"
                ))
                .expect("cluster url");
                let store = blockwatt_store::open(&url).await.expect("open the cluster");
                store.migrate().await.expect("migrate");
                Some((None, store))
            }
        }
    }
}

/// A config tuned for tests: small batches, fast retries.
pub fn evm_config(url: &str, chain_id: u64) -> ChainSourceConfig {
    let mut cfg = ChainSourceConfig::new(SourceKind::Evm, url);
    cfg.chain_id = Some(chain_id);
    cfg.batch_size = 4;
    cfg.max_in_flight = 3;
    cfg.rate_limit_per_s = 1000;
    cfg.confirmations = 0;
    cfg.backoff_ms = 10;
    cfg.max_backoff_ms = 2000;
    cfg.max_retries = 3;
    cfg.request_timeout_ms = 5000;
    cfg
}

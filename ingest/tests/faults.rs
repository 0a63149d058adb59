//! A misbehaving node on 127.0.0.1: every fault ends in a retry or a clear
//! error, and a bad response never reaches the store.

mod common;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use blockwatt_ingest::{
    run_ingest, CountersSnapshot, IngestError, IngestRange, IngestReport, Ingester, SourceErrorKind,
};
use common::{evm_config, temp_store};
use serde_json::{json, Value};

const CHAIN: &str = "devnet";
const TIP: u64 = 9;

#[derive(Debug, Clone, Copy)]
enum Fault {
    TooMany {
        retry_after_s: u64,
    },
    /// 429 with Retry-After as an IMF-fixdate this far in the future.
    TooManyUntil {
        secs_from_now: u64,
    },
    ServerError,
    Truncated,
    Garbage,
    Hang,
}

#[derive(Default)]
struct Fake {
    /// Applied to the next requests, one each, before normal service.
    script: Mutex<VecDeque<Fault>>,
    /// Applied to every request (after the script runs out).
    always: Mutex<Option<Fault>>,
    /// Batches with more calls than this get HTTP 413.
    max_batch: Mutex<Option<usize>>,
    /// Requests touching a height at or above this one get garbage.
    garbage_from_height: Mutex<Option<u64>>,
    /// Blocks at or above this height get a parent hash of another chain.
    bad_parent_from: Mutex<Option<u64>>,
    chain_id: Mutex<u64>,
    requests: AtomicUsize,
}

fn hash(h: u64) -> String {
    format!("0x{:064x}", 0xb10c_0000u64 + h)
}

fn block(h: u64, bad_parent: bool) -> Value {
    let parent = if h == 0 {
        format!("0x{:064x}", 0)
    } else if bad_parent {
        format!("0x{:064x}", 0xdead)
    } else {
        hash(h - 1)
    };
    json!({
        "hash": hash(h), "parentHash": parent, "number": format!("{h:#x}"),
        "sha3Uncles": format!("0x{:064x}", 1), "miner": format!("0x{:040x}", 2),
        "stateRoot": format!("0x{:064x}", 3), "transactionsRoot": format!("0x{:064x}", 4),
        "receiptsRoot": format!("0x{:064x}", 5), "logsBloom": format!("0x{}", "0".repeat(512)),
        "difficulty": "0x0", "gasLimit": "0x1c9c380", "gasUsed": "0x0",
        "timestamp": format!("{:#x}", 1_700_000_000 + h * 12), "extraData": "0x",
        "mixHash": format!("0x{:064x}", 6), "nonce": "0x0000000000000000", "baseFeePerGas": "0x7",
        "size": "0x220", "transactions": [], "uncles": []
    })
}

fn height_of(call: &Value) -> Option<u64> {
    let p = call["params"][0].as_str()?;
    u64::from_str_radix(p.trim_start_matches("0x"), 16).ok()
}

async fn handle(State(fake): State<Arc<Fake>>, body: Bytes) -> Response {
    fake.requests.fetch_add(1, Ordering::SeqCst);
    let fault = fake
        .script
        .lock()
        .expect("lock")
        .pop_front()
        .or(*fake.always.lock().expect("lock"));
    match fault {
        Some(Fault::TooMany { retry_after_s }) => {
            let mut h = HeaderMap::new();
            h.insert(
                "retry-after",
                retry_after_s.to_string().parse().expect("header"),
            );
            return (StatusCode::TOO_MANY_REQUESTS, h, "slow down").into_response();
        }
        Some(Fault::TooManyUntil { secs_from_now }) => {
            let at = std::time::SystemTime::now() + Duration::from_secs(secs_from_now);
            let mut h = HeaderMap::new();
            h.insert(
                "retry-after",
                httpdate::fmt_http_date(at).parse().expect("header"),
            );
            return (StatusCode::TOO_MANY_REQUESTS, h, "slow down").into_response();
        }
        Some(Fault::ServerError) => {
            return (StatusCode::INTERNAL_SERVER_ERROR, "oops").into_response()
        }
        // Stands in for a server that is slower than the client's timeout.
        Some(Fault::Hang) => tokio::time::sleep(Duration::from_secs(10)).await,
        _ => {}
    }
    let parsed: Value = serde_json::from_slice(&body).expect("client sends JSON");
    let calls: Vec<Value> = match &parsed {
        Value::Array(a) => a.clone(),
        other => vec![other.clone()],
    };
    if fake
        .max_batch
        .lock()
        .expect("lock")
        .is_some_and(|m| calls.len() > m)
    {
        return (StatusCode::PAYLOAD_TOO_LARGE, "batch too large").into_response();
    }
    let garbage_from = *fake.garbage_from_height.lock().expect("lock");
    if garbage_from.is_some_and(|g| calls.iter().filter_map(height_of).any(|h| h >= g)) {
        return (
            StatusCode::OK,
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"hash\":",
        )
            .into_response();
    }
    let bad_parent = *fake.bad_parent_from.lock().expect("lock");
    let out: Vec<Value> = calls
        .iter()
        .map(|c| {
            let result = match c["method"].as_str().unwrap_or_default() {
                "eth_chainId" => json!(format!("{:#x}", *fake.chain_id.lock().expect("lock"))),
                "eth_blockNumber" => json!(format!("{TIP:#x}")),
                "eth_getBlockByNumber" => match height_of(c) {
                    Some(h) if h <= TIP => block(h, bad_parent.is_some_and(|b| h >= b)),
                    _ => Value::Null,
                },
                "eth_getBlockReceipts" => json!([]),
                m => return json!({"jsonrpc": "2.0", "id": c["id"], "error": {"code": -32601, "message": format!("{m} not found")}}),
            };
            json!({"jsonrpc": "2.0", "id": c["id"], "result": result})
        })
        .collect();
    let text = serde_json::to_string(&out).expect("serialises");
    match fault {
        Some(Fault::Truncated) => {
            (StatusCode::OK, text[..text.len() / 2].to_owned()).into_response()
        }
        Some(Fault::Garbage) => (StatusCode::OK, "<html>bad gateway</html>").into_response(),
        _ => (StatusCode::OK, [("content-type", "application/json")], text).into_response(),
    }
}

async fn start_fake() -> (Arc<Fake>, String) {
    let fake = Arc::new(Fake {
        chain_id: Mutex::new(31337),
        ..Fake::default()
    });
    let app = Router::new()
        .route("/", post(handle))
        .with_state(fake.clone());
    let url = blockwatt_testkit::serve_router(app).await;
    (fake, url)
}

fn cfg(url: &str) -> blockwatt_ingest::ChainSourceConfig {
    let mut c = evm_config(url, 31337);
    c.request_timeout_ms = 300;
    c.max_retries = 2;
    c
}

async fn ingest_all(
    c: &blockwatt_ingest::ChainSourceConfig,
    store: &Arc<dyn blockwatt_store::Store>,
) -> Result<blockwatt_ingest::IngestReport, IngestError> {
    run_ingest(
        c,
        CHAIN,
        store.clone(),
        IngestRange::default(),
        false,
        std::future::pending(),
    )
    .await
}

async fn assert_empty(store: &Arc<dyn blockwatt_store::Store>) {
    assert_eq!(
        store.tip(CHAIN).await.expect("read"),
        None,
        "nothing stored"
    );
    assert_eq!(
        store.checkpoint(CHAIN, "evm").await.expect("read"),
        None,
        "no checkpoint"
    );
}

fn source_kind(e: &IngestError) -> SourceErrorKind {
    match e {
        IngestError::Source(s) => s.kind.clone(),
        other => panic!("expected a source error, got {other}"),
    }
}

#[tokio::test]
async fn clean_node_is_ingested() {
    let (_fake, url) = start_fake().await;
    let (_dir, store) = temp_store().await;
    let report = ingest_all(&cfg(&url), &store).await.expect("ingest");
    assert_eq!(report.blocks_written, TIP + 1);
    assert_eq!(
        store
            .checkpoint(CHAIN, "evm")
            .await
            .expect("read")
            .map(|c| c.hash),
        Some(hash(TIP))
    );
}

/// Ingests the fake chain with `fault` scripted first; how long it took,
/// the report and the counters.
async fn ingest_after(fault: Fault) -> (Duration, IngestReport, CountersSnapshot) {
    let (fake, url) = start_fake().await;
    fake.script.lock().expect("lock").push_back(fault);
    let (_dir, store) = temp_store().await;
    let ingester = Ingester::from_config(&cfg(&url), CHAIN).expect("config");
    let started = Instant::now();
    let report = ingester
        .run(store, IngestRange::default(), false, std::future::pending())
        .await
        .expect("retried");
    (started.elapsed(), report, ingester.counters().snapshot())
}

#[tokio::test]
async fn http_429_waits_for_retry_after_then_succeeds() {
    let (waited, report, c) = ingest_after(Fault::TooMany { retry_after_s: 1 }).await;
    // The backoff alone would be ~10 ms: the wait proves Retry-After was honoured.
    assert!(waited >= Duration::from_millis(950), "waited {waited:?}");
    assert_eq!(report.blocks_written, TIP + 1);
    assert_eq!(c.retries, 1);
    assert_eq!(c.errors, 1);
    assert_eq!((c.height, c.tip, c.lag), (TIP, TIP, 0));
}

#[tokio::test]
async fn http_429_with_an_http_date_waits_until_that_date() {
    // The date has whole seconds: "now + 2 s" truncated is 1-2 s away.
    let (waited, report, c) = ingest_after(Fault::TooManyUntil { secs_from_now: 2 }).await;
    // The backoff alone would be ~10 ms; a date parsed as garbage would
    // fall back to it.
    assert!(waited >= Duration::from_millis(900), "waited {waited:?}");
    assert_eq!(report.blocks_written, TIP + 1);
    assert_eq!((c.retries, c.errors), (1, 1));
}

#[tokio::test]
async fn persistent_429_is_a_clear_rate_limit_error() {
    let (fake, url) = start_fake().await;
    *fake.always.lock().expect("lock") = Some(Fault::TooMany { retry_after_s: 0 });
    let (_dir, store) = temp_store().await;
    let err = ingest_all(&cfg(&url), &store)
        .await
        .expect_err("never answers");
    assert_eq!(source_kind(&err), SourceErrorKind::RateLimited);
    assert!(err.to_string().contains("eth_chainId"), "{err}");
    assert_eq!(
        fake.requests.load(Ordering::SeqCst),
        3,
        "one try and two retries"
    );
    assert_empty(&store).await;
}

#[tokio::test]
async fn server_errors_are_retried_then_reported() {
    let (fake, url) = start_fake().await;
    fake.script
        .lock()
        .expect("lock")
        .extend([Fault::ServerError, Fault::ServerError]);
    let (_dir, store) = temp_store().await;
    ingest_all(&cfg(&url), &store)
        .await
        .expect("two 500s then fine");

    let (fake, url) = start_fake().await;
    *fake.always.lock().expect("lock") = Some(Fault::ServerError);
    let (_dir, store) = temp_store().await;
    let err = ingest_all(&cfg(&url), &store)
        .await
        .expect_err("always 500");
    assert_eq!(source_kind(&err), SourceErrorKind::Http { status: 500 });
    assert_empty(&store).await;
}

#[tokio::test]
async fn truncated_and_malformed_json_are_retried_then_reported() {
    for fault in [Fault::Truncated, Fault::Garbage] {
        let (fake, url) = start_fake().await;
        fake.script.lock().expect("lock").push_back(fault);
        let (_dir, store) = temp_store().await;
        ingest_all(&cfg(&url), &store)
            .await
            .expect("one bad body, then fine");

        let (fake, url) = start_fake().await;
        *fake.always.lock().expect("lock") = Some(fault);
        let (_dir, store) = temp_store().await;
        let err = ingest_all(&cfg(&url), &store)
            .await
            .expect_err("always bad");
        assert!(
            matches!(source_kind(&err), SourceErrorKind::Malformed(_)),
            "{fault:?}: {err}"
        );
        assert!(err.to_string().contains("malformed response"), "{err}");
        assert_empty(&store).await;
    }
}

#[tokio::test]
async fn bad_block_response_mid_range_stores_nothing_of_that_range() {
    let (fake, url) = start_fake().await;
    *fake.garbage_from_height.lock().expect("lock") = Some(6);
    let (_dir, store) = temp_store().await;
    let mut c = cfg(&url);
    c.max_in_flight = 1;
    let err = ingest_all(&c, &store)
        .await
        .expect_err("blocks 6.. are garbage");
    let IngestError::Source(e) = &err else {
        panic!("{err}")
    };
    // Batches of 4 shrink to single blocks before giving up at height 6.
    assert_eq!(e.height, Some(6), "{err}");
    assert!(err.to_string().contains("at height 6"), "{err}");
    let stored = store.blocks(CHAIN, 0, 100).await.expect("read");
    // Ranges of 4 are the unit of writing: 0..=3 stored, none of 4..=7.
    assert_eq!(
        stored.len(),
        4,
        "0..=3 written, nothing of the range holding 6"
    );
    assert_eq!(
        store
            .checkpoint(CHAIN, "evm")
            .await
            .expect("read")
            .map(|c| c.height),
        Some(3)
    );
    // The node recovers; the rerun resumes with no gap.
    *fake.garbage_from_height.lock().expect("lock") = None;
    let report = ingest_all(&c, &store).await.expect("resume");
    assert_eq!(report.first_written, Some(4));
    assert_eq!(
        store.blocks(CHAIN, 0, 100).await.expect("read").len() as u64,
        TIP + 1
    );
}

#[tokio::test]
async fn inconsistent_parent_hash_is_never_stored() {
    let (fake, url) = start_fake().await;
    *fake.bad_parent_from.lock().expect("lock") = Some(1);
    let (_dir, store) = temp_store().await;
    let err = ingest_all(&cfg(&url), &store)
        .await
        .expect_err("block 1 is not the child of block 0");
    assert!(
        matches!(source_kind(&err), SourceErrorKind::Inconsistent(_)),
        "{err}"
    );
    assert!(err.to_string().contains("at height 1"), "{err}");
    assert_empty(&store).await;
}

#[tokio::test]
async fn wrong_chain_id_is_a_clear_error() {
    let (fake, url) = start_fake().await;
    *fake.chain_id.lock().expect("lock") = 1;
    let (_dir, store) = temp_store().await;
    let err = ingest_all(&cfg(&url), &store)
        .await
        .expect_err("wrong chain");
    assert_eq!(
        source_kind(&err),
        SourceErrorKind::WrongChain {
            expected: 31337,
            got: 1
        }
    );
    assert_empty(&store).await;
}

#[tokio::test]
async fn timeouts_are_retried_then_reported() {
    let (fake, url) = start_fake().await;
    fake.script.lock().expect("lock").push_back(Fault::Hang);
    let (_dir, store) = temp_store().await;
    ingest_all(&cfg(&url), &store)
        .await
        .expect("one slow answer, then fine");

    let (fake, url) = start_fake().await;
    *fake.always.lock().expect("lock") = Some(Fault::Hang);
    let (_dir, store) = temp_store().await;
    let started = Instant::now();
    let err = ingest_all(&cfg(&url), &store)
        .await
        .expect_err("always slow");
    assert_eq!(source_kind(&err), SourceErrorKind::Timeout);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "bounded: {:?}",
        started.elapsed()
    );
    assert_empty(&store).await;
}

#[tokio::test]
async fn batches_shrink_when_the_node_rejects_their_size() {
    let (fake, url) = start_fake().await;
    // Block + receipts per height: batches of 4 heights are 8 calls.
    *fake.max_batch.lock().expect("lock") = Some(3);
    let (_dir, store) = temp_store().await;
    let mut c = cfg(&url);
    c.batch_size = 8;
    let report = ingest_all(&c, &store).await.expect("shrinks and succeeds");
    assert_eq!(report.blocks_written, TIP + 1);
    assert_eq!(
        store.blocks(CHAIN, 0, 100).await.expect("read").len() as u64,
        TIP + 1
    );
}

/// A node that wants `name: value` on every request.
async fn start_guarded(name: &'static str, value: &'static str) -> String {
    let fake = Arc::new(Fake {
        chain_id: Mutex::new(31337),
        ..Fake::default()
    });
    let app = Router::new()
        .route(
            "/",
            post(
                move |headers: HeaderMap, state: State<Arc<Fake>>, body: Bytes| async move {
                    if headers.get(name).and_then(|v| v.to_str().ok()) != Some(value) {
                        return (StatusCode::UNAUTHORIZED, "who are you").into_response();
                    }
                    handle(state, body).await
                },
            ),
        )
        .with_state(fake);
    let url = blockwatt_testkit::serve_router(app).await;
    url
}

#[tokio::test]
async fn credentials_are_sent_and_missing_ones_are_a_clear_error() {
    // An API-key header.
    let url = start_guarded("x-api-key", "secret").await;
    let (_dir, store) = temp_store().await;
    let err = ingest_all(&cfg(&url), &store).await.expect_err("no key");
    assert_eq!(source_kind(&err), SourceErrorKind::Http { status: 401 });
    assert_empty(&store).await;
    let mut c = cfg(&url);
    c.auth_header = Some("x-api-key: secret".into());
    ingest_all(&c, &store).await.expect("with key");

    // rpcuser / rpcpassword.
    let url = start_guarded("authorization", "Basic YWxpY2U6czNjcmV0").await;
    let (_dir, store) = temp_store().await;
    let mut c = cfg(&url);
    c.user = Some("alice".into());
    c.password = Some("s3cret".into());
    ingest_all(&c, &store).await.expect("basic auth");

    // Bitcoin Core's cookie file.
    let url = start_guarded("authorization", "Basic X19jb29raWVfXzphYmMxMjM=").await;
    let (dir, store) = temp_store().await;
    let cookie = dir.path().join(".cookie");
    std::fs::write(&cookie, "__cookie__:abc123\n").expect("cookie written");
    let mut c = cfg(&url);
    c.cookie_file = Some(cookie);
    ingest_all(&c, &store).await.expect("cookie auth");
    // The URL in errors never carries credentials.
    let mut c = cfg(&url.replace("http://", "http://alice:s3cret@"));
    c.max_retries = 0;
    let err = ingest_all(&c, &store)
        .await
        .expect_err("no cookie")
        .to_string();
    assert!(!err.contains("s3cret"), "{err}");
}

#[tokio::test]
async fn follow_mode_outlives_a_node_that_is_down_then_recovers() {
    let (fake, url) = start_fake().await;
    *fake.always.lock().expect("lock") = Some(Fault::ServerError);
    let (_dir, store) = temp_store().await;
    let mut c = cfg(&url);
    c.max_retries = 0;
    c.poll_interval_ms = 20;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = {
        let store = store.clone();
        tokio::spawn(async move {
            run_ingest(&c, CHAIN, store, IngestRange::default(), true, async {
                let _ = stopped.await;
            })
            .await
        })
    };
    let retried = blockwatt_testkit::wait_until_async(Duration::from_secs(20), || async {
        fake.requests.load(Ordering::SeqCst) >= 3
    })
    .await;
    assert!(retried, "follow mode gave up on a failing node");
    assert_empty(&store).await;
    *fake.always.lock().expect("lock") = None;
    let recovered = blockwatt_testkit::wait_until_async(Duration::from_secs(20), || {
        let store = &store;
        async move { store.tip(CHAIN).await.expect("read").map(|b| b.height) == Some(TIP) }
    })
    .await;
    assert!(recovered, "follow mode did not recover");
    let _ = stop.send(());
    let report = task
        .await
        .expect("joined")
        .expect("follow run ends cleanly");
    assert!(report.interrupted);
    assert_eq!(report.blocks_written, TIP + 1);
}

#[tokio::test]
async fn a_node_flipping_between_branches_ends_in_an_error_not_a_loop() {
    let (fake, url) = start_fake().await;
    let (_dir, store) = temp_store().await;
    let mut c = cfg(&url);
    c.batch_size = 1;
    run_ingest(
        &c,
        CHAIN,
        store.clone(),
        IngestRange {
            from: 0,
            to: Some(3),
        },
        false,
        std::future::pending(),
    )
    .await
    .expect("clean prefix");
    // Block 4 names a parent that is not block 3, yet the node still says
    // block 3 is canonical: there is no fork point to repair to.
    *fake.bad_parent_from.lock().expect("lock") = Some(4);
    let err = ingest_all(&c, &store).await.expect_err("inconsistent node");
    assert!(
        matches!(source_kind(&err), SourceErrorKind::Inconsistent(_)),
        "{err}"
    );
    assert!(err.to_string().contains("at height 4"), "{err}");
    assert_eq!(
        store.tip(CHAIN).await.expect("read").map(|b| b.height),
        Some(3),
        "nothing of it stored"
    );
}

#[tokio::test]
async fn malformed_txid_never_reaches_the_node() {
    let (fake, url) = start_fake().await;
    let source = blockwatt_ingest::evm::EvmSource::new(
        CHAIN,
        &cfg(&url),
        std::sync::Arc::new(blockwatt_ingest::IngestCounters::default()),
    )
    .expect("source");
    let hex = "ab".repeat(32);
    for bad in [
        hex.as_str(),                  // no 0x
        "0x12",                        // too short
        &format!("0x{hex}00"),         // too long
        &format!("0x{}zz", &hex[2..]), // not hex
        "0x",
    ] {
        let err = source.transaction(bad).await.expect_err(bad);
        assert!(
            matches!(err.kind, SourceErrorKind::InvalidRequest(_)),
            "{bad}: {err}"
        );
    }
    assert_eq!(
        fake.requests.load(Ordering::SeqCst),
        0,
        "a request was sent"
    );
}

#[tokio::test]
async fn a_fetch_with_receipts_is_one_request() {
    let (fake, url) = start_fake().await;
    let (_dir, store) = temp_store().await;
    let mut c = cfg(&url);
    // Ten heights in two fetches of five blocks, each with its receipts:
    // ten calls per fetch, sent as one JSON-RPC batch as a curl would.
    c.receipts = true;
    c.batch_size = 5;
    let report = ingest_all(&c, &store).await.expect("ingest");
    assert_eq!(report.blocks_written, TIP + 1);
    // eth_chainId, eth_blockNumber, then one request per fetch.
    assert_eq!(fake.requests.load(Ordering::SeqCst), 2 + 2);
}

//! Bitcoin's second opinion from mempool.space: its documented answer
//! (`tests/recorded/mempool-docs/`) read into daily hashrates, the next
//! sync asking only the shortest period back to the newest stored day,
//! and a unit that changed refused.

mod common;

use std::sync::{Arc, Mutex};

use axum::extract::{OriginalUri, State};
use axum::routing::get;
use axum::{Json, Router};
use blockwatt_ingest::sources::mempool_space::{sync_mempool, MempoolConfig, CHAIN, PROVIDER};
use common::{day, recorded};
use serde_json::Value;

#[derive(Clone)]
struct Served {
    answer: Arc<Mutex<Value>>,
    paths: Arc<Mutex<Vec<String>>>,
}

async fn hashrate(State(s): State<Served>, uri: OriginalUri) -> Json<Value> {
    s.paths.lock().unwrap().push(uri.path().to_owned());
    Json(s.answer.lock().unwrap().clone())
}

#[tokio::test]
async fn documented_daily_hashrates_are_stored_and_a_changed_unit_refused() {
    let served = Served {
        answer: Arc::new(Mutex::new(recorded(
            "mempool-docs/hashrate-3d-mainnet.json",
        ))),
        paths: Arc::default(),
    };
    let app = Router::new()
        .route("/api/v1/mining/hashrate", get(hashrate))
        .route("/api/v1/mining/hashrate/{period}", get(hashrate))
        .with_state(served.clone());
    let url = blockwatt_testkit::serve_router(app).await;
    let cfg = MempoolConfig {
        url: format!("{url}/api"),
        ..MempoolConfig::default()
    };
    let (store, _dir) = blockwatt_testkit::temp_sqlite().await;

    // The whole history: no period.
    let out = sync_mempool(store.as_ref(), &cfg, day("2022-05-15")).await;
    let s = out.result.as_ref().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (s.days, s.through),
        (2, Some(day("2022-05-15"))),
        "2022-05-16 has not ended"
    );
    let rows = store
        .daily_metrics(CHAIN, day("2022-05-14"), day("2022-05-16"))
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r.source == PROVIDER));
    assert_eq!(rows[0].hashrate_hs, Some(236_499_762_108_771_800_000.0));

    // Then the shortest documented period back to the newest stored day.
    let out = sync_mempool(store.as_ref(), &cfg, day("2022-05-16")).await;
    let s = out.result.as_ref().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((s.days, s.through), (1, Some(day("2022-05-16"))));
    assert_eq!(
        *served.paths.lock().unwrap(),
        ["/api/v1/mining/hashrate", "/api/v1/mining/hashrate/3d"]
    );

    // The same answer in EH/s: the difficulty says it is not H/s.
    let mut in_eh = recorded("mempool-docs/hashrate-3d-mainnet.json");
    for h in in_eh["hashrates"].as_array_mut().unwrap() {
        let v = h["avgHashrate"].as_f64().unwrap();
        h["avgHashrate"] = Value::from(v / 1e18);
    }
    *served.answer.lock().unwrap() = in_eh;
    let (fresh, _dir2) = blockwatt_testkit::temp_sqlite().await;
    let out = sync_mempool(fresh.as_ref(), &cfg, day("2022-05-16")).await;
    let err = out.result.as_ref().expect_err("EH/s").to_string();
    assert!(
        err.contains("mempool: bitcoin on 2022-05-14: avgHashrate") && err.contains("not H/s"),
        "{err}"
    );
    assert!(fresh
        .daily_metrics(CHAIN, day("2022-05-14"), day("2022-05-16"))
        .await
        .unwrap()
        .is_empty());
}

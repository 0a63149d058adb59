//! Node and validator counts from local stand-ins: Solana's documented
//! `getVoteAccounts` answer (`tests/recorded/solana-docs/`); a beacon
//! validator list of 20,000 entries in the beacon API's shape, built here
//! because only its size matters (counted while streaming); and a
//! user-configured HTTP count, whose shape is the user's to name.

mod common;

use axum::routing::{get, post};
use axum::Router;
use blockwatt_ingest::nodes::{fetch_node_count, record_node_count, ElementMatch, NodeCountConfig};
use blockwatt_ingest::IngestError;
use common::temp_store;
use serde_json::json;

const VALIDATORS: usize = 20_000;

async fn serve() -> String {
    let validators = {
        let entries: Vec<String> = (0..VALIDATORS)
            .map(|i| format!(r#"{{"index":"{i}","balance":"32000000000","status":"active_ongoing","validator":{{"pubkey":"0x{i:096x}","slashed":false,"activation_epoch":"0"}}}}"#))
            .collect();
        format!(
            r#"{{"execution_optimistic":false,"finalized":false,"data":[{}]}}"#,
            entries.join(",")
        )
    };
    let app = Router::new()
        .route(
            "/api/nodes",
            get(|| async { json!({"data": {"count": "1234"}, "list": [1, 2, 3]}).to_string() }),
        )
        .route(
            "/solana",
            post(|| async { common::recorded("solana-docs/getVoteAccounts.json").to_string() }),
        )
        .route(
            "/eth/v1/beacon/states/head/validators",
            get(move || async move { validators }),
        )
        .route(
            "/bad/eth/v1/beacon/states/head/validators",
            get(|| async { "{\"message\":\"not ready\"}" }),
        );
    let url = blockwatt_testkit::serve_router(app).await;
    url
}

#[tokio::test]
async fn counts_from_http_json_solana_and_beacon() {
    let url = serve().await;
    let count = |pointer: &str, length: bool| NodeCountConfig::HttpCount {
        url: format!("{url}/api/nodes"),
        pointer: pointer.into(),
        length,
        only: None,
        body: None,
        pages: None,
        auth_header: None,
    };
    assert_eq!(
        fetch_node_count(&count("/data/count", false))
            .await
            .expect("count"),
        1234
    );
    assert_eq!(
        fetch_node_count(&count("/list", true))
            .await
            .expect("length"),
        3
    );
    let err = fetch_node_count(&count("/nope", false))
        .await
        .expect_err("missing pointer");
    assert!(
        matches!(err, IngestError::Source(_)) && err.to_string().contains("/nope"),
        "{err}"
    );

    // `only` counts array elements: asked of a number it is a config error.
    let misread = NodeCountConfig::HttpCount {
        url: format!("{url}/api/nodes"),
        pointer: "/data/count".into(),
        length: false,
        only: Some(ElementMatch {
            pointer: "/isJobs".into(),
            equals: json!(true),
        }),
        body: None,
        pages: None,
        auth_header: None,
    };
    let err = fetch_node_count(&misread)
        .await
        .expect_err("only without length");
    assert!(
        matches!(err, IngestError::Config(_)) && err.to_string().contains("length = true"),
        "{err}"
    );

    let solana = NodeCountConfig::SolanaVoteAccounts {
        url: format!("{url}/solana"),
        auth_header: None,
    };
    // The documented answer: one current vote account, none delinquent.
    assert_eq!(fetch_node_count(&solana).await.expect("solana"), 1);

    let beacon = NodeCountConfig::BeaconValidators {
        url: url.clone(),
        auth_header: None,
    };
    assert_eq!(
        fetch_node_count(&beacon).await.expect("beacon"),
        VALIDATORS as u64
    );
    let bad = NodeCountConfig::BeaconValidators {
        url: format!("{url}/bad"),
        auth_header: None,
    };
    assert!(fetch_node_count(&bad)
        .await
        .expect_err("no data")
        .to_string()
        .contains("no \"data\" array"));

    let (_dir, store) = temp_store().await;
    let day = chrono::NaiveDate::from_ymd_opt(2025, 1, 2).expect("date");
    record_node_count(&store, "ethereum", day, VALIDATORS as u64)
        .await
        .expect("written");
    let rows = store
        .daily_metrics("ethereum", day, day)
        .await
        .expect("read");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].node_count, Some(VALIDATORS as u64));
    assert_eq!(rows[0].source, "node-count");
}

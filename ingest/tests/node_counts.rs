//! Proof-of-stake validator counts sampled once a UTC day: Solana's
//! documented `getVoteAccounts` answer (`tests/recorded/solana-docs/`),
//! AvalancheGo's documented `platform.getCurrentValidators` answer
//! (`tests/recorded/avalanchego-docs/`), and TzKT's `delegates/count`
//! (documented as a bare JSON number), served by local stand-ins, with the
//! shipped configuration; implausible samples are refused, named.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::routing::{get, post};
use axum::{Json, Router};
use blockwatt_domain::DailyMetrics;
use blockwatt_ingest::nodes::{NodeCountConfig, NODE_COUNT_SOURCE};
use blockwatt_ingest::sources::node_counts::sample_node_counts;
use chrono::NaiveDate;
use serde_json::Value;

fn day(s: &str) -> NaiveDate {
    s.parse().expect("a date")
}

fn recorded(path: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/recorded")
        .join(path);
    serde_json::from_str(&std::fs::read_to_string(path).expect("recorded")).expect("JSON")
}

fn documented_vote_accounts() -> Value {
    recorded("solana-docs/getVoteAccounts.json")
}

#[tokio::test]
async fn one_sample_a_day_from_each_configured_endpoint() {
    let calls = Arc::new(AtomicU64::new(0));
    let counted = Arc::clone(&calls);
    let answer = documented_vote_accounts();
    let app = Router::new()
        .route(
            "/solana",
            post(move || {
                counted.fetch_add(1, Ordering::Relaxed);
                let answer = answer.clone();
                async move { Json(answer) }
            }),
        )
        .route(
            "/v1/delegates/count",
            get(|| async { Json(Value::from(287)) }),
        )
        .route(
            "/ext/bc/P",
            post(|body: String| async move {
                // The shipped body asks for every current validator.
                let call: Value = serde_json::from_str(&body).unwrap_or_default();
                if call["method"] != "platform.getCurrentValidators" {
                    return Err(axum::http::StatusCode::BAD_REQUEST);
                }
                Ok(Json(recorded("avalanchego-docs/getCurrentValidators.json")))
            }),
        );
    let url = blockwatt_testkit::serve_router(app).await;
    let configs = BTreeMap::from([
        (
            "solana".to_owned(),
            NodeCountConfig::SolanaVoteAccounts {
                url: format!("{url}/solana"),
                auth_header: None,
            },
        ),
        (
            "tezos".to_owned(),
            NodeCountConfig::HttpCount {
                url: format!("{url}/v1/delegates/count?active=true"),
                pointer: String::new(),
                length: false,
                body: None,
                auth_header: None,
            },
        ),
        (
            "avalanche".to_owned(),
            // As config/default.toml ships it, pointed at the stand-in.
            NodeCountConfig::HttpCount {
                url: format!("{url}/ext/bc/P"),
                pointer: "/result/validators".into(),
                length: true,
                body: Some(serde_json::json!({
                    "jsonrpc": "2.0", "id": 1,
                    "method": "platform.getCurrentValidators", "params": {}
                })),
                auth_header: None,
            },
        ),
    ]);
    let (store, _dir) = blockwatt_testkit::temp_sqlite().await;
    let today = day("2026-11-29");
    let out = sample_node_counts(store.as_ref(), &configs, None, today, &|_| ()).await;
    for o in &out {
        let s = o
            .result
            .as_ref()
            .unwrap_or_else(|e| panic!("{}: {e}", o.chain));
        assert_eq!((s.days, s.through), (1, Some(today)), "{}", o.chain);
    }
    let node_count = |chain: &'static str| {
        let store = Arc::clone(&store);
        async move { store.daily_metrics(chain, today, today).await.unwrap()[0].node_count }
    };
    // The documented answer has one current vote account, none delinquent.
    assert_eq!(node_count("solana").await, Some(1));
    assert_eq!(node_count("tezos").await, Some(287));
    // The documented answer lists one validator.
    assert_eq!(node_count("avalanche").await, Some(1));
    // Once a day: a second sync the same day asks nothing.
    let again = sample_node_counts(store.as_ref(), &configs, None, today, &|_| ()).await;
    assert!(again
        .iter()
        .all(|o| matches!(&o.result, Ok(s) if s.days == 0)));
    assert_eq!(calls.load(Ordering::Relaxed), 1);

    // Yesterday's set had 1,300 validators: a sample of 1 is no day's step.
    let mut big = DailyMetrics::empty("solana", day("2026-11-30"), NODE_COUNT_SOURCE);
    big.node_count = Some(1_300);
    store.write_daily_metrics(&[big]).await.unwrap();
    let next = day("2026-12-01");
    let only = ["solana".to_owned()];
    let out = sample_node_counts(store.as_ref(), &configs, Some(&only), next, &|_| ()).await;
    let err = out[0]
        .result
        .as_ref()
        .expect_err("a 1,300× drop")
        .to_string();
    assert!(
        err.contains("solana on 2026-12-01: node_count") && err.contains("1300"),
        "{err}"
    );
    assert!(store
        .daily_metrics("solana", next, next)
        .await
        .unwrap()
        .is_empty());
}

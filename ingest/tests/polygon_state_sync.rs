//! Polygon PoS (Bor) adds a state-sync transaction to blocks that executed
//! bridge events. It is gas-free and unsigned; a configured `polygon` chain
//! must store it with fee 0 instead of stopping at it. Checked on Bor's own
//! recorded answers (`tests/recorded/bor/`), replayed by a local stand-in
//! node, and on PIP-74's `0x7f` typing of the same transaction.

mod common;

use std::sync::Arc;

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use blockwatt_ingest::evm::EvmSource;
use blockwatt_ingest::evm_decode::decode_transaction;
use serde_json::{json, Value};

struct Recorded {
    tx: Value,
    receipt: Value,
}

fn recorded() -> Recorded {
    Recorded {
        tx: common::recorded("bor/eth_getTransactionByHash-state-sync-tx.json"),
        receipt: common::recorded("bor/eth_getTransactionReceipt-state-sync-tx.json"),
    }
}

/// PIP-74's rendering of the same transaction: type 0x7f, not signed.
fn pip74(tx: &Value) -> Value {
    let mut v = tx.clone();
    v["type"] = json!("0x7f");
    let o = v.as_object_mut().expect("object");
    for field in ["v", "r", "s", "gasPrice"] {
        o.remove(field);
    }
    v
}

#[test]
fn the_recorded_state_sync_transaction_reads_as_gas_free_and_unsigned() {
    let rec = recorded();
    for (what, v) in [
        ("pre-PIP-74", rec.tx.clone()),
        ("type 0x7f", pip74(&rec.tx)),
    ] {
        let tx = decode_transaction(&v.to_string()).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert!(tx.system, "{what}: a system transaction");
        assert_eq!(tx.size, 0, "{what}: no user bytes");
        assert_eq!(tx.gas_price, Some(0), "{what}");
        assert_eq!(
            format!("{:#x}", tx.hash),
            rec.tx["hash"].as_str().expect("hash"),
            "{what}"
        );
        assert_eq!(tx.transaction_index, Some(1), "{what}");
    }
}

#[test]
fn a_state_sync_transaction_that_claims_gas_is_refused_naming_it() {
    let rec = recorded();
    let mut v = pip74(&rec.tx);
    v["gas"] = json!("0x5208");
    let err = decode_transaction(&v.to_string())
        .expect_err("gas on a state sync")
        .0;
    let hash = rec.tx["hash"].as_str().expect("hash");
    assert!(err.contains(hash), "{err}");
    assert!(
        err.contains("state-sync") && err.contains("gas 21000"),
        "{err}"
    );
    // An ordinary signed type still needs its signature.
    let mut unsigned = rec.tx.clone();
    unsigned["gas"] = json!("0x5208");
    unsigned["v"] = json!("0x1b");
    unsigned.as_object_mut().expect("object").remove("r");
    let err = decode_transaction(&unsigned.to_string())
        .expect_err("legacy without r")
        .0;
    assert!(err.contains("type 0 transaction without r"), "{err}");
}

/// Answers the lookup's batch (transaction, receipt) with the recordings.
async fn replay(
    State(answers): State<Arc<(Value, Value)>>,
    Json(body): Json<Value>,
) -> Json<Value> {
    let answer = |call: &Value| {
        let result = match call["method"].as_str() {
            Some("eth_getTransactionByHash") => answers.0.clone(),
            Some("eth_getTransactionReceipt") => answers.1.clone(),
            _ => Value::Null,
        };
        json!({"jsonrpc": "2.0", "id": call["id"].clone(), "result": result})
    };
    Json(match &body {
        Value::Array(calls) => Value::Array(calls.iter().map(answer).collect()),
        call => answer(call),
    })
}

#[tokio::test]
async fn a_state_sync_transaction_is_looked_up_with_no_fee() {
    let rec = recorded();
    let hash = rec.tx["hash"].as_str().expect("hash").to_owned();
    for (what, tx) in [
        ("pre-PIP-74", rec.tx.clone()),
        ("type 0x7f", pip74(&rec.tx)),
    ] {
        let app = Router::new()
            .route("/", post(replay))
            .with_state(Arc::new((tx, rec.receipt.clone())));
        let url = blockwatt_testkit::serve_router(app).await;
        let source = EvmSource::new("polygon", &common::evm_config(&url, 137), Arc::default())
            .expect("source");
        let stored = source
            .transaction(&hash)
            .await
            .unwrap_or_else(|e| panic!("{what}: {e}"))
            .expect("known to the node");
        assert_eq!(stored.fee_native, 0.0, "{what}");
        assert_eq!(stored.gas_used, 0, "{what}");
        assert_eq!(stored.size_bytes, 0, "{what}");
        assert_eq!(stored.block_height, 5, "{what}");
        assert_eq!(stored.position, 1, "{what}");
    }
}

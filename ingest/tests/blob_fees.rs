//! EIP-4844 (type-3) transactions pay for blob gas too: their fee is gas
//! used × effective gas price plus blob gas used × blob gas price, from the
//! receipt. Checked on real responses of a geth node (recorded by the
//! execution-API test suite, `tests/recorded/execution-apis/`), replayed by a
//! local stand-in node.

mod common;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use blockwatt_ingest::evm::EvmSource;
use serde_json::Value;

const BLOB_TX: &str = "0xb0ebf0d8fca6724d5111d0be9ac61f0e7bf174208e0fafcb653f337c72465b83";

/// (method, params) → the recorded response's `result`, from `.io` files.
type Exchanges = HashMap<(String, String), Value>;

fn load(dir: &Path) -> Exchanges {
    let mut out = Exchanges::new();
    for entry in std::fs::read_dir(dir).expect("recorded dir") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "io") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("recorded file");
        let mut request: Option<Value> = None;
        for line in text.lines() {
            if let Some(req) = line.strip_prefix(">> ") {
                request = Some(serde_json::from_str(req).expect("recorded request"));
            } else if let Some(resp) = line.strip_prefix("<< ") {
                let req = request.take().expect("a request before each response");
                let resp: Value = serde_json::from_str(resp).expect("recorded response");
                out.insert(key(&req), resp["result"].clone());
            }
        }
    }
    out
}

fn key(call: &Value) -> (String, String) {
    (
        call["method"].as_str().unwrap_or_default().to_owned(),
        call["params"].to_string(),
    )
}

/// Answers a call or a batch from the recordings; an unrecorded call gets
/// `null`, as a node answers for what it does not know.
async fn replay(State(recorded): State<Arc<Exchanges>>, Json(body): Json<Value>) -> Json<Value> {
    let answer = |call: &Value| {
        let result = recorded.get(&key(call)).cloned().unwrap_or(Value::Null);
        serde_json::json!({"jsonrpc": "2.0", "id": call["id"].clone(), "result": result})
    };
    Json(match &body {
        Value::Array(calls) => Value::Array(calls.iter().map(answer).collect()),
        call => answer(call),
    })
}

fn quantity(v: &Value) -> u128 {
    u128::from_str_radix(v.as_str().expect("hex").trim_start_matches("0x"), 16).expect("quantity")
}

#[tokio::test]
async fn a_blob_transactions_fee_includes_its_blob_gas() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/recorded/execution-apis");
    let recorded = Arc::new(load(&dir));
    let receipt = recorded
        .get(&(
            "eth_getTransactionReceipt".to_owned(),
            serde_json::json!([BLOB_TX]).to_string(),
        ))
        .expect("the recorded receipt")
        .clone();
    let app = Router::new().route("/", post(replay)).with_state(recorded);
    let url = blockwatt_testkit::serve_router(app).await;
    let source =
        EvmSource::new("devnet", &common::evm_config(&url, 31337), Arc::default()).expect("source");

    let tx = source
        .transaction(BLOB_TX)
        .await
        .expect("answered")
        .expect("known to the node");

    let gas_fee = quantity(&receipt["gasUsed"]) * quantity(&receipt["effectiveGasPrice"]);
    let blob_fee = quantity(&receipt["blobGasUsed"]) * quantity(&receipt["blobGasPrice"]);
    assert!(blob_fee > 0, "the recording is a blob transaction");
    let expected_eth = (gas_fee + blob_fee) as f64 / 1e18;
    assert_eq!(
        tx.fee_native, expected_eth,
        "gas fee {gas_fee} + blob fee {blob_fee} wei"
    );
    assert_eq!(tx.gas_used, 0xca9c);
    assert_eq!(tx.block_height, 3);
}

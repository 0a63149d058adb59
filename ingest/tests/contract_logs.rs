//! A token's activity counted at a real EVM node: an ERC-20 deployed on
//! anvil (compiled from `tests/contracts/TestToken.sol`), transfers sent,
//! and `eth_getLogs` finding exactly the transactions that made it log.

mod common;

use std::sync::Arc;

use blockwatt_ingest::contract_logs::MAX_LOG_RANGE;
use blockwatt_ingest::evm::EvmSource;
use common::{evm_config, hex_u64, rpc, Anvil};
use serde_json::{json, Value};

const CHAIN: &str = "devnet";

/// The token's creation code with its constructor argument (the supply).
fn deploy_data(supply: u64) -> String {
    let bin = include_str!("contracts/TestToken.bin").trim();
    format!("0x{bin}{supply:064x}")
}

/// `transfer(to, value)`: selector 0xa9059cbb and two ABI words.
fn transfer_data(to: &str, value: u64) -> String {
    format!("0xa9059cbb{:0>64}{value:064x}", to.trim_start_matches("0x"))
}

async fn receipt(url: &str, txid: &Value) -> Value {
    rpc(url, "eth_getTransactionReceipt", json!([txid])).await
}

#[tokio::test]
async fn the_transactions_that_move_a_token_are_counted_at_the_node() {
    let Some(anvil) = Anvil::start(
        "the_transactions_that_move_a_token_are_counted_at_the_node",
        None,
    ) else {
        return;
    };
    let url = anvil.url.clone();
    // One transaction per block, mined on request: heights say which is
    // which, and a receipt exists once `evm_mine` has returned.
    rpc(&url, "evm_setAutomine", json!([false])).await;
    let send = |tx: Value| {
        let url = url.clone();
        async move {
            let hash = rpc(&url, "eth_sendTransaction", json!([tx])).await;
            rpc(&url, "evm_mine", json!([])).await;
            hash
        }
    };
    let accounts = rpc(&url, "eth_accounts", json!([])).await;
    let (a, b) = (accounts[0].as_str().unwrap(), accounts[1].as_str().unwrap());
    let deploy = send(json!({"from": a, "data": deploy_data(1_000_000)})).await;
    let token = receipt(&url, &deploy).await["contractAddress"]
        .as_str()
        .expect("deployed")
        .to_owned();
    let mut token_txs = vec![deploy.as_str().unwrap().to_owned()];
    for i in 1..=5u64 {
        let tx = send(json!({"from": a, "to": token, "data": transfer_data(b, i)})).await;
        assert_eq!(receipt(&url, &tx).await["status"], "0x1");
        token_txs.push(tx.as_str().unwrap().to_owned());
        // Plain value transfers between them: chain activity the token did not cause.
        send(json!({"from": a, "to": b, "value": "0x1"})).await;
    }
    // A transfer the token refuses (more than B holds): reverted, no log.
    let refused = send(
        json!({"from": b, "to": token, "data": transfer_data(a, 10_000_000), "gas": "0x30000"}),
    )
    .await;
    assert_eq!(receipt(&url, &refused).await["status"], "0x0");
    let tip = hex_u64(&rpc(&url, "eth_blockNumber", json!([])).await);

    let source = EvmSource::new(
        CHAIN,
        &evm_config(&url, 31337),
        Arc::new(Default::default()),
    )
    .expect("source");
    let found = source
        .contract_txs(&token.to_uppercase().replace("0X", "0x"), 0, tip)
        .await
        .expect("logs");
    let txids: Vec<&str> = found.iter().map(|t| t.txid.as_str()).collect();
    assert_eq!(
        txids,
        token_txs.iter().map(String::as_str).collect::<Vec<_>>()
    );
    // Each at the height its receipt names.
    for t in &found {
        let r = receipt(&url, &json!(t.txid)).await;
        assert_eq!(hex_u64(&r["blockNumber"]), t.height);
    }
    // A range wider than one request is walked in pieces, same answer.
    assert!(tip < MAX_LOG_RANGE);
    let later = source
        .contract_txs(&token, found[2].height, tip)
        .await
        .expect("logs");
    assert_eq!(later, found[2..]);
    // Junk never reaches the node.
    let err = source.contract_txs("0x1234", 0, tip).await.unwrap_err();
    assert!(err.to_string().contains("40 hex digits"), "{err}");
}

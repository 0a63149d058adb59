//! The lean EVM decoder (`evm_decode`) against alloy's typed decoding of the
//! same texts: recorded mainnet responses from `../shared/data`, and
//! transactions of every type serialised by alloy. Sizes must equal
//! alloy's `encode_2718_len`; bad fields must be errors naming the field.

#[path = "common/evm_json.rs"]
mod evm_json;

use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{B256, U256};
use alloy_rpc_types_eth::{Block as EthBlock, Transaction as EthTransaction, TransactionTrait};
use blockwatt_ingest::evm_decode::{decode_block, decode_transaction, EvmTransaction};
use serde_json::{json, Value};

/// Every figure we keep of one transaction, as alloy reads it.
fn assert_same_tx(what: &str, ours: &EvmTransaction, alloy: &EthTransaction) {
    assert_eq!(ours.hash, *alloy.inner.tx_hash(), "{what}: hash");
    assert_eq!(ours.block_hash, alloy.block_hash, "{what}: block hash");
    assert_eq!(
        ours.block_number, alloy.block_number,
        "{what}: block number"
    );
    assert_eq!(
        ours.transaction_index, alloy.transaction_index,
        "{what}: index"
    );
    // The fee's fallback price: what the EVM source used from alloy before.
    assert_eq!(
        ours.gas_price,
        alloy
            .effective_gas_price
            .or_else(|| TransactionTrait::gas_price(alloy)),
        "{what}: gas price"
    );
    assert_eq!(
        ours.size,
        alloy.inner.inner().encode_2718_len() as u64,
        "{what}: EIP-2718 size"
    );
}

#[test]
fn recorded_mainnet_blocks_read_as_alloy_reads_them() {
    if blockwatt_testkit::shared_data("recorded_mainnet_blocks_read_as_alloy_reads_them").is_none()
    {
        return;
    }
    let mut txs_checked = 0;
    let mut raw_checked = 0;
    let blocks = evm_json::recorded_results("web3_response.eth_getBlockByNumber_");
    let full: Vec<_> = blocks
        .iter()
        .filter(|(p, _)| p.ends_with("_true.json"))
        .collect();
    assert!(full.len() >= 4, "recorded full blocks: {}", full.len());
    for (path, text) in full {
        let alloy: EthBlock = serde_json::from_str(text).expect("alloy reads it");
        let ours = decode_block(text).unwrap_or_else(|e| panic!("{path}: {e}"));
        let h = &alloy.header;
        assert_eq!(ours.number, h.number, "{path}");
        assert_eq!(ours.hash, h.hash, "{path}");
        assert_eq!(ours.parent_hash, h.parent_hash, "{path}");
        assert_eq!(ours.timestamp, h.timestamp, "{path}");
        assert_eq!(ours.gas_used, h.gas_used, "{path}");
        assert_eq!(ours.gas_limit, h.gas_limit, "{path}");
        assert_eq!(ours.difficulty, h.difficulty, "{path}");
        assert_eq!(ours.size, h.size, "{path}");
        let alloy_txs: Vec<_> = alloy.transactions.txns().collect();
        assert_eq!(ours.transactions.len(), alloy_txs.len(), "{path}");
        let json: Value = serde_json::from_str(text).expect("JSON");
        for (i, (o, a)) in ours.transactions.iter().zip(alloy_txs).enumerate() {
            assert_same_tx(&format!("{path} tx {i}"), o, a);
            // Parity recorded the signed transaction itself: the size is
            // its byte length.
            if let Some(raw) = json["transactions"][i]["raw"].as_str() {
                assert_eq!(o.size as usize, (raw.len() - 2) / 2, "{path} tx {i} raw");
                raw_checked += 1;
            }
            txs_checked += 1;
        }
    }
    for (path, text) in evm_json::recorded_results("web3_response.eth_getTransactionByHash_") {
        let alloy: EthTransaction = serde_json::from_str(&text).expect("alloy reads it");
        let ours = decode_transaction(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_same_tx(&path, &ours, &alloy);
        txs_checked += 1;
    }
    assert!(txs_checked >= 10, "transactions checked: {txs_checked}");
    assert!(raw_checked >= 4, "raw sizes checked: {raw_checked}");
}

#[test]
fn every_transaction_type_sizes_as_alloy_encodes_it() {
    let hash = B256::repeat_byte(0x42);
    let envelopes = evm_json::envelopes();
    for (name, env) in &envelopes {
        let rpc = evm_json::rpc_transaction(env.clone(), 3, hash, 17);
        let text = serde_json::to_string(&rpc).expect("serialise");
        // The text is one alloy reads back to the same transaction.
        let alloy: EthTransaction = serde_json::from_str(&text).expect("alloy reads it");
        assert_eq!(alloy.inner.inner(), env, "{name}: alloy round trip");
        let ours = decode_transaction(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_same_tx(name, &ours, &alloy);
        assert_eq!(ours.size, env.encode_2718_len() as u64, "{name}");
    }
    let text = evm_json::block_json(17, envelopes.iter().map(|(_, e)| e.clone()).collect());
    let ours = decode_block(&text).expect("block of every type");
    assert_eq!(ours.transactions.len(), envelopes.len());
    for ((name, env), o) in envelopes.iter().zip(&ours.transactions) {
        assert_eq!(o.size, env.encode_2718_len() as u64, "{name} in a block");
    }
    assert_eq!(ours.size, Some(U256::from(12_345)));
}

fn legacy_json() -> Value {
    let (_, env) = evm_json::envelopes().swap_remove(0);
    serde_json::to_value(evm_json::rpc_transaction(env, 0, B256::repeat_byte(1), 5)).expect("json")
}

fn eip1559_json() -> Value {
    let (_, env) = evm_json::envelopes().swap_remove(4);
    serde_json::to_value(evm_json::rpc_transaction(env, 0, B256::repeat_byte(1), 5)).expect("json")
}

fn decode(v: &Value) -> Result<EvmTransaction, String> {
    decode_transaction(&v.to_string()).map_err(|e| e.0)
}

#[test]
fn optional_fields_may_be_missing() {
    let full = decode(&legacy_json()).expect("legacy");
    // Old nodes send no `type`; pending transactions no block fields;
    // unprotected-era nodes no `chainId`.
    let mut v = legacy_json();
    let o = v.as_object_mut().expect("object");
    for field in [
        "type",
        "blockHash",
        "blockNumber",
        "transactionIndex",
        "chainId",
    ] {
        o.remove(field);
    }
    let bare = decode(&v).expect("legacy without optional fields");
    assert_eq!(bare.size, full.size);
    assert_eq!(bare.block_hash, None);
    assert_eq!(bare.transaction_index, None);
    // A contract creation may say `"to": null`.
    let mut v = legacy_json();
    v["to"] = Value::Null;
    assert_eq!(decode(&v).expect("to null").size, full.size - 20);
    // A typed transaction with `v` instead of `yParity`.
    let mut v = eip1559_json();
    let y = v["yParity"].clone();
    v.as_object_mut().expect("object").remove("yParity");
    v["v"] = y;
    assert_eq!(
        decode(&v).expect("v for parity").size,
        decode(&eip1559_json()).expect("1559").size
    );
    // A block without `size`; `difficulty` stays required (hashrate
    // comes from it), as it was with alloy.
    let mut b: Value = serde_json::from_str(&evm_json::eip1559_block(2)).expect("json");
    b.as_object_mut().expect("object").remove("size");
    let block = decode_block(&b.to_string()).expect("block without size");
    assert_eq!(block.size, None);
    let mut no_difficulty = b.clone();
    no_difficulty
        .as_object_mut()
        .expect("object")
        .remove("difficulty");
    let err = decode_block(&no_difficulty.to_string())
        .expect_err("no difficulty")
        .0;
    assert!(err.contains("missing field `difficulty`"), "{err}");
    // An empty block may list its (no) transactions either way.
    b["transactions"] = json!([]);
    assert!(decode_block(&b.to_string())
        .expect("empty")
        .transactions
        .is_empty());
}

#[test]
fn malformed_fields_are_errors_naming_them() {
    let hash = legacy_json()["hash"].as_str().expect("hash").to_owned();
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "input not hex",
            {
                let mut v = legacy_json();
                v["input"] = json!("0xzz");
                v
            },
            "input is not 0x-prefixed hex",
        ),
        (
            "input of odd length",
            {
                let mut v = legacy_json();
                v["input"] = json!("0xabc");
                v
            },
            "input is not 0x-prefixed hex",
        ),
        (
            "input without 0x",
            {
                let mut v = legacy_json();
                v["input"] = json!("abcd");
                v
            },
            "input is not 0x-prefixed hex",
        ),
        (
            "no gas price",
            {
                let mut v = legacy_json();
                v.as_object_mut().expect("object").remove("gasPrice");
                v.as_object_mut()
                    .expect("object")
                    .remove("effectiveGasPrice");
                v
            },
            "type 0 transaction without gasPrice",
        ),
        (
            "invalid legacy v",
            {
                let mut v = legacy_json();
                v["v"] = json!("0x1d");
                v
            },
            "invalid EIP-155 signature value v 29",
        ),
        (
            "v of another chain",
            {
                let mut v = legacy_json();
                v["chainId"] = json!("0x5");
                v
            },
            "disagrees with the signature",
        ),
        (
            "unknown type",
            {
                let mut v = legacy_json();
                v["type"] = json!("0x7e");
                v
            },
            "unsupported transaction type 0x7e",
        ),
        (
            "1559 without max fee",
            {
                let mut v = eip1559_json();
                v.as_object_mut().expect("object").remove("maxFeePerGas");
                v
            },
            "type 2 transaction without maxFeePerGas",
        ),
        (
            "1559 without access list",
            {
                let mut v = eip1559_json();
                v.as_object_mut().expect("object").remove("accessList");
                v
            },
            "type 2 transaction without accessList",
        ),
        (
            "bad parity",
            {
                let mut v = eip1559_json();
                v["yParity"] = json!("0x5");
                v
            },
            "invalid signature parity 5",
        ),
    ];
    for (what, v, expected) in cases {
        let err = decode(&v).expect_err(what);
        assert!(err.contains(expected), "{what}: {err}");
        let own_hash = v["hash"].as_str().expect("hash");
        assert!(
            err.contains(own_hash),
            "{what} names the transaction: {err}"
        );
    }
    // Field-level hex errors come from serde with the field's position.
    let mut v = legacy_json();
    v["value"] = json!("0xnope");
    let err = decode(&v).expect_err("bad value");
    assert!(err.starts_with("transaction: "), "{err}");
    let mut v = legacy_json();
    v["hash"] = json!("0x1234");
    assert!(decode(&v).is_err(), "short hash");
    // Blocks: bad header hash, transactions given as hashes.
    let mut b: Value = serde_json::from_str(&evm_json::eip1559_block(1)).expect("json");
    b["parentHash"] = json!("0x00");
    let err = decode_block(&b.to_string())
        .expect_err("short parent hash")
        .0;
    assert!(err.starts_with("block: "), "{err}");
    let mut b: Value = serde_json::from_str(&evm_json::eip1559_block(1)).expect("json");
    b["transactions"] = json!([hash]);
    let err = decode_block(&b.to_string()).expect_err("hashes only").0;
    assert_eq!(err, "transactions are not full objects");
    assert!(decode_block("not json").is_err());
}

//! EVM JSON-RPC texts for the decoder tests and bench: recorded mainnet
//! blocks from `../shared/data`, and transactions of every type (legacy,
//! EIP-2930, EIP-1559, EIP-4844, EIP-7702) built and serialised by alloy,
//! so each is exactly what alloy itself would read back.
#![allow(dead_code)]

use std::path::PathBuf;

use alloy_consensus::{
    Header as ConsensusHeader, SignableTransaction, TxEip1559, TxEip2930, TxEip4844, TxEip7702,
    TxEnvelope, TxLegacy,
};
use alloy_eips::eip2930::{AccessList, AccessListItem};
use alloy_eips::eip7702::{Authorization, SignedAuthorization};
use alloy_primitives::{Address, Bytes, Signature, TxKind, B256, U256};
use alloy_rpc_types_eth::{Block, BlockTransactions, Header, Transaction};

/// `../shared/data/ethereum-etl-fixtures`, or None when absent.
pub fn fixtures_root() -> Option<PathBuf> {
    let dir = std::env::var_os("BLOCKWATT_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data"));
    let root = dir.join("ethereum-etl-fixtures");
    root.is_dir().then_some(root)
}

/// Every recorded response file under the fixtures whose name starts with
/// `prefix`, with its `result` as text.
pub fn recorded_results(prefix: &str) -> Vec<(String, String)> {
    let Some(root) = fixtures_root() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut dirs = vec![root];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).expect("fixture dir").flatten() {
            let path = e.path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with(prefix) {
                let text = std::fs::read_to_string(&path).expect("fixture file");
                let v: serde_json::Value = serde_json::from_str(&text).expect("fixture JSON");
                if !v["result"].is_null() {
                    out.push((path.display().to_string(), v["result"].to_string()));
                }
            }
        }
    }
    out.sort();
    out
}

/// One recorded `eth_getBlockByNumber` result by file name.
pub fn recorded_block(file: &str) -> Option<String> {
    recorded_results("web3_response.eth_getBlockByNumber_")
        .into_iter()
        .find(|(path, _)| path.ends_with(file))
        .map(|(_, text)| text)
}

fn sig(i: u64) -> Signature {
    Signature::new(
        U256::from(0x1234_5678_9abc_def0u64) << 190 | U256::from(i),
        U256::from(i + 7) << 120,
        i % 2 == 1,
    )
}

fn access_list(keys: usize) -> AccessList {
    AccessList(vec![AccessListItem {
        address: Address::repeat_byte(0xaa),
        storage_keys: (0..keys).map(|k| B256::repeat_byte(k as u8)).collect(),
    }])
}

/// One transaction of each shape worth telling apart: every type, a
/// contract creation, pre-EIP-155 legacy, one-byte and long inputs, access
/// lists and authorization lists, large values.
pub fn envelopes() -> Vec<(&'static str, TxEnvelope)> {
    let to = TxKind::Call(Address::repeat_byte(0x11));
    let long_input = Bytes::from(vec![0xab; 300]);
    vec![
        (
            "legacy EIP-155",
            TxLegacy {
                chain_id: Some(1),
                nonce: 9,
                gas_price: 20_000_000_000,
                gas_limit: 21_000,
                to,
                value: U256::from(10u64).pow(U256::from(18)),
                input: Bytes::new(),
            }
            .into_signed(sig(1))
            .into(),
        ),
        (
            "legacy pre-EIP-155 contract creation",
            TxLegacy {
                chain_id: None,
                nonce: 0,
                gas_price: 50_000_000_000,
                gas_limit: 1_000_000,
                to: TxKind::Create,
                value: U256::ZERO,
                input: long_input.clone(),
            }
            .into_signed(sig(2))
            .into(),
        ),
        (
            "legacy one-byte input below 0x80",
            TxLegacy {
                chain_id: Some(31337),
                nonce: 300,
                gas_price: 1,
                gas_limit: 50_000,
                to,
                value: U256::from(1),
                input: Bytes::from(vec![0x7f]),
            }
            .into_signed(sig(3))
            .into(),
        ),
        (
            "EIP-2930 with an access list",
            TxEip2930 {
                chain_id: 1,
                nonce: 5,
                gas_price: 30_000_000_000,
                gas_limit: 80_000,
                to,
                value: U256::ZERO,
                access_list: access_list(3),
                input: Bytes::from(vec![0x80]),
            }
            .into_signed(sig(4))
            .into(),
        ),
        (
            "EIP-1559 transfer",
            TxEip1559 {
                chain_id: 1,
                nonce: 70_000,
                gas_limit: 21_000,
                max_fee_per_gas: 40_000_000_000,
                max_priority_fee_per_gas: 1_500_000_000,
                to,
                value: U256::MAX >> 3,
                access_list: AccessList::default(),
                input: Bytes::new(),
            }
            .into_signed(sig(5))
            .into(),
        ),
        (
            "EIP-1559 contract creation with a long input",
            TxEip1559 {
                chain_id: 8453,
                nonce: 1,
                gas_limit: 3_000_000,
                max_fee_per_gas: 1_000_000,
                max_priority_fee_per_gas: 0,
                to: TxKind::Create,
                value: U256::ZERO,
                access_list: access_list(1),
                input: Bytes::from(vec![0x60; 70_000]),
            }
            .into_signed(sig(6))
            .into(),
        ),
        (
            "EIP-4844 blob transaction",
            TxEip4844 {
                chain_id: 1,
                nonce: 2,
                gas_limit: 100_000,
                max_fee_per_gas: 20_000_000_000,
                max_priority_fee_per_gas: 1_000_000_000,
                to: Address::repeat_byte(0x22),
                value: U256::ZERO,
                access_list: access_list(2),
                blob_versioned_hashes: vec![B256::repeat_byte(1), B256::repeat_byte(2)],
                max_fee_per_blob_gas: 1_000_000_000,
                input: long_input,
            }
            .into_signed(sig(7))
            .into(),
        ),
        (
            "EIP-7702 with two authorizations",
            TxEip7702 {
                chain_id: 1,
                nonce: 3,
                gas_limit: 200_000,
                max_fee_per_gas: 20_000_000_000,
                max_priority_fee_per_gas: 1_000_000_000,
                to: Address::repeat_byte(0x33),
                value: U256::from(5),
                access_list: AccessList::default(),
                authorization_list: vec![
                    SignedAuthorization::new_unchecked(
                        Authorization {
                            chain_id: U256::from(1),
                            address: Address::repeat_byte(0x44),
                            nonce: 0,
                        },
                        1,
                        U256::from(u64::MAX) << 100,
                        U256::from(99),
                    ),
                    SignedAuthorization::new_unchecked(
                        Authorization {
                            chain_id: U256::ZERO,
                            address: Address::repeat_byte(0x55),
                            nonce: 1_000,
                        },
                        0,
                        U256::from(1),
                        U256::MAX >> 1,
                    ),
                ],
                input: Bytes::from(vec![0x01, 0x02]),
            }
            .into_signed(sig(8))
            .into(),
        ),
    ]
}

/// An RPC transaction as a node would answer it (mined, with `from`).
pub fn rpc_transaction(env: TxEnvelope, index: u64, block_hash: B256, number: u64) -> Transaction {
    let effective_gas_price = Some(match &env {
        TxEnvelope::Legacy(t) => t.tx().gas_price,
        TxEnvelope::Eip2930(t) => t.tx().gas_price,
        _ => 1_234_567_890,
    });
    Transaction {
        inner: alloy_consensus::transaction::Recovered::new_unchecked(
            env,
            Address::repeat_byte(0x99),
        ),
        block_hash: Some(block_hash),
        block_number: Some(number),
        transaction_index: Some(index),
        effective_gas_price,
        block_timestamp: None,
    }
}

/// A whole `eth_getBlockByNumber(n, true)` result holding `txs`.
pub fn block_json(number: u64, txs: Vec<TxEnvelope>) -> String {
    let hash = B256::repeat_byte(0x42);
    let transactions = txs
        .into_iter()
        .enumerate()
        .map(|(i, t)| rpc_transaction(t, i as u64, hash, number))
        .collect();
    let block: Block = Block {
        header: Header {
            hash,
            inner: ConsensusHeader {
                parent_hash: B256::repeat_byte(0x41),
                number,
                gas_limit: 30_000_000,
                gas_used: 21_000,
                timestamp: 1_700_000_000,
                difficulty: U256::from(131_072u64),
                base_fee_per_gas: Some(7),
                ..Default::default()
            },
            total_difficulty: None,
            size: Some(U256::from(12_345)),
        },
        uncles: Vec::new(),
        transactions: BlockTransactions::Full(transactions),
        withdrawals: None,
    };
    serde_json::to_string(&block).expect("serialise block")
}

/// A block in the shape of the ingest bench's anvil chain: `n` EIP-1559
/// value transfers.
pub fn eip1559_block(n: u64) -> String {
    let txs = (0..n)
        .map(|i| {
            TxEip1559 {
                chain_id: 31337,
                nonce: i / 10,
                gas_limit: 21_000,
                max_fee_per_gas: 2_000_000_000,
                max_priority_fee_per_gas: 1_000_000_000,
                to: TxKind::Call(Address::repeat_byte(i as u8)),
                value: U256::from(1000 + i),
                access_list: AccessList::default(),
                input: Bytes::new(),
            }
            .into_signed(sig(i))
            .into()
        })
        .collect();
    block_json(7, txs)
}

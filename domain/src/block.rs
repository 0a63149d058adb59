//! Blocks and transactions as the ingesters parse them at the edge.

use serde::{Deserialize, Serialize};

use crate::Checkpoint;

/// One block of one chain. Amounts are in the chain's native coin
/// (BTC, ETH), not in base units: the models need magnitudes, and a wei
/// total can overflow `u64`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Block {
    pub chain: String,
    pub height: u64,
    pub hash: String,
    pub parent_hash: String,
    /// Block timestamp, Unix seconds (UTC).
    pub time: i64,
    pub tx_count: u32,
    pub size_bytes: u64,
    /// Bitcoin-family weight units; 0 where the chain has none.
    pub weight: u64,
    /// EVM gas; 0 on chains without gas.
    pub gas_used: u64,
    pub gas_limit: u64,
    /// Proof-of-work difficulty as the node reports it; 0 for proof of stake.
    pub difficulty: f64,
    pub fees_native: f64,
    pub subsidy_native: f64,
    /// Newer than the chain's confirmation depth when stored: may still be reorganised away.
    pub provisional: bool,
}

/// One transaction, with what the allocation methods need.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transaction {
    pub chain: String,
    pub txid: String,
    pub block_height: u64,
    pub block_hash: String,
    /// Position in the block.
    pub position: u32,
    pub size_bytes: u64,
    /// Virtual size (weight / 4) on segwit chains; equal to `size_bytes` elsewhere.
    pub vsize: u64,
    pub gas_used: u64,
    pub fee_native: f64,
}

/// What a pipeline step writes as one unit: blocks, their transactions and
/// the checkpoint that says where the next step starts.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockBatch {
    pub blocks: Vec<Block>,
    pub transactions: Vec<Transaction>,
    pub checkpoint: Checkpoint,
}

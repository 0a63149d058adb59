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

/// One contract's part of one block: the block's transactions in which
/// it emitted at least one log (an ERC-20's every transfer logs
/// `Transfer`), and their gas.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractUse {
    /// `0x` and 40 lower-case hex digits.
    pub contract: String,
    pub transactions: u32,
    pub gas_used: u64,
}

/// The contracts that emitted logs in one block, read from its receipts
/// at ingestion. A block with an empty list had its logs read and none
/// emitted any; a block without a `BlockLogs` had its logs not read (a
/// source without receipts), and a contract's share of it is counted at
/// the node instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockLogs {
    pub block_height: u64,
    pub block_hash: String,
    /// Sorted by contract, one entry each.
    pub contracts: Vec<ContractUse>,
}

/// What a pipeline step writes as one unit: blocks, their transactions,
/// the contracts their logs came from, and the checkpoint that says where
/// the next step starts.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockBatch {
    pub blocks: Vec<Block>,
    pub transactions: Vec<Transaction>,
    /// Only for blocks whose receipts were read (EVM sources with
    /// receipts).
    pub logs: Vec<BlockLogs>,
    pub checkpoint: Checkpoint,
}

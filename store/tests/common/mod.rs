//! Blocks, transactions and batches made up for the store's tests: a
//! chain of `height`s whose hashes (64 hex digits, as every ingested
//! chain's are) name their branch by its first letter's byte.

use blockwatt_domain::{Block, BlockBatch, Checkpoint, Transaction};

pub fn block(chain: &str, height: u64, branch: &str) -> Block {
    Block {
        chain: chain.into(),
        height,
        hash: hash(height, branch),
        parent_hash: if height == 0 {
            String::new()
        } else {
            hash(height - 1, branch)
        },
        time: 1_600_000_000 + height as i64 * 600,
        tx_count: 2,
        size_bytes: 1_000 + height,
        weight: 4_000 + height,
        gas_used: 0,
        gas_limit: 0,
        difficulty: 1.5e13,
        fees_native: 0.125,
        subsidy_native: 6.25,
        provisional: height.is_multiple_of(2),
    }
}

fn branch_byte(branch: &str) -> u8 {
    branch.bytes().next().unwrap_or(0)
}

pub fn hash(height: u64, branch: &str) -> String {
    format!("{:02x}{height:062x}", branch_byte(branch))
}

/// The height fills the first 5 bytes, so the txid lookup's key (its
/// 5-byte prefix) differs per block and a block's transactions share it:
/// each lookup confirms against the full txid.
pub fn txid(height: u64, position: u32, branch: &str) -> String {
    format!(
        "{height:010x}{position:08x}{:02x}{:044x}",
        branch_byte(branch),
        0
    )
}

pub fn tx(chain: &str, height: u64, position: u32, branch: &str) -> Transaction {
    Transaction {
        chain: chain.into(),
        txid: txid(height, position, branch),
        block_height: height,
        block_hash: hash(height, branch),
        position,
        size_bytes: 250,
        vsize: 141,
        gas_used: 0,
        fee_native: 0.0001,
    }
}

pub fn batch(chain: &str, heights: std::ops::RangeInclusive<u64>, branch: &str) -> BlockBatch {
    let blocks: Vec<Block> = heights.clone().map(|h| block(chain, h, branch)).collect();
    let transactions = heights
        .flat_map(|h| (0..2).map(move |p| tx(chain, h, p, branch)))
        .collect();
    let last = blocks.last().expect("non-empty range");
    BlockBatch {
        logs: Vec::new(),
        checkpoint: Checkpoint {
            chain: chain.into(),
            source: "test".into(),
            height: last.height,
            hash: last.hash.clone(),
        },
        blocks,
        transactions,
    }
}

//! The one trait every block source implements, and the checks the
//! pipeline applies to whatever a source returns before it is stored.

use async_trait::async_trait;
use blockwatt_domain::{Block, ContractUse, Transaction};

use crate::error::{SourceError, SourceErrorKind};

/// A block with its transactions, parsed into our types at the edge.
#[derive(Debug, Clone, PartialEq)]
pub struct FetchedBlock {
    pub block: Block,
    pub transactions: Vec<Transaction>,
    /// The contracts that emitted logs in the block, when its receipts
    /// were read; `None` when they were not (no receipts, not an EVM chain).
    pub logs: Option<Vec<ContractUse>>,
}

/// A client for one chain endpoint. Implementations parse responses into
/// domain types; nothing downstream sees the wire format.
#[async_trait]
pub trait Source: Send + Sync {
    /// Checkpoint name: `evm`, `bitcoin-rpc`, `esplora`.
    fn kind(&self) -> &'static str;
    /// `kind url` without credentials, for logs and errors.
    fn name(&self) -> &str;
    /// The chain slug the blocks are stored under.
    fn chain(&self) -> &str;
    /// Proves the endpoint serves the configured chain (e.g. chain id).
    async fn check(&self) -> Result<(), SourceError>;
    /// The node's best height.
    async fn tip(&self) -> Result<u64, SourceError>;
    /// Blocks `from..=to`, ascending.
    async fn fetch(&self, from: u64, to: u64) -> Result<Vec<FetchedBlock>, SourceError>;
    /// The canonical block hash at `height` (fork-point search).
    async fn block_hash(&self, height: u64) -> Result<String, SourceError>;
}

/// Checks a fetched range is exactly what was asked for and internally
/// consistent. A failure names the first bad height; nothing of the range
/// may be stored then.
pub fn validate_range(
    source: &str,
    chain: &str,
    from: u64,
    to: u64,
    blocks: &[FetchedBlock],
) -> Result<(), SourceError> {
    let bad = |height: u64, why: String| {
        Err(SourceError::new(
            source,
            "validate",
            Some(height),
            SourceErrorKind::Inconsistent(why),
        ))
    };
    let expected = to.saturating_sub(from) + 1;
    if blocks.len() as u64 != expected {
        return bad(
            from,
            format!(
                "asked for {expected} blocks {from}..={to}, got {}",
                blocks.len()
            ),
        );
    }
    let mut prev: Option<&Block> = None;
    for (i, fb) in blocks.iter().enumerate() {
        let b = &fb.block;
        let h = from + i as u64;
        if b.height != h {
            return bad(
                h,
                format!("asked for height {h}, got block at height {}", b.height),
            );
        }
        if b.chain != chain {
            return bad(
                h,
                format!("block labelled chain {}, expected {chain}", b.chain),
            );
        }
        if !is_hash(&b.hash) || !is_hash(&b.parent_hash) {
            return bad(
                h,
                format!(
                    "bad block hash {:?} or parent hash {:?}",
                    b.hash, b.parent_hash
                ),
            );
        }
        if let Some(p) = prev {
            if b.parent_hash != p.hash {
                return bad(
                    h,
                    format!(
                        "parent hash {} is not the hash {} of block {}",
                        b.parent_hash, p.hash, p.height
                    ),
                );
            }
        }
        if fb.transactions.len() != b.tx_count as usize {
            return bad(
                h,
                format!(
                    "block says {} transactions, response holds {}",
                    b.tx_count,
                    fb.transactions.len()
                ),
            );
        }
        for (pos, t) in fb.transactions.iter().enumerate() {
            if t.block_hash != b.hash
                || t.block_height != h
                || t.position as usize != pos
                || t.chain != chain
            {
                return bad(
                    h,
                    format!(
                        "transaction {} does not belong at position {pos} of block {}",
                        t.txid, b.hash
                    ),
                );
            }
        }
        if !(b.fees_native.is_finite()
            && b.fees_native >= 0.0
            && b.difficulty.is_finite()
            && b.difficulty >= 0.0)
        {
            return bad(h, "negative or non-finite fees or difficulty".into());
        }
        prev = Some(b);
    }
    Ok(())
}

/// Hex of 32 bytes, with or without `0x` (EVM hashes carry it, Bitcoin's do not).
fn is_hash(s: &str) -> bool {
    let hex = s.strip_prefix("0x").unwrap_or(s);
    hex.len() == 64 && hex.bytes().all(|c| c.is_ascii_hexdigit())
}

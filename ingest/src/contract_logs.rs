//! The transactions that made a contract emit logs, counted at the chain's
//! node with `eth_getLogs`: how a token's or a contract's share of a
//! chain's activity is measured over blocks we hold (the API then
//! allocates the chain's footprint by that share).
//!
//! Public nodes cap the block range of one `eth_getLogs` (commonly 1,000 to
//! 10,000 blocks) or the number of logs in one answer. The range starts at
//! `MAX_LOG_RANGE` and halves each time the node refuses one as too large,
//! down to a single block, so every provider's limit is honoured without
//! configuring it.

use std::collections::BTreeSet;

use serde::Deserialize;
use serde_json::json;

use crate::error::{SourceError, SourceErrorKind};
use crate::evm::EvmSource;

/// The widest block range asked in one `eth_getLogs`.
pub const MAX_LOG_RANGE: u64 = 2_000;

/// One transaction that made the contract log, by block.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ContractTx {
    pub height: u64,
    pub txid: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Log {
    block_number: Option<String>,
    transaction_hash: Option<String>,
    #[serde(default)]
    removed: bool,
}

/// A 20-byte address as `0x` and 40 lower-case hex digits, or `None`.
pub fn normalise_address(address: &str) -> Option<String> {
    let hex = address
        .strip_prefix("0x")
        .or_else(|| address.strip_prefix("0X"))?;
    (hex.len() == 40 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| format!("0x{}", hex.to_ascii_lowercase()))
}

fn too_large(e: &SourceError) -> bool {
    match &e.kind {
        SourceErrorKind::Rpc { code, message } => {
            let m = message.to_ascii_lowercase();
            *code == -32005
                || m.contains("range")
                || m.contains("too many")
                || m.contains("limit")
                || m.contains("exceed")
        }
        // A body cut off by a size limit.
        SourceErrorKind::Malformed(_) => true,
        _ => false,
    }
}

impl EvmSource {
    /// The distinct transactions of blocks `from ..= to` that made
    /// `contract` emit at least one log (any event, Transfer among them),
    /// in block order.
    pub async fn contract_txs(
        &self,
        contract: &str,
        from: u64,
        to: u64,
    ) -> Result<Vec<ContractTx>, SourceError> {
        const METHOD: &str = "eth_getLogs";
        let address = normalise_address(contract).ok_or_else(|| {
            self.err(
                METHOD,
                None,
                SourceErrorKind::InvalidRequest(format!(
                    "contract must be 0x and 40 hex digits, got {:?}",
                    contract.chars().take(80).collect::<String>()
                )),
            )
        })?;
        let mut found = BTreeSet::new();
        let mut start = from;
        let mut range = MAX_LOG_RANGE;
        while start <= to {
            let end = to.min(start.saturating_add(range - 1));
            let params = json!([{
                "address": address,
                "fromBlock": format!("{start:#x}"),
                "toBlock": format!("{end:#x}"),
            }]);
            match self.rpc_client().call(METHOD, params, Some(start)).await {
                Ok(v) => {
                    let logs: Vec<Log> = serde_json::from_value(v).map_err(|e| {
                        self.err(
                            METHOD,
                            Some(start),
                            SourceErrorKind::Malformed(e.to_string()),
                        )
                    })?;
                    for log in logs.into_iter().filter(|l| !l.removed) {
                        let (Some(n), Some(tx)) = (log.block_number, log.transaction_hash) else {
                            continue;
                        };
                        let height =
                            u64::from_str_radix(n.trim_start_matches("0x"), 16).map_err(|_| {
                                self.err(
                                    METHOD,
                                    Some(start),
                                    SourceErrorKind::Malformed(format!("blockNumber {n:?}")),
                                )
                            })?;
                        if height < start || height > end {
                            return Err(self.err(
                                METHOD,
                                Some(start),
                                SourceErrorKind::Inconsistent(format!(
                                    "a log of block {height} in an answer for blocks {start}..{end}"
                                )),
                            ));
                        }
                        found.insert(ContractTx {
                            height,
                            txid: tx.to_ascii_lowercase(),
                        });
                    }
                    start = end + 1;
                }
                Err(e) if too_large(&e) && range > 1 => range = (range / 2).max(1),
                Err(e) => return Err(e),
            }
        }
        Ok(found.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_checked_and_lower_cased() {
        assert_eq!(
            normalise_address("0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48").as_deref(),
            Some("0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48")
        );
        assert_eq!(
            normalise_address("a0b86991c6218b36c1d19d4a2e9eb0ce3606eb48"),
            None
        );
        assert_eq!(normalise_address("0x1234"), None);
        assert_eq!(
            normalise_address("0xZZb86991c6218b36c1d19d4a2e9eb0ce3606eb48"),
            None
        );
    }

    #[test]
    fn a_refused_range_is_recognised_by_code_or_words() {
        let e = |code: i64, message: &str| SourceError {
            source_name: "s".into(),
            method: "eth_getLogs".into(),
            height: None,
            kind: SourceErrorKind::Rpc {
                code,
                message: message.into(),
            },
        };
        assert!(too_large(&e(
            -32005,
            "query returned more than 10000 results"
        )));
        assert!(too_large(&e(-32602, "block range is too wide")));
        assert!(too_large(&e(-32000, "exceed maximum block range: 1000")));
        assert!(!too_large(&e(
            -32601,
            "the method eth_getLogs does not exist"
        )));
    }
}

//! Block headers read at an EVM node without storing the blocks: where a
//! day starts, and the transaction count and gas of sampled blocks. This
//! is how a contract's share is estimated over days we did not ingest.

use serde::Deserialize;
use serde_json::json;

use crate::error::{SourceError, SourceErrorKind};
use crate::evm::EvmSource;
use crate::rpc::RpcCall;
use crate::source::Source;

/// What a header (`eth_getBlockByNumber` without bodies) tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeaderSummary {
    pub height: u64,
    pub time: i64,
    pub tx_count: u64,
    pub gas_used: u64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Header {
    number: String,
    timestamp: String,
    gas_used: String,
    transactions: Vec<serde::de::IgnoredAny>,
}

const METHOD: &str = "eth_getBlockByNumber";

impl EvmSource {
    /// The headers of `heights`, in their order, in as few batches as
    /// the node takes. A height past the node's tip is an error.
    pub async fn headers(&self, heights: &[u64]) -> Result<Vec<HeaderSummary>, SourceError> {
        let calls: Vec<RpcCall> = heights
            .iter()
            .map(|h| RpcCall::new(METHOD, json!([format!("{h:#x}"), false]), Some(*h)))
            .collect();
        let answers = self.rpc_client().batch(&calls).await?;
        heights
            .iter()
            .zip(answers)
            .map(|(&h, answer)| self.header(h, answer?))
            .collect()
    }

    fn header(&self, height: u64, v: serde_json::Value) -> Result<HeaderSummary, SourceError> {
        let malformed =
            |what: String| self.err(METHOD, Some(height), SourceErrorKind::Malformed(what));
        if v.is_null() {
            return Err(self.err(METHOD, Some(height), SourceErrorKind::NotFound));
        }
        let h: Header = serde_json::from_value(v).map_err(|e| malformed(e.to_string()))?;
        let quantity = |field: &str, s: &str| {
            s.strip_prefix("0x")
                .and_then(|x| u64::from_str_radix(x, 16).ok())
                .ok_or_else(|| malformed(format!("{field} {s:?} is not a hex quantity")))
        };
        let number = quantity("number", &h.number)?;
        if number != height {
            return Err(self.err(
                METHOD,
                Some(height),
                SourceErrorKind::Inconsistent(format!("asked for block {height}, got {number}")),
            ));
        }
        let time = i64::try_from(quantity("timestamp", &h.timestamp)?)
            .map_err(|_| malformed(format!("timestamp {:?} out of range", h.timestamp)))?;
        Ok(HeaderSummary {
            height,
            time,
            tx_count: h.transactions.len() as u64,
            gas_used: quantity("gasUsed", &h.gas_used)?,
        })
    }

    /// The first block with a timestamp at or after `time` (block times
    /// never decrease), by bisection over the node's blocks; `None` when
    /// the node's tip is older than `time`.
    pub async fn first_block_at_or_after(&self, time: i64) -> Result<Option<u64>, SourceError> {
        let tip = self.tip().await?;
        let at = |h: u64| async move {
            let mut v = self.headers(&[h]).await?;
            v.pop()
                .map(|s| s.time)
                .ok_or_else(|| self.err(METHOD, Some(h), SourceErrorKind::NotFound))
        };
        if at(tip).await? < time {
            return Ok(None);
        }
        if at(0).await? >= time {
            return Ok(Some(0));
        }
        // time(lo) < time <= time(hi)
        let (mut lo, mut hi) = (0, tip);
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if at(mid).await? < time {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        Ok(Some(hi))
    }
}

impl EvmSource {
    /// The gas each of `txids` used, from their receipts, in their order.
    pub async fn gas_used_by(&self, txids: &[String]) -> Result<Vec<u64>, SourceError> {
        const RECEIPT: &str = "eth_getTransactionReceipt";
        let calls: Vec<RpcCall> = txids
            .iter()
            .map(|t| RpcCall::new(RECEIPT, json!([t]), None))
            .collect();
        let answers = self.rpc_client().batch(&calls).await?;
        txids
            .iter()
            .zip(answers)
            .map(|(txid, answer)| {
                let v = answer?;
                let gas = v.get("gasUsed").and_then(serde_json::Value::as_str);
                gas.and_then(|s| s.strip_prefix("0x"))
                    .and_then(|s| u64::from_str_radix(s, 16).ok())
                    .ok_or_else(|| {
                        self.err(
                            RECEIPT,
                            None,
                            if v.is_null() {
                                SourceErrorKind::NotFound
                            } else {
                                SourceErrorKind::Malformed(format!(
                                    "receipt of {txid}: gasUsed {gas:?} is not a hex quantity"
                                ))
                            },
                        )
                    })
            })
            .collect()
    }
}

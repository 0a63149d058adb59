//! EVM JSON-RPC source: blocks with full transactions read by the lean
//! decoder of [`crate::evm_decode`] (alloy's primitive types, only the
//! fields we store), receipts for gas used and fees, difficulty for PoW
//! chains.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use alloy_primitives::{Address, B256};
use async_trait::async_trait;
use blockwatt_domain::{Block, ContractUse, Transaction};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{json, Value};
use tracing::info;

use crate::config::ChainSourceConfig;
use crate::counters::IngestCounters;
use crate::error::{SourceError, SourceErrorKind};
use crate::evm_decode::{decode_block, decode_transaction, EvmBlock};
use crate::rpc::{HttpClient, RpcCall};
use crate::source::{FetchedBlock, Source};

const WEI_PER_ETH: f64 = 1e18;

/// The receipt fields we keep, decoded with alloy's quantity rules.
/// Receipts are more than half the bytes of a backfill; decoding alloy's
/// full `TransactionReceipt` (logs, 256-byte blooms) for them cost more CPU
/// than the blocks themselves, only to be thrown away.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReceiptFees {
    transaction_hash: B256,
    #[serde(default)]
    block_hash: Option<B256>,
    #[serde(with = "crate::evm_decode::hex_quantity")]
    gas_used: u64,
    /// Absent from receipts of nodes older than London (2021).
    #[serde(default, with = "crate::evm_decode::hex_quantity::opt")]
    effective_gas_price: Option<u128>,
    /// EIP-4844 (type-3) transactions also pay for blob gas, at the
    /// block's blob base fee (Cancun, 2024).
    #[serde(default, with = "crate::evm_decode::hex_quantity::opt")]
    blob_gas_used: Option<u64>,
    #[serde(default, with = "crate::evm_decode::hex_quantity::opt")]
    blob_gas_price: Option<u128>,
    /// Only each log's emitter: topics and data are skipped unparsed.
    #[serde(default)]
    logs: Vec<LogEmitter>,
}

#[derive(Debug, Deserialize)]
struct LogEmitter {
    address: Address,
}

/// A receipt as the block conversion needs it: the fee, and the contracts
/// that emitted its logs (each once, however many logs it emitted).
#[derive(Debug, Clone, PartialEq, Eq)]
struct ReceiptUse {
    fee: ReceiptFee,
    emitters: Vec<Address>,
}

/// What a transaction paid, from its receipt: gas at the effective price
/// plus, for a blob transaction, blob gas at the blob gas price.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ReceiptFee {
    gas_used: u64,
    effective_gas_price: Option<u128>,
    blob_fee_wei: Option<u128>,
}

impl ReceiptFees {
    fn into_use(self) -> ReceiptUse {
        let fee = self.fee();
        let mut emitters: Vec<Address> = self.logs.into_iter().map(|l| l.address).collect();
        emitters.sort_unstable();
        emitters.dedup();
        ReceiptUse { fee, emitters }
    }

    fn fee(&self) -> ReceiptFee {
        ReceiptFee {
            gas_used: self.gas_used,
            effective_gas_price: self.effective_gas_price,
            blob_fee_wei: match (self.blob_gas_used, self.blob_gas_price) {
                (Some(used), Some(price)) => u128::from(used).checked_mul(price),
                _ => Some(0),
            },
        }
    }
}

impl ReceiptFee {
    /// The fee in wei; `tx_gas_price` serves receipts older than London,
    /// which carry no effective price (a legacy transaction pays its gas
    /// price). `None` when the product does not fit: a node sent a value
    /// no real transaction has, and it is refused, not saturated.
    fn wei(&self, tx_gas_price: Option<u128>) -> Option<u128> {
        let price = self.effective_gas_price.or(tx_gas_price).unwrap_or(0);
        u128::from(self.gas_used)
            .checked_mul(price)?
            .checked_add(self.blob_fee_wei?)
    }
}

pub struct EvmSource {
    chain: String,
    client: HttpClient,
    expected_chain_id: u64,
    receipts: bool,
    /// Cleared the first time the node says it has no eth_getBlockReceipts;
    /// from then on receipts are fetched one transaction at a time.
    block_receipts: AtomicBool,
}

impl EvmSource {
    pub fn new(
        chain: &str,
        cfg: &ChainSourceConfig,
        counters: Arc<IngestCounters>,
    ) -> Result<Self, String> {
        let expected_chain_id = cfg.chain_id.ok_or("an evm source needs chain_id")?;
        // `batch_size` counts blocks; with receipts a block is two calls
        // (the block, its receipts), so the JSON-RPC batch limit is doubled
        // and a fetch still goes out as one request rather than two in a row.
        let mut http_cfg = cfg.clone();
        if cfg.receipts {
            http_cfg.batch_size = cfg.batch_size.saturating_mul(2).min(10_000);
        }
        Ok(EvmSource {
            chain: chain.to_owned(),
            client: HttpClient::new(&format!("{chain} evm"), &http_cfg, counters)?,
            expected_chain_id,
            receipts: cfg.receipts,
            block_receipts: AtomicBool::new(true),
        })
    }

    /// The node's HTTP client (rate limit and pool shared with ingestion).
    pub(crate) fn rpc_client(&self) -> &HttpClient {
        &self.client
    }

    pub(crate) fn err(
        &self,
        method: &str,
        height: Option<u64>,
        kind: SourceErrorKind,
    ) -> SourceError {
        self.client.error(method, height, kind)
    }

    fn fee_overflow(&self, method: &str, height: u64, txid: B256) -> SourceError {
        self.err(
            method,
            Some(height),
            SourceErrorKind::Malformed(format!(
                "transaction {txid:#x}: its fee (gas used × price, plus blob gas × blob price) does not fit 128 bits"
            )),
        )
    }

    fn parse_quantity(
        &self,
        method: &str,
        height: Option<u64>,
        v: &Value,
    ) -> Result<u64, SourceError> {
        v.as_str()
            .and_then(|s| s.strip_prefix("0x"))
            .and_then(|s| u64::from_str_radix(s, 16).ok())
            .ok_or_else(|| {
                self.err(
                    method,
                    height,
                    SourceErrorKind::Malformed(format!("expected a hex quantity, got {v}")),
                )
            })
    }

    /// Receipts keyed by transaction hash.
    async fn receipts_per_tx(
        &self,
        blocks: &[(u64, EvmBlock)],
    ) -> Result<HashMap<B256, ReceiptUse>, SourceError> {
        let calls: Vec<RpcCall> = blocks
            .iter()
            .flat_map(|(h, b)| {
                b.transactions.iter().map(move |tx| {
                    RpcCall::new("eth_getTransactionReceipt", json!([tx.hash]), Some(*h))
                })
            })
            .collect();
        let results = self.client.batch_raw(&calls).await?;
        let mut out = HashMap::with_capacity(calls.len());
        for (r, c) in results.into_iter().zip(&calls) {
            let receipt = self.parse_receipt(c.height, &r?)?;
            out.insert(receipt.transaction_hash, receipt.into_use());
        }
        Ok(out)
    }

    fn parse_receipt(&self, height: Option<u64>, v: &RawValue) -> Result<ReceiptFees, SourceError> {
        if v.get() == "null" {
            return Err(self.err(
                "eth_getTransactionReceipt",
                height,
                SourceErrorKind::NotFound,
            ));
        }
        serde_json::from_str(v.get()).map_err(|e| {
            self.err(
                "eth_getTransactionReceipt",
                height,
                SourceErrorKind::Malformed(e.to_string()),
            )
        })
    }

    fn convert(
        &self,
        height: u64,
        b: &EvmBlock,
        receipts: Option<&HashMap<B256, ReceiptUse>>,
    ) -> Result<FetchedBlock, SourceError> {
        let hash = format!("{:#x}", b.hash);
        let txs = &b.transactions;
        let mut transactions = Vec::with_capacity(txs.len());
        let mut fees_wei: u128 = 0;
        let mut contracts: BTreeMap<Address, (u32, u64)> = BTreeMap::new();
        for (pos, tx) in txs.iter().enumerate() {
            let txid = tx.hash;
            let (gas_used, fee_wei) = match receipts {
                // Bor nodes before PIP-74 leave the state-sync receipt out
                // of eth_getBlockReceipts; it is gas-free by definition.
                Some(map) if tx.system && !map.contains_key(&txid) => (0, 0),
                Some(map) => {
                    let receipt = map.get(&txid).ok_or_else(|| {
                        self.err(
                            "eth_getBlockReceipts",
                            Some(height),
                            SourceErrorKind::Inconsistent(format!(
                                "no receipt for transaction {txid:#x}"
                            )),
                        )
                    })?;
                    let fee = receipt
                        .fee
                        .wei(tx.gas_price)
                        .ok_or_else(|| self.fee_overflow("eth_getBlockReceipts", height, txid))?;
                    for a in &receipt.emitters {
                        let c = contracts.entry(*a).or_default();
                        c.0 += 1;
                        c.1 = c.1.saturating_add(receipt.fee.gas_used);
                    }
                    (receipt.fee.gas_used, fee)
                }
                None => (0, 0),
            };
            fees_wei = fees_wei
                .checked_add(fee_wei)
                .ok_or_else(|| self.fee_overflow("eth_getBlockReceipts", height, txid))?;
            if let Some(bh) = tx.block_hash {
                if bh != b.hash {
                    return Err(self.err(
                        "eth_getBlockByNumber",
                        Some(height),
                        SourceErrorKind::Inconsistent(format!(
                            "transaction {txid:#x} claims block {bh:#x}"
                        )),
                    ));
                }
            }
            transactions.push(Transaction {
                chain: self.chain.clone(),
                txid: format!("{txid:#x}"),
                block_height: height,
                block_hash: hash.clone(),
                position: tx.transaction_index.unwrap_or(pos as u64) as u32,
                size_bytes: tx.size,
                vsize: tx.size,
                gas_used,
                fee_native: fee_wei as f64 / WEI_PER_ETH,
            });
        }
        // A time no calendar holds would be stored clamped and aggregated
        // into no day; a block without its size would read as 0 bytes.
        let time = i64::try_from(b.timestamp)
            .ok()
            .filter(|t| chrono::DateTime::from_timestamp(*t, 0).is_some())
            .ok_or_else(|| {
                self.err(
                    "eth_getBlockByNumber",
                    Some(height),
                    SourceErrorKind::Malformed(format!(
                        "block {hash}: timestamp {} is not a time",
                        b.timestamp
                    )),
                )
            })?;
        let size_bytes = b.size.and_then(|s| u64::try_from(s).ok()).ok_or_else(|| {
            self.err(
                "eth_getBlockByNumber",
                Some(height),
                SourceErrorKind::Malformed(format!("block {hash}: no size")),
            )
        })?;
        let block = Block {
            chain: self.chain.clone(),
            height: b.number,
            hash,
            parent_hash: format!("{:#x}", b.parent_hash),
            time,
            tx_count: txs.len() as u32,
            size_bytes,
            weight: 0,
            gas_used: b.gas_used,
            gas_limit: b.gas_limit,
            difficulty: f64::from(b.difficulty),
            fees_native: fees_wei as f64 / WEI_PER_ETH,
            subsidy_native: 0.0,
            provisional: false,
        };
        let logs = receipts.map(|_| {
            contracts
                .into_iter()
                .map(|(a, (transactions, gas_used))| ContractUse {
                    contract: format!("{a:#x}"),
                    transactions,
                    gas_used,
                })
                .collect()
        });
        Ok(FetchedBlock {
            block,
            transactions,
            logs,
        })
    }
}

/// An `eth_getBlockReceipts` result decoded as [`Source::fetch`] decodes
/// it: each receipt's gas used and the contracts that emitted its logs.
/// Public for `benches/evm_decode.rs`, which weighs it against alloy's.
pub fn decode_block_receipts(text: &str) -> Result<Vec<(u64, Vec<Address>)>, serde_json::Error> {
    let items: Vec<ReceiptFees> = serde_json::from_str(text)?;
    Ok(items
        .into_iter()
        .map(|r| {
            let u = r.into_use();
            (u.fee.gas_used, u.emitters)
        })
        .collect())
}

/// `0x` and 64 hex digits, the only form an EVM transaction hash takes;
/// checked before any request so junk never reaches the node.
pub fn parse_txid(txid: &str) -> Option<B256> {
    let hex = txid.strip_prefix("0x")?;
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    hex.parse().ok()
}

impl EvmSource {
    /// One transaction by hash, for the API's lookups of transactions not
    /// ingested. `None` when the node does not know it or it is still
    /// pending (no block yet, so nothing to allocate it to). Gas used and
    /// fee come from the receipt, as in [`Source::fetch`].
    pub async fn transaction(&self, txid: &str) -> Result<Option<Transaction>, SourceError> {
        const METHOD: &str = "eth_getTransactionByHash";
        let hash = parse_txid(txid).ok_or_else(|| {
            self.err(
                METHOD,
                None,
                SourceErrorKind::InvalidRequest(format!(
                    "txid must be 0x and 64 hex digits, got {:?}",
                    txid.chars().take(80).collect::<String>()
                )),
            )
        })?;
        // Both in one batch: one round trip; the receipt is null while pending.
        let calls = [
            RpcCall::new(METHOD, json!([hash]), None),
            RpcCall::new("eth_getTransactionReceipt", json!([hash]), None),
        ];
        let mut results = self.client.batch_raw(&calls).await?.into_iter();
        let short = || {
            self.err(
                METHOD,
                None,
                SourceErrorKind::Malformed("batch response too short".into()),
            )
        };
        let raw_tx = results.next().ok_or_else(short)??;
        let raw_receipt = results.next().ok_or_else(short)??;
        if raw_tx.get() == "null" || raw_receipt.get() == "null" {
            return Ok(None);
        }
        let tx = decode_transaction(raw_tx.get())
            .map_err(|e| self.err(METHOD, None, SourceErrorKind::Malformed(e.0)))?;
        let (Some(block_hash), Some(height)) = (tx.block_hash, tx.block_number) else {
            return Ok(None);
        };
        let receipt = self.parse_receipt(Some(height), &raw_receipt)?;
        if receipt.transaction_hash != hash || receipt.block_hash.is_some_and(|b| b != block_hash) {
            // The transaction moved between the two answers (a reorg):
            // better no answer than a mixed one.
            return Err(self.err(
                "eth_getTransactionReceipt",
                Some(height),
                SourceErrorKind::Inconsistent(format!(
                    "receipt does not match transaction {hash:#x} in block {block_hash:#x}"
                )),
            ));
        }
        let fee_wei = receipt
            .fee()
            .wei(tx.gas_price)
            .ok_or_else(|| self.fee_overflow("eth_getTransactionReceipt", height, hash))?;
        let size = tx.size;
        Ok(Some(Transaction {
            chain: self.chain.clone(),
            txid: format!("{hash:#x}"),
            block_height: height,
            block_hash: format!("{block_hash:#x}"),
            position: tx.transaction_index.unwrap_or(0) as u32,
            size_bytes: size,
            vsize: size,
            gas_used: receipt.gas_used,
            fee_native: fee_wei as f64 / WEI_PER_ETH,
        }))
    }
}

fn is_method_missing(e: &SourceError) -> bool {
    match &e.kind {
        SourceErrorKind::Rpc { code, message } => {
            let m = message.to_ascii_lowercase();
            *code == -32601
                || m.contains("not found")
                || m.contains("not supported")
                || m.contains("does not exist")
        }
        _ => false,
    }
}

#[async_trait]
impl Source for EvmSource {
    fn kind(&self) -> &'static str {
        "evm"
    }

    fn name(&self) -> &str {
        self.client.name()
    }

    fn chain(&self) -> &str {
        &self.chain
    }

    async fn check(&self) -> Result<(), SourceError> {
        let v = self.client.call("eth_chainId", json!([]), None).await?;
        let got = self.parse_quantity("eth_chainId", None, &v)?;
        if got != self.expected_chain_id {
            return Err(self.err(
                "eth_chainId",
                None,
                SourceErrorKind::WrongChain {
                    expected: self.expected_chain_id,
                    got,
                },
            ));
        }
        Ok(())
    }

    async fn tip(&self) -> Result<u64, SourceError> {
        let v = self.client.call("eth_blockNumber", json!([]), None).await?;
        self.parse_quantity("eth_blockNumber", None, &v)
    }

    async fn block_hash(&self, height: u64) -> Result<String, SourceError> {
        let v = self
            .client
            .call(
                "eth_getBlockByNumber",
                json!([format!("{height:#x}"), false]),
                Some(height),
            )
            .await?;
        let hash = v.get("hash").and_then(Value::as_str).ok_or_else(|| {
            self.err(
                "eth_getBlockByNumber",
                Some(height),
                if v.is_null() {
                    SourceErrorKind::NotFound
                } else {
                    SourceErrorKind::Malformed("no hash".into())
                },
            )
        })?;
        Ok(hash.to_ascii_lowercase())
    }

    async fn fetch(&self, from: u64, to: u64) -> Result<Vec<FetchedBlock>, SourceError> {
        let with_block_receipts = self.receipts && self.block_receipts.load(Ordering::Relaxed);
        let mut calls = Vec::new();
        for h in from..=to {
            calls.push(RpcCall::new(
                "eth_getBlockByNumber",
                json!([format!("{h:#x}"), true]),
                Some(h),
            ));
            if with_block_receipts {
                calls.push(RpcCall::new(
                    "eth_getBlockReceipts",
                    json!([format!("{h:#x}")]),
                    Some(h),
                ));
            }
        }
        let mut results = self.client.batch_raw(&calls).await?.into_iter();
        let mut blocks = Vec::new();
        let mut receipts: HashMap<B256, ReceiptUse> = HashMap::new();
        let mut need_tx_receipts = self.receipts && !with_block_receipts;
        for h in from..=to {
            let missing = || {
                self.err(
                    "eth_getBlockByNumber",
                    Some(h),
                    SourceErrorKind::Malformed("batch response too short".into()),
                )
            };
            let v = results.next().ok_or_else(missing)??;
            if v.get() == "null" {
                return Err(self.err("eth_getBlockByNumber", Some(h), SourceErrorKind::NotFound));
            }
            let block = decode_block(v.get()).map_err(|e| {
                self.err(
                    "eth_getBlockByNumber",
                    Some(h),
                    SourceErrorKind::Malformed(e.0),
                )
            })?;
            if block.number != h {
                return Err(self.err(
                    "eth_getBlockByNumber",
                    Some(h),
                    SourceErrorKind::Inconsistent(format!(
                        "asked for {h}, got block {}",
                        block.number
                    )),
                ));
            }
            if with_block_receipts {
                match results.next().ok_or_else(missing)? {
                    Ok(raw) => {
                        let items: Vec<ReceiptFees> =
                            serde_json::from_str(raw.get()).map_err(|e| {
                                self.err(
                                    "eth_getBlockReceipts",
                                    Some(h),
                                    SourceErrorKind::Malformed(e.to_string()),
                                )
                            })?;
                        for r in items {
                            if r.block_hash.is_some_and(|bh| bh != block.hash) {
                                return Err(self.err(
                                    "eth_getBlockReceipts",
                                    Some(h),
                                    SourceErrorKind::Inconsistent(
                                        "receipt of another block".into(),
                                    ),
                                ));
                            }
                            receipts.insert(r.transaction_hash, r.into_use());
                        }
                    }
                    Err(e) if is_method_missing(&e) => {
                        if self.block_receipts.swap(false, Ordering::Relaxed) {
                            info!(source = %self.name(), "node has no eth_getBlockReceipts; falling back to eth_getTransactionReceipt");
                        }
                        need_tx_receipts = true;
                    }
                    Err(e) => return Err(e),
                }
            }
            blocks.push((h, block));
        }
        if need_tx_receipts {
            receipts = self.receipts_per_tx(&blocks).await?;
        }
        let receipts = self.receipts.then_some(&receipts);
        blocks
            .iter()
            .map(|(h, b)| self.convert(*h, b, receipts))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn receipt(json: &str) -> ReceiptFees {
        serde_json::from_str(json).expect("receipt")
    }

    const HASH: &str = "0xb0ebf0d8fca6724d5111d0be9ac61f0e7bf174208e0fafcb653f337c72465b83";

    /// A fee no 128-bit number holds is refused, not saturated to ~3.4e20 ETH.
    #[test]
    fn a_fee_that_overflows_is_refused() {
        let huge = receipt(&format!(
            r#"{{"transactionHash":"{HASH}","gasUsed":"0xffffffffffffffff","effectiveGasPrice":"0xffffffffffffffffffffffffffffffff"}}"#
        ));
        assert_eq!(huge.fee().wei(None), None);
        let blob = receipt(&format!(
            r#"{{"transactionHash":"{HASH}","gasUsed":"0x1","effectiveGasPrice":"0x1","blobGasUsed":"0xffffffffffffffff","blobGasPrice":"0xffffffffffffffffffffffffffffffff"}}"#
        ));
        assert_eq!(blob.fee().wei(None), None);
    }

    /// Each contract that emitted logs is kept once per receipt, however
    /// many logs it emitted; topics and data are not kept.
    #[test]
    fn a_receipt_names_each_log_emitter_once() {
        let token = "0xdac17f958d2ee523a2206206994597c13d831ec7";
        let pool = "0x11b815efb8f581194ae79006d24e0d814b7697f6";
        let log = |a: &str| {
            format!(
                r#"{{"address":"{a}","topics":["0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"],"data":"0x01","logIndex":"0x0"}}"#
            )
        };
        let r = receipt(&format!(
            r#"{{"transactionHash":"{HASH}","gasUsed":"0x5208","logs":[{},{},{}]}}"#,
            log(pool),
            log(token),
            log(pool)
        ))
        .into_use();
        let names: Vec<String> = r.emitters.iter().map(|a| format!("{a:#x}")).collect();
        assert_eq!(names, vec![pool.to_owned(), token.to_owned()]);
        assert_eq!(r.fee.gas_used, 21_000);
        let none = receipt(&format!(
            r#"{{"transactionHash":"{HASH}","gasUsed":"0x1"}}"#
        ))
        .into_use();
        assert!(none.emitters.is_empty());
    }

    /// A legacy receipt without an effective price pays the transaction's
    /// gas price; a receipt without blob fields pays no blob gas.
    #[test]
    fn a_pre_london_receipt_pays_the_gas_price() {
        let old = receipt(&format!(
            r#"{{"transactionHash":"{HASH}","gasUsed":"0x5208"}}"#
        ));
        assert_eq!(old.fee().wei(Some(7)), Some(21_000 * 7));
    }
}

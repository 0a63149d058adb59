//! Esplora REST source (Blockstream Esplora, mempool.space): the default
//! Bitcoin source for users without a node. Per block: the hash by height,
//! the block, then either (`tx_detail`, the default) every transaction
//! with its size, weight and fee from `/block/:hash/txs/:start`, 25 per
//! request, or just its txids and — when the server has no mempool
//! `extras` — the coinbase, whose claim beyond the subsidy is the fees.

use std::sync::Arc;

use async_trait::async_trait;
use blockwatt_domain::{Block, Transaction};
use serde::Deserialize;

use crate::bitcoin_rpc::subsidy;
use crate::config::ChainSourceConfig;
use crate::counters::IngestCounters;
use crate::error::{SourceError, SourceErrorKind};
use crate::rpc::HttpClient;
use crate::source::{FetchedBlock, Source};

const SATS_PER_COIN: f64 = 1e8;
const GENESIS_PARENT: &str = "0000000000000000000000000000000000000000000000000000000000000000";

pub struct EsploraSource {
    chain: String,
    client: HttpClient,
    /// Fetch `/block/:hash/txs/:start` pages for sizes and fees.
    tx_detail: bool,
    /// Pages of one block requested at once (the client's in-flight bound
    /// and rate limit still apply).
    page_concurrency: usize,
}

/// Transactions per `/block/:hash/txs/:start` page (Esplora and
/// mempool.space both serve 25).
pub const TXS_PER_PAGE: u64 = 25;

/// `/block/:hash` (plus mempool.space's `extras` where present).
#[derive(Debug, Deserialize)]
pub struct EsploraBlock {
    pub id: String,
    pub height: u64,
    pub timestamp: i64,
    pub tx_count: u32,
    pub size: u64,
    #[serde(default)]
    pub weight: Option<u64>,
    #[serde(default)]
    pub previousblockhash: Option<String>,
    pub difficulty: f64,
    #[serde(default)]
    pub extras: Option<Extras>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Extras {
    #[serde(default)]
    pub total_fees: Option<u64>,
}

#[derive(Debug, Deserialize)]
struct EsploraTx {
    #[serde(default)]
    vout: Vec<EsploraVout>,
}

/// A transaction of a `/block/:hash/txs/:start` page.
#[derive(Debug, Deserialize)]
pub struct EsploraTxDetail {
    pub txid: String,
    pub size: u64,
    pub weight: u64,
    /// Satoshis; 0 for the coinbase.
    pub fee: u64,
    #[serde(default)]
    vin: Vec<EsploraVin>,
}

#[derive(Debug, Deserialize)]
struct EsploraVin {
    #[serde(default)]
    is_coinbase: bool,
}

#[derive(Debug, Deserialize)]
struct EsploraVout {
    /// Satoshis.
    #[serde(default)]
    value: u64,
}

/// Block fields into our block; `fees_sats` from extras or the coinbase.
pub fn to_block(chain: &str, raw: &EsploraBlock, fees_sats: Option<u64>) -> Block {
    Block {
        chain: chain.to_owned(),
        height: raw.height,
        hash: raw.id.clone(),
        parent_hash: raw
            .previousblockhash
            .clone()
            .unwrap_or_else(|| GENESIS_PARENT.to_owned()),
        time: raw.timestamp,
        tx_count: raw.tx_count,
        size_bytes: raw.size,
        weight: raw.weight.unwrap_or(0),
        gas_used: 0,
        gas_limit: 0,
        difficulty: raw.difficulty,
        fees_native: fees_sats.map_or(0.0, |s| s as f64 / SATS_PER_COIN),
        subsidy_native: subsidy(chain, raw.height).unwrap_or(0.0),
        provisional: false,
    }
}

impl EsploraSource {
    pub fn new(
        chain: &str,
        cfg: &ChainSourceConfig,
        counters: Arc<IngestCounters>,
    ) -> Result<Self, String> {
        Ok(EsploraSource {
            chain: chain.to_owned(),
            client: HttpClient::new(&format!("{chain} esplora"), cfg, counters)?,
            tx_detail: cfg.tx_detail.unwrap_or(true),
            page_concurrency: cfg.max_in_flight.max(1),
        })
    }

    fn err(&self, method: &str, height: Option<u64>, kind: SourceErrorKind) -> SourceError {
        self.client.error(method, height, kind)
    }

    async fn text(&self, path: &str, height: Option<u64>) -> Result<String, SourceError> {
        let bytes = self.client.get(path, height).await?;
        String::from_utf8(bytes)
            .map(|s| s.trim().to_owned())
            .map_err(|_| self.err(path, height, SourceErrorKind::Malformed("not UTF-8".into())))
    }

    async fn json<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        height: u64,
    ) -> Result<T, SourceError> {
        let bytes = self.client.get(path, Some(height)).await?;
        serde_json::from_slice(&bytes).map_err(|e| {
            self.err(
                path,
                Some(height),
                SourceErrorKind::Malformed(e.to_string()),
            )
        })
    }

    /// Every transaction of the block, in order, from its pages; checked
    /// against the block's `tx_count` so a short or shifted page is an
    /// error, not a silently partial block.
    async fn transactions_detail(
        &self,
        hash: &str,
        height: u64,
        tx_count: u32,
    ) -> Result<Vec<EsploraTxDetail>, SourceError> {
        use futures_util::stream::{self, StreamExt, TryStreamExt};
        let n = u64::from(tx_count);
        let pages: Vec<Vec<EsploraTxDetail>> = stream::iter((0..n).step_by(TXS_PER_PAGE as usize))
            .map(|start| async move {
                let page: Vec<EsploraTxDetail> = self
                    .json(&format!("/block/{hash}/txs/{start}"), height)
                    .await?;
                let want = (n - start).min(TXS_PER_PAGE) as usize;
                if page.len() != want {
                    return Err(self.err(
                        "/block/txs",
                        Some(height),
                        SourceErrorKind::Inconsistent(format!(
                            "page at {start} has {} transactions, expected {want} of {n}",
                            page.len()
                        )),
                    ));
                }
                Ok(page)
            })
            .buffered(self.page_concurrency)
            .try_collect()
            .await?;
        let txs: Vec<EsploraTxDetail> = pages.into_iter().flatten().collect();
        if let Some(bad) = txs.iter().find(|t| !is_txid(&t.txid)) {
            return Err(self.err(
                "/block/txs",
                Some(height),
                SourceErrorKind::Malformed(format!("not a txid: {:?}", bad.txid)),
            ));
        }
        if txs
            .first()
            .is_some_and(|t| !t.vin.iter().any(|i| i.is_coinbase))
        {
            return Err(self.err(
                "/block/txs",
                Some(height),
                SourceErrorKind::Inconsistent("first transaction is not the coinbase".into()),
            ));
        }
        Ok(txs)
    }

    async fn fetch_one(&self, height: u64) -> Result<FetchedBlock, SourceError> {
        let hash = self.block_hash(height).await?;
        let raw: EsploraBlock = self.json(&format!("/block/{hash}"), height).await?;
        if raw.height != height || raw.id != hash {
            return Err(self.err(
                "/block",
                Some(height),
                SourceErrorKind::Inconsistent(format!(
                    "asked for {hash} at {height}, got {} at {}",
                    raw.id, raw.height
                )),
            ));
        }
        if self.tx_detail {
            let txs = self
                .transactions_detail(&hash, height, raw.tx_count)
                .await?;
            return Ok(detailed_block(&self.chain, &raw, &txs));
        }
        let fees = match raw.extras.as_ref().and_then(|e| e.total_fees) {
            Some(f) => Some(f),
            None => {
                let txs: Vec<EsploraTx> =
                    self.json(&format!("/block/{hash}/txs/0"), height).await?;
                let coinbase: u64 = txs
                    .first()
                    .map_or(0, |t| t.vout.iter().map(|o| o.value).sum());
                let sub = subsidy(&self.chain, height).map(|s| (s * SATS_PER_COIN).round() as u64);
                sub.map(|s| coinbase.saturating_sub(s))
            }
        };
        let txids: Vec<String> = self.json(&format!("/block/{hash}/txids"), height).await?;
        let block = to_block(&self.chain, &raw, fees);
        let transactions = txids
            .into_iter()
            .enumerate()
            .map(|(pos, txid)| Transaction {
                chain: self.chain.clone(),
                txid,
                block_height: height,
                block_hash: hash.clone(),
                position: pos as u32,
                // `tx_detail = false`: sizes and fees per transaction would
                // cost a request per 25 transactions; block totals only.
                size_bytes: 0,
                vsize: 0,
                gas_used: 0,
                fee_native: 0.0,
            })
            .collect();
        Ok(FetchedBlock {
            block,
            transactions,
            logs: None,
        })
    }
}

fn is_txid(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|c| c.is_ascii_hexdigit())
}

/// A block and its transactions from the block and its full transaction
/// pages. Block fees: mempool.space's `extras.totalFees` where the server
/// has it, else the sum of the transactions' fees (exact: Esplora computes
/// each from its inputs), so the block total and the per-transaction fees
/// agree.
pub fn detailed_block(chain: &str, raw: &EsploraBlock, txs: &[EsploraTxDetail]) -> FetchedBlock {
    let fee_sum: u64 = txs.iter().map(|t| t.fee).sum();
    let fees = raw
        .extras
        .as_ref()
        .and_then(|e| e.total_fees)
        .unwrap_or(fee_sum);
    let block = to_block(chain, raw, Some(fees));
    let transactions = txs
        .iter()
        .enumerate()
        .map(|(pos, t)| Transaction {
            chain: chain.to_owned(),
            txid: t.txid.clone(),
            block_height: raw.height,
            block_hash: raw.id.clone(),
            position: pos as u32,
            size_bytes: t.size,
            // Virtual size as Bitcoin Core defines it: weight / 4, rounded up.
            vsize: t.weight.div_ceil(4),
            gas_used: 0,
            fee_native: t.fee as f64 / SATS_PER_COIN,
        })
        .collect();
    FetchedBlock {
        block,
        transactions,
        logs: None,
    }
}

#[async_trait]
impl Source for EsploraSource {
    fn kind(&self) -> &'static str {
        "esplora"
    }

    fn name(&self) -> &str {
        self.client.name()
    }

    fn chain(&self) -> &str {
        &self.chain
    }

    /// Esplora has no chain id; answering the tip height is the check.
    async fn check(&self) -> Result<(), SourceError> {
        self.tip().await.map(|_| ())
    }

    async fn tip(&self) -> Result<u64, SourceError> {
        let t = self.text("/blocks/tip/height", None).await?;
        t.parse().map_err(|_| {
            self.err(
                "/blocks/tip/height",
                None,
                SourceErrorKind::Malformed(format!("expected a height, got {t:?}")),
            )
        })
    }

    async fn block_hash(&self, height: u64) -> Result<String, SourceError> {
        let h = self
            .text(&format!("/block-height/{height}"), Some(height))
            .await?;
        if h.len() == 64 && h.bytes().all(|c| c.is_ascii_hexdigit()) {
            Ok(h)
        } else {
            Err(self.err(
                "/block-height",
                Some(height),
                SourceErrorKind::Malformed(format!("expected a block hash, got {h:?}")),
            ))
        }
    }

    async fn fetch(&self, from: u64, to: u64) -> Result<Vec<FetchedBlock>, SourceError> {
        let mut out = Vec::with_capacity((to - from + 1) as usize);
        for h in from..=to {
            out.push(self.fetch_one(h).await?);
        }
        Ok(out)
    }
}

//! Esplora REST source (Blockstream Esplora, mempool.space): the default
//! Bitcoin source for users without a node. Per block: the hash by height,
//! the block, its txids, and — when the server has no mempool `extras` —
//! the coinbase, whose claim beyond the subsidy is the block's fees.

use std::sync::Arc;

use async_trait::async_trait;
use blockwatt_domain::{Block, Transaction};
use serde::Deserialize;

use crate::bitcoin_rpc::subsidy;
use crate::config::ChainSourceConfig;
use crate::error::{SourceError, SourceErrorKind};
use crate::metrics::IngestCounters;
use crate::rpc::HttpClient;
use crate::source::{FetchedBlock, Source};

const SATS_PER_COIN: f64 = 1e8;
const GENESIS_PARENT: &str = "0000000000000000000000000000000000000000000000000000000000000000";

pub struct EsploraSource {
    chain: String,
    client: HttpClient,
}

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
            client: HttpClient::new("esplora", cfg, counters)?,
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
                // Sizes and fees per transaction would cost a request per
                // 25 transactions; the models need block totals only.
                size_bytes: 0,
                vsize: 0,
                gas_used: 0,
                fee_native: 0.0,
            })
            .collect();
        Ok(FetchedBlock {
            block,
            transactions,
        })
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

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// What the models read for one chain and one UTC day. Every figure is
/// optional: an importer or aggregator fills what its source has, and the
/// models say which inputs were missing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DailyMetrics {
    pub chain: String,
    pub day: NaiveDate,
    /// Network hashrate in hashes per second (already normalised from the
    /// source's unit).
    pub hashrate_hs: Option<f64>,
    pub difficulty_mean: Option<f64>,
    pub block_count: Option<u64>,
    pub tx_count: Option<u64>,
    pub block_size_mean_bytes: Option<f64>,
    pub fees_native: Option<f64>,
    pub issuance_native: Option<f64>,
    pub fees_usd: Option<f64>,
    pub issuance_usd: Option<f64>,
    pub price_usd: Option<f64>,
    /// Validators or full nodes, for proof-of-stake models.
    pub node_count: Option<u64>,
    /// Where the row came from (`coinmetrics`, `blocks`, ...).
    pub source: String,
}

impl DailyMetrics {
    /// An empty row for `chain` on `day` from `source`.
    pub fn empty(chain: &str, day: NaiveDate, source: &str) -> Self {
        DailyMetrics {
            chain: chain.to_owned(),
            day,
            hashrate_hs: None,
            difficulty_mean: None,
            block_count: None,
            tx_count: None,
            block_size_mean_bytes: None,
            fees_native: None,
            issuance_native: None,
            fees_usd: None,
            issuance_usd: None,
            price_usd: None,
            node_count: None,
            source: source.to_owned(),
        }
    }

    /// Miner revenue in USD (subsidy + fees), when both are known.
    pub fn miner_revenue_usd(&self) -> Option<f64> {
        Some(self.issuance_usd? + self.fees_usd.unwrap_or(0.0))
    }
}

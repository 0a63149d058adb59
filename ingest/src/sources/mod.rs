//! Daily inputs from public data providers, beside the chain clients: each
//! provider fills `daily_metrics` for the chains it covers, the whole
//! history in one or a few paged requests, then one small request a day.
//!
//! * [`config`] — `[sources]` and `[sources.<provider>]`.
//! * [`coinmetrics_api`] — Coin Metrics API v4 (`timeseries/asset-metrics`).
//! * [`mempool_space`] — mempool.space's daily Bitcoin hashrate, a second opinion.
//! * [`node_counts`] — proof-of-stake validator counts, one sample a day.
//! * [`checks`] — what a provider's answer must satisfy before anything of
//!   it is stored: types, units, continuity, plausibility.
//! * [`sync`] — from "what is stored" to "current through yesterday",
//!   per chain: one failing chain never stops the others.

pub mod checks;
pub mod coinmetrics_api;
pub mod config;
pub mod mempool_space;
pub mod node_counts;
pub mod sync;

pub use config::{CoinMetricsConfig, SourcesConfig};
pub use sync::{sync_coinmetrics, ChainSync, SyncEvent, SyncOutcome};

use blockwatt_domain::DailyMetrics;
use blockwatt_store::Store;
use chrono::NaiveDate;

/// A chain's newest row from one source: the day that source's next sync
/// continues from, and the figure its first new day is compared with.
pub(crate) async fn newest_stored(
    store: &dyn Store,
    chain: &str,
    source: &str,
) -> Result<Option<DailyMetrics>, SourceSyncError> {
    let Some((_, last)) = store.daily_source_coverage(chain, source).await? else {
        return Ok(None);
    };
    Ok(store
        .daily_metrics(chain, last, last)
        .await?
        .into_iter()
        .find(|m| m.source == source))
}

/// Why a provider's data was not stored. Every variant names the provider;
/// a value's error names chain, day and field too. Never a URL's path or
/// query (an API key may sit there): hosts only.
#[derive(Debug, thiserror::Error)]
pub enum SourceSyncError {
    #[error("{provider} ({host}): HTTP {status}: {detail}")]
    Http {
        provider: &'static str,
        host: String,
        status: u16,
        detail: String,
    },
    #[error("{provider} ({host}): cannot reach it: {reason}")]
    Unreachable {
        provider: &'static str,
        host: String,
        reason: String,
    },
    #[error("{provider} ({host}): {detail}")]
    Malformed {
        provider: &'static str,
        host: String,
        detail: String,
    },
    #[error("{provider}: {chain} on {day}: {field}: {reason}; nothing of this batch was stored")]
    BadValue {
        provider: &'static str,
        chain: String,
        day: NaiveDate,
        field: String,
        reason: String,
    },
    #[error("{provider}: {chain}: {reason}; nothing of this batch was stored")]
    BadBatch {
        provider: &'static str,
        chain: String,
        reason: String,
    },
    #[error("storage: {0}")]
    Store(#[from] blockwatt_store::StoreError),
}

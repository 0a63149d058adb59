//! Validator counts of proof-of-stake chains, one sample per UTC day from
//! a public endpoint (`[sources.node_counts.<chain>]`, read by
//! [`crate::nodes`]). The endpoints answer for today only, so a chain has
//! measured counts from its first sample on; earlier days keep the
//! catalogue's dated fallback, and the estimates say which is which.

use std::collections::BTreeMap;
use std::sync::Arc;

use blockwatt_domain::DailyMetrics;
use blockwatt_store::Store;
use chrono::NaiveDate;

use super::sync::{ChainSync, SyncEvent, SyncOutcome};
use super::SourceSyncError;
use crate::nodes::{fetch_node_count, NodeCountConfig, NODE_COUNT_SOURCE};

/// A sample this many times the previous one, or as many times smaller,
/// is refused: validator sets grow and shrink by a few percent a week.
pub const MAX_DAILY_STEP: f64 = 10.0;

/// Samples every configured chain (or those of `chains`) that has no
/// count for `today` yet.
pub async fn sample_node_counts(
    store: &dyn Store,
    configs: &BTreeMap<String, NodeCountConfig>,
    chains: Option<&[String]>,
    today: NaiveDate,
    on_event: &(dyn Fn(SyncEvent<'_>) + Send + Sync),
) -> Vec<SyncOutcome> {
    let mut outcomes = Vec::new();
    for (chain, cfg) in configs {
        if chains.is_some_and(|c| !c.contains(chain)) {
            continue;
        }
        on_event(SyncEvent::Requesting {
            chains: &[chain.as_str()],
        });
        let result = sample(store, chain, cfg, today).await.map_err(Arc::new);
        let outcome = SyncOutcome {
            chain: chain.clone(),
            source: NODE_COUNT_SOURCE,
            result,
        };
        on_event(SyncEvent::Done(&outcome));
        outcomes.push(outcome);
    }
    outcomes
}

async fn sample(
    store: &dyn Store,
    chain: &str,
    cfg: &NodeCountConfig,
    today: NaiveDate,
) -> Result<ChainSync, SourceSyncError> {
    let previous = super::newest_stored(store, chain, NODE_COUNT_SOURCE).await?;
    if previous.as_ref().is_some_and(|p| p.day >= today) {
        return Ok(ChainSync {
            days: 0,
            through: previous.map(|p| p.day),
        });
    }
    let count = fetch_node_count(cfg)
        .await
        .map_err(|e| SourceSyncError::Malformed {
            provider: NODE_COUNT_SOURCE,
            host: crate::config::redact_url(cfg.url()),
            detail: format!("{chain}: {e}"),
        })?;
    let bad = |reason: String| SourceSyncError::BadValue {
        provider: NODE_COUNT_SOURCE,
        chain: chain.to_owned(),
        day: today,
        field: "node_count".into(),
        reason,
    };
    if count == 0 {
        return Err(bad(
            "0 validators: the endpoint answered with an empty set".into()
        ));
    }
    if let Some(p) = previous
        .as_ref()
        .and_then(|p| p.node_count)
        .filter(|p| *p > 0)
    {
        let step = count as f64 / p as f64;
        if !(1.0 / MAX_DAILY_STEP..=MAX_DAILY_STEP).contains(&step) {
            return Err(bad(format!(
                "{count} is {step:.2}× the last sample's {p}: no validator set moves that much \
                 in a day (limit {MAX_DAILY_STEP}×)"
            )));
        }
    }
    let mut row = DailyMetrics::empty(chain, today, NODE_COUNT_SOURCE);
    row.node_count = Some(count);
    store
        .write_daily_metrics(std::slice::from_ref(&row))
        .await?;
    Ok(ChainSync {
        days: 1,
        through: Some(today),
    })
}

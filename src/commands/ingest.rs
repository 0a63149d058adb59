//! `blockwatt ingest`: blocks from a chain's source into the store, then
//! the days they cover aggregated into daily metrics.

use std::future::Future;
use std::sync::Arc;

use anyhow::Context;
use blockwatt_ingest::{run_ingest, ChainSourceConfig, IngestRange};
use blockwatt_service::follow::aggregate;
use blockwatt_store::Store;

use crate::config::Settings;

/// The configured source for `chain`, with `--rpc` over its url.
pub fn source_for(
    settings: &Settings,
    chain: &str,
    rpc: Option<&str>,
) -> anyhow::Result<ChainSourceConfig> {
    blockwatt_domain::validate_chain_slug(chain)?;
    let mut cfg = settings.chains.get(chain).cloned().with_context(|| {
        let known: Vec<&str> = settings.chains.keys().map(String::as_str).collect();
        format!("chain {chain:?} has no source in the configuration (configured: {}); add [chains.{chain}] to your config file", known.join(", "))
    })?;
    if let Some(url) = rpc {
        cfg.url = url.to_owned();
        cfg.validate().map_err(|e| anyhow::anyhow!("--rpc: {e}"))?;
    }
    Ok(cfg)
}

pub async fn ingest(
    store: Arc<dyn Store>,
    cfg: &ChainSourceConfig,
    chain: &str,
    range: IngestRange,
    follow: bool,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let report = run_ingest(cfg, chain, store.clone(), range, follow, shutdown)
        .await
        .with_context(|| format!("ingesting {chain}"))?;
    let days = aggregate(&store, chain, &report)
        .await
        .context("aggregating daily metrics")?;
    println!(
        "{chain}: wrote {} blocks ({}..{}) and {} transactions; tip {}; {} reorgs ({} blocks rolled back); {days} days aggregated{}",
        report.blocks_written,
        report.first_written.map_or("-".into(), |h| h.to_string()),
        report.last_written.map_or("-".into(), |h| h.to_string()),
        report.transactions_written,
        report.tip,
        report.reorgs,
        report.rolled_back,
        if report.interrupted { "; interrupted, resume with the same command" } else { "" }
    );
    Ok(())
}

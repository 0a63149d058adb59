//! `blockwatt ingest` and the followers `serve` runs: blocks from a chain's
//! source into the store, then the days they cover aggregated into
//! `daily_metrics` for the models.

use std::future::Future;
use std::sync::Arc;

use anyhow::Context;
use blockwatt_ingest::daily::{aggregate_and_store, HashrateModel};
use blockwatt_ingest::{run_ingest, ChainSourceConfig, IngestBoard, IngestRange, IngestReport};
use blockwatt_store::Store;
use chrono::{DateTime, Days, NaiveDate, Utc};
use tokio::sync::watch;

use crate::clients::ChainClients;
use crate::config::Settings;

/// `--to` on the command line: a height or `latest`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpTo {
    Latest,
    Height(u64),
}

impl UpTo {
    pub fn height(self) -> Option<u64> {
        match self {
            UpTo::Latest => None,
            UpTo::Height(h) => Some(h),
        }
    }
}

pub fn parse_to(s: &str) -> Result<UpTo, String> {
    if s == "latest" {
        return Ok(UpTo::Latest);
    }
    s.parse()
        .map(UpTo::Height)
        .map_err(|_| format!("{s:?} is neither a block height nor `latest`"))
}

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

/// Aggregates the UTC days the report's blocks fall on.
pub(crate) async fn aggregate(
    store: &Arc<dyn Store>,
    chain: &str,
    report: &IngestReport,
) -> anyhow::Result<usize> {
    let (Some(first), Some(last)) = (report.first_written, report.last_written) else {
        return Ok(0);
    };
    let day_of = |b: Option<blockwatt_domain::Block>| {
        b.and_then(|b| DateTime::from_timestamp(b.time, 0))
            .map(|t| t.date_naive())
    };
    let from = day_of(store.block(chain, first).await?);
    let to = day_of(store.block(chain, last).await?);
    let (Some(from), Some(to)) = (from, to) else {
        return Ok(0);
    };
    let rows = aggregate_and_store(store, chain, HashrateModel::for_chain(chain), from, to).await?;
    Ok(rows.len())
}

pub async fn ingest(
    store: Arc<dyn Store>,
    cfg: &ChainSourceConfig,
    chain: &str,
    range: IngestRange,
    follow: bool,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let report = run_ingest(cfg, chain, Arc::clone(&store), range, follow, shutdown)
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

/// Follows every enabled chain until `stop` turns true; re-aggregates the
/// last two days of each chain every `AGGREGATE_EVERY` so the models see
/// today's blocks.
pub fn spawn_followers(
    settings: &Settings,
    clients: &ChainClients,
    store: Arc<dyn Store>,
    stop: watch::Receiver<bool>,
) -> Vec<tokio::task::JoinHandle<()>> {
    const AGGREGATE_EVERY: std::time::Duration = std::time::Duration::from_secs(60);
    const PRICE_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);
    let mut tasks = Vec::new();
    for (chain, _) in settings.chains.iter().filter(|(_, c)| c.enabled) {
        // The chain's shared client (its counters are the board's): the
        // lookup uses the same one.
        let ingester = clients.ingester(chain);
        let (chain, store) = (chain.clone(), Arc::clone(&store));
        let mut stop_follow = stop.clone();
        let follower_store = Arc::clone(&store);
        let follower_chain = chain.clone();
        tasks.push(tokio::spawn(async move {
            let shutdown = async move {
                let _ = stop_follow.wait_for(|s| *s).await;
            };
            let range = IngestRange { from: 0, to: None };
            let ingester = match ingester {
                Ok(i) => i,
                Err(e) => {
                    tracing::error!(chain = %follower_chain, error = %e, "follower failed");
                    return;
                }
            };
            match ingester.run(follower_store, range, true, shutdown).await {
                Ok(r) => tracing::info!(chain = %follower_chain, blocks = r.blocks_written, "follower stopped"),
                Err(e) => tracing::error!(chain = %follower_chain, error = %e, "follower failed"),
            }
        }));
        let mut stop_aggregate = stop.clone();
        let price_url = settings.price_url.clone();
        tasks.push(tokio::spawn(async move {
            let mut tick = tokio::time::interval(AGGREGATE_EVERY);
            let mut last_price: Option<std::time::Instant> = None;
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    _ = stop_aggregate.wait_for(|s| *s) => return,
                }
                let today: NaiveDate = Utc::now().date_naive();
                // Public price APIs are rate-limited: once an hour is plenty
                // for a daily figure.
                if last_price.is_none_or(|t| t.elapsed() >= PRICE_EVERY) {
                    last_price = Some(std::time::Instant::now());
                    let coin = blockwatt_ingest::prices::coin_id(&chain);
                    match blockwatt_ingest::prices::fetch_usd_price(&price_url, coin, std::time::Duration::from_secs(30)).await {
                        Ok(usd) => {
                            if let Err(e) = blockwatt_ingest::prices::record_price(&store, &chain, today, usd).await {
                                tracing::warn!(chain = %chain, error = %e, "cannot store the price");
                            }
                        }
                        Err(e) => tracing::warn!(chain = %chain, error = %e, "no price today yet; USD revenue stays missing"),
                    }
                }
                let yesterday = today.checked_sub_days(Days::new(1)).unwrap_or(today);
                if let Err(e) = aggregate_and_store(
                    &store,
                    &chain,
                    HashrateModel::for_chain(&chain),
                    yesterday,
                    today,
                )
                .await
                {
                    tracing::warn!(chain = %chain, error = %e, "daily aggregation failed");
                }
            }
        }));
    }
    tasks
}

/// What `/metrics` and `/readyz` read: the board's counters, now.
pub fn ingest_probe(board: Arc<IngestBoard>) -> blockwatt_api::IngestProbe {
    Arc::new(move || {
        board
            .snapshot()
            .into_iter()
            .map(|r| blockwatt_api::IngestSample {
                chain: r.chain,
                source: r.source,
                followed: r.followed,
                height: r.counters.height,
                tip: r.counters.tip,
                lag_blocks: r.counters.lag,
                requests: r.counters.requests,
                errors: r.counters.errors,
                retries: r.counters.retries,
                blocks_written: r.counters.blocks_written,
                reorgs: r.counters.reorgs,
                last_write_unix: r.counters.last_write_unix,
            })
            .collect()
    })
}

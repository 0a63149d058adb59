//! Following chains: the followers `serve` runs (blocks from each enabled
//! chain's source into the store), the days they cover aggregated into
//! `daily_metrics` for the models, and the hourly price.

use std::collections::BTreeMap;
use std::sync::Arc;

use blockwatt_ingest::daily::{aggregate_and_store, HashrateModel};
use blockwatt_ingest::{ChainClients, ChainSourceConfig, IngestError, IngestRange, IngestReport};
use blockwatt_store::Store;
use chrono::{DateTime, Days, NaiveDate, Utc};
use tokio::sync::watch;

/// Aggregates the UTC days the report's blocks fall on.
pub async fn aggregate(
    store: &Arc<dyn Store>,
    chain: &str,
    report: &IngestReport,
) -> Result<usize, IngestError> {
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

/// Follows every enabled chain until `stop` turns true; re-aggregates the
/// last two days of each chain every `AGGREGATE_EVERY` so the models see
/// today's blocks.
pub fn spawn_followers(
    chains: &BTreeMap<String, ChainSourceConfig>,
    price_url: &str,
    clients: &ChainClients,
    store: Arc<dyn Store>,
    stop: watch::Receiver<bool>,
    on_changed: Option<crate::sources::OnDataChanged>,
    agreement: Option<Arc<crate::inputs::AgreementBoard>>,
) -> Vec<tokio::task::JoinHandle<()>> {
    const AGGREGATE_EVERY: std::time::Duration = std::time::Duration::from_secs(60);
    const PRICE_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);
    let mut tasks = Vec::new();
    for (chain, _) in chains.iter().filter(|(_, c)| c.enabled) {
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
        let price_url = price_url.to_owned();
        let on_changed = on_changed.clone();
        let agreement = agreement.clone();
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
                match aggregate_and_store(
                    &store,
                    &chain,
                    HashrateModel::for_chain(&chain),
                    yesterday,
                    today,
                )
                .await
                {
                    // Today's figures changed with the new blocks: cached
                    // estimates of them go now, not when their TTL ends.
                    Ok(rows) if !rows.is_empty() => {
                        if let Some(f) = &on_changed {
                            f();
                        }
                        if let Some(board) = &agreement {
                            if let Err(e) = board.refresh(store.as_ref(), &chain, yesterday, today).await {
                                tracing::warn!(chain = %chain, error = %e, "cannot compare with the providers");
                            }
                        }
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(chain = %chain, error = %e, "daily aggregation failed"),
                }
            }
        }));
    }
    tasks
}

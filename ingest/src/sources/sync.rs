//! One sync: every chain a provider covers, from the day after its newest
//! stored row through the last complete UTC day. Chains that start on the
//! same day share requests (a first sync asks for every asset's whole
//! history at once; a daily one for every asset's new day at once), and
//! each chain's rows are checked and written on their own, so one bad
//! chain never holds the others back.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use blockwatt_domain::DailyMetrics;
use blockwatt_store::Store;
use chrono::{Days, NaiveDate};
use serde_json::Value;

use super::checks::coinmetrics_rows;
use super::coinmetrics_api::{Asset, CoinMetricsClient, ASSETS, PROVIDER};
use super::SourceSyncError;

/// What happened to one chain.
#[derive(Debug)]
pub struct SyncOutcome {
    pub chain: String,
    /// The provider (`coinmetrics`, `mempool`, `node-count`).
    pub source: &'static str,
    pub result: Result<ChainSync, Arc<SourceSyncError>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainSync {
    /// Days written by this sync.
    pub days: usize,
    /// The newest day stored from the provider after it.
    pub through: Option<NaiveDate>,
}

/// Progress, for a bar on a terminal or log lines.
#[derive(Debug)]
pub enum SyncEvent<'a> {
    /// A request (all its pages) for these chains is starting.
    Requesting { chains: &'a [&'a str] },
    /// A chain's outcome.
    Done(&'a SyncOutcome),
}

/// Brings every chain of `chains` (all Coin Metrics covers when `None`)
/// through `end` (the last complete UTC day), one outcome per chain.
pub async fn sync_coinmetrics(
    store: &dyn Store,
    client: &CoinMetricsClient,
    chains: Option<&[String]>,
    end: NaiveDate,
    on_event: &(dyn Fn(SyncEvent<'_>) + Send + Sync),
) -> Vec<SyncOutcome> {
    let in_scope: Vec<&Asset> = ASSETS
        .iter()
        .filter(|a| chains.is_none_or(|c| c.iter().any(|c| c == a.chain)))
        .collect();
    let mut outcomes = Vec::with_capacity(in_scope.len());
    let done = |o: SyncOutcome, outcomes: &mut Vec<SyncOutcome>| {
        on_event(SyncEvent::Done(&o));
        outcomes.push(o);
    };
    // Where each chain continues from.
    let mut groups: BTreeMap<Option<NaiveDate>, Vec<(&Asset, Option<DailyMetrics>)>> =
        BTreeMap::new();
    for asset in in_scope {
        match super::newest_stored(store, asset.chain, PROVIDER).await {
            Err(e) => done(failed(asset.chain, e), &mut outcomes),
            Ok(Some(last)) if last.day >= end => done(
                SyncOutcome {
                    chain: asset.chain.to_owned(),
                    source: PROVIDER,
                    result: Ok(ChainSync {
                        days: 0,
                        through: Some(last.day),
                    }),
                },
                &mut outcomes,
            ),
            Ok(last) => {
                let start = last.as_ref().map(|l| l.day + Days::new(1));
                groups.entry(start).or_default().push((asset, last));
            }
        }
    }
    for (start, members) in groups {
        let names: Vec<&str> = members.iter().map(|(a, _)| a.chain).collect();
        on_event(SyncEvent::Requesting { chains: &names });
        let ids: Vec<&str> = members.iter().map(|(a, _)| a.asset).collect();
        let rows = match client.asset_metrics(&ids, start, end).await {
            Ok(rows) => rows,
            Err(e) => {
                let e = Arc::new(e);
                for (asset, _) in &members {
                    done(
                        SyncOutcome {
                            chain: asset.chain.to_owned(),
                            source: PROVIDER,
                            result: Err(Arc::clone(&e)),
                        },
                        &mut outcomes,
                    );
                }
                continue;
            }
        };
        let mut by_asset: HashMap<&str, Vec<&serde_json::Map<String, Value>>> = HashMap::new();
        let mut stray: Option<String> = None;
        for row in &rows {
            match row.get("asset").and_then(Value::as_str) {
                Some(id) if ids.contains(&id) => by_asset.entry(id).or_default().push(row),
                other => stray = Some(format!("{other:?}")),
            }
        }
        for (asset, last) in members {
            let result = match &stray {
                Some(other) => Err(Arc::new(SourceSyncError::Malformed {
                    provider: PROVIDER,
                    host: client.host().to_owned(),
                    detail: format!("a row of asset {other}, which was not asked for"),
                })),
                None => {
                    let mine = by_asset.remove(asset.asset).unwrap_or_default();
                    store_rows(store, asset, &mine, last, end).await
                }
            };
            done(
                SyncOutcome {
                    chain: asset.chain.to_owned(),
                    source: PROVIDER,
                    result,
                },
                &mut outcomes,
            );
        }
    }
    outcomes
}

async fn store_rows(
    store: &dyn Store,
    asset: &Asset,
    rows: &[&serde_json::Map<String, Value>],
    last: Option<DailyMetrics>,
    end: NaiveDate,
) -> Result<ChainSync, Arc<SourceSyncError>> {
    let checked = coinmetrics_rows(asset, rows, last.as_ref(), end).map_err(Arc::new)?;
    if !checked.is_empty() {
        store
            .write_daily_metrics(&checked)
            .await
            .map_err(|e| Arc::new(SourceSyncError::from(e)))?;
    }
    Ok(ChainSync {
        days: checked.len(),
        through: checked.last().or(last.as_ref()).map(|m| m.day),
    })
}

fn failed(chain: &str, e: SourceSyncError) -> SyncOutcome {
    SyncOutcome {
        chain: chain.to_owned(),
        source: PROVIDER,
        result: Err(Arc::new(e)),
    }
}

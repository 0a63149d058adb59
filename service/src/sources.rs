//! Every chain current from the public data providers, from the first
//! start: `serve` syncs in the background (never before the API is up, and
//! again every `interval_s`), `blockwatt sync` once. A sync that changed
//! stored days tells the API, whose cache then drops what it computed
//! from the old data at once.

use std::collections::BTreeMap;
use std::sync::Arc;

use blockwatt_ingest::nodes::NodeCountConfig;
use blockwatt_ingest::sources::coinmetrics_api::CoinMetricsClient;
use blockwatt_ingest::sources::mempool_space::{self, MempoolConfig};
use blockwatt_ingest::sources::node_counts::sample_node_counts;
use blockwatt_ingest::sources::{
    sync_coinmetrics, ChainSync, SourcesConfig, SyncEvent, SyncOutcome,
};
use blockwatt_store::Store;
use chrono::{Days, NaiveDate, Utc};
use tokio::sync::watch;

use crate::inputs::AgreementBoard;
use crate::jobs::{JobEnd, Jobs};
use crate::ServiceError;

/// Called after a sync stored new days.
pub type OnDataChanged = Arc<dyn Fn() + Send + Sync>;

pub struct SourceSync {
    store: Arc<dyn Store>,
    /// `None` when `[sources.coinmetrics] enabled = false`.
    coinmetrics: Option<Arc<CoinMetricsClient>>,
    /// `None` when `[sources.mempool] enabled = false`.
    mempool: Option<MempoolConfig>,
    node_counts: BTreeMap<String, NodeCountConfig>,
    interval: std::time::Duration,
    on_changed: Option<OnDataChanged>,
    agreement: Option<Arc<AgreementBoard>>,
}

/// The last complete UTC day: what a daily source can have.
pub fn last_complete_day() -> NaiveDate {
    let today = Utc::now().date_naive();
    today.checked_sub_days(Days::new(1)).unwrap_or(today)
}

impl SourceSync {
    /// `None` when the configuration turns every source off.
    pub fn new(
        store: Arc<dyn Store>,
        config: &SourcesConfig,
    ) -> Result<Option<Self>, ServiceError> {
        if !config.enabled
            || (!config.coinmetrics.enabled
                && !config.mempool.enabled
                && config.node_counts.is_empty())
        {
            return Ok(None);
        }
        let coinmetrics = match config.coinmetrics.enabled {
            true => Some(Arc::new(
                CoinMetricsClient::new(&config.coinmetrics)
                    .map_err(|e| ServiceError::Unavailable(e.to_string()))?,
            )),
            false => None,
        };
        Ok(Some(SourceSync {
            store,
            coinmetrics,
            mempool: config.mempool.enabled.then(|| config.mempool.clone()),
            node_counts: config.node_counts.clone(),
            interval: std::time::Duration::from_secs(config.interval_s),
            on_changed: None,
            agreement: None,
        }))
    }

    pub fn on_data_changed(mut self, f: OnDataChanged) -> Self {
        self.on_changed = Some(f);
        self
    }

    /// Compares each chain's new days with our own block-derived ones.
    pub fn with_agreement(mut self, board: Arc<AgreementBoard>) -> Self {
        self.agreement = Some(board);
        self
    }

    /// HTTP requests sent to Coin Metrics so far.
    pub fn requests(&self) -> u64 {
        self.coinmetrics.as_ref().map_or(0, |c| c.requests())
    }

    /// One sync of `chains` (every covered chain when `None`) through the
    /// last complete UTC day.
    pub async fn once(
        &self,
        chains: Option<&[String]>,
        on_event: &(dyn Fn(SyncEvent<'_>) + Send + Sync),
    ) -> Vec<SyncOutcome> {
        let mut outcomes = match &self.coinmetrics {
            Some(client) => {
                sync_coinmetrics(
                    self.store.as_ref(),
                    client,
                    chains,
                    last_complete_day(),
                    on_event,
                )
                .await
            }
            None => Vec::new(),
        };
        if let Some(cfg) = &self.mempool {
            if chains.is_none_or(|c| c.iter().any(|c| c == mempool_space::CHAIN)) {
                on_event(SyncEvent::Requesting {
                    chains: &[mempool_space::CHAIN],
                });
                let outcome =
                    mempool_space::sync_mempool(self.store.as_ref(), cfg, last_complete_day())
                        .await;
                on_event(SyncEvent::Done(&outcome));
                outcomes.push(outcome);
            }
        }
        // Readers see the providers' days now, not after the node counts
        // (a slow endpoint there must not hold the new figures back).
        self.changed(&outcomes);
        // Validator counts stand for the day they are read on.
        let counts = sample_node_counts(
            self.store.as_ref(),
            &self.node_counts,
            chains,
            Utc::now().date_naive(),
            on_event,
        )
        .await;
        self.changed(&counts);
        outcomes.extend(counts);
        if let Some(board) = &self.agreement {
            for o in &outcomes {
                let Ok(ChainSync {
                    days,
                    through: Some(last),
                }) = &o.result
                else {
                    continue;
                };
                if *days == 0 {
                    continue;
                }
                // The newest week is what a reader compares; older days
                // were compared when they were new.
                let first = last
                    .checked_sub_days(Days::new((*days).min(7) as u64 - 1))
                    .unwrap_or(*last);
                if let Err(e) = board
                    .refresh(self.store.as_ref(), &o.chain, first, *last)
                    .await
                {
                    tracing::warn!(chain = %o.chain, error = %e, "cannot compare the new days");
                }
            }
        }
        outcomes
    }

    /// Tells the API when any of `outcomes` stored days.
    fn changed(&self, outcomes: &[SyncOutcome]) {
        let changed = outcomes
            .iter()
            .any(|o| o.result.as_ref().is_ok_and(|s| s.days > 0));
        if changed {
            if let Some(f) = &self.on_changed {
                f();
            }
        }
    }

    /// Syncs now, then every interval, until `stop`; as a job, so
    /// `/v1/admin/jobs` shows it and shutdown waits for it.
    pub fn spawn(self, jobs: &Jobs, mut stop: watch::Receiver<bool>) {
        jobs.spawn("source-sync".into(), async move {
            loop {
                // Stopping mid-sync is safe: each chain's rows are written
                // all at once or not at all.
                let outcomes = tokio::select! {
                    outcomes = self.once(None, &log_event) => outcomes,
                    _ = stop.wait_for(|s| *s) => {
                        return JobEnd::Stopped("the server stopped".into());
                    }
                };
                let failed = outcomes.iter().filter(|o| o.result.is_err()).count();
                tracing::info!(
                    chains = outcomes.len(),
                    failed,
                    requests = self.requests(),
                    "source sync done"
                );
                tokio::select! {
                    _ = tokio::time::sleep(self.interval) => {}
                    _ = stop.wait_for(|s| *s) => {
                        return JobEnd::Stopped("the server stopped".into());
                    }
                }
            }
        });
    }
}

/// A sync's events as log lines.
pub fn log_event(event: SyncEvent<'_>) {
    match event {
        SyncEvent::Requesting { chains } => {
            tracing::debug!(?chains, "requesting daily metrics")
        }
        SyncEvent::Done(o) => match &o.result {
            Ok(s) if s.days > 0 => {
                tracing::info!(chain = %o.chain, source = o.source, days = s.days, through = ?s.through, "daily metrics stored")
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(chain = %o.chain, error = %e, "daily metrics refused or unavailable")
            }
        },
    }
}

//! The admin routes' actions (`/v1/admin/*`, wired only when an admin
//! token is configured). Only backfill runs in the server; import and
//! publish say where they run instead of pretending to.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;
use blockwatt_api::{
    Accepted, AdminActions, AdminError, BackfillRequest, ImportRequest, PublishRequest,
};
use blockwatt_ingest::{run_ingest, ChainSourceConfig, IngestRange};
use blockwatt_store::Store;
use tokio::sync::watch;

use crate::config::Settings;

/// Chains with a backfill running; shared with the tasks, which take their
/// chain out when they end.
type Running = Arc<Mutex<BTreeSet<String>>>;

pub struct Admin {
    chains: BTreeMap<String, ChainSourceConfig>,
    store: Arc<dyn Store>,
    running: Running,
    /// Turns true when `serve` stops: a backfill stops after its current
    /// batch, written with its checkpoint, so a later one resumes.
    stop: watch::Receiver<bool>,
}

impl Admin {
    pub fn new(settings: &Settings, store: Arc<dyn Store>, stop: watch::Receiver<bool>) -> Self {
        Admin {
            chains: settings.chains.clone(),
            store,
            running: Arc::default(),
            stop,
        }
    }
}

/// Takes the chain out of the running set however the task ends (a panic
/// included), so a failed backfill never blocks the chain for good.
struct Slot {
    running: Running,
    chain: String,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.chain);
    }
}

#[async_trait]
impl AdminActions for Admin {
    async fn import(&self, _req: ImportRequest) -> Result<Accepted, AdminError> {
        Err(AdminError::Unavailable(
            "imports run from the command line (`blockwatt import coinmetrics --chain C --file PATH`), not through the server".into(),
        ))
    }

    async fn backfill(&self, req: BackfillRequest) -> Result<Accepted, AdminError> {
        let cfg = self
            .chains
            .get(&req.chain)
            .ok_or_else(|| AdminError::UnknownChain(req.chain.clone()))?;
        if cfg.enabled {
            // The follower already ingests it from its checkpoint; a second
            // writer of the same chain would race it for the checkpoint.
            return Err(AdminError::Busy(format!(
                "{} is followed by this server; its blocks are being ingested already",
                req.chain
            )));
        }
        let slot = {
            let mut running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
            if !running.insert(req.chain.clone()) {
                return Err(AdminError::Busy(format!(
                    "a backfill of {} is already running; one chain runs one backfill at a time, retry when it is done",
                    req.chain
                )));
            }
            Slot {
                running: Arc::clone(&self.running),
                chain: req.chain.clone(),
            }
        };
        let job = format!("{}-{}-{}", req.chain, req.from, req.to);
        let (cfg, store, mut stop) = (cfg.clone(), Arc::clone(&self.store), self.stop.clone());
        let (chain, task_job) = (req.chain.clone(), job.clone());
        tokio::spawn(async move {
            let _slot = slot;
            let shutdown = async move {
                let _ = stop.wait_for(|s| *s).await;
            };
            let range = IngestRange {
                from: req.from,
                to: Some(req.to),
            };
            let result =
                match run_ingest(&cfg, &chain, Arc::clone(&store), range, false, shutdown).await {
                    Ok(report) => crate::ingest::aggregate(&store, &chain, &report)
                        .await
                        .map(|days| (report, days)),
                    Err(e) => Err(e.into()),
                };
            match result {
                Ok((r, days)) => tracing::info!(
                    job = %task_job,
                    blocks = r.blocks_written,
                    transactions = r.transactions_written,
                    days,
                    interrupted = r.interrupted,
                    "backfill done"
                ),
                Err(e) => {
                    tracing::error!(job = %task_job, error = %format!("{e:#}"), "backfill failed")
                }
            }
        });
        Ok(Accepted {
            message: format!(
                "backfilling {} blocks {}..={} in the background (heights past the node's tip are left out); progress in the server log",
                req.chain, req.from, req.to
            ),
            job,
        })
    }

    async fn publish(&self, _req: PublishRequest) -> Result<Accepted, AdminError> {
        Err(AdminError::Unavailable(
            "publishing is not built yet; nothing was published".into(),
        ))
    }
}

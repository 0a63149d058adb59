//! The admin routes' actions (`/v1/admin/*`, wired only when an admin
//! token is configured). Only backfill runs in the server; import and
//! publish say where they run instead of pretending to.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;
use blockwatt_api::{
    Accepted, AdminActions, AdminError, BackfillRequest, ImportRequest, PublishRequest,
};
use blockwatt_ingest::{run_ingest_counted, ChainSourceConfig, IngestBoard, IngestRange};
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
    /// Backfills count into it, for `/metrics`.
    board: Arc<IngestBoard>,
}

impl Admin {
    pub fn new(settings: &Settings, store: Arc<dyn Store>, stop: watch::Receiver<bool>) -> Self {
        Admin {
            chains: settings.chains.clone(),
            store,
            running: Arc::default(),
            stop,
            board: Arc::default(),
        }
    }

    /// Counts backfills on `board` (the one `serve` exports).
    pub fn with_ingest_board(mut self, board: Arc<IngestBoard>) -> Self {
        self.board = board;
        self
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
        let counters = self.board.counters(&req.chain, cfg.kind.as_str(), false);
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
            let result = match run_ingest_counted(
                &cfg,
                &chain,
                counters,
                Arc::clone(&store),
                range,
                false,
                shutdown,
            )
            .await
            {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::CliOverrides;

    async fn admin() -> (Admin, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let store = blockwatt_store::sqlite::SqliteStore::open(&dir.path().join("t.db"))
            .await
            .unwrap();
        let settings = Settings::load(None, &CliOverrides::default()).unwrap();
        let (_stop, stopped) = watch::channel(false);
        (Admin::new(&settings, Arc::new(store), stopped), dir)
    }

    fn devnet(from: u64, to: u64) -> BackfillRequest {
        BackfillRequest {
            chain: "devnet".into(),
            from,
            to,
        }
    }

    #[tokio::test]
    async fn one_backfill_per_chain_at_a_time() {
        let (admin, _dir) = admin().await;
        // Stands for a backfill of devnet in flight (the end-to-end test
        // cannot hold one open without racing it).
        admin.running.lock().unwrap().insert("devnet".into());
        let busy = admin.backfill(devnet(0, 9)).await.unwrap_err();
        assert!(
            matches!(&busy, AdminError::Busy(d) if d.contains("already running")),
            "{busy:?}"
        );
        drop(Slot {
            running: Arc::clone(&admin.running),
            chain: "devnet".into(),
        });
        assert!(admin.running.lock().unwrap().is_empty());
        let unknown = admin
            .backfill(BackfillRequest {
                chain: "nochain".into(),
                from: 0,
                to: 1,
            })
            .await
            .unwrap_err();
        assert_eq!(unknown, AdminError::UnknownChain("nochain".into()));
    }

    #[tokio::test]
    async fn a_followed_chain_is_not_backfilled_beside_its_follower() {
        let (mut admin, _dir) = admin().await;
        if let Some(cfg) = admin.chains.get_mut("devnet") {
            cfg.enabled = true;
        }
        let busy = admin.backfill(devnet(0, 9)).await.unwrap_err();
        assert!(
            matches!(&busy, AdminError::Busy(d) if d.contains("followed")),
            "{busy:?}"
        );
    }
}

//! The admin routes' actions (`/v1/admin/*`, wired only when an admin
//! token is configured): backfill and import run as background jobs (one
//! per chain and kind at a time), publish runs inline (it reads the store
//! and writes one row). Every job is tracked in [`Jobs`] so that `serve`
//! waits for it on shutdown.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use blockwatt_ingest::{ChainClients, ChainSourceConfig, IngestBoard, IngestRange};
use blockwatt_store::Store;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use thiserror::Error;
use tokio::sync::watch;

use crate::import::FileAccess;
use crate::jobs::{JobEnd, JobStatus, Jobs};
use crate::publish::{PublishError, Publisher};

/// What to import, by `kind`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum ImportRequest {
    /// A Coin Metrics community CSV, checked whole before anything is
    /// written (as `blockwatt import coinmetrics`).
    Coinmetrics {
        chain: String,
        /// An http(s) URL, or a path on the server.
        file: String,
        /// Unit of the HashRate column (H … EH); the chain's documented one when absent.
        #[serde(default)]
        hashrate_unit: Option<String>,
    },
    /// Today's USD price from the configured `price_url` (as `blockwatt import price`).
    Price {
        chain: String,
        /// The coin's id at the price source; derived from the chain when absent.
        #[serde(default)]
        coin_id: Option<String>,
    },
}

impl ImportRequest {
    pub const KINDS: [&'static str; 2] = ["coinmetrics", "price"];

    pub fn chain(&self) -> &str {
        match self {
            ImportRequest::Coinmetrics { chain, .. } | ImportRequest::Price { chain, .. } => chain,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            ImportRequest::Coinmetrics { .. } => "coinmetrics",
            ImportRequest::Price { .. } => "price",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BackfillRequest {
    pub chain: String,
    /// First block height (inclusive). Heights, not days: the ingester
    /// works by height, and a day's heights are only known once ingested.
    pub from: u64,
    /// Last block height (inclusive).
    pub to: u64,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PublishRequest {
    /// Day to publish; yesterday (UTC) when absent.
    #[serde(default)]
    pub date: Option<NaiveDate>,
    /// Publish version + 1 when the day is published already with other
    /// content (new data arrived). Without it that case is a 409.
    #[serde(default)]
    pub new_version: bool,
}

/// What a publication did.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Published {
    pub date: NaiveDate,
    pub version: u32,
    /// Hex SHA-256 of the body.
    pub sha256: String,
    /// `published`, or `unchanged` when the same body was there already.
    pub status: String,
    /// Chains in the index.
    pub chains: usize,
    pub url: String,
}

/// What the server did with the request (work runs in the background).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Accepted {
    /// What the job does, e.g. `devnet-0-3` (a backfill), `import-price-bitcoin`.
    pub job: String,
    /// This run's number: `GET /v1/admin/jobs/{id}` follows it.
    pub id: u64,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Error)]
pub enum AdminError {
    #[error("unknown chain {0:?}")]
    UnknownChain(String),
    #[error("{0}")]
    Invalid(String),
    /// 409: the same work is already running.
    #[error("{0}")]
    Busy(String),
    /// 409: it would change something immutable (a published index).
    #[error("{0}")]
    Conflict(String),
    /// 503: this server cannot do it (the detail says what can).
    #[error("{0}")]
    Unavailable(String),
    #[error("{0}")]
    Internal(String),
}

/// Chains with a backfill running; shared with the tasks, which take their
/// chain out when they end.
type Running = Arc<Mutex<BTreeSet<String>>>;

pub type DataChanged = Arc<dyn Fn() + Send + Sync>;

pub struct Admin {
    chains: BTreeMap<String, ChainSourceConfig>,
    store: Arc<dyn Store>,
    running: Running,
    /// Chains with an import running (any kind).
    importing: Running,
    price_url: String,
    jobs: Jobs,
    publisher: Publisher,
    /// Called when a job changed stored data (the API's estimate cache
    /// keeps closed days until cleared).
    data_changed: DataChanged,
    /// Turns true when `serve` stops: a backfill stops after its current
    /// batch, written with its checkpoint, so a later one resumes.
    stop: watch::Receiver<bool>,
    /// Backfills count into it, for `/metrics`.
    board: Arc<IngestBoard>,
    /// The chains' shared clients: a backfill goes through the same rate
    /// limit, request bound and connection pool as the chain's lookups.
    clients: Arc<ChainClients>,
    /// The only directory file imports may read (`import_dir`); none: no
    /// file imports over the network, only URLs.
    import_dir: Option<PathBuf>,
}

impl Admin {
    /// `chains` are the configured sources; `price_url` the
    /// CoinGecko-compatible API price imports read.
    pub fn new(
        chains: BTreeMap<String, ChainSourceConfig>,
        price_url: String,
        store: Arc<dyn Store>,
        clients: Arc<ChainClients>,
        jobs: Jobs,
        stop: watch::Receiver<bool>,
    ) -> Self {
        Admin {
            clients,
            chains,
            publisher: Publisher::new(Arc::clone(&store)),
            store,
            running: Arc::default(),
            importing: Arc::default(),
            price_url,
            jobs,
            stop,
            board: Arc::default(),
            data_changed: Arc::new(|| {}),
            import_dir: None,
        }
    }

    /// Lets file imports read regular files inside `dir`.
    pub fn with_import_dir(mut self, dir: Option<PathBuf>) -> Self {
        self.import_dir = dir;
        self
    }

    /// Counts backfills on `board` (the one `serve` exports).
    pub fn with_ingest_board(mut self, board: Arc<IngestBoard>) -> Self {
        self.board = board;
        self
    }

    pub fn on_data_changed(mut self, f: DataChanged) -> Self {
        self.data_changed = f;
        self
    }

    /// Takes `chain` in `set`, or says what already runs there.
    fn claim(set: &Running, chain: &str, what: &str) -> Result<Slot, AdminError> {
        let mut running = set.lock().unwrap_or_else(PoisonError::into_inner);
        if !running.insert(chain.to_owned()) {
            return Err(AdminError::Busy(format!(
                "{what} of {chain} is already running; one chain runs one {what} at a time, retry when it is done"
            )));
        }
        Ok(Slot {
            running: Arc::clone(set),
            chain: chain.to_owned(),
        })
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

impl Admin {
    /// Starts an import as a background job (one per chain at a time).
    pub async fn import(&self, req: ImportRequest) -> Result<Accepted, AdminError> {
        let chain = req.chain().to_owned();
        if blockwatt_analytics::Catalogues::embedded()
            .chain(&chain)
            .is_err()
        {
            return Err(AdminError::UnknownChain(chain));
        }
        let slot = Self::claim(&self.importing, &chain, "an import")?;
        let job = format!("import-{}-{chain}", req.kind());
        let (store, price_url, mut stop) = (
            Arc::clone(&self.store),
            self.price_url.clone(),
            self.stop.clone(),
        );
        let message = match &req {
            ImportRequest::Coinmetrics { file, .. } => format!(
                "importing {file} into {chain}'s daily metrics in the background (all rows or none)"
            ),
            ImportRequest::Price { .. } => {
                format!("fetching today's USD price of {chain} in the background")
            }
        };
        let task_job = job.clone();
        let data_changed = Arc::clone(&self.data_changed);
        let access = FileAccess::Within(self.import_dir.clone());
        let id = self.jobs.spawn(job.clone(), async move {
            let _slot = slot;
            let work = async {
                match &req {
                    ImportRequest::Coinmetrics {
                        chain,
                        file,
                        hashrate_unit,
                    } => crate::import::coinmetrics(
                        store.as_ref(),
                        chain,
                        file,
                        hashrate_unit.as_deref(),
                        &access,
                    )
                    .await
                    .map(|d| format!("{} days ({} .. {})", d.days, d.first, d.last)),
                    ImportRequest::Price { chain, coin_id } => {
                        crate::import::price(store, &price_url, chain, coin_id.as_deref())
                            .await
                            .map(|(coin, day, usd)| format!("{coin} on {day}: {usd} USD"))
                    }
                }
            };
            // Dropping the import before its write leaves the store as it
            // was; the write itself is one transaction and is not cut.
            tokio::select! {
                r = work => match r {
                    Ok(what) => {
                        data_changed();
                        tracing::info!(job = %task_job, imported = %what, "import done");
                        JobEnd::Succeeded(format!("imported {what}"))
                    }
                    Err(e) => {
                        let e = format!("{e:#}");
                        tracing::error!(job = %task_job, error = %e, "import failed");
                        JobEnd::Failed(e)
                    }
                },
                _ = stop.wait_for(|s| *s) => {
                    tracing::warn!(job = %task_job, "import stopped by shutdown; nothing was imported");
                    JobEnd::Stopped("stopped by shutdown; nothing was imported".into())
                }
            }
        });
        Ok(Accepted {
            message: format!("{message}; GET /v1/admin/jobs/{id} for the outcome"),
            job,
            id,
        })
    }

    /// Starts a backfill of a chain that is not followed, as a background
    /// job (one per chain at a time).
    pub async fn backfill(&self, req: BackfillRequest) -> Result<Accepted, AdminError> {
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
        let shared = self.clients.get(&req.chain).map_err(|e| {
            AdminError::Unavailable(format!("{} has no usable source: {e}", req.chain))
        })?;
        let slot = Self::claim(&self.running, &req.chain, "a backfill")?;
        let job = format!("{}-{}-{}", req.chain, req.from, req.to);
        let (store, mut stop) = (Arc::clone(&self.store), self.stop.clone());
        self.board
            .adopt(&req.chain, cfg.kind.as_str(), shared.ingester.counters());
        let ingester = Arc::clone(&shared.ingester);
        let (chain, task_job) = (req.chain.clone(), job.clone());
        let data_changed = Arc::clone(&self.data_changed);
        let id = self.jobs.spawn(job.clone(), async move {
            let _slot = slot;
            let shutdown = async move {
                let _ = stop.wait_for(|s| *s).await;
            };
            let range = IngestRange {
                from: req.from,
                to: Some(req.to),
            };
            let result = match ingester
                .run(store.clone(), range, false, shutdown)
                .await
            {
                Ok(report) => crate::follow::aggregate(&store, &chain, &report)
                    .await
                    .map(|days| (report, days)),
                Err(e) => Err(e),
            };
            match result {
                Ok((r, days)) => {
                    data_changed();
                    tracing::info!(
                    job = %task_job,
                    blocks = r.blocks_written,
                    transactions = r.transactions_written,
                    days,
                    interrupted = r.interrupted,
                    "backfill done"
                    );
                    let what = format!(
                        "wrote {} blocks and {} transactions, aggregated {days} days; tip {}",
                        r.blocks_written, r.transactions_written, r.tip
                    );
                    if r.interrupted {
                        let last = r.last_written.map_or("nothing".into(), |h| format!("up to {h}"));
                        JobEnd::Stopped(format!("stopped by shutdown after {last}: {what}; a new backfill resumes from the checkpoint"))
                    } else {
                        JobEnd::Succeeded(what)
                    }
                }
                Err(e) => {
                    let e = format!("{e:#}");
                    tracing::error!(job = %task_job, error = %e, "backfill failed");
                    JobEnd::Failed(e)
                }
            }
        });
        Ok(Accepted {
            message: format!(
                "backfilling {} blocks {}..={} in the background (heights past the node's tip are left out); GET /v1/admin/jobs/{id} for the outcome, /metrics for progress",
                req.chain, req.from, req.to
            ),
            job,
            id,
        })
    }

    /// Publishes a day's index now, tracked as a job.
    pub async fn publish(&self, req: PublishRequest) -> Result<Published, AdminError> {
        // Inline: it is quick (one estimate per chain), and the answer is
        // what was published. Tracked like the other jobs all the same.
        let publisher = self.publisher.clone();
        let date = req
            .date
            .map_or_else(|| "yesterday".to_owned(), |d| d.to_string());
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.jobs.spawn(format!("publish-{date}"), async move {
            let done = publisher.publish(req.date, req.new_version).await;
            let end = match &done {
                Ok(p) => JobEnd::Succeeded(format!(
                    "{} version {}: {}",
                    p.date,
                    p.version,
                    p.status.as_str()
                )),
                Err(e) => JobEnd::Failed(format!("{e:#}")),
            };
            let _ = tx.send(done);
            end
        });
        let done = rx
            .await
            .map_err(|_| AdminError::Internal("the publish job ended without an answer".into()))?
            .map_err(|e| match e {
                PublishError::Changed { .. } => AdminError::Conflict(e.to_string()),
                PublishError::NotClosed { .. } | PublishError::Empty(_) => {
                    AdminError::Invalid(e.to_string())
                }
                PublishError::Store(ref s) if s.is_unavailable() => {
                    AdminError::Unavailable(e.to_string())
                }
                other => AdminError::Internal(format!("{other:#}")),
            })?;
        Ok(Published {
            url: format!("/v1/indices/{}?version={}", done.date, done.version),
            date: done.date,
            version: done.version,
            sha256: done.sha256,
            status: done.status.as_str().to_owned(),
            chains: done.chains,
        })
    }

    /// The jobs running and the most recent finished ones, newest first.
    pub fn jobs(&self) -> Vec<JobStatus> {
        self.jobs.statuses()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use blockwatt_ingest::SourceKind;

    /// The shipped devnet source (config/chains.toml), as configured.
    fn chains() -> BTreeMap<String, ChainSourceConfig> {
        let mut devnet = ChainSourceConfig::new(SourceKind::Evm, "http://127.0.0.1:8545");
        devnet.chain_id = Some(31337);
        BTreeMap::from([("devnet".to_owned(), devnet)])
    }

    async fn admin() -> (Admin, tempfile::TempDir) {
        let (store, dir) = blockwatt_testkit::temp_sqlite().await;
        let chains = chains();
        let (_stop, stopped) = watch::channel(false);
        (
            Admin::new(
                chains.clone(),
                "http://127.0.0.1:9".into(),
                store,
                Arc::new(ChainClients::new(&chains, |_, _| Arc::default())),
                Jobs::default(),
                stopped,
            ),
            dir,
        )
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
    async fn one_import_per_chain_at_a_time_and_only_known_chains() {
        let (admin, _dir) = admin().await;
        let price = |chain: &str| ImportRequest::Price {
            chain: chain.into(),
            coin_id: None,
        };
        // Stands for an import of bitcoin in flight.
        admin.importing.lock().unwrap().insert("bitcoin".into());
        let busy = admin.import(price("bitcoin")).await.unwrap_err();
        assert!(
            matches!(&busy, AdminError::Busy(d) if d.contains("an import of bitcoin is already running")),
            "{busy:?}"
        );
        let unknown = admin.import(price("nochain")).await.unwrap_err();
        assert_eq!(unknown, AdminError::UnknownChain("nochain".into()));
        // A backfill of the same chain is a different job and not blocked.
        assert!(admin.running.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn publish_maps_a_changed_day_to_a_conflict() {
        let (admin, _dir) = admin().await;
        let today = chrono::Utc::now().date_naive();
        let not_over = admin
            .publish(PublishRequest {
                date: Some(today),
                new_version: false,
            })
            .await
            .unwrap_err();
        assert!(
            matches!(&not_over, AdminError::Invalid(d) if d.contains("not over yet")),
            "{not_over:?}"
        );
        let day = chrono::NaiveDate::from_ymd_opt(2025, 6, 1).unwrap();
        let req = PublishRequest {
            date: Some(day),
            new_version: false,
        };
        let first = admin.publish(req.clone()).await.unwrap();
        assert_eq!((first.status.as_str(), first.version), ("published", 1));
        assert_eq!(
            admin.publish(req.clone()).await.unwrap().status,
            "unchanged"
        );
        admin
            .store
            .write_daily_metrics(&[blockwatt_domain::DailyMetrics {
                node_count: Some(7),
                ..blockwatt_domain::DailyMetrics::empty("solana", day, "test")
            }])
            .await
            .unwrap();
        let changed = admin.publish(req).await.unwrap_err();
        assert!(
            matches!(&changed, AdminError::Conflict(d) if d.contains("new_version")),
            "{changed:?}"
        );
        // Every publish ran as a tracked job, and they are all done.
        assert!(admin.jobs.wait(std::time::Duration::ZERO).await.is_empty());
    }

    /// A backfill drives the chain's shared client (its rate limit, request
    /// bound and pool), and `/metrics` shows that client's counters.
    #[tokio::test]
    async fn a_backfill_goes_through_the_chains_shared_client() {
        let (admin, _dir) = admin().await;
        // Nothing listens there: the job fails at once, but the wiring is
        // decided before it runs.
        let mut cfg = admin.chains["devnet"].clone();
        cfg.url = format!("http://127.0.0.1:{}", blockwatt_testkit::free_port());
        cfg.max_retries = 0;
        let chains = BTreeMap::from([("devnet".to_owned(), cfg)]);
        let clients = ChainClients::new(&chains, |_, _| Arc::default());
        let admin = Admin {
            clients: Arc::new(clients),
            chains,
            ..admin
        };
        let shared = admin.clients.ingester("devnet").unwrap();
        admin.backfill(devnet(0, 1)).await.unwrap();
        let on_board = admin.board.counters("devnet", "evm", false);
        assert!(Arc::ptr_eq(&on_board, &shared.counters()));
        admin.jobs.wait(std::time::Duration::from_secs(30)).await;

        let mut broken = admin.chains["devnet"].clone();
        broken.chain_id = None;
        let clients = ChainClients::new(&BTreeMap::from([("devnet".into(), broken)]), |_, _| {
            Arc::default()
        });
        let admin = Admin {
            clients: Arc::new(clients),
            ..admin
        };
        let unusable = admin.backfill(devnet(0, 1)).await.unwrap_err();
        assert!(
            matches!(&unusable, AdminError::Unavailable(d) if d.contains("chain_id")),
            "{unusable:?}"
        );
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

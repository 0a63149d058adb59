//! The resumable, reorg-safe pipeline: fetch ranges concurrently, check
//! them, and write each batch with its checkpoint as one unit, in order.

use std::collections::VecDeque;
use std::future::Future;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use blockwatt_domain::{BlockBatch, Checkpoint};
use blockwatt_store::Store;
use tokio::task::JoinHandle;
use tracing::{info, warn};

use crate::config::{ChainSourceConfig, SourceKind};
use crate::error::{IngestError, SourceError, SourceErrorKind};
use crate::evm::EvmSource;
use crate::metrics::IngestCounters;
use crate::source::{validate_range, FetchedBlock, Source};

/// Which heights to ingest. `to: None` means the source's tip at the start
/// of the pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct IngestRange {
    /// Lowest height wanted; a checkpoint above it wins (resume).
    pub from: u64,
    pub to: Option<u64>,
}

/// Pipeline knobs (taken from [`ChainSourceConfig`] by [`Ingester`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IngestOptions {
    /// Blocks per fetch and per stored batch.
    pub batch_size: usize,
    /// Fetches running ahead of the writer.
    pub max_in_flight: usize,
    pub confirmations: u64,
    pub reorg_depth: u64,
    /// Pause between passes in follow mode.
    pub poll_interval: Duration,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            batch_size: 50,
            max_in_flight: 4,
            confirmations: 12,
            reorg_depth: 100,
            poll_interval: Duration::from_secs(5),
        }
    }
}

impl IngestOptions {
    pub fn from_config(cfg: &ChainSourceConfig) -> Self {
        IngestOptions {
            batch_size: cfg.batch_size.max(1),
            max_in_flight: cfg.max_in_flight.max(1),
            confirmations: cfg.confirmations,
            reorg_depth: cfg.reorg_depth,
            poll_interval: Duration::from_millis(cfg.poll_interval_ms),
        }
    }
}

/// What one run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IngestReport {
    pub chain: String,
    pub source: String,
    /// First and last height written (None if nothing was).
    pub first_written: Option<u64>,
    pub last_written: Option<u64>,
    pub blocks_written: u64,
    pub transactions_written: u64,
    pub reorgs: u64,
    /// Blocks removed by reorg repairs.
    pub rolled_back: u64,
    /// The source tip at the last pass.
    pub tip: u64,
    /// True when the shutdown future fired before the range was done.
    pub interrupted: bool,
}

impl IngestReport {
    fn merge(&mut self, other: IngestReport) {
        self.first_written = self.first_written.or(other.first_written);
        self.last_written = other.last_written.or(self.last_written);
        self.blocks_written += other.blocks_written;
        self.transactions_written += other.transactions_written;
        self.reorgs += other.reorgs;
        self.rolled_back += other.rolled_back;
        self.tip = other.tip;
        self.interrupted |= other.interrupted;
    }
}

/// A configured source with its counters: what the CLI, `serve` and
/// benches hold on to.
pub struct Ingester {
    source: Arc<dyn Source>,
    options: IngestOptions,
    counters: Arc<IngestCounters>,
}

impl Ingester {
    /// Builds the source named by `cfg.kind` for `chain`.
    pub fn from_config(cfg: &ChainSourceConfig, chain: &str) -> Result<Self, IngestError> {
        Self::with_counters(cfg, chain, Arc::default())
    }

    /// Like [`Ingester::from_config`], counting into `counters` (shared
    /// with `/metrics` through an [`IngestBoard`](crate::metrics::IngestBoard)).
    pub fn with_counters(
        cfg: &ChainSourceConfig,
        chain: &str,
        counters: Arc<IngestCounters>,
    ) -> Result<Self, IngestError> {
        blockwatt_domain::validate_chain_slug(chain)
            .map_err(|e| IngestError::Config(e.to_string()))?;
        let source: Arc<dyn Source> = match cfg.kind {
            SourceKind::Evm => {
                Arc::new(EvmSource::new(chain, cfg, counters.clone()).map_err(IngestError::Config)?)
            }
            SourceKind::BitcoinRpc => Arc::new(
                crate::bitcoin_rpc::BitcoinRpcSource::new(chain, cfg, counters.clone())
                    .map_err(IngestError::Config)?,
            ),
            SourceKind::Esplora => Arc::new(
                crate::esplora::EsploraSource::new(chain, cfg, counters.clone())
                    .map_err(IngestError::Config)?,
            ),
        };
        Ok(Ingester {
            source,
            options: IngestOptions::from_config(cfg),
            counters,
        })
    }

    /// Wraps any source (tests, custom sources).
    pub fn new(
        source: Arc<dyn Source>,
        options: IngestOptions,
        counters: Arc<IngestCounters>,
    ) -> Self {
        Ingester {
            source,
            options,
            counters,
        }
    }

    pub fn counters(&self) -> Arc<IngestCounters> {
        self.counters.clone()
    }

    pub fn source(&self) -> Arc<dyn Source> {
        self.source.clone()
    }

    /// Checks the endpoint, then ingests `range`; with `follow`, keeps
    /// polling for new blocks until `shutdown` completes. Transient source
    /// errors in follow mode are logged and retried at the next poll.
    pub async fn run(
        &self,
        store: Arc<dyn Store>,
        range: IngestRange,
        follow: bool,
        shutdown: impl Future<Output = ()>,
    ) -> Result<IngestReport, IngestError> {
        let mut shutdown = std::pin::pin!(shutdown);
        // A service may start before its node: in follow mode a transient
        // failure of the check is retried like any pass.
        let mut checked = false;
        let mut total = IngestReport {
            chain: self.source.chain().to_owned(),
            source: self.source.kind().to_owned(),
            ..IngestReport::default()
        };
        loop {
            let pass = if checked {
                Ok(())
            } else {
                self.source.check().await.map_err(IngestError::from)
            };
            checked |= pass.is_ok();
            let pass = match pass {
                Ok(()) => {
                    ingest_until(
                        &self.source,
                        &store,
                        range,
                        &self.options,
                        &self.counters,
                        &mut shutdown,
                    )
                    .await
                }
                Err(e) => Err(e),
            };
            match pass {
                Ok(report) => {
                    let interrupted = report.interrupted;
                    total.merge(report);
                    if interrupted || !follow {
                        return Ok(total);
                    }
                }
                Err(IngestError::Source(e)) if follow && e.kind.is_transient() => {
                    warn!(chain = %total.chain, error = %e, "pass failed; retrying at the next poll");
                }
                Err(e) => return Err(e),
            }
            tokio::select! {
                _ = tokio::time::sleep(self.options.poll_interval) => {}
                _ = &mut shutdown => {
                    total.interrupted = true;
                    return Ok(total);
                }
            }
        }
    }
}

/// One-call entry point for the CLI and benches.
pub async fn run_ingest(
    cfg: &ChainSourceConfig,
    chain: &str,
    store: Arc<dyn Store>,
    range: IngestRange,
    follow: bool,
    shutdown: impl Future<Output = ()>,
) -> Result<IngestReport, IngestError> {
    run_ingest_counted(cfg, chain, Arc::default(), store, range, follow, shutdown).await
}

/// [`run_ingest`] counting into shared `counters` (see
/// [`IngestBoard`](crate::metrics::IngestBoard)), for `serve`'s followers
/// and admin backfills.
pub async fn run_ingest_counted(
    cfg: &ChainSourceConfig,
    chain: &str,
    counters: Arc<IngestCounters>,
    store: Arc<dyn Store>,
    range: IngestRange,
    follow: bool,
    shutdown: impl Future<Output = ()>,
) -> Result<IngestReport, IngestError> {
    Ingester::with_counters(cfg, chain, counters)?
        .run(store, range, follow, shutdown)
        .await
}

/// One pass over `range` with no shutdown signal.
pub async fn ingest(
    source: &Arc<dyn Source>,
    store: &Arc<dyn Store>,
    range: IngestRange,
    options: &IngestOptions,
    counters: &IngestCounters,
) -> Result<IngestReport, IngestError> {
    let mut never = std::pin::pin!(std::future::pending::<()>());
    ingest_until(source, store, range, options, counters, &mut never).await
}

const MAX_REPAIRS_WITHOUT_PROGRESS: u32 = 5;

type Fetch = JoinHandle<Result<Vec<FetchedBlock>, SourceError>>;

/// One pass: resume from the checkpoint, fetch ahead up to
/// `max_in_flight` batches, write them in order, repair reorgs.
pub async fn ingest_until<S: Future<Output = ()> + Unpin>(
    source: &Arc<dyn Source>,
    store: &Arc<dyn Store>,
    range: IngestRange,
    options: &IngestOptions,
    counters: &IngestCounters,
    shutdown: &mut S,
) -> Result<IngestReport, IngestError> {
    let chain = source.chain().to_owned();
    let kind = source.kind();
    let mut report = IngestReport {
        chain: chain.clone(),
        source: kind.to_owned(),
        ..IngestReport::default()
    };
    let tip = source.tip().await?;
    counters.tip.store(tip, Ordering::Relaxed);
    report.tip = tip;
    let to = range.to.map_or(tip, |t| t.min(tip));

    let checkpoint = store.checkpoint(&chain, kind).await?;
    let mut next = range.from;
    if let Some(cp) = &checkpoint {
        counters.height.store(cp.height, Ordering::Relaxed);
        if cp.height.saturating_add(1) >= range.from {
            next = cp.height + 1;
            // Provisional blocks are fetched again: they become final, or a
            // reorg inside the confirmation window shows up here.
            let low = cp
                .height
                .saturating_sub(options.confirmations)
                .max(range.from);
            if let Some(p) = store
                .blocks(&chain, low, cp.height)
                .await?
                .iter()
                .find(|b| b.provisional)
            {
                next = p.height;
            }
        }
    }
    let mut stored_tip = store.tip(&chain).await?.map(|b| b.height);
    let batch = options.batch_size.max(1) as u64;
    let started = Instant::now();
    let mut last_log = Instant::now();
    let bar_first = next;
    // Repairs in a row with no batch written in between: a node whose
    // answers keep flipping between branches (load-balanced endpoints at
    // different heads) must end in an error, not a loop.
    let mut repairs_without_progress = 0u32;
    let bar = progress_bar(&chain, next, to);

    'pass: while next <= to {
        let mut pending: VecDeque<(u64, u64, Fetch)> = VecDeque::new();
        let mut spawn_from = next;
        loop {
            while pending.len() < options.max_in_flight.max(1) && spawn_from <= to {
                let end = spawn_from.saturating_add(batch - 1).min(to);
                let src = source.clone();
                let handle = tokio::spawn(async move { src.fetch(spawn_from, end).await });
                pending.push_back((spawn_from, end, handle));
                spawn_from = end + 1;
            }
            let Some((from, end, handle)) = pending.pop_front() else {
                break 'pass;
            };
            let mut handle = handle;
            let joined = tokio::select! {
                j = &mut handle => j,
                _ = &mut *shutdown => {
                    handle.abort();
                    abort_all(&pending);
                    info!(%chain, height = next.saturating_sub(1), "shutdown requested; stopping after the last full batch");
                    report.interrupted = true;
                    return Ok(report);
                }
            };
            let fetched = match joined {
                Ok(Ok(blocks)) => blocks,
                Ok(Err(e)) => {
                    abort_all(&pending);
                    warn!(%chain, source = %source.name(), error = %e, "fetch failed; nothing of this range stored");
                    return Err(e.into());
                }
                Err(e) => {
                    abort_all(&pending);
                    return Err(IngestError::Task(e.to_string()));
                }
            };
            if let Err(e) = validate_range(source.name(), &chain, from, end, &fetched) {
                abort_all(&pending);
                warn!(%chain, error = %e, "inconsistent response; nothing of this range stored");
                return Err(e.into());
            }
            // Continuity with what is stored below this range.
            let first = &fetched[0].block;
            if from > 0 {
                if let Some(prev) = store.block(&chain, from - 1).await? {
                    if prev.hash != first.parent_hash {
                        abort_all(&pending);
                        repairs_without_progress += 1;
                        if repairs_without_progress > MAX_REPAIRS_WITHOUT_PROGRESS {
                            return Err(SourceError::new(
                                source.name(),
                                "validate",
                                Some(from),
                                SourceErrorKind::Inconsistent(format!(
                                    "parent hash keeps disagreeing with the stored block {} after {MAX_REPAIRS_WITHOUT_PROGRESS} repairs",
                                    from - 1
                                )),
                            )
                            .into());
                        }
                        let fork =
                            find_fork_point(source, store, &chain, from - 1, options.reorg_depth)
                                .await?;
                        let removed = store.rollback_above(&chain, fork).await?;
                        warn!(%chain, at = from, fork_point = fork, removed, "reorg: rolled back to the common ancestor");
                        report.reorgs += 1;
                        report.rolled_back += removed;
                        IngestCounters::add(&counters.reorgs, 1);
                        counters.height.store(fork, Ordering::Relaxed);
                        stored_tip = Some(fork);
                        next = fork + 1;
                        continue 'pass;
                    }
                }
            }
            // Re-fetched heights (provisional blocks, or a rerun below the
            // stored tip) that now hold other blocks: drop the stale branch
            // first so no orphan stays above what we write.
            if stored_tip.is_some_and(|t| t >= from) {
                let stored = store.blocks(&chain, from, end).await?;
                let replaced = stored.iter().any(|s| {
                    fetched
                        .get((s.height - from) as usize)
                        .is_some_and(|f| f.block.hash != s.hash)
                });
                if replaced {
                    let Some(below) = from.checked_sub(1) else {
                        // A different genesis is another chain, not a reorg.
                        abort_all(&pending);
                        return Err(SourceError::new(
                            source.name(),
                            "validate",
                            Some(0),
                            SourceErrorKind::Inconsistent(
                                "genesis differs from the stored one: is the endpoint on another chain?".into(),
                            ),
                        )
                        .into());
                    };
                    let removed = store.rollback_above(&chain, below).await?;
                    warn!(%chain, at = from, removed, "stored blocks were replaced by the source; rolled back");
                    report.reorgs += 1;
                    report.rolled_back += removed;
                    IngestCounters::add(&counters.reorgs, 1);
                    stored_tip = from.checked_sub(1);
                }
            }
            let n_blocks = fetched.len() as u64;
            let mut blocks = Vec::with_capacity(fetched.len());
            let mut transactions = Vec::new();
            for fb in fetched {
                let mut b = fb.block;
                // Within `confirmations` of the tip: may still be reorganised away.
                b.provisional = tip.saturating_sub(b.height) < options.confirmations;
                blocks.push(b);
                transactions.extend(fb.transactions);
            }
            let last = blocks
                .last()
                .map(|b| (b.height, b.hash.clone()))
                .unwrap_or((end, String::new()));
            let n_txs = transactions.len() as u64;
            let batch = BlockBatch {
                blocks,
                transactions,
                checkpoint: Checkpoint {
                    chain: chain.clone(),
                    source: kind.to_owned(),
                    height: last.0,
                    hash: last.1,
                },
            };
            store.write_batch(&batch).await?;
            counters.wrote_now();
            repairs_without_progress = 0;
            report.first_written = report.first_written.or(Some(from));
            report.last_written = Some(end);
            report.blocks_written += n_blocks;
            report.transactions_written += n_txs;
            IngestCounters::add(&counters.blocks_written, n_blocks);
            bar.set_position((end + 1).saturating_sub(bar_first));
            counters.height.store(end, Ordering::Relaxed);
            stored_tip = Some(stored_tip.map_or(end, |t| t.max(end)));
            next = end + 1;
            if last_log.elapsed() >= Duration::from_secs(10) {
                last_log = Instant::now();
                let rate = report.blocks_written as f64 / started.elapsed().as_secs_f64().max(1e-3);
                info!(%chain, height = end, tip, lag = tip.saturating_sub(end), blocks_per_s = format!("{rate:.1}"), "ingest progress");
            }
        }
    }
    bar.finish_and_clear();
    info!(%chain, blocks = report.blocks_written, txs = report.transactions_written, reorgs = report.reorgs,
          secs = format!("{:.2}", started.elapsed().as_secs_f64()), "ingest pass done");
    Ok(report)
}

/// A bar on a terminal for backfills of more than a few blocks; hidden
/// otherwise (services and CI get the periodic log lines instead).
fn progress_bar(chain: &str, from: u64, to: u64) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    let len = (to + 1).saturating_sub(from);
    if len < 100 || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{prefix} [{elapsed_precise}] {wide_bar} {pos}/{len} blocks ({per_sec}, eta {eta})",
    ) {
        bar.set_style(style);
    }
    bar.set_prefix(chain.to_owned());
    bar
}

fn abort_all(pending: &VecDeque<(u64, u64, Fetch)>) {
    for (_, _, h) in pending {
        h.abort();
    }
}

/// Walks down from `below` until the stored hash equals the source's
/// canonical hash; at most `depth` blocks.
pub async fn find_fork_point(
    source: &Arc<dyn Source>,
    store: &Arc<dyn Store>,
    chain: &str,
    below: u64,
    depth: u64,
) -> Result<u64, IngestError> {
    let lowest = below.saturating_sub(depth);
    let mut h = below;
    loop {
        match store.block(chain, h).await? {
            // Nothing stored here: nothing to disagree with.
            None => return Ok(h),
            Some(stored) => {
                if source.block_hash(h).await? == stored.hash {
                    return Ok(h);
                }
            }
        }
        if h == lowest {
            return Err(IngestError::ReorgTooDeep {
                chain: chain.to_owned(),
                depth,
                lowest,
                highest: below,
            });
        }
        h -= 1;
    }
}

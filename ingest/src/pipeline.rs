//! The resumable, reorg-safe pipeline: fetch ranges concurrently, check
//! them in order, and write them with their checkpoint as one unit, in
//! order, beside the fetches.

use std::collections::VecDeque;
use std::future::Future;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use blockwatt_domain::{BlockBatch, BlockLogs, Checkpoint};
use blockwatt_store::BlockStore;
use tokio::task::JoinHandle;
use tracing::{info, warn};

use crate::batch_plan::BatchPlan;
use crate::config::{ChainSourceConfig, SourceKind};
use crate::counters::IngestCounters;
use crate::error::{IngestError, SourceError, SourceErrorKind};
use crate::evm::EvmSource;
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
    /// Most blocks per fetch; a backfill's first and last fetches are
    /// smaller ([`BatchPlan`]).
    pub batch_size: usize,
    /// Requests in flight (the source client enforces it); the pipeline
    /// keeps twice as many fetches queued so the window never drains.
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
/// A source built from its configuration. EVM sources stay typed, so the
/// transaction lookup can share the very client the pipeline drives.
pub(crate) enum BuiltSource {
    Evm(Arc<EvmSource>),
    Other(Arc<dyn Source>),
}

/// The source named by `cfg.kind` for `chain`, counting into `counters`.
pub(crate) fn build_source(
    cfg: &ChainSourceConfig,
    chain: &str,
    counters: Arc<IngestCounters>,
) -> Result<BuiltSource, IngestError> {
    blockwatt_domain::validate_chain_slug(chain).map_err(|e| IngestError::Config(e.to_string()))?;
    Ok(match cfg.kind {
        SourceKind::Evm => BuiltSource::Evm(Arc::new(
            EvmSource::new(chain, cfg, counters).map_err(IngestError::Config)?,
        )),
        SourceKind::BitcoinRpc => BuiltSource::Other(Arc::new(
            crate::bitcoin_rpc::BitcoinRpcSource::new(chain, cfg, counters)
                .map_err(IngestError::Config)?,
        )),
        SourceKind::Esplora => BuiltSource::Other(Arc::new(
            crate::esplora::EsploraSource::new(chain, cfg, counters)
                .map_err(IngestError::Config)?,
        )),
    })
}

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
    /// with `/metrics` through an [`IngestBoard`](crate::counters::IngestBoard)).
    pub fn with_counters(
        cfg: &ChainSourceConfig,
        chain: &str,
        counters: Arc<IngestCounters>,
    ) -> Result<Self, IngestError> {
        let source = match build_source(cfg, chain, Arc::clone(&counters))? {
            BuiltSource::Evm(evm) => evm,
            BuiltSource::Other(source) => source,
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
        store: Arc<dyn BlockStore>,
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
                    ingest_pass(
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

/// [`Ingester::from_config`] then [`Ingester::run`], in one call: the CLI's
/// and the tests' entry point.
pub async fn run_ingest(
    cfg: &ChainSourceConfig,
    chain: &str,
    store: Arc<dyn BlockStore>,
    range: IngestRange,
    follow: bool,
    shutdown: impl Future<Output = ()>,
) -> Result<IngestReport, IngestError> {
    Ingester::from_config(cfg, chain)?
        .run(store, range, follow, shutdown)
        .await
}

const MAX_REPAIRS_WITHOUT_PROGRESS: u32 = 5;

/// Upper bound on the transactions of one coalesced write: bounds the
/// memory and the length of one store transaction when the store falls
/// behind the node.
const MAX_WRITE_TXS: usize = 200_000;

/// A write waits for this many queued transactions or blocks (or for the
/// fetches to end, or the queue to fill) before it starts.
const MIN_WRITE_TXS: usize = 10_000;
const MIN_WRITE_BLOCKS: u64 = 500;

type Fetch = JoinHandle<Result<Vec<FetchedBlock>, SourceError>>;

/// A checked batch waiting for the writer.
struct Ready {
    from: u64,
    end: u64,
    batch: BlockBatch,
}

/// What one write (of one or more coalesced batches) stored.
struct Written {
    from: u64,
    end: u64,
    blocks: u64,
    transactions: u64,
}

type Write = JoinHandle<Result<Written, blockwatt_store::StoreError>>;

/// Merges the consecutive batches waiting in `queue` (at least one, up to
/// [`MAX_WRITE_TXS`] transactions) into one write under the last one's
/// checkpoint: the same all-or-nothing unit, fewer store round trips and
/// commits (ClickHouse pays ~40 ms per INSERT, SQLite rewrites the same
/// index pages at every commit).
fn start_write(store: &Arc<dyn BlockStore>, queue: &mut VecDeque<Ready>) -> Option<Write> {
    let first = queue.pop_front()?;
    let (from, mut end, mut batch) = (first.from, first.end, first.batch);
    while let Some(next) = queue.front() {
        if batch.transactions.len() + next.batch.transactions.len() > MAX_WRITE_TXS {
            break;
        }
        let Some(next) = queue.pop_front() else { break };
        batch.blocks.extend(next.batch.blocks);
        batch.transactions.extend(next.batch.transactions);
        batch.checkpoint = next.batch.checkpoint;
        end = next.end;
    }
    let store = store.clone();
    Some(tokio::spawn(async move {
        let written = Written {
            from,
            end,
            blocks: batch.blocks.len() as u64,
            transactions: batch.transactions.len() as u64,
        };
        tracing::debug!(from, end, transactions = written.transactions, "write");
        let done = store.write_batch_owned(batch).await.map(|()| written);
        tracing::debug!(from, end, "written");
        done
    }))
}

/// One pass: resume from the checkpoint, keep `max_in_flight` fetches
/// running, check each batch in order and hand it to a write running beside
/// the fetches (so the request window stays full while the store works),
/// repair reorgs. The steps, in order:
/// 1. [`resume_height`]: where the pass starts;
/// 2. the fetch window ([`Fetches`]) and the write side ([`Writes`]) run
///    side by side until the range is written;
/// 3. each fetched batch is checked ([`Writes::check_batch`]): its shape,
///    its parent (a reorg is repaired and the pass restarts above the fork
///    point), a stale branch above it; then it joins the write queue.
async fn ingest_pass<S: Future<Output = ()> + Unpin>(
    source: &Arc<dyn Source>,
    store: &Arc<dyn BlockStore>,
    range: IngestRange,
    options: &IngestOptions,
    counters: &IngestCounters,
    shutdown: &mut S,
) -> Result<IngestReport, IngestError> {
    let chain = source.chain().to_owned();
    let tip = source.tip().await?;
    counters.tip.store(tip, Ordering::Relaxed);
    let to = range.to.map_or(tip, |t| t.min(tip));
    let next = resume_height(store, &chain, source.kind(), range, options, counters).await?;
    let window = options.max_in_flight.max(1);
    let mut w = Writes::new(source, store, counters, &chain, tip, next, to, options);
    w.stored_tip = store.tip(&chain).await?.map(|b| b.height);
    'pass: while w.next <= to {
        let plan = BatchPlan::new(w.next, to, options.batch_size, window);
        let mut fetches = Fetches::new(source, plan, window);
        // Height and hash of the last block handed to the writer: the next
        // batch's parent, checked without a store read.
        let mut last_checked: Option<(u64, String)> = None;
        loop {
            fetches.fill();
            // Results already in (in height order) join the queue before a
            // write starts, so one write takes them all: at the end of a
            // pass a ClickHouse write of its own costs ~50 ms.
            let next_is_in = w.queue.len() < window && fetches.next_is_in();
            if !next_is_in {
                w.start_write(fetches.is_done(), window);
            }
            if fetches.pending.is_empty() && w.writing.is_none() {
                break 'pass;
            }
            // Bounded: at most `window` checked batches wait for the writer.
            let take_fetch = !fetches.pending.is_empty() && w.queue.len() < window;
            let fetched = tokio::select! {
                biased;
                _ = &mut *shutdown => {
                    fetches.abort_all();
                    // What is fetched and checked is written, so a restart
                    // resumes right after it.
                    w.flush().await?;
                    info!(%chain, height = w.next.saturating_sub(1), "shutdown requested; stopping after the last full batch");
                    w.report.interrupted = true;
                    return Ok(w.finish());
                }
                done = async { w.writing.as_mut().expect("guarded").await }, if w.writing.is_some() => {
                    w.writing = None;
                    w.account(done)?;
                    continue;
                }
                j = async { (&mut fetches.pending.front_mut().expect("guarded").2).await }, if take_fetch => j,
            };
            let Some((from, end, _)) = fetches.pending.pop_front() else {
                continue;
            };
            let checked = match fetched {
                Ok(Ok(blocks)) => w.check_batch(from, end, blocks, &last_checked).await,
                Ok(Err(e)) => {
                    warn!(%chain, source = %source.name(), error = %e, "fetch failed; nothing of this range stored");
                    Err(e.into())
                }
                Err(e) => Err(IngestError::Task(e.to_string())),
            };
            match checked {
                Ok(Checked::Ready(ready)) => {
                    last_checked = Some((
                        ready.batch.checkpoint.height,
                        ready.batch.checkpoint.hash.clone(),
                    ));
                    w.queue.push_back(ready);
                }
                Ok(Checked::Repaired) => {
                    fetches.abort_all();
                    continue 'pass;
                }
                Err(e) => {
                    fetches.abort_all();
                    // The batches before this one are consistent: keep them.
                    w.flush().await?;
                    return Err(e);
                }
            }
        }
    }
    w.flush().await?;
    w.bar.finish_and_clear();
    info!(%chain, blocks = w.report.blocks_written, txs = w.report.transactions_written, reorgs = w.report.reorgs,
          secs = format!("{:.2}", w.started.elapsed().as_secs_f64()), "ingest pass done");
    Ok(w.finish())
}

/// Where a pass starts: `range.from`, or past the checkpoint when it is
/// higher; provisional blocks near the checkpoint are fetched again, since
/// they become final or a reorg inside the confirmation window shows up.
async fn resume_height(
    store: &Arc<dyn BlockStore>,
    chain: &str,
    kind: &str,
    range: IngestRange,
    options: &IngestOptions,
    counters: &IngestCounters,
) -> Result<u64, IngestError> {
    let Some(cp) = store.checkpoint(chain, kind).await? else {
        return Ok(range.from);
    };
    counters.height.store(cp.height, Ordering::Relaxed);
    if cp.height.saturating_add(1) < range.from {
        return Ok(range.from);
    }
    let low = cp
        .height
        .saturating_sub(options.confirmations)
        .max(range.from);
    let provisional = store
        .blocks(chain, low, cp.height)
        .await?
        .into_iter()
        .find(|b| b.provisional);
    Ok(provisional.map_or(cp.height + 1, |p| p.height))
}

/// The fetch window: up to twice `window` fetch tasks, in height order.
struct Fetches<'a> {
    source: &'a Arc<dyn Source>,
    plan: std::iter::Peekable<BatchPlan>,
    window: usize,
    pending: VecDeque<(u64, u64, Fetch)>,
}

impl<'a> Fetches<'a> {
    fn new(source: &'a Arc<dyn Source>, plan: BatchPlan, window: usize) -> Self {
        Fetches {
            source,
            plan: plan.peekable(),
            window,
            pending: VecDeque::new(),
        }
    }

    /// Twice the window of fetch tasks: the source's HTTP client lets
    /// `max_in_flight` requests out at a time, so the next one goes out the
    /// moment any finishes (as with `xargs -P`), not only when the oldest
    /// does; finished results wait here in height order.
    fn fill(&mut self) {
        while self.pending.len() < 2 * self.window {
            let Some((from, end)) = self.plan.next() else {
                break;
            };
            let src = self.source.clone();
            let handle = tokio::spawn(async move { src.fetch(from, end).await });
            self.pending.push_back((from, end, handle));
        }
    }

    /// The oldest fetch has its answer.
    fn next_is_in(&self) -> bool {
        self.pending.front().is_some_and(|p| p.2.is_finished())
    }

    /// No fetch left to start or to wait for.
    fn is_done(&mut self) -> bool {
        self.pending.is_empty() && self.plan.peek().is_none()
    }

    fn abort_all(&self) {
        for (_, _, h) in &self.pending {
            h.abort();
        }
    }
}

/// What checking a fetched batch gave.
enum Checked {
    /// Consistent: to be written.
    Ready(Ready),
    /// A reorg was repaired: the pass restarts above the fork point.
    Repaired,
}

/// The write side of a pass: checked batches waiting, the write in
/// progress (one at a time, in height order), and what has been written.
struct Writes<'a> {
    source: &'a Arc<dyn Source>,
    options: &'a IngestOptions,
    store: &'a Arc<dyn BlockStore>,
    counters: &'a IngestCounters,
    chain: &'a str,
    tip: u64,
    queue: VecDeque<Ready>,
    writing: Option<Write>,
    report: IngestReport,
    stored_tip: Option<u64>,
    /// The lowest height not yet written (nor checked, after a repair).
    next: u64,
    /// Repairs in a row with no batch written in between: a node whose
    /// answers keep flipping between branches (load-balanced endpoints at
    /// different heads) must end in an error, not a loop.
    repairs_without_progress: u32,
    bar: indicatif::ProgressBar,
    bar_first: u64,
    started: Instant,
    last_log: Instant,
}

impl<'a> Writes<'a> {
    #[allow(clippy::too_many_arguments)] // the pass's context, named once
    fn new(
        source: &'a Arc<dyn Source>,
        store: &'a Arc<dyn BlockStore>,
        counters: &'a IngestCounters,
        chain: &'a str,
        tip: u64,
        next: u64,
        to: u64,
        options: &'a IngestOptions,
    ) -> Self {
        Writes {
            source,
            options,
            store,
            counters,
            chain,
            tip,
            queue: VecDeque::new(),
            writing: None,
            report: IngestReport {
                chain: chain.to_owned(),
                source: source.kind().to_owned(),
                tip,
                ..IngestReport::default()
            },
            stored_tip: None,
            next,
            repairs_without_progress: 0,
            bar: progress_bar(chain, next, to),
            bar_first: next,
            started: Instant::now(),
            last_log: Instant::now(),
        }
    }

    /// Checks one fetched batch in order: the shape of the answer, the
    /// parent link (repairing a reorg), and a stale branch stored above it.
    async fn check_batch(
        &mut self,
        from: u64,
        end: u64,
        fetched: Vec<FetchedBlock>,
        last_checked: &Option<(u64, String)>,
    ) -> Result<Checked, IngestError> {
        if let Err(e) = validate_range(self.source.name(), self.chain, from, end, &fetched) {
            warn!(chain = %self.chain, error = %e, "inconsistent response; nothing of this range stored");
            return Err(e.into());
        }
        if !self
            .parent_matches(from, &fetched[0].block.parent_hash, last_checked)
            .await?
        {
            self.flush().await?;
            self.repair_reorg(from).await?;
            return Ok(Checked::Repaired);
        }
        if self.stored_tip.is_some_and(|t| t >= from) {
            self.drop_replaced_branch(from, end, &fetched).await?;
        }
        Ok(Checked::Ready(self.ready(from, end, fetched)))
    }

    /// Continuity with the batch before (in memory) or, for the first batch
    /// of a pass, with what is stored below this range.
    async fn parent_matches(
        &mut self,
        from: u64,
        parent_hash: &str,
        last_checked: &Option<(u64, String)>,
    ) -> Result<bool, IngestError> {
        Ok(match (last_checked, from.checked_sub(1)) {
            (_, None) => true,
            (Some((h, hash)), Some(below)) if *h == below => hash == parent_hash,
            (_, Some(below)) => {
                self.flush().await?;
                self.store
                    .block(self.chain, below)
                    .await?
                    .is_none_or(|prev| prev.hash == parent_hash)
            }
        })
    }

    /// Rolls back to the common ancestor of the store and the source below
    /// `from`; a source whose answers keep flipping ends in an error.
    async fn repair_reorg(&mut self, from: u64) -> Result<(), IngestError> {
        self.repairs_without_progress += 1;
        if self.repairs_without_progress > MAX_REPAIRS_WITHOUT_PROGRESS {
            return Err(SourceError::new(
                self.source.name(),
                "validate",
                Some(from),
                SourceErrorKind::Inconsistent(format!(
                    "parent hash keeps disagreeing with the stored block {} after {MAX_REPAIRS_WITHOUT_PROGRESS} repairs",
                    from - 1
                )),
            )
            .into());
        }
        let fork = find_fork_point(
            self.source,
            self.store,
            self.chain,
            from - 1,
            self.options.reorg_depth,
        )
        .await?;
        let removed = self.store.rollback_above(self.chain, fork).await?;
        warn!(chain = %self.chain, at = from, fork_point = fork, removed, "reorg: rolled back to the common ancestor");
        self.report.reorgs += 1;
        self.report.rolled_back += removed;
        IngestCounters::add(&self.counters.reorgs, 1);
        self.counters.height.store(fork, Ordering::Relaxed);
        self.stored_tip = Some(fork);
        self.next = fork + 1;
        Ok(())
    }

    /// Re-fetched heights (provisional blocks, or a rerun below the stored
    /// tip) that now hold other blocks: the stale branch goes first, so no
    /// orphan stays above what is written.
    async fn drop_replaced_branch(
        &mut self,
        from: u64,
        end: u64,
        fetched: &[FetchedBlock],
    ) -> Result<(), IngestError> {
        self.flush().await?;
        let stored = self.store.blocks(self.chain, from, end).await?;
        let replaced = stored.iter().any(|s| {
            fetched
                .get((s.height - from) as usize)
                .is_some_and(|f| f.block.hash != s.hash)
        });
        if !replaced {
            return Ok(());
        }
        let Some(below) = from.checked_sub(1) else {
            // A different genesis is another chain, not a reorg.
            return Err(SourceError::new(
                self.source.name(),
                "validate",
                Some(0),
                SourceErrorKind::Inconsistent(
                    "genesis differs from the stored one: is the endpoint on another chain?".into(),
                ),
            )
            .into());
        };
        let removed = self.store.rollback_above(self.chain, below).await?;
        warn!(chain = %self.chain, at = from, removed, "stored blocks were replaced by the source; rolled back");
        self.report.reorgs += 1;
        self.report.rolled_back += removed;
        IngestCounters::add(&self.counters.reorgs, 1);
        self.stored_tip = from.checked_sub(1);
        Ok(())
    }

    /// The checked batch under its checkpoint; blocks within
    /// `confirmations` of the tip are marked provisional (they may still be
    /// reorganised away).
    fn ready(&self, from: u64, end: u64, fetched: Vec<FetchedBlock>) -> Ready {
        let mut blocks = Vec::with_capacity(fetched.len());
        let mut transactions =
            Vec::with_capacity(fetched.iter().map(|f| f.transactions.len()).sum());
        let mut logs = Vec::new();
        for fb in fetched {
            let mut b = fb.block;
            b.provisional = self.tip.saturating_sub(b.height) < self.options.confirmations;
            if let Some(contracts) = fb.logs {
                logs.push(BlockLogs {
                    block_height: b.height,
                    block_hash: b.hash.clone(),
                    contracts,
                });
            }
            blocks.push(b);
            transactions.extend(fb.transactions);
        }
        let (height, hash) = blocks
            .last()
            .map(|b| (b.height, b.hash.clone()))
            .unwrap_or((end, String::new()));
        Ready {
            from,
            end,
            batch: BlockBatch {
                blocks,
                transactions,
                logs,
                checkpoint: Checkpoint {
                    chain: self.chain.to_owned(),
                    source: self.source.kind().to_owned(),
                    height,
                    hash,
                },
            },
        }
    }

    /// Starts the next write unless one is running. Unless `force`d (no
    /// more fetches coming, or a flush), waits until enough is queued to
    /// be worth a write of its own: each write costs the store a commit
    /// (ClickHouse: parts to create and merge, ~40 ms per INSERT on
    /// 18.16), CPU that on a small machine is taken from the node.
    fn start_write(&mut self, force: bool, window: usize) {
        let queued_txs: usize = self.queue.iter().map(|r| r.batch.transactions.len()).sum();
        let queued_blocks: u64 = self.queue.iter().map(|r| r.end + 1 - r.from).sum();
        let worth_it = force
            || self.queue.len() >= window
            || queued_txs >= MIN_WRITE_TXS
            || queued_blocks >= MIN_WRITE_BLOCKS;
        if self.writing.is_none() && worth_it {
            self.writing = start_write(self.store, &mut self.queue);
        }
    }

    /// Records a finished write in the report, counters and bar.
    fn account(
        &mut self,
        joined: Result<Result<Written, blockwatt_store::StoreError>, tokio::task::JoinError>,
    ) -> Result<(), IngestError> {
        let w = match joined {
            Ok(Ok(w)) => w,
            Ok(Err(e)) => return Err(e.into()),
            Err(e) => return Err(IngestError::Task(e.to_string())),
        };
        self.repairs_without_progress = 0;
        let r = &mut self.report;
        r.first_written = r.first_written.or(Some(w.from));
        r.last_written = Some(w.end);
        r.blocks_written += w.blocks;
        r.transactions_written += w.transactions;
        IngestCounters::add(&self.counters.blocks_written, w.blocks);
        self.bar
            .set_position((w.end + 1).saturating_sub(self.bar_first));
        self.counters.height.store(w.end, Ordering::Relaxed);
        self.counters.wrote_now();
        self.stored_tip = Some(self.stored_tip.map_or(w.end, |t| t.max(w.end)));
        self.next = w.end + 1;
        if self.last_log.elapsed() >= Duration::from_secs(10) {
            self.last_log = Instant::now();
            let rate = r.blocks_written as f64 / self.started.elapsed().as_secs_f64().max(1e-3);
            info!(chain = %self.chain, height = w.end, tip = self.tip, lag = self.tip.saturating_sub(w.end), blocks_per_s = format!("{rate:.1}"), "ingest progress");
        }
        Ok(())
    }

    /// Writes everything checked so far, so the store is the whole truth
    /// before it is read (continuity, reorg repair) or the pass ends.
    async fn flush(&mut self) -> Result<(), IngestError> {
        loop {
            self.start_write(true, 0);
            let Some(write) = self.writing.take() else {
                return Ok(());
            };
            self.account(write.await)?;
        }
    }

    fn finish(self) -> IngestReport {
        self.report
    }
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

/// Walks down from `below` until the stored hash equals the source's
/// canonical hash; at most `depth` blocks.
pub async fn find_fork_point(
    source: &Arc<dyn Source>,
    store: &Arc<dyn BlockStore>,
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

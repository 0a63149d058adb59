//! The pipeline's write side: writes run beside the fetches (a slow store
//! never stops the request window), batches that queue up behind a slow
//! write are coalesced into one write under the last checkpoint, and the
//! result is the same rows as one batch at a time. Real SQLite underneath;
//! the source is in memory so the test controls when the store may go on.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use blockwatt_domain::{Block, BlockBatch, Checkpoint, Transaction};
use blockwatt_ingest::batch_plan::BatchPlan;
use blockwatt_ingest::{FetchedBlock, IngestOptions, IngestRange, Ingester, Source, SourceError};
use blockwatt_store::{BlockStore, Store};
use common::temp_store;
use tokio::sync::Semaphore;

const CHAIN: &str = "devnet";
const TXS_PER_BLOCK: usize = 3;

fn hash(h: u64) -> String {
    format!("0x{h:064x}")
}

/// A consistent in-memory chain of `tip + 1` blocks; counts fetches.
struct MemorySource {
    tip: u64,
    fetches: AtomicUsize,
}

#[async_trait]
impl Source for MemorySource {
    fn kind(&self) -> &'static str {
        "evm"
    }
    fn name(&self) -> &str {
        "memory"
    }
    fn chain(&self) -> &str {
        CHAIN
    }
    async fn check(&self) -> Result<(), SourceError> {
        Ok(())
    }
    async fn tip(&self) -> Result<u64, SourceError> {
        Ok(self.tip)
    }
    async fn fetch(&self, from: u64, to: u64) -> Result<Vec<FetchedBlock>, SourceError> {
        let blocks = (from..=to)
            .map(|h| FetchedBlock {
                block: Block {
                    chain: CHAIN.into(),
                    height: h,
                    hash: hash(h + 1),
                    parent_hash: hash(h),
                    time: 1_700_000_000 + h as i64,
                    tx_count: TXS_PER_BLOCK as u32,
                    size_bytes: 1000,
                    weight: 0,
                    gas_used: 21_000,
                    gas_limit: 30_000_000,
                    difficulty: 0.0,
                    fees_native: 0.0,
                    subsidy_native: 0.0,
                    provisional: false,
                },
                transactions: (0..TXS_PER_BLOCK)
                    .map(|i| Transaction {
                        chain: CHAIN.into(),
                        txid: format!("0x{:060x}{i:04x}", h),
                        block_height: h,
                        block_hash: hash(h + 1),
                        position: i as u32,
                        size_bytes: 110,
                        vsize: 110,
                        gas_used: 21_000,
                        fee_native: 0.0,
                    })
                    .collect(),
                logs: None,
            })
            .collect();
        self.fetches.fetch_add(1, Ordering::SeqCst);
        Ok(blocks)
    }
    async fn block_hash(&self, height: u64) -> Result<String, SourceError> {
        Ok(hash(height + 1))
    }
}

/// SQLite behind a gate: every write waits for a permit; records what
/// each write held.
struct GatedStore {
    inner: Arc<dyn Store>,
    gate: Semaphore,
    writes: Mutex<Vec<(u64, u64, usize, Checkpoint)>>,
}

/// Only the role the pipeline uses: a test double of one small trait.
#[async_trait]
impl BlockStore for GatedStore {
    async fn block_transaction_totals(
        &self,
        chain: &str,
        height: u64,
        hash: &str,
    ) -> blockwatt_store::Result<blockwatt_store::TransactionTotals> {
        self.inner
            .block_transaction_totals(chain, height, hash)
            .await
    }
    async fn write_batch(&self, batch: &BlockBatch) -> blockwatt_store::Result<()> {
        self.write_batch_owned(batch.clone()).await
    }
    async fn write_batch_owned(&self, batch: BlockBatch) -> blockwatt_store::Result<()> {
        let permit = self.gate.acquire().await.expect("gate open");
        permit.forget();
        let first = batch.blocks.first().map_or(0, |b| b.height);
        let last = batch.blocks.last().map_or(0, |b| b.height);
        self.writes.lock().expect("lock").push((
            first,
            last,
            batch.transactions.len(),
            batch.checkpoint.clone(),
        ));
        self.inner.write_batch_owned(batch).await
    }
    async fn block(&self, chain: &str, height: u64) -> blockwatt_store::Result<Option<Block>> {
        self.inner.block(chain, height).await
    }
    async fn block_by_hash(
        &self,
        chain: &str,
        hash: &str,
    ) -> blockwatt_store::Result<Option<Block>> {
        self.inner.block_by_hash(chain, hash).await
    }
    async fn blocks(&self, chain: &str, from: u64, to: u64) -> blockwatt_store::Result<Vec<Block>> {
        self.inner.blocks(chain, from, to).await
    }
    async fn blocks_in_time(
        &self,
        chain: &str,
        from: i64,
        to: i64,
    ) -> blockwatt_store::Result<Vec<Block>> {
        self.inner.blocks_in_time(chain, from, to).await
    }
    async fn block_totals_in_time(
        &self,
        chain: &str,
        from: i64,
        to: i64,
    ) -> blockwatt_store::Result<blockwatt_store::BlockTotals> {
        self.inner.block_totals_in_time(chain, from, to).await
    }
    async fn tip(&self, chain: &str) -> blockwatt_store::Result<Option<Block>> {
        self.inner.tip(chain).await
    }
    async fn transaction(
        &self,
        chain: &str,
        txid: &str,
    ) -> blockwatt_store::Result<Option<Transaction>> {
        self.inner.transaction(chain, txid).await
    }
    async fn contract_uses(
        &self,
        chain: &str,
        contract: &str,
        from: u64,
        to: u64,
    ) -> blockwatt_store::Result<blockwatt_store::ContractUses> {
        self.inner.contract_uses(chain, contract, from, to).await
    }
    async fn write_transactions(&self, txs: &[Transaction]) -> blockwatt_store::Result<()> {
        self.inner.write_transactions(txs).await
    }
    async fn rollback_above(&self, chain: &str, height: u64) -> blockwatt_store::Result<u64> {
        self.inner.rollback_above(chain, height).await
    }
    async fn checkpoint(
        &self,
        chain: &str,
        source: &str,
    ) -> blockwatt_store::Result<Option<Checkpoint>> {
        self.inner.checkpoint(chain, source).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetches_run_on_while_a_write_waits_and_queued_batches_coalesce() {
    let (_dir, sqlite) = temp_store().await;
    let gated = Arc::new(GatedStore {
        inner: sqlite,
        gate: Semaphore::new(0),
        writes: Mutex::new(Vec::new()),
    });
    // Batches of up to 5 blocks (heights 1..=40, small at both ends as
    // planned by BatchPlan), a window of 4: the first write (the queue full
    // at 4 batches) is held at the gate while the other batches are fetched.
    let tip = 40;
    let planned = BatchPlan::new(1, tip, 5, 4).count();
    // While that write is held: its 4 batches, 4 more checked and waiting,
    // and 8 fetch tasks running ahead: the pipeline's bound on what it
    // holds when the store is stuck.
    let fetched_while_held = planned.min(4 + 4 + 2 * 4);
    let source = Arc::new(MemorySource {
        tip,
        fetches: AtomicUsize::new(0),
    });
    let options = IngestOptions {
        batch_size: 5,
        max_in_flight: 4,
        confirmations: 0,
        ..IngestOptions::default()
    };
    let src: Arc<dyn Source> = source.clone();
    let store: Arc<dyn BlockStore> = gated.clone();
    let ingester = Ingester::new(src, options, Arc::default());
    let run = tokio::spawn(async move {
        ingester
            .run(
                store,
                IngestRange { from: 1, to: None },
                false,
                std::future::pending(),
            )
            .await
    });
    // Fetches go on while not one write has been let through: the fetcher
    // does not wait on the store.
    let fetched_all = tokio::task::spawn_blocking({
        let source = source.clone();
        move || {
            blockwatt_testkit::wait_until(Duration::from_secs(10), || {
                source.fetches.load(Ordering::SeqCst) == fetched_while_held
            })
        }
    })
    .await
    .expect("join");
    assert!(
        fetched_all,
        "fetches: {}",
        source.fetches.load(Ordering::SeqCst)
    );
    assert!(gated.writes.lock().expect("lock").is_empty());
    gated.gate.add_permits(1000);
    let report = run.await.expect("join").expect("ingest");
    assert_eq!(
        (report.first_written, report.last_written),
        (Some(1), Some(tip))
    );
    assert_eq!(report.blocks_written, tip);
    assert_eq!(report.transactions_written, tip * TXS_PER_BLOCK as u64);

    let writes = gated.writes.lock().expect("lock").clone();
    // The batches that queued behind the held write went in together.
    assert!(
        writes.len() >= 2 && writes.len() < planned,
        "{planned} batches in {} writes: {writes:?}",
        writes.len()
    );
    let mut expect_from = 1;
    for (first, last, txs, cp) in &writes {
        // Contiguous, in order, each under its own last block's checkpoint.
        assert_eq!(*first, expect_from, "{writes:?}");
        assert_eq!(*txs as u64, (last - first + 1) * TXS_PER_BLOCK as u64);
        assert_eq!((cp.height, cp.hash.clone()), (*last, hash(last + 1)));
        expect_from = last + 1;
    }
    assert_eq!(expect_from, tip + 1);
    let stored = gated.blocks(CHAIN, 0, u64::MAX / 2).await.expect("blocks");
    assert_eq!(stored.len() as u64, tip);
    assert!(stored.windows(2).all(|w| w[1].parent_hash == w[0].hash));
    let cp = gated
        .checkpoint(CHAIN, "evm")
        .await
        .expect("read")
        .expect("cp");
    assert_eq!(cp.height, tip);
    assert_eq!(
        gated
            .transaction(CHAIN, &format!("0x{:060x}{:04x}", 40, 2))
            .await
            .expect("read")
            .map(|t| t.position),
        Some(2)
    );
}

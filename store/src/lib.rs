//! Storage for blockwatt: one async trait per role ([`BlockStore`],
//! [`DailyMetricsStore`], [`IndexStore`], [`StoreAdmin`]; [`Store`] is all
//! of them), two backends.
//!
//! * [`sqlite::SqliteStore`] — the embedded default: one file, WAL mode,
//!   every call on the blocking pool so async workers never wait on disk.
//! * [`clickhouse::ClickHouseStore`] — for users who outgrow one machine:
//!   `ReplacingMergeTree(version)` tables, rollbacks as tombstone rows, and
//!   SQL that ClickHouse 18.16 and current releases both accept.
//!
//! Both pass the same contract suite (`tests/contract.rs`).

pub mod clickhouse;
mod database_url;
mod error;
mod hash32;
pub mod sqlite;
mod version_clock;

use std::sync::Arc;

use async_trait::async_trait;
use blockwatt_domain::{Block, BlockBatch, Checkpoint, DailyMetrics, IndexSnapshot, Transaction};
use chrono::NaiveDate;

pub use database_url::DatabaseUrl;
pub use error::StoreError;
pub use hash32::Hash32;
pub use version_clock::VersionClock;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Sums over the stored blocks of a time window
/// ([`Store::block_totals_in_time`]).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct BlockTotals {
    pub blocks: u64,
    pub size_bytes: u64,
    pub gas_used: u64,
    pub tx_count: u64,
    pub fees_native: f64,
}

/// Sums over the stored transactions of one block
/// ([`BlockStore::block_transaction_totals`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TransactionTotals {
    pub transactions: u64,
    pub vsize: u64,
    pub gas_used: u64,
}

/// A contract's part of one live block (see [`BlockStore::contract_uses`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ContractBlockUse {
    pub block_height: u64,
    /// The block's transactions in which the contract emitted a log.
    pub transactions: u32,
    /// Their gas.
    pub gas_used: u64,
}

/// A contract's use of a range of live blocks, from the logs recorded at
/// ingestion ([`BlockStore::contract_uses`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContractUses {
    /// The live blocks of the range whose logs were recorded: the
    /// contract's figures count these blocks only.
    pub recorded_blocks: u64,
    /// The contract's part of each recorded block it emitted logs in,
    /// ascending by height.
    pub uses: Vec<ContractBlockUse>,
}

/// One UTC day of a chain's live blocks and a contract's use of them
/// ([`BlockStore::contract_days`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContractDayTotals {
    pub day: NaiveDate,
    /// The day's live blocks: how many, their heights' span, their
    /// transactions and gas.
    pub blocks: u64,
    pub first_height: u64,
    pub last_height: u64,
    pub transactions: u64,
    pub gas_used: u64,
    /// How many of them had their logs recorded at ingestion.
    pub recorded_blocks: u64,
    /// The contract's transactions and their gas in those recorded blocks.
    pub contract_transactions: u64,
    pub contract_gas: u64,
}

/// The UTC day of a Unix time.
pub(crate) fn utc_day(time: i64) -> Option<NaiveDate> {
    chrono::DateTime::from_timestamp(time, 0).map(|t| t.date_naive())
}

/// The address a block's logs are recorded under even when no contract
/// emitted any: the zero address holds no code, so no log comes from it.
pub(crate) const LOGS_RECORDED: [u8; 20] = [0; 20];

/// `0x` and 40 hex digits as its 20 bytes; anything else is refused
/// naming it.
pub(crate) fn contract_bytes(contract: &str) -> Result<[u8; 20]> {
    let mut out = [0u8; 20];
    contract
        .strip_prefix("0x")
        .filter(|h| h.len() == 40)
        .and_then(|h| hex::decode_to_slice(h, &mut out).ok())
        .ok_or_else(|| {
            StoreError::Invalid(format!(
                "contract {contract:?} is not an address (0x and 40 hex digits)"
            ))
        })?;
    Ok(out)
}

/// A published index, without its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexListing {
    pub date: NaiveDate,
    pub version: u32,
    pub sha256: String,
}

/// The store as a whole: which backend, its schema, whether it answers.
#[async_trait]
pub trait StoreAdmin: Send + Sync {
    /// `sqlite` or `clickhouse`.
    fn backend(&self) -> &'static str;

    /// Applies the migrations not yet applied; returns their versions.
    async fn migrate(&self) -> Result<Vec<u32>>;

    /// The applied migration versions, ascending.
    async fn applied_migrations(&self) -> Result<Vec<u32>>;

    /// Cheap round trip proving the store answers.
    async fn ping(&self) -> Result<()>;
}

/// Blocks, their transactions and the ingest checkpoints: what the ingest
/// pipeline writes and reads, and what block and transaction footprints
/// read. Reads never show a row twice, however often it was written, and
/// never show rows rolled back.
#[async_trait]
pub trait BlockStore: Send + Sync {
    /// Writes blocks, their transactions and the checkpoint as one unit:
    /// after a crash either all of it is visible or the checkpoint still
    /// points below it, so a restart re-writes (idempotently) and never skips.
    async fn write_batch(&self, batch: &BlockBatch) -> Result<()>;

    /// [`BlockStore::write_batch`] taking the batch by value, so a backend
    /// that hands it to another thread (SQLite's blocking pool) need not
    /// copy every row first. The ingest pipeline writes through this.
    async fn write_batch_owned(&self, batch: BlockBatch) -> Result<()> {
        self.write_batch(&batch).await
    }

    async fn block(&self, chain: &str, height: u64) -> Result<Option<Block>>;
    async fn block_by_hash(&self, chain: &str, hash: &str) -> Result<Option<Block>>;
    /// Blocks with `from <= height <= to`, ascending.
    async fn blocks(&self, chain: &str, from: u64, to: u64) -> Result<Vec<Block>>;
    /// Blocks whose time falls in `[from, to)` (Unix seconds), ascending by height.
    async fn blocks_in_time(&self, chain: &str, from: i64, to: i64) -> Result<Vec<Block>>;
    /// Totals over the blocks whose time falls in `[from, to)` (Unix
    /// seconds), computed by the store: what allocation needs of a day
    /// without reading every block of it.
    async fn block_totals_in_time(&self, chain: &str, from: i64, to: i64) -> Result<BlockTotals>;
    /// The highest stored block.
    async fn tip(&self, chain: &str) -> Result<Option<Block>>;
    /// Totals over the stored transactions of the block `height`/`hash`:
    /// what a transaction's share of its block is divided by, so the
    /// shares of a block's transactions add up to the block's.
    async fn block_transaction_totals(
        &self,
        chain: &str,
        height: u64,
        hash: &str,
    ) -> Result<TransactionTotals>;

    async fn transaction(&self, chain: &str, txid: &str) -> Result<Option<Transaction>>;
    /// A transaction and its stored block: the block at its height, if
    /// that block has its hash (after a reorg the height holds another).
    /// A backend may read the two side by side.
    async fn transaction_with_block(
        &self,
        chain: &str,
        txid: &str,
    ) -> Result<Option<(Transaction, Option<Block>)>> {
        let Some(tx) = self.transaction(chain, txid).await? else {
            return Ok(None);
        };
        let block = self.block_of(&tx).await?;
        Ok(Some((tx, block)))
    }
    /// The stored block `tx` names: the one at its height, if that block
    /// has its hash (see [`names_block`]). Read by height, a key range.
    async fn block_of(&self, tx: &Transaction) -> Result<Option<Block>> {
        Ok(self
            .block(&tx.chain, tx.block_height)
            .await?
            .filter(|b| names_block(tx, b)))
    }
    /// A contract's use of the live blocks `from..=to` of `chain`, from
    /// the logs recorded when they were ingested (a batch's
    /// [`BlockBatch::logs`]). Blocks ingested without their logs count in
    /// neither field: compare `recorded_blocks` with the blocks stored.
    async fn contract_uses(
        &self,
        chain: &str,
        contract: &str,
        from: u64,
        to: u64,
    ) -> Result<ContractUses>;

    /// Whether [`Self::contract_days`] keeps each finished day's sums, so
    /// that reading a period once makes its later reads cheap (ClickHouse
    /// does; SQLite sums every read, which its indexes make cheap enough).
    fn keeps_contract_days(&self) -> bool {
        false
    }

    /// Per UTC day of the live blocks whose time falls in `[from, to)`
    /// (Unix seconds), ascending: the day's blocks, transactions and gas,
    /// and `contract`'s use of those whose logs were recorded. What a
    /// contract's footprint over a period reads. This default reads every
    /// block and the contract's rows; both backends sum in the store
    /// instead (ClickHouse falls back to it above 32-bit heights).
    async fn contract_days(
        &self,
        chain: &str,
        contract: &str,
        from: i64,
        to: i64,
    ) -> Result<Vec<ContractDayTotals>> {
        contract_days_by_block(self, chain, contract, from, to).await
    }

    /// Caches transactions looked up outside a batch (API lookups).
    async fn write_transactions(&self, txs: &[Transaction]) -> Result<()>;

    /// Removes every block (and its transactions) above `height` and moves
    /// any checkpoint of `chain` above it down to `height`. Returns how many
    /// blocks were removed.
    async fn rollback_above(&self, chain: &str, height: u64) -> Result<u64>;

    async fn checkpoint(&self, chain: &str, source: &str) -> Result<Option<Checkpoint>>;
}

/// [`BlockStore::contract_days`] from the blocks one by one and each day's
/// [`BlockStore::contract_uses`]: the trait's default, and what a backend
/// falls back to where its own query does not apply.
pub(crate) async fn contract_days_by_block<S: BlockStore + ?Sized>(
    store: &S,
    chain: &str,
    contract: &str,
    from: i64,
    to: i64,
) -> Result<Vec<ContractDayTotals>> {
    let blocks = store.blocks_in_time(chain, from, to).await?;
    if blocks.is_empty() {
        contract_bytes(contract)?;
        return Ok(Vec::new());
    }
    let mut days: std::collections::BTreeMap<NaiveDate, ContractDayTotals> =
        std::collections::BTreeMap::new();
    let mut day_of_height = std::collections::HashMap::with_capacity(blocks.len());
    for b in &blocks {
        let Some(day) = utc_day(b.time) else { continue };
        day_of_height.insert(b.height, day);
        let d = days.entry(day).or_insert(ContractDayTotals {
            day,
            blocks: 0,
            first_height: b.height,
            last_height: b.height,
            transactions: 0,
            gas_used: 0,
            recorded_blocks: 0,
            contract_transactions: 0,
            contract_gas: 0,
        });
        d.blocks += 1;
        d.first_height = d.first_height.min(b.height);
        d.last_height = d.last_height.max(b.height);
        d.transactions += u64::from(b.tx_count);
        d.gas_used += b.gas_used;
    }
    // Day by day over each day's heights; a use counts on its block's
    // day (a chain whose block times go backwards has overlapping
    // spans).
    for d in days.values_mut() {
        let uses = store
            .contract_uses(chain, contract, d.first_height, d.last_height)
            .await?;
        d.recorded_blocks = uses.recorded_blocks.min(d.blocks);
        for u in &uses.uses {
            if day_of_height.get(&u.block_height) == Some(&d.day) {
                d.contract_transactions += u64::from(u.transactions);
                d.contract_gas += u.gas_used;
            }
        }
    }
    Ok(days.into_values().collect())
}

/// Whether `tx` was stored with `block`: the block at its height has its
/// hash (after a reorg the height holds another block, and the
/// transaction is stale).
pub fn names_block(tx: &Transaction, block: &Block) -> bool {
    block.height == tx.block_height && block.hash.eq_ignore_ascii_case(&tx.block_hash)
}

/// The daily inputs of the models, one row per (chain, day, source).
#[async_trait]
pub trait DailyMetricsStore: Send + Sync {
    /// Writes daily rows, all or nothing. A row is keyed by (chain, day, source).
    async fn write_daily_metrics(&self, rows: &[DailyMetrics]) -> Result<()>;
    /// Rows with `from <= day <= to`, ascending by day then source.
    async fn daily_metrics(
        &self,
        chain: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<DailyMetrics>>;
    /// First and last day with daily metrics.
    async fn daily_coverage(&self, chain: &str) -> Result<Option<(NaiveDate, NaiveDate)>>;
    /// First and last day with daily metrics from one source (where a
    /// source's next sync starts).
    async fn daily_source_coverage(
        &self,
        chain: &str,
        source: &str,
    ) -> Result<Option<(NaiveDate, NaiveDate)>>;
}

/// What [`IndexStore::write_index`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexWrite {
    /// This call published the snapshot.
    Written,
    /// The same (date, version) with the same body was there already
    /// (another publisher wrote it first): nothing was written.
    AlreadyPublished,
}

/// Published daily indices: immutable snapshots.
#[async_trait]
pub trait IndexStore: Send + Sync {
    /// Publishes a snapshot. Snapshots are immutable: re-writing the same
    /// (date, version) with the same body writes nothing and says so, with
    /// another body it is [`StoreError::Conflict`].
    async fn write_index(&self, snapshot: &IndexSnapshot) -> Result<IndexWrite>;
    /// One snapshot; `version: None` means the latest version of that date.
    async fn index(&self, date: NaiveDate, version: Option<u32>) -> Result<Option<IndexSnapshot>>;
    async fn indices(&self) -> Result<Vec<IndexListing>>;
}

/// One row of a named lease: who claimed it, until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub name: String,
    pub holder: String,
    /// Unix milliseconds; 0 for a lease given up.
    pub expires_at_ms: i64,
    /// Of the rows written for a name, the greatest version is the lease.
    pub version: u64,
}

/// Leases: how several `serve` instances on one store agree which of them
/// runs the background work. No backend offers a compare-and-set that
/// both share (ClickHouse has none), so a lease is the last write: every
/// claim is a row, the row with the greatest version wins, and a claimant
/// reads back after its writes have settled to learn whether it won
/// (`blockwatt_service::lease`).
#[async_trait]
pub trait LeaseStore: Send + Sync {
    /// The row with the greatest version, if any was written.
    async fn lease(&self, name: &str) -> Result<Option<Lease>>;
    /// Writes a row; one with a version not above the stored one's is
    /// kept out (SQLite) or loses at every read (ClickHouse's `FINAL`).
    async fn write_lease(&self, lease: &Lease) -> Result<()>;
}

/// Everything blockwatt keeps: every role at once, as a backend provides
/// it. Callers that need one role take that trait, so a test double
/// implements only what it stands in for.
pub trait Store: StoreAdmin + BlockStore + DailyMetricsStore + IndexStore + LeaseStore {}

impl<T: StoreAdmin + BlockStore + DailyMetricsStore + IndexStore + LeaseStore + ?Sized> Store
    for T
{
}

/// Opens (and for SQLite creates) the store named by `url`, proving it
/// answers. Migrations are the caller's choice.
pub async fn open(url: &DatabaseUrl) -> Result<Arc<dyn Store>> {
    match url {
        DatabaseUrl::Sqlite { path } => Ok(Arc::new(sqlite::SqliteStore::open(path).await?)),
        DatabaseUrl::ClickHouse { .. } => {
            Ok(Arc::new(clickhouse::ClickHouseStore::connect(url).await?))
        }
    }
}

/// Rejects a batch whose parts disagree on the chain, or whose logs name
/// a block it does not hold: a bug upstream must not be able to write one
/// chain's blocks under another's checkpoint, or logs under another block.
pub(crate) fn check_batch(batch: &BlockBatch) -> Result<()> {
    let chain = &batch.checkpoint.chain;
    if let Some(b) = batch.blocks.iter().find(|b| &b.chain != chain) {
        return Err(StoreError::Invalid(format!(
            "batch for chain {chain} holds block {} of chain {}",
            b.height, b.chain
        )));
    }
    if let Some(t) = batch.transactions.iter().find(|t| &t.chain != chain) {
        return Err(StoreError::Invalid(format!(
            "batch for chain {chain} holds transaction {} of chain {}",
            t.txid, t.chain
        )));
    }
    // One block a height: a batch's blocks are written with one version,
    // which is what tells a height's writes apart (ClickHouse's
    // `contract_blocks`).
    let mut heights = std::collections::HashSet::new();
    if let Some(b) = batch.blocks.iter().find(|b| !heights.insert(b.height)) {
        return Err(StoreError::Invalid(format!(
            "batch for chain {chain} holds two blocks at height {}",
            b.height
        )));
    }
    let held: std::collections::HashSet<(u64, &str)> = batch
        .blocks
        .iter()
        .map(|b| (b.height, b.hash.as_str()))
        .collect();
    for l in &batch.logs {
        if !held.contains(&(l.block_height, l.block_hash.as_str())) {
            return Err(StoreError::Invalid(format!(
                "batch for chain {chain} holds logs of block {} {} that it does not hold",
                l.block_height, l.block_hash
            )));
        }
        for c in &l.contracts {
            if contract_bytes(&c.contract)? == LOGS_RECORDED {
                return Err(StoreError::Invalid(format!(
                    "block {}: the zero address emits no logs",
                    l.block_height
                )));
            }
        }
    }
    Ok(())
}

pub(crate) fn index_conflict(date: NaiveDate, version: u32) -> StoreError {
    StoreError::Conflict(format!(
        "index {date} version {version} is already published with other content; publish a new version"
    ))
}

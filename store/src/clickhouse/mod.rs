//! The ClickHouse backend.
//!
//! Every table is a `ReplacingMergeTree(version)`: a re-write is a new row
//! with a higher version, a delete is a tombstone row (`is_deleted = 1`),
//! and reads go through `FINAL` so only the newest version of each key is
//! seen. The large sums behind a contract's days are read without `FINAL`
//! where the parts read hold each key once, as their names and heights
//! show (`without_final`). There are no transactions, so multi-table
//! writes are ordered such that a crash between two inserts leaves the
//! store safe to resume (see `write_batch` and `rollback_above`).

pub mod rows;
pub mod schema;
pub mod sql;
pub mod without_final;

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use blockwatt_domain::{Block, BlockBatch, Checkpoint, DailyMetrics, IndexSnapshot, Transaction};
use chrono::NaiveDate;
use clickhouse::{sql::Identifier, Client, Row};
use serde::Serialize;

use self::rows::{
    date_text, from_ch_date, to_ch_date, to_ch_time, BlockDayRow, BlockHourRow, BlockPartDayRow,
    BlockRow, CheckpointRow, ContractBlockRow, ContractDayRow, ContractDaysRow, ContractPartDayRow,
    ContractUseRow, CoverageRow, DailyRow, HeightSpanRow, IndexRow, LeaseRow, LiveWriteRow,
    TotalsRow, TransactionRow, TransactionTotalsRow, TxidBlockRow,
};
use self::schema::Layout;
use crate::{
    check_batch, contract_bytes, index_conflict, BlockStore, BlockTotals, ContractBlockUse,
    ContractDayTotals, ContractUses, DailyMetricsStore, DatabaseUrl, Hash32, IndexListing,
    IndexStore, IndexWrite, Lease, LeaseStore, Result, StoreAdmin, StoreError, TransactionTotals,
    VersionClock, LOGS_RECORDED,
};

/// The `contract_blocks` rows of a batch whose blocks are written with
/// `version`: each block's contracts, and its mark under the zero address
/// that its logs were read.
fn contract_block_rows(batch: &BlockBatch, version: u64) -> Result<Vec<ContractBlockRow>> {
    let chain = &batch.checkpoint.chain;
    let block_version = ContractBlockRow::block_version(version);
    let mut rows = Vec::new();
    for l in &batch.logs {
        let row = |contract: [u8; 20], transactions: u32, gas_used: u64| ContractBlockRow {
            chain: chain.clone(),
            contract,
            block_height: l.block_height,
            block_version,
            transactions,
            gas_used,
        };
        rows.push(row(LOGS_RECORDED, 0, 0));
        for c in &l.contracts {
            rows.push(row(
                contract_bytes(&c.contract)?,
                c.transactions,
                c.gas_used,
            ));
        }
    }
    Ok(rows)
}

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

pub struct ClickHouseStore {
    client: Client,
    database: String,
    layout: Layout,
    versions: VersionClock,
    /// Per chain, the version its last block write took and the highest
    /// height it wrote: see [`ClickHouseStore::block_version_for`].
    extending: std::sync::Mutex<HashMap<String, (u64, u64)>>,
}

impl ClickHouseStore {
    /// Connects, proves the server answers, and creates the database if it
    /// does not exist yet.
    pub async fn connect(url: &DatabaseUrl) -> Result<Self> {
        let DatabaseUrl::ClickHouse {
            endpoint,
            database,
            user,
            password,
            cluster,
        } = url
        else {
            return Err(StoreError::InvalidUrl {
                url: url.redacted(),
                reason: "not a ClickHouse URL".into(),
            });
        };
        let unreachable = |reason: String| StoreError::Unreachable {
            url: url.redacted(),
            reason,
        };
        // 18.16 rejects the settings the crate's schema validation sends.
        let mut server = Client::default()
            .with_url(endpoint.as_str())
            .with_validation(false);
        if let Some(user) = user {
            server = server.with_user(user.as_str());
        }
        if let Some(password) = password {
            server = server.with_password(password.as_str());
        }
        let ping = server.query(&sql::select_one()).fetch_one::<u8>();
        match tokio::time::timeout(CONNECT_TIMEOUT, ping).await {
            Err(_) => return Err(unreachable(format!("no answer within {CONNECT_TIMEOUT:?}"))),
            Ok(Err(e)) => return Err(unreachable(error_chain(&e))),
            Ok(Ok(_)) => {}
        }
        let layout = match cluster {
            None => Layout::Single,
            Some(c) => Layout::Cluster {
                cluster: c.clone(),
                database: database.clone(),
            },
        };
        let create = match &layout {
            Layout::Single => server
                .query(&layout.create_database())
                .bind(Identifier(database)),
            Layout::Cluster { .. } => server.query(&layout.create_database()),
        };
        if let Layout::Cluster { .. } = layout {
            // An insert returns once each shard holds its rows (not later,
            // from a queue), and reads and writes go to the first healthy
            // replica of each shard, so a client reads what it wrote; when
            // that replica is down both move to the next.
            server = server
                .with_setting("insert_distributed_sync", "1")
                .with_setting("load_balancing", "in_order");
        }
        create.execute().await.map_err(|e| {
            unreachable(format!(
                "cannot create database {database}: {}",
                error_chain(&e)
            ))
        })?;
        Ok(ClickHouseStore {
            client: server.with_database(database.as_str()),
            database: database.clone(),
            layout,
            versions: VersionClock::default(),
            extending: std::sync::Mutex::default(),
        })
    }

    pub fn database(&self) -> &str {
        &self.database
    }

    fn next_version(&self) -> u64 {
        self.versions.next()
    }

    /// The version for a batch's blocks. A write that only extends what
    /// this store last wrote of the chain (its lowest height right above
    /// that write's highest, and no block row stored at its heights)
    /// takes that write's version again; any other takes a new one.
    ///
    /// A version tells the writes of one height apart: a new one is
    /// needed where rows already are, and a height nobody wrote can take
    /// any. Reusing it where it can be is what lets `contract_blocks`'
    /// `block_version` repeat along a contract's run of blocks when a
    /// follower writes them one at a time (3.2 B a transaction with a
    /// version per block, 0.8 B with it reused, bench/README.md). Rows a
    /// failed write left behind never share the version of a later one: a
    /// failure, a rollback or a restart forgets the last write, so the
    /// next write after them takes a new version.
    async fn block_version_for(&self, batch: &BlockBatch) -> Result<u64> {
        let heights = batch.blocks.iter().map(|b| b.height);
        let (Some(low), Some(high)) = (heights.clone().min(), heights.max()) else {
            return Ok(self.next_version());
        };
        let last = self.last_write(&batch.checkpoint.chain);
        if let Some((version, top)) = last {
            if top.checked_add(1) == Some(low) {
                let stored = self
                    .client
                    .query(&sql::count_blocks_stored())
                    .bind(&batch.checkpoint.chain)
                    .bind(low)
                    .bind(high)
                    .fetch_one::<u64>()
                    .await?;
                if stored == 0 {
                    return Ok(version);
                }
            }
        }
        Ok(self.next_version())
    }

    /// Writes a batch whose blocks take `version`.
    async fn write_batch_as(&self, batch: &BlockBatch, version: u64) -> Result<()> {
        let blocks = batch
            .blocks
            .iter()
            .map(|b| BlockRow::new(b, version))
            .collect::<Result<Vec<_>>>()?;
        let time_of: HashMap<u64, u32> = batch
            .blocks
            .iter()
            .zip(&blocks)
            .map(|(b, row)| (b.height, row.time))
            .collect();
        let txs = batch
            .transactions
            .iter()
            .map(|t| {
                let time = time_of.get(&t.block_height).copied().unwrap_or(0);
                TransactionRow::new(t, version, time)
            })
            .collect::<Result<Vec<_>>>()?;
        // Data first, checkpoint last: a crash in between leaves the old
        // checkpoint, the restart re-writes the same keys, FINAL shows one.
        // The transactions go side by side with the rest (each INSERT
        // costs a round trip and a part on disk); the checkpoint waits for
        // all. A block's logs go before the block: kept per-day sums are
        // keyed by the blocks' versions, so a read that sees a block
        // written sees its logs too, and never keeps a day's sums without
        // them under the new key.
        // So are the heights of each hour's blocks, for the same reason:
        // a read by time that sees a block found it through them.
        let uses = contract_block_rows(batch, version)?;
        let hours = BlockHourRow::of(&blocks);
        tokio::try_join!(self.insert_transactions(&txs), async {
            tokio::try_join!(
                self.insert("contract_blocks", &uses),
                self.insert("block_hours", &hours)
            )?;
            self.insert("blocks", &blocks).await
        })?;
        let c = &batch.checkpoint;
        self.insert(
            "checkpoints",
            &[CheckpointRow {
                chain: c.chain.clone(),
                source: c.source.clone(),
                height: c.height,
                hash: c.hash.clone(),
                updated_at: now_u32(),
                version: self.next_version(),
                is_deleted: 0,
            }],
        )
        .await
    }

    fn last_write(&self, chain: &str) -> Option<(u64, u64)> {
        self.extending
            .lock()
            .ok()
            .and_then(|last| last.get(chain).copied())
    }

    /// Records what a chain's last block write was (`None`: forget it, so
    /// the next write takes a new version).
    fn remember_write(&self, chain: &str, write: Option<(u64, u64)>) {
        if let Ok(mut last) = self.extending.lock() {
            match write {
                Some(w) => last.insert(chain.to_owned(), w),
                None => last.remove(chain),
            };
        }
    }

    async fn insert<T>(&self, table: &str, rows: &[T]) -> Result<()>
    where
        T: Row + Serialize + for<'a> Row<Value<'a> = T>,
    {
        if rows.is_empty() {
            return Ok(());
        }
        let mut insert = self.client.insert::<T>(table).await?;
        for row in rows {
            insert.write(row).await?;
        }
        insert.end().await?;
        Ok(())
    }

    /// Transactions and their `txid_blocks` entries, side by side: an
    /// entry without its row is harmless (a lookup confirms against the
    /// row), a row without its entry is re-written by the next run of its
    /// batch.
    async fn insert_transactions(&self, rows: &[TransactionRow]) -> Result<()> {
        let index: Vec<TxidBlockRow> = rows.iter().map(TxidBlockRow::of).collect();
        tokio::try_join!(
            self.insert("block_transactions", rows),
            self.insert("txid_blocks", &index)
        )?;
        Ok(())
    }

    /// The stored time of each block `txs` name, where the block stored
    /// at that height has that hash (0 otherwise: a transaction looked up
    /// alone).
    async fn block_times(&self, txs: &[Transaction]) -> Result<Vec<u32>> {
        // Each chain's stored blocks over the heights its transactions name.
        let mut heights: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
        for t in txs {
            let span = heights
                .entry(t.chain.as_str())
                .or_insert((t.block_height, t.block_height));
            *span = (span.0.min(t.block_height), span.1.max(t.block_height));
        }
        let mut time_of: HashMap<(String, u64, String), i64> = HashMap::new();
        for (chain, (low, high)) in heights {
            for b in self.blocks(chain, low, high).await? {
                time_of.insert((b.chain, b.height, b.hash), b.time);
            }
        }
        txs.iter()
            .map(|t| {
                let key = (t.chain.clone(), t.block_height, t.block_hash.clone());
                time_of.get(&key).map_or(Ok(0), |&time| to_ch_time(time))
            })
            .collect()
    }

    async fn execute_all(&self, statements: &[String]) -> Result<()> {
        for statement in statements {
            self.client.query(statement).execute().await?;
        }
        Ok(())
    }

    /// Makes table `t` again from its definition when the stored one has
    /// other columns, another partition key or another sharding key
    /// ([`schema::Step::Rebuild`], [`schema::Step::Reshape`]): its rows
    /// carried to `NAME_rebuilding` by `carry`, the table made again, the
    /// rows copied back. Run again after being cut short, it goes on from
    /// where the tables are: a copy repeated only repeats rows of the same
    /// version, which merges and `FINAL` fold.
    async fn rebuild(&self, t: &schema::Table, carry: &schema::Carry) -> Result<()> {
        let name = t.name;
        let staging = schema::rebuild_staging(name);
        let mut staged = self.table_exists(&staging).await?;
        if self.table_exists(name).await? {
            let local = self.layout.local_name(name);
            let current = self
                .engine(&local)
                .await?
                .is_some_and(|e| schema::partitioned_by(&e, t.partition_by))
                && self.has_columns(&local, t).await?
                && match self.layout {
                    Layout::Single => true,
                    Layout::Cluster { .. } => self
                        .engine(name)
                        .await?
                        .is_some_and(|e| schema::shards_by(&e, t.shard_by)),
                };
            if current && !staged {
                return Ok(());
            }
            if !current {
                let rows = self
                    .client
                    .query(&format!("SELECT count() FROM {name}"))
                    .fetch_one::<u64>()
                    .await?;
                if rows > 0 || staged {
                    self.execute_all(&self.layout.create(t, &staging)).await?;
                    let carried: Vec<String> = self
                        .carry_runs(name, carry)
                        .await?
                        .into_iter()
                        .map(|select| format!("INSERT INTO {staging} {select}"))
                        .collect();
                    self.execute_all(&carried).await?;
                    staged = true;
                }
                self.execute_all(&self.layout.drop(name)).await?;
            }
        }
        // Creates whatever of the table is missing.
        self.execute_all(&self.layout.create(t, name)).await?;
        if staged {
            self.execute_all(&[format!("INSERT INTO {name} {}", schema::copy_all(&staging))])
                .await?;
            self.execute_all(&self.layout.drop(&staging)).await?;
        }
        Ok(())
    }

    /// The statements that carry table `name`'s rows: one, or one per
    /// chain and run of heights of the rows stored (a run cut short is
    /// carried again whole on the next try, and its rows, the same, fold
    /// into one). For a [`schema::Step::Reshape`] they are `SELECT`s, for
    /// a [`schema::Step::SqlByHeights`] whole statements.
    async fn carry_runs(&self, name: &str, carry: &schema::Carry) -> Result<Vec<String>> {
        if let schema::Carry::Whole(_) = carry {
            return Ok(vec![carry.whole()]);
        }
        let chains = self
            .client
            .query(&format!(
                "SELECT chain, min(block_height), max(block_height) FROM {name} \
                 GROUP BY chain ORDER BY chain"
            ))
            .fetch_all::<(String, u64, u64)>()
            .await?;
        Ok(chains
            .iter()
            .flat_map(|(chain, low, high)| {
                schema::height_runs(*low, *high, schema::CARRY_RUN_HEIGHTS)
                    .into_iter()
                    .map(|(low, high)| carry.run(chain, low, high))
            })
            .collect())
    }

    /// Whether table `name` of this database has `t`'s columns (names and
    /// types, in any order).
    async fn has_columns(&self, name: &str, t: &schema::Table) -> Result<bool> {
        let mut stored = self
            .client
            .query(
                "SELECT name, type FROM system.columns \
                 WHERE database = currentDatabase() AND table = ?",
            )
            .bind(name)
            .fetch_all::<(String, String)>()
            .await?;
        let mut wanted: Vec<(String, String)> = schema::columns_of(t)
            .into_iter()
            .map(|(n, ty)| (n.to_owned(), ty.to_owned()))
            .collect();
        stored.sort_unstable();
        wanted.sort_unstable();
        Ok(stored == wanted)
    }

    /// The `engine_full` of table `name` in this database, if it exists.
    async fn engine(&self, name: &str) -> Result<Option<String>> {
        Ok(self
            .client
            .query(
                "SELECT engine_full FROM system.tables \
                 WHERE database = currentDatabase() AND name = ?",
            )
            .bind(name)
            .fetch_all::<String>()
            .await?
            .into_iter()
            .next())
    }

    async fn table_exists(&self, name: &str) -> Result<bool> {
        Ok(self
            .client
            .query("EXISTS TABLE ?")
            .bind(Identifier(name))
            .fetch_one::<u8>()
            .await?
            == 1)
    }

    /// A txid's transaction, and with `with_block` the stored block at
    /// its height where it has the transaction's block hash.
    async fn find_transaction(
        &self,
        chain: &str,
        txid: &str,
        with_block: bool,
    ) -> Result<Option<(Transaction, Option<Block>)>> {
        let Some(wanted) = Hash32::parse(txid) else {
            return Ok(None);
        };
        let heights = point_read(self.client.query(&sql::select_txid_blocks()))
            .bind(chain)
            .bind(wanted.prefix_digits())
            .fetch_all::<u64>()
            .await?;
        for height in heights {
            let rows = point_read(self.client.query(&sql::select_transaction_in_block()))
                .bind(chain)
                .bind(height)
                .bind(wanted.digits())
                .fetch_all::<TransactionRow>();
            let rows = async { Ok::<_, StoreError>(rows.await?) };
            let (rows, block) = if with_block {
                tokio::try_join!(rows, self.block(chain, height))?
            } else {
                (rows.await?, None)
            };
            if let Some(row) = rows.into_iter().next() {
                let tx = row.into_transaction();
                let block = block.filter(|b| crate::names_block(&tx, b));
                return Ok(Some((tx, block)));
            }
        }
        Ok(None)
    }

    /// The heights around a time range's blocks (see
    /// [`sql::select_height_span_in_time`]); `None` when no block was
    /// written with a time in its hours.
    async fn height_span_in_time(
        &self,
        chain: &str,
        from: i64,
        to: i64,
    ) -> Result<Option<TimeSpan>> {
        let (from, to) = (from.clamp(0, u32::MAX as i64), to.clamp(0, u32::MAX as i64));
        if to <= from {
            return Ok(None);
        }
        let span = self
            .client
            .query(&sql::select_height_span_in_time())
            .bind(chain)
            .bind(from / 3_600)
            .bind((to - 1) / 3_600)
            .fetch_one::<HeightSpanRow>()
            .await?;
        Ok((span.rows > 0).then_some(TimeSpan {
            low: span.low,
            high: span.high,
            from,
            to,
        }))
    }

    /// The live blocks of `span` per UTC day, its runs of heights
    /// ([`block_day_runs`]) read side by side. A period that reaches the
    /// last hour has its newest run read with `FINAL` straight away: a
    /// follower's newest blocks are in parts no merge has made yet, and a
    /// read that finds such a part pays for both statements (bench/README.md).
    async fn block_days(&self, chain: &str, span: &TimeSpan) -> Result<Vec<BlockDayRow>> {
        let recent = span.to > i64::from(now_u32()) - 3_600;
        let runs = block_day_runs(span.low, span.high);
        let newest = runs.len().saturating_sub(1);
        let mut reads = tokio::task::JoinSet::new();
        for (i, (low, high)) in runs.into_iter().enumerate() {
            let run = TimeSpan { low, high, ..*span };
            let (client, chain) = (self.client.clone(), chain.to_owned());
            let by_part = (!(recent && i == newest)).then(|| self.layout.clone());
            reads
                .spawn(async move { run_block_days(&client, &chain, run, by_part.as_ref()).await });
        }
        let mut parts = Vec::new();
        while let Some(read) = reads.join_next().await {
            let read = read.map_err(|e| StoreError::Task(format!("a read of block days: {e}")))?;
            parts.push(read?);
        }
        Ok(merge_block_days(parts))
    }

    async fn blocks_where(
        &self,
        sql: String,
        bind: impl FnOnce(clickhouse::query::Query) -> clickhouse::query::Query,
    ) -> Result<Vec<Block>> {
        let rows = bind(self.client.query(&sql))
            .fetch_all::<BlockRow>()
            .await?;
        Ok(rows.into_iter().map(BlockRow::into_block).collect())
    }
}

/// The most days [`ClickHouseStore::contract_days`] sums in one query.
const DAYS_PER_SUM: usize = 31;

/// Whether UTC day `day_number` (days since 1970-01-01) ended an hour
/// ago or more. Only such a day's sums are kept: today's blocks keep
/// coming, and each would leave a row that no read matches again. (A
/// late block is still safe: it changes the day's key.)
fn day_is_over(day_number: u32) -> bool {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    (u64::from(day_number) + 1) * 86_400 + 3_600 <= now
}

/// The most months of a contract's days summed at once on a first read.
/// 18.16 merges each month's `FINAL` on about one thread. When each month
/// was a join of its blocks, a BNB Smart Chain-sized year's first read on
/// a 2-core server took a median of 54.6 s one month at a time and 46.7 s
/// two at a time (three rounds on one store), with the server's peak
/// memory 0.72 GB and 1.27 GB; four at a time was not measurably faster
/// than two and peaked at 2.39 GB. Read by writes instead of joined
/// ([`contract_run_uses`]), two at a time took 13.9 s and 0.20 GB
/// (bench/README.md).
const MONTHS_SIDE_BY_SIDE: usize = 2;

/// The most live writes (a write's blocks of one day count once per day)
/// a run reads without joining its blocks
/// ([`sql::select_contract_days_by_writes`], measured up to 500); a run
/// with more (a month of many reorgs or restarts) is joined instead, and
/// the statement stays well within 18.16's 256 KiB (`max_query_size`).
const MOST_WRITES_WITHOUT_JOIN: usize = 512;

/// The [`ContractDayRow`]s of a run of days (`run`, at least one), over
/// its heights: without a join where each of the run's live writes holds
/// every height of its range (the usual case), joined otherwise. A day
/// one write holds is that write (as a backfill, or a follower between
/// reorgs and restarts, writes); the writes of the other days are read,
/// over those days' heights only. Summed without `FINAL` first where its
/// rows may hold each key once (`by_part`, the store's layout: the run's
/// days are over, so merges have had time to fold their parts).
async fn contract_run_uses(
    client: &Client,
    chain: &str,
    digits: &str,
    run: &[BlockDayRow],
    by_part: Option<&Layout>,
) -> Result<Vec<ContractDayRow>> {
    let low = run.iter().map(|d| d.first_height).min().unwrap_or(0);
    let high = run.iter().map(|d| d.last_height).max().unwrap_or(0);
    let (mut writes, shared) = days_as_writes(run);
    if !shared.is_empty() {
        let ranges: Vec<(u64, u64)> = shared
            .iter()
            .map(|d| (d.first_height, d.last_height))
            .collect();
        let read = client
            .query(&sql::select_live_block_writes(&ranges))
            .bind(chain)
            .fetch_all::<LiveWriteRow>()
            .await?;
        writes.extend(writes_of_days(read, &shared));
    }
    let by_writes = writes_hold_their_ranges(&writes);
    if let Some(layout) = by_part.filter(|_| by_writes) {
        let rows = client
            .query(&sql::select_contract_part_days_by_writes(&writes, layout))
            .bind(chain)
            .bind(digits)
            .bind(low)
            .bind(high)
            .fetch_all::<ContractPartDayRow>()
            .await?;
        if let Some(days) = without_final::contract_days(&rows) {
            return Ok(days);
        }
    }
    let query = if by_writes {
        client
            .query(&sql::select_contract_days_by_writes(&writes))
            .bind(chain)
            .bind(digits)
            .bind(low)
            .bind(high)
    } else {
        client
            .query(&sql::select_contract_days())
            .bind(chain)
            .bind(digits)
            .bind(low)
            .bind(high)
            .bind(chain)
            .bind(low)
            .bind(high)
    };
    Ok(query.fetch_all::<ContractDayRow>().await?)
}

/// A run's days split: each day one write holds, as that write, and the
/// days whose writes must be read.
fn days_as_writes(run: &[BlockDayRow]) -> (Vec<LiveWriteRow>, Vec<&BlockDayRow>) {
    let mut writes = Vec::new();
    let mut shared = Vec::new();
    for d in run {
        match d.one_write() {
            Some(w) => writes.push(w),
            None => shared.push(d),
        }
    }
    (writes, shared)
}

/// The writes of `days` among those read over their heights: a day's
/// live blocks all lie within its first and last height, so its groups
/// there are whole; a group of another day met in those heights (a block
/// whose time is out of height order) is that day's own write's part,
/// already counted, and is left out.
fn writes_of_days(read: Vec<LiveWriteRow>, days: &[&BlockDayRow]) -> Vec<LiveWriteRow> {
    read.into_iter()
        .filter(|w| days.iter().any(|d| d.day_number == w.day_number))
        .collect()
}

/// Whether each of `writes` holds the live block of every height from its
/// lowest to its highest (a height written again, rolled back or never
/// stored inside a write's range breaks it), and they are few enough to
/// test each row against.
fn writes_hold_their_ranges(writes: &[LiveWriteRow]) -> bool {
    !writes.is_empty()
        && writes.len() <= MOST_WRITES_WITHOUT_JOIN
        && writes
            .iter()
            .all(|w| w.high >= w.low && w.high - w.low + 1 == w.blocks)
}

/// The runs of days without kept sums, as `start..end` indices: each at
/// most `DAYS_PER_SUM` consecutive days, in order.
fn month_runs<T>(sums: &[Option<T>]) -> Vec<(usize, usize)> {
    let mut runs = Vec::new();
    let mut next = 0;
    while let Some(start) = (next..sums.len()).find(|&i| sums[i].is_none()) {
        let end = (start..sums.len().min(start + DAYS_PER_SUM))
            .find(|&i| sums[i].is_some())
            .unwrap_or(sums.len().min(start + DAYS_PER_SUM));
        runs.push((start, end));
        next = end;
    }
    runs
}

/// A contract's sums for each day of `run`, from the rows of
/// [`sql::select_contract_days`] over the run's heights: the day's blocks
/// as read, with the contract's part (mark 0) and the count of its blocks
/// whose logs were recorded (mark 1).
fn contract_day_sums(
    chain: &str,
    contract: [u8; 20],
    run: &[BlockDayRow],
    uses: &[ContractDayRow],
) -> Vec<ContractDaysRow> {
    run.iter()
        .map(|d| {
            let mut k = ContractDaysRow {
                chain: chain.to_owned(),
                contract,
                day: d.day_number,
                blocks: d.blocks,
                first_height: d.first_height,
                last_height: d.last_height,
                blocks_version: d.blocks_version,
                recorded_blocks: 0,
                transactions: 0,
                gas_used: 0,
            };
            for u in uses.iter().filter(|u| u.day_number == d.day_number) {
                if u.mark == 1 {
                    k.recorded_blocks = u.blocks.min(d.blocks);
                } else {
                    k.transactions = u.transactions;
                    k.gas_used = u.gas_used;
                }
            }
            k
        })
        .collect()
}

/// A time range and the heights its blocks lie within: what the reads of
/// blocks by time bind after the chain.
#[derive(Clone, Copy)]
struct TimeSpan {
    low: u64,
    high: u64,
    from: i64,
    to: i64,
}

impl TimeSpan {
    fn bind(&self, query: clickhouse::query::Query) -> clickhouse::query::Query {
        query
            .bind(self.low)
            .bind(self.high)
            .bind(self.from)
            .bind(self.to)
    }
}

/// The most queries a period's per-day block sums are split into.
const BLOCK_DAY_QUERIES: u64 = 4;
/// The fewest heights one of those queries sums.
const BLOCK_DAY_QUERY_HEIGHTS: u64 = 1_000_000;

/// The runs of heights a period's per-day block sums are read in, side by
/// side: 18.16 merges `FINAL` on one thread per query, so a year of BNB
/// Smart Chain (42 million blocks) took 6.2 s in one query and 3.1 s in
/// two at once on two cores (bench/README.md). A day's blocks stay one
/// query.
fn block_day_runs(low: u64, high: u64) -> Vec<(u64, u64)> {
    let heights = high.saturating_sub(low).saturating_add(1);
    let queries = (heights / BLOCK_DAY_QUERY_HEIGHTS).clamp(1, BLOCK_DAY_QUERIES);
    schema::height_runs(low, high, heights.div_ceil(queries))
}

/// A run's live blocks per UTC day: summed without `FINAL` where its
/// rows hold each height once (`by_part`, the store's layout:
/// [`without_final::live_block_days`]), merged with `FINAL` otherwise.
async fn run_block_days(
    client: &Client,
    chain: &str,
    run: TimeSpan,
    by_part: Option<&Layout>,
) -> Result<Vec<BlockDayRow>> {
    if let Some(layout) = by_part {
        let rows = client
            .query(&sql::select_block_days_by_part(layout))
            .bind(run.from)
            .bind(run.to)
            .bind(chain)
            .bind(run.low)
            .bind(run.high)
            .fetch_all::<BlockPartDayRow>()
            .await?;
        if let Some(days) = without_final::live_block_days(&rows) {
            return Ok(days);
        }
    }
    let query = run.bind(client.query(&sql::select_block_days()).bind(chain));
    Ok(query.fetch_all::<BlockDayRow>().await?)
}

/// Per-day sums read in runs of heights (or parts), as one: a day that
/// two runs share is added up.
fn merge_block_days(parts: Vec<Vec<BlockDayRow>>) -> Vec<BlockDayRow> {
    let mut days: BTreeMap<u32, BlockDayRow> = BTreeMap::new();
    for d in parts.into_iter().flatten() {
        match days.get_mut(&d.day_number) {
            None => {
                days.insert(d.day_number, d);
            }
            Some(m) => {
                m.blocks += d.blocks;
                m.first_height = m.first_height.min(d.first_height);
                m.last_height = m.last_height.max(d.last_height);
                m.transactions += d.transactions;
                m.gas_used += d.gas_used;
                m.blocks_version = m.blocks_version.max(d.blocks_version);
                m.first_version = m.first_version.min(d.first_version);
            }
        }
    }
    days.into_values().collect()
}

/// A read of one key (a block, a txid): one thread. With the server's
/// default of one per core, 18.16 split the one or two granules such a
/// read touches between threads and merged them back, and a block read
/// by height took 10.9 ms instead of 7.0 (100 million transactions,
/// bench/README.md).
fn point_read(query: clickhouse::query::Query) -> clickhouse::query::Query {
    query.with_setting("max_threads", "1")
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

fn now_u32() -> u32 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as u32)
        .unwrap_or(0)
}

#[async_trait]
impl StoreAdmin for ClickHouseStore {
    fn backend(&self) -> &'static str {
        "clickhouse"
    }

    async fn migrate(&self) -> Result<Vec<u32>> {
        let applied = self.applied_migrations().await?;
        let mut newly = Vec::new();
        for m in schema::MIGRATIONS
            .iter()
            .filter(|m| !applied.contains(&m.version))
        {
            // Every statement is IF NOT EXISTS, so a migration cut short is
            // simply run again: it is recorded only once all of it is in.
            for step in m.steps {
                match step {
                    schema::Step::Sql { needs, .. }
                    | schema::Step::SqlByHeights { needs, .. }
                    | schema::Step::Require { needs, .. }
                        if !self.table_exists(needs).await? =>
                    {
                        continue
                    }
                    schema::Step::Require { count, problem, .. } => {
                        let refused = self.client.query(count).fetch_one::<u64>().await?;
                        if refused > 0 {
                            return Err(StoreError::Invalid(format!(
                                "migration {} ({}): {refused} {problem}",
                                m.version, m.name
                            )));
                        }
                    }
                    schema::Step::SqlByHeights { needs, sql } => {
                        let runs = self
                            .carry_runs(needs, &schema::Carry::ByHeights(sql))
                            .await?;
                        self.execute_all(&runs).await?;
                    }
                    step => {
                        if let Some((t, carry)) = step.rebuild() {
                            self.rebuild(t, &carry).await?;
                        }
                    }
                }
                for statement in self.layout.statements(step) {
                    self.client.query(&statement).execute().await?;
                }
            }
            #[derive(Row, Serialize)]
            struct MigrationRow<'a> {
                version: u32,
                name: &'a str,
                applied_at: u32,
            }
            let mut insert = self
                .client
                .insert::<MigrationRow<'_>>("schema_migrations")
                .await?;
            insert
                .write(&MigrationRow {
                    version: m.version,
                    name: m.name,
                    applied_at: now_u32(),
                })
                .await?;
            insert.end().await?;
            newly.push(m.version);
        }
        Ok(newly)
    }

    async fn applied_migrations(&self) -> Result<Vec<u32>> {
        self.client
            .query(&self.layout.create_migrations_table())
            .execute()
            .await?;
        Ok(self
            .client
            .query(&sql::select_applied_migrations())
            .fetch_all::<u32>()
            .await?)
    }

    async fn ping(&self) -> Result<()> {
        self.client
            .query(&sql::select_one())
            .fetch_one::<u8>()
            .await?;
        Ok(())
    }
}

#[async_trait]
impl BlockStore for ClickHouseStore {
    async fn write_batch(&self, batch: &BlockBatch) -> Result<()> {
        check_batch(batch)?;
        let chain = &batch.checkpoint.chain;
        // Forgotten until this write is all in: a failure anywhere below
        // leaves the next write to take a new version.
        let version = self.block_version_for(batch).await?;
        self.remember_write(chain, None);
        let written = self.write_batch_as(batch, version).await;
        if written.is_ok() {
            let top = batch.blocks.iter().map(|b| b.height).max();
            self.remember_write(chain, top.map(|top| (version, top)));
        }
        written
    }

    async fn block(&self, chain: &str, height: u64) -> Result<Option<Block>> {
        let found = self
            .blocks_where(sql::select_block_at(), |q| {
                point_read(q).bind(chain).bind(height)
            })
            .await?;
        Ok(found.into_iter().next())
    }

    async fn block_by_hash(&self, chain: &str, hash: &str) -> Result<Option<Block>> {
        let found = self
            .blocks_where(sql::select_block_by_hash(), |q| q.bind(chain).bind(hash))
            .await?;
        Ok(found.into_iter().next())
    }

    async fn blocks(&self, chain: &str, from: u64, to: u64) -> Result<Vec<Block>> {
        self.blocks_where(sql::select_blocks_range(), |q| {
            q.bind(chain).bind(from).bind(to)
        })
        .await
    }

    async fn blocks_in_time(&self, chain: &str, from: i64, to: i64) -> Result<Vec<Block>> {
        let Some(span) = self.height_span_in_time(chain, from, to).await? else {
            return Ok(Vec::new());
        };
        self.blocks_where(sql::select_blocks_in_time(), |q| span.bind(q.bind(chain)))
            .await
    }

    async fn block_transaction_totals(
        &self,
        chain: &str,
        height: u64,
        hash: &str,
    ) -> Result<TransactionTotals> {
        let Some(hash) = Hash32::parse(hash) else {
            return Ok(TransactionTotals::default());
        };
        let row = self
            .client
            .query(&sql::select_block_transaction_totals())
            .bind(chain)
            .bind(height)
            .bind(hash.digits())
            .fetch_one::<TransactionTotalsRow>()
            .await?;
        Ok(TransactionTotals {
            transactions: row.transactions,
            vsize: row.vsize,
            gas_used: row.gas_used,
        })
    }

    async fn block_totals_in_time(&self, chain: &str, from: i64, to: i64) -> Result<BlockTotals> {
        let Some(span) = self.height_span_in_time(chain, from, to).await? else {
            return Ok(BlockTotals::default());
        };
        let row = span
            .bind(
                self.client
                    .query(&sql::select_block_totals_in_time())
                    .bind(chain),
            )
            .fetch_one::<TotalsRow>()
            .await?;
        Ok(BlockTotals {
            blocks: row.blocks,
            size_bytes: row.size_bytes,
            gas_used: row.gas_used,
            tx_count: row.tx_count,
            fees_native: row.fees_native,
        })
    }

    async fn tip(&self, chain: &str) -> Result<Option<Block>> {
        let found = self
            .blocks_where(sql::select_tip(), |q| q.bind(chain))
            .await?;
        Ok(found.into_iter().next())
    }

    /// Two key ranges: the txid's blocks in `txid_blocks`, then each
    /// block's rows, highest first. Of a txid stored twice (Bitcoin's
    /// duplicate coinbases before BIP 30), the higher block's.
    async fn transaction(&self, chain: &str, txid: &str) -> Result<Option<Transaction>> {
        Ok(self
            .find_transaction(chain, txid, false)
            .await?
            .map(|(tx, _)| tx))
    }

    /// As [`ClickHouseStore::transaction`], each candidate block read
    /// beside its transactions: one round trip less.
    async fn transaction_with_block(
        &self,
        chain: &str,
        txid: &str,
    ) -> Result<Option<(Transaction, Option<Block>)>> {
        self.find_transaction(chain, txid, true).await
    }

    async fn write_transactions(&self, txs: &[Transaction]) -> Result<()> {
        let times = self.block_times(txs).await?;
        let version = self.next_version();
        let rows = txs
            .iter()
            .zip(times)
            .map(|(t, time)| TransactionRow::new(t, version, time))
            .collect::<Result<Vec<_>>>()?;
        self.insert_transactions(&rows).await
    }

    async fn contract_uses(
        &self,
        chain: &str,
        contract: &str,
        from: u64,
        to: u64,
    ) -> Result<ContractUses> {
        let digits = hex::encode(contract_bytes(contract)?);
        let recorded = self
            .client
            .query(&sql::select_logs_recorded())
            .bind(chain)
            .bind(from)
            .bind(to)
            .bind(chain)
            .bind(from)
            .bind(to)
            .fetch_one::<u64>();
        let uses = self
            .client
            .query(&sql::select_contract_uses())
            .bind(chain)
            .bind(&digits)
            .bind(from)
            .bind(to)
            .bind(chain)
            .bind(from)
            .bind(to)
            .fetch_all::<ContractUseRow>();
        let (recorded_blocks, rows) = tokio::try_join!(recorded, uses)?;
        Ok(ContractUses {
            recorded_blocks,
            uses: rows
                .into_iter()
                .map(|r| ContractBlockUse {
                    block_height: r.block_height,
                    transactions: r.transactions,
                    gas_used: r.gas_used,
                })
                .collect(),
        })
    }

    fn keeps_contract_days(&self) -> bool {
        true
    }

    /// Summed per day in the store: a year of a busy chain is millions of
    /// blocks, which the default would read one by one. A day's sums are
    /// kept (`contract_days`, migration 8) once its UTC day is over, and
    /// read back while its blocks are the ones they were summed over; the
    /// other days are summed from `contract_blocks`, one query per run of
    /// up to a month of consecutive days, several runs at once.
    async fn contract_days(
        &self,
        chain: &str,
        contract: &str,
        from: i64,
        to: i64,
    ) -> Result<Vec<ContractDayTotals>> {
        let contract_key = contract_bytes(contract)?;
        let digits = hex::encode(contract_key);
        let Some(span) = self.height_span_in_time(chain, from, to).await? else {
            return Ok(Vec::new());
        };
        let days = self.block_days(chain, &span).await?;
        let (Some(first), Some(last)) = (days.first(), days.last()) else {
            return Ok(Vec::new());
        };
        if days.iter().any(|d| d.last_height > u64::from(u32::MAX)) {
            // The query's join key keeps 32 bits for the height.
            return crate::contract_days_by_block(self, chain, contract, from, to).await;
        }
        let kept = self
            .client
            .query(&sql::select_kept_contract_days())
            .bind(chain)
            .bind(&digits)
            .bind(first.day_number)
            .bind(last.day_number)
            .fetch_all::<ContractDaysRow>()
            .await?;
        let mut sums: Vec<Option<ContractDaysRow>> = days
            .iter()
            .map(|d| kept.iter().find(|k| k.sums(d)).cloned())
            .collect();
        // A month at most per query, each kept as soon as summed: a first
        // read of years of a busy chain that runs out of time (the API's
        // request timeout) still leaves the months it summed, and the next
        // read goes on from there. Up to `MONTHS_SIDE_BY_SIDE` run at once.
        let mut runs = month_runs(&sums).into_iter();
        let mut reads = tokio::task::JoinSet::new();
        loop {
            while reads.len() < MONTHS_SIDE_BY_SIDE {
                let Some((start, end)) = runs.next() else {
                    break;
                };
                let run = days[start..end].to_vec();
                let client = self.client.clone();
                let (chain, digits) = (chain.to_owned(), digits.clone());
                let by_part = run
                    .iter()
                    .all(|d| day_is_over(d.day_number))
                    .then(|| self.layout.clone());
                reads.spawn(async move {
                    let uses =
                        contract_run_uses(&client, &chain, &digits, &run, by_part.as_ref()).await;
                    (start, end, uses)
                });
            }
            let Some(read) = reads.join_next().await else {
                break;
            };
            let (start, end, uses) =
                read.map_err(|e| StoreError::Task(format!("a read of a contract's days: {e}")))?;
            let summed = contract_day_sums(chain, contract_key, &days[start..end], &uses?);
            let fresh: Vec<ContractDaysRow> = summed
                .iter()
                .filter(|k| day_is_over(k.day))
                .cloned()
                .collect();
            for (i, k) in summed.into_iter().enumerate() {
                sums[start + i] = Some(k);
            }
            // Kept for the next read; a read that cannot keep them (a
            // read-only user, a shard down) still answers.
            if let Err(e) = self.insert("contract_days", &fresh).await {
                tracing::warn!(chain, contract, error = %e, "per-day contract sums not kept");
            }
        }
        // Every day has its sums by now: kept, or from its run.
        let sums: Vec<ContractDaysRow> = sums.into_iter().flatten().collect();
        debug_assert_eq!(sums.len(), days.len());
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
        Ok(days
            .iter()
            .zip(sums)
            .map(|(d, k)| ContractDayTotals {
                day: epoch + chrono::Days::new(u64::from(d.day_number)),
                blocks: d.blocks,
                first_height: d.first_height,
                last_height: d.last_height,
                transactions: d.transactions,
                gas_used: d.gas_used,
                recorded_blocks: k.recorded_blocks,
                contract_transactions: k.transactions,
                contract_gas: k.gas_used,
            })
            .collect())
    }

    async fn rollback_above(&self, chain: &str, height: u64) -> Result<u64> {
        // The heights above are written again with a new version.
        self.remember_write(chain, None);
        // Checkpoints first: once they point at `height`, a crash anywhere
        // below is repaired by the next run re-ingesting from `height`.
        let anchor_hash = self
            .block(chain, height)
            .await?
            .map(|b| b.hash)
            .unwrap_or_default();
        let mut checkpoints = self
            .client
            .query(&sql::select_checkpoints_above())
            .bind(chain)
            .bind(height)
            .fetch_all::<CheckpointRow>()
            .await?;
        let version = self.next_version();
        for c in &mut checkpoints {
            c.height = height;
            c.hash.clone_from(&anchor_hash);
            c.updated_at = now_u32();
            c.version = version;
        }
        self.insert("checkpoints", &checkpoints).await?;

        let above = self
            .client
            .query(&sql::select_transactions_above())
            .bind(chain)
            .bind(height)
            .fetch_all::<TransactionRow>()
            .await?;
        let version = self.next_version();
        let tombstones: Vec<TransactionRow> = above.iter().map(|t| t.tombstone(version)).collect();
        // The txid index keeps its entries: they find these tombstones.
        self.insert("block_transactions", &tombstones).await?;

        let mut blocks = self
            .client
            .query(&sql::select_blocks_above())
            .bind(chain)
            .bind(height)
            .fetch_all::<BlockRow>()
            .await?;
        for b in &mut blocks {
            b.version = version;
            b.is_deleted = 1;
        }
        self.insert("blocks", &blocks).await?;
        Ok(blocks.len() as u64)
    }

    async fn checkpoint(&self, chain: &str, source: &str) -> Result<Option<Checkpoint>> {
        let rows = self
            .client
            .query(&sql::select_checkpoint())
            .bind(chain)
            .bind(source)
            .fetch_all::<CheckpointRow>()
            .await?;
        Ok(rows.into_iter().next().map(CheckpointRow::into_checkpoint))
    }
}

#[async_trait]
impl DailyMetricsStore for ClickHouseStore {
    async fn write_daily_metrics(&self, rows: &[DailyMetrics]) -> Result<()> {
        let version = self.next_version();
        // Convert everything before sending anything: a bad row fails the
        // whole call with nothing written. One INSERT is one atomic block
        // on the server (up to max_insert_block_size rows).
        let rows = rows
            .iter()
            .map(|m| DailyRow::new(m, version))
            .collect::<Result<Vec<_>>>()?;
        self.insert("daily_metrics", &rows).await
    }

    async fn daily_metrics(
        &self,
        chain: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<DailyMetrics>> {
        let rows = self
            .client
            .query(&sql::select_daily_range())
            .bind(chain)
            .bind(date_text(from))
            .bind(date_text(to))
            .fetch_all::<DailyRow>()
            .await?;
        Ok(rows.into_iter().map(DailyRow::into_metrics).collect())
    }

    async fn daily_coverage(&self, chain: &str) -> Result<Option<(NaiveDate, NaiveDate)>> {
        let row = self
            .client
            .query(&sql::select_daily_coverage())
            .bind(chain)
            .fetch_one::<CoverageRow>()
            .await?;
        Ok(row.days())
    }

    async fn daily_source_coverage(
        &self,
        chain: &str,
        source: &str,
    ) -> Result<Option<(NaiveDate, NaiveDate)>> {
        let row = self
            .client
            .query(&sql::select_daily_source_coverage())
            .bind(chain)
            .bind(source)
            .fetch_one::<CoverageRow>()
            .await?;
        Ok(row.days())
    }
}

#[async_trait]
impl LeaseStore for ClickHouseStore {
    async fn lease(&self, name: &str) -> Result<Option<Lease>> {
        let rows = self
            .client
            .query(&sql::select_lease())
            .bind(name)
            .fetch_all::<LeaseRow>()
            .await?;
        Ok(rows.into_iter().next().map(LeaseRow::into_lease))
    }

    async fn write_lease(&self, lease: &Lease) -> Result<()> {
        self.insert("leases", &[LeaseRow::new(lease)]).await
    }
}

#[async_trait]
impl IndexStore for ClickHouseStore {
    /// Check, then insert: two processes publishing the same day at the
    /// same moment can both insert (ClickHouse has no transaction to hold
    /// between the two); the rows are identical when their inputs are.
    async fn write_index(&self, snapshot: &IndexSnapshot) -> Result<IndexWrite> {
        if let Some(existing) = self.index(snapshot.date, Some(snapshot.version)).await? {
            return if existing.sha256 == snapshot.sha256 {
                Ok(IndexWrite::AlreadyPublished)
            } else {
                Err(index_conflict(snapshot.date, snapshot.version))
            };
        }
        let row = IndexRow {
            date: to_ch_date(snapshot.date)?,
            version: snapshot.version,
            created_at: to_ch_time(snapshot.created_at)?,
            sha256: snapshot.sha256.clone(),
            body: snapshot.body.clone(),
            row_version: self.next_version(),
            is_deleted: 0,
        };
        self.insert("indices", &[row]).await?;
        Ok(IndexWrite::Written)
    }

    async fn index(&self, date: NaiveDate, version: Option<u32>) -> Result<Option<IndexSnapshot>> {
        let query = match version {
            Some(v) => self
                .client
                .query(&sql::select_index_version())
                .bind(date_text(date))
                .bind(v),
            None => self
                .client
                .query(&sql::select_index_latest())
                .bind(date_text(date)),
        };
        let rows = query.fetch_all::<IndexRow>().await?;
        Ok(rows.into_iter().next().map(IndexRow::into_snapshot))
    }

    async fn indices(&self) -> Result<Vec<IndexListing>> {
        let rows = self
            .client
            .query(&sql::select_indices())
            .fetch_all::<IndexRow>()
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| IndexListing {
                date: from_ch_date(r.date),
                version: r.version,
                sha256: r.sha256,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(day_number: u32, first: u64, last: u64) -> BlockDayRow {
        BlockDayRow {
            day_number,
            blocks: last - first + 1,
            first_height: first,
            last_height: last,
            transactions: 10 * (last - first + 1),
            gas_used: 7 * (last - first + 1),
            blocks_version: first,
            first_version: first,
        }
    }

    #[test]
    fn a_periods_block_days_split_into_runs_only_when_large() {
        // A day of BNB Smart Chain's blocks: one query.
        assert_eq!(block_day_runs(100, 115_299), [(100, 115_299)]);
        // An Ethereum year: two; a BNB year: four, of equal heights.
        assert_eq!(block_day_runs(0, 2_629_999).len(), 2);
        let runs = block_day_runs(17_781_903, 59_945_102);
        assert_eq!(runs.len(), 4);
        assert_eq!(runs[0].0, 17_781_903);
        assert_eq!(runs[3].1, 59_945_102);
        assert!(runs.windows(2).all(|w| w[0].1 + 1 == w[1].0));
    }

    #[test]
    fn a_day_two_runs_share_is_summed_once_whole() {
        // Day 2 is cut by the runs' boundary at height 250.
        let merged = merge_block_days(vec![
            vec![day(1, 0, 99), day(2, 100, 250)],
            vec![day(2, 251, 299), day(3, 300, 399)],
        ]);
        let whole = [day(1, 0, 99), day(2, 100, 299), day(3, 300, 399)];
        assert_eq!(merged.len(), 3);
        for (m, w) in merged.iter().zip(&whole) {
            assert_eq!(
                (
                    m.day_number,
                    m.blocks,
                    m.first_height,
                    m.last_height,
                    m.transactions,
                    m.gas_used
                ),
                (
                    w.day_number,
                    w.blocks,
                    w.first_height,
                    w.last_height,
                    w.transactions,
                    w.gas_used
                )
            );
        }
        assert_eq!(merged[1].blocks_version, 251, "the greatest of the day's");
        assert_eq!(merged[1].first_version, 100, "the least of the day's");
    }

    #[test]
    fn a_day_is_its_own_write_only_when_one_write_holds_it_whole() {
        let one = day(2, 100, 299).one_write();
        assert_eq!(
            one,
            Some(LiveWriteRow {
                day_number: 2,
                block_version: 100,
                low: 100,
                high: 299,
                blocks: 200,
            })
        );
        // Two writes' blocks (say a reorg's, version 300 above 100): its
        // writes must be read.
        let two = BlockDayRow {
            blocks_version: 300,
            ..day(2, 100, 299)
        };
        assert_eq!(two.one_write(), None);
        // A day that two runs cut, written by two writes: the merge keeps
        // the least version, so it is not taken for one write.
        let merged = merge_block_days(vec![
            vec![day(2, 100, 250)],
            vec![BlockDayRow {
                first_version: 251,
                ..day(2, 251, 299)
            }],
        ]);
        assert_eq!(merged[0].one_write(), None);
        // One write's day with a height missing (rolled back, or written
        // again by another): its range is not held whole.
        let gap = BlockDayRow {
            blocks: 199,
            ..day(2, 100, 299)
        };
        assert!(!writes_hold_their_ranges(&[gap
            .one_write()
            .expect("one write")]));
    }

    #[test]
    fn only_the_days_of_several_writes_have_their_writes_read() {
        // Day 2 one write's; day 3 a reorg's two (version 400 above 300).
        let two = BlockDayRow {
            blocks_version: 400,
            ..day(3, 300, 499)
        };
        let run = [day(2, 100, 299), two.clone(), day(4, 500, 699)];
        let (writes, shared) = days_as_writes(&run);
        assert_eq!(
            writes.iter().map(|w| w.day_number).collect::<Vec<_>>(),
            [2, 4]
        );
        assert_eq!(shared.len(), 1);
        assert_eq!((shared[0].first_height, shared[0].last_height), (300, 499));
        // What day 3's heights hold: its two writes, and a block of day 4
        // whose time is out of height order, which day 4 counts itself.
        let write = |day_number, block_version, low, high| LiveWriteRow {
            day_number,
            block_version,
            low,
            high,
            blocks: high - low + 1,
        };
        let read = vec![
            write(3, 300, 300, 399),
            write(4, 500, 400, 400),
            write(3, 400, 401, 499),
        ];
        assert_eq!(
            writes_of_days(read, &shared),
            [write(3, 300, 300, 399), write(3, 400, 401, 499)]
        );
        assert_eq!(
            sql::select_live_block_writes(&[(300, 499), (900, 950)])
                .matches("height BETWEEN")
                .count(),
            2
        );
    }

    #[test]
    fn the_days_without_kept_sums_are_summed_a_month_at_most_at_a_time() {
        // 70 days, days 5 and 40..=44 kept.
        let sums: Vec<Option<()>> = (0..70)
            .map(|i| (i == 5 || (40..=44).contains(&i)).then_some(()))
            .collect();
        let runs = month_runs(&sums);
        assert_eq!(runs, [(0, 5), (6, 37), (37, 40), (45, 70)]);
        let summed: usize = runs.iter().map(|(a, b)| b - a).sum();
        assert_eq!(summed, 70 - 6, "every day without sums, once");
        assert!(runs.iter().all(|(a, b)| b - a <= DAYS_PER_SUM));
        assert!(month_runs(&[Some(()), Some(())]).is_empty());
    }

    #[test]
    fn a_run_is_read_without_a_join_only_where_each_write_holds_its_whole_range() {
        let write = |day_number, block_version, low, high, blocks| LiveWriteRow {
            day_number,
            block_version,
            low,
            high,
            blocks,
        };
        // A follower's one write over two days, then a reorg's new write.
        let follower = [write(10, 7, 0, 99, 100), write(11, 7, 100, 189, 90)];
        let reorged = [write(11, 9, 190, 199, 10)];
        assert!(writes_hold_their_ranges(&follower));
        assert!(writes_hold_their_ranges(
            &[&follower[..], &reorged[..]].concat()
        ));
        // Height 50 written again: write 7's range has a hole where
        // write 9's one block is.
        assert!(!writes_hold_their_ranges(&[
            write(10, 7, 0, 99, 99),
            write(10, 9, 50, 50, 1)
        ]));
        // No live blocks, or more writes than a row is tested against.
        assert!(!writes_hold_their_ranges(&[]));
        let many: Vec<LiveWriteRow> = (0..=MOST_WRITES_WITHOUT_JOIN as u64)
            .map(|i| write(10, i as u32, i, i, 1))
            .collect();
        assert!(!writes_hold_their_ranges(&many));
        assert!(writes_hold_their_ranges(&many[1..]));
        // The writes cut at bucket edges, each piece in one bucket.
        assert_eq!(sql::write_bucket(189), 4_096);
        assert_eq!(sql::write_bucket(3_571_199), 4_096);
        assert_eq!(sql::write_bucket(10_713_599), 8_192);
        let pieces = sql::write_pieces(
            &[follower[0].clone(), write(11, 9, 4_000, 8_200, 4_201)],
            4_096,
        );
        let cut: Vec<(u64, u64, u64, u32)> = pieces
            .iter()
            .map(|p| (p.bucket, p.low, p.high, p.version))
            .collect();
        assert_eq!(
            cut,
            [
                (0, 0, 99, 7),
                (0, 4_000, 4_095, 9),
                (1, 4_096, 8_191, 9),
                (2, 8_192, 8_200, 9)
            ]
        );
        // At the most writes, over a month of a 0.25 s chain (10.7
        // million heights), the statement is within 18.16's 256 KiB.
        let month: Vec<LiveWriteRow> = (0..MOST_WRITES_WITHOUT_JOIN as u64)
            .map(|i| {
                write(
                    20_000 + (i / 17) as u32,
                    i as u32,
                    4_000_000_000 + i * 20_925,
                    4_000_000_000 + i * 20_925 + 20_924,
                    20_925,
                )
            })
            .collect();
        let text = sql::select_contract_days_by_writes(&month);
        assert!(text.len() < 200_000, "{} bytes", text.len());
    }

    #[test]
    fn a_days_contract_sums_take_its_blocks_and_the_contracts_rows() {
        let run = [day(10, 0, 99), day(11, 100, 199)];
        let uses = [
            ContractDayRow {
                day_number: 10,
                mark: 0,
                blocks: 4,
                transactions: 9,
                gas_used: 900,
            },
            ContractDayRow {
                day_number: 10,
                mark: 1,
                blocks: 100,
                transactions: 0,
                gas_used: 0,
            },
            // More recorded blocks than the day has live: not counted past them.
            ContractDayRow {
                day_number: 11,
                mark: 1,
                blocks: 120,
                transactions: 0,
                gas_used: 0,
            },
        ];
        let sums = contract_day_sums("bsc", [7; 20], &run, &uses);
        let got: Vec<_> = sums
            .iter()
            .map(|k| {
                (
                    k.day,
                    k.blocks,
                    k.blocks_version,
                    k.recorded_blocks,
                    k.transactions,
                    k.gas_used,
                )
            })
            .collect();
        assert_eq!(got, [(10, 100, 0, 100, 9, 900), (11, 100, 100, 100, 0, 0)]);
        assert!(sums
            .iter()
            .all(|k| k.chain == "bsc" && k.contract == [7; 20]));
    }
}

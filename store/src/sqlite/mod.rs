//! The embedded default backend.
//!
//! One writer connection and a few reader connections on one WAL-mode file:
//! readers never wait for a writer, and every call runs on tokio's blocking
//! pool so the async workers that serve HTTP never touch the disk.

mod migrations;
mod rows;

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use blockwatt_domain::{Block, BlockBatch, Checkpoint, DailyMetrics, IndexSnapshot, Transaction};
use chrono::NaiveDate;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};

use self::migrations::MIGRATIONS;
use self::rows::{
    block_from_row, daily_from_row, index_from_row, insert_block, insert_transaction,
    transaction_from_row, BLOCK_COLUMNS, DAILY_COLUMNS, TRANSACTION_COLUMNS,
};
use crate::{
    check_batch, contract_bytes, index_conflict, BlockStore, BlockTotals, ContractBlockUse,
    ContractDayTotals, ContractUses, DailyMetricsStore, Hash32, IndexListing, IndexStore,
    IndexWrite, Lease, LeaseStore, Result, StoreAdmin, StoreError, TransactionTotals,
    LOGS_RECORDED,
};

const READERS: usize = 4;

pub struct SqliteStore {
    writer: Arc<Mutex<Connection>>,
    readers: Arc<Vec<Mutex<Connection>>>,
    next_reader: AtomicUsize,
}

impl SqliteStore {
    /// Opens `path`, creating it and its parent directory when missing.
    pub async fn open(path: &Path) -> Result<Self> {
        let path = path.to_owned();
        tokio::task::spawn_blocking(move || Self::open_blocking(&path))
            .await
            .map_err(|e| StoreError::Task(e.to_string()))?
    }

    fn open_blocking(path: &Path) -> Result<Self> {
        let shown = path.display().to_string();
        let open_err = |reason: String| StoreError::Open {
            path: shown.clone(),
            reason,
        };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| {
                open_err(format!("cannot create directory {}: {e}", parent.display()))
            })?;
        }
        let writer = Connection::open(path).map_err(|e| open_err(e.to_string()))?;
        // WAL lets readers run beside the writer; NORMAL sync is durable
        // across process crashes (the guarantee the pipeline needs) and much
        // faster than FULL. busy_timeout covers a second process (e.g. a
        // CLI import beside `serve`). The writer's page cache (64 MiB, not
        // the default 2 MiB) keeps the transaction indexes' pages between
        // batches: a backfill inserts txids at random spots of the txid
        // index, and with the small cache every batch read them back from
        // the file (25,000 preads for a 45,000-transaction backfill).
        writer
            .execute_batch(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                 PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON; \
                 PRAGMA cache_size = -65536;",
            )
            .map_err(|e| open_err(e.to_string()))?;
        // An unwritable file opens fine and fails at the first write: find out now.
        writer
            .execute_batch(
                "CREATE TABLE IF NOT EXISTS schema_migrations (
                    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
            )
            .map_err(|e| open_err(e.to_string()))?;
        let mut readers = Vec::with_capacity(READERS);
        for _ in 0..READERS {
            let r = Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .map_err(|e| open_err(e.to_string()))?;
            r.execute_batch("PRAGMA busy_timeout = 5000;")
                .map_err(|e| open_err(e.to_string()))?;
            readers.push(Mutex::new(r));
        }
        Ok(SqliteStore {
            writer: Arc::new(Mutex::new(writer)),
            readers: Arc::new(readers),
            next_reader: AtomicUsize::new(0),
        })
    }

    async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    {
        let conn = Arc::clone(&self.writer);
        tokio::task::spawn_blocking(move || {
            let mut guard = conn
                .lock()
                .map_err(|_| StoreError::Task("writer lock poisoned".into()))?;
            f(&mut guard)
        })
        .await
        .map_err(|e| StoreError::Task(e.to_string()))?
    }

    async fn read<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        let readers = Arc::clone(&self.readers);
        let i = self.next_reader.fetch_add(1, Ordering::Relaxed) % readers.len();
        tokio::task::spawn_blocking(move || {
            let guard = readers[i]
                .lock()
                .map_err(|_| StoreError::Task("reader lock poisoned".into()))?;
            f(&guard)
        })
        .await
        .map_err(|e| StoreError::Task(e.to_string()))?
    }
}

fn now_unix() -> i64 {
    chrono::Utc::now().timestamp()
}

fn day_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

#[async_trait]
impl StoreAdmin for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn migrate(&self) -> Result<Vec<u32>> {
        self.write(|conn| {
            let tx = conn.transaction()?;
            let applied: Vec<u32> = {
                let mut stmt = tx.prepare("SELECT version FROM schema_migrations")?;
                let rows = stmt.query_map([], |r| r.get::<_, u32>(0))?;
                rows.collect::<Result<_, _>>()?
            };
            let mut newly = Vec::new();
            for m in MIGRATIONS.iter().filter(|m| !applied.contains(&m.version)) {
                if let Some((count, problem)) = m.require {
                    let refused: i64 = tx.query_row(count, [], |r| r.get(0))?;
                    if refused > 0 {
                        // Dropping `tx` rolls back every migration of this call.
                        return Err(StoreError::Invalid(format!(
                            "migration {} ({}): {refused} {problem}",
                            m.version, m.name
                        )));
                    }
                }
                tx.execute_batch(m.sql)?;
                tx.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
                    params![m.version, m.name, now_unix()],
                )?;
                newly.push(m.version);
            }
            tx.commit()?;
            Ok(newly)
        })
        .await
    }

    async fn applied_migrations(&self) -> Result<Vec<u32>> {
        self.read(|conn| {
            let mut stmt =
                conn.prepare("SELECT version FROM schema_migrations ORDER BY version")?;
            let rows = stmt.query_map([], |r| r.get::<_, u32>(0))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }

    async fn ping(&self) -> Result<()> {
        self.read(|conn| {
            Ok(conn
                .query_row("SELECT 1", [], |r| r.get::<_, i64>(0))
                .map(|_| ())?)
        })
        .await
    }
}

#[async_trait]
impl BlockStore for SqliteStore {
    async fn write_batch(&self, batch: &BlockBatch) -> Result<()> {
        self.write_batch_owned(batch.clone()).await
    }

    async fn write_batch_owned(&self, batch: BlockBatch) -> Result<()> {
        check_batch(&batch)?;
        self.write(move |conn| {
            let tx = conn.transaction()?;
            {
                let mut block_stmt = tx.prepare_cached(&insert_block())?;
                for b in &batch.blocks {
                    rows::bind_block(&mut block_stmt, b)?;
                }
                let mut tx_stmt = tx.prepare_cached(&insert_transaction())?;
                for t in &batch.transactions {
                    rows::bind_transaction(&mut tx_stmt, t)?;
                }
                // A block written again (a retried batch) replaces its
                // rows: a contract it no longer lists must not linger.
                // `INDEXED BY`: SQLite 3.50's planner otherwise takes the
                // primary key's `chain` prefix, a scan of the chain's every
                // row per block (inserts fell from 95,290 to 3,962
                // transactions/s at 1 million, store/benches/history.rs).
                let mut clear = tx.prepare_cached(
                    "DELETE FROM contract_blocks INDEXED BY contract_blocks_by_height
                     WHERE chain = ?1 AND block_height = ?2",
                )?;
                let mut use_stmt = tx.prepare_cached(
                    "INSERT OR REPLACE INTO contract_blocks
                     (chain, contract, block_height, transactions, gas_used)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )?;
                let chain = &batch.checkpoint.chain;
                for l in &batch.logs {
                    let h = rows::int(l.block_height, "block_height")?;
                    clear.execute(params![chain, h])?;
                    use_stmt.execute(params![chain, &LOGS_RECORDED[..], h, 0, 0])?;
                    for c in &l.contracts {
                        use_stmt.execute(params![
                            chain,
                            &contract_bytes(&c.contract)?[..],
                            h,
                            c.transactions,
                            rows::int(c.gas_used, "gas_used")?
                        ])?;
                    }
                }
                let c = &batch.checkpoint;
                tx.execute(
                    "INSERT OR REPLACE INTO checkpoints (chain, source, height, hash, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![c.chain, c.source, c.height as i64, c.hash, now_unix()],
                )?;
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn block(&self, chain: &str, height: u64) -> Result<Option<Block>> {
        let chain = chain.to_owned();
        self.read(move |conn| {
            let sql =
                format!("SELECT {BLOCK_COLUMNS} FROM blocks WHERE chain = ?1 AND height = ?2");
            Ok(conn
                .query_row(&sql, params![chain, height as i64], block_from_row)
                .optional()?)
        })
        .await
    }

    async fn block_by_hash(&self, chain: &str, hash: &str) -> Result<Option<Block>> {
        let (chain, hash) = (chain.to_owned(), hash.to_owned());
        self.read(move |conn| {
            let sql = format!("SELECT {BLOCK_COLUMNS} FROM blocks WHERE chain = ?1 AND hash = ?2");
            Ok(conn
                .query_row(&sql, params![chain, hash], block_from_row)
                .optional()?)
        })
        .await
    }

    async fn blocks(&self, chain: &str, from: u64, to: u64) -> Result<Vec<Block>> {
        let chain = chain.to_owned();
        self.read(move |conn| {
            let sql = format!(
                "SELECT {BLOCK_COLUMNS} FROM blocks WHERE chain = ?1 AND height BETWEEN ?2 AND ?3 ORDER BY height"
            );
            let mut stmt = conn.prepare_cached(&sql)?;
            let rows = stmt.query_map(
                params![chain, from.min(i64::MAX as u64) as i64, to.min(i64::MAX as u64) as i64],
                block_from_row,
            )?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }

    async fn blocks_in_time(&self, chain: &str, from: i64, to: i64) -> Result<Vec<Block>> {
        let chain = chain.to_owned();
        self.read(move |conn| {
            let sql = format!(
                "SELECT {BLOCK_COLUMNS} FROM blocks WHERE chain = ?1 AND time >= ?2 AND time < ?3 ORDER BY height"
            );
            let mut stmt = conn.prepare_cached(&sql)?;
            let rows = stmt.query_map(params![chain, from, to], block_from_row)?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
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
        let chain = chain.to_owned();
        self.read(move |conn| {
            // The (chain, block_height) index finds the block's rows.
            let mut stmt = conn.prepare_cached(
                "SELECT count(*), coalesce(sum(vsize), 0), coalesce(sum(gas_used), 0) \
                 FROM transactions WHERE chain = ?1 AND block_height = ?2 AND block_hash = ?3",
            )?;
            Ok(
                stmt.query_row(params![chain, height as i64, hash.bytes], |r| {
                    Ok(TransactionTotals {
                        transactions: r.get::<_, i64>(0)? as u64,
                        vsize: r.get::<_, i64>(1)? as u64,
                        gas_used: r.get::<_, i64>(2)? as u64,
                    })
                })?,
            )
        })
        .await
    }

    async fn block_totals_in_time(&self, chain: &str, from: i64, to: i64) -> Result<BlockTotals> {
        let chain = chain.to_owned();
        self.read(move |conn| {
            // Same (chain, time) index as `blocks_in_time`; `total()` is
            // SQLite's float sum, 0.0 over no rows.
            let mut stmt = conn.prepare_cached(
                "SELECT count(*), coalesce(sum(size_bytes), 0), coalesce(sum(gas_used), 0), \
                 coalesce(sum(tx_count), 0), total(fees_native) \
                 FROM blocks WHERE chain = ?1 AND time >= ?2 AND time < ?3",
            )?;
            Ok(stmt.query_row(params![chain, from, to], |r| {
                Ok(BlockTotals {
                    blocks: r.get::<_, i64>(0)? as u64,
                    size_bytes: r.get::<_, i64>(1)? as u64,
                    gas_used: r.get::<_, i64>(2)? as u64,
                    tx_count: r.get::<_, i64>(3)? as u64,
                    fees_native: r.get(4)?,
                })
            })?)
        })
        .await
    }

    async fn tip(&self, chain: &str) -> Result<Option<Block>> {
        let chain = chain.to_owned();
        self.read(move |conn| {
            let sql = format!(
                "SELECT {BLOCK_COLUMNS} FROM blocks WHERE chain = ?1 ORDER BY height DESC LIMIT 1"
            );
            Ok(conn
                .query_row(&sql, params![chain], block_from_row)
                .optional()?)
        })
        .await
    }

    async fn transaction(&self, chain: &str, txid: &str) -> Result<Option<Transaction>> {
        let Some(txid) = Hash32::parse(txid) else {
            return Ok(None);
        };
        let chain = chain.to_owned();
        self.read(move |conn| {
            let sql = format!(
                "SELECT {TRANSACTION_COLUMNS} FROM transactions WHERE chain = ?1 AND txid = ?2"
            );
            Ok(conn
                .query_row(&sql, params![chain, txid.bytes], transaction_from_row)
                .optional()?)
        })
        .await
    }

    async fn contract_uses(
        &self,
        chain: &str,
        contract: &str,
        from: u64,
        to: u64,
    ) -> Result<ContractUses> {
        let address = contract_bytes(contract)?;
        let chain = chain.to_owned();
        let (from, to) = (
            from.min(i64::MAX as u64) as i64,
            to.min(i64::MAX as u64) as i64,
        );
        self.read(move |conn| {
            // Rows are deleted with their blocks, so every row is live.
            let recorded: i64 = conn.query_row(
                "SELECT count(*) FROM contract_blocks
                 WHERE chain = ?1 AND contract = ?2 AND block_height BETWEEN ?3 AND ?4",
                params![chain, &LOGS_RECORDED[..], from, to],
                |r| r.get(0),
            )?;
            let mut stmt = conn.prepare_cached(
                "SELECT block_height, transactions, gas_used FROM contract_blocks
                 WHERE chain = ?1 AND contract = ?2 AND block_height BETWEEN ?3 AND ?4
                 ORDER BY block_height",
            )?;
            let uses = stmt
                .query_map(params![chain, &address[..], from, to], |r| {
                    Ok(ContractBlockUse {
                        block_height: r.get::<_, i64>(0)? as u64,
                        transactions: r.get(1)?,
                        gas_used: r.get::<_, i64>(2)? as u64,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(ContractUses {
                recorded_blocks: recorded as u64,
                uses,
            })
        })
        .await
    }

    /// Summed per day in SQL: the blocks through their time index, the
    /// contract's rows through their key, each joined to its block for
    /// the day (rows are deleted with their blocks, so all are live).
    async fn contract_days(
        &self,
        chain: &str,
        contract: &str,
        from: i64,
        to: i64,
    ) -> Result<Vec<ContractDayTotals>> {
        let address = contract_bytes(contract)?;
        let chain = chain.to_owned();
        // Days from the epoch by integer division: times before 1970 hold
        // no block.
        let (from, to) = (from.max(0), to.max(0));
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT time / 86400 AS day, count(*), min(height), max(height),
                        sum(tx_count), sum(gas_used)
                 FROM blocks WHERE chain = ?1 AND time >= ?2 AND time < ?3
                 GROUP BY day ORDER BY day",
            )?;
            let mut days = stmt
                .query_map(params![chain, from, to], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        ContractDayTotals {
                            day: NaiveDate::default(),
                            blocks: r.get::<_, i64>(1)? as u64,
                            first_height: r.get::<_, i64>(2)? as u64,
                            last_height: r.get::<_, i64>(3)? as u64,
                            transactions: r.get::<_, i64>(4)? as u64,
                            gas_used: r.get::<_, i64>(5)? as u64,
                            recorded_blocks: 0,
                            contract_transactions: 0,
                            contract_gas: 0,
                        },
                    ))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            let (Some(low), Some(high)) = (
                days.iter().map(|(_, d)| d.first_height).min(),
                days.iter().map(|(_, d)| d.last_height).max(),
            ) else {
                return Ok(Vec::new());
            };
            let mut stmt = conn.prepare_cached(
                "SELECT b.time / 86400 AS day, c.contract = ?3 AS mark, count(*),
                        sum(c.transactions), sum(c.gas_used)
                 FROM contract_blocks c JOIN blocks b
                   ON b.chain = c.chain AND b.height = c.block_height
                 WHERE c.chain = ?1 AND c.contract IN (?2, ?3)
                   AND c.block_height BETWEEN ?4 AND ?5 AND b.time >= ?6 AND b.time < ?7
                 GROUP BY day, mark",
            )?;
            let uses = stmt
                .query_map(
                    params![
                        chain,
                        &address[..],
                        &LOGS_RECORDED[..],
                        low as i64,
                        high as i64,
                        from,
                        to
                    ],
                    |r| {
                        Ok((
                            r.get::<_, i64>(0)?,
                            r.get::<_, bool>(1)?,
                            r.get::<_, i64>(2)? as u64,
                            r.get::<_, i64>(3)? as u64,
                            r.get::<_, i64>(4)? as u64,
                        ))
                    },
                )?
                .collect::<Result<Vec<_>, _>>()?;
            let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
            for (number, d) in &mut days {
                d.day = epoch + chrono::Days::new(*number as u64);
                for &(_, mark, blocks, transactions, gas) in uses.iter().filter(|u| u.0 == *number)
                {
                    if mark {
                        d.recorded_blocks = blocks.min(d.blocks);
                    } else {
                        d.contract_transactions = transactions;
                        d.contract_gas = gas;
                    }
                }
            }
            Ok(days.into_iter().map(|(_, d)| d).collect())
        })
        .await
    }

    async fn write_transactions(&self, txs: &[Transaction]) -> Result<()> {
        let txs = txs.to_vec();
        self.write(move |conn| {
            let tx = conn.transaction()?;
            {
                let mut stmt = tx.prepare_cached(&insert_transaction())?;
                for t in &txs {
                    rows::bind_transaction(&mut stmt, t)?;
                }
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn rollback_above(&self, chain: &str, height: u64) -> Result<u64> {
        let chain = chain.to_owned();
        self.write(move |conn| {
            let tx = conn.transaction()?;
            let h = height.min(i64::MAX as u64) as i64;
            let removed = tx.execute(
                "DELETE FROM blocks WHERE chain = ?1 AND height > ?2",
                params![chain, h],
            )?;
            tx.execute(
                "DELETE FROM transactions WHERE chain = ?1 AND block_height > ?2",
                params![chain, h],
            )?;
            // `INDEXED BY`, as in `write_batch`: not a scan of the chain.
            tx.execute(
                "DELETE FROM contract_blocks INDEXED BY contract_blocks_by_height
                 WHERE chain = ?1 AND block_height > ?2",
                params![chain, h],
            )?;
            let hash: String = tx
                .query_row(
                    "SELECT hash FROM blocks WHERE chain = ?1 AND height = ?2",
                    params![chain, h],
                    |r| r.get(0),
                )
                .optional()?
                .unwrap_or_default();
            tx.execute(
                "UPDATE checkpoints SET height = ?2, hash = ?3, updated_at = ?4
                 WHERE chain = ?1 AND height > ?2",
                params![chain, h, hash, now_unix()],
            )?;
            tx.commit()?;
            Ok(removed as u64)
        })
        .await
    }

    async fn checkpoint(&self, chain: &str, source: &str) -> Result<Option<Checkpoint>> {
        let (chain, source) = (chain.to_owned(), source.to_owned());
        self.read(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT chain, source, height, hash FROM checkpoints WHERE chain = ?1 AND source = ?2",
                    params![chain, source],
                    |r| {
                        Ok(Checkpoint {
                            chain: r.get(0)?,
                            source: r.get(1)?,
                            height: r.get::<_, i64>(2)? as u64,
                            hash: r.get(3)?,
                        })
                    },
                )
                .optional()?)
        })
        .await
    }
}

#[async_trait]
impl DailyMetricsStore for SqliteStore {
    async fn write_daily_metrics(&self, rows: &[DailyMetrics]) -> Result<()> {
        let rows = rows.to_vec();
        self.write(move |conn| {
            let tx = conn.transaction()?;
            {
                let mut stmt = tx.prepare_cached(&rows::insert_daily())?;
                for m in &rows {
                    rows::bind_daily(&mut stmt, m)?;
                }
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn daily_metrics(
        &self,
        chain: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<DailyMetrics>> {
        let chain = chain.to_owned();
        self.read(move |conn| {
            let sql = format!(
                "SELECT {DAILY_COLUMNS} FROM daily_metrics WHERE chain = ?1 AND day BETWEEN ?2 AND ?3 ORDER BY day, source"
            );
            let mut stmt = conn.prepare_cached(&sql)?;
            let rows = stmt.query_map(params![chain, day_text(from), day_text(to)], daily_from_row)?;
            rows.map(|r| r?.map_err(StoreError::Corrupt)).collect()
        })
        .await
    }

    async fn daily_coverage(&self, chain: &str) -> Result<Option<(NaiveDate, NaiveDate)>> {
        let chain = chain.to_owned();
        self.read(move |conn| {
            day_range(
                conn,
                "SELECT MIN(day), MAX(day) FROM daily_metrics WHERE chain = ?1",
                params![chain],
            )
        })
        .await
    }

    async fn daily_source_coverage(
        &self,
        chain: &str,
        source: &str,
    ) -> Result<Option<(NaiveDate, NaiveDate)>> {
        let (chain, source) = (chain.to_owned(), source.to_owned());
        self.read(move |conn| {
            day_range(
                conn,
                "SELECT MIN(day), MAX(day) FROM daily_metrics WHERE chain = ?1 AND source = ?2",
                params![chain, source],
            )
        })
        .await
    }
}

/// The first and last day a `SELECT MIN(day), MAX(day)` finds, if any.
fn day_range(
    conn: &rusqlite::Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<Option<(NaiveDate, NaiveDate)>> {
    let (first, last): (Option<String>, Option<String>) =
        conn.query_row(sql, params, |r| Ok((r.get(0)?, r.get(1)?)))?;
    match (first, last) {
        (Some(f), Some(l)) => Ok(Some((rows::parse_day(&f)?, rows::parse_day(&l)?))),
        _ => Ok(None),
    }
}

#[async_trait]
impl IndexStore for SqliteStore {
    async fn write_index(&self, snapshot: &IndexSnapshot) -> Result<IndexWrite> {
        let s = snapshot.clone();
        self.write(move |conn| {
            let tx = conn.transaction()?;
            let existing: Option<String> = tx
                .query_row(
                    "SELECT sha256 FROM indices WHERE date = ?1 AND version = ?2",
                    params![day_text(s.date), s.version],
                    |r| r.get(0),
                )
                .optional()?;
            match existing {
                Some(sha) if sha == s.sha256 => return Ok(IndexWrite::AlreadyPublished),
                Some(_) => return Err(index_conflict(s.date, s.version)),
                None => {}
            }
            tx.execute(
                "INSERT INTO indices (date, version, created_at, sha256, body) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![day_text(s.date), s.version, s.created_at, s.sha256, s.body],
            )?;
            tx.commit()?;
            Ok(IndexWrite::Written)
        })
        .await
    }

    async fn index(&self, date: NaiveDate, version: Option<u32>) -> Result<Option<IndexSnapshot>> {
        self.read(move |conn| {
            let row = match version {
                Some(v) => conn
                    .query_row(
                        "SELECT date, version, created_at, sha256, body FROM indices WHERE date = ?1 AND version = ?2",
                        params![day_text(date), v],
                        index_from_row,
                    )
                    .optional()?,
                None => conn
                    .query_row(
                        "SELECT date, version, created_at, sha256, body FROM indices WHERE date = ?1
                         ORDER BY version DESC LIMIT 1",
                        params![day_text(date)],
                        index_from_row,
                    )
                    .optional()?,
            };
            row.map(|r| r.map_err(StoreError::Corrupt)).transpose()
        })
        .await
    }

    async fn indices(&self) -> Result<Vec<IndexListing>> {
        self.read(|conn| {
            let mut stmt =
                conn.prepare("SELECT date, version, sha256 FROM indices ORDER BY date, version")?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, u32>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })?;
            rows.map(|r| {
                let (date, version, sha256) = r?;
                Ok(IndexListing {
                    date: rows::parse_day(&date)?,
                    version,
                    sha256,
                })
            })
            .collect()
        })
        .await
    }
}

#[async_trait]
impl LeaseStore for SqliteStore {
    async fn lease(&self, name: &str) -> Result<Option<Lease>> {
        let name = name.to_owned();
        self.read(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT name, holder, expires_at_ms, version FROM leases WHERE name = ?1",
                    params![name],
                    |r| {
                        Ok(Lease {
                            name: r.get(0)?,
                            holder: r.get(1)?,
                            expires_at_ms: r.get(2)?,
                            version: r.get::<_, i64>(3)? as u64,
                        })
                    },
                )
                .optional()?)
        })
        .await
    }

    async fn write_lease(&self, lease: &Lease) -> Result<()> {
        let l = lease.clone();
        let version = i64::try_from(l.version).map_err(|_| {
            StoreError::Invalid(format!("lease version {} out of range", l.version))
        })?;
        self.write(move |conn| {
            // The greatest version stays, as ClickHouse's FINAL keeps it.
            conn.execute(
                "INSERT INTO leases (name, holder, expires_at_ms, version) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (name) DO UPDATE SET holder = excluded.holder,
                     expires_at_ms = excluded.expires_at_ms, version = excluded.version
                 WHERE excluded.version > leases.version",
                params![l.name, l.holder, l.expires_at_ms, version],
            )?;
            Ok(())
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OLD_TXID: &str = "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b";
    const OLD_BLOCK: &str = "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f";

    /// A version-1 database (hex text txids) holding `rows` of
    /// `transactions`, each `(txid, block_hash)`.
    fn version_1_database(path: &std::path::Path, rows: &[(&str, &str)]) {
        let conn = Connection::open(path).expect("open");
        conn.execute_batch(
            "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
        )
        .expect("migrations table");
        conn.execute_batch(MIGRATIONS[0].sql).expect("version 1");
        conn.execute(
            "INSERT INTO schema_migrations VALUES (1, 'initial schema', 0)",
            [],
        )
        .expect("record v1");
        for (txid, block_hash) in rows {
            conn.execute(
                "INSERT INTO transactions VALUES ('bitcoin', ?1, 7, ?2, 0, 250, 141, 0, 0.5)",
                params![txid, block_hash],
            )
            .expect("old row");
        }
    }

    /// A database made by an older binary keeps its rows through the
    /// migrations that rebuild tables, hex text becoming bytes.
    #[tokio::test]
    async fn upgrading_from_version_1_keeps_transactions() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("old.db");
        let evm_txid = format!("0x{:064x}", 0xabcd);
        let evm_block = format!("0x{:064x}", 7);
        version_1_database(&path, &[(OLD_TXID, OLD_BLOCK), (&evm_txid, &evm_block)]);
        let store = SqliteStore::open(&path).await.expect("reopen");
        assert_eq!(store.migrate().await.expect("migrate"), vec![2, 3, 4, 5, 6]);
        let tx = store
            .transaction("bitcoin", OLD_TXID)
            .await
            .expect("read")
            .expect("kept");
        assert_eq!(
            (
                tx.block_hash.as_str(),
                tx.block_height,
                tx.vsize,
                tx.fee_native
            ),
            (OLD_BLOCK, 7, 141, 0.5)
        );
        let evm = store
            .transaction("bitcoin", &evm_txid.to_uppercase().replace("0X", "0x"))
            .await
            .expect("read")
            .expect("kept, found in either case");
        assert_eq!((evm.txid, evm.block_hash), (evm_txid, evm_block));
        // The key is still unique: a re-write replaces, never duplicates.
        store
            .write_transactions(std::slice::from_ref(&tx))
            .await
            .expect("rewrite");
        let (n, bytes): (i64, i64) = store
            .read(|c| {
                Ok(c.query_row(
                    "SELECT COUNT(*), max(length(txid)) FROM transactions",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?)
            })
            .await
            .expect("count");
        assert_eq!((n, bytes), (2, 32));
    }

    /// A row migration 5 cannot turn into bytes stops it: the error names
    /// the problem and the database is as it was.
    #[tokio::test]
    async fn a_row_that_is_not_a_hash_stops_the_upgrade_and_changes_nothing() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("old.db");
        version_1_database(&path, &[(OLD_TXID, OLD_BLOCK), ("ab", "h7")]);
        let store = SqliteStore::open(&path).await.expect("reopen");
        let e = store.migrate().await.expect_err("refused").to_string();
        assert!(
            e.contains("migration 5") && e.contains("1 stored transactions cannot be carried over"),
            "{e}"
        );
        assert_eq!(store.applied_migrations().await.expect("versions"), vec![1]);
        let kept: Vec<String> = store
            .read(|c| {
                let mut stmt = c.prepare("SELECT txid FROM transactions ORDER BY txid")?;
                let rows = stmt.query_map([], |r| r.get(0))?;
                Ok(rows.collect::<Result<_, _>>()?)
            })
            .await
            .expect("rows");
        assert_eq!(kept, vec![OLD_TXID.to_owned(), "ab".to_owned()]);
    }
}

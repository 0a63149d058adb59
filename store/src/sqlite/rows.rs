//! Mapping between SQLite rows and domain types.

use blockwatt_domain::{Block, DailyMetrics, IndexSnapshot, Transaction};
use chrono::NaiveDate;
use rusqlite::{params, CachedStatement, Row};

use crate::{Hash32, Result, StoreError};

pub(super) const BLOCK_COLUMNS: &str =
    "chain, height, hash, parent_hash, time, tx_count, size_bytes, \
     weight, gas_used, gas_limit, difficulty, fees_native, subsidy_native, provisional";

pub(super) const TRANSACTION_COLUMNS: &str =
    "chain, txid, block_height, block_hash, hex_0x, position, size_bytes, vsize, gas_used, fee_native";

pub(super) const DAILY_COLUMNS: &str = "chain, day, source, hashrate_hs, difficulty_mean, block_count, \
     tx_count, block_size_mean_bytes, fees_native, issuance_native, fees_usd, issuance_usd, price_usd, node_count";

fn placeholders(columns: &str) -> String {
    (1..=columns.split(',').count())
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) fn insert_block() -> String {
    format!(
        "INSERT OR REPLACE INTO blocks ({BLOCK_COLUMNS}) VALUES ({})",
        placeholders(BLOCK_COLUMNS)
    )
}

pub(super) fn insert_transaction() -> String {
    format!(
        "INSERT OR REPLACE INTO transactions ({TRANSACTION_COLUMNS}) VALUES ({})",
        placeholders(TRANSACTION_COLUMNS)
    )
}

pub(super) fn insert_daily() -> String {
    format!(
        "INSERT OR REPLACE INTO daily_metrics ({DAILY_COLUMNS}) VALUES ({})",
        placeholders(DAILY_COLUMNS)
    )
}

/// SQLite integers are signed: heights and sizes beyond i64 are refused,
/// not wrapped.
pub(super) fn int(value: u64, what: &str) -> Result<i64> {
    i64::try_from(value)
        .map_err(|_| StoreError::Invalid(format!("{what} {value} exceeds SQLite's integer range")))
}

fn opt_int(value: Option<u64>, what: &str) -> Result<Option<i64>> {
    value.map(|v| int(v, what)).transpose()
}

pub(super) fn bind_block(stmt: &mut CachedStatement<'_>, b: &Block) -> Result<()> {
    stmt.execute(params![
        b.chain,
        int(b.height, "height")?,
        b.hash,
        b.parent_hash,
        b.time,
        b.tx_count,
        int(b.size_bytes, "size_bytes")?,
        int(b.weight, "weight")?,
        int(b.gas_used, "gas_used")?,
        int(b.gas_limit, "gas_limit")?,
        b.difficulty,
        b.fees_native,
        b.subsidy_native,
        b.provisional,
    ])?;
    Ok(())
}

pub(super) fn bind_transaction(stmt: &mut CachedStatement<'_>, t: &Transaction) -> Result<()> {
    let (txid, block_hash) = Hash32::of_transaction(t)?;
    stmt.execute(params![
        t.chain,
        txid.bytes,
        int(t.block_height, "block_height")?,
        block_hash.bytes,
        txid.prefixed,
        t.position,
        int(t.size_bytes, "size_bytes")?,
        int(t.vsize, "vsize")?,
        int(t.gas_used, "gas_used")?,
        t.fee_native,
    ])?;
    Ok(())
}

pub(super) fn bind_daily(stmt: &mut CachedStatement<'_>, m: &DailyMetrics) -> Result<()> {
    stmt.execute(params![
        m.chain,
        m.day.format("%Y-%m-%d").to_string(),
        m.source,
        m.hashrate_hs,
        m.difficulty_mean,
        opt_int(m.block_count, "block_count")?,
        opt_int(m.tx_count, "tx_count")?,
        m.block_size_mean_bytes,
        m.fees_native,
        m.issuance_native,
        m.fees_usd,
        m.issuance_usd,
        m.price_usd,
        opt_int(m.node_count, "node_count")?,
    ])?;
    Ok(())
}

pub(super) fn block_from_row(r: &Row<'_>) -> rusqlite::Result<Block> {
    Ok(Block {
        chain: r.get(0)?,
        height: r.get::<_, i64>(1)? as u64,
        hash: r.get(2)?,
        parent_hash: r.get(3)?,
        time: r.get(4)?,
        tx_count: r.get(5)?,
        size_bytes: r.get::<_, i64>(6)? as u64,
        weight: r.get::<_, i64>(7)? as u64,
        gas_used: r.get::<_, i64>(8)? as u64,
        gas_limit: r.get::<_, i64>(9)? as u64,
        difficulty: r.get(10)?,
        fees_native: r.get(11)?,
        subsidy_native: r.get(12)?,
        provisional: r.get(13)?,
    })
}

pub(super) fn transaction_from_row(r: &Row<'_>) -> rusqlite::Result<Transaction> {
    let prefixed: bool = r.get(4)?;
    Ok(Transaction {
        chain: r.get(0)?,
        txid: Hash32::text(&r.get::<_, [u8; 32]>(1)?, prefixed),
        block_height: r.get::<_, i64>(2)? as u64,
        block_hash: Hash32::text(&r.get::<_, [u8; 32]>(3)?, prefixed),
        position: r.get(5)?,
        size_bytes: r.get::<_, i64>(6)? as u64,
        vsize: r.get::<_, i64>(7)? as u64,
        gas_used: r.get::<_, i64>(8)? as u64,
        fee_native: r.get(9)?,
    })
}

pub(super) fn parse_day(text: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|e| StoreError::Corrupt(format!("day {text:?}: {e}")))
}

/// The outer `Result` is SQLite's; the inner one is a stored day that does not parse.
pub(super) fn daily_from_row(
    r: &Row<'_>,
) -> rusqlite::Result<std::result::Result<DailyMetrics, String>> {
    let day: String = r.get(1)?;
    let day = match NaiveDate::parse_from_str(&day, "%Y-%m-%d") {
        Ok(d) => d,
        Err(e) => return Ok(Err(format!("daily_metrics day {day:?}: {e}"))),
    };
    let opt_u64 = |i: usize| -> rusqlite::Result<Option<u64>> {
        Ok(r.get::<_, Option<i64>>(i)?.map(|v| v as u64))
    };
    Ok(Ok(DailyMetrics {
        chain: r.get(0)?,
        day,
        source: r.get(2)?,
        hashrate_hs: r.get(3)?,
        difficulty_mean: r.get(4)?,
        block_count: opt_u64(5)?,
        tx_count: opt_u64(6)?,
        block_size_mean_bytes: r.get(7)?,
        fees_native: r.get(8)?,
        issuance_native: r.get(9)?,
        fees_usd: r.get(10)?,
        issuance_usd: r.get(11)?,
        price_usd: r.get(12)?,
        node_count: opt_u64(13)?,
    }))
}

pub(super) fn index_from_row(
    r: &Row<'_>,
) -> rusqlite::Result<std::result::Result<IndexSnapshot, String>> {
    let date: String = r.get(0)?;
    let Ok(date) = NaiveDate::parse_from_str(&date, "%Y-%m-%d") else {
        return Ok(Err(format!("index date {date:?} does not parse")));
    };
    Ok(Ok(IndexSnapshot {
        date,
        version: r.get(1)?,
        created_at: r.get(2)?,
        sha256: r.get(3)?,
        body: r.get(4)?,
    }))
}

//! RowBinary row types. Without validation the crate maps columns by
//! position, so each struct's field order is its `*_COLUMNS` order in sql.rs.

use blockwatt_domain::{Block, Checkpoint, DailyMetrics, IndexSnapshot, Transaction};
use chrono::NaiveDate;
use clickhouse::Row;
use serde::{Deserialize, Serialize};

use crate::{Hash32, Result, StoreError};

const EPOCH: NaiveDate = match NaiveDate::from_ymd_opt(1970, 1, 1) {
    Some(d) => d,
    None => panic!("1970-01-01 is a date"),
};

/// ClickHouse `Date`: days since 1970-01-01 as UInt16 (1970 .. 2149).
pub(super) fn to_ch_date(d: NaiveDate) -> Result<u16> {
    u16::try_from((d - EPOCH).num_days()).map_err(|_| {
        StoreError::Invalid(format!(
            "day {d} is outside ClickHouse's Date range 1970..2149"
        ))
    })
}

pub(super) fn from_ch_date(days: u16) -> NaiveDate {
    EPOCH + chrono::Days::new(u64::from(days))
}

/// ClickHouse `DateTime`: Unix seconds as UInt32.
pub(super) fn to_ch_time(t: i64) -> Result<u32> {
    u32::try_from(t).map_err(|_| {
        StoreError::Invalid(format!("time {t} is outside ClickHouse's DateTime range"))
    })
}

pub(super) fn date_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

#[derive(Debug, Clone, Row, Serialize, Deserialize)]
pub struct BlockRow {
    pub chain: String,
    pub height: u64,
    pub hash: String,
    pub parent_hash: String,
    pub time: u32,
    pub tx_count: u32,
    pub size_bytes: u64,
    pub weight: u64,
    pub gas_used: u64,
    pub gas_limit: u64,
    pub difficulty: f64,
    pub fees_native: f64,
    pub subsidy_native: f64,
    pub provisional: u8,
    pub version: u64,
    pub is_deleted: u8,
}

impl BlockRow {
    pub(super) fn new(b: &Block, version: u64) -> Result<Self> {
        Ok(BlockRow {
            chain: b.chain.clone(),
            height: b.height,
            hash: b.hash.clone(),
            parent_hash: b.parent_hash.clone(),
            time: to_ch_time(b.time)?,
            tx_count: b.tx_count,
            size_bytes: b.size_bytes,
            weight: b.weight,
            gas_used: b.gas_used,
            gas_limit: b.gas_limit,
            difficulty: b.difficulty,
            fees_native: b.fees_native,
            subsidy_native: b.subsidy_native,
            provisional: u8::from(b.provisional),
            version,
            is_deleted: 0,
        })
    }

    pub(super) fn into_block(self) -> Block {
        Block {
            chain: self.chain,
            height: self.height,
            hash: self.hash,
            parent_hash: self.parent_hash,
            time: i64::from(self.time),
            tx_count: self.tx_count,
            size_bytes: self.size_bytes,
            weight: self.weight,
            gas_used: self.gas_used,
            gas_limit: self.gas_limit,
            difficulty: self.difficulty,
            fees_native: self.fees_native,
            subsidy_native: self.subsidy_native,
            provisional: self.provisional != 0,
        }
    }
}

/// A row of `block_transactions`: hashes as their 32 bytes, sizes and
/// gas in 32 bits (a transaction's gas is bounded by its block's limit).
#[derive(Debug, Clone, Row, Serialize, Deserialize)]
pub struct TransactionRow {
    pub chain: String,
    pub block_height: u64,
    pub position: u32,
    pub txid: [u8; 32],
    pub block_hash: [u8; 32],
    /// Both hashes were written with `0x` (EVM chains).
    pub hex_0x: u8,
    /// The block's time: the row's partition is the chain's month. 0 for a
    /// transaction looked up alone, whose block is not stored.
    pub block_time: u32,
    pub size_bytes: u32,
    pub vsize: u32,
    pub gas_used: u32,
    pub fee_native: f64,
    pub version: u64,
    pub is_deleted: u8,
}

fn u32_of(t: &Transaction, what: &str, value: u64) -> Result<u32> {
    u32::try_from(value).map_err(|_| {
        StoreError::Invalid(format!(
            "transaction {}: {what} {value} does not fit 32 bits",
            t.txid
        ))
    })
}

impl TransactionRow {
    pub(super) fn new(t: &Transaction, version: u64, block_time: u32) -> Result<Self> {
        let (txid, block_hash) = Hash32::of_transaction(t)?;
        Ok(TransactionRow {
            chain: t.chain.clone(),
            block_height: t.block_height,
            position: t.position,
            txid: txid.bytes,
            block_hash: block_hash.bytes,
            hex_0x: u8::from(txid.prefixed),
            block_time,
            size_bytes: u32_of(t, "size", t.size_bytes)?,
            vsize: u32_of(t, "virtual size", t.vsize)?,
            gas_used: u32_of(t, "gas used", t.gas_used)?,
            fee_native: t.fee_native,
            version,
            is_deleted: 0,
        })
    }

    /// The tombstone of this row at `version`: same key and partition.
    pub(super) fn tombstone(&self, version: u64) -> TransactionRow {
        TransactionRow {
            version,
            is_deleted: 1,
            ..self.clone()
        }
    }

    pub(super) fn into_transaction(self) -> Transaction {
        let prefixed = self.hex_0x != 0;
        Transaction {
            chain: self.chain,
            txid: Hash32::text(&self.txid, prefixed),
            block_height: self.block_height,
            block_hash: Hash32::text(&self.block_hash, prefixed),
            position: self.position,
            size_bytes: u64::from(self.size_bytes),
            vsize: u64::from(self.vsize),
            gas_used: u64::from(self.gas_used),
            fee_native: self.fee_native,
        }
    }
}

/// A row of `txid_blocks`: the block of a txid's transaction.
#[derive(Debug, Clone, Row, Serialize, Deserialize)]
pub struct TxidBlockRow {
    pub chain: String,
    pub txid_prefix: [u8; 5],
    pub block_height: u64,
}

impl TxidBlockRow {
    pub(super) fn of(t: &TransactionRow) -> Self {
        TxidBlockRow {
            chain: t.chain.clone(),
            txid_prefix: Hash32::prefix_of(&t.txid),
            block_height: t.block_height,
        }
    }
}

/// A row of `block_hours` (migration 9): the heights of one write's
/// blocks in one hour.
#[derive(Debug, Clone, PartialEq, Eq, Row, Serialize, Deserialize)]
pub struct BlockHourRow {
    pub chain: String,
    /// Unix time / 3,600.
    pub hour: u32,
    pub low: u64,
    pub high: u64,
}

impl BlockHourRow {
    /// One row per chain and hour of `blocks`, the lowest and highest
    /// height it holds there.
    pub fn of(blocks: &[BlockRow]) -> Vec<BlockHourRow> {
        let mut hours: std::collections::BTreeMap<(&str, u32), (u64, u64)> =
            std::collections::BTreeMap::new();
        for b in blocks {
            let span = hours
                .entry((b.chain.as_str(), b.time / 3_600))
                .or_insert((b.height, b.height));
            *span = (span.0.min(b.height), span.1.max(b.height));
        }
        hours
            .into_iter()
            .map(|((chain, hour), (low, high))| BlockHourRow {
                chain: chain.to_owned(),
                hour,
                low,
                high,
            })
            .collect()
    }
}

/// A row of `contract_blocks`: one contract's part of one block.
#[derive(Debug, Clone, Row, Serialize, Deserialize)]
pub struct ContractBlockRow {
    pub chain: String,
    pub contract: [u8; 20],
    pub block_height: u64,
    /// [`ContractBlockRow::block_version`] of the block's row version.
    pub block_version: u32,
    pub transactions: u32,
    pub gas_used: u64,
}

impl ContractBlockRow {
    /// The part of a block's row version its contract rows keep: the low
    /// 32 bits, as the reads compute it from `blocks.version`.
    pub fn block_version(version: u64) -> u32 {
        (version & u64::from(u32::MAX)) as u32
    }
}

/// A UTC day of live blocks ([`super::sql::select_block_days`]).
#[derive(Debug, Clone, Row, Serialize, Deserialize)]
pub struct BlockDayRow {
    pub day_number: u32,
    pub blocks: u64,
    pub first_height: u64,
    pub last_height: u64,
    pub transactions: u64,
    pub gas_used: u64,
    /// The greatest `version` of the day's live blocks: with the count and
    /// the heights, what a kept [`ContractDaysRow`] must match.
    pub blocks_version: u64,
    /// The least: the same as `blocks_version` when one write holds the
    /// day's every live block.
    pub first_version: u64,
}

impl BlockDayRow {
    /// The day as its one write's range, when one write holds all its
    /// live blocks.
    pub fn one_write(&self) -> Option<LiveWriteRow> {
        (self.first_version == self.blocks_version).then(|| LiveWriteRow {
            day_number: self.day_number,
            block_version: ContractBlockRow::block_version(self.blocks_version),
            low: self.first_height,
            high: self.last_height,
            blocks: self.blocks,
        })
    }
}

/// The rows of `blocks` at a run's heights, every version, of one part
/// (of one shard: `''` on one server), side of the period, kind (live or
/// tombstone) and UTC day, summed as a [`BlockDayRow`]
/// ([`super::sql::select_block_days_by_part`]).
#[derive(Debug, Clone, Row, Serialize, Deserialize)]
pub struct BlockPartDayRow {
    pub shard: String,
    pub part: String,
    pub in_time: u8,
    pub is_deleted: u8,
    pub day: BlockDayRow,
}

/// A row of `contract_days` (migration 8): a contract's sums over one
/// day's live blocks, and the blocks they were summed over.
#[derive(Debug, Clone, Row, Serialize, Deserialize)]
pub struct ContractDaysRow {
    pub chain: String,
    pub contract: [u8; 20],
    pub day: u32,
    pub blocks: u64,
    pub first_height: u64,
    pub last_height: u64,
    pub blocks_version: u64,
    pub recorded_blocks: u64,
    pub transactions: u64,
    pub gas_used: u64,
}

impl ContractDaysRow {
    /// Whether this was summed over the blocks `day` holds now.
    pub fn sums(&self, day: &BlockDayRow) -> bool {
        self.day == day.day_number
            && self.blocks == day.blocks
            && self.first_height == day.first_height
            && self.last_height == day.last_height
            && self.blocks_version == day.blocks_version
    }
}

/// The live blocks of one UTC day that one write holds, by their lowest
/// and highest height ([`super::sql::select_live_block_writes`]).
#[derive(Debug, Clone, PartialEq, Eq, Row, Serialize, Deserialize)]
pub struct LiveWriteRow {
    pub day_number: u32,
    /// The write's version as `contract_blocks` keeps it (low 32 bits).
    pub block_version: u32,
    pub low: u64,
    pub high: u64,
    /// How many live blocks: `high - low + 1` when the write holds every
    /// height of its range.
    pub blocks: u64,
}

/// A UTC day's recorded blocks (`mark` 1) or a contract's use (`mark` 0)
/// ([`super::sql::select_contract_days`]).
#[derive(Debug, Clone, Row, Serialize, Deserialize)]
pub struct ContractDayRow {
    pub day_number: u32,
    pub mark: u8,
    pub blocks: u64,
    pub transactions: u64,
    pub gas_used: u64,
}

/// [`ContractDayRow`]'s sums from one part (of one shard: `''` on one
/// server), with their lowest and highest height
/// ([`super::sql::select_contract_part_days_by_writes`]).
#[derive(Debug, Clone, Row, Serialize, Deserialize)]
pub struct ContractPartDayRow {
    pub shard: String,
    pub part: String,
    pub day_number: u32,
    pub mark: u8,
    pub blocks: u64,
    pub transactions: u64,
    pub gas_used: u64,
    pub low: u64,
    pub high: u64,
}

/// A contract's part of a live block, as [`super::sql::select_contract_uses`] reads it.
#[derive(Debug, Clone, Row, Serialize, Deserialize)]
pub struct ContractUseRow {
    pub block_height: u64,
    pub transactions: u32,
    pub gas_used: u64,
}

#[derive(Debug, Clone, Row, Serialize, Deserialize)]
pub struct DailyRow {
    pub chain: String,
    pub day: u16,
    pub source: String,
    pub hashrate_hs: Option<f64>,
    pub difficulty_mean: Option<f64>,
    pub block_count: Option<u64>,
    pub tx_count: Option<u64>,
    pub block_size_mean_bytes: Option<f64>,
    pub fees_native: Option<f64>,
    pub issuance_native: Option<f64>,
    pub fees_usd: Option<f64>,
    pub issuance_usd: Option<f64>,
    pub price_usd: Option<f64>,
    pub node_count: Option<u64>,
    pub version: u64,
    pub is_deleted: u8,
}

impl DailyRow {
    pub(super) fn new(m: &DailyMetrics, version: u64) -> Result<Self> {
        Ok(DailyRow {
            chain: m.chain.clone(),
            day: to_ch_date(m.day)?,
            source: m.source.clone(),
            hashrate_hs: m.hashrate_hs,
            difficulty_mean: m.difficulty_mean,
            block_count: m.block_count,
            tx_count: m.tx_count,
            block_size_mean_bytes: m.block_size_mean_bytes,
            fees_native: m.fees_native,
            issuance_native: m.issuance_native,
            fees_usd: m.fees_usd,
            issuance_usd: m.issuance_usd,
            price_usd: m.price_usd,
            node_count: m.node_count,
            version,
            is_deleted: 0,
        })
    }

    pub(super) fn into_metrics(self) -> DailyMetrics {
        DailyMetrics {
            chain: self.chain,
            day: from_ch_date(self.day),
            source: self.source,
            hashrate_hs: self.hashrate_hs,
            difficulty_mean: self.difficulty_mean,
            block_count: self.block_count,
            tx_count: self.tx_count,
            block_size_mean_bytes: self.block_size_mean_bytes,
            fees_native: self.fees_native,
            issuance_native: self.issuance_native,
            fees_usd: self.fees_usd,
            issuance_usd: self.issuance_usd,
            price_usd: self.price_usd,
            node_count: self.node_count,
        }
    }
}

#[derive(Debug, Clone, Row, Serialize, Deserialize)]
pub struct LeaseRow {
    pub name: String,
    pub holder: String,
    pub expires_at_ms: i64,
    pub version: u64,
}

impl LeaseRow {
    pub(super) fn new(l: &crate::Lease) -> Self {
        LeaseRow {
            name: l.name.clone(),
            holder: l.holder.clone(),
            expires_at_ms: l.expires_at_ms,
            version: l.version,
        }
    }

    pub(super) fn into_lease(self) -> crate::Lease {
        crate::Lease {
            name: self.name,
            holder: self.holder,
            expires_at_ms: self.expires_at_ms,
            version: self.version,
        }
    }
}

#[derive(Debug, Clone, Row, Serialize, Deserialize)]
pub struct CheckpointRow {
    pub chain: String,
    pub source: String,
    pub height: u64,
    pub hash: String,
    pub updated_at: u32,
    pub version: u64,
    pub is_deleted: u8,
}

impl CheckpointRow {
    pub(super) fn into_checkpoint(self) -> Checkpoint {
        Checkpoint {
            chain: self.chain,
            source: self.source,
            height: self.height,
            hash: self.hash,
        }
    }
}

#[derive(Debug, Clone, Row, Serialize, Deserialize)]
pub struct IndexRow {
    pub date: u16,
    pub version: u32,
    pub created_at: u32,
    pub sha256: String,
    pub body: String,
    pub row_version: u64,
    pub is_deleted: u8,
}

impl IndexRow {
    pub(super) fn into_snapshot(self) -> IndexSnapshot {
        IndexSnapshot {
            date: from_ch_date(self.date),
            version: self.version,
            created_at: i64::from(self.created_at),
            sha256: self.sha256,
            body: self.body,
        }
    }
}

/// [`super::sql::select_height_span_in_time`]: `low` and `high` are 0
/// when `rows` is.
#[derive(Debug, Row, Deserialize)]
pub struct HeightSpanRow {
    pub rows: u64,
    pub low: u64,
    pub high: u64,
}

#[derive(Debug, Row, Deserialize)]
pub struct TotalsRow {
    pub blocks: u64,
    pub size_bytes: u64,
    pub gas_used: u64,
    pub tx_count: u64,
    pub fees_native: f64,
}

#[derive(Debug, Clone, Row, Serialize, Deserialize)]
pub struct TransactionTotalsRow {
    pub transactions: u64,
    pub vsize: u64,
    pub gas_used: u64,
}

#[derive(Debug, Clone, Row, Serialize, Deserialize)]
pub struct CoverageRow {
    pub first: u16,
    pub last: u16,
    pub count: u64,
}

impl CoverageRow {
    /// The first and last day, when any row matched.
    pub fn days(&self) -> Option<(NaiveDate, NaiveDate)> {
        (self.count > 0).then(|| (from_ch_date(self.first), from_ch_date(self.last)))
    }
}

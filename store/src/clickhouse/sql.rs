//! Every statement the ClickHouse backend sends, in one place.
//!
//! The SQL must run on ClickHouse 18.16 (what Debian ships, and so what our
//! CI serves) and on current releases (what users run). So: no JSON type,
//! no DateTime64, no `ALTER … DELETE`, `ReplacingMergeTree(version)` with
//! `chain` first in `ORDER BY`, and reads through `FINAL` with the
//! `is_deleted` tombstone filter *outside* the `FINAL` subquery (a filter
//! inside could drop the tombstone before it replaces the live row).
//!
//! [`shapes`] lists every query with sample parameters;
//! `.ci/clickhouse_sql_check.py` runs them all on a current ClickHouse.

use super::rows::LiveWriteRow;
use super::schema::Layout;

pub const BLOCK_COLUMNS: &str = "chain, height, hash, parent_hash, time, tx_count, size_bytes, weight, \
     gas_used, gas_limit, difficulty, fees_native, subsidy_native, provisional, version, is_deleted";
pub const TRANSACTION_COLUMNS: &str =
    "chain, block_height, position, txid, block_hash, hex_0x, block_time, size_bytes, \
     vsize, gas_used, fee_native, version, is_deleted";
pub const DAILY_COLUMNS: &str = "chain, day, source, hashrate_hs, difficulty_mean, block_count, tx_count, \
     block_size_mean_bytes, fees_native, issuance_native, fees_usd, issuance_usd, price_usd, node_count, \
     version, is_deleted";
pub const CHECKPOINT_COLUMNS: &str = "chain, source, height, hash, updated_at, version, is_deleted";
pub const INDEX_COLUMNS: &str = "date, version, created_at, sha256, body, row_version, is_deleted";

/// `SELECT cols FROM (SELECT cols FROM table FINAL WHERE key_filter) WHERE is_deleted = 0 tail`
fn live(columns: &str, table: &str, key_filter: &str, tail: &str) -> String {
    format!(
        "SELECT {columns} FROM (SELECT {columns} FROM {table} FINAL WHERE {key_filter}) WHERE is_deleted = 0{tail}"
    )
}

pub fn select_applied_migrations() -> String {
    "SELECT version FROM schema_migrations FINAL ORDER BY version".to_owned()
}
pub fn select_one() -> String {
    "SELECT toUInt8(1)".to_owned()
}
pub fn create_database() -> String {
    super::schema::Layout::Single.create_database()
}
pub fn select_block_at() -> String {
    live(BLOCK_COLUMNS, "blocks", "chain = ? AND height = ?", "")
}
/// Block rows of any write, tombstones too, at heights `BETWEEN ? AND ?`
/// of a chain: whether a write there is the first.
pub fn count_blocks_stored() -> String {
    "SELECT count() FROM blocks WHERE chain = ? AND height BETWEEN ? AND ?".to_owned()
}
pub fn select_block_by_hash() -> String {
    live(
        BLOCK_COLUMNS,
        "blocks",
        "chain = ? AND hash = ?",
        " ORDER BY height DESC LIMIT 1",
    )
}
pub fn select_blocks_range() -> String {
    live(
        BLOCK_COLUMNS,
        "blocks",
        "chain = ? AND height >= ? AND height <= ?",
        " ORDER BY height",
    )
}
/// Bounds around the heights of the blocks written with a time in the
/// hours `?` to `?` (Unix time / 3,600, both included): from
/// `block_hours` (migration 9), a row per hour and write, so the reads
/// below merge versions (`FINAL`) only over the granules of these heights,
/// not over the chain's whole history (the blocks are ordered by height,
/// not time), and finding them does not scan the chain's `time` column.
/// Binds: chain, first hour, last hour.
pub fn select_height_span_in_time() -> String {
    "SELECT count() AS rows, min(low) AS low, max(high) AS high FROM block_hours \
     WHERE chain = ? AND hour >= ? AND hour <= ?"
        .to_owned()
}
/// The live blocks of a time range within the heights that
/// [`select_height_span_in_time`] found. Binds: chain, low, high, from, to.
pub fn select_blocks_in_time() -> String {
    live(BLOCK_COLUMNS, "blocks", IN_TIME, " ORDER BY height")
}
const IN_TIME: &str = "chain = ? AND height BETWEEN ? AND ? AND time >= ? AND time < ?";
/// Sums, not rows: the tombstone filter stays outside `FINAL` as in
/// [`live`]. Binds as [`select_blocks_in_time`].
pub fn select_block_totals_in_time() -> String {
    format!(
        "SELECT count(), sum(size_bytes), sum(gas_used), sum(toUInt64(tx_count)), sum(fees_native) FROM \
         (SELECT size_bytes, gas_used, tx_count, fees_native, is_deleted FROM blocks FINAL \
         WHERE {IN_TIME}) WHERE is_deleted = 0"
    )
}
/// A block's totals: a range of `block_transactions`' key. The hash is
/// bound as hex digits.
pub fn select_block_transaction_totals() -> String {
    "SELECT count(), sum(vsize), sum(gas_used) FROM \
     (SELECT vsize, gas_used, block_hash, is_deleted FROM block_transactions FINAL \
     WHERE chain = ? AND block_height = ?) WHERE is_deleted = 0 AND block_hash = unhex(?)"
        .to_owned()
}
pub fn select_blocks_above() -> String {
    live(
        BLOCK_COLUMNS,
        "blocks",
        "chain = ? AND height > ?",
        " ORDER BY height",
    )
}
pub fn select_tip() -> String {
    live(
        BLOCK_COLUMNS,
        "blocks",
        "chain = ?",
        " ORDER BY height DESC LIMIT 1",
    )
}
/// The blocks a txid may be in: every entry under its 5-byte prefix,
/// bound as hex digits (stale ones included; the transaction row decides).
pub fn select_txid_blocks() -> String {
    "SELECT DISTINCT block_height FROM txid_blocks WHERE chain = ? AND txid_prefix = unhex(?) \
     ORDER BY block_height DESC"
        .to_owned()
}
/// A transaction by txid within one block: a key range of
/// `block_transactions`, the full txid (bound as hex digits) deciding.
/// One query with the heights as an `IN (subquery)` instead was 10× slower
/// on 18.16 (bench/README.md): its key analysis does not use the set.
pub fn select_transaction_in_block() -> String {
    live(
        TRANSACTION_COLUMNS,
        "block_transactions",
        "chain = ? AND block_height = ?",
        " AND txid = unhex(?)",
    )
}
/// A block row's version as its `contract_blocks` rows keep it (the low
/// 32 bits, `ContractBlockRow::block_version`; migration 12's carry
/// computes it the same way in its own text).
const BLOCK_VERSION: &str = "toUInt32(bitAnd(version, 4294967295))";
/// The live blocks `chain = ? AND height BETWEEN ? AND ?` as (height,
/// [`BLOCK_VERSION`]), for an `IN` that keeps the `contract_blocks` rows
/// of live blocks only. `GLOBAL`: on a cluster the set is built once and
/// sent to every shard (a plain `IN` over two `Distributed` tables is
/// refused).
fn live_block_keys() -> String {
    format!(
        "(block_height, block_version) GLOBAL IN (SELECT height, {BLOCK_VERSION} FROM \
         (SELECT height, version, is_deleted FROM blocks FINAL WHERE chain = ? AND height BETWEEN ? AND ?) \
         WHERE is_deleted = 0)"
    )
}
/// A contract's part of each live block `block_height BETWEEN ? AND ?`
/// (the contract bound as hex digits), then the live-block filter's
/// chain and range. Rows written twice fold in the `GROUP BY`.
pub fn select_contract_uses() -> String {
    format!(
        "SELECT block_height, any(transactions) AS transactions, any(gas_used) AS gas_used \
         FROM contract_blocks WHERE chain = ? AND contract = unhex(?) \
         AND block_height BETWEEN ? AND ? AND {} \
         GROUP BY block_height, block_version ORDER BY block_height",
        live_block_keys()
    )
}
/// How many live blocks `block_height BETWEEN ? AND ?` had their logs
/// recorded (a row under the zero address), binds as
/// [`select_contract_uses`] without the contract.
pub fn select_logs_recorded() -> String {
    format!(
        "SELECT count() FROM (SELECT DISTINCT block_height, block_version FROM contract_blocks \
         WHERE chain = ? AND contract = toFixedString(unhex('{}'), 20) \
         AND block_height BETWEEN ? AND ? AND {})",
        "0".repeat(40),
        live_block_keys()
    )
}
/// The zero address as `contract_blocks` holds it: the mark of a block
/// whose logs were read.
fn logs_recorded_mark() -> String {
    format!("toFixedString(unhex('{}'), 20)", "0".repeat(40))
}
/// The live blocks of a time range summed per UTC day (days since
/// 1970-01-01, whatever the server's time zone). Binds as
/// [`select_blocks_in_time`].
///
/// The least `version` beside the greatest tells a day that one write
/// holds: a first read of a contract's days then has that write's range
/// from here, and reads the blocks again only for the other days
/// ([`select_live_block_writes`]). By hand on a quarter of a BNB Smart
/// Chain-sized year (10.5 million blocks), it cost nothing measurable
/// (medians 1.50 s with it, 1.53 s without, 8 runs in turn); grouping by
/// day and write instead, to have every day's writes, took 3–8 % longer
/// on every read, kept ones included.
pub fn select_block_days() -> String {
    format!(
        "SELECT toUInt32(intDiv(toUInt32(time), 86400)) AS day_number, count() AS blocks, \
         min(height) AS first_height, max(height) AS last_height, sum(tx_count) AS transactions, \
         sum(gas_used) AS gas_used, max(version) AS blocks_version, min(version) AS first_version FROM \
         (SELECT height, time, tx_count, gas_used, version, is_deleted \
         FROM blocks FINAL WHERE {IN_TIME}) WHERE is_deleted = 0 \
         GROUP BY day_number ORDER BY day_number"
    )
}

/// Every row of `blocks` at a run's heights, live or not, summed per
/// shard, part, UTC day, whether its time lies in the period, and whether
/// it is a tombstone: [`select_block_days`] without `FINAL`, with what
/// shows whether `FINAL` would change anything (`super::without_final`).
/// One statement, so the parts it checks are the parts it sums. Binds:
/// the period's start and end (seconds), then chain and the heights.
///
/// On a cluster, two shards' parts can bear one name, and their heights
/// interleave (rows are spread by a hash), so each row is named by its
/// shard too: the `shard` macro of the server that reads it, joined from
/// `system.macros`. A statement whose outermost `FROM` is a `Distributed`
/// table runs whole on one replica of each shard, joins included, so each
/// shard joins its own macro (18.16 has no `getMacro()` or `_shard_num`).
/// Every server of a store's cluster defines `shard`: the ZooKeeper paths
/// of its tables take it (`schema`). On one server the shard is `''`.
pub fn select_block_days_by_part(layout: &Layout) -> String {
    let (shard, join) = match layout {
        Layout::Single => ("'' AS shard", ""),
        Layout::Cluster { .. } => (
            "shard",
            " ANY LEFT JOIN (SELECT substitution AS shard, \
             arrayJoin([toUInt8(0), toUInt8(1)]) AS is_deleted \
             FROM system.macros WHERE macro = 'shard') AS s USING (is_deleted)",
        ),
    };
    format!(
        "SELECT {shard}, _part AS part, toUInt8(time >= ? AND time < ?) AS in_time, is_deleted, \
         toUInt32(intDiv(toUInt32(time), 86400)) AS day_number, count() AS blocks, \
         min(height) AS first_height, max(height) AS last_height, sum(tx_count) AS transactions, \
         sum(gas_used) AS gas_used, max(version) AS blocks_version, min(version) AS first_version \
         FROM blocks{join} WHERE chain = ? AND height BETWEEN ? AND ? \
         GROUP BY shard, part, day_number, in_time, is_deleted"
    )
}
/// Per UTC day of the live blocks `height BETWEEN ? AND ?`: how many had
/// their logs recorded (`mark` 1) and the contract's use of them (`mark`
/// 0; the contract bound as hex digits). Binds: chain, contract, the
/// range, then chain and the range again for the live blocks. The day
/// comes from the block write the row names (height and
/// [`BLOCK_VERSION`]), so rows of orphaned blocks join nothing. Used where
/// [`select_contract_days_by_writes`] cannot answer (a height written
/// again inside a write's range, or very many writes).
///
/// Written for a year of blocks (2.6 million on Ethereum, bench
/// `time_reads`): the two sides meet on one `UInt64`, the height above
/// the version's 32 bits (so heights must stay below 2^32, which the
/// caller checks), which 18.16 joined two to three times faster than on
/// two columns; retried rows fold under `FINAL` rather than a `GROUP BY`
/// of every row. `ALL`, not `ANY`: a block's
/// mark and the contract's row share its key, and current releases keep
/// one left row per key under `ANY INNER` (18.16 kept both); the live
/// blocks are unique per key, so `ALL` adds nothing.
pub fn select_contract_days() -> String {
    let mark = logs_recorded_mark();
    format!(
        "SELECT day_number, mark, count() AS blocks, sum(tx) AS transactions, sum(gas) AS gas_used FROM \
         (SELECT toUInt8(contract = {mark}) AS mark, \
         bitOr(bitShiftLeft(block_height, 32), toUInt64(block_version)) AS block_key, \
         transactions AS tx, gas_used AS gas FROM contract_blocks FINAL \
         WHERE chain = ? AND (contract = unhex(?) OR contract = {mark}) AND block_height BETWEEN ? AND ?) AS c \
         GLOBAL ALL INNER JOIN \
         (SELECT bitOr(bitShiftLeft(height, 32), toUInt64({BLOCK_VERSION})) AS block_key, \
         toUInt32(intDiv(toUInt32(time), 86400)) AS day_number FROM \
         (SELECT height, version, time, is_deleted FROM blocks FINAL WHERE chain = ? AND height BETWEEN ? AND ?) \
         WHERE is_deleted = 0) AS b USING (block_key) \
         GROUP BY day_number, mark ORDER BY day_number, mark"
    )
}
/// The live blocks of `chain = ?` at the heights `ranges` name (each
/// `low..=high`, written into the statement), grouped by UTC day and by
/// the write that holds them ([`BLOCK_VERSION`]): each group's lowest and
/// highest height and its count, lowest first. Read for the days of a
/// run that more than one write holds, over each such day's heights (see
/// [`select_block_days`]); the other days are each their own write.
pub fn select_live_block_writes(ranges: &[(u64, u64)]) -> String {
    let heights: Vec<String> = ranges
        .iter()
        .map(|(low, high)| format!("height BETWEEN {low} AND {high}"))
        .collect();
    let heights = if heights.is_empty() {
        "0".to_owned()
    } else {
        heights.join(" OR ")
    };
    format!(
        "SELECT toUInt32(intDiv(toUInt32(time), 86400)) AS day_number, {BLOCK_VERSION} AS block_version, \
         min(height) AS low, max(height) AS high, count() AS blocks FROM \
         (SELECT height, version, time, is_deleted FROM blocks FINAL WHERE chain = ? AND ({heights})) \
         WHERE is_deleted = 0 GROUP BY day_number, block_version ORDER BY low"
    )
}
/// [`select_contract_days`] without joining the blocks, for a range whose
/// live writes ([`select_live_block_writes`]) each hold every height
/// between their lowest and highest: a `contract_blocks` row counts for
/// the day of the write whose range holds its height if it names that
/// write, and for no day otherwise. Binds: chain, contract (hex digits),
/// the range.
///
/// This is the join's answer exactly, with no assumption about how
/// writes take versions: every height of such a range has its live block
/// in that write (so the ranges are disjoint), and the join keeps a row
/// exactly when a live block has its height and version.
///
/// A row finds its write through buckets of [`write_bucket`] heights: the
/// writes cut at bucket edges are joined on the row's bucket (a few
/// hundred to a few thousand pieces, as plain arrays: 18.16 parsed an
/// array of 1,120 tuples in 4.6 s, of numbers in 0.02 s), then its range
/// and version are tested. For a month of a BNB Smart Chain-sized chain
/// (3.6 million blocks) on 18.16, by hand: 1.4–1.9 s for 1 to 500
/// writes, where the join of the blocks took 3.2–4.7 s and a `multiIf`
/// over the writes 1.3 s for one write, 2.2 s for 31 and 12 s for 248.
pub fn select_contract_days_by_writes(writes: &[LiveWriteRow]) -> String {
    contract_days_by_writes(writes, false)
}
/// [`select_contract_days_by_writes`] without `FINAL`, summed per shard
/// and part too, each group with its lowest and highest height: where no
/// key has two rows among them, their sums are the answer
/// (`super::without_final`). `FINAL` took 1.3 s of a BNB Smart
/// Chain-sized month's `contract_blocks` rows that took 0.33 s without
/// it, merged into one part (18.16, by hand). Binds as the other.
///
/// On a cluster, `contract_blocks` is the outermost `FROM`, joined to the
/// writes' pieces `ON` the row's bucket, so that the whole statement runs
/// on each shard and each row is named by its shard, as in
/// [`select_block_days_by_part`]: the pieces are read from that shard's
/// `system.macros`. (18.16 refuses `_part` in a subquery over a
/// `Distributed` table.) One server keeps the subquery: there, a BNB
/// Smart Chain-sized year's first read took a median of 8.8 s with this
/// cluster's form and 7.6 s with the subquery (7 rounds in turn,
/// bench/README.md).
pub fn select_contract_part_days_by_writes(writes: &[LiveWriteRow], layout: &Layout) -> String {
    if *layout == Layout::Single {
        return contract_days_by_writes(writes, true);
    }
    let mark = logs_recorded_mark();
    let (bucket, pieces) = write_piece_arrays(writes);
    format!(
        "SELECT shard, _part AS part, day_number, toUInt8(contract = {mark}) AS mark, \
         count() AS blocks, sum(transactions) AS transactions, sum(gas_used) AS gas_used, \
         min(block_height) AS low, max(block_height) AS high FROM contract_blocks ALL INNER JOIN \
         (SELECT substitution AS shard, bucket, piece_low, piece_high, piece_version, day_number \
         FROM system.macros ARRAY JOIN {pieces} WHERE macro = 'shard') AS w \
         ON intDiv(block_height, {bucket}) = w.bucket \
         WHERE chain = ? AND (contract = unhex(?) OR contract = {mark}) AND block_height BETWEEN ? AND ? \
         AND block_height >= piece_low AND block_height <= piece_high AND block_version = piece_version \
         GROUP BY shard, part, day_number, mark ORDER BY day_number, mark"
    )
}
/// [`select_contract_days_by_writes`] on one server, with `FINAL` or per
/// part (`by_part`, the shard `''`): the contract's rows in a subquery,
/// joined on their bucket.
fn contract_days_by_writes(writes: &[LiveWriteRow], by_part: bool) -> String {
    // Per part: the part's name beside each row, grouped by it, with each
    // group's heights.
    let (part, part_column, table, heights, group) = if by_part {
        (
            "'' AS shard, part, ",
            "_part AS part, ",
            "contract_blocks",
            ", min(block_height) AS low, max(block_height) AS high",
            "shard, part, ",
        )
    } else {
        ("", "", "contract_blocks FINAL", "", "")
    };
    let mark = logs_recorded_mark();
    let (bucket, pieces) = write_piece_arrays(writes);
    format!(
        "SELECT {part}day_number, mark, count() AS blocks, sum(transactions) AS transactions, \
         sum(gas_used) AS gas_used{heights} FROM \
         (SELECT intDiv(block_height, {bucket}) AS bucket, {part_column}block_height, block_version, \
         toUInt8(contract = {mark}) AS mark, transactions, gas_used FROM {table} \
         WHERE chain = ? AND (contract = unhex(?) OR contract = {mark}) AND block_height BETWEEN ? AND ?) AS c \
         ALL INNER JOIN \
         (SELECT bucket, piece_low, piece_high, piece_version, day_number FROM system.one ARRAY JOIN \
         {pieces}) AS w USING (bucket) \
         WHERE block_height >= piece_low AND block_height <= piece_high AND block_version = piece_version \
         GROUP BY {group}day_number, mark ORDER BY day_number, mark"
    )
}
/// The bucket width for `writes` ([`write_bucket`]) and their pieces as
/// the `ARRAY JOIN` list of [`select_contract_days_by_writes`]: columns
/// `bucket`, `piece_low`, `piece_high`, `piece_version`, `day_number`.
fn write_piece_arrays(writes: &[LiveWriteRow]) -> (u64, String) {
    let span = writes
        .iter()
        .map(|w| w.low)
        .min()
        .zip(writes.iter().map(|w| w.high).max());
    let bucket = write_bucket(span.map_or(0, |(low, high)| high.saturating_sub(low)));
    let pieces = write_pieces(writes, bucket);
    let column = |f: &dyn Fn(&WritePiece) -> u64| -> String {
        let items: Vec<String> = pieces.iter().map(|p| f(p).to_string()).collect();
        items.join(",")
    };
    let arrays = format!(
        "CAST([{}] AS Array(UInt64)) AS bucket, CAST([{}] AS Array(UInt64)) AS piece_low, \
         CAST([{}] AS Array(UInt64)) AS piece_high, CAST([{}] AS Array(UInt32)) AS piece_version, \
         CAST([{}] AS Array(UInt32)) AS day_number",
        column(&|p| p.bucket),
        column(&|p| p.low),
        column(&|p| p.high),
        column(&|p| u64::from(p.version)),
        column(&|p| u64::from(p.day_number)),
    );
    (bucket, arrays)
}
/// The heights a bucket of [`select_contract_days_by_writes`] spans for a
/// range `span` heights wide: at least 4,096 (a month of a 0.75 s chain
/// in about 870 buckets), and wide enough for at most about 2,048 buckets.
pub(super) fn write_bucket(span: u64) -> u64 {
    (span / 2_048 + 1).next_power_of_two().max(4_096)
}
/// A write's heights within one bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct WritePiece {
    pub bucket: u64,
    pub low: u64,
    pub high: u64,
    pub version: u32,
    pub day_number: u32,
}
/// Each write cut at the edges of buckets `bucket` heights wide.
pub(super) fn write_pieces(writes: &[LiveWriteRow], bucket: u64) -> Vec<WritePiece> {
    let mut pieces = Vec::new();
    for w in writes {
        let mut low = w.low;
        while low <= w.high {
            let b = low / bucket;
            let high = w
                .high
                .min(b.saturating_mul(bucket).saturating_add(bucket - 1));
            pieces.push(WritePiece {
                bucket: b,
                low,
                high,
                version: w.block_version,
                day_number: w.day_number,
            });
            match high.checked_add(1) {
                Some(next) => low = next,
                None => break,
            }
        }
    }
    pieces
}
/// A contract's kept per-day sums (migration 8) of the days
/// `day BETWEEN ? AND ?`, every row of each: the caller keeps those that
/// match the day's blocks now. Binds: chain, contract (hex digits), the
/// first and last day.
pub fn select_kept_contract_days() -> String {
    "SELECT chain, contract, day, blocks, first_height, last_height, blocks_version, \
     recorded_blocks, transactions, gas_used FROM contract_days \
     WHERE chain = ? AND contract = unhex(?) AND day BETWEEN ? AND ?"
        .to_owned()
}
/// The live transactions above a height: what a rollback tombstones.
pub fn select_transactions_above() -> String {
    live(
        TRANSACTION_COLUMNS,
        "block_transactions",
        "chain = ? AND block_height > ?",
        "",
    )
}
/// The lease's row of greatest version (ties between two claimants'
/// rows of one version: the greater holder, so every reader agrees).
pub fn select_lease() -> String {
    "SELECT name, holder, expires_at_ms, version FROM leases FINAL WHERE name = ? \
     ORDER BY version DESC, holder DESC LIMIT 1"
        .to_owned()
}
pub fn select_checkpoint() -> String {
    live(
        CHECKPOINT_COLUMNS,
        "checkpoints",
        "chain = ? AND source = ?",
        "",
    )
}
pub fn select_checkpoints_above() -> String {
    live(
        CHECKPOINT_COLUMNS,
        "checkpoints",
        "chain = ? AND height > ?",
        "",
    )
}
pub fn select_daily_range() -> String {
    live(
        DAILY_COLUMNS,
        "daily_metrics",
        "chain = ? AND day >= ? AND day <= ?",
        " ORDER BY day, source",
    )
}
pub fn select_daily_coverage() -> String {
    daily_coverage_where("chain = ?")
}
pub fn select_daily_source_coverage() -> String {
    daily_coverage_where("chain = ? AND source = ?")
}
/// First day, last day and count of live daily rows matching `filter`.
fn daily_coverage_where(filter: &str) -> String {
    format!(
        "SELECT min(day), max(day), count() FROM \
         (SELECT day, is_deleted FROM daily_metrics FINAL WHERE {filter}) WHERE is_deleted = 0"
    )
}
pub fn select_index_version() -> String {
    live(INDEX_COLUMNS, "indices", "date = ? AND version = ?", "")
}
pub fn select_index_latest() -> String {
    live(
        INDEX_COLUMNS,
        "indices",
        "date = ?",
        " ORDER BY version DESC LIMIT 1",
    )
}
pub fn select_indices() -> String {
    live(INDEX_COLUMNS, "indices", "1 = 1", " ORDER BY date, version")
}

/// The sample transaction of [`shapes`] (Bitcoin block 50,000's first).
pub const SAMPLE_TXID: &str = "0d37522b89f991f8433b80f709ad31862a54435cd003f25732fe405e9db93216";

/// The sample contract of [`shapes`] (Tether USD on Ethereum), as the
/// store binds it: hex digits without `0x`.
pub const SAMPLE_CONTRACT: &str = "dac17f958d2ee523a2206206994597c13d831ec7";

/// A query with sample parameters bound, as the server receives it.
pub struct Shape {
    pub name: &'static str,
    pub sql: String,
}

/// Every read query above with sample parameters, for the SQL check on a
/// current ClickHouse. `shapes_cover_every_query` keeps this list complete.
pub fn shapes() -> Vec<Shape> {
    let c = ::clickhouse::Client::default();
    let bound = |name: &'static str, q: ::clickhouse::query::Query| Shape {
        name,
        sql: q.sql_display().to_string(),
    };
    let sample_writes = [
        LiveWriteRow {
            day_number: 19_300,
            block_version: 7,
            low: 16_000_000,
            high: 16_003_599,
            blocks: 3_600,
        },
        LiveWriteRow {
            day_number: 19_301,
            block_version: 9,
            low: 16_003_600,
            high: 16_007_199,
            blocks: 3_600,
        },
    ];
    // The sample EVM block range, then the chain and range again for the
    // live-block filter of the contract queries.
    let evm_range = |q: ::clickhouse::query::Query| {
        q.bind(16_000_000u64)
            .bind(16_007_199u64)
            .bind("ethereum")
            .bind(16_000_000u64)
            .bind(16_007_199u64)
    };
    // A cluster's statements run here on one server: they read its
    // `system.macros`, which has no `shard`, so they find no rows, but
    // every part of them is checked.
    let cluster = Layout::Cluster {
        cluster: "blockwatt".into(),
        database: "blockwatt_check".into(),
    };
    let block_parts = |layout: &Layout| {
        c.query(&select_block_days_by_part(layout))
            .bind(1_670_000_000u32)
            .bind(1_670_086_400u32)
            .bind("ethereum")
            .bind(16_000_000u64)
            .bind(16_007_199u64)
    };
    let contract_parts = |layout: &Layout| {
        c.query(&select_contract_part_days_by_writes(&sample_writes, layout))
            .bind("ethereum")
            .bind(SAMPLE_CONTRACT)
            .bind(16_000_000u64)
            .bind(16_007_199u64)
    };
    vec![
        bound(
            "select_applied_migrations",
            c.query(&select_applied_migrations()),
        ),
        bound("select_one", c.query(&select_one())),
        bound(
            "create_database",
            c.query(&create_database())
                .bind(::clickhouse::sql::Identifier("blockwatt_check")),
        ),
        bound(
            "select_block_at",
            c.query(&select_block_at()).bind("bitcoin").bind(50_000u64),
        ),
        bound(
            "count_blocks_stored",
            c.query(&count_blocks_stored())
                .bind("bitcoin")
                .bind(50_000u64)
                .bind(50_009u64),
        ),
        bound(
            "select_block_by_hash",
            c.query(&select_block_by_hash())
                .bind("bitcoin")
                .bind("000000001aeae195809d120b5d66a39c83eb48792e068f8ea1fea19d84a4278a"),
        ),
        bound(
            "select_blocks_range",
            c.query(&select_blocks_range())
                .bind("bitcoin")
                .bind(50_000u64)
                .bind(50_002u64),
        ),
        bound(
            "select_height_span_in_time",
            c.query(&select_height_span_in_time())
                .bind("bitcoin")
                // The hour of the sample block (time 1,270,000,000).
                .bind(1_270_000_000u32 / 3_600)
                .bind(1_270_000_000u32 / 3_600),
        ),
        bound(
            "select_blocks_in_time",
            c.query(&select_blocks_in_time())
                .bind("bitcoin")
                .bind(49_000u64)
                .bind(51_000u64)
                .bind(1_269_000_000u32)
                .bind(1_269_086_400u32),
        ),
        bound(
            "select_block_totals_in_time",
            c.query(&select_block_totals_in_time())
                .bind("bitcoin")
                .bind(49_000u64)
                .bind(51_000u64)
                .bind(1_269_000_000u32)
                .bind(1_269_086_400u32),
        ),
        bound(
            "select_block_transaction_totals",
            c.query(&select_block_transaction_totals())
                .bind("bitcoin")
                .bind(50_000u64)
                .bind("000000001aeae195809d120b5d66a39c83eb48792e068f8ea1fea19d84a4278a"),
        ),
        bound(
            "select_blocks_above",
            c.query(&select_blocks_above())
                .bind("bitcoin")
                .bind(50_000u64),
        ),
        bound("select_tip", c.query(&select_tip()).bind("bitcoin")),
        bound(
            "select_txid_blocks",
            c.query(&select_txid_blocks()).bind("bitcoin").bind(
                crate::Hash32::parse(SAMPLE_TXID)
                    .map(|h| h.prefix_digits())
                    .unwrap_or_default(),
            ),
        ),
        bound(
            "select_transaction_in_block",
            c.query(&select_transaction_in_block())
                .bind("bitcoin")
                .bind(50_000u64)
                .bind(SAMPLE_TXID),
        ),
        bound(
            "select_transactions_above",
            c.query(&select_transactions_above())
                .bind("bitcoin")
                .bind(49_999u64),
        ),
        bound(
            "select_contract_uses",
            evm_range(
                c.query(&select_contract_uses())
                    .bind("ethereum")
                    .bind(SAMPLE_CONTRACT),
            ),
        ),
        bound(
            "select_block_days",
            c.query(&select_block_days())
                .bind("ethereum")
                .bind(16_000_000u64)
                .bind(16_007_199u64)
                .bind(1_670_000_000u32)
                .bind(1_670_086_400u32),
        ),
        bound("select_block_days_by_part", block_parts(&Layout::Single)),
        bound(
            "select_block_days_by_part, on a cluster",
            block_parts(&cluster),
        ),
        bound(
            "select_contract_days",
            evm_range(
                c.query(&select_contract_days())
                    .bind("ethereum")
                    .bind(SAMPLE_CONTRACT),
            ),
        ),
        bound(
            "select_live_block_writes",
            c.query(&select_live_block_writes(&[
                (16_000_000, 16_003_599),
                (16_007_000, 16_007_199),
            ]))
            .bind("ethereum"),
        ),
        bound(
            "select_contract_days_by_writes",
            c.query(&select_contract_days_by_writes(&sample_writes))
                .bind("ethereum")
                .bind(SAMPLE_CONTRACT)
                .bind(16_000_000u64)
                .bind(16_007_199u64),
        ),
        bound(
            "select_contract_part_days_by_writes",
            contract_parts(&Layout::Single),
        ),
        bound(
            "select_contract_part_days_by_writes, on a cluster",
            contract_parts(&cluster),
        ),
        bound(
            "select_kept_contract_days",
            c.query(&select_kept_contract_days())
                .bind("ethereum")
                .bind(SAMPLE_CONTRACT)
                .bind(19_300u32)
                .bind(19_400u32),
        ),
        bound(
            "select_logs_recorded",
            evm_range(c.query(&select_logs_recorded()).bind("ethereum")),
        ),
        bound(
            "select_checkpoint",
            c.query(&select_checkpoint())
                .bind("bitcoin")
                .bind("bitcoin-rpc"),
        ),
        bound(
            "select_lease",
            c.query(&select_lease()).bind("background-work"),
        ),
        bound(
            "select_checkpoints_above",
            c.query(&select_checkpoints_above())
                .bind("bitcoin")
                .bind(50_000u64),
        ),
        bound(
            "select_daily_range",
            c.query(&select_daily_range())
                .bind("bitcoin")
                .bind("2019-04-14")
                .bind("2019-07-23"),
        ),
        bound(
            "select_daily_coverage",
            c.query(&select_daily_coverage()).bind("bitcoin"),
        ),
        bound(
            "select_daily_source_coverage",
            c.query(&select_daily_source_coverage())
                .bind("bitcoin")
                .bind("coinmetrics"),
        ),
        bound(
            "select_index_version",
            c.query(&select_index_version())
                .bind("2019-04-14")
                .bind(1u32),
        ),
        bound(
            "select_index_latest",
            c.query(&select_index_latest()).bind("2019-04-14"),
        ),
        bound("select_indices", c.query(&select_indices())),
    ]
}

#[cfg(test)]
mod tests {
    #[test]
    fn shapes_cover_every_query() {
        let source = include_str!("sql.rs");
        let names: Vec<String> = super::shapes().iter().map(|s| s.name.to_owned()).collect();
        let declared: Vec<&str> = source
            .lines()
            .filter_map(|l| l.strip_prefix("pub fn "))
            .filter_map(|l| l.split('(').next())
            .filter(|n| *n != "shapes")
            .collect();
        assert!(declared.len() >= 18, "parsed too few queries: {declared:?}");
        for name in declared {
            assert!(
                names.iter().any(|n| n == name),
                "query {name} is missing from shapes()"
            );
        }
    }
}

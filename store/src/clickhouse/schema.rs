//! The tables and their layout: on one server, or replicated and sharded
//! on a cluster behind `Distributed` tables that keep the same names, so
//! every query in [`super::sql`] reads the same either way.
//!
//! On a cluster each table is `NAME_local`, a `ReplicatedReplacingMergeTree`
//! on every node (its replicas share `/clickhouse/tables/{shard}/DB/NAME`
//! in ZooKeeper), and `NAME` a `Distributed` table over them. The sharding
//! key hashes a prefix of the table's `ORDER BY` key, so a row and every
//! row that replaces or tombstones it land on the same shard, where
//! `FINAL` sees them together. All of it runs on ClickHouse 18.16 and
//! current releases.

use std::borrow::Cow;

/// One `ReplacingMergeTree` table.
pub struct Table {
    pub name: &'static str,
    pub columns: &'static str,
    /// The version column `FINAL` keeps the greatest of ("" for none).
    pub version: &'static str,
    pub order_by: &'static str,
    /// The shard of a row: a hash of its `ORDER BY` key or a prefix of it.
    pub shard_by: &'static str,
    /// `PARTITION BY` ("" for none).
    pub partition_by: &'static str,
    /// Rows per granule, the unit a point read decompresses (0: the
    /// server's default, 8,192).
    pub granularity: u32,
}

pub enum Step {
    Create(Table),
    Drop(&'static str),
    /// A statement on the tables by their names (the `Distributed` ones on
    /// a cluster): moving data between them. Skipped when table `needs`
    /// is gone (a migration cut short after dropping it is run again).
    Sql {
        needs: &'static str,
        sql: &'static str,
    },
    /// A check before anything changes: `count` counts the rows the
    /// migration cannot carry over, and any makes it stop with `problem`.
    Require {
        needs: &'static str,
        count: &'static str,
        problem: &'static str,
    },
    /// The table made again from this definition when the stored one has
    /// another partition key or, on a cluster, another sharding key: its
    /// rows copied to `NAME_rebuilding`, the table dropped and made again,
    /// the rows copied back (an empty table is only made again). Run by
    /// the migration itself: it reads the keys and the row count, and
    /// resumes a rebuild cut short.
    Rebuild(Table),
    /// A [`Step::Rebuild`] that also changes the table's columns: made
    /// again when its stored columns, partition key or sharding key
    /// differ, the stored rows carried into the new columns by `carry`.
    Reshape {
        table: Table,
        carry: Carry,
    },
    /// A [`Step::Sql`] run once per chain and run of
    /// [`CARRY_RUN_HEIGHTS`] heights of table `needs`'s rows, `{chain}`,
    /// `{low}` and `{high}` in its text standing for the run (as in
    /// [`Carry::ByHeights`]): for a statement that joins another table,
    /// whose right side is held in memory whole. Skipped when `needs` is
    /// gone.
    SqlByHeights {
        needs: &'static str,
        sql: &'static str,
    },
}

/// How a [`Step::Reshape`] carries the stored rows: a `SELECT` from the
/// table by its name that yields them in the new columns' order.
#[derive(Debug, Clone)]
pub enum Carry {
    /// One statement for every row.
    Whole(Cow<'static, str>),
    /// One statement per chain and run of [`CARRY_RUN_HEIGHTS`] heights,
    /// for a carry that joins another table: its right side is held in
    /// memory whole, and at a chain's full history that nears what a
    /// server allows a query (3.1 GB of server memory for 21 million
    /// Ethereum blocks, 0.5 GB by runs: bench/README.md). `{chain}`,
    /// `{low}` and `{high}` in the text stand for the run, on both sides
    /// of the join.
    ByHeights(&'static str),
}

/// The heights one statement of a [`Carry::ByHeights`] carries per chain:
/// about half a gigabyte of server memory, measured.
pub const CARRY_RUN_HEIGHTS: u64 = 2_000_000;

impl Carry {
    /// The `SELECT` of one chain's rows at heights `low..=high`.
    pub fn run(&self, chain: &str, low: u64, high: u64) -> String {
        match self {
            Carry::Whole(sql) => sql.clone().into_owned(),
            Carry::ByHeights(sql) => sql
                .replace("{chain}", &string_literal(chain))
                .replace("{low}", &low.to_string())
                .replace("{high}", &high.to_string()),
        }
    }

    /// The `SELECT` of every row in one statement: how a rebuild is
    /// replayed on a store without data (the migration tests, the SQL
    /// check), where nothing is held.
    pub fn whole(&self) -> String {
        match self {
            Carry::Whole(sql) => sql.clone().into_owned(),
            // `chain = chain` holds for every row.
            Carry::ByHeights(sql) => sql
                .replace("{chain}", "chain")
                .replace("{low}", "0")
                .replace("{high}", &u64::MAX.to_string()),
        }
    }
}

/// The runs of at most `size` heights that cover `low..=high`, in order.
pub fn height_runs(low: u64, high: u64, size: u64) -> Vec<(u64, u64)> {
    let size = size.max(1);
    let mut runs = Vec::new();
    let mut start = low;
    while start <= high {
        let end = start.saturating_add(size - 1).min(high);
        runs.push((start, end));
        match end.checked_add(1) {
            Some(next) => start = next,
            None => break,
        }
    }
    runs
}

/// `s` as a ClickHouse string literal.
pub fn string_literal(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

impl Step {
    /// The table a step creates or makes again.
    pub fn table(&self) -> Option<&Table> {
        match self {
            Step::Create(t) | Step::Rebuild(t) | Step::Reshape { table: t, .. } => Some(t),
            Step::Drop(_) | Step::Sql { .. } | Step::SqlByHeights { .. } | Step::Require { .. } => {
                None
            }
        }
    }

    /// A step the store makes its table again for: the table, and how
    /// its stored rows are carried (all of them as they are, for a
    /// [`Step::Rebuild`]).
    pub fn rebuild(&self) -> Option<(&Table, Carry)> {
        match self {
            Step::Rebuild(t) => Some((t, Carry::Whole(Cow::Owned(copy_all(t.name))))),
            Step::Reshape { table, carry } => Some((table, carry.clone())),
            _ => None,
        }
    }
}

pub struct Migration {
    pub version: u32,
    pub name: &'static str,
    pub steps: &'static [Step],
}

/// Kept on every node of a cluster (one shard of all of them), so any
/// node a client reaches knows which migrations ran.
pub const MIGRATIONS_TABLE: Table = Table {
    name: "schema_migrations",
    columns: "version UInt32, name String, applied_at DateTime",
    version: "",
    order_by: "version",
    shard_by: "",
    partition_by: "",
    granularity: 0,
};

pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "initial schema",
        steps: &[
            Step::Create(Table {
                name: "blocks",
                columns: "chain String, height UInt64, hash String, parent_hash String, time DateTime,
            tx_count UInt32, size_bytes UInt64, weight UInt64, gas_used UInt64, gas_limit UInt64,
            difficulty Float64, fees_native Float64, subsidy_native Float64, provisional UInt8,
            version UInt64, is_deleted UInt8",
                version: "version",
                order_by: "chain, height",
                shard_by: "cityHash64(chain, height)",
                partition_by: "",
                granularity: 0,
            }),
            Step::Create(Table {
                name: "transactions",
                columns: "chain String, txid String, block_height UInt64, block_hash String, position UInt32,
            size_bytes UInt64, vsize UInt64, gas_used UInt64, fee_native Float64,
            version UInt64, is_deleted UInt8",
                version: "version",
                order_by: "chain, txid",
                shard_by: "cityHash64(chain, txid)",
                partition_by: "",
                granularity: 0,
            }),
            Step::Create(Table {
                name: "daily_metrics",
                columns: "chain String, day Date, source String,
            hashrate_hs Nullable(Float64), difficulty_mean Nullable(Float64),
            block_count Nullable(UInt64), tx_count Nullable(UInt64),
            block_size_mean_bytes Nullable(Float64), fees_native Nullable(Float64),
            issuance_native Nullable(Float64), fees_usd Nullable(Float64),
            issuance_usd Nullable(Float64), price_usd Nullable(Float64),
            node_count Nullable(UInt64),
            version UInt64, is_deleted UInt8",
                version: "version",
                order_by: "chain, day, source",
                shard_by: "cityHash64(chain, toUInt32(day), source)",
                partition_by: "",
                granularity: 0,
            }),
            Step::Create(Table {
                name: "estimates",
                columns: "chain String, day Date, method String, methodology_version String, body String,
            computed_at DateTime, version UInt64, is_deleted UInt8",
                version: "version",
                order_by: "chain, day, method",
                shard_by: "cityHash64(chain, toUInt32(day), method)",
                partition_by: "",
                granularity: 0,
            }),
            Step::Create(Table {
                name: "checkpoints",
                columns: "chain String, source String, height UInt64, hash String, updated_at DateTime,
            version UInt64, is_deleted UInt8",
                version: "version",
                order_by: "chain, source",
                shard_by: "cityHash64(chain, source)",
                partition_by: "",
                granularity: 0,
            }),
            Step::Create(Table {
                name: "indices",
                columns: "date Date, version UInt32, created_at DateTime, sha256 String, body String,
            row_version UInt64, is_deleted UInt8",
                version: "row_version",
                order_by: "date, version",
                shard_by: "cityHash64(toUInt32(date), version)",
                partition_by: "",
                granularity: 0,
            }),
        ],
    },
    Migration {
        version: 2,
        name: "drop the estimates table (estimates are computed, not stored)",
        steps: &[Step::Drop("estimates")],
    },
    Migration {
        version: 3,
        name: "leases",
        steps: &[Step::Create(Table {
            name: "leases",
            columns: "name String, holder String, expires_at_ms Int64, version UInt64",
            version: "version",
            order_by: "name",
            shard_by: "cityHash64(name)",
            partition_by: "",
            granularity: 0,
        })],
    },
    Migration {
        version: 4,
        name: "transactions by block",
        // `transactions` is ordered by (chain, txid): finding a block's
        // transactions (a rollback, a block's totals) scanned the chain's
        // every row, and reading them back by txid touches one granule per
        // transaction, spread over the whole table. This companion, ordered
        // by height, holds what those two need (the block's hash repeats
        // along a sorted run and compresses to almost nothing).
        steps: &[
            Step::Create(Table {
                name: "transactions_by_block",
                columns: "chain String, block_height UInt64, txid String, block_hash String, \
                          vsize UInt64, gas_used UInt64, version UInt64, is_deleted UInt8",
                version: "version",
                order_by: "chain, block_height, txid",
                shard_by: "cityHash64(chain, block_height, txid)",
                partition_by: "",
                granularity: 0,
            }),
            Step::Sql {
                needs: "transactions",
                sql: "INSERT INTO transactions_by_block \
                      (chain, block_height, txid, block_hash, vsize, gas_used, version, is_deleted) \
                      SELECT chain, block_height, txid, block_hash, vsize, gas_used, version, is_deleted \
                      FROM transactions",
            },
        ],
    },
    Migration {
        version: 5,
        name: "transactions by height with binary hashes, and a txid lookup table",
        // Sized for full history (issue 16). Hex text made a txid 64+
        // bytes of near-random text, and `block_hash` repeated it in txid
        // order; `transactions_by_block` then held both again. Now one table
        // is ordered by (chain, block_height, position): the block's hash
        // and time repeat along sorted runs and compress to almost nothing,
        // a block's transactions are one key range, and partitions are a
        // chain's months. A txid is found through `txid_index`: the first
        // 8 bytes of each txid (a key, not the id: a match is confirmed
        // against the full txid) and its block's height, one key range of
        // `block_transactions` to read it from.
        steps: &[
            Step::Require {
                needs: "transactions",
                count: "SELECT count() FROM transactions WHERE NOT (\
                        match(txid, '^(0x){0,1}[0-9a-fA-F]{64}$') AND match(block_hash, '^(0x){0,1}[0-9a-fA-F]{64}$') \
                        AND (substring(txid, 1, 2) = '0x') = (substring(block_hash, 1, 2) = '0x') \
                        AND size_bytes <= 4294967295 AND vsize <= 4294967295 AND gas_used <= 4294967295)",
                problem: "stored transactions cannot be carried over: a txid or block hash is not a 32-byte \
                          hash (64 hex digits, optionally after 0x), the two differ in form, or a size or \
                          gas figure exceeds 32 bits. Nothing was changed; correct or delete those rows in \
                          `transactions` and migrate again",
            },
            Step::Create(BLOCK_TRANSACTIONS_V5),
            Step::Create(TXID_INDEX),
            Step::Create(TRANSACTIONS_CARRIED),
            // The live rows in binary, ordered by height: one pass over
            // `transactions`, without a join.
            Step::Sql {
                needs: "transactions",
                sql: "INSERT INTO transactions_carried (chain, block_height, position, txid, block_hash, \
                      hex_0x, size_bytes, vsize, gas_used, fee_native, version) \
                      SELECT chain, block_height, position, \
                      toFixedString(unhex(replaceRegexpOne(txid, '^0x', '')), 32), \
                      toFixedString(unhex(replaceRegexpOne(block_hash, '^0x', '')), 32), \
                      toUInt8(substring(txid, 1, 2) = '0x'), toUInt32(size_bytes), toUInt32(vsize), \
                      toUInt32(gas_used), fee_native, version \
                      FROM (SELECT chain, txid, block_height, block_hash, position, size_bytes, vsize, \
                      gas_used, fee_native, version, is_deleted FROM transactions FINAL) \
                      WHERE is_deleted = 0",
            },
            // Then each with its block's time, a chain's run of heights at
            // a time: the join holds the run's live blocks. Joined with
            // all of a store's blocks at once, it held them all in the
            // server's memory (bench/README.md).
            Step::SqlByHeights {
                needs: "transactions_carried",
                sql: "INSERT INTO block_transactions (chain, block_height, position, txid, block_hash, hex_0x, \
                      block_time, size_bytes, vsize, gas_used, fee_native, version, is_deleted) \
                      SELECT chain, block_height, position, txid, block_hash, hex_0x, block_time, size_bytes, \
                      vsize, gas_used, fee_native, version, toUInt8(0) \
                      FROM (SELECT * FROM transactions_carried \
                      WHERE chain = {chain} AND block_height BETWEEN {low} AND {high}) AS t \
                      GLOBAL ANY LEFT JOIN (SELECT chain, height AS block_height, time AS block_time \
                      FROM (SELECT chain, height, time, is_deleted FROM blocks FINAL \
                      WHERE chain = {chain} AND height BETWEEN {low} AND {high}) WHERE is_deleted = 0) AS b \
                      USING (chain, block_height)",
            },
            Step::Sql {
                needs: "transactions",
                sql: "INSERT INTO txid_index (chain, txid_key, block_height, version) \
                      SELECT chain, reinterpretAsUInt64(substring(txid, 1, 8)), block_height, version \
                      FROM block_transactions",
            },
            Step::Drop("transactions_by_block"),
            Step::Drop("transactions"),
            // Last: a migration cut short after `transactions` is gone
            // carries the rest from here.
            Step::Drop("transactions_carried"),
        ],
    },
    Migration {
        version: 6,
        name: "txid lookup by a 6-byte prefix, without versions",
        // `txid_index` cost 15.2 B a transaction at 10 million rows with
        // LZ4 (bench/README.md): 8.0 its sorted 64-bit keys, which LZ4
        // does not compress, 4.1 the heights and 3.1 a version column that
        // decides nothing (entries with the same key are the same entry).
        // Six bytes keep false matches rare at full history (3 billion
        // txids of one chain: one lookup in about 90,000 reads a second
        // block) and cost 5.5 B with ZSTD.
        steps: &[
            Step::Create(TXID_BLOCKS_V6),
            // Rebuilt from the transactions themselves, tombstoned ones
            // included: an entry is never removed, its row decides. Run
            // twice after a cut-short migration, the copy only repeats
            // identical entries, which merges fold.
            Step::Sql {
                needs: "txid_index",
                sql: "INSERT INTO txid_blocks (chain, txid_prefix, block_height) \
                      SELECT chain, toFixedString(substring(txid, 1, 6), 6), block_height \
                      FROM block_transactions",
            },
            Step::Drop("txid_index"),
        ],
    },
    Migration {
        version: 7,
        name: "the contracts that emitted logs in each block",
        // What a contract's or a token's share of its chain is counted
        // from without asking the node (issue 15). Nothing to carry over:
        // blocks stored before it had their logs not read, and are counted
        // at the node as before.
        steps: &[Step::Create(CONTRACT_BLOCKS_V7)],
    },
    Migration {
        version: 8,
        name: "a contract's per-day sums, kept once computed",
        // Nothing to carry over: a day absent here is summed from
        // `contract_blocks` and kept on first read.
        steps: &[Step::Create(CONTRACT_DAYS)],
    },
    Migration {
        version: 9,
        name: "the heights of each hour's blocks",
        // Reads by time bounded their heights with a scan of the chain's
        // whole `time` column (about 140 ms at 24 million blocks, growing
        // with the chain, bench `time_reads`): this index answers from a
        // row per hour and batch. Built from every stored version of every
        // block, so a bound can only be wider than the live blocks'.
        steps: &[
            Step::Create(BLOCK_HOURS),
            Step::Sql {
                needs: "blocks",
                sql: BLOCK_HOURS_FROM_BLOCKS,
            },
        ],
    },
    Migration {
        version: 10,
        name: "a block's transactions on one shard",
        // Migration 5 sharded `block_transactions` by (chain, height,
        // position): a block's rows were split between the shards, so its
        // runs of repeated hash and time were half as long (1.3 B a
        // transaction more per copy than on one server, bench/README.md)
        // and a block's lookup and rollback touched every shard. Sharded
        // by (chain, height), a prefix of the key, a row and the rows that
        // replace it still share a shard.
        steps: &[Step::Rebuild(BLOCK_TRANSACTIONS_V10)],
    },
    Migration {
        version: 11,
        name: "each part of block_transactions knows its heights",
        // A read of one block's rows (a lookup by txid, a block's totals)
        // also read the last granule of every part of earlier months:
        // 18.16's key analysis cannot tell that a part's keys end below
        // the height. With `block_height` in the partition key each part
        // keeps its lowest and highest height (its `minmax_idx`), and the
        // read skips the other parts: at 100 million Bitcoin-shaped rows
        // over 9 months, 7 ms to 4 ms on the server (bench/README.md).
        steps: &[Step::Rebuild(BLOCK_TRANSACTIONS)],
    },
    Migration {
        version: 12,
        name: "a contract's rows name their block by its write",
        // Each row kept the first 4 bytes of its block's hash: 3.0 of the
        // table's 3.7 B a transaction at 10 million Ethereum-shaped rows
        // (bench/README.md), as a hash does not compress. The low 32 bits
        // of the block's row version tell its writes apart as well and
        // repeat along a contract's run of blocks written together. Rows
        // of blocks no longer live are not carried over: they counted for
        // nothing.
        // Carried a chain's run of heights at a time: the join holds the
        // run's live blocks.
        steps: &[Step::Reshape {
            table: CONTRACT_BLOCKS,
            carry: Carry::ByHeights(
                "SELECT chain, contract, block_height, block_version, transactions, gas_used \
                 FROM (SELECT * FROM contract_blocks \
                 WHERE chain = {chain} AND block_height BETWEEN {low} AND {high}) AS c \
                 GLOBAL ALL INNER JOIN \
                 (SELECT chain, height AS block_height, \
                 toFixedString(substring(unhex(replaceRegexpOne(hash, '^0x', '')), 1, 4), 4) AS block_hash_prefix, \
                 toUInt32(bitAnd(version, 4294967295)) AS block_version \
                 FROM (SELECT chain, height, hash, version, is_deleted FROM blocks FINAL \
                 WHERE chain = {chain} AND height BETWEEN {low} AND {high}) WHERE is_deleted = 0) \
                 AS b USING (chain, block_height, block_hash_prefix)",
            ),
        }],
    },
    Migration {
        version: 13,
        name: "txid lookup by a 5-byte prefix",
        // The 6-byte prefix cost 5.3 B a transaction at 100 million
        // Ethereum-shaped rows (bench/README.md), the largest part after
        // the txid itself. Five bytes still keep false matches rare at
        // full history (3 billion txids of one chain: one lookup in about
        // 370 reads a second block, which its full txid then rules out).
        // Entries that now share a prefix in one block are the same entry.
        steps: &[Step::Reshape {
            table: TXID_BLOCKS,
            carry: Carry::Whole(Cow::Borrowed(
                "SELECT chain, toFixedString(substring(txid_prefix, 1, 5), 5), block_height \
                 FROM txid_blocks",
            )),
        }],
    },
];

/// A chain's transactions in block order (migration 5), a block's rows on
/// one shard (migration 10).
pub const BLOCK_TRANSACTIONS: Table = Table {
    name: "block_transactions",
    columns: "chain String, block_height UInt64, position UInt32, txid FixedString(32), \
              block_hash FixedString(32), hex_0x UInt8, block_time DateTime, size_bytes UInt32, \
              vsize UInt32, gas_used UInt32, fee_native Float64, version UInt64, is_deleted UInt8",
    version: "version",
    order_by: "chain, block_height, position",
    shard_by: "cityHash64(chain, block_height)",
    // The chain's months. The division is 0 for every height: it is
    // there so that each part keeps the range of its heights (migration
    // 11).
    partition_by: "(chain, toYYYYMM(block_time), intDiv(block_height, 18446744073709551615))",
    // A lookup reads one block's rows: 1,024-row granules are about 7
    // blocks of Ethereum instead of 55 (bench/README.md).
    granularity: 1024,
};

/// [`BLOCK_TRANSACTIONS`] as migration 10 left it: parts without the
/// range of their heights.
pub const BLOCK_TRANSACTIONS_V10: Table = Table {
    partition_by: "(chain, toYYYYMM(block_time))",
    ..BLOCK_TRANSACTIONS
};

/// [`BLOCK_TRANSACTIONS`] as migration 5 created it: sharded by its whole
/// key, so a block's rows were split between the shards.
pub const BLOCK_TRANSACTIONS_V5: Table = Table {
    shard_by: "cityHash64(chain, block_height, position)",
    ..BLOCK_TRANSACTIONS_V10
};

/// Migration 5's transactions on their way from hex text to
/// [`BLOCK_TRANSACTIONS_V5`]: in binary, ordered by height, before each
/// is given its block's time. Dropped at its end.
pub const TRANSACTIONS_CARRIED: Table = Table {
    name: "transactions_carried",
    columns: "chain String, block_height UInt64, position UInt32, txid FixedString(32), \
              block_hash FixedString(32), hex_0x UInt8, size_bytes UInt32, vsize UInt32, \
              gas_used UInt32, fee_native Float64, version UInt64",
    version: "version",
    order_by: "chain, block_height, position",
    shard_by: "cityHash64(chain, block_height)",
    partition_by: "chain",
    granularity: 0,
};

/// The block of each txid (migration 5; replaced by [`TXID_BLOCKS`] in
/// migration 6). No position: a block's rows are one key range, read
/// whole, and 4 bytes a transaction are saved.
pub const TXID_INDEX: Table = Table {
    name: "txid_index",
    columns: "chain String, txid_key UInt64, block_height UInt64, version UInt64",
    version: "version",
    order_by: "chain, txid_key, block_height",
    shard_by: "cityHash64(chain, txid_key, block_height)",
    partition_by: "chain",
    // Each lookup reads one granule at a random place.
    granularity: 1024,
};

/// The blocks of each txid (migration 6), by its first 5 bytes (6 before
/// migration 13): a match is confirmed against the full txid in
/// `block_transactions`. Never tombstoned: an entry whose transaction was
/// rolled back finds a tombstone and answers nothing. No version column:
/// entries with the same key are the same entry.
pub const TXID_BLOCKS: Table = Table {
    name: "txid_blocks",
    columns: "chain String, txid_prefix FixedString(5), block_height UInt64",
    version: "",
    order_by: "chain, txid_prefix, block_height",
    shard_by: "cityHash64(chain, txid_prefix, block_height)",
    partition_by: "chain",
    // Each lookup reads one granule at a random place.
    granularity: 1024,
};

/// [`TXID_BLOCKS`] as migration 6 created it, by the first 6 bytes.
pub const TXID_BLOCKS_V6: Table = Table {
    columns: "chain String, txid_prefix FixedString(6), block_height UInt64",
    ..TXID_BLOCKS
};

/// One row per (block, contract that emitted logs in it), and one under
/// the zero address per block whose logs were read (migration 7). Keyed
/// by contract first: a contract's period is one key range. Instead of
/// tombstones, a row names the write of its block: the low 32 bits of the
/// version the block's row was written with (migration 12). It counts
/// only while that write is the live block at its height, so a rollback
/// need not find these rows, and a block written again (after a reorg, or
/// again with its logs) brings its own. 32 bits tell apart the few writes
/// ever made at one height (two agree by chance once in 4 billion), and a
/// batch's blocks share one version, so along a contract's run of blocks
/// it repeats and compresses, where a hash prefix did not. No version
/// column: rows with the same key are the same row.
pub const CONTRACT_BLOCKS: Table = Table {
    name: "contract_blocks",
    columns: "chain String, contract FixedString(20), block_height UInt64, \
              block_version UInt32, transactions UInt32, gas_used UInt64",
    version: "",
    order_by: "chain, contract, block_height, block_version",
    shard_by: "cityHash64(chain, contract, block_height, block_version)",
    partition_by: "chain",
    granularity: 0,
};

/// [`CONTRACT_BLOCKS`] as migration 7 created it: a row named its block
/// by the first 4 bytes of the block's hash.
pub const CONTRACT_BLOCKS_V7: Table = Table {
    columns: "chain String, contract FixedString(20), block_height UInt64, \
              block_hash_prefix FixedString(4), transactions UInt32, gas_used UInt64",
    order_by: "chain, contract, block_height, block_hash_prefix",
    shard_by: "cityHash64(chain, contract, block_height, block_hash_prefix)",
    ..CONTRACT_BLOCKS
};

/// The lowest and highest height of the blocks a write gave each hour
/// (migration 9): `hour` is the Unix time divided by 3,600 (so no server
/// time zone enters). A read by time takes the heights of its hours' rows
/// and reads only those blocks. Rows are never removed: a block written
/// again into another hour, or rolled back, leaves its old hour's bound
/// wider than needed, never narrower, and the read still filters on time.
pub const BLOCK_HOURS: Table = Table {
    name: "block_hours",
    columns: "chain String, hour UInt32, low UInt64, high UInt64",
    version: "",
    order_by: "chain, hour, low, high",
    shard_by: "cityHash64(chain, hour, low, high)",
    partition_by: "",
    granularity: 0,
};

/// Fills [`BLOCK_HOURS`] from every stored block (migration 9; the
/// `time_reads` bench after its server-side insert).
pub const BLOCK_HOURS_FROM_BLOCKS: &str = "INSERT INTO block_hours (chain, hour, low, high) \
     SELECT chain, intDiv(toUInt32(time), 3600), min(height), max(height) \
     FROM blocks GROUP BY chain, intDiv(toUInt32(time), 3600)";

/// A contract's use of one UTC day's live blocks, as summed from
/// `contract_blocks` (migration 8): what a year's footprint reads instead
/// of joining every block's rows again (bench `time_reads`). A row is
/// keyed by the day's live blocks as they were when it was summed (their
/// count, first and last heights, and greatest `version`) and is used only
/// while they are still the same: any write to the day's blocks (a new
/// block, a rollback's tombstone, a block ingested again) takes a new
/// version, so the day is summed again and a new row kept beside the
/// stale one, which nothing reads again. Days are `days since 1970-01-01`.
pub const CONTRACT_DAYS: Table = Table {
    name: "contract_days",
    columns: "chain String, contract FixedString(20), day UInt32, blocks UInt64, \
              first_height UInt64, last_height UInt64, blocks_version UInt64, \
              recorded_blocks UInt64, transactions UInt64, gas_used UInt64",
    version: "",
    order_by: "chain, contract, day, blocks, first_height, last_height, blocks_version",
    shard_by: "cityHash64(chain, contract, day, blocks, first_height, last_height, blocks_version)",
    partition_by: "chain",
    granularity: 0,
};

/// Where the tables live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Layout {
    /// One server: plain `ReplacingMergeTree` tables.
    Single,
    /// `cluster` of the servers' `remote_servers`, database `database`.
    Cluster { cluster: String, database: String },
}

impl Layout {
    /// The statement that creates the database (bound to its name on one
    /// server; on a cluster, on every node).
    pub fn create_database(&self) -> String {
        match self {
            Layout::Single => "CREATE DATABASE IF NOT EXISTS ?".to_owned(),
            Layout::Cluster { cluster, database } => {
                format!("CREATE DATABASE IF NOT EXISTS `{database}` ON CLUSTER `{cluster}`")
            }
        }
    }

    pub fn create_migrations_table(&self) -> String {
        let t = &MIGRATIONS_TABLE;
        match self {
            Layout::Single => single(t, t.name),
            Layout::Cluster { cluster, database } => format!(
                "CREATE TABLE IF NOT EXISTS `{database}`.{name} ON CLUSTER `{cluster}` ({columns}) \
                 ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/all/{database}/{name}', '{{replica}}') \
                 ORDER BY ({order_by})",
                name = t.name,
                columns = t.columns,
                order_by = t.order_by,
            ),
        }
    }

    /// The statements of one migration step, in order.
    pub fn statements(&self, step: &Step) -> Vec<String> {
        match (self, step) {
            (_, Step::Create(t)) => self.create(t, t.name),
            (_, Step::Drop(name)) => self.drop(name),
            (_, Step::Sql { sql, .. }) => vec![(*sql).to_owned()],
            // Run by the migration itself: they read back what they act on.
            (
                _,
                Step::Require { .. }
                | Step::Rebuild(_)
                | Step::Reshape { .. }
                | Step::SqlByHeights { .. },
            ) => Vec::new(),
        }
    }

    /// A step as plain statements, without reading anything back: a
    /// rebuild as its whole copy ([`Layout::rebuild`]), every other step
    /// as [`Layout::statements`]. How the SQL check and the migration
    /// tests build the schema of any version without the store.
    pub fn replay(&self, step: &Step) -> Vec<String> {
        if let Step::SqlByHeights { sql, .. } = step {
            return vec![Carry::ByHeights(sql).whole()];
        }
        match step.rebuild() {
            Some((t, carry)) => self.rebuild(t, &carry.whole()),
            None => self.statements(step),
        }
    }

    /// Creates table `t` under `name` (on a cluster, `name_local` on every
    /// node and `name` over them).
    pub fn create(&self, t: &Table, name: &str) -> Vec<String> {
        match self {
            Layout::Single => vec![single(t, name)],
            Layout::Cluster { database, .. } => {
                let version = if t.version.is_empty() {
                    String::new()
                } else {
                    format!(", {}", t.version)
                };
                let mut statements = vec![format!(
                    "CREATE TABLE IF NOT EXISTS `{database}`.{name}_local{on_cluster} ({columns}) \
                     ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{{shard}}/{database}/{name}', '{{replica}}'{version}) \
                     {partition}ORDER BY ({order_by}){settings}",
                    on_cluster = self.on_cluster(),
                    columns = t.columns,
                    partition = partition(t),
                    order_by = t.order_by,
                    settings = settings(t),
                )];
                statements.extend(self.create_distributed(t, name));
                statements
            }
        }
    }

    /// The table that holds `name`'s rows: itself on one server, on a
    /// cluster `name_local`.
    pub fn local_name(&self, name: &str) -> String {
        match self {
            Layout::Single => name.to_owned(),
            Layout::Cluster { .. } => format!("{name}_local"),
        }
    }

    /// A whole [`Step::Rebuild`] or [`Step::Reshape`] of a table that
    /// holds rows, its rows selected by `carry`, as one list: what the
    /// store runs when nothing was cut short (it decides at each step
    /// itself, and resumes).
    pub fn rebuild(&self, t: &Table, carry: &str) -> Vec<String> {
        let staging = rebuild_staging(t.name);
        let mut statements = self.create(t, &staging);
        statements.push(format!("INSERT INTO {staging} {carry}"));
        statements.extend(self.drop(t.name));
        statements.extend(self.create(t, t.name));
        statements.push(format!("INSERT INTO {} {}", t.name, copy_all(&staging)));
        statements.extend(self.drop(&staging));
        statements
    }

    /// On a cluster, the `Distributed` table `name` over `name_local`,
    /// sharded by `t`'s key (one server has none: nothing).
    pub fn create_distributed(&self, t: &Table, name: &str) -> Vec<String> {
        match self {
            Layout::Single => Vec::new(),
            Layout::Cluster { cluster, database } => vec![format!(
                "CREATE TABLE IF NOT EXISTS `{database}`.{name}{on_cluster} AS `{database}`.{name}_local \
                 ENGINE = Distributed(`{cluster}`, `{database}`, {name}_local, {shard_by})",
                on_cluster = self.on_cluster(),
                shard_by = t.shard_by,
            )],
        }
    }

    /// Drops table `name` (on a cluster, both of its tables).
    pub fn drop(&self, name: &str) -> Vec<String> {
        match self {
            Layout::Single => vec![format!("DROP TABLE IF EXISTS {name}")],
            Layout::Cluster { database, .. } => {
                let mut statements = self.drop_distributed(name);
                statements.push(format!(
                    "DROP TABLE IF EXISTS `{database}`.{name}_local{}",
                    self.on_cluster()
                ));
                statements
            }
        }
    }

    /// On a cluster, drops the `Distributed` table `name` only, its rows
    /// kept in `name_local` (one server has none: nothing).
    pub fn drop_distributed(&self, name: &str) -> Vec<String> {
        match self {
            Layout::Single => Vec::new(),
            Layout::Cluster { database, .. } => vec![format!(
                "DROP TABLE IF EXISTS `{database}`.{name}{}",
                self.on_cluster()
            )],
        }
    }

    fn on_cluster(&self) -> String {
        match self {
            Layout::Single => String::new(),
            Layout::Cluster { cluster, .. } => format!(" ON CLUSTER `{cluster}`"),
        }
    }
}

/// Whether the `engine_full` of a `Distributed` table (as `system.tables`
/// writes it: quoted or not, spaced or not, by server version) shards by
/// `shard_by`.
pub fn shards_by(engine_full: &str, shard_by: &str) -> bool {
    bare(engine_full).ends_with(&format!(",{})", bare(shard_by)))
}

/// SQL text without the spaces and quotes that `system.tables` writes
/// differently by server version.
fn bare(sql: &str) -> String {
    sql.chars()
        .filter(|c| !matches!(c, ' ' | '`' | '\'' | '"'))
        .collect()
}

/// Where a [`Step::Rebuild`] keeps the rows of table `name` meanwhile.
pub fn rebuild_staging(name: &str) -> String {
    format!("{name}_rebuilding")
}

/// Every row of table `name` as it is: what a rebuild that keeps the
/// columns carries.
pub fn copy_all(name: &str) -> String {
    format!("SELECT * FROM {name}")
}

/// `t`'s columns as (name, type), in order, as `system.columns` spells
/// them (the definitions use no type with a comma in it).
pub fn columns_of(t: &Table) -> Vec<(&'static str, &'static str)> {
    t.columns
        .split(',')
        .filter_map(|c| c.trim().split_once(char::is_whitespace))
        .map(|(name, ty)| (name, ty.trim()))
        .collect()
}

/// Whether the `engine_full` of a `MergeTree` table (as `system.tables`
/// writes it) partitions by `partition_by`, the whole expression.
pub fn partitioned_by(engine_full: &str, partition_by: &str) -> bool {
    bare(engine_full).contains(&format!("PARTITIONBY{}ORDERBY", bare(partition_by)))
}

fn single(t: &Table, name: &str) -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS {} ({}) ENGINE = ReplacingMergeTree({}) {}ORDER BY ({}){}",
        name,
        t.columns,
        t.version,
        partition(t),
        t.order_by,
        settings(t)
    )
}

fn settings(t: &Table) -> String {
    if t.granularity == 0 {
        String::new()
    } else {
        format!(" SETTINGS index_granularity = {}", t.granularity)
    }
}

fn partition(t: &Table) -> String {
    if t.partition_by.is_empty() {
        String::new()
    } else {
        format!("PARTITION BY {} ", t.partition_by)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sharding key hashes the first `ORDER BY` columns (all of them,
    /// or a prefix): the rows that replace each other share a shard.
    #[test]
    fn every_table_is_sharded_by_a_prefix_of_its_order_by_key() {
        for m in MIGRATIONS {
            for step in m.steps {
                let Some(t) = step.table() else {
                    continue;
                };
                let mut hashed: Vec<&str> = t
                    .shard_by
                    .trim_start_matches("cityHash64(")
                    .trim_end_matches(')')
                    .split(", ")
                    .map(|c| c.trim_start_matches("toUInt32(").trim_end_matches(')'))
                    .collect();
                let mut ordered: Vec<&str> = t.order_by.split(", ").collect();
                ordered.truncate(hashed.len());
                hashed.sort_unstable();
                ordered.sort_unstable();
                assert_eq!(hashed, ordered, "{}", t.name);
            }
        }
    }

    #[test]
    fn a_rebuild_is_the_stores_own_work_and_a_whole_copy_only_when_replayed() {
        // The store runs `statements` after each step's own work: a list
        // here would copy the table a second time.
        let step = Step::Rebuild(BLOCK_TRANSACTIONS);
        assert!(Layout::Single.statements(&step).is_empty());
        let replayed = Layout::Single.replay(&step);
        assert_eq!(
            replayed
                .iter()
                .filter(|s| s.starts_with("INSERT INTO"))
                .count(),
            2
        );
        assert!(replayed[0].contains("block_transactions_rebuilding"));
        // A reshape carries the rows by its own `SELECT`, then copies
        // them back whole.
        let step = &MIGRATIONS[11].steps[0];
        let Step::Reshape { carry, .. } = step else {
            panic!("migration 12 reshapes contract_blocks")
        };
        assert!(Layout::Single.statements(step).is_empty());
        let replayed = Layout::Single.replay(step);
        assert_eq!(
            replayed[1],
            format!("INSERT INTO contract_blocks_rebuilding {}", carry.whole())
        );
        assert_eq!(
            replayed[4],
            "INSERT INTO contract_blocks SELECT * FROM contract_blocks_rebuilding"
        );
    }

    #[test]
    fn a_carry_by_heights_names_its_run_on_both_sides_of_the_join() {
        let Step::Reshape { carry, .. } = &MIGRATIONS[11].steps[0] else {
            panic!("migration 12 reshapes contract_blocks")
        };
        let run = carry.run("bnb", 2_000_000, 3_999_999);
        assert_eq!(
            run.matches("chain = 'bnb' AND ").count(),
            2,
            "the contract rows and the blocks: {run}"
        );
        assert_eq!(run.matches("BETWEEN 2000000 AND 3999999").count(), 2);
        assert!(!run.contains('{'), "{run}");
        // Replayed whole, the same text holds for every row.
        let whole = carry.whole();
        assert_eq!(whole.matches("chain = chain AND ").count(), 2);
        assert_eq!(
            whole.matches("BETWEEN 0 AND 18446744073709551615").count(),
            2
        );
        // A chain's name is a literal, whatever it holds.
        assert_eq!(string_literal(r"it's\"), r"'it\'s\\'");
        // Migration 13's carry joins nothing: one statement.
        let Step::Reshape { carry, .. } = &MIGRATIONS[12].steps[0] else {
            panic!("migration 13 reshapes txid_blocks")
        };
        assert_eq!(carry.run("bnb", 0, 1), carry.whole());
    }

    #[test]
    fn height_runs_cover_the_heights_once_in_order() {
        assert_eq!(height_runs(0, 0, 2), [(0, 0)]);
        assert_eq!(height_runs(0, 4, 2), [(0, 1), (2, 3), (4, 4)]);
        assert_eq!(height_runs(3, 6, 2), [(3, 4), (5, 6)]);
        assert_eq!(height_runs(5, 4, 2), []);
        assert_eq!(
            height_runs(u64::MAX - 2, u64::MAX, 2),
            [(u64::MAX - 2, u64::MAX - 1), (u64::MAX, u64::MAX)]
        );
        assert_eq!(
            height_runs(0, 20_999_999, CARRY_RUN_HEIGHTS).len(),
            11,
            "Ethereum's 21 million blocks"
        );
    }

    /// The store compares these with `system.columns`: every column of
    /// every table reads as a name and a whole type.
    #[test]
    fn every_tables_columns_read_as_names_and_types() {
        for m in MIGRATIONS {
            for step in m.steps {
                let Some(t) = step.table() else {
                    continue;
                };
                let columns = columns_of(t);
                assert_eq!(columns.len(), t.columns.split(',').count(), "{}", t.name);
                for (name, ty) in columns {
                    assert!(
                        name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
                        "{}: {name}",
                        t.name
                    );
                    assert_eq!(ty.matches('(').count(), ty.matches(')').count(), "{ty}");
                    assert!(!ty.contains(char::is_whitespace), "{}: {ty}", t.name);
                }
            }
        }
        assert_eq!(columns_of(&CONTRACT_BLOCKS)[3], ("block_version", "UInt32"));
    }

    #[test]
    fn a_partition_key_is_read_back_whole_as_18_16_writes_it() {
        // `system.tables.engine_full` of migration 10's table on 18.16.
        let v10 = "ReplacingMergeTree(version) PARTITION BY (chain, toYYYYMM(block_time)) \
                   ORDER BY (chain, block_height, position) SETTINGS index_granularity = 1024";
        assert!(partitioned_by(v10, BLOCK_TRANSACTIONS_V10.partition_by));
        assert!(!partitioned_by(v10, BLOCK_TRANSACTIONS.partition_by));
        let v11 = v10.replace(
            "toYYYYMM(block_time))",
            "toYYYYMM(block_time), intDiv(block_height, 18446744073709551615))",
        );
        assert!(partitioned_by(&v11, BLOCK_TRANSACTIONS.partition_by));
        assert!(!partitioned_by(&v11, BLOCK_TRANSACTIONS_V10.partition_by));
    }

    #[test]
    fn a_cluster_table_is_replicated_locally_and_distributed_by_name() {
        let layout = Layout::Cluster {
            cluster: "bw".into(),
            database: "db".into(),
        };
        let Step::Create(blocks) = &MIGRATIONS[0].steps[0] else {
            panic!("blocks first")
        };
        let s = layout.statements(&MIGRATIONS[0].steps[0]);
        assert_eq!(s.len(), 2);
        assert!(s[0].contains("`db`.blocks_local ON CLUSTER `bw`"));
        assert!(s[0].contains("ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/db/blocks', '{replica}', version)"));
        assert!(s[1].contains(&format!(
            "Distributed(`bw`, `db`, blocks_local, {})",
            blocks.shard_by
        )));
        assert_eq!(Layout::Single.statements(&MIGRATIONS[0].steps[0]).len(), 1);
    }

    /// As 18.16 and current releases write a `Distributed` engine.
    #[test]
    fn a_distributed_tables_key_is_read_from_either_servers_engine_text() {
        let old = "Distributed(bw, db, block_transactions_local, cityHash64(chain, block_height, position))";
        let quoted =
            "Distributed('bw', 'db', 'block_transactions_local', cityHash64(chain, block_height))";
        assert!(shards_by(old, BLOCK_TRANSACTIONS_V5.shard_by));
        assert!(!shards_by(old, BLOCK_TRANSACTIONS.shard_by));
        assert!(shards_by(quoted, BLOCK_TRANSACTIONS.shard_by));
        assert!(!shards_by(quoted, BLOCK_TRANSACTIONS_V5.shard_by));
    }
}

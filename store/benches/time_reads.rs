//! Reads of blocks by time at a chain's full block count (issues 15, 16):
//! a day's blocks, a day's totals, and a token's per-day use over a
//! calendar year, the period a MiCA disclosure covers: its first read,
//! which sums every day and keeps the sums (migration 8), and the next.
//!
//!   BENCH_BLOCKS=24000000 cargo bench -p blockwatt-store --bench time_reads
//!
//! ClickHouse orders blocks by (chain, height), and a read by time used to
//! merge versions (`FINAL`) over every block of the chain before filtering
//! on time: its cost grew with the chain's history, not with the period
//! asked for. The store now finds the heights of the period first, with a
//! plain scan of two columns, and merges only those. Each read is timed
//! through the `Store`, beside the single `FINAL` query of before (the
//! reference, run by the raw client on the same rows) and the same sums
//! without `FINAL`.
//!
//! The blocks are written by the server itself (`INSERT … SELECT FROM
//! numbers(N)`): Ethereum-shaped, 12 s apart from the genesis block's time
//! (`BENCH_SPACING=2`: Polygon PoS's 2 s, its year of 15.8 million blocks;
//! `BENCH_SPACING=0.75`: BNB Smart Chain's 0.75 s since 2025, 42 million),
//! 116 or 182 transactions (the recorded mainnet blocks of the history
//! bench), random-looking hashes (MD5 of the height). Every block also
//! has its logs recorded and one contract's row, as a token used in every
//! block (WETH in the recorded blocks) has: 2 × N rows in
//! `contract_blocks`. All blocks are one write (version 1), as a backfill
//! writes them; `BENCH_WRITE_EVERY=20000` starts a new write every 20,000
//! heights, as a follower that a reorg or a restart makes take a new
//! version that often.
//!
//! ClickHouse at `BLOCKWATT_TEST_CLICKHOUSE_URL` (default 127.0.0.1:8123),
//! its parts merged before the reads (as after a while in production),
//! and the cluster too when `BENCH_CLUSTER_URL` is set, as written (its
//! tables are per node, under `Distributed` ones), or merged on every
//! replica with `BENCH_CLUSTER_MERGE=1`. `BENCH_KEEP=1` keeps the
//! databases for a look afterwards, and `BENCH_DATABASE=` (one server) or
//! `BENCH_CLUSTER_DATABASE=` (the cluster) a kept database's name
//! measures its reads again without writing (its kept day sums emptied
//! first, so a first read is one): the way to set two builds side by side
//! on the same rows. SQLite is not measured here: it reads by time
//! through its `blocks_by_time` index.

mod common;

use std::time::{Duration, Instant};

use blockwatt_store::clickhouse::schema::BLOCK_HOURS_FROM_BLOCKS;
use blockwatt_store::clickhouse::sql::select_height_span_in_time;
use blockwatt_store::{DatabaseUrl, Store};

const CHAIN: &str = "ethereum";
/// Ethereum's genesis block time (2015-07-30).
const GENESIS: i64 = 1_438_269_973;
/// Milliseconds between blocks, from `BENCH_SPACING` in seconds, default
/// 12 (Ethereum's); 2 makes a Polygon PoS-shaped year (15.8 million
/// blocks), 0.75 a BNB Smart Chain-shaped one (42 million). Blocks within
/// a second share its time, as a `DateTime` keeps them.
fn spacing_ms() -> i64 {
    std::env::var("BENCH_SPACING")
        .ok()
        .and_then(|v| v.parse::<f64>().ok())
        .map(|s| (s * 1000.0).round() as i64)
        .filter(|ms| *ms > 0)
        .unwrap_or(12_000)
}
const CONTRACT: &str = "0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2";

/// The version of the write that holds height `height` (SQL), from
/// `BENCH_WRITE_EVERY` heights per write (default: every block in one).
fn write_version(height: &str) -> String {
    match std::env::var("BENCH_WRITE_EVERY")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .filter(|n| *n > 0)
    {
        Some(every) => format!("(intDiv({height}, {every}) + 1)"),
        None => "1".to_owned(),
    }
}

/// The last calendar year the `n` blocks cover in full, and its 1 June:
/// 2023 for 24 million blocks (the last ends in September 2024).
fn periods(n: u64) -> ((i64, i64), (i64, i64)) {
    use chrono::{Datelike, NaiveDate};
    let last = GENESIS + spacing_ms() * (n as i64 - 1) / 1000;
    let year = chrono::DateTime::from_timestamp(last, 0)
        .map(|t| t.year() - 1)
        .unwrap_or(2015);
    let at = |y: i32, m: u32| {
        NaiveDate::from_ymd_opt(y, m, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| t.and_utc().timestamp())
            .unwrap_or(GENESIS)
    };
    let june = at(year, 6);
    ((june, june + 86_400), (at(year, 1), at(year + 1, 1)))
}

/// The block of height `number` (a `numbers()` row), as the store's
/// `blocks` columns; its hash is what the contract rows' prefix names.
fn insert_blocks(n: u64) -> String {
    let hash =
        "concat(lower(hex(MD5(toString(number)))), lower(hex(MD5(toString(number + 1000000000)))))";
    let parent = "concat(lower(hex(MD5(toString(number - 1)))), lower(hex(MD5(toString(number + 999999999)))))";
    let spacing_ms = spacing_ms();
    format!(
        "INSERT INTO blocks (chain, height, hash, parent_hash, time, tx_count, size_bytes, weight, \
         gas_used, gas_limit, difficulty, fees_native, subsidy_native, provisional, version, is_deleted) \
         SELECT '{CHAIN}', number, concat('0x', {hash}), concat('0x', {parent}), \
         toDateTime({GENESIS} + intDiv({spacing_ms} * number, 1000)), if(number % 2 = 0, 116, 182), \
         if(number % 2 = 0, 62000, 91000), 0, if(number % 2 = 0, 14500000, 21000000), 30000000, \
         0, 0.05, 2, 0, {version}, 0 FROM numbers({n})",
        version = write_version("number"),
    )
}

/// The logs-recorded mark (the zero address) and the contract's row of
/// every block.
fn insert_contract_rows(n: u64) -> String {
    let digits = CONTRACT.trim_start_matches("0x");
    format!(
        "INSERT INTO contract_blocks (chain, contract, block_height, block_version, transactions, gas_used) \
         SELECT '{CHAIN}', if(number % 2 = 0, toFixedString(unhex('{zero}'), 20), toFixedString(unhex('{digits}'), 20)), \
         intDiv(number, 2), toUInt32({version}), \
         if(number % 2 = 0, 0, 36), if(number % 2 = 0, 0, 1800000) FROM numbers({rows})",
        version = write_version("intDiv(number, 2)"),
        zero = "0".repeat(40),
        rows = 2 * n,
    )
}

/// What a day's blocks and totals were read with before: the time filter
/// inside `FINAL`, over the chain's every block.
const BEFORE_TOTALS: &str =
    "SELECT count(), sum(gas_used) FROM (SELECT gas_used, is_deleted FROM blocks FINAL \
     WHERE chain = ? AND time >= ? AND time < ?) WHERE is_deleted = 0";
const BEFORE_DAYS: &str = "SELECT toUInt32(intDiv(toUInt32(time), 86400)) AS day_number, count(), sum(tx_count) \
     FROM (SELECT time, tx_count, is_deleted FROM blocks FINAL WHERE chain = ? AND time >= ? AND time < ?) \
     WHERE is_deleted = 0 GROUP BY day_number";
/// The contract's side as it was joined before: on two columns (height
/// and the block's mark, then a hash prefix, now its write's version),
/// retried rows folded by a `GROUP BY` of every row. Binds: chain,
/// contract digits, low, high, chain, low, high.
const BEFORE_CONTRACT: &str = "SELECT toUInt32(block_day) AS day_number, toUInt8(contract = toFixedString(unhex('0000000000000000000000000000000000000000'), 20)) AS mark, \
     count(), sum(tx), sum(gas) FROM \
     (SELECT contract, block_height, block_version, any(transactions) AS tx, any(gas_used) AS gas \
     FROM contract_blocks WHERE chain = ? AND (contract = unhex(?) OR contract = toFixedString(unhex('0000000000000000000000000000000000000000'), 20)) \
     AND block_height BETWEEN ? AND ? GROUP BY contract, block_height, block_version) AS c \
     GLOBAL ALL INNER JOIN \
     (SELECT height AS block_height, toUInt32(bitAnd(version, 4294967295)) AS block_version, \
     intDiv(toUInt32(time), 86400) AS block_day FROM \
     (SELECT height, version, time, is_deleted FROM blocks FINAL WHERE chain = ? AND height BETWEEN ? AND ?) \
     WHERE is_deleted = 0) AS b USING (block_height, block_version) \
     GROUP BY day_number, mark";
/// How the heights of a period were bounded before migration 9: a scan of
/// the chain's `time` column.
const SCAN_SPAN: &str = "SELECT count(), min(height), max(height) FROM blocks \
     WHERE chain = ? AND time >= ? AND time < ?";
const PLAIN_TOTALS: &str =
    "SELECT count(), sum(gas_used) FROM blocks WHERE chain = ? AND time >= ? AND time < ?";

async fn median_of_3<F, Fut, T>(mut f: F) -> (Duration, T)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..3 {
        let started = Instant::now();
        last = Some(f().await);
        times.push(started.elapsed());
    }
    times.sort();
    (times[1], last.expect("three runs"))
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1e3)
}

/// How `measure` finds its rows.
#[derive(Clone, Copy, PartialEq)]
enum Rows<'c> {
    /// Written by the server, then merged when `merge`: on a cluster
    /// (its name and the database's given), every replica's parts.
    Write {
        merge: bool,
        cluster: Option<(&'c str, &'c str)>,
    },
    /// Already in the database (`BENCH_DATABASE`): its kept day sums are
    /// emptied, so that the first reads sum every day again.
    Reuse { cluster: Option<(&'c str, &'c str)> },
}

async fn measure(
    label: &str,
    store: &dyn Store,
    client: &clickhouse::Client,
    n: u64,
    rows: Rows<'_>,
) {
    println!("\n{label}: {n} blocks");
    store.migrate().await.expect("migrate");
    match rows {
        Rows::Write { merge, cluster } => write_rows(client, n, merge, cluster).await,
        Rows::Reuse { cluster } => {
            let truncate = match cluster {
                None => "TRUNCATE TABLE contract_days".to_owned(),
                Some((c, _)) => format!("TRUNCATE TABLE contract_days_local ON CLUSTER {c}"),
            };
            client
                .query(&truncate)
                .execute()
                .await
                .expect("empty the kept day sums");
            println!("rows as stored; kept day sums emptied");
        }
    }
    // Reused rows compare two builds of the store; the statements of
    // before were measured beside it when the rows were written.
    let references = !matches!(rows, Rows::Reuse { .. });
    read_rows(store, client, n, references).await;
}

async fn write_rows(
    client: &clickhouse::Client,
    n: u64,
    merge: bool,
    cluster: Option<(&str, &str)>,
) {
    let started = Instant::now();
    for sql in [
        insert_blocks(n),
        insert_contract_rows(n),
        // The heights of each hour's blocks, as migration 9 fills them.
        BLOCK_HOURS_FROM_BLOCKS.to_owned(),
    ] {
        // Through a Distributed table, only once every shard holds its rows.
        client
            .query(&sql)
            .with_setting("insert_distributed_sync", "1")
            .execute()
            .await
            .expect("insert");
    }
    println!(
        "written by the server in {:.1} s (blocks and 2 contract rows each)",
        started.elapsed().as_secs_f64()
    );
    if merge {
        let started = Instant::now();
        for table in ["blocks", "contract_blocks"] {
            match cluster {
                None => client
                    .query(&format!("OPTIMIZE TABLE {table} FINAL"))
                    .execute()
                    .await
                    .expect("optimize"),
                Some((c, db)) => merge_every_replica(client, c, db, table).await,
            }
        }
        println!(
            "merged (OPTIMIZE … FINAL) in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
}

/// `OPTIMIZE … FINAL` of `table`'s parts on each shard, then a wait until
/// no replica holds a part straight from an insert. 18.16's `ON CLUSTER`
/// has each shard's leader merge while its other replica answers with an
/// error ("Unknown log entry type: 0"), so the parts are the signal.
async fn merge_every_replica(client: &clickhouse::Client, cluster: &str, db: &str, table: &str) {
    let _ = client
        .query(&format!(
            "OPTIMIZE TABLE {table}_local ON CLUSTER {cluster} FINAL"
        ))
        .execute()
        .await;
    let replicas = client
        .query("SELECT host_address, port FROM system.clusters WHERE cluster = ?")
        .bind(cluster)
        .fetch_all::<(String, u16)>()
        .await
        .expect("the cluster's replicas");
    let started = Instant::now();
    loop {
        let mut unmerged = 0u64;
        for (host, port) in &replicas {
            unmerged += client
                .query(&format!(
                    "SELECT count() FROM remote('{host}:{port}', system, parts) \
                     WHERE database = '{db}' AND table = '{table}_local' AND active AND level = 0"
                ))
                .fetch_one::<u64>()
                .await
                .expect("parts");
        }
        if unmerged == 0 {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(3_600),
            "{table}: parts from inserts left after an hour"
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

async fn read_rows(store: &dyn Store, client: &clickhouse::Client, n: u64, references: bool) {
    let tip = store.tip(CHAIN).await.expect("tip").expect("a tip");
    println!("tip: height {} at {}", tip.height, tip.time);

    let (day, year) = periods(n);
    let raw_totals = |sql: &'static str, (from, to): (i64, i64)| {
        let q = client.query(sql).bind(CHAIN).bind(from).bind(to);
        async move { q.fetch_one::<(u64, u64)>().await.expect("raw totals") }
    };
    let (t, blocks) = median_of_3(|| store.blocks_in_time(CHAIN, day.0, day.1)).await;
    let blocks = blocks.expect("blocks_in_time");
    println!(
        "a day's blocks: Store::blocks_in_time {} ({} blocks)",
        ms(t),
        blocks.len()
    );
    let (t, totals) = median_of_3(|| store.block_totals_in_time(CHAIN, day.0, day.1)).await;
    let totals = totals.expect("block_totals_in_time");
    if !references {
        println!(
            "a day's totals: Store::block_totals_in_time {} ({} blocks)",
            ms(t),
            totals.blocks
        );
    } else {
        let (before, b) = median_of_3(|| raw_totals(BEFORE_TOTALS, day)).await;
        let (plain, p) = median_of_3(|| raw_totals(PLAIN_TOTALS, day)).await;
        println!(
            "a day's totals: Store::block_totals_in_time {} ({} blocks); before, FINAL over every block: {} ({} blocks); without FINAL: {} ({} blocks)",
            ms(t),
            totals.blocks,
            ms(before),
            b.0,
            ms(plain),
            p.0
        );
        let (scan, s) = median_of_3(|| {
            let q = client.query(SCAN_SPAN).bind(CHAIN).bind(day.0).bind(day.1);
            async move { q.fetch_one::<(u64, u64, u64)>().await.expect("scan span") }
        })
        .await;
        let (hours, h) = median_of_3(|| {
            let q = client
                .query(&select_height_span_in_time())
                .bind(CHAIN)
                .bind(day.0 / 3_600)
                .bind((day.1 - 1) / 3_600);
            async move { q.fetch_one::<(u64, u64, u64)>().await.expect("hours span") }
        })
        .await;
        println!(
            "a day's heights: from block_hours {} ({} rows, {}..={}); before, a scan of the time column {} ({} blocks, {}..={})",
            ms(hours),
            h.0,
            h.1,
            h.2,
            ms(scan),
            s.0,
            s.1,
            s.2
        );
    }
    for (name, (from, to)) in [("a day", day), ("a calendar year", year)] {
        // The first read sums and keeps every day (all are over); the
        // next ones read the kept sums.
        let started = Instant::now();
        let first = store
            .contract_days(CHAIN, CONTRACT, from, to)
            .await
            .expect("contract_days");
        let t_first = started.elapsed();
        let (t, days) = median_of_3(|| store.contract_days(CHAIN, CONTRACT, from, to)).await;
        let days = days.expect("contract_days");
        assert_eq!(
            first.iter().map(|d| d.contract_transactions).sum::<u64>(),
            days.iter().map(|d| d.contract_transactions).sum::<u64>(),
            "kept sums read back as summed"
        );
        let used: u64 = days.iter().map(|d| d.contract_transactions).sum();
        let recorded: u64 = days.iter().map(|d| d.recorded_blocks).sum();
        println!(
            "{name}: Store::contract_days first read {}, then with its days kept {} ({} days, {recorded} blocks recorded, {used} of the contract's transactions)",
            ms(t_first),
            ms(t),
            days.len(),
        );
        if !references {
            continue;
        }
        // The statements of before, by the raw client: at a Polygon-sized
        // year the contract's side outgrows the server's memory limit,
        // which is itself the finding, so a failure is printed, not fatal.
        let q = || {
            let q = client.query(BEFORE_DAYS).bind(CHAIN).bind(from).bind(to);
            async move { q.fetch_all::<(u32, u64, u64)>().await }
        };
        let (before, before_days) = median_of_3(q).await;
        let (low, high) = (
            days.iter().map(|d| d.first_height).min().unwrap_or(0),
            days.iter().map(|d| d.last_height).max().unwrap_or(0),
        );
        let q = || {
            let q = client
                .query(BEFORE_CONTRACT)
                .bind(CHAIN)
                .bind(CONTRACT.trim_start_matches("0x"))
                .bind(low)
                .bind(high)
                .bind(CHAIN)
                .bind(low)
                .bind(high);
            async move { q.fetch_all::<(u32, u8, u64, u64, u64)>().await }
        };
        let (before_contract, rows) = median_of_3(q).await;
        let days_before = match before_days {
            Ok(d) => format!("{} ({} days)", ms(before), d.len()),
            Err(e) => format!("failed after {}: {e}", ms(before)),
        };
        let contract_before = match rows {
            Ok(rows) => {
                let n: u64 = rows.iter().filter(|r| r.1 == 0).map(|r| r.3).sum();
                format!("{} ({n} transactions)", ms(before_contract))
            }
            Err(e) => format!("failed after {}: {e}", ms(before_contract)),
        };
        println!(
            "{name}, before: the day sums with FINAL over every block {days_before}; the contract's side {contract_before}"
        );
    }
}

#[tokio::main]
async fn main() {
    let n: u64 = std::env::var("BENCH_BLOCKS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(24_000_000);
    let endpoint = std::env::var("BLOCKWATT_TEST_CLICKHOUSE_URL")
        .unwrap_or_else(|_| "http://127.0.0.1:8123".to_owned());
    let reuse = std::env::var("BENCH_DATABASE").ok();
    let db = reuse
        .clone()
        .unwrap_or_else(|| format!("bw_bench_time_{}", std::process::id()));
    let url = DatabaseUrl::parse(&format!("{endpoint}/?database={db}")).expect("url");
    match blockwatt_store::open(&url).await {
        Ok(store) => {
            let client = clickhouse::Client::default()
                .with_url(&endpoint)
                .with_database(&db)
                .with_validation(false);
            if reuse.is_some() {
                measure(
                    "ClickHouse, one server",
                    store.as_ref(),
                    &client,
                    n,
                    Rows::Reuse { cluster: None },
                )
                .await;
            } else {
                let rows = Rows::Write {
                    merge: true,
                    cluster: None,
                };
                measure("ClickHouse, one server", store.as_ref(), &client, n, rows).await;
                common::drop_unless_kept(&client, &db, None).await;
            }
        }
        Err(e) => println!("SKIPPED ClickHouse: none at {endpoint}: {e}"),
    }
    if let Ok(cluster_url) = std::env::var("BENCH_CLUSTER_URL") {
        let reuse = std::env::var("BENCH_CLUSTER_DATABASE").ok();
        let db = reuse
            .clone()
            .unwrap_or_else(|| format!("bw_bench_time_cluster_{}", std::process::id()));
        let url = common::cluster_url_for(&cluster_url, &db);
        let store = blockwatt_store::open(&url).await.expect("cluster");
        let DatabaseUrl::ClickHouse { endpoint, .. } = &url else {
            panic!("a ClickHouse URL")
        };
        let client = clickhouse::Client::default()
            .with_url(endpoint.as_str())
            .with_database(&db)
            .with_validation(false);
        // As written by default (stop 33's figures); merged on every
        // replica with `BENCH_CLUSTER_MERGE=1`, kept with `BENCH_KEEP=1`,
        // and read again with `BENCH_CLUSTER_DATABASE=` its name.
        let cluster = Some(("blockwatt", db.as_str()));
        let rows = match reuse {
            Some(_) => Rows::Reuse { cluster },
            None => Rows::Write {
                merge: std::env::var_os("BENCH_CLUSTER_MERGE").is_some(),
                cluster,
            },
        };
        measure(
            "ClickHouse, 2 shards × 2 replicas",
            store.as_ref(),
            &client,
            n,
            rows,
        )
        .await;
        common::drop_unless_kept(&client, &db, Some("blockwatt")).await;
    }
}

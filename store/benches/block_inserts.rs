//! Batched block inserts, rows per second, on both backends in one run,
//! each beside a reference that writes the same rows with the raw client
//! and none of our layers (the floor our Store adds overhead to).
//!
//!   cargo bench -p blockwatt-store --bench block_inserts
//!
//! ClickHouse is measured when one answers at BLOCKWATT_TEST_CLICKHOUSE_URL
//! (default http://127.0.0.1:8123). BENCH_BLOCKS / BENCH_BATCH set the size.

use std::time::Instant;

use blockwatt_domain::{Block, BlockBatch, Checkpoint};
use blockwatt_store::clickhouse::rows::BlockRow;
use blockwatt_store::{DatabaseUrl, Store};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn blocks(n: usize) -> Vec<Block> {
    (0..n as u64)
        .map(|h| Block {
            chain: "bitcoin".into(),
            height: h,
            hash: format!("{h:064x}"),
            parent_hash: format!("{:064x}", h.saturating_sub(1)),
            time: 1_231_006_505 + h as i64 * 600,
            tx_count: 2_500,
            size_bytes: 1_500_000,
            weight: 3_990_000,
            gas_used: 0,
            gas_limit: 0,
            difficulty: 1.0e14,
            fees_native: 0.2,
            subsidy_native: 3.125,
            provisional: false,
        })
        .collect()
}

fn report(label: &str, rows: usize, started: Instant) -> f64 {
    let secs = started.elapsed().as_secs_f64();
    let rate = rows as f64 / secs;
    println!("{label:<44} {rows:>8} rows  {secs:>7.3} s  {rate:>12.0} rows/s");
    rate
}

async fn through_store(store: &dyn Store, label: &str, all: &[Block], batch: usize) {
    store.migrate().await.expect("migrate");
    let started = Instant::now();
    for chunk in all.chunks(batch) {
        let last = chunk.last().expect("chunks are non-empty");
        store
            .write_batch(&BlockBatch {
                logs: Vec::new(),
                blocks: chunk.to_vec(),
                transactions: Vec::new(),
                checkpoint: Checkpoint {
                    chain: "bitcoin".into(),
                    source: "bench".into(),
                    height: last.height,
                    hash: last.hash.clone(),
                },
            })
            .await
            .expect("write_batch");
    }
    report(label, all.len(), started);
    assert_eq!(
        store
            .blocks("bitcoin", 0, u64::MAX >> 1)
            .await
            .expect("read back")
            .len(),
        all.len()
    );
}

fn raw_sqlite(path: &std::path::Path, all: &[Block], batch: usize) {
    let mut conn = rusqlite::Connection::open(path).expect("open");
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;
         CREATE TABLE blocks (chain TEXT NOT NULL, height INTEGER NOT NULL, hash TEXT NOT NULL, parent_hash TEXT NOT NULL,
           time INTEGER NOT NULL, tx_count INTEGER NOT NULL, size_bytes INTEGER NOT NULL, weight INTEGER NOT NULL,
           gas_used INTEGER NOT NULL, gas_limit INTEGER NOT NULL, difficulty REAL NOT NULL, fees_native REAL NOT NULL,
           subsidy_native REAL NOT NULL, provisional INTEGER NOT NULL, PRIMARY KEY (chain, height)) WITHOUT ROWID;
         CREATE INDEX blocks_by_hash ON blocks (chain, hash);
         CREATE INDEX blocks_by_time ON blocks (chain, time);",
    )
    .expect("schema");
    let started = Instant::now();
    for chunk in all.chunks(batch) {
        let tx = conn.transaction().expect("tx");
        {
            let mut stmt = tx
                .prepare_cached("INSERT OR REPLACE INTO blocks VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14)")
                .expect("prepare");
            for b in chunk {
                stmt.execute(rusqlite::params![
                    b.chain,
                    b.height as i64,
                    b.hash,
                    b.parent_hash,
                    b.time,
                    b.tx_count,
                    b.size_bytes as i64,
                    b.weight as i64,
                    b.gas_used as i64,
                    b.gas_limit as i64,
                    b.difficulty,
                    b.fees_native,
                    b.subsidy_native,
                    b.provisional
                ])
                .expect("insert");
            }
        }
        tx.commit().expect("commit");
    }
    report(
        "reference: raw rusqlite, same schema+indexes",
        all.len(),
        started,
    );
}

async fn raw_clickhouse(endpoint: &str, db: &str, all: &[Block], batch: usize) {
    let client = clickhouse::Client::default()
        .with_url(endpoint)
        .with_validation(false)
        .with_database(db);
    client
        .query(
            &blockwatt_store::clickhouse::schema::Layout::Single
                .statements(&blockwatt_store::clickhouse::schema::MIGRATIONS[0].steps[0])[0],
        )
        .execute()
        .await
        .expect("schema");
    let rows: Vec<BlockRow> = all
        .iter()
        .map(|b| BlockRow {
            chain: b.chain.clone(),
            height: b.height,
            hash: b.hash.clone(),
            parent_hash: b.parent_hash.clone(),
            time: b.time as u32,
            tx_count: b.tx_count,
            size_bytes: b.size_bytes,
            weight: b.weight,
            gas_used: 0,
            gas_limit: 0,
            difficulty: b.difficulty,
            fees_native: b.fees_native,
            subsidy_native: b.subsidy_native,
            provisional: 0,
            version: 1,
            is_deleted: 0,
        })
        .collect();
    let started = Instant::now();
    for chunk in rows.chunks(batch) {
        let mut insert = client.insert::<BlockRow>("blocks").await.expect("insert");
        for r in chunk {
            insert.write(r).await.expect("write");
        }
        insert.end().await.expect("end");
    }
    report("reference: raw clickhouse crate insert", all.len(), started);
}

fn ch_exec(endpoint: &str, sql: &str) {
    let _ = std::process::Command::new("curl")
        .args(["-fsS", "--data-binary", sql, endpoint])
        .output();
}

#[tokio::main]
async fn main() {
    let n = env_usize("BENCH_BLOCKS", 100_000);
    let batch = env_usize("BENCH_BATCH", 1_000);
    let all = blocks(n);
    println!("{n} blocks in batches of {batch}");

    let dir = tempfile::tempdir().expect("temp dir");
    raw_sqlite(&dir.path().join("raw.db"), &all, batch);
    let url =
        DatabaseUrl::parse(&format!("sqlite://{}/store.db", dir.path().display())).expect("url");
    let sqlite = blockwatt_store::open(&url).await.expect("open sqlite");
    through_store(
        sqlite.as_ref(),
        "blockwatt Store::write_batch on SQLite",
        &all,
        batch,
    )
    .await;

    let endpoint = std::env::var("BLOCKWATT_TEST_CLICKHOUSE_URL")
        .unwrap_or_else(|_| "http://127.0.0.1:8123".into());
    if !blockwatt_testkit::http_ping(&endpoint, "/ping") {
        println!("ClickHouse not answering at {endpoint}: ClickHouse rows not measured");
        return;
    }
    let version = blockwatt_testkit::http_get(&endpoint, "/?query=SELECT%20version()")
        .map(|(_, b)| b)
        .unwrap_or_default();
    println!("ClickHouse {} at {endpoint}", version.trim());
    let (raw_db, store_db) = ("bw_bench_raw", "bw_bench_store");
    for db in [raw_db, store_db] {
        ch_exec(&endpoint, &format!("DROP DATABASE IF EXISTS {db}"));
    }
    ch_exec(&endpoint, &format!("CREATE DATABASE {raw_db}"));
    raw_clickhouse(&endpoint, raw_db, &all, batch).await;
    let url = DatabaseUrl::parse(&format!("{endpoint}/?database={store_db}")).expect("url");
    let ch = blockwatt_store::open(&url).await.expect("open clickhouse");
    through_store(
        ch.as_ref(),
        "blockwatt Store::write_batch on ClickHouse",
        &all,
        batch,
    )
    .await;
    for db in [raw_db, store_db] {
        ch_exec(&endpoint, &format!("DROP DATABASE IF EXISTS {db}"));
    }
}

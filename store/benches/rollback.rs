//! Rolling back a 10-block reorg as the transactions table grows, on
//! SQLite and on a ClickHouse server, each beside a reference: its raw
//! client counting the rows above the fork (what any plan that scans the
//! chain's transactions pays). Then the bytes on disk per transaction.
//!
//!   cargo bench -p blockwatt-store --bench rollback
//!
//! ClickHouse is measured when one answers at BLOCKWATT_TEST_CLICKHOUSE_URL
//! (default http://127.0.0.1:8123). BENCH_TX_PER_BLOCK (default 200) and
//! BENCH_SIZES (blocks, comma-separated; default 2000,10000,50000) set the size.

mod common;

use std::time::{Duration, Instant};

use blockwatt_domain::{Block, BlockBatch, Checkpoint, Transaction};
use blockwatt_store::{DatabaseUrl, Store};

const CHAIN: &str = "ethereum";
const REORG: u64 = 10;
const ROUNDS: usize = 5;

fn block(h: u64, txs: u32, branch: u8) -> Block {
    Block {
        chain: CHAIN.into(),
        height: h,
        hash: format!("{branch:02x}{h:062x}"),
        parent_hash: format!("{branch:02x}{:062x}", h.saturating_sub(1)),
        time: 1_600_000_000 + h as i64 * 12,
        tx_count: txs,
        size_bytes: 90_000,
        weight: 0,
        gas_used: 15_000_000,
        gas_limit: 30_000_000,
        difficulty: 0.0,
        fees_native: 0.05,
        subsidy_native: 0.0,
        provisional: false,
    }
}

/// 64 hex digits that look as random as a real transaction hash:
/// splitmix64 of the block, position and branch.
fn txid(height: u64, position: u32, branch: u8) -> String {
    let mut word = common::splitmix(
        height.wrapping_mul(1 << 20) ^ (u64::from(position) << 8) ^ u64::from(branch),
    );
    format!(
        "{:016x}{:016x}{:016x}{:016x}",
        word(),
        word(),
        word(),
        word()
    )
}

fn batch(from: u64, to: u64, txs: u32, branch: u8) -> BlockBatch {
    let blocks: Vec<Block> = (from..=to).map(|h| block(h, txs, branch)).collect();
    let transactions = blocks
        .iter()
        .flat_map(|b| {
            (0..txs).map(move |p| Transaction {
                chain: CHAIN.into(),
                txid: txid(b.height, p, branch),
                block_height: b.height,
                block_hash: b.hash.clone(),
                position: p,
                size_bytes: 150,
                vsize: 150,
                gas_used: 60_000,
                fee_native: 0.0002,
            })
        })
        .collect();
    let last = to;
    BlockBatch {
        logs: Vec::new(),
        checkpoint: Checkpoint {
            chain: CHAIN.into(),
            source: "bench".into(),
            height: last,
            hash: block(last, txs, branch).hash,
        },
        blocks,
        transactions,
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// The backend's own client, for the reference count and the bytes.
enum Raw {
    ClickHouse(Box<clickhouse::Client>, String),
    Sqlite(std::path::PathBuf),
}

impl Raw {
    async fn count_above(&self, fork: u64) -> u64 {
        match self {
            Raw::ClickHouse(client, _) => client
                .query(
                    "SELECT count() FROM block_transactions WHERE chain = ? AND block_height > ?",
                )
                .bind(CHAIN)
                .bind(fork)
                .fetch_one()
                .await
                .expect("raw count"),
            Raw::Sqlite(path) => {
                let conn = rusqlite::Connection::open(path).expect("raw sqlite");
                conn.query_row(
                    "SELECT count(*) FROM transactions WHERE chain = ?1 AND block_height > ?2",
                    rusqlite::params![CHAIN, fork as i64],
                    |r| r.get::<_, i64>(0),
                )
                .expect("raw count") as u64
            }
        }
    }

    /// (table, bytes) on disk once compacted.
    async fn bytes(&self) -> Vec<(String, u64)> {
        match self {
            Raw::ClickHouse(client, db) => {
                common::merged_bytes(client, db, &["blocks", "block_transactions", "txid_blocks"])
                    .await
            }
            Raw::Sqlite(path) => {
                let conn = rusqlite::Connection::open(path).expect("raw sqlite");
                conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE); VACUUM;")
                    .expect("vacuum");
                let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
                vec![("the whole file".to_owned(), size)]
            }
        }
    }
}

async fn measure(label: &str, store: &dyn Store, raw: &Raw, sizes: &[u64], txs: u32) {
    store.migrate().await.expect("migrate");
    println!("\n{label}");
    println!(
        "{:>12} {:>14} {:>18} {:>22}",
        "blocks", "transactions", "rollback (median)", "raw count above fork"
    );
    let mut stored = 0u64;
    for &blocks in sizes {
        // Grow the chain to `blocks` blocks, 1,000 blocks a write.
        while stored < blocks {
            let to = (stored + 1_000).min(blocks) - 1;
            store
                .write_batch(&batch(stored, to, txs, 0))
                .await
                .expect("write");
            stored = to + 1;
        }
        let fork = blocks - 1 - REORG;
        let mut rollbacks = Vec::new();
        let mut counts = Vec::new();
        for round in 0..ROUNDS {
            // The reference first: the rows the rollback has to find.
            let started = Instant::now();
            assert!(raw.count_above(fork).await > 0);
            counts.push(started.elapsed());
            let started = Instant::now();
            let removed = store.rollback_above(CHAIN, fork).await.expect("rollback");
            rollbacks.push(started.elapsed());
            assert_eq!(removed, REORG, "round {round}");
            // The other branch takes the 10 heights, as after a real reorg.
            store
                .write_batch(&batch(fork + 1, blocks - 1, txs, (round + 1) as u8))
                .await
                .expect("rewrite");
        }
        println!(
            "{blocks:>12} {:>14} {:>15.1} ms {:>19.1} ms",
            blocks * u64::from(txs),
            median(rollbacks).as_secs_f64() * 1e3,
            median(counts).as_secs_f64() * 1e3
        );
    }
    let transactions = stored * u64::from(txs);
    println!("bytes on disk per transaction ({transactions} transactions):");
    for (table, bytes) in raw.bytes().await {
        println!("{table:>24} {:>8.1} B", bytes as f64 / transactions as f64);
    }
}

#[tokio::main]
async fn main() {
    let endpoint = std::env::var("BLOCKWATT_TEST_CLICKHOUSE_URL")
        .unwrap_or_else(|_| "http://127.0.0.1:8123".to_owned());
    let txs: u32 = std::env::var("BENCH_TX_PER_BLOCK")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let sizes: Vec<u64> = std::env::var("BENCH_SIZES")
        .unwrap_or_else(|_| "2000,10000,50000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();

    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("bw.db");
    let url = DatabaseUrl::parse(&format!("sqlite://{}", path.display())).expect("url");
    let store = blockwatt_store::open(&url).await.expect("sqlite");
    measure("SQLite", store.as_ref(), &Raw::Sqlite(path), &sizes, txs).await;

    let db = format!("bw_bench_rollback_{}", std::process::id());
    let url = DatabaseUrl::parse(&format!("{endpoint}/?database={db}")).expect("url");
    let store = match blockwatt_store::open(&url).await {
        Ok(s) => s,
        Err(e) => {
            println!("SKIPPED: no ClickHouse at {endpoint}: {e}");
            return;
        }
    };
    let client = clickhouse::Client::default()
        .with_url(endpoint.as_str())
        .with_validation(false)
        .with_database(db.as_str());
    let raw = Raw::ClickHouse(Box::new(client.clone()), db.clone());
    measure("ClickHouse", store.as_ref(), &raw, &sizes, txs).await;
    let _ = client
        .query(&format!("DROP DATABASE IF EXISTS {db}"))
        .execute()
        .await;
}

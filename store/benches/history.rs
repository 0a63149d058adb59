//! Full history, mainnet-shaped (issue 16): what one store holds and how
//! long its reads and writes take as the chain's transactions pile up.
//!
//!   BENCH_ROWS=10000000 cargo bench -p blockwatt-store --bench history
//!
//! The generator writes Ethereum-shaped history taken from the recorded
//! mainnet blocks 17,173,049 and 17,173,050 (ethereum-etl's fixtures in
//! `../shared/data`, `BLOCKWATT_SHARED_DATA`): block `i` has the recorded
//! block `i mod 2`'s transaction count (116, 182), and each transaction
//! is one of the 298 recorded ones, drawn by a seeded generator: its gas
//! used and its fee (gas used × effective gas price). Its size is its
//! input's bytes plus its block's share of the rest of the recorded block
//! size. Txids and block hashes are random 32-byte values, as real hashes
//! are: they are what does not compress. Blocks are 12 s apart from the
//! recorded block's time, so the history spans calendar months.
//!
//! Measured per backend, each beside a reference in the same run:
//! * insert throughput through `Store::write_batch` (blocks, transactions,
//!   txid index, checkpoint: the ingestion path), beside the raw
//!   `clickhouse-client` inserting the same transaction rows (RowBinary
//!   from a file) into a copy of the table;
//! * bytes on disk per transaction, merged (`OPTIMIZE … FINAL`; on the
//!   cluster one copy, each shard's first replica);
//! * `Store::transaction` p50/p99 over 2,000 random stored txids, just
//!   after the load and once merged;
//! * rolling back a 10-block reorg, and writing the 10 blocks back;
//! * aggregating 1.2 million transactions (an Ethereum day) of consecutive
//!   blocks, as the store reads them (`FINAL`, tombstones out), beside the
//!   same sums without `FINAL`;
//! * a contract's use of a day's blocks and of the whole history:
//!   `Store::contract_days` (per-day sums, what the contract footprint
//!   reads), `Store::contract_uses` and `Store::blocks_in_time` (what it
//!   read before), beside the plain sums over `contract_blocks`.
//!
//! Each block also carries its recorded block's logs (ethereum-etl's
//! `expected_logs.json` of the same two blocks: 95 and 123 contracts
//! emitting logs), stored per block and contract as ingestion stores them.
//!
//! `BENCH_SHAPE=bitcoin` writes Bitcoin-shaped history instead, from the
//! 17 mainnet blocks mempool.space's fixtures record (heights 837,043 to
//! 837,050 of 2024-03 and 890,440 to 890,448 of 2025-04, in
//! `../shared/data/mempool-space-fixtures`): block `i` has the recorded
//! block `i mod 17`'s transaction count (1,919 to 3,998), size and weight;
//! each transaction's fee rate is drawn from that block's recorded fee
//! rates (minimum, 10th, 25th, 50th, 75th and 90th percentiles, maximum:
//! linear between them), and its virtual size is the block's mean
//! (weight / 4 / transactions) scaled by one of the 8 recorded mainnet
//! transactions' virtual sizes over their mean; its size in bytes is its
//! virtual size times the block's bytes per virtual byte. No gas, no logs,
//! txids without `0x`, blocks 600 s apart, a day 144 blocks, writes of 25
//! blocks (about 77,000 transactions, as Ethereum's 500 blocks).
//!
//! ClickHouse at `BLOCKWATT_TEST_CLICKHOUSE_URL` (default 127.0.0.1:8123),
//! and the cluster too when `BENCH_CLUSTER_URL` is set (the last line of
//! `scripts/clickhouse-cluster-start`). SQLite at `BENCH_SQLITE_ROWS`
//! (default the smaller of BENCH_ROWS and 10 million; 0 skips it).
//! `BENCH_KEEP=1` keeps the one-server database for a look afterwards;
//! `BENCH_BLOCKS_PER_WRITE=50` writes as ingestion does by default
//! (`batch_size`) instead of the shape's 500 or 25 blocks;
//! `BENCH_NO_LOGS=1` writes the blocks without their logs (a source
//! without receipts), the reference for what the logs cost.

mod common;

use std::io::Write as _;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use blockwatt_domain::{Block, BlockBatch, BlockLogs, Checkpoint, ContractUse, Transaction};
use blockwatt_store::{DatabaseUrl, Hash32, Store};
use serde_json::Value;

const LOOKUPS: usize = 2_000;
const DAY_TRANSACTIONS: u64 = 1_200_000;
const REORG: u64 = 10;
const REFERENCE_ROWS: u64 = 5_000_000;
/// As scripts/clickhouse-cluster-start names it.
const CLUSTER: &str = "blockwatt";

/// One recorded transaction: what the generator draws.
#[derive(Clone, Copy)]
struct Recorded {
    gas_used: u64,
    fee_eth: f64,
    input_bytes: u64,
}

/// One recorded block: its transaction count and size, and what its
/// transactions are drawn from.
#[derive(Clone, Copy)]
struct RecordedBlock {
    transactions: u32,
    size: u64,
    kind: BlockKind,
}

#[derive(Clone, Copy)]
enum BlockKind {
    /// The bytes that are not transaction inputs, shared out among its
    /// transactions; each transaction is one of the recorded ones.
    Ethereum { gas_used: u64, overhead_per_tx: u64 },
    /// Fee rates in sat/vB at the minimum, the 10th, 25th, 50th, 75th and
    /// 90th percentiles and the maximum (mempool.space's `feeRange`), the
    /// mean virtual size of a transaction and the bytes per virtual byte.
    Bitcoin {
        weight: u64,
        fee_rates: [f64; 7],
        mean_vsize: f64,
        bytes_per_vbyte: f64,
    },
}

/// The quantiles of [`BlockKind::Bitcoin`]'s fee rates.
const FEE_QUANTILES: [f64; 7] = [0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0];

/// The fee rate at quantile `q` of a block's recorded ones, linear between
/// them.
fn fee_rate_at(rates: &[f64; 7], q: f64) -> f64 {
    let i = FEE_QUANTILES
        .windows(2)
        .position(|w| q <= w[1])
        .unwrap_or(FEE_QUANTILES.len() - 2);
    let (q0, q1) = (FEE_QUANTILES[i], FEE_QUANTILES[i + 1]);
    rates[i] + (rates[i + 1] - rates[i]) * (q - q0) / (q1 - q0)
}

struct Mainnet {
    chain: &'static str,
    first_height: u64,
    first_time: i64,
    /// Seconds between blocks.
    spacing: i64,
    /// Txids and hashes written with `0x` (EVM) or without (Bitcoin).
    evm: bool,
    blocks_per_write: u64,
    /// The transactions of what the day's sums read: an Ethereum day, or
    /// 144 Bitcoin blocks.
    day_transactions: u64,
    blocks: Vec<RecordedBlock>,
    /// Ethereum: the recorded transactions each one is drawn from.
    transactions: Vec<Recorded>,
    /// Bitcoin: the recorded transactions' virtual sizes over their mean.
    vsize_factors: Vec<f64>,
    /// Each recorded block's contracts that emitted logs, sorted.
    logs: Vec<Vec<ContractUse>>,
    /// Off (`BENCH_NO_LOGS=1`): blocks as a source without receipts
    /// writes them, for the cost of the logs beside.
    with_logs: bool,
}

fn json_lines(path: &PathBuf) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

fn number(v: &Value, key: &str) -> u64 {
    v[key]
        .as_u64()
        .or_else(|| v[key].as_f64().map(|f| f as u64))
        .unwrap_or_else(|| panic!("{key} in {v}"))
}

fn shared_data() -> PathBuf {
    std::env::var("BLOCKWATT_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data"))
}

fn json_file(path: &PathBuf) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn float(v: &Value, key: &str) -> f64 {
    v[key].as_f64().unwrap_or_else(|| panic!("{key} in {v}"))
}

impl Mainnet {
    /// The shape `BENCH_SHAPE` names: `ethereum` (the default) or `bitcoin`.
    fn load() -> Mainnet {
        match std::env::var("BENCH_SHAPE").as_deref() {
            Ok("bitcoin") => Mainnet::bitcoin(),
            Ok("ethereum") | Err(_) => Mainnet::ethereum(),
            Ok(other) => panic!("BENCH_SHAPE: ethereum or bitcoin, not {other:?}"),
        }
    }

    fn bitcoin() -> Mainnet {
        let dir = shared_data().join("mempool-space-fixtures");
        let info = json_file(&dir.join("mainnet_mempoolInfo.json"));
        let mut recorded: Vec<Value> = info["blocks"].as_array().expect("blocks").clone();
        recorded.extend(
            json_file(&dir.join("tx01_ws_blocks_01.json"))["blocks"]
                .as_array()
                .expect("blocks")
                .iter()
                .cloned(),
        );
        recorded.push(json_file(&dir.join("tx02_ws_block.json"))["block"].clone());
        recorded.sort_by_key(|b| number(b, "height"));
        recorded.dedup_by_key(|b| number(b, "height"));
        let blocks: Vec<RecordedBlock> = recorded
            .iter()
            .map(|b| {
                let n = number(b, "tx_count");
                let weight = number(b, "weight");
                let rates: Vec<f64> = b["extras"]["feeRange"]
                    .as_array()
                    .expect("feeRange")
                    .iter()
                    .map(|r| r.as_f64().expect("a fee rate"))
                    .collect();
                let vbytes = weight as f64 / 4.0;
                RecordedBlock {
                    transactions: n as u32,
                    size: number(b, "size"),
                    kind: BlockKind::Bitcoin {
                        weight,
                        fee_rates: rates.try_into().expect("7 fee rates"),
                        mean_vsize: vbytes / n as f64,
                        bytes_per_vbyte: number(b, "size") as f64 / vbytes,
                    },
                }
            })
            .collect();
        let mut vsizes: Vec<f64> = info["transactions"]
            .as_array()
            .expect("transactions")
            .iter()
            .map(|t| float(t, "vsize"))
            .collect();
        vsizes.push(
            json_file(&dir.join("tx02_api_tx.json"))["weight"]
                .as_f64()
                .expect("weight")
                / 4.0,
        );
        vsizes.push(float(
            &json_file(&dir.join("mainnet_tx_cached.json")),
            "vsize",
        ));
        assert!(
            blocks.len() == 17 && vsizes.len() == 8,
            "the recorded blocks changed"
        );
        let mean = vsizes.iter().sum::<f64>() / vsizes.len() as f64;
        let first = &recorded[0];
        // A day is 144 blocks, taken in turn as `shape` takes them.
        let day_transactions = (0..144)
            .map(|i| u64::from(blocks[i % blocks.len()].transactions))
            .sum();
        Mainnet {
            chain: "bitcoin",
            first_height: number(first, "height"),
            first_time: number(first, "timestamp") as i64,
            spacing: 600,
            evm: false,
            blocks_per_write: 25,
            day_transactions,
            blocks,
            transactions: Vec::new(),
            vsize_factors: vsizes.iter().map(|v| v / mean).collect(),
            logs: Vec::new(),
            with_logs: false,
        }
    }

    fn ethereum() -> Mainnet {
        let dir = shared_data().join("ethereum-etl-fixtures/test_stream/blocks_17173049_17173050");
        let txs = json_lines(&dir.join("expected_transactions.json"));
        let transactions: Vec<(u64, Recorded)> = txs
            .iter()
            .map(|t| {
                let gas_used = number(t, "receipt_gas_used");
                let price = number(t, "receipt_effective_gas_price");
                let input = t["input"].as_str().unwrap_or("0x");
                (
                    number(t, "block_number"),
                    Recorded {
                        gas_used,
                        fee_eth: gas_used as f64 * price as f64 / 1e18,
                        input_bytes: (input.len().saturating_sub(2) / 2) as u64,
                    },
                )
            })
            .collect();
        let blocks = json_lines(&dir.join("expected_blocks.json"))
            .iter()
            .map(|b| {
                let height = number(b, "number");
                let n = number(b, "transaction_count");
                let inputs: u64 = transactions
                    .iter()
                    .filter(|(h, _)| *h == height)
                    .map(|(_, t)| t.input_bytes)
                    .sum();
                let size = number(b, "size");
                RecordedBlock {
                    transactions: n as u32,
                    size,
                    kind: BlockKind::Ethereum {
                        gas_used: number(b, "gas_used"),
                        overhead_per_tx: size.saturating_sub(inputs) / n.max(1),
                    },
                }
            })
            .collect::<Vec<_>>();
        assert!(
            blocks.len() == 2 && transactions.len() == 298,
            "the recorded blocks changed"
        );
        // Each contract's transactions (each once) and their gas, per block.
        let gas_of: std::collections::HashMap<String, u64> = txs
            .iter()
            .map(|t| {
                (
                    t["hash"].as_str().expect("hash").to_owned(),
                    number(t, "receipt_gas_used"),
                )
            })
            .collect();
        let heights: Vec<u64> = json_lines(&dir.join("expected_blocks.json"))
            .iter()
            .map(|b| number(b, "number"))
            .collect();
        let mut per_block: Vec<
            std::collections::BTreeMap<String, std::collections::BTreeSet<String>>,
        > = vec![Default::default(); heights.len()];
        for log in json_lines(&dir.join("expected_logs.json")) {
            let Some(i) = heights
                .iter()
                .position(|h| *h == number(&log, "block_number"))
            else {
                continue;
            };
            per_block[i]
                .entry(log["address"].as_str().expect("address").to_owned())
                .or_default()
                .insert(log["transaction_hash"].as_str().expect("hash").to_owned());
        }
        let logs = per_block
            .into_iter()
            .map(|contracts| {
                contracts
                    .into_iter()
                    .map(|(contract, txs)| ContractUse {
                        contract,
                        transactions: txs.len() as u32,
                        gas_used: txs.iter().map(|t| gas_of[t]).sum(),
                    })
                    .collect()
            })
            .collect();
        Mainnet {
            chain: "ethereum",
            first_height: 17_173_049,
            first_time: 1_683_029_999,
            spacing: 12,
            evm: true,
            blocks_per_write: 500,
            day_transactions: DAY_TRANSACTIONS,
            blocks,
            transactions: transactions.into_iter().map(|(_, t)| t).collect(),
            vsize_factors: Vec::new(),
            logs,
            with_logs: std::env::var("BENCH_NO_LOGS").is_err(),
        }
    }

    /// The time of block `i` (an index from the first height).
    fn time_of(&self, i: u64) -> i64 {
        self.first_time + i as i64 * self.spacing
    }

    /// The contract with the most transactions in the recorded blocks.
    fn busiest_contract(&self) -> String {
        let mut total: std::collections::BTreeMap<&str, u64> = Default::default();
        for c in self.logs.iter().flatten() {
            *total.entry(c.contract.as_str()).or_default() += u64::from(c.transactions);
        }
        total
            .into_iter()
            .max_by_key(|(_, n)| *n)
            .map(|(c, _)| c.to_owned())
            .expect("recorded logs")
    }

    fn shape(&self, i: u64) -> RecordedBlock {
        self.blocks[(i % self.blocks.len() as u64) as usize]
    }

    /// Blocks `from..to` (indexes from the first height) of `branch`.
    fn batch(&self, from: u64, to: u64, branch: u8) -> BlockBatch {
        let mut blocks = Vec::new();
        let mut transactions = Vec::new();
        let mut logs = Vec::new();
        for i in from..to {
            let shape = self.shape(i);
            let height = self.first_height + i;
            let hash = Hash32::text(&random32(height, u32::MAX, branch), self.evm);
            let parent = Hash32::text(&random32(height - 1, u32::MAX, branch), self.evm);
            let mut draw = common::splitmix(height ^ (u64::from(branch) << 56));
            let mut fees = 0.0;
            for p in 0..shape.transactions {
                let (size, vsize, gas_used, fee) = match shape.kind {
                    BlockKind::Ethereum {
                        overhead_per_tx, ..
                    } => {
                        let t =
                            self.transactions[(draw() % self.transactions.len() as u64) as usize];
                        let size = t.input_bytes + overhead_per_tx;
                        (size, size, t.gas_used, t.fee_eth)
                    }
                    BlockKind::Bitcoin {
                        fee_rates,
                        mean_vsize,
                        bytes_per_vbyte,
                        ..
                    } => {
                        let factor =
                            self.vsize_factors[(draw() % self.vsize_factors.len() as u64) as usize];
                        let vsize = (mean_vsize * factor).round().max(1.0);
                        let q = (draw() >> 11) as f64 / (1u64 << 53) as f64;
                        let sats = (fee_rate_at(&fee_rates, q) * vsize).round();
                        let size = (vsize * bytes_per_vbyte).round() as u64;
                        (size, vsize as u64, 0, sats / 1e8)
                    }
                };
                fees += fee;
                transactions.push(Transaction {
                    chain: self.chain.into(),
                    txid: Hash32::text(&random32(height, p, branch), self.evm),
                    block_height: height,
                    block_hash: hash.clone(),
                    position: p,
                    size_bytes: size,
                    vsize,
                    gas_used,
                    fee_native: fee,
                });
            }
            if self.with_logs {
                logs.push(BlockLogs {
                    block_height: height,
                    block_hash: hash.clone(),
                    contracts: self.logs[(i % self.logs.len() as u64) as usize].clone(),
                });
            }
            let (gas_used, gas_limit, weight, subsidy) = match shape.kind {
                BlockKind::Ethereum { gas_used, .. } => (gas_used, 30_000_000, 0, 0.0),
                BlockKind::Bitcoin { weight, .. } => (0, 0, weight, 3.125),
            };
            blocks.push(Block {
                chain: self.chain.into(),
                height,
                hash,
                parent_hash: parent,
                time: self.time_of(i),
                tx_count: shape.transactions,
                size_bytes: shape.size,
                weight,
                gas_used,
                gas_limit,
                difficulty: 0.0,
                fees_native: fees,
                subsidy_native: subsidy,
                provisional: false,
            });
        }
        let last = blocks.last().expect("a block");
        BlockBatch {
            logs,
            checkpoint: Checkpoint {
                chain: self.chain.into(),
                source: "bench".into(),
                height: last.height,
                hash: last.hash.clone(),
            },
            blocks,
            transactions,
        }
    }

    /// How many blocks hold `rows` transactions.
    fn blocks_for(&self, rows: u64) -> u64 {
        let pair: u64 = self.blocks.iter().map(|b| u64::from(b.transactions)).sum();
        let mut blocks = rows / pair * self.blocks.len() as u64;
        let mut held = blocks / self.blocks.len() as u64 * pair;
        while held < rows {
            held += u64::from(self.shape(blocks).transactions);
            blocks += 1;
        }
        blocks
    }
}

/// 32 bytes as random as a real hash, a function of where they belong.
fn random32(height: u64, position: u32, branch: u8) -> [u8; 32] {
    let mut next = common::splitmix(
        height.wrapping_mul(0x1_0000_0001) ^ (u64::from(position) << 20) ^ u64::from(branch),
    );
    let mut out = [0u8; 32];
    for chunk in out.chunks_mut(8) {
        chunk.copy_from_slice(&next().to_le_bytes());
    }
    out
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1e3
}

fn median(mut v: Vec<Duration>) -> f64 {
    v.sort();
    v[v.len() / 2].as_secs_f64() * 1e3
}

/// What differs between the backends: their own client, for the
/// references and the bytes.
enum Raw {
    ClickHouse {
        client: Box<clickhouse::Client>,
        endpoint: String,
        db: String,
        cluster: bool,
    },
    Sqlite(PathBuf),
}

impl Raw {
    /// The raw client of database `db`, and a handle on it for the bench.
    fn clickhouse(endpoint: &str, db: &str, cluster: bool) -> (clickhouse::Client, Raw) {
        let client = clickhouse::Client::default()
            .with_url(endpoint)
            .with_validation(false)
            .with_database(db);
        let raw = Raw::ClickHouse {
            client: Box::new(client.clone()),
            endpoint: endpoint.to_owned(),
            db: db.to_owned(),
            cluster,
        };
        (client, raw)
    }

    /// (with FINAL / as the store reads, without) sums over the heights.
    async fn day_sums(&self, chain: &str, from: u64, to: u64) -> (Duration, Duration, u64) {
        match self {
            Raw::ClickHouse { client, .. } => {
                let final_sql = "SELECT count(), sum(gas_used), sum(fee_native) FROM \
                     (SELECT gas_used, fee_native, is_deleted FROM block_transactions FINAL \
                     WHERE chain = ? AND block_height >= ? AND block_height < ?) WHERE is_deleted = 0";
                let plain_sql =
                    "SELECT count(), sum(gas_used), sum(fee_native) FROM block_transactions \
                     WHERE chain = ? AND block_height >= ? AND block_height < ? AND is_deleted = 0";
                let mut timed = Vec::new();
                let mut n = 0;
                for sql in [final_sql, plain_sql] {
                    let started = Instant::now();
                    let (count, _gas, _fees): (u64, u64, f64) = client
                        .query(sql)
                        .bind(chain)
                        .bind(from)
                        .bind(to)
                        .fetch_one()
                        .await
                        .expect("day sums");
                    timed.push(started.elapsed());
                    n = count;
                }
                (timed[0], timed[1], n)
            }
            Raw::Sqlite(path) => {
                let conn = rusqlite::Connection::open(path).expect("raw sqlite");
                let started = Instant::now();
                let n: i64 = conn
                    .query_row(
                        "SELECT count(*), sum(gas_used), total(fee_native) FROM transactions \
                         WHERE chain = ?1 AND block_height >= ?2 AND block_height < ?3",
                        rusqlite::params![chain, from as i64, to as i64],
                        |r| r.get(0),
                    )
                    .expect("day sums");
                let t = started.elapsed();
                (t, t, n as u64)
            }
        }
    }

    /// The plain sums of `contract`'s rows over the heights, without the
    /// live-block filter the store applies: (time, transactions).
    async fn contract_sums(
        &self,
        chain: &str,
        contract: &str,
        from: u64,
        to: u64,
    ) -> (Duration, u64) {
        let digits = contract.trim_start_matches("0x");
        match self {
            Raw::ClickHouse { client, .. } => {
                let started = Instant::now();
                let (n, _gas): (u64, u64) = client
                    .query(
                        "SELECT sum(transactions), sum(gas_used) FROM contract_blocks \
                         WHERE chain = ? AND contract = unhex(?) AND block_height BETWEEN ? AND ?",
                    )
                    .bind(chain)
                    .bind(digits)
                    .bind(from)
                    .bind(to)
                    .fetch_one()
                    .await
                    .expect("contract sums");
                (started.elapsed(), n)
            }
            Raw::Sqlite(path) => {
                let conn = rusqlite::Connection::open(path).expect("raw sqlite");
                let started = Instant::now();
                let n: i64 = conn
                    .query_row(
                        "SELECT total(transactions), total(gas_used) FROM contract_blocks \
                         WHERE chain = ?1 AND contract = ?2 AND block_height BETWEEN ?3 AND ?4",
                        rusqlite::params![
                            chain,
                            hex::decode(digits).expect("hex"),
                            from as i64,
                            to as i64
                        ],
                        |r| r.get::<_, f64>(0).map(|v| v as i64),
                    )
                    .expect("contract sums");
                (started.elapsed(), n as u64)
            }
        }
    }

    /// (table, bytes) on disk once merged.
    async fn bytes(&self) -> Vec<(String, u64)> {
        match self {
            Raw::ClickHouse {
                client,
                db,
                cluster,
                ..
            } => {
                let tables = [
                    "blocks",
                    "block_transactions",
                    "txid_blocks",
                    "contract_blocks",
                ];
                if *cluster {
                    common::merged_bytes_on_cluster(client, db, CLUSTER, &tables).await
                } else {
                    common::merged_bytes(client, db, &tables).await
                }
            }
            Raw::Sqlite(path) => {
                let conn = rusqlite::Connection::open(path).expect("raw sqlite");
                conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
                    .expect("checkpoint");
                let mut sizes = Vec::new();
                // dbstat is not compiled into the bundled SQLite: the file,
                // less its free pages, is what the rows take.
                let pages: i64 = conn
                    .query_row("PRAGMA page_count", [], |r| r.get(0))
                    .expect("pages");
                let free: i64 = conn
                    .query_row("PRAGMA freelist_count", [], |r| r.get(0))
                    .expect("free");
                let page: i64 = conn
                    .query_row("PRAGMA page_size", [], |r| r.get(0))
                    .expect("page size");
                sizes.push((
                    "the whole file (blocks, transactions, indexes)".to_owned(),
                    ((pages - free) * page) as u64,
                ));
                sizes
            }
        }
    }

    /// The raw `clickhouse-client` inserting the same transaction rows
    /// into a copy of the table: rows per second.
    fn reference_insert(&self, rows_file: &std::path::Path, rows: u64) -> Option<f64> {
        let Raw::ClickHouse {
            endpoint,
            db,
            cluster: false,
            ..
        } = self
        else {
            return None;
        };
        let url = url::Url::parse(endpoint).ok()?;
        // The native protocol's port: 9000 beside an HTTP 8123, or
        // scripts/clickhouse-start's tcp_port file.
        let port = std::env::var("BENCH_CLICKHOUSE_TCP_PORT")
            .ok()
            .or_else(|| (url.port() == Some(8123)).then(|| "9000".to_owned()))?;
        let client = |query: &str, input: Option<&std::path::Path>| {
            let mut cmd = std::process::Command::new("clickhouse-client");
            cmd.args(["--host", url.host_str().unwrap_or("127.0.0.1")])
                .args(["--port", &port, "--query", query]);
            if let Some(path) = input {
                cmd.stdin(std::fs::File::open(path).expect("rows file"));
            }
            let out = cmd.output().expect("clickhouse-client runs");
            assert!(
                out.status.success(),
                "{query}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        client(
            &format!("CREATE TABLE {db}.reference AS {db}.block_transactions"),
            None,
        );
        let started = Instant::now();
        client(
            &format!("INSERT INTO {db}.reference FORMAT RowBinary"),
            Some(rows_file),
        );
        let rate = rows as f64 / started.elapsed().as_secs_f64();
        client(&format!("DROP TABLE {db}.reference"), None);
        Some(rate)
    }
}

/// A transaction row in ClickHouse's RowBinary, in `block_transactions`'
/// column order: what the reference client inserts.
fn row_binary(out: &mut Vec<u8>, t: &Transaction, time: u32) {
    let txid = Hash32::parse(&t.txid).expect("generated hash");
    let block = Hash32::parse(&t.block_hash).expect("generated hash");
    out.push(t.chain.len() as u8);
    out.extend_from_slice(t.chain.as_bytes());
    out.extend_from_slice(&t.block_height.to_le_bytes());
    out.extend_from_slice(&t.position.to_le_bytes());
    out.extend_from_slice(&txid.bytes);
    out.extend_from_slice(&block.bytes);
    out.push(u8::from(t.txid.starts_with("0x")));
    out.extend_from_slice(&time.to_le_bytes());
    out.extend_from_slice(&(t.size_bytes as u32).to_le_bytes());
    out.extend_from_slice(&(t.vsize as u32).to_le_bytes());
    out.extend_from_slice(&(t.gas_used as u32).to_le_bytes());
    out.extend_from_slice(&t.fee_native.to_le_bytes());
    out.extend_from_slice(&1u64.to_le_bytes());
    out.push(0);
}

async fn measure(label: &str, store: &dyn Store, raw: &Raw, mainnet: &Mainnet, rows: u64) {
    store.migrate().await.expect("migrate");
    let blocks = mainnet.blocks_for(rows);
    println!("\n{label}: {blocks} blocks");

    // Insert through the store, timing the writes only (not generation),
    // and keep the same rows for the reference client.
    let rows_file = tempfile::NamedTempFile::new().expect("rows file");
    let mut writer = std::io::BufWriter::new(rows_file.reopen().expect("reopen"));
    // The reference inserts the first REFERENCE_ROWS rows (a file of all
    // 100 million would not fit beside the database here).
    let keep_rows = matches!(raw, Raw::ClickHouse { cluster: false, .. });
    let mut kept = 0u64;
    let mut writing_kept = Duration::ZERO;
    let mut writing = Duration::ZERO;
    let mut stored = 0u64;
    let mut i = 0;
    while i < blocks {
        let to = (i + mainnet.blocks_per_write).min(blocks);
        let batch = mainnet.batch(i, to, 0);
        stored += batch.transactions.len() as u64;
        let keep = keep_rows && kept < REFERENCE_ROWS;
        if keep {
            kept += batch.transactions.len() as u64;
            let mut buf = Vec::with_capacity(batch.transactions.len() * 140);
            for t in &batch.transactions {
                let time = mainnet.time_of(t.block_height - mainnet.first_height) as u32;
                row_binary(&mut buf, t, time);
            }
            writer.write_all(&buf).expect("rows file");
        }
        let started = Instant::now();
        store.write_batch(&batch).await.expect("write");
        writing += started.elapsed();
        if keep {
            writing_kept += started.elapsed();
        }
        i = to;
    }
    writer.flush().expect("rows file");
    println!(
        "insert: {stored} transactions in {:.1} s through Store::write_batch: {:.0} transactions/s",
        writing.as_secs_f64(),
        stored as f64 / writing.as_secs_f64()
    );
    if let Some(rate) = raw.reference_insert(rows_file.path(), kept) {
        println!(
            "        first {kept}: Store::write_batch {:.0} transactions/s; raw clickhouse-client, same rows, \
             RowBinary into a copy of block_transactions: {rate:.0} rows/s",
            kept as f64 / writing_kept.as_secs_f64()
        );
    }

    let when = match raw {
        Raw::ClickHouse { .. } => "just after the load, merges running",
        Raw::Sqlite(_) => "just after the load",
    };
    lookups(store, mainnet, blocks, when).await;

    let chain = mainnet.chain;
    let first = mainnet.first_height;
    // A 10-block reorg at the tip, three times.
    let mut rollbacks = Vec::new();
    let mut rewrites = Vec::new();
    for round in 1..=3u8 {
        let fork = first + blocks - 1 - REORG;
        let started = Instant::now();
        let removed = store.rollback_above(chain, fork).await.expect("rollback");
        rollbacks.push(started.elapsed());
        assert_eq!(removed, REORG);
        let batch = mainnet.batch(blocks - REORG, blocks, round);
        let started = Instant::now();
        store.write_batch(&batch).await.expect("rewrite");
        rewrites.push(started.elapsed());
    }
    println!(
        "reorg: rollback of {REORG} blocks, median of 3: {:.0} ms; writing them back: {:.0} ms",
        median(rollbacks),
        median(rewrites)
    );

    // A day: consecutive blocks holding an Ethereum day's 1.2M
    // transactions, or 144 Bitcoin blocks.
    let day_blocks = mainnet.blocks_for(mainnet.day_transactions.min(stored));
    let (with_final, plain, n) = raw.day_sums(chain, first, first + day_blocks).await;
    println!(
        "day: count, gas and fees of {n} transactions in {day_blocks} blocks: {:.0} ms as the store reads (FINAL), {:.0} ms without FINAL",
        with_final.as_secs_f64() * 1e3,
        plain.as_secs_f64() * 1e3
    );

    // A contract's use: a day's blocks, then every block.
    let (busiest, contract_reads) = if mainnet.with_logs {
        (
            mainnet.busiest_contract(),
            vec![
                ("a day", first + day_blocks - 1),
                ("the whole history", first + blocks - 1),
            ],
        )
    } else {
        (String::new(), Vec::new())
    };
    for (what, to) in contract_reads {
        let mut timed = Vec::new();
        let mut uses = blockwatt_store::ContractUses::default();
        for _ in 0..3 {
            let started = Instant::now();
            uses = store
                .contract_uses(chain, &busiest, first, to)
                .await
                .expect("contract uses");
            timed.push(started.elapsed());
        }
        // The footprint also reads the blocks themselves, for each day's
        // chain totals and the day of each height.
        let started = Instant::now();
        let read = store
            .blocks_in_time(chain, mainnet.first_time, mainnet.time_of(to - first + 1))
            .await
            .expect("blocks");
        let blocks_read = started.elapsed();
        println!(
            "blocks of {what}: Store::blocks_in_time read {} blocks in {:.0} ms",
            read.len(),
            blocks_read.as_secs_f64() * 1e3
        );
        // What the footprint now reads: the store's per-day sums.
        let mut timed_days = Vec::new();
        let mut day_rows = Vec::new();
        for _ in 0..3 {
            let started = Instant::now();
            day_rows = store
                .contract_days(
                    chain,
                    &busiest,
                    mainnet.first_time,
                    mainnet.time_of(to - first + 1),
                )
                .await
                .expect("contract days");
            timed_days.push(started.elapsed());
        }
        println!(
            "contract days of {what}: Store::contract_days median of 3 {:.0} ms: {} days, {} of its transactions, {} blocks recorded",
            median(timed_days),
            day_rows.len(),
            day_rows.iter().map(|d| d.contract_transactions).sum::<u64>(),
            day_rows.iter().map(|d| d.recorded_blocks).sum::<u64>()
        );
        let (plain, plain_n) = raw.contract_sums(chain, &busiest, first, to).await;
        let n: u64 = uses.uses.iter().map(|u| u64::from(u.transactions)).sum();
        println!(
            "contract {busiest}, {what} ({} blocks recorded): {n} transactions in {} blocks, Store::contract_uses median of 3 {:.0} ms; plain sums without the live-block filter {:.0} ms ({plain_n} transactions)",
            uses.recorded_blocks,
            uses.uses.len(),
            median(timed),
            plain.as_secs_f64() * 1e3
        );
    }

    let tables = raw.bytes().await;
    // On a cluster: one copy, each shard's first replica (a replica holds
    // the same again).
    println!("bytes on disk per transaction ({stored} transactions), merged:");
    let mut total = 0;
    for (table, bytes) in tables {
        total += bytes;
        println!("{table:>48} {:>8.1} B", bytes as f64 / stored as f64);
    }
    println!("{:>48} {:>8.1} B", "all", total as f64 / stored as f64);
    if let Raw::ClickHouse { .. } = raw {
        lookups(store, mainnet, blocks, "merged").await;
    }
}

/// `Store::transaction` of random stored txids (all but the reorged tip).
async fn lookups(store: &dyn Store, mainnet: &Mainnet, blocks: u64, when: &str) {
    let mut draw = common::splitmix(42);
    let mut timings = Vec::with_capacity(LOOKUPS);
    for _ in 0..LOOKUPS {
        let i = draw() % (blocks - REORG);
        let p = (draw() % u64::from(mainnet.shape(i).transactions)) as u32;
        let txid = Hash32::text(&random32(mainnet.first_height + i, p, 0), mainnet.evm);
        let started = Instant::now();
        let found = store
            .transaction(mainnet.chain, &txid)
            .await
            .expect("lookup");
        timings.push(started.elapsed());
        assert_eq!(found.map(|t| t.position), Some(p));
    }
    timings.sort();
    println!(
        "lookup ({when}): Store::transaction over {LOOKUPS} random txids: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        percentile(&timings, 0.5),
        percentile(&timings, 0.99),
        percentile(&timings, 1.0)
    );
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

#[tokio::main]
async fn main() {
    let mut mainnet = Mainnet::load();
    if let Some(n) = env_u64("BENCH_BLOCKS_PER_WRITE") {
        mainnet.blocks_per_write = n.max(1);
    }
    let rows = env_u64("BENCH_ROWS").unwrap_or(2_000_000);
    let sqlite_rows = env_u64("BENCH_SQLITE_ROWS").unwrap_or(rows.min(10_000_000));
    let endpoint = std::env::var("BLOCKWATT_TEST_CLICKHOUSE_URL")
        .unwrap_or_else(|_| "http://127.0.0.1:8123".to_owned());

    let db = format!("bw_bench_history_{}", std::process::id());
    let url = DatabaseUrl::parse(&format!("{endpoint}/?database={db}")).expect("url");
    match blockwatt_store::open(&url).await {
        Ok(store) => {
            let (client, raw) = Raw::clickhouse(&endpoint, &db, false);
            measure(
                "ClickHouse, one server",
                store.as_ref(),
                &raw,
                &mainnet,
                rows,
            )
            .await;
            common::drop_unless_kept(&client, &db, None).await;
        }
        Err(e) => println!("SKIPPED ClickHouse: none at {endpoint}: {e}"),
    }

    if let Ok(cluster_url) = std::env::var("BENCH_CLUSTER_URL") {
        let db = format!("bw_bench_history_cluster_{}", std::process::id());
        let url = common::cluster_url_for(&cluster_url, &db);
        let store = blockwatt_store::open(&url).await.expect("cluster");
        let DatabaseUrl::ClickHouse { endpoint, .. } = &url else {
            panic!("a ClickHouse URL")
        };
        let (client, raw) = Raw::clickhouse(endpoint.as_str(), &db, true);
        measure(
            "ClickHouse, 2 shards × 2 replicas",
            store.as_ref(),
            &raw,
            &mainnet,
            rows,
        )
        .await;
        let _ = client
            .query(&format!(
                "DROP DATABASE IF EXISTS {db} ON CLUSTER {CLUSTER}"
            ))
            .execute()
            .await;
    }

    if sqlite_rows == 0 {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("bw.db");
    let url = DatabaseUrl::parse(&format!("sqlite://{}", path.display())).expect("url");
    let store = blockwatt_store::open(&url).await.expect("sqlite");
    measure(
        "SQLite",
        store.as_ref(),
        &Raw::Sqlite(path),
        &mainnet,
        sqlite_rows,
    )
    .await;
}

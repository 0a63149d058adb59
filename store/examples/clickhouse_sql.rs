//! Prints, as JSON, every statement the ClickHouse backend sends: the DDL,
//! each read query with sample parameters bound, and a sample row per
//! table. `.ci/clickhouse_sql_check.py` runs them all on a current
//! ClickHouse (chdb), since CI's own server is 18.16.

use blockwatt_store::clickhouse::rows::{BlockRow, CheckpointRow, DailyRow, IndexRow};
use blockwatt_store::clickhouse::schema::{self, Layout};
use blockwatt_store::clickhouse::sql;
use serde_json::{json, Value};

/// The sample EVM block's hash (hex digits; test data, not a mainnet block).
const EVM_HASH: &str = "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a";

fn main() {
    let layout = Layout::Single;
    let mut ddl = vec![layout.create_migrations_table()];
    ddl.extend(
        schema::MIGRATIONS
            .iter()
            .flat_map(|m| m.steps.iter().flat_map(|s| layout.replay(s))),
    );
    let queries: Vec<Value> = sql::shapes()
        .into_iter()
        .map(|s| json!({ "name": s.name, "sql": s.sql }))
        .collect();
    let block = BlockRow {
        chain: "bitcoin".into(),
        height: 50_000,
        hash: "000000001aeae195809d120b5d66a39c83eb48792e068f8ea1fea19d84a4278a".into(),
        parent_hash: "00000000024ea6b4d5e3b1a4c1f0e25b4a1c8b1a8b2f8a7d5f3e8e0c7b6a5d4c".into(),
        time: 1_270_000_000,
        tx_count: 1,
        size_bytes: 215,
        weight: 860,
        gas_used: 0,
        gas_limit: 0,
        difficulty: 2_621.4,
        fees_native: 0.0,
        subsidy_native: 50.0,
        provisional: 0,
        version: 1,
        is_deleted: 0,
    };
    // Binary columns do not travel in JSON: these two rows are SQL.
    let txid = blockwatt_store::Hash32::parse(sql::SAMPLE_TXID).expect("a txid");
    let insert_sql = vec![
        format!(
            "INSERT INTO block_transactions ({}) SELECT 'bitcoin', 50000, 0, unhex('{}'), unhex('{}'), 0, \
             toDateTime({}), 134, 134, 0, 0.0, 1, 0",
            sql::TRANSACTION_COLUMNS,
            txid.digits(),
            block.hash,
            block.time
        ),
        format!(
            "INSERT INTO txid_blocks (chain, txid_prefix, block_height) \
             VALUES ('bitcoin', unhex('{}'), 50000)",
            txid.prefix_digits()
        ),
        // An EVM block inside the contract queries' sample range, its logs
        // recorded (the zero-address mark) with one use of the sample
        // contract, the rows naming the block's write (version 1).
        format!(
            "INSERT INTO blocks (chain, height, hash, time, version, is_deleted) \
             VALUES ('ethereum', 16000001, '0x{EVM_HASH}', toDateTime(1670000000), 1, 0)"
        ),
        format!(
            "INSERT INTO contract_blocks (chain, contract, block_height, block_version, transactions, gas_used) \
             VALUES ('ethereum', unhex('{}'), 16000001, 1, 0, 0), \
             ('ethereum', unhex('{}'), 16000001, 1, 3, 150000)",
            "0".repeat(40),
            sql::SAMPLE_CONTRACT,
        ),
        // The heights of the two sample blocks' hours (migration 9).
        format!(
            "INSERT INTO block_hours (chain, hour, low, high) \
             VALUES ('bitcoin', {}, 50000, 50000), ('ethereum', {}, 16000001, 16000001)",
            block.time / 3_600,
            1_670_000_000 / 3_600
        ),
        // The sample contract's kept sums of that block's day.
        format!(
            "INSERT INTO contract_days (chain, contract, day, blocks, first_height, last_height, \
             blocks_version, recorded_blocks, transactions, gas_used) \
             VALUES ('ethereum', unhex('{}'), 19328, 1, 16000001, 16000001, 1, 1, 3, 150000)",
            sql::SAMPLE_CONTRACT
        ),
    ];
    let daily = DailyRow {
        chain: "bitcoin".into(),
        day: 18_470,
        source: "coinmetrics".into(),
        hashrate_hs: Some(1.28e20),
        difficulty_mean: None,
        block_count: Some(144),
        tx_count: Some(300_000),
        block_size_mean_bytes: None,
        fees_native: Some(30.0),
        issuance_native: Some(900.0),
        fees_usd: None,
        issuance_usd: Some(8.0e6),
        price_usd: Some(9_000.0),
        node_count: None,
        version: 1,
        is_deleted: 0,
    };
    let checkpoint = CheckpointRow {
        chain: "bitcoin".into(),
        source: "bitcoin-rpc".into(),
        height: 50_000,
        hash: block.hash.clone(),
        updated_at: 1_790_000_000,
        version: 1,
        is_deleted: 0,
    };
    let index = IndexRow {
        date: 20_415,
        version: 1,
        created_at: 1_790_000_000,
        sha256: "ab".repeat(32),
        body: "{}".into(),
        row_version: 1,
        is_deleted: 0,
    };
    let inserts = json!([
        { "table": "blocks", "row": block },
        { "table": "daily_metrics", "row": daily },
        { "table": "checkpoints", "row": checkpoint },
        { "table": "indices", "row": index },
        { "table": "leases", "row": { "name": "background-work", "holder": "host:4242:1f2e", "expires_at_ms": 1_790_000_000_000i64, "version": 1_790_000_000_000_000_000u64 } },
        { "table": "schema_migrations", "row": { "version": 1, "name": "initial schema", "applied_at": 1_790_000_000u32 } },
    ]);
    // Migration 5 carries hex rows over to binary ones, and 6 rebuilds the
    // txid lookup from them: run on a store that migrations 1 to 4 left
    // with a row in it.
    let steps_of = |keep: fn(u32) -> bool| -> Vec<String> {
        schema::MIGRATIONS
            .iter()
            .filter(|m| keep(m.version))
            .flat_map(|m| m.steps.iter().flat_map(|s| layout.replay(s)))
            .collect()
    };
    let migration_5 = json!({
        "before": steps_of(|v| v < 5),
        "seed": [
            format!(
                "INSERT INTO blocks (chain, height, hash, time, version, is_deleted) \
                 VALUES ('ethereum', 7, '0x{0:064x}', toDateTime(1600000000), 1, 0)",
                7
            ),
            format!(
                "INSERT INTO transactions (chain, txid, block_height, block_hash, position, gas_used, version, is_deleted) \
                 VALUES ('ethereum', '0x{:064x}', 7, '0x{:064x}', 0, 21000, 1, 0)",
                0xabcd_u64, 7
            ),
        ],
        "migrate": steps_of(|v| v >= 5),
        "expect": format!(
            "SELECT (SELECT count() FROM block_transactions WHERE txid = unhex('{0:064x}') AND hex_0x = 1 \
             AND block_time = toDateTime(1600000000) AND gas_used = 21000) \
             + (SELECT count() FROM txid_blocks WHERE txid_prefix = unhex('{1}') AND block_height = 7)",
            0xabcd_u64,
            &format!("{:064x}", 0xabcd_u64)[..10]
        ),
        "expect_count": 2,
    });
    let doc = json!({
        "ddl": ddl,
        "queries": queries,
        "inserts": inserts,
        "insert_sql": insert_sql,
        "migration_5": migration_5,
    });
    println!(
        "{}",
        serde_json::to_string_pretty(&doc).expect("JSON of plain values")
    );
}

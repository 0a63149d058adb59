//! Migrations on a ClickHouse store that already holds data: the schema of
//! an earlier release is built and filled with the raw client, then the
//! store migrates it and its reads and rollbacks work on the old rows.

use blockwatt_store::clickhouse::rows::{BlockRow, TransactionRow};
use blockwatt_store::clickhouse::schema::{Layout, MIGRATIONS, MIGRATIONS_TABLE};
use blockwatt_store::DatabaseUrl;

const CHAIN: &str = "ethereum";

fn block_row(h: u64) -> BlockRow {
    BlockRow {
        chain: CHAIN.into(),
        height: h,
        hash: format!("{h:064x}"),
        parent_hash: format!("{:064x}", h.saturating_sub(1)),
        time: 1_600_000_000 + h as u32 * 12,
        tx_count: 3,
        size_bytes: 1_000,
        weight: 0,
        gas_used: 63_000,
        gas_limit: 30_000_000,
        difficulty: 0.0,
        fees_native: 0.01,
        subsidy_native: 0.0,
        provisional: 0,
        version: 1,
        is_deleted: 0,
    }
}

fn tx_row(h: u64, p: u32) -> TransactionRow {
    TransactionRow {
        chain: CHAIN.into(),
        txid: format!("{h:032x}{p:032x}"),
        block_height: h,
        block_hash: format!("{h:064x}"),
        position: p,
        size_bytes: 110,
        vsize: 110,
        gas_used: 21_000,
        fee_native: 0.001,
        version: 1,
        is_deleted: 0,
    }
}

#[tokio::test]
async fn a_store_from_before_transactions_by_block_migrates_with_its_data() {
    let Some(endpoint) =
        blockwatt_testkit::clickhouse_endpoint("a_store_from_before_transactions_by_block")
    else {
        return;
    };
    let db = blockwatt_testkit::unique_name("bw_migrate");
    let raw = clickhouse::Client::default()
        .with_url(endpoint.as_str())
        .with_validation(false);
    raw.query(&format!("CREATE DATABASE {db}"))
        .execute()
        .await
        .expect("database");
    let raw = raw.with_database(db.as_str());
    // The schema as migrations 1 to 3 left it, with 30 blocks of 3
    // transactions written by that release.
    let layout = Layout::Single;
    raw.query(&layout.create_migrations_table())
        .execute()
        .await
        .expect("migrations table");
    for m in MIGRATIONS.iter().filter(|m| m.version <= 3) {
        for step in m.steps {
            for statement in layout.statements(step) {
                raw.query(&statement).execute().await.expect("old schema");
            }
        }
        raw.query(&format!(
            "INSERT INTO {} (version, name, applied_at) VALUES (?, ?, 0)",
            MIGRATIONS_TABLE.name
        ))
        .bind(m.version)
        .bind(m.name)
        .execute()
        .await
        .expect("record");
    }
    let mut blocks = raw.insert::<BlockRow>("blocks").await.expect("insert");
    let mut txs = raw
        .insert::<TransactionRow>("transactions")
        .await
        .expect("insert");
    for h in 0..30 {
        blocks.write(&block_row(h)).await.expect("row");
        for p in 0..3 {
            txs.write(&tx_row(h, p)).await.expect("row");
        }
    }
    blocks.end().await.expect("blocks");
    txs.end().await.expect("transactions");

    let url = DatabaseUrl::parse(&format!("{endpoint}/?database={db}")).expect("url");
    let store = blockwatt_store::open(&url).await.expect("open");
    assert_eq!(store.migrate().await.expect("migrate"), vec![4]);
    // The old rows are found through the new table.
    let totals = store
        .block_transaction_totals(CHAIN, 7, &format!("{:064x}", 7))
        .await
        .expect("totals");
    assert_eq!((totals.transactions, totals.gas_used), (3, 63_000));
    assert_eq!(store.rollback_above(CHAIN, 24).await.expect("rollback"), 5);
    assert_eq!(
        store
            .transaction(CHAIN, &format!("{:032x}{:032x}", 25, 1))
            .await
            .expect("read"),
        None
    );
    assert!(store
        .transaction(CHAIN, &format!("{:032x}{:032x}", 24, 1))
        .await
        .expect("read")
        .is_some());
    let above = store
        .block_transaction_totals(CHAIN, 25, &format!("{:064x}", 25))
        .await
        .expect("totals");
    assert_eq!(above.transactions, 0);
    let _ = raw.query(&format!("DROP DATABASE {db}")).execute().await;
}

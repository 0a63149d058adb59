//! Migrations on a ClickHouse store that already holds data: the schema of
//! an earlier release is built and filled with the raw client, then the
//! store migrates it and its reads and rollbacks work on the old rows. On
//! one server and on a cluster (scripts/clickhouse-cluster-start), where
//! the rows are spread over shards and each migration's copies run through
//! the `Distributed` tables, and migration 10 moves `block_transactions`'
//! rows to the shards of their block.

use blockwatt_store::clickhouse::rows::BlockRow;
use blockwatt_store::clickhouse::schema::{
    Layout, Step, BLOCK_TRANSACTIONS, BLOCK_TRANSACTIONS_V10, CARRY_RUN_HEIGHTS, MIGRATIONS,
    MIGRATIONS_TABLE,
};
use blockwatt_store::{DatabaseUrl, StoreError};
use clickhouse::Row;
use serde::Serialize;

const CHAIN: &str = "ethereum";
const DAY: u32 = 86_400;
/// The contract whose logs the old stores from migration 7 on recorded.
const TOKEN: &str = "0xdac17f958d2ee523a2206206994597c13d831ec7";

fn block_hash(h: u64) -> String {
    format!("0x{h:064x}")
}

/// Block and position lead: no two transactions share the txid lookup's
/// key, so no two of its entries are the same entry that a merge folds.
fn txid(h: u64, p: u32) -> String {
    format!("0x{h:04x}{p:04x}{:056x}", 0)
}

/// Two days apart: the 30 blocks span three calendar months.
fn block_row(h: u64) -> BlockRow {
    BlockRow {
        chain: CHAIN.into(),
        height: h,
        hash: block_hash(h),
        parent_hash: block_hash(h.saturating_sub(1)),
        time: 1_600_000_000 + h as u32 * 2 * DAY,
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

/// A row of `transactions` as releases before migration 5 wrote it: hex
/// text, ordered by txid.
#[derive(Debug, Clone, Row, Serialize)]
struct OldTransactionRow {
    chain: String,
    txid: String,
    block_height: u64,
    block_hash: String,
    position: u32,
    size_bytes: u64,
    vsize: u64,
    gas_used: u64,
    fee_native: f64,
    version: u64,
    is_deleted: u8,
}

fn tx_row(h: u64, p: u32) -> OldTransactionRow {
    OldTransactionRow {
        chain: CHAIN.into(),
        txid: txid(h, p),
        block_height: h,
        block_hash: block_hash(h),
        position: p,
        size_bytes: 110,
        vsize: 110,
        gas_used: 21_000,
        fee_native: 0.001,
        version: 1,
        is_deleted: 0,
    }
}

/// Two tests of `body`: on one server (`single`) and on the cluster
/// (`cluster`), each skipped as the test kit says when its server is not
/// configured.
macro_rules! on_a_server_and_a_cluster {
    ($single:ident, $cluster:ident, $body:ident) => {
        #[tokio::test]
        async fn $single() {
            if let Some(server) = Server::single(stringify!($single)) {
                $body(&server).await;
            }
        }

        #[tokio::test]
        async fn $cluster() {
            if let Some(server) = Server::cluster(stringify!($cluster)) {
                $body(&server).await;
            }
        }
    };
}

/// Where an old store is built: one server, or a cluster by name.
struct Server {
    endpoint: String,
    cluster: Option<String>,
}

impl Server {
    fn single(test: &str) -> Option<Server> {
        let endpoint = blockwatt_testkit::clickhouse_endpoint(test)?;
        Some(Server {
            endpoint,
            cluster: None,
        })
    }

    fn cluster(test: &str) -> Option<Server> {
        let (endpoint, cluster) = blockwatt_testkit::clickhouse_cluster(test)?;
        Some(Server {
            endpoint,
            cluster: Some(cluster),
        })
    }

    fn layout(&self, db: &str) -> Layout {
        match &self.cluster {
            None => Layout::Single,
            Some(cluster) => Layout::Cluster {
                cluster: cluster.clone(),
                database: db.to_owned(),
            },
        }
    }

    /// The name a table's rows are kept under on the node this client
    /// reaches (system tables list local tables).
    fn local(&self, table: &str) -> String {
        match self.cluster {
            None => table.to_owned(),
            Some(_) => format!("{table}_local"),
        }
    }
}

struct OldStore {
    raw: clickhouse::Client,
    db: String,
    url: DatabaseUrl,
    /// On a cluster, its name: the database is dropped on every node.
    cluster: Option<String>,
}

/// The schema as migrations up to `last` left it, with 30 blocks of 3
/// transactions (one of them since deleted by a tombstone) and `extra`:
/// written as releases before migration 5 wrote them, then carried by the
/// migrations after 4 up to `last`, as a release at `last` had done. From
/// migration 7 on, with the blocks' logs as releases before 12 recorded
/// them ([`old_contract_rows`]).
async fn old_store(server: &Server, last: u32, extra: &[OldTransactionRow]) -> OldStore {
    let db = blockwatt_testkit::unique_name("bw_migrate");
    let layout = server.layout(&db);
    let mut raw = clickhouse::Client::default()
        .with_url(server.endpoint.as_str())
        .with_validation(false);
    if server.cluster.is_some() {
        // As the store's own client: an insert returns once every shard
        // holds its rows, and reads go to the replica that took them.
        raw = raw
            .with_setting("insert_distributed_sync", "1")
            .with_setting("load_balancing", "in_order");
    }
    let create = match &layout {
        Layout::Single => format!("CREATE DATABASE {db}"),
        Layout::Cluster { .. } => layout.create_database(),
    };
    raw.query(&create).execute().await.expect("database");
    let raw = raw.with_database(db.as_str());
    raw.query(&layout.create_migrations_table())
        .execute()
        .await
        .expect("migrations table");
    let apply = |versions: std::ops::RangeInclusive<u32>| {
        let (raw, layout) = (raw.clone(), layout.clone());
        async move {
            for m in MIGRATIONS.iter().filter(|m| versions.contains(&m.version)) {
                for step in m.steps {
                    for statement in layout.replay(step) {
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
        }
    };
    apply(1..=last.min(4)).await;
    let mut blocks = raw.insert::<BlockRow>("blocks").await.expect("insert");
    let mut txs = raw
        .insert::<OldTransactionRow>("transactions")
        .await
        .expect("insert");
    for h in 0..30 {
        blocks.write(&block_row(h)).await.expect("row");
        for p in 0..3 {
            txs.write(&tx_row(h, p)).await.expect("row");
        }
    }
    let mut deleted = tx_row(3, 2);
    (deleted.version, deleted.is_deleted) = (2, 1);
    txs.write(&deleted).await.expect("tombstone");
    for row in extra {
        txs.write(row).await.expect("row");
    }
    blocks.end().await.expect("blocks");
    txs.end().await.expect("transactions");
    apply(5..=last).await;
    if (7..12).contains(&last) {
        raw.query(&old_contract_rows())
            .execute()
            .await
            .expect("contract rows");
    }
    let cluster = server.cluster.clone();
    let url = match &cluster {
        None => format!("{}/?database={db}", server.endpoint),
        Some(c) => format!("{}/?database={db}&cluster={c}", server.endpoint),
    };
    let url = DatabaseUrl::parse(&url).expect("url");
    OldStore {
        raw,
        db,
        url,
        cluster,
    }
}

/// `contract_blocks` as migrations 7 to 11 kept it, each row naming its
/// block by the first 4 bytes of its hash: every block's logs recorded
/// (the zero-address mark), [`TOKEN`] in the odd blocks with 2
/// transactions, and a row of a block once stored at height 4 and since
/// replaced, which counts for nothing.
fn old_contract_rows() -> String {
    let prefix = |h: u64| block_hash(h)[2..10].to_owned();
    let token = &TOKEN[2..];
    let mut rows: Vec<String> = (0..30u64)
        .flat_map(|h| {
            let mut block = vec![format!(
                "('{CHAIN}', unhex('{}'), {h}, unhex('{}'), 0, 0)",
                "0".repeat(40),
                prefix(h)
            )];
            if h % 2 == 1 {
                block.push(format!(
                    "('{CHAIN}', unhex('{token}'), {h}, unhex('{}'), 2, 42000)",
                    prefix(h)
                ));
            }
            block
        })
        .collect();
    rows.push(format!(
        "('{CHAIN}', unhex('{token}'), 4, unhex('ffffffff'), 9, 9)"
    ));
    format!(
        "INSERT INTO contract_blocks (chain, contract, block_height, block_hash_prefix, \
         transactions, gas_used) VALUES {}",
        rows.join(", ")
    )
}

impl OldStore {
    async fn count(&self, sql: &str) -> u64 {
        let query = self.raw.query(sql);
        // System tables are asked about this database by name.
        let query = if sql.contains('?') {
            query.bind(self.db.as_str())
        } else {
            query
        };
        query.fetch_one::<u64>().await.expect(sql)
    }

    /// The store on it, once it has run every migration from `first` on.
    async fn migrated_from(&self, first: u32) -> std::sync::Arc<dyn blockwatt_store::Store> {
        let store = blockwatt_store::open(&self.url).await.expect("open");
        let newest = MIGRATIONS.last().map_or(0, |m| m.version);
        assert_eq!(
            store.migrate().await.expect("migrate"),
            (first..=newest).collect::<Vec<_>>()
        );
        store
    }

    /// The rows of `block_transactions` that are live.
    async fn live_transactions(&self) -> u64 {
        self.count("SELECT count() FROM block_transactions FINAL WHERE is_deleted = 0")
            .await
    }

    async fn drop(self) {
        let on_cluster = match &self.cluster {
            None => String::new(),
            Some(c) => format!(" ON CLUSTER `{c}`"),
        };
        let _ = self
            .raw
            .query(&format!("DROP DATABASE IF EXISTS {}{on_cluster}", self.db))
            .execute()
            .await;
    }
}

on_a_server_and_a_cluster!(
    a_store_with_hex_transactions_migrates_to_binary_hashes_with_its_data,
    a_cluster_with_hex_transactions_migrates_to_binary_hashes_with_its_data,
    migrates_with_its_data
);

async fn migrates_with_its_data(server: &Server) {
    // From before migration 4 (no transactions_by_block), from before 5
    // (hex text), from before 6 (`txid_index`, 8-byte keys) and from
    // before 10 (a block's transactions split between shards), from
    // before 11 (parts without their heights' range), from before 12
    // (contract rows naming their block by its hash) and from before 13
    // (the txid lookup by 6 bytes).
    for last in [3, 4, 5, 9, 10, 11, 12] {
        let old = old_store(server, last, &[]).await;
        let store = blockwatt_store::open(&old.url).await.expect("open");
        let newest = MIGRATIONS.last().map_or(0, |m| m.version);
        let expected: Vec<u32> = (last + 1..=newest).collect();
        assert_eq!(store.migrate().await.expect("migrate"), expected);
        // Every live row carried over, with its block's time (so its month's
        // partition), the tombstoned one not; the hex tables are gone.
        assert_eq!(
            old.count("SELECT count() FROM block_transactions").await,
            89
        );
        assert_eq!(
            old.count("SELECT count() FROM block_transactions WHERE block_time = 0")
                .await,
            0
        );
        assert_eq!(old.count("SELECT count() FROM txid_blocks").await, 89);
        // On a cluster, the parts of the shard this client reaches: the
        // rows are spread by a hash of their key, and this shard's third
        // of them spans the three months as well.
        assert_eq!(
            old.count(&format!(
                "SELECT uniqExact(partition) FROM system.parts WHERE database = ? \
                 AND table = '{}' AND active",
                server.local("block_transactions")
            ))
            .await,
            3
        );
        assert_eq!(
            old.count(
                "SELECT count() FROM system.tables WHERE database = ? \
                 AND replaceRegexpOne(name, '_local$', '') \
                 IN ('transactions', 'transactions_by_block', 'txid_index', \
                 'transactions_carried', 'block_transactions_rebuilding')"
            )
            .await,
            0
        );
        if server.cluster.is_some() {
            assert_sharded_by_block(&old).await;
        }
        assert_partitioned_with_heights(&old, server).await;
        if (7..12).contains(&last) {
            assert_contract_rows_carried(&old, &*store).await;
        }
        // The old rows read back as they were written, 0x and all.
        let t = store
            .transaction(CHAIN, &txid(7, 1))
            .await
            .expect("read")
            .expect("carried over");
        assert_eq!(
            (t.txid.as_str(), t.block_hash.as_str(), t.gas_used),
            (txid(7, 1).as_str(), block_hash(7).as_str(), 21_000)
        );
        assert_eq!(
            store.transaction(CHAIN, &txid(3, 2)).await.expect("read"),
            None
        );
        let totals = store
            .block_transaction_totals(CHAIN, 7, &block_hash(7))
            .await
            .expect("totals");
        assert_eq!((totals.transactions, totals.gas_used), (3, 63_000));
        // Reads by time find the old blocks through the hours migration 9
        // indexed from them.
        let (first, last) = (block_row(0).time as i64, block_row(29).time as i64);
        let in_time = store
            .blocks_in_time(CHAIN, first, last + 1)
            .await
            .expect("blocks by time");
        assert_eq!(in_time.len(), 30);
        assert_eq!(
            store
                .block_totals_in_time(CHAIN, first, last + 1)
                .await
                .expect("totals by time")
                .blocks,
            30
        );
        roll_back_above_24(&*store).await;
        let above = store
            .block_transaction_totals(CHAIN, 25, &block_hash(25))
            .await
            .expect("totals");
        assert_eq!(above.transactions, 0);
        assert_eq!(store.migrate().await.expect("again"), Vec::<u32>::new());
        old.drop().await;
    }
}

/// The old store's contract rows of live blocks read as they were written,
/// each now naming its block's write; the replaced block's row is gone.
async fn assert_contract_rows_carried(old: &OldStore, store: &dyn blockwatt_store::Store) {
    assert_eq!(old.count("SELECT count() FROM contract_blocks").await, 45);
    let uses = store
        .contract_uses(CHAIN, TOKEN, 0, 29)
        .await
        .expect("contract uses");
    assert_eq!(uses.recorded_blocks, 30);
    assert_eq!(
        uses.uses
            .iter()
            .map(|u| (u.block_height, u.transactions, u.gas_used))
            .collect::<Vec<_>>(),
        (1..30)
            .step_by(2)
            .map(|h| (h, 2, 42_000))
            .collect::<Vec<_>>()
    );
    let (first, last) = (block_row(0).time as i64, block_row(29).time as i64);
    let days = store
        .contract_days(CHAIN, TOKEN, first, last + 1)
        .await
        .expect("contract days");
    assert_eq!(days.iter().map(|d| d.recorded_blocks).sum::<u64>(), 30);
    assert_eq!(
        days.iter().map(|d| d.contract_transactions).sum::<u64>(),
        30
    );
}

/// Rolls the 30 blocks back above 24: every transaction of blocks 25 to
/// 29 reads as gone, block 24's stay. On a cluster each tombstone goes to
/// its block's shard, so a row left on the other one would still read as
/// live.
async fn roll_back_above_24(store: &dyn blockwatt_store::Store) {
    assert_eq!(store.rollback_above(CHAIN, 24).await.expect("rollback"), 5);
    assert!(store
        .transaction(CHAIN, &txid(24, 1))
        .await
        .expect("read")
        .is_some());
    for h in 25..30 {
        for p in 0..3 {
            assert_eq!(
                store.transaction(CHAIN, &txid(h, p)).await.expect("read"),
                None,
                "block {h}, position {p}"
            );
        }
    }
}

/// The `Distributed` table shards by the block, not by the row.
async fn assert_sharded_by_block(old: &OldStore) {
    let engine = old
        .raw
        .query("SELECT engine_full FROM system.tables WHERE database = ? AND name = 'block_transactions'")
        .bind(old.db.as_str())
        .fetch_one::<String>()
        .await
        .expect("engine");
    assert!(
        blockwatt_store::clickhouse::schema::shards_by(&engine, BLOCK_TRANSACTIONS.shard_by),
        "{engine}"
    );
}

/// Each part of `block_transactions` keeps its heights' range.
async fn assert_partitioned_with_heights(old: &OldStore, server: &Server) {
    let engine = old
        .raw
        .query("SELECT engine_full FROM system.tables WHERE database = ? AND name = ?")
        .bind(old.db.as_str())
        .bind(server.local("block_transactions"))
        .fetch_one::<String>()
        .await
        .expect("engine");
    assert!(
        blockwatt_store::clickhouse::schema::partitioned_by(
            &engine,
            BLOCK_TRANSACTIONS.partition_by
        ),
        "{engine}"
    );
}

/// A new store on a cluster: migration 5 shards by the row, 10 at once by
/// the block (its fast path, with nothing to move).
#[tokio::test]
async fn a_new_cluster_store_keeps_a_blocks_transactions_on_one_shard() {
    let Some(server) = Server::cluster("a_new_cluster_store") else {
        return;
    };
    let db = blockwatt_testkit::unique_name("bw_migrate");
    let cluster = server.cluster.clone();
    let url = DatabaseUrl::parse(&format!(
        "{}/?database={db}&cluster={}",
        server.endpoint,
        cluster.as_deref().unwrap_or_default()
    ))
    .expect("url");
    let store = blockwatt_store::open(&url).await.expect("open");
    let newest = MIGRATIONS.last().map_or(0, |m| m.version);
    assert_eq!(
        store.migrate().await.expect("migrate"),
        (1..=newest).collect::<Vec<u32>>()
    );
    let new = OldStore {
        raw: clickhouse::Client::default()
            .with_url(server.endpoint.as_str())
            .with_validation(false)
            .with_database(db.as_str()),
        db,
        url,
        cluster,
    };
    assert_sharded_by_block(&new).await;
    new.drop().await;
}

/// Migration 10 cut short after its copy and the old table's drop: run
/// again, it makes the table anew and copies every row back.
#[tokio::test]
async fn a_reshard_cut_short_after_its_copy_goes_on_with_every_row() {
    let Some(server) = Server::cluster("a_reshard_cut_short") else {
        return;
    };
    let old = old_store(&server, 9, &[]).await;
    let layout = server.layout(&old.db);
    let staging = layout.create(&BLOCK_TRANSACTIONS_V10, "block_transactions_rebuilding");
    let copy =
        ["INSERT INTO block_transactions_rebuilding SELECT * FROM block_transactions".to_owned()];
    for statement in staging
        .iter()
        .chain(&copy)
        .chain(&layout.drop("block_transactions"))
    {
        old.raw.query(statement).execute().await.expect(statement);
    }
    let store = blockwatt_store::open(&old.url).await.expect("open");
    assert_eq!(
        store.migrate().await.expect("migrate"),
        vec![10, 11, 12, 13]
    );
    assert_eq!(
        old.count("SELECT count() FROM block_transactions").await,
        89
    );
    assert_eq!(
        old.count(
            "SELECT count() FROM system.tables WHERE database = ? \
             AND name LIKE 'block_transactions_rebuilding%'"
        )
        .await,
        0
    );
    assert_sharded_by_block(&old).await;
    roll_back_above_24(&*store).await;
    old.drop().await;
}

on_a_server_and_a_cluster!(
    contract_rows_far_apart_are_carried_run_by_run,
    contract_rows_far_apart_are_carried_run_by_run_on_a_cluster,
    carried_run_by_run
);

/// Migration 12 carries a chain's contract rows a run of heights at a
/// time, so that its join holds one run's blocks: rows on both sides of
/// a run's end, a third run's, and another chain's all arrive named by
/// their block's write; a row of a block since replaced does not.
async fn carried_run_by_run(server: &Server) {
    let old = old_store(server, 11, &[]).await;
    let far = [
        (CHAIN, CARRY_RUN_HEIGHTS - 1),
        (CHAIN, CARRY_RUN_HEIGHTS),
        (CHAIN, 2 * CARRY_RUN_HEIGHTS + 7),
        ("polygon", 7),
    ];
    let mut blocks = old.raw.insert::<BlockRow>("blocks").await.expect("insert");
    for (chain, h) in far {
        let mut b = block_row(29);
        (b.chain, b.height, b.hash, b.version) = (chain.into(), h, block_hash(h), 5);
        blocks.write(&b).await.expect("row");
    }
    blocks.end().await.expect("blocks");
    let token = &TOKEN[2..];
    let mut rows: Vec<String> = far
        .iter()
        .map(|(chain, h)| {
            format!(
                "('{chain}', unhex('{token}'), {h}, unhex('{}'), 1, 21000)",
                &block_hash(*h)[2..10]
            )
        })
        .collect();
    rows.push(format!(
        "('{CHAIN}', unhex('{token}'), {}, unhex('ffffffff'), 9, 9)",
        CARRY_RUN_HEIGHTS
    ));
    let sql = format!(
        "INSERT INTO contract_blocks (chain, contract, block_height, block_hash_prefix, \
         transactions, gas_used) VALUES {}",
        rows.join(", ")
    );
    old.raw.query(&sql).execute().await.expect(&sql);
    let store = blockwatt_store::open(&old.url).await.expect("open");
    assert_eq!(store.migrate().await.expect("migrate"), vec![12, 13]);
    // The 45 rows of the first run, and the four far ones.
    assert_eq!(old.count("SELECT count() FROM contract_blocks").await, 49);
    assert_eq!(
        old.count(
            "SELECT count() FROM contract_blocks WHERE block_version = 5 AND transactions = 1"
        )
        .await,
        4
    );
    let uses = store
        .contract_uses(
            CHAIN,
            TOKEN,
            CARRY_RUN_HEIGHTS - 1,
            2 * CARRY_RUN_HEIGHTS + 7,
        )
        .await
        .expect("contract uses");
    assert_eq!(
        uses.uses
            .iter()
            .map(|u| (u.block_height, u.transactions))
            .collect::<Vec<_>>(),
        [
            (CARRY_RUN_HEIGHTS - 1, 1),
            (CARRY_RUN_HEIGHTS, 1),
            (2 * CARRY_RUN_HEIGHTS + 7, 1)
        ]
    );
    let uses = store
        .contract_uses("polygon", TOKEN, 0, 10)
        .await
        .expect("contract uses");
    assert_eq!(uses.uses.len(), 1);
    old.drop().await;
}

on_a_server_and_a_cluster!(
    hex_transactions_far_apart_are_carried_run_by_run,
    hex_transactions_far_apart_are_carried_run_by_run_on_a_cluster,
    hex_carried_run_by_run
);

/// Migration 5 gives each transaction its block's time a chain's run of
/// heights at a time, so that its join holds one run's blocks: rows on
/// both sides of a run's end, a third run's, and another chain's at a
/// height the first chain has too each arrive with their own block's
/// time; a tombstoned one does not arrive.
async fn hex_carried_run_by_run(server: &Server) {
    let far = [
        (CHAIN, CARRY_RUN_HEIGHTS - 1),
        (CHAIN, CARRY_RUN_HEIGHTS),
        (CHAIN, 2 * CARRY_RUN_HEIGHTS + 7),
        ("polygon", 7),
    ];
    // Height first, so no two share the txid lookup's key.
    let far_txid = |h: u64, chain: &str| format!("0x{h:016x}{:02x}{:046x}", chain.len(), 0);
    let time_of = |i: usize| 1_700_000_000 + i as u32 * DAY;
    let mut extra: Vec<OldTransactionRow> = far
        .iter()
        .map(|&(chain, h)| {
            let mut t = tx_row(h, 0);
            (t.chain, t.txid) = (chain.into(), far_txid(h, chain));
            t
        })
        .collect();
    let mut gone = extra[1].clone();
    (gone.txid, gone.position) = (far_txid(CARRY_RUN_HEIGHTS + 1, CHAIN), 1);
    extra.push(gone.clone());
    (gone.version, gone.is_deleted) = (2, 1);
    extra.push(gone);
    let old = old_store(server, 4, &extra).await;
    let mut blocks = old.raw.insert::<BlockRow>("blocks").await.expect("insert");
    for (i, &(chain, h)) in far.iter().enumerate() {
        let mut b = block_row(29);
        (b.chain, b.height, b.hash, b.time) = (chain.into(), h, block_hash(h), time_of(i));
        blocks.write(&b).await.expect("row");
    }
    blocks.end().await.expect("blocks");
    let store = old.migrated_from(5).await;
    // The 89 live rows of the first run, and the four far ones.
    assert_eq!(old.live_transactions().await, 93);
    for (i, &(chain, h)) in far.iter().enumerate() {
        let sql = format!(
            "SELECT count() FROM block_transactions WHERE chain = '{chain}' \
             AND block_height = {h} AND block_time = toDateTime({})",
            time_of(i)
        );
        assert_eq!(old.count(&sql).await, 1, "{sql}");
        let t = store
            .transaction(chain, &far_txid(h, chain))
            .await
            .expect("read")
            .expect("carried over");
        assert_eq!((t.block_height, t.block_hash), (h, block_hash(h)));
    }
    assert_eq!(
        store
            .transaction(CHAIN, &far_txid(CARRY_RUN_HEIGHTS + 1, CHAIN))
            .await
            .expect("read"),
        None
    );
    old.drop().await;
}

/// A migration 5 cut short after `transactions` was dropped, its staging
/// table still there: run again, it carries the rows from there once
/// more (they fold into the ones already carried) and finishes.
#[tokio::test]
async fn a_migration_5_cut_short_after_its_hex_table_is_gone_goes_on() {
    let Some(server) = Server::single("migration_5_cut_short") else {
        return;
    };
    let old = old_store(&server, 4, &[]).await;
    let layout = server.layout(&old.db);
    let steps = MIGRATIONS
        .iter()
        .find(|m| m.version == 5)
        .map(|m| m.steps)
        .expect("migration 5");
    let (last, before) = steps.split_last().expect("steps");
    assert!(matches!(last, Step::Drop("transactions_carried")));
    for step in before {
        for statement in layout.replay(step) {
            old.raw.query(&statement).execute().await.expect(&statement);
        }
    }
    assert_eq!(
        old.count("SELECT count() FROM system.tables WHERE database = ? AND name = 'transactions'")
            .await,
        0
    );
    let store = old.migrated_from(5).await;
    assert_eq!(old.live_transactions().await, 89);
    assert_eq!(
        old.count("SELECT count() FROM block_transactions WHERE block_time = 0")
            .await,
        0
    );
    assert_eq!(
        old.count(
            "SELECT count() FROM system.tables WHERE database = ? AND name = 'transactions_carried'"
        )
        .await,
        0
    );
    let totals = store
        .block_transaction_totals(CHAIN, 7, &block_hash(7))
        .await
        .expect("totals");
    assert_eq!((totals.transactions, totals.gas_used), (3, 63_000));
    assert!(store
        .transaction(CHAIN, &txid(7, 1))
        .await
        .expect("read")
        .is_some());
    old.drop().await;
}

on_a_server_and_a_cluster!(
    a_row_migration_5_cannot_carry_stops_it_before_anything_changes,
    a_row_migration_5_cannot_carry_stops_it_on_a_cluster,
    a_row_it_cannot_carry_stops_migration_5
);

async fn a_row_it_cannot_carry_stops_migration_5(server: &Server) {
    let mut bad = tx_row(8, 3);
    bad.txid = "tx-8-3".into();
    let old = old_store(server, 4, &[bad]).await;
    let store = blockwatt_store::open(&old.url).await.expect("open");
    let e = store.migrate().await.expect_err("refused");
    assert!(matches!(e, StoreError::Invalid(_)), "{e:?}");
    let text = e.to_string();
    assert!(
        text.contains("migration 5")
            && text.contains("1 stored transactions cannot be carried over"),
        "{text}"
    );
    assert_eq!(old.count("SELECT count() FROM transactions").await, 92);
    assert_eq!(
        old.count(
            "SELECT count() FROM system.tables WHERE database = ? \
             AND name IN ('block_transactions', 'block_transactions_local')"
        )
        .await,
        0
    );
    assert_eq!(
        old.count("SELECT count() FROM schema_migrations WHERE version = 5")
            .await,
        0
    );
    old.drop().await;
}

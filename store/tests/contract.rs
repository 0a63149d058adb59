//! One contract, three stores: every test here runs against SQLite
//! (always), a real ClickHouse server and a real ClickHouse cluster of 2
//! shards × 2 replicas (when they answer; CI starts both and sets
//! BLOCKWATT_REQUIRE_ALL=1 so neither is skipped there).

use std::sync::Arc;

use blockwatt_domain::{BlockBatch, BlockLogs, ContractUse, DailyMetrics, IndexSnapshot};
use blockwatt_store::clickhouse::schema::Layout;
use blockwatt_store::{ContractUses, DatabaseUrl, IndexWrite, Store, StoreError};
use chrono::NaiveDate;

mod common;
use common::{batch, block, hash, tx, txid};

/// A store plus whatever must live as long as it (a temp dir, a database to drop).
struct Fixture {
    store: Arc<dyn Store>,
    _dir: Option<tempfile::TempDir>,
    /// The endpoint and the statement that drops the test's database.
    drop_db: Option<(String, String)>,
}

impl Drop for Fixture {
    fn drop(&mut self) {
        if let Some((endpoint, statement)) = self.drop_db.take() {
            // Best effort: a leftover test database is harmless.
            let _ = std::process::Command::new("curl")
                .args(["-fsS", "--data-binary", &statement, &endpoint])
                .output();
        }
    }
}

async fn sqlite() -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = DatabaseUrl::parse(&format!("sqlite://{}/nested/bw.db", dir.path().display()))
        .expect("sqlite url");
    let store = blockwatt_store::open(&url).await.expect("open sqlite");
    Fixture {
        store,
        _dir: Some(dir),
        drop_db: None,
    }
}

async fn clickhouse(test: &str) -> Option<Fixture> {
    clickhouse_and_database(test).await.map(|(f, _, _)| f)
}

/// A one-server fixture, its endpoint and its database's name.
async fn clickhouse_and_database(test: &str) -> Option<(Fixture, String, String)> {
    let endpoint = blockwatt_testkit::clickhouse_endpoint(test)?;
    let db = blockwatt_testkit::unique_name("bw_contract");
    let url = DatabaseUrl::parse(&format!("{endpoint}/?database={db}")).expect("clickhouse url");
    let store = blockwatt_store::open(&url)
        .await
        .expect("connect clickhouse");
    let fixture = Fixture {
        store,
        _dir: None,
        drop_db: Some((endpoint.clone(), format!("DROP DATABASE IF EXISTS {db}"))),
    };
    Some((fixture, endpoint, db))
}

/// The same contract on a cluster: replicated shards behind `Distributed`
/// tables (scripts/clickhouse-cluster-start).
async fn clickhouse_cluster(test: &str) -> Option<Fixture> {
    cluster_fixture(test).await.map(|c| c.fixture)
}

struct ClusterFixture {
    fixture: Fixture,
    endpoint: String,
    cluster: String,
    db: String,
}

async fn cluster_fixture(test: &str) -> Option<ClusterFixture> {
    let (endpoint, cluster) = blockwatt_testkit::clickhouse_cluster(test)?;
    let db = blockwatt_testkit::unique_name("bw_cluster");
    let url = DatabaseUrl::parse(&format!("{endpoint}/?database={db}&cluster={cluster}"))
        .expect("clickhouse cluster url");
    let store = blockwatt_store::open(&url)
        .await
        .expect("connect clickhouse cluster");
    Some(ClusterFixture {
        fixture: Fixture {
            store,
            _dir: None,
            drop_db: Some((
                endpoint.clone(),
                format!("DROP DATABASE IF EXISTS {db} ON CLUSTER {cluster}"),
            )),
        },
        endpoint,
        cluster,
        db,
    })
}

/// Plain SQL over HTTP, to look past the store at where rows are.
fn sql(endpoint: &str, query: &str) -> String {
    let out = std::process::Command::new("curl")
        .args(["-sS", "--fail-with-body", "--data-binary", query, endpoint])
        .output()
        .expect("curl runs");
    let text = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert!(out.status.success(), "{query}: {text}");
    text
}

/// On a cluster the store's rows are spread over both shards, and both
/// replicas of a shard come to hold the same rows.
#[tokio::test]
async fn on_a_cluster_rows_are_sharded_and_every_replica_holds_its_shard() {
    let Some(c) =
        cluster_fixture("on_a_cluster_rows_are_sharded_and_every_replica_holds_its_shard").await
    else {
        return;
    };
    let store = c.fixture.store.as_ref();
    store.migrate().await.expect("migrate");
    store
        .write_batch(&batch(CHAIN, 0..=199, "a"))
        .await
        .expect("write");
    let replicas: Vec<(u32, u32, u16)> = sql(
        &c.endpoint,
        &format!(
            "SELECT shard_num, replica_num, port FROM system.clusters WHERE cluster = '{}' ORDER BY shard_num, replica_num",
            c.cluster
        ),
    )
    .lines()
    .map(|l| {
        let f: Vec<u64> = l.split('\t').map(|x| x.parse().expect("a number")).collect();
        (f[0] as u32, f[1] as u32, f[2] as u16)
    })
    .collect();
    assert_eq!(replicas.len(), 4, "2 shards × 2 replicas");
    let counts = |table: &str| -> Vec<u64> {
        replicas
            .iter()
            .map(|(_, _, port)| {
                sql(
                    &c.endpoint,
                    &format!(
                        "SELECT count() FROM remote('127.0.0.1:{port}', {}, {table}_local)",
                        c.db
                    ),
                )
                .parse()
                .expect("a count")
            })
            .collect()
    };
    // Replication is asynchronous: poll, bounded, until each shard's second
    // replica has fetched what its first was given.
    for (table, rows) in [
        ("blocks", 200),
        ("block_transactions", 400),
        ("txid_blocks", 400),
    ] {
        blockwatt_testkit::wait_until(std::time::Duration::from_secs(30), || {
            let n = counts(table);
            n[0] == n[1] && n[2] == n[3]
        });
        let n = counts(table);
        assert_eq!(
            (n[0], n[2]),
            (n[1], n[3]),
            "{table}: replicas differ: {n:?}"
        );
        assert_eq!(n[0] + n[2], rows, "{table}: {n:?}");
        assert!(
            n[0] > 0 && n[2] > 0,
            "{table}: one shard holds everything: {n:?}"
        );
    }
}

/// ClickHouse keeps a contract's sums of a day that is over, and reads
/// them back while the day's blocks are unchanged: a row written behind
/// the store's back (no block written again) is not seen, and the next
/// write of its block makes the day summed again.
async fn kept_day_sums_are_read_until_the_days_blocks_change(
    store: &dyn Store,
    endpoint: &str,
    db: &str,
) {
    store.migrate().await.unwrap();
    let time = |h: u64| block(CHAIN, h, "a").time;
    let mut b = batch(CHAIN, 65..=79, "a");
    b.logs = (65..=79)
        .map(|h| match h {
            66 => uses(h, "a", &[(TOKEN, 2, 90_000)]),
            75 => uses(h, "a", &[(TOKEN, 1, 40_000)]),
            _ => uses(h, "a", &[]),
        })
        .collect();
    store.write_batch(&b).await.unwrap();
    let contract_txs = |days: &[blockwatt_store::ContractDayTotals]| -> Vec<(NaiveDate, u64, u64)> {
        days.iter()
            .map(|d| (d.day, d.recorded_blocks, d.contract_transactions))
            .collect()
    };
    let read = || store.contract_days(CHAIN, TOKEN, time(65), time(79) + 1);
    let first = vec![(day("2020-09-13"), 5, 2), (day("2020-09-14"), 10, 1)];
    assert_eq!(contract_txs(&read().await.unwrap()), first);
    // Through the replica the store reads and writes first, as the store
    // does: the other one may not have the rows yet.
    let first_replica = format!("{endpoint}/?load_balancing=in_order&insert_distributed_sync=1");
    let kept = sql(
        &first_replica,
        &format!("SELECT count() FROM {db}.contract_days WHERE chain = '{CHAIN}'"),
    );
    assert_eq!(kept, "2", "one kept row per day");
    // Block 76's row for the token, written directly under the write of
    // the block now stored: the block is unchanged, so the kept sums
    // stand.
    let block_version = sql(
        &first_replica,
        &format!(
            "SELECT toUInt32(bitAnd(version, 4294967295)) FROM {db}.blocks FINAL \
             WHERE chain = '{CHAIN}' AND height = 76"
        ),
    );
    sql(
        &first_replica,
        &format!(
            "INSERT INTO {db}.contract_blocks (chain, contract, block_height, block_version, \
             transactions, gas_used) VALUES ('{CHAIN}', unhex('{}'), 76, {}, 4, 1)",
            TOKEN.trim_start_matches("0x"),
            block_version
        ),
    );
    assert_eq!(contract_txs(&read().await.unwrap()), first);
    // Block 76 ingested again with its logs: the day is summed anew.
    let mut again = batch(CHAIN, 76..=76, "a");
    again.logs = vec![uses(76, "a", &[(TOKEN, 5, 1_000)])];
    store.write_batch(&again).await.unwrap();
    assert_eq!(
        contract_txs(&read().await.unwrap()),
        vec![(day("2020-09-13"), 5, 2), (day("2020-09-14"), 10, 6)]
    );
}

#[tokio::test]
async fn kept_day_sums_on_one_server() {
    let Some((f, endpoint, db)) = clickhouse_and_database("kept_day_sums_on_one_server").await
    else {
        return;
    };
    kept_day_sums_are_read_until_the_days_blocks_change(f.store.as_ref(), &endpoint, &db).await;
}

/// Where [`merged_rows_are_summed_without_final_and_as_with_it`] runs.
enum Servers {
    One,
    /// The cluster's name and the TCP port of each shard's first replica,
    /// which reads with `load_balancing=in_order` go to (as the store's
    /// inserts do).
    Cluster {
        name: String,
        first_replicas: Vec<u16>,
    },
}

impl Servers {
    fn layout(&self, db: &str) -> Layout {
        match self {
            Servers::One => Layout::Single,
            Servers::Cluster { name, .. } => Layout::Cluster {
                cluster: name.clone(),
                database: db.to_owned(),
            },
        }
    }

    /// The URL of the test's own statements: on a cluster, each shard's
    /// first replica answers, and an insert is there when it returns.
    fn url(&self, endpoint: &str) -> String {
        match self {
            Servers::One => endpoint.to_owned(),
            Servers::Cluster { .. } => {
                format!("{endpoint}/?load_balancing=in_order&insert_distributed_sync=1")
            }
        }
    }

    /// Merges `table`'s parts into one per shard. On a cluster, 18.16's
    /// `OPTIMIZE … ON CLUSTER` has the leader replica of each shard merge,
    /// while the other answers "Unknown log entry type: 0" (seen by hand),
    /// so its status is not the signal: the first replicas' parts are
    /// polled, bounded, until none is straight from an insert.
    fn merge(&self, endpoint: &str, db: &str, table: &str) {
        match self {
            Servers::One => {
                sql(endpoint, &format!("OPTIMIZE TABLE {db}.{table} FINAL"));
            }
            Servers::Cluster {
                name,
                first_replicas,
            } => {
                let _ = std::process::Command::new("curl")
                    .args([
                        "-sS",
                        "--data-binary",
                        &format!("OPTIMIZE TABLE {db}.{table}_local ON CLUSTER {name} FINAL"),
                        endpoint,
                    ])
                    .output();
                let unmerged = || -> u64 {
                    first_replicas
                        .iter()
                        .map(|port| {
                            sql(
                                endpoint,
                                &format!(
                                    "SELECT count() FROM remote('127.0.0.1:{port}', system, parts) \
                                     WHERE database = '{db}' AND table = '{table}_local' AND active AND level = 0"
                                ),
                            )
                            .parse::<u64>()
                            .expect("a count")
                        })
                        .sum()
                };
                assert!(
                    blockwatt_testkit::wait_until(std::time::Duration::from_secs(30), || {
                        unmerged() == 0
                    }),
                    "{table}: parts from inserts left on the first replicas after 30 s"
                );
            }
        }
    }

    fn truncate(&self, endpoint: &str, db: &str, table: &str) {
        let statement = match self {
            Servers::One => format!("TRUNCATE TABLE {db}.{table}"),
            Servers::Cluster { name, .. } => {
                format!("TRUNCATE TABLE {db}.{table}_local ON CLUSTER {name}")
            }
        };
        sql(endpoint, &statement);
    }
}

/// A run's live blocks per day, and a contract's use of them, are summed
/// without `FINAL` once merges have left each key one row, and with it
/// before: a reorg's tombstones and new blocks, and a block written again
/// a day later, are parts of their own until merged, and so are a height
/// written again after the merge and a retried insert's copy of a row.
/// Both ways give what the `FINAL` reads give, and the store's contract
/// days do not change with the merge.
#[tokio::test]
async fn merged_rows_are_summed_without_final_and_as_with_it() {
    let Some((f, endpoint, db)) =
        clickhouse_and_database("merged_rows_are_summed_without_final_and_as_with_it").await
    else {
        return;
    };
    merged_rows_are_summed_without_final(f.store.as_ref(), &endpoint, &db, &Servers::One).await;
}

/// The same on a cluster, where two shards' parts can bear one name and
/// their heights interleave: each shard's parts are checked on their own.
#[tokio::test]
async fn merged_rows_are_summed_without_final_on_a_cluster() {
    let Some(c) = cluster_fixture("merged_rows_are_summed_without_final_on_a_cluster").await else {
        return;
    };
    let first_replicas: Vec<u16> = sql(
        &c.endpoint,
        &format!(
            "SELECT port FROM system.clusters WHERE cluster = '{}' AND replica_num = 1 ORDER BY shard_num",
            c.cluster
        ),
    )
    .lines()
    .map(|l| l.parse().expect("a port"))
    .collect();
    assert_eq!(first_replicas.len(), 2, "2 shards");
    let servers = Servers::Cluster {
        name: c.cluster.clone(),
        first_replicas,
    };
    merged_rows_are_summed_without_final(c.fixture.store.as_ref(), &c.endpoint, &c.db, &servers)
        .await;
}

async fn merged_rows_are_summed_without_final(
    store: &dyn Store,
    endpoint: &str,
    db: &str,
    servers: &Servers,
) {
    use blockwatt_store::clickhouse::rows::{
        BlockDayRow, BlockPartDayRow, ContractDayRow, ContractPartDayRow, LiveWriteRow,
    };
    use blockwatt_store::clickhouse::sql as statements;
    use blockwatt_store::clickhouse::without_final::{contract_days, live_block_days};
    let layout = servers.layout(db);
    let url = servers.url(endpoint);
    store.migrate().await.unwrap();
    let time = |h: u64| block(CHAIN, h, "a").time;
    let token_logs = |range: std::ops::RangeInclusive<u64>, branch: &str| -> Vec<BlockLogs> {
        range
            .map(|h| uses(h, branch, &[(TOKEN, (h % 3 + 1) as u32, h)]))
            .collect()
    };
    let mut b = batch(CHAIN, 60..=179, "a");
    b.logs = token_logs(60..=179, "a");
    store.write_batch(&b).await.unwrap();
    store.rollback_above(CHAIN, 165).await.unwrap();
    let mut b = batch(CHAIN, 166..=179, "b");
    b.logs = token_logs(166..=179, "b");
    store.write_batch(&b).await.unwrap();
    let mut again = batch(CHAIN, 126..=126, "a");
    again.blocks[0].time += 86_400;
    store.write_batch(&again).await.unwrap();

    let (from, to) = (time(60), time(179) + 2 * 86_400);
    let client = clickhouse::Client::default()
        .with_url(endpoint)
        .with_database(db)
        .with_validation(false)
        .with_setting("load_balancing", "in_order");
    let block_parts = || async {
        client
            .query(&statements::select_block_days_by_part(&layout))
            .bind(from)
            .bind(to)
            .bind(CHAIN)
            .bind(60u64)
            .bind(179u64)
            .fetch_all::<BlockPartDayRow>()
            .await
            .unwrap()
    };
    let block_days = || async {
        client
            .query(&statements::select_block_days())
            .bind(CHAIN)
            .bind(60u64)
            .bind(179u64)
            .bind(from)
            .bind(to)
            .fetch_all::<BlockDayRow>()
            .await
            .unwrap()
    };
    // The contract's side over branch b's write, which holds every height
    // of its range (as the reads by writes need).
    let writes = client
        .query(&statements::select_live_block_writes(&[(166, 179)]))
        .bind(CHAIN)
        .fetch_all::<LiveWriteRow>()
        .await
        .unwrap();
    assert_eq!(writes.len(), 1, "{writes:?}");
    let digits = TOKEN.trim_start_matches("0x");
    let contract_parts = || async {
        client
            .query(&statements::select_contract_part_days_by_writes(
                &writes, &layout,
            ))
            .bind(CHAIN)
            .bind(digits)
            .bind(166u64)
            .bind(179u64)
            .fetch_all::<ContractPartDayRow>()
            .await
            .unwrap()
    };
    let contract_final = || async {
        client
            .query(&statements::select_contract_days_by_writes(&writes))
            .bind(CHAIN)
            .bind(digits)
            .bind(166u64)
            .bind(179u64)
            .fetch_all::<ContractDayRow>()
            .await
            .unwrap()
    };
    let read = || store.contract_days(CHAIN, TOKEN, from, to);

    // Unmerged, the rows without `FINAL` count the orphaned blocks and
    // block 126's first write too: only `FINAL` gives the live days.
    let unmerged = block_parts().await;
    let all_rows: u64 = unmerged
        .iter()
        .filter(|r| r.in_time == 1 && r.is_deleted == 0)
        .map(|r| r.day.blocks)
        .sum();
    assert_eq!(all_rows, 120 + 14 + 1);
    assert!(live_block_days(&unmerged).is_none());
    assert!(contract_days(&contract_parts().await).is_none());
    let before_merge = read().await.unwrap();
    let live = block_days().await;
    assert_eq!(live.len(), 3, "block 126 moved to a third day: {live:?}");
    assert_eq!(live.iter().map(|d| d.blocks).sum::<u64>(), 120);
    let token = contract_final().await;
    // Branch b's 14 blocks, each recorded (mark 1) and using the token.
    assert_eq!(
        token.iter().map(|d| (d.mark, d.blocks)).collect::<Vec<_>>(),
        vec![(0, 14), (1, 14)]
    );

    for table in ["blocks", "contract_blocks"] {
        servers.merge(endpoint, db, table);
    }
    let merged_blocks = block_parts().await;
    if let Servers::Cluster { .. } = servers {
        // Both shards hold rows, each named by its own macro, and their
        // heights interleave: only shard by shard do the parts stand apart.
        let span = |shard: &str| {
            let rows = merged_blocks.iter().filter(|r| r.shard == shard);
            let low = rows.clone().map(|r| r.day.first_height).min();
            (low, rows.map(|r| r.day.last_height).max())
        };
        let (one, two) = (span("1"), span("2"));
        assert!(one.0.is_some() && two.0.is_some(), "{merged_blocks:?}");
        assert!(one.0 < two.1 && two.0 < one.1, "{one:?} {two:?}");
    }
    let merged = live_block_days(&merged_blocks).expect("one merged part a shard");
    assert_eq!(format!("{merged:?}"), format!("{live:?}"));
    let merged = contract_days(&contract_parts().await).expect("one merged part a shard");
    assert_eq!(format!("{merged:?}"), format!("{token:?}"));
    // The kept sums dropped, so the store sums the days again.
    servers.truncate(endpoint, db, "contract_days");
    assert_eq!(read().await.unwrap(), before_merge);

    // A retried insert's copy of a row of the token: its own part until
    // merged, where `FINAL` still counts it once.
    sql(
        &url,
        &format!(
            "INSERT INTO {db}.contract_blocks SELECT * FROM {db}.contract_blocks \
             WHERE contract = unhex('{digits}') AND block_height = 170"
        ),
    );
    let copied = contract_parts().await;
    assert!(contract_days(&copied).is_none());
    assert_eq!(
        copied
            .iter()
            .filter(|r| r.mark == 0)
            .map(|r| r.blocks)
            .sum::<u64>(),
        15
    );
    assert_eq!(
        format!("{:?}", contract_final().await),
        format!("{token:?}")
    );

    // A height written again after the merge.
    let mut later = batch(CHAIN, 130..=130, "a");
    later.blocks[0].time += 86_400;
    store.write_batch(&later).await.unwrap();
    assert!(live_block_days(&block_parts().await).is_none());
    let moved = block_days().await;
    assert_eq!(
        moved.iter().map(|d| d.blocks).collect::<Vec<_>>(),
        vec![live[0].blocks, live[1].blocks - 1, live[2].blocks + 1]
    );
}

#[tokio::test]
async fn kept_day_sums_on_a_cluster() {
    let Some(c) = cluster_fixture("kept_day_sums_on_a_cluster").await else {
        return;
    };
    kept_day_sums_are_read_until_the_days_blocks_change(
        c.fixture.store.as_ref(),
        &c.endpoint,
        &c.db,
    )
    .await;
}

/// A follower writes blocks one at a time: each write that only extends
/// the last one takes its version again, so a contract's rows repeat it
/// (and compress) as a batch's do. A write where block rows already are
/// (the same block again, a height rolled back, a height another store
/// wrote) takes a new one, and every live block counts once.
async fn extending_writes_share_their_version(
    store: &dyn Store,
    other: &dyn Store,
    first_replica: &str,
    db: &str,
) {
    store.migrate().await.unwrap();
    let write = |heights: std::ops::RangeInclusive<u64>, branch: &'static str, txs: u32| {
        let mut b = batch(CHAIN, heights.clone(), branch);
        b.logs = heights
            .map(|h| uses(h, branch, &[(TOKEN, txs, 21_000)]))
            .collect();
        b
    };
    let versions = || -> Vec<(u64, String)> {
        sql(
            first_replica,
            &format!(
                "SELECT height, version FROM {db}.blocks FINAL \
                 WHERE chain = '{CHAIN}' AND is_deleted = 0 ORDER BY height FORMAT TSV"
            ),
        )
        .lines()
        .map(|l| {
            let (h, v) = l.split_once('\t').expect("two columns");
            (h.parse().expect("a height"), v.to_owned())
        })
        .collect()
    };
    let distinct = |vs: &[(u64, String)]| {
        let mut v: Vec<&String> = vs.iter().map(|(_, v)| v).collect();
        v.sort_unstable();
        v.dedup();
        v.len()
    };
    for h in 0..=4 {
        store.write_batch(&write(h..=h, "a", 1)).await.unwrap();
    }
    assert_eq!(distinct(&versions()), 1, "{:?}", versions());
    // Block 4 again: its rows are there, so a new version, which the
    // write of 5 and 6 extending it takes again.
    store.write_batch(&write(4..=4, "a", 1)).await.unwrap();
    store.write_batch(&write(5..=6, "a", 1)).await.unwrap();
    let vs = versions();
    assert_eq!(distinct(&vs), 2, "{vs:?}");
    assert_ne!(vs[3].1, vs[4].1);
    assert_eq!((&vs[4].1, &vs[5].1), (&vs[6].1, &vs[6].1));
    // A reorg above 4: branch b's blocks take a new version.
    store.rollback_above(CHAIN, 4).await.unwrap();
    store.write_batch(&write(5..=5, "b", 2)).await.unwrap();
    // Another store (another instance) writes 6; this one, extending its
    // own 5, finds a block row at 6 and takes a new version for 6 and 7.
    other.write_batch(&write(6..=6, "b", 2)).await.unwrap();
    store.write_batch(&write(6..=7, "b", 2)).await.unwrap();
    let vs = versions();
    assert_eq!(vs.len(), 8);
    assert_ne!(vs[4].1, vs[5].1, "{vs:?}");
    assert_ne!(vs[5].1, vs[6].1, "{vs:?}");
    assert_eq!(vs[6].1, vs[7].1, "{vs:?}");
    let read = store.contract_uses(CHAIN, TOKEN, 0, 7).await.unwrap();
    assert_eq!(read.recorded_blocks, 8);
    assert_eq!(
        read.uses
            .iter()
            .map(|u| (u.block_height, u.transactions))
            .collect::<Vec<_>>(),
        [
            (0, 1),
            (1, 1),
            (2, 1),
            (3, 1),
            (4, 1),
            (5, 2),
            (6, 2),
            (7, 2)
        ]
    );
}

#[tokio::test]
async fn extending_writes_share_their_version_on_one_server() {
    let Some((f, endpoint, db)) =
        clickhouse_and_database("extending_writes_share_their_version_on_one_server").await
    else {
        return;
    };
    let url = DatabaseUrl::parse(&format!("{endpoint}/?database={db}")).expect("url");
    let other = blockwatt_store::open(&url).await.expect("a second store");
    extending_writes_share_their_version(f.store.as_ref(), other.as_ref(), &endpoint, &db).await;
}

#[tokio::test]
async fn extending_writes_share_their_version_on_a_cluster() {
    let Some(c) = cluster_fixture("extending_writes_share_their_version_on_a_cluster").await else {
        return;
    };
    let url = DatabaseUrl::parse(&format!(
        "{}/?database={}&cluster={}",
        c.endpoint, c.db, c.cluster
    ))
    .expect("url");
    let other = blockwatt_store::open(&url).await.expect("a second store");
    let first_replica = format!(
        "{}/?load_balancing=in_order&insert_distributed_sync=1",
        c.endpoint
    );
    extending_writes_share_their_version(
        c.fixture.store.as_ref(),
        other.as_ref(),
        &first_replica,
        &c.db,
    )
    .await;
}

/// Generates `mod sqlite_backend` and `mod clickhouse_backend`, each with
/// one `#[tokio::test]` per contract function.
macro_rules! contract {
    ($($name:ident),* $(,)?) => {
        mod sqlite_backend {
            $(#[tokio::test] async fn $name() {
                let f = super::sqlite().await;
                assert_eq!(f.store.migrate().await.unwrap(), vec![1, 2, 3, 4, 5, 6]);
                super::$name(f.store.as_ref()).await;
            })*
        }
        mod clickhouse_backend {
            $(#[tokio::test] async fn $name() {
                let Some(f) = super::clickhouse(concat!("clickhouse_backend::", stringify!($name))).await else { return };
                assert_eq!(f.store.migrate().await.unwrap(), vec![1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
                super::$name(f.store.as_ref()).await;
            })*
        }
        mod clickhouse_cluster_backend {
            $(#[tokio::test] async fn $name() {
                let Some(f) = super::clickhouse_cluster(concat!("clickhouse_cluster_backend::", stringify!($name))).await else { return };
                assert_eq!(f.store.migrate().await.unwrap(), vec![1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
                super::$name(f.store.as_ref()).await;
            })*
        }
    };
}

contract!(
    migrations_apply_once,
    batch_is_readable_every_way,
    rewriting_blocks_never_duplicates,
    rollback_removes_blocks_transactions_and_lowers_checkpoint,
    batch_mixing_chains_is_refused_and_writes_nothing,
    a_transaction_without_a_hash_is_refused_and_writes_nothing,
    a_txid_is_found_in_its_block_after_a_reorg_and_beside_a_lookalike,
    daily_metrics_round_trip_and_replace,
    indices_are_immutable,
    chains_are_isolated,
    block_totals_match_the_blocks_they_sum,
    a_lease_is_its_greatest_version,
    a_contracts_use_counts_the_live_blocks_whose_logs_were_recorded,
    logs_of_a_block_not_in_the_batch_are_refused_and_write_nothing,
    a_contracts_days_sum_the_live_blocks_of_each_utc_day,
    a_contracts_days_beyond_32_bit_heights_are_summed_too,
    a_contracts_days_over_months_partly_read_before_are_each_summed_once,
    a_contracts_days_read_cut_short_at_any_point_leave_right_sums,
    a_block_written_again_at_another_time_is_read_at_that_time_only,
    a_contracts_days_agree_with_its_uses_block_by_block_after_each_kind_of_write,
);

const CHAIN: &str = "bitcoin";

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
}

async fn migrations_apply_once(store: &dyn Store) {
    // The fixture already migrated once.
    assert_eq!(
        store.migrate().await.unwrap(),
        Vec::<u32>::new(),
        "second migrate applied something"
    );
    let applied = store.applied_migrations().await.unwrap();
    assert_eq!(applied.first(), Some(&1));
    assert!(applied.windows(2).all(|w| w[0] < w[1]), "{applied:?}");
    store.ping().await.unwrap();
}

async fn batch_is_readable_every_way(store: &dyn Store) {
    let b = batch(CHAIN, 0..=9, "a");
    store.write_batch(&b).await.unwrap();
    assert_eq!(store.blocks(CHAIN, 0, 100).await.unwrap(), b.blocks);
    assert_eq!(
        store.blocks(CHAIN, 3, 5).await.unwrap(),
        b.blocks[3..=5].to_vec()
    );
    assert_eq!(
        store.block(CHAIN, 7).await.unwrap().as_ref(),
        Some(&b.blocks[7])
    );
    assert_eq!(store.block(CHAIN, 70).await.unwrap(), None);
    assert_eq!(
        store
            .block_by_hash(CHAIN, &b.blocks[4].hash)
            .await
            .unwrap()
            .as_ref(),
        Some(&b.blocks[4])
    );
    assert_eq!(store.tip(CHAIN).await.unwrap().as_ref(), Some(&b.blocks[9]));
    let (t2, t5) = (b.blocks[2].time, b.blocks[5].time);
    let in_time = store.blocks_in_time(CHAIN, t2, t5).await.unwrap();
    assert_eq!(
        in_time.iter().map(|b| b.height).collect::<Vec<_>>(),
        vec![2, 3, 4]
    );
    assert_eq!(
        store
            .transaction(CHAIN, &txid(4, 1, "a"))
            .await
            .unwrap()
            .as_ref(),
        Some(&b.transactions[9])
    );
    assert_eq!(store.transaction(CHAIN, "missing").await.unwrap(), None);
    assert_eq!(
        store.transaction(CHAIN, &txid(4, 2, "a")).await.unwrap(),
        None
    );
    assert_eq!(
        store.transaction(CHAIN, &txid(4, 1, "b")).await.unwrap(),
        None
    );
    assert_eq!(
        store.checkpoint(CHAIN, "test").await.unwrap().as_ref(),
        Some(&b.checkpoint)
    );
    assert_eq!(store.checkpoint(CHAIN, "other").await.unwrap(), None);

    let looked_up = tx(CHAIN, 9, 7, "a");
    store
        .write_transactions(std::slice::from_ref(&looked_up))
        .await
        .unwrap();
    assert_eq!(
        store.transaction(CHAIN, &looked_up.txid).await.unwrap(),
        Some(looked_up)
    );
}

async fn rewriting_blocks_never_duplicates(store: &dyn Store) {
    let b = batch(CHAIN, 0..=4, "a");
    store.write_batch(&b).await.unwrap();
    store.write_batch(&b).await.unwrap();
    store.write_batch(&batch(CHAIN, 3..=6, "a")).await.unwrap();
    let heights: Vec<u64> = store
        .blocks(CHAIN, 0, 100)
        .await
        .unwrap()
        .iter()
        .map(|b| b.height)
        .collect();
    assert_eq!(heights, vec![0, 1, 2, 3, 4, 5, 6]);
    assert_eq!(
        store
            .checkpoint(CHAIN, "test")
            .await
            .unwrap()
            .unwrap()
            .height,
        6
    );
}

async fn rollback_removes_blocks_transactions_and_lowers_checkpoint(store: &dyn Store) {
    store.write_batch(&batch(CHAIN, 0..=9, "a")).await.unwrap();
    assert_eq!(store.rollback_above(CHAIN, 5).await.unwrap(), 4);
    let heights: Vec<u64> = store
        .blocks(CHAIN, 0, 100)
        .await
        .unwrap()
        .iter()
        .map(|b| b.height)
        .collect();
    assert_eq!(heights, (0..=5).collect::<Vec<_>>());
    assert_eq!(store.tip(CHAIN).await.unwrap().unwrap().height, 5);
    assert_eq!(
        store.transaction(CHAIN, &txid(7, 0, "a")).await.unwrap(),
        None
    );
    assert!(store
        .transaction(CHAIN, &txid(5, 0, "a"))
        .await
        .unwrap()
        .is_some());
    let cp = store.checkpoint(CHAIN, "test").await.unwrap().unwrap();
    assert_eq!(
        (cp.height, cp.hash.as_str()),
        (5, block(CHAIN, 5, "a").hash.as_str())
    );

    // The other branch takes the freed heights.
    let branch_b = batch(CHAIN, 6..=8, "b");
    store.write_batch(&branch_b).await.unwrap();
    let all = store.blocks(CHAIN, 0, 100).await.unwrap();
    assert_eq!(all.len(), 9);
    assert_eq!(all[6..].to_vec(), branch_b.blocks);
    assert!(store
        .block_by_hash(CHAIN, &block(CHAIN, 7, "a").hash)
        .await
        .unwrap()
        .is_none());
    // Rolling back above the tip removes nothing.
    assert_eq!(store.rollback_above(CHAIN, 100).await.unwrap(), 0);
}

async fn batch_mixing_chains_is_refused_and_writes_nothing(store: &dyn Store) {
    let mut b = batch(CHAIN, 0..=2, "a");
    b.blocks.push(block("litecoin", 3, "a"));
    let err = store.write_batch(&b).await.unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err}");
    assert!(err.to_string().contains("litecoin"), "{err}");
    assert!(store.blocks(CHAIN, 0, 10).await.unwrap().is_empty());
    assert_eq!(store.checkpoint(CHAIN, "test").await.unwrap(), None);
}

/// A txid is looked up through its first 5 bytes on ClickHouse: two
/// txids sharing them, in different blocks, are each found where they
/// are, and a transaction a reorg moves is found in its new block.
async fn a_txid_is_found_in_its_block_after_a_reorg_and_beside_a_lookalike(store: &dyn Store) {
    store.write_batch(&batch(CHAIN, 0..=9, "a")).await.unwrap();
    store.rollback_above(CHAIN, 5).await.unwrap();
    let mut b = batch(CHAIN, 6..=8, "b");
    let moved = txid(7, 0, "a");
    let lookalike = txid(6, 5, "b");
    let in_8 = b
        .transactions
        .iter()
        .position(|t| t.block_height == 8)
        .unwrap();
    b.transactions[in_8].txid.clone_from(&moved);
    b.transactions[in_8 + 1].txid.clone_from(&lookalike);
    store.write_batch(&b).await.unwrap();
    let found = store.transaction(CHAIN, &moved).await.unwrap().unwrap();
    assert_eq!(
        (found.block_height, found.block_hash.as_str()),
        (8, block(CHAIN, 8, "b").hash.as_str())
    );
    let found = store.transaction(CHAIN, &lookalike).await.unwrap().unwrap();
    assert_eq!((found.block_height, found.position), (8, 1));
    let found = store
        .transaction(CHAIN, &txid(6, 0, "b"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((found.block_height, found.position), (6, 0));
    assert_eq!(
        store.transaction(CHAIN, &txid(8, 0, "a")).await.unwrap(),
        None
    );
    // With its block: the one stored at its height with its hash.
    let (found, at) = store
        .transaction_with_block(CHAIN, &moved)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.block_height, 8);
    assert_eq!(at, Some(block(CHAIN, 8, "b")));
    // A transaction kept alone (an API lookup) naming a block of another
    // branch at a stored height: found, without a block.
    let alone = tx(CHAIN, 7, 9, "c");
    store
        .write_transactions(std::slice::from_ref(&alone))
        .await
        .unwrap();
    let (found, at) = store
        .transaction_with_block(CHAIN, &alone.txid)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (found.block_hash.as_str(), at),
        (alone.block_hash.as_str(), None)
    );
    assert_eq!(
        store
            .transaction_with_block(CHAIN, &txid(8, 0, "a"))
            .await
            .unwrap(),
        None
    );
}

/// Hashes are stored as their 32 bytes: text that is not one is refused
/// with its name, before anything of the batch is written.
async fn a_transaction_without_a_hash_is_refused_and_writes_nothing(store: &dyn Store) {
    let mut b = batch(CHAIN, 0..=2, "a");
    b.transactions[3].txid = "tx-1-1".into();
    let err = store.write_batch(&b).await.unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err}");
    assert!(
        err.to_string()
            .contains("txid \"tx-1-1\" is not a 32-byte hash"),
        "{err}"
    );
    let mut mixed = batch(CHAIN, 0..=2, "a");
    mixed.transactions[0].txid = format!("0x{}", mixed.transactions[0].txid);
    let err = store.write_batch(&mixed).await.unwrap_err();
    assert!(err.to_string().contains("differ in form"), "{err}");
    assert!(store.blocks(CHAIN, 0, 10).await.unwrap().is_empty());
    assert_eq!(store.checkpoint(CHAIN, "test").await.unwrap(), None);
    let one = tx(CHAIN, 1, 0, "a");
    assert_eq!(store.transaction(CHAIN, &one.txid).await.unwrap(), None);
}

fn metrics(d: &str, source: &str, hashrate: Option<f64>) -> DailyMetrics {
    DailyMetrics {
        hashrate_hs: hashrate,
        block_count: Some(144),
        tx_count: Some(300_000),
        fees_usd: Some(1.5e6),
        issuance_usd: Some(1.0e7),
        ..DailyMetrics::empty(CHAIN, day(d), source)
    }
}

async fn daily_metrics_round_trip_and_replace(store: &dyn Store) {
    let rows = vec![
        metrics("2020-07-25", "coinmetrics", Some(1.2e20)),
        metrics("2020-07-26", "coinmetrics", Some(1.3e20)),
        metrics("2020-07-26", "blocks", None),
        metrics("2020-07-27", "coinmetrics", Some(1.4e20)),
    ];
    store.write_daily_metrics(&rows).await.unwrap();
    let mut sorted = rows.clone();
    sorted.sort_by(|a, b| (a.day, &a.source).cmp(&(b.day, &b.source)));
    assert_eq!(
        store
            .daily_metrics(CHAIN, day("2020-07-01"), day("2020-08-01"))
            .await
            .unwrap(),
        sorted
    );

    let replaced = metrics("2020-07-26", "coinmetrics", Some(9.9e19));
    store
        .write_daily_metrics(std::slice::from_ref(&replaced))
        .await
        .unwrap();
    let one_day = store
        .daily_metrics(CHAIN, day("2020-07-26"), day("2020-07-26"))
        .await
        .unwrap();
    assert_eq!(one_day.len(), 2);
    assert_eq!(
        one_day.iter().find(|m| m.source == "coinmetrics"),
        Some(&replaced)
    );
    assert_eq!(
        store.daily_coverage(CHAIN).await.unwrap(),
        Some((day("2020-07-25"), day("2020-07-27")))
    );
    assert_eq!(store.daily_coverage("litecoin").await.unwrap(), None);
    // Per source: where that source's next sync starts.
    assert_eq!(
        store.daily_source_coverage(CHAIN, "blocks").await.unwrap(),
        Some((day("2020-07-26"), day("2020-07-26")))
    );
    assert_eq!(
        store.daily_source_coverage(CHAIN, "mempool").await.unwrap(),
        None
    );
}

async fn indices_are_immutable(store: &dyn Store) {
    let snap = |version: u32, body: &str| IndexSnapshot {
        date: day("2026-11-23"),
        version,
        created_at: 1_790_000_000,
        sha256: format!("sha-of-{body}"),
        body: body.into(),
    };
    // The second writer of the same body is told it wrote nothing.
    assert_eq!(
        store.write_index(&snap(1, "{\"a\":1}")).await.unwrap(),
        IndexWrite::Written
    );
    assert_eq!(
        store.write_index(&snap(1, "{\"a\":1}")).await.unwrap(),
        IndexWrite::AlreadyPublished
    );
    let err = store.write_index(&snap(1, "{\"a\":2}")).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    assert_eq!(
        store.index(day("2026-11-23"), Some(1)).await.unwrap(),
        Some(snap(1, "{\"a\":1}"))
    );
    store.write_index(&snap(2, "{\"a\":2}")).await.unwrap();
    assert_eq!(
        store.index(day("2026-11-23"), None).await.unwrap(),
        Some(snap(2, "{\"a\":2}"))
    );
    assert_eq!(store.index(day("2026-11-22"), None).await.unwrap(), None);
    let listed: Vec<u32> = store
        .indices()
        .await
        .unwrap()
        .iter()
        .map(|l| l.version)
        .collect();
    assert_eq!(listed, vec![1, 2]);
}

async fn chains_are_isolated(store: &dyn Store) {
    store
        .write_batch(&batch("bitcoin", 0..=3, "a"))
        .await
        .unwrap();
    store
        .write_batch(&batch("litecoin", 0..=5, "a"))
        .await
        .unwrap();
    store.rollback_above("litecoin", 1).await.unwrap();
    assert_eq!(store.blocks("bitcoin", 0, 10).await.unwrap().len(), 4);
    assert_eq!(store.blocks("litecoin", 0, 10).await.unwrap().len(), 2);
    assert_eq!(
        store
            .checkpoint("bitcoin", "test")
            .await
            .unwrap()
            .unwrap()
            .height,
        3
    );
}

/// The aggregate must equal the sum over `blocks_in_time`, skip rolled-back
/// and rewritten rows (ClickHouse: FINAL and the tombstone filter), and
/// keep to its chain and its half-open window.
async fn block_totals_match_the_blocks_they_sum(store: &dyn Store) {
    let with_gas = |mut b: BlockBatch| {
        for (i, block) in b.blocks.iter_mut().enumerate() {
            block.gas_used = 10_000 + i as u64;
        }
        b
    };
    store
        .write_batch(&with_gas(batch(CHAIN, 0..=9, "a")))
        .await
        .unwrap();
    // Written twice: replacing rows must not count twice.
    store
        .write_batch(&with_gas(batch(CHAIN, 3..=6, "a")))
        .await
        .unwrap();
    store
        .write_batch(&batch("litecoin", 0..=9, "l"))
        .await
        .unwrap();
    store.rollback_above(CHAIN, 7).await.unwrap();
    let t = |h: i64| 1_600_000_000 + h * 600;
    for (from, to) in [
        (t(2), t(6)),
        (t(0), t(100)),
        (t(5), t(5) + 1),
        (t(8), t(20)),
    ] {
        let blocks = store.blocks_in_time(CHAIN, from, to).await.unwrap();
        let want = blockwatt_store::BlockTotals {
            blocks: blocks.len() as u64,
            size_bytes: blocks.iter().map(|b| b.size_bytes).sum(),
            gas_used: blocks.iter().map(|b| b.gas_used).sum(),
            tx_count: blocks.iter().map(|b| u64::from(b.tx_count)).sum(),
            fees_native: blocks.iter().map(|b| b.fees_native).sum(),
        };
        let got = store.block_totals_in_time(CHAIN, from, to).await.unwrap();
        assert_eq!(got.blocks, want.blocks, "[{from}, {to})");
        assert_eq!(got.size_bytes, want.size_bytes, "[{from}, {to})");
        assert_eq!(got.gas_used, want.gas_used, "[{from}, {to})");
        assert_eq!(got.tx_count, want.tx_count, "[{from}, {to})");
        assert!(
            (got.fees_native - want.fees_native).abs() < 1e-9,
            "[{from}, {to}): {got:?} vs {want:?}"
        );
    }
    // Pinned figures, not only agreement with the other read path.
    let got = store.block_totals_in_time(CHAIN, t(2), t(6)).await.unwrap();
    assert_eq!(
        (got.blocks, got.size_bytes, got.gas_used, got.tx_count),
        (
            4,
            1_002 + 1_003 + 1_004 + 1_005,
            10_002 + 10_000 + 10_001 + 10_002,
            8
        )
    );
    // Heights 8 and 9 were rolled back; the window after them is empty.
    let gone = store
        .block_totals_in_time(CHAIN, t(8), t(20))
        .await
        .unwrap();
    assert_eq!(gone, blockwatt_store::BlockTotals::default());
}

async fn a_lease_is_its_greatest_version(store: &dyn Store) {
    use blockwatt_store::Lease;
    let lease = |holder: &str, version: u64| Lease {
        name: "background-work".into(),
        holder: holder.into(),
        expires_at_ms: 1_790_000_000_000 + version as i64,
        version,
    };
    assert_eq!(store.lease("background-work").await.unwrap(), None);
    store.write_lease(&lease("a", 10)).await.unwrap();
    store.write_lease(&lease("b", 30)).await.unwrap();
    // A claim written late with an older version loses.
    store.write_lease(&lease("c", 20)).await.unwrap();
    assert_eq!(
        store.lease("background-work").await.unwrap(),
        Some(lease("b", 30))
    );
    assert_eq!(store.lease("other").await.unwrap(), None);
}

const TOKEN: &str = "0xdac17f958d2ee523a2206206994597c13d831ec7";
const OTHER: &str = "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48";

fn uses(height: u64, branch: &str, contracts: &[(&str, u32, u64)]) -> BlockLogs {
    BlockLogs {
        block_height: height,
        block_hash: hash(height, branch),
        contracts: contracts
            .iter()
            .map(|&(contract, transactions, gas_used)| ContractUse {
                contract: contract.into(),
                transactions,
                gas_used,
            })
            .collect(),
    }
}

/// Logs recorded at ingestion are read back per contract, for live
/// blocks only: blocks written without them are not counted as recorded,
/// a retried batch counts once, and after a reorg the orphaned blocks'
/// rows count no more while the new branch's do.
async fn a_contracts_use_counts_the_live_blocks_whose_logs_were_recorded(store: &dyn Store) {
    // Blocks 0..=3 without their logs (a source without receipts).
    store.write_batch(&batch(CHAIN, 0..=3, "a")).await.unwrap();
    let mut b = batch(CHAIN, 4..=9, "a");
    b.logs = (4..=9)
        .map(|h| match h {
            5 => uses(h, "a", &[(OTHER, 1, 50_000), (TOKEN, 2, 90_000)]),
            7 => uses(h, "a", &[(TOKEN, 1, 40_000)]),
            _ => uses(h, "a", &[]),
        })
        .collect();
    store.write_batch(&b).await.unwrap();
    store.write_batch(&b).await.unwrap();
    let u = store.contract_uses(CHAIN, TOKEN, 0, 100).await.unwrap();
    assert_eq!(u.recorded_blocks, 6);
    let seen: Vec<(u64, u32, u64)> = u
        .uses
        .iter()
        .map(|x| (x.block_height, x.transactions, x.gas_used))
        .collect();
    assert_eq!(seen, vec![(5, 2, 90_000), (7, 1, 40_000)]);
    // The range bounds both fields; an upper-case address is the same one.
    let u = store
        .contract_uses(CHAIN, &TOKEN.to_uppercase().replace("0X", "0x"), 6, 9)
        .await
        .unwrap();
    assert_eq!((u.recorded_blocks, u.uses.len()), (4, 1));
    assert_eq!(
        store
            .contract_uses(CHAIN, OTHER, 0, 100)
            .await
            .unwrap()
            .uses[0]
            .block_height,
        5
    );
    assert_eq!(
        store
            .contract_uses("litecoin", TOKEN, 0, 100)
            .await
            .unwrap(),
        ContractUses::default()
    );

    // A reorg above 6: block 7's token use goes, branch b's block 8 brings one.
    store.rollback_above(CHAIN, 6).await.unwrap();
    let mut b2 = batch(CHAIN, 7..=8, "b");
    b2.logs = vec![uses(7, "b", &[]), uses(8, "b", &[(TOKEN, 3, 120_000)])];
    store.write_batch(&b2).await.unwrap();
    let u = store.contract_uses(CHAIN, TOKEN, 0, 100).await.unwrap();
    assert_eq!(
        u.recorded_blocks, 5,
        "4, 5, 6 of branch a; 7, 8 of branch b"
    );
    let seen: Vec<(u64, u32)> = u
        .uses
        .iter()
        .map(|x| (x.block_height, x.transactions))
        .collect();
    assert_eq!(seen, vec![(5, 2), (8, 3)]);

    let err = store
        .contract_uses(CHAIN, "0x1234", 0, 100)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err}");
    assert!(err.to_string().contains("0x1234"), "{err}");
}

async fn logs_of_a_block_not_in_the_batch_are_refused_and_write_nothing(store: &dyn Store) {
    let mut b = batch(CHAIN, 0..=2, "a");
    b.logs = vec![uses(2, "b", &[(TOKEN, 1, 1)])];
    let err = store.write_batch(&b).await.unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err}");
    assert!(err.to_string().contains("does not hold"), "{err}");
    let mut b = batch(CHAIN, 0..=2, "a");
    b.logs = vec![uses(
        1,
        "a",
        &[("0x0000000000000000000000000000000000000000", 1, 1)],
    )];
    let err = store.write_batch(&b).await.unwrap_err();
    assert!(err.to_string().contains("zero address"), "{err}");
    let mut b = batch(CHAIN, 0..=2, "a");
    b.logs = vec![uses(1, "a", &[("0xnot-an-address", 1, 1)])];
    let err = store.write_batch(&b).await.unwrap_err();
    assert!(err.to_string().contains("0xnot-an-address"), "{err}");
    assert!(store.blocks(CHAIN, 0, 10).await.unwrap().is_empty());
    assert_eq!(
        store.contract_uses(CHAIN, TOKEN, 0, 10).await.unwrap(),
        ContractUses::default()
    );
}

/// The store's per-day sums agree with the blocks: each UTC day's blocks,
/// transactions, recorded blocks and the contract's use, the orphaned
/// blocks of a reorg left out.
async fn a_contracts_days_sum_the_live_blocks_of_each_utc_day(store: &dyn Store) {
    // Blocks are 600 s apart from 2020-09-13 12:26:40 UTC: heights up to
    // 69 fall on the 13th, 70 on the 14th.
    let time = |h: u64| block(CHAIN, h, "a").time;
    assert_eq!(
        (day_of(time(69)), day_of(time(70))),
        (day("2020-09-13"), day("2020-09-14"))
    );
    store
        .write_batch(&batch(CHAIN, 60..=64, "a"))
        .await
        .unwrap();
    let mut b = batch(CHAIN, 65..=79, "a");
    b.logs = (65..=79)
        .map(|h| match h {
            66 => uses(h, "a", &[(TOKEN, 2, 90_000), (OTHER, 1, 1)]),
            75 => uses(h, "a", &[(TOKEN, 1, 40_000)]),
            _ => uses(h, "a", &[]),
        })
        .collect();
    store.write_batch(&b).await.unwrap();
    let got = |d: &blockwatt_store::ContractDayTotals| {
        (
            d.day,
            d.blocks,
            d.first_height,
            d.last_height,
            d.transactions,
            d.recorded_blocks,
            d.contract_transactions,
            d.contract_gas,
        )
    };
    let days = store
        .contract_days(CHAIN, TOKEN, time(60), time(79) + 1)
        .await
        .unwrap();
    assert_eq!(
        days.iter().map(got).collect::<Vec<_>>(),
        vec![
            (day("2020-09-13"), 10, 60, 69, 20, 5, 2, 90_000),
            (day("2020-09-14"), 10, 70, 79, 20, 10, 1, 40_000),
        ]
    );
    // A reorg above 72: block 75's use goes, branch b's block 77 brings one.
    store.rollback_above(CHAIN, 72).await.unwrap();
    let mut b2 = batch(CHAIN, 73..=79, "b");
    b2.logs = (73..=79)
        .map(|h| match h {
            77 => uses(h, "b", &[(TOKEN, 3, 120_000)]),
            _ => uses(h, "b", &[]),
        })
        .collect();
    store.write_batch(&b2).await.unwrap();
    let days = store
        .contract_days(CHAIN, TOKEN, time(70), time(79) + 1)
        .await
        .unwrap();
    assert_eq!(
        days.iter().map(got).collect::<Vec<_>>(),
        vec![(day("2020-09-14"), 10, 70, 79, 20, 10, 3, 120_000)]
    );
    // Nothing stored in the window, and a malformed address.
    assert!(store
        .contract_days(CHAIN, TOKEN, 0, 1_000)
        .await
        .unwrap()
        .is_empty());
    let err = store
        .contract_days(CHAIN, "0x12", time(60), time(79))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err}");
}

/// ClickHouse's per-day query joins on the height and hash prefix packed
/// in 64 bits; above 2^32 the store reads block by block instead, with
/// the same sums.
async fn a_contracts_days_beyond_32_bit_heights_are_summed_too(store: &dyn Store) {
    let first = 1u64 << 32;
    let mut b = batch(CHAIN, first - 1..=first + 1, "a");
    for block in &mut b.blocks {
        block.time = 1_600_000_000 + (block.height + 1 - first) as i64 * 600;
    }
    b.logs = (first - 1..=first + 1)
        .map(|h| uses(h, "a", &[(TOKEN, 1, 1_000 + h - first + 1)]))
        .collect();
    store.write_batch(&b).await.unwrap();
    let days = store
        .contract_days(CHAIN, TOKEN, 1_600_000_000, 1_600_000_000 + 3 * 600)
        .await
        .unwrap();
    let got: Vec<_> = days
        .iter()
        .map(|d| {
            (
                d.blocks,
                d.first_height,
                d.last_height,
                d.recorded_blocks,
                d.contract_transactions,
                d.contract_gas,
            )
        })
        .collect();
    assert_eq!(got, vec![(3, first - 1, first + 1, 3, 3, 3_003)]);
}

/// Forty days of one block each, the middle ten read first: the whole
/// period then mixes days read before (kept, on ClickHouse) with runs of
/// days never read, longer than the month ClickHouse sums at a time, and
/// every day is counted once.
async fn a_contracts_days_over_months_partly_read_before_are_each_summed_once(store: &dyn Store) {
    let start = one_block_days(store, 100..=139).await;
    let at = |d: i64| start + d * 86_400;
    let middle = store
        .contract_days(CHAIN, TOKEN, at(15), at(25))
        .await
        .unwrap();
    assert_eq!(middle.len(), 10);
    let days = store
        .contract_days(CHAIN, TOKEN, at(0), at(40))
        .await
        .unwrap();
    let want: Vec<(u64, u64, u64, u64)> = (100..=139).map(|h| (h, 1, 1, h)).collect();
    assert_eq!(token_sums(&days), want);
    assert_eq!(
        days.iter().map(|d| d.day).collect::<Vec<_>>(),
        (0..40).map(|d| day_of(at(d))).collect::<Vec<_>>()
    );
}

/// Seventy one-block days (three of ClickHouse's month-long sums), read
/// first under a deadline that cuts the read short, doubled until one
/// finishes: the API's timeout drops a read the same way, at any await. A
/// read cut short may leave the sums it finished kept, never a wrong one,
/// so the read that finishes, and the one after it (from what was kept),
/// count every day once.
async fn a_contracts_days_read_cut_short_at_any_point_leave_right_sums(store: &dyn Store) {
    let start = one_block_days(store, 200..=269).await;
    let (from, to) = (start, start + 70 * 86_400);
    let want: Vec<(u64, u64, u64, u64)> = (200..=269).map(|h| (h, 1, 1, h)).collect();
    // A zero deadline still polls the read once: it is cut at its first
    // await that waits.
    let mut deadline = std::time::Duration::ZERO;
    let mut cut = 0;
    let finished = loop {
        match tokio::time::timeout(deadline, store.contract_days(CHAIN, TOKEN, from, to)).await {
            Ok(days) => break days.unwrap(),
            Err(_) => {
                cut += 1;
                assert!(cut <= 16, "no read finished within {deadline:?}");
                deadline = (deadline * 2).max(std::time::Duration::from_millis(1));
            }
        }
    };
    // SQLite keeps nothing and may answer at the first poll, without
    // yielding; a store that keeps sums awaits its server.
    if store.keeps_contract_days() {
        assert!(cut >= 1, "the first read was not cut short");
    }
    assert_eq!(token_sums(&finished), want, "after {cut} reads cut short");
    let again = store.contract_days(CHAIN, TOKEN, from, to).await.unwrap();
    assert_eq!(token_sums(&again), want);
}

/// A block read by time, then written again with a time two days later
/// (a source that corrected it): reads by time find it at its new time
/// only. On ClickHouse its old hour keeps a bound that no longer holds a
/// live block there, and the read's time filter leaves it out.
async fn a_block_written_again_at_another_time_is_read_at_that_time_only(store: &dyn Store) {
    // The heights of the blocks within a second of `t`, and their count
    // as the totals give it.
    let read_at = |t: i64| async move {
        let blocks = store.blocks_in_time(CHAIN, t - 1, t + 1).await.unwrap();
        let totals = store
            .block_totals_in_time(CHAIN, t - 1, t + 1)
            .await
            .unwrap();
        (
            blocks.iter().map(|b| b.height).collect::<Vec<u64>>(),
            totals.blocks,
        )
    };
    let mut b = batch(CHAIN, 300..=302, "a");
    let first = b.blocks[1].time;
    store.write_batch(&b).await.unwrap();
    assert_eq!(read_at(first).await, (vec![301], 1));
    let later = first + 2 * 86_400;
    b.blocks[1].time = later;
    store.write_batch(&b).await.unwrap();
    assert_eq!(read_at(first).await, (vec![], 0));
    assert_eq!(read_at(later).await, (vec![301], 1));
}

/// Blocks `heights`, one a UTC day from a day's start an hour in, each with
/// a transaction of the token using gas equal to its height; returns the
/// first day's start.
async fn one_block_days(store: &dyn Store, heights: std::ops::RangeInclusive<u64>) -> i64 {
    let start = 1_600_000_000 - 1_600_000_000 % 86_400;
    let first = *heights.start();
    let mut b = batch(CHAIN, heights.clone(), "a");
    for block in &mut b.blocks {
        block.time = start + (block.height - first) as i64 * 86_400 + 3_600;
    }
    b.logs = heights.map(|h| uses(h, "a", &[(TOKEN, 1, h)])).collect();
    store.write_batch(&b).await.unwrap();
    start
}

/// A contract's days agree with its uses read block by block
/// (`contract_uses`, a different query) after each kind of write that
/// leaves stale rows: one follower's extending writes (some blocks
/// without logs), a reorg whose orphaned blocks used the token, and a
/// block in the middle of a write ingested again. On ClickHouse the first
/// two are read without a join (each write holds every height of its
/// range) and the last with one.
async fn a_contracts_days_agree_with_its_uses_block_by_block_after_each_kind_of_write(
    store: &dyn Store,
) {
    let time = |h: u64| block(CHAIN, h, "a").time;
    let token_txs = |h: u64| h % 3 + 1;
    let token_at = |h: u64| {
        h.is_multiple_of(7)
            .then_some((TOKEN, token_txs(h) as u32, h * 100))
    };
    let logs = |range: std::ops::RangeInclusive<u64>, branch: &str| -> Vec<BlockLogs> {
        range
            .map(|h| match token_at(h) {
                Some(t) => uses(h, branch, &[t, (OTHER, 1, 1)]),
                None => uses(h, branch, &[]),
            })
            .collect()
    };
    // One follower: heights 60..=179 over two UTC days, 140..=149
    // without their logs.
    for (range, with_logs) in [
        (60..=99, true),
        (100..=139, true),
        (140..=149, false),
        (150..=179, true),
    ] {
        let mut b = batch(CHAIN, range.clone(), "a");
        if with_logs {
            b.logs = logs(range, "a");
        }
        store.write_batch(&b).await.unwrap();
    }
    let read = || store.contract_days(CHAIN, TOKEN, time(60), time(179) + 1);
    let agree = |days: Vec<blockwatt_store::ContractDayTotals>| async move {
        assert_eq!(days.len(), 2, "{days:?}");
        for d in &days {
            let u = store
                .contract_uses(CHAIN, TOKEN, d.first_height, d.last_height)
                .await
                .unwrap();
            let txs: u64 = u.uses.iter().map(|x| u64::from(x.transactions)).sum();
            let gas: u64 = u.uses.iter().map(|x| x.gas_used).sum();
            assert_eq!(
                (d.recorded_blocks, d.contract_transactions, d.contract_gas),
                (u.recorded_blocks, txs, gas),
                "{}",
                d.day
            );
        }
        days
    };
    let days = agree(read().await.unwrap()).await;
    assert_eq!(
        days.iter()
            .map(|d| (d.blocks, d.recorded_blocks))
            .collect::<Vec<_>>(),
        vec![(10, 10), (110, 100)]
    );
    let before_reorg = days[1].contract_transactions;

    // A reorg above 165: branch b's blocks use the token nowhere, so the
    // orphaned blocks' uses (168, 175) leave the second day.
    store.rollback_above(CHAIN, 165).await.unwrap();
    let mut b = batch(CHAIN, 166..=179, "b");
    b.logs = (166..=179).map(|h| uses(h, "b", &[])).collect();
    store.write_batch(&b).await.unwrap();
    let days = agree(read().await.unwrap()).await;
    let orphaned: u64 = token_txs(168) + token_txs(175);
    assert_eq!(days[1].contract_transactions, before_reorg - orphaned);

    // Block 126 (a token block) ingested again with other logs, inside
    // the follower's first write.
    let mut again = batch(CHAIN, 126..=126, "a");
    again.logs = vec![uses(126, "a", &[(TOKEN, 9, 1)])];
    store.write_batch(&again).await.unwrap();
    let days = agree(read().await.unwrap()).await;
    assert_eq!(
        days[1].contract_transactions,
        before_reorg - orphaned - token_txs(126) + 9
    );
}

/// Each day's first height, recorded blocks, and the token's transactions
/// and gas.
fn token_sums(days: &[blockwatt_store::ContractDayTotals]) -> Vec<(u64, u64, u64, u64)> {
    days.iter()
        .map(|d| {
            (
                d.first_height,
                d.recorded_blocks,
                d.contract_transactions,
                d.contract_gas,
            )
        })
        .collect()
}

fn day_of(time: i64) -> NaiveDate {
    chrono::DateTime::from_timestamp(time, 0)
        .expect("a time")
        .date_naive()
}

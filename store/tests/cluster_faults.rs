//! Faults on a ClickHouse cluster of the test's own (2 shards × 2
//! replicas and a ZooKeeper, scripts/clickhouse-cluster-start), each
//! injected for real: SIGKILL to a server, ZooKeeper stopped, a port taken
//! before its server binds it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use blockwatt_store::{DatabaseUrl, Store};
use blockwatt_testkit::clickhouse_cluster::ClickHouseCluster;

mod common;
use common::batch;

const CHAIN: &str = "bitcoin";

/// One cluster at a time: each is five servers, and two cores starting
/// three at once push them past their start-up bounds.
static ONE_CLUSTER_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A migrated store on the cluster, and its database's name.
async fn open(cluster: &ClickHouseCluster) -> (Arc<dyn Store>, String) {
    let db = blockwatt_testkit::unique_name("bw_faults");
    let url = DatabaseUrl::parse(&cluster.url_for(&db)).expect("cluster url");
    let store = blockwatt_store::open(&url).await.expect("open the cluster");
    store.migrate().await.expect("migrate");
    (store, db)
}

/// Every height of `0 ..= last`, once.
async fn heights_are_whole(store: &dyn Store, last: u64) {
    let blocks = store.blocks(CHAIN, 0, last + 10).await.expect("read");
    let heights: Vec<u64> = blocks.iter().map(|b| b.height).collect();
    assert_eq!(
        heights,
        (0..=last).collect::<Vec<_>>(),
        "a gap or a duplicate"
    );
}

/// Retries `write` (as the follower's next pass does) until it succeeds,
/// within `limit`; returns how many attempts failed.
async fn write_until_ok(store: &dyn Store, from: u64, to: u64, limit: Duration) -> u32 {
    let deadline = Instant::now() + limit;
    let mut failed = 0;
    loop {
        match store.write_batch(&batch(CHAIN, from..=to, "a")).await {
            Ok(()) => return failed,
            Err(e) if Instant::now() < deadline => {
                failed += 1;
                eprintln!("write {from}..={to} failed, retrying: {e}");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("write {from}..={to} still fails after {limit:?}: {e}"),
        }
    }
}

/// The race CI lost once: a port reported free is taken before its
/// server binds it. Here the test holds the last server's port on the
/// first attempt; the script starts the whole cluster again on fresh
/// ports, and it serves.
#[tokio::test]
async fn a_cluster_start_that_loses_a_port_starts_again_on_fresh_ports() {
    let _turn = ONE_CLUSTER_AT_A_TIME.lock().await;
    let held = std::net::TcpListener::bind("127.0.0.1:0").expect("a port to hold");
    let taken = held.local_addr().expect("its address").port().to_string();
    let Some(cluster) = ClickHouseCluster::start_with(
        "a_cluster_start_that_loses_a_port",
        &[("BLOCKWATT_CLUSTER_TAKEN_PORT", taken.as_str())],
    ) else {
        return;
    };
    assert!(
        cluster.start_log.contains("starting again on fresh ports"),
        "{}",
        cluster.start_log
    );
    assert_ne!(cluster.http_port("s2r2").to_string(), taken);
    let (store, _) = open(&cluster).await;
    store
        .write_batch(&batch(CHAIN, 0..=19, "a"))
        .await
        .expect("write");
    heights_are_whole(store.as_ref(), 19).await;
    assert_eq!(
        cluster.sql_on(
            "s2r2",
            "SELECT count() FROM system.clusters WHERE cluster = 'blockwatt'"
        ),
        Ok("4".to_owned())
    );
    drop(held);
}

#[tokio::test]
async fn a_whole_shard_down_is_an_error_naming_it_never_a_partial_answer() {
    let _turn = ONE_CLUSTER_AT_A_TIME.lock().await;
    let Some(cluster) = ClickHouseCluster::start("a_whole_shard_down_is_an_error") else {
        return;
    };
    let (store, _) = open(&cluster).await;
    store
        .write_batch(&batch(CHAIN, 0..=199, "a"))
        .await
        .expect("write");
    let before = store
        .block_totals_in_time(CHAIN, 0, i64::MAX)
        .await
        .expect("totals");
    assert_eq!(before.blocks, 200);

    cluster.kill("s2r1");
    cluster.kill("s2r2");
    let e = store
        .block_totals_in_time(CHAIN, 0, i64::MAX)
        .await
        .expect_err("a sum without shard 2 must not be answered");
    let text = e.to_string();
    eprintln!("{text}");
    assert!(text.contains("shard"), "{text}");
    let e = store.blocks(CHAIN, 0, 199).await.expect_err("nor a list");
    assert!(e.to_string().contains("shard"), "{e}");

    cluster.restart("s2r1");
    cluster.restart("s2r2");
    let after = store
        .block_totals_in_time(CHAIN, 0, i64::MAX)
        .await
        .expect("totals once the shard is back");
    assert_eq!(after, before);
}

#[tokio::test]
async fn a_replica_killed_mid_backfill_is_caught_up_after_its_restart() {
    let _turn = ONE_CLUSTER_AT_A_TIME.lock().await;
    let Some(cluster) = ClickHouseCluster::start("a_replica_killed_mid_backfill") else {
        return;
    };
    let (store, db) = open(&cluster).await;
    let mut retries = 0;
    for k in 0..20u64 {
        if k == 5 {
            // Shard 2's first replica, where writes and reads for shard 2
            // go while it is up (load_balancing = in_order); the client's
            // own node, s1r1, stays up.
            cluster.kill("s2r1");
        }
        retries +=
            write_until_ok(store.as_ref(), k * 20, k * 20 + 19, Duration::from_secs(30)).await;
    }
    eprintln!("{retries} writes retried while s2r1 was down");
    // Not checked while it is down: rows s2r1 acknowledged just before it
    // died, and s2r2 had not fetched yet, are unreadable until it is back
    // (inserts wait for one replica, not both, so that writes go on).

    cluster.restart("s2r1");
    // Back, it fetches what it missed from s2r2: poll, bounded.
    let count = |node: &str| {
        cluster
            .sql_on(node, &format!("SELECT count() FROM {db}.blocks_local"))
            .ok()
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (a, b) = (count("s2r1"), count("s2r2"));
        if a == b && a > 0 {
            break;
        }
        assert!(Instant::now() < deadline, "s2r1 holds {a} rows, s2r2 {b}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    heights_are_whole(store.as_ref(), 399).await;
}

#[tokio::test]
async fn with_zookeeper_down_writes_fail_whole_and_resume_from_the_checkpoint() {
    let _turn = ONE_CLUSTER_AT_A_TIME.lock().await;
    let Some(cluster) = ClickHouseCluster::start("with_zookeeper_down") else {
        return;
    };
    let (store, _) = open(&cluster).await;
    store
        .write_batch(&batch(CHAIN, 0..=99, "a"))
        .await
        .expect("write");

    cluster.stop_zookeeper();
    let e = store
        .write_batch(&batch(CHAIN, 100..=199, "a"))
        .await
        .expect_err("no write without ZooKeeper");
    let text = e.to_string();
    eprintln!("{text}");
    assert!(text.contains("ZooKeeper"), "{text}");
    // Reads go on, and show nothing of the failed batch.
    heights_are_whole(store.as_ref(), 99).await;
    let checkpoint = store
        .checkpoint(CHAIN, "test")
        .await
        .expect("read")
        .expect("a checkpoint");
    assert_eq!(checkpoint.height, 99);

    cluster.start_zookeeper();
    // The follower resumes above its checkpoint once writes go through.
    let resume = checkpoint.height + 1;
    write_until_ok(store.as_ref(), resume, 199, Duration::from_secs(60)).await;
    heights_are_whole(store.as_ref(), 199).await;
}

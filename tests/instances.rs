//! Several `serve` processes on one store, all configured to follow the
//! same devnet node: every one serves reads, one at a time holds the
//! store's lease and follows the chain (the others never ask the node),
//! and when it is killed another takes over; when one stops cleanly it
//! hands over at once.

mod common;
use common::*;

use std::time::Instant;

/// `blockwatt_lease_held` on the instance's `/metrics`; `None` while it
/// does not answer.
fn holds(server: &Server) -> Option<bool> {
    let (status, body) = http_get(&server.base, "/metrics")?;
    assert_eq!(status, 200, "{body}");
    let line = body
        .lines()
        .find(|l| l.starts_with("blockwatt_lease_held "))
        .unwrap_or_else(|| panic!("no blockwatt_lease_held on {}/metrics", server.base));
    Some(line.ends_with(" 1"))
}

/// Polls until exactly one of `servers` holds the lease, checking at
/// every look that no two do; its index and how long that took.
fn one_holder(servers: &[&Server], limit: Duration) -> (usize, Duration) {
    let started = Instant::now();
    loop {
        let holding: Vec<usize> = (0..servers.len())
            .filter(|i| holds(servers[*i]) == Some(true))
            .collect();
        assert!(
            holding.len() <= 1,
            "two instances hold the lease: {holding:?}"
        );
        if let [one] = holding[..] {
            return (one, started.elapsed());
        }
        assert!(
            started.elapsed() < limit,
            "no instance took the lease within {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A devnet counter of the instance's ingest (0 when it never followed).
fn ingest(server: &Server, name: &str) -> Option<u64> {
    let (_, text) = http_get(&server.base, "/metrics")?;
    let prefix = format!(r#"{name}{{chain="devnet",source="evm"}} "#);
    Some(
        text.lines()
            .find_map(|l| l.strip_prefix(&prefix))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0),
    )
}

fn three_instances_share_one_lease(test: &str, database_url: &str) {
    // Each instance is configured to follow the same devnet node: only the
    // lease holder may.
    let Some(anvil) = anvil_with_transfers(test) else {
        return;
    };
    let dirs: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let env = [
        ("BLOCKWATT_DATABASE_URL", database_url),
        ("BLOCKWATT_LEASE__TTL_SECONDS", "3"),
        ("BLOCKWATT_LEASE__SETTLE_SECONDS", "0.2"),
        ("BLOCKWATT_CHAINS__DEVNET__URL", anvil.url.as_str()),
        ("BLOCKWATT_CHAINS__DEVNET__ENABLED", "true"),
        ("BLOCKWATT_CHAINS__DEVNET__POLL_INTERVAL_MS", "100"),
    ];
    let tip = || {
        let hex = anvil.rpc("eth_blockNumber", json_params("[]")).unwrap();
        u64::from_str_radix(hex.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
    };
    // The holder follows the node to its tip; the others never ask it.
    let only_the_holder_follows = |servers: &[&Server], holder: usize| {
        let target = tip();
        let reached = wait_until(Duration::from_secs(30), || {
            ingest(servers[holder], "blockwatt_ingest_height") == Some(target)
        });
        assert!(
            reached,
            "the holder did not follow devnet to block {target}"
        );
        for (i, s) in servers.iter().enumerate().filter(|(i, _)| *i != holder) {
            assert_eq!(
                ingest(s, "blockwatt_ingest_requests_total"),
                Some(0),
                "instance {i} asked the node although it does not hold the lease"
            );
        }
    };
    // Migrated once, as a deployment does before starting its instances.
    let out = blockwatt(dirs[0].path())
        .envs(env.iter().copied())
        .args(["db", "migrate"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let mut servers: Vec<Server> = dirs
        .iter()
        .map(|d| Server::start_with(d.path(), &env))
        .collect();
    let all: Vec<&Server> = servers.iter().collect();
    let (first, took) = one_holder(&all, Duration::from_secs(20));
    eprintln!("{database_url}: instance {first} took the lease in {took:?}");
    for s in &servers {
        assert_eq!(s.get("/v1/chains").0, 200, "every instance serves reads");
    }
    only_the_holder_follows(&all, first);

    // Killed: it cannot give the lease up, which runs out after its ttl.
    servers[first].child.kill().unwrap();
    servers[first].child.wait().unwrap();
    let rest: Vec<usize> = (0..3).filter(|i| *i != first).collect();
    let survivors: Vec<&Server> = rest.iter().map(|i| &servers[*i]).collect();
    let (second, took) = one_holder(&survivors, Duration::from_secs(20));
    eprintln!(
        "{database_url}: after SIGKILL, instance {} took over in {took:?}",
        rest[second]
    );
    for s in &survivors {
        assert_eq!(s.get("/v1/chains").0, 200);
    }
    // A new block: the new holder follows it, the other still does not.
    anvil.send_transfer(5).unwrap();
    only_the_holder_follows(&survivors, second);

    // Stopped cleanly: it gives the lease up, and the last one takes it.
    let holder = rest[second];
    let exited = terminate(&mut servers[holder].child, Duration::from_secs(20));
    assert!(exited, "the holder did not stop within 20 s of SIGTERM");
    let last = rest[1 - second];
    let (_, took) = one_holder(&[&servers[last]], Duration::from_secs(20));
    eprintln!("{database_url}: after SIGTERM, instance {last} took over in {took:?}");
}

#[test]
fn three_instances_on_one_sqlite_file() {
    let shared = tempfile::tempdir().unwrap();
    three_instances_share_one_lease(
        "instances::three_instances_on_one_sqlite_file",
        &format!("sqlite://{}/bw.db", shared.path().display()),
    );
}

#[test]
fn three_instances_on_a_clickhouse_cluster() {
    let Some((endpoint, cluster)) =
        blockwatt_testkit::clickhouse_cluster("three_instances_on_a_clickhouse_cluster")
    else {
        return;
    };
    let db = blockwatt_testkit::unique_name("bw_instances");
    three_instances_share_one_lease(
        "instances::three_instances_on_a_clickhouse_cluster",
        &format!("{endpoint}/?database={db}&cluster={cluster}"),
    );
}

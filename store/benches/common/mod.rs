//! What the store's benches share: seeded randomness, the bytes a
//! ClickHouse database's tables take once merged, and their databases.
// Each bench compiles this module on its own and uses a part of it.
#![allow(dead_code)]

/// splitmix64 from `seed`: a stream as random-looking as real hashes (a
/// sequential id would compress to nothing and flatter the bytes).
pub fn splitmix(seed: u64) -> impl FnMut() -> u64 {
    let mut x = seed;
    move || {
        x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// (table, compressed bytes) of `tables` in database `db`, after
/// `OPTIMIZE … FINAL`: merged parts, as they are after a while in
/// production.
pub async fn merged_bytes(
    client: &clickhouse::Client,
    db: &str,
    tables: &[&str],
) -> Vec<(String, u64)> {
    for table in tables {
        client
            .query(&format!("OPTIMIZE TABLE {db}.{table} FINAL"))
            .execute()
            .await
            .expect("optimize");
    }
    let rows: Vec<(String, u64)> = client
        .query(
            "SELECT table, sum(data_compressed_bytes) FROM system.parts \
             WHERE database = ? AND active GROUP BY table ORDER BY table",
        )
        .bind(db)
        .fetch_all()
        .await
        .expect("system.parts");
    rows.into_iter()
        .filter(|(t, _)| tables.contains(&t.as_str()))
        .collect()
}

/// As [`merged_bytes`] on a cluster: one copy of the rows, each shard's
/// first replica's parts summed. 18.16 refuses `OPTIMIZE … ON CLUSTER` on
/// replicated tables, so each shard's first replica is asked in turn (over
/// its native port, `clickhouse-client`, as `system.clusters` lists it);
/// the merge it makes is then replicated.
pub async fn merged_bytes_on_cluster(
    client: &clickhouse::Client,
    db: &str,
    cluster: &str,
    tables: &[&str],
) -> Vec<(String, u64)> {
    let first_replicas: Vec<(String, u16)> = client
        .query(
            "SELECT host_address, port FROM system.clusters \
             WHERE cluster = ? AND replica_num = 1 ORDER BY shard_num",
        )
        .bind(cluster)
        .fetch_all()
        .await
        .expect("system.clusters");
    for (host, port) in &first_replicas {
        for table in tables {
            let out = std::process::Command::new("clickhouse-client")
                .args(["--host", host, "--port", &port.to_string(), "--query"])
                .arg(format!("OPTIMIZE TABLE {db}.{table}_local FINAL"))
                .output()
                .expect("clickhouse-client runs");
            assert!(
                out.status.success(),
                "OPTIMIZE {table}_local on {host}:{port}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    let rows: Vec<(String, u64)> = client
        .query(
            "SELECT replaceRegexpOne(table, '_local$', '') AS name, sum(data_compressed_bytes) \
             FROM cluster(?, system.parts) WHERE database = ? AND active AND endsWith(table, '_local') \
             GROUP BY name ORDER BY name SETTINGS load_balancing = 'in_order'",
        )
        .bind(cluster)
        .bind(db)
        .fetch_all()
        .await
        .expect("system.parts of the cluster");
    rows.into_iter()
        .filter(|(t, _)| tables.contains(&t.as_str()))
        .collect()
}

/// Drops a bench's database (on every node of `on_cluster`, when given),
/// or keeps it for a look afterwards when `BENCH_KEEP` is set.
pub async fn drop_unless_kept(client: &clickhouse::Client, db: &str, on_cluster: Option<&str>) {
    if std::env::var_os("BENCH_KEEP").is_some() {
        println!("kept database {db}");
    } else {
        let on_cluster = on_cluster
            .map(|c| format!(" ON CLUSTER {c}"))
            .unwrap_or_default();
        let _ = client
            .query(&format!("DROP DATABASE IF EXISTS {db}{on_cluster}"))
            .execute()
            .await;
    }
}

/// The cluster's database URL (`BENCH_CLUSTER_URL`, the last line of
/// `scripts/clickhouse-cluster-start`) for database `db` instead.
pub fn cluster_url_for(cluster_url: &str, db: &str) -> blockwatt_store::DatabaseUrl {
    blockwatt_store::DatabaseUrl::parse(&cluster_url.replace("/blockwatt?", &format!("/{db}?")))
        .expect("cluster url")
}

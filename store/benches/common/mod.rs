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

/// Drops a bench's one-server database, or keeps it for a look afterwards
/// when `BENCH_KEEP` is set.
pub async fn drop_unless_kept(client: &clickhouse::Client, db: &str) {
    if std::env::var_os("BENCH_KEEP").is_some() {
        println!("kept database {db}");
    } else {
        let _ = client
            .query(&format!("DROP DATABASE IF EXISTS {db}"))
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

//! Against a real EVM node: anvil on a free loopback port.

mod common;

use std::sync::Arc;

use blockwatt_ingest::daily::{aggregate_and_store, HashrateModel};
use blockwatt_ingest::{run_ingest, IngestError, IngestRange, SourceErrorKind};
use blockwatt_store::Store;
use chrono::DateTime;
use common::{evm_config, hex_u128, hex_u64, rpc, temp_store, Anvil, Backend};
use serde_json::{json, Value};

const CHAIN: &str = "devnet";

/// Sends `n` value transfers from anvil's first dev account and mines them
/// into one block.
async fn mine_block_with_txs(url: &str, n: usize, value: u64) {
    let accounts = rpc(url, "eth_accounts", json!([])).await;
    let from = accounts[0].clone();
    let to = accounts[1].clone();
    for i in 0..n {
        rpc(
            url,
            "eth_sendTransaction",
            json!([{"from": from, "to": to, "value": format!("{:#x}", value + i as u64)}]),
        )
        .await;
    }
    rpc(url, "evm_mine", json!([])).await;
}

async fn tip(url: &str) -> u64 {
    hex_u64(&rpc(url, "eth_blockNumber", json!([])).await)
}

/// Every stored block and transaction equals what the node returns.
async fn assert_store_matches_node(url: &str, store: &Arc<dyn Store>, to: u64) -> usize {
    let stored = store.blocks(CHAIN, 0, u64::MAX / 2).await.expect("blocks");
    assert_eq!(
        stored.len() as u64,
        to + 1,
        "one row per height 0..={to}, no gap, no duplicate"
    );
    let mut txs_checked = 0;
    for (h, s) in stored.iter().enumerate() {
        let h = h as u64;
        let node = rpc(
            url,
            "eth_getBlockByNumber",
            json!([format!("{h:#x}"), true]),
        )
        .await;
        assert_eq!(s.height, h);
        assert_eq!(s.hash, node["hash"].as_str().expect("hash"), "hash at {h}");
        assert_eq!(
            s.parent_hash,
            node["parentHash"].as_str().expect("parent"),
            "parent at {h}"
        );
        assert_eq!(s.time as u64, hex_u64(&node["timestamp"]));
        assert_eq!(s.gas_used, hex_u64(&node["gasUsed"]));
        assert_eq!(s.gas_limit, hex_u64(&node["gasLimit"]));
        let node_txs = node["transactions"].as_array().expect("txs");
        assert_eq!(s.tx_count as usize, node_txs.len(), "tx count at {h}");
        let mut fees_wei: u128 = 0;
        for (pos, t) in node_txs.iter().enumerate() {
            let txid = t["hash"].as_str().expect("txid");
            let stored_tx = store
                .transaction(CHAIN, txid)
                .await
                .expect("read")
                .expect("tx stored");
            let receipt = rpc(url, "eth_getTransactionReceipt", json!([txid])).await;
            let gas = hex_u64(&receipt["gasUsed"]);
            let fee = u128::from(gas) * hex_u128(&receipt["effectiveGasPrice"]);
            fees_wei += fee;
            assert_eq!(stored_tx.block_height, h);
            assert_eq!(stored_tx.block_hash, s.hash);
            assert_eq!(stored_tx.position as usize, pos);
            assert_eq!(stored_tx.gas_used, gas);
            assert!(
                (stored_tx.fee_native - fee as f64 / 1e18).abs()
                    <= 1e-18 + fee as f64 / 1e18 * 1e-12
            );
            // The size is the node's own signed encoding, byte for byte.
            let raw = rpc(url, "eth_getRawTransactionByHash", json!([txid])).await;
            let raw = raw.as_str().expect("raw transaction hex");
            assert_eq!(
                stored_tx.size_bytes as usize,
                (raw.len() - 2) / 2,
                "EIP-2718 size of {txid}"
            );
            txs_checked += 1;
        }
        assert!((s.fees_native - fees_wei as f64 / 1e18).abs() <= fees_wei as f64 / 1e18 * 1e-12);
    }
    let last = &stored[stored.len() - 1];
    let cp = store
        .checkpoint(CHAIN, "evm")
        .await
        .expect("read")
        .expect("checkpoint");
    assert_eq!(
        (cp.height, cp.hash.as_str()),
        (last.height, last.hash.as_str())
    );
    txs_checked
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingests_every_block_and_transaction_exactly() {
    ingests_every_block_and_transaction_exactly_on(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingests_every_block_and_transaction_exactly_on_a_clickhouse_cluster() {
    ingests_every_block_and_transaction_exactly_on(Backend::ClickHouseCluster).await;
}

async fn ingests_every_block_and_transaction_exactly_on(backend: Backend) {
    let Some(anvil) = Anvil::start("ingests_every_block_and_transaction_exactly", None) else {
        return;
    };
    let url = anvil.url.clone();
    rpc(&url, "evm_setAutomine", json!([false])).await;
    for b in 0..12 {
        // Some empty blocks in between, as on a real chain.
        let n = if b % 4 == 3 { 0 } else { 3 + b };
        mine_block_with_txs(&url, n, 1000 + b as u64).await;
    }
    let head = tip(&url).await;
    assert_eq!(head, 12);
    let Some((_dir, store)) = backend
        .store("ingests_every_block_and_transaction_exactly")
        .await
    else {
        return;
    };
    let mut cfg = evm_config(&url, 31337);
    cfg.confirmations = 3;
    let report = run_ingest(
        &cfg,
        CHAIN,
        store.clone(),
        IngestRange::default(),
        false,
        std::future::pending(),
    )
    .await
    .expect("ingest");
    assert_eq!(report.blocks_written, 13);
    let txs = assert_store_matches_node(&url, &store, head).await;
    assert_eq!(report.transactions_written as usize, txs);
    assert!(txs > 50, "checked {txs} transactions");
    // The newest `confirmations` blocks are provisional, the rest final.
    for b in store.blocks(CHAIN, 0, head).await.expect("blocks") {
        assert_eq!(
            b.provisional,
            head - b.height < 3,
            "provisional flag at {}",
            b.height
        );
    }

    // A second pass re-fetches the provisional blocks and confirms them.
    for _ in 0..3 {
        mine_block_with_txs(&url, 1, 7).await;
    }
    let report = run_ingest(
        &cfg,
        CHAIN,
        store.clone(),
        IngestRange::default(),
        false,
        std::future::pending(),
    )
    .await
    .expect("second pass");
    assert_eq!(
        report.first_written,
        Some(10),
        "resumes at the first provisional block"
    );
    assert_eq!(
        store
            .block(CHAIN, 12)
            .await
            .expect("read")
            .map(|b| b.provisional),
        Some(false)
    );
    assert_store_matches_node(&url, &store, 15).await;

    // Daily aggregation over what was stored.
    let day = DateTime::from_timestamp(
        store
            .block(CHAIN, 1)
            .await
            .expect("read")
            .expect("block")
            .time,
        0,
    )
    .expect("time")
    .date_naive();
    let rows = aggregate_and_store(
        &store,
        CHAIN,
        HashrateModel::None,
        day.pred_opt().expect("day"),
        day.succ_opt().expect("day"),
    )
    .await
    .expect("aggregate");
    let blocks: u64 = rows.iter().filter_map(|r| r.block_count).sum();
    let tx_count: u64 = rows.iter().filter_map(|r| r.tx_count).sum();
    assert_eq!(blocks, 16);
    assert_eq!(tx_count as usize, txs + 3);
    assert_eq!(
        store
            .daily_metrics(CHAIN, day, day)
            .await
            .expect("read")
            .len(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reorg_is_detected_and_repaired_within_the_bound() {
    reorg_is_detected_and_repaired_within_the_bound_on(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reorg_is_detected_and_repaired_within_the_bound_on_a_clickhouse_cluster() {
    reorg_is_detected_and_repaired_within_the_bound_on(Backend::ClickHouseCluster).await;
}

async fn reorg_is_detected_and_repaired_within_the_bound_on(backend: Backend) {
    let Some(anvil) = Anvil::start("reorg_is_detected_and_repaired_within_the_bound", None) else {
        return;
    };
    let url = anvil.url.clone();
    rpc(&url, "evm_setAutomine", json!([false])).await;
    for b in 0..3 {
        mine_block_with_txs(&url, 2, 100 + b).await;
    }
    let snapshot: Value = rpc(&url, "evm_snapshot", json!([])).await;
    for b in 0..5 {
        mine_block_with_txs(&url, 2, 200 + b).await;
    }
    assert_eq!(tip(&url).await, 8);
    let Some((_dir, store)) = backend
        .store("reorg_is_detected_and_repaired_within_the_bound")
        .await
    else {
        return;
    };
    let cfg = evm_config(&url, 31337);
    run_ingest(
        &cfg,
        CHAIN,
        store.clone(),
        IngestRange::default(),
        false,
        std::future::pending(),
    )
    .await
    .expect("first ingest");
    let orphan = store.block(CHAIN, 6).await.expect("read").expect("stored");
    let orphan_tx = store.blocks(CHAIN, 4, 4).await.expect("read");
    assert_eq!(orphan_tx.len(), 1);
    let orphan_txids: Vec<String> = {
        let node = rpc(&url, "eth_getBlockByNumber", json!(["0x5", false])).await;
        node["transactions"]
            .as_array()
            .expect("txs")
            .iter()
            .map(|t| t.as_str().expect("id").to_owned())
            .collect()
    };

    // Another branch from height 3, longer than the first.
    assert_eq!(
        rpc(&url, "evm_revert", json!([snapshot])).await,
        json!(true)
    );
    assert_eq!(tip(&url).await, 3);
    for b in 0..7 {
        mine_block_with_txs(&url, 1 + b as usize % 3, 900 + b).await;
    }
    assert_eq!(tip(&url).await, 10);

    // A bound shallower than the fork is a clear error and changes nothing.
    let mut shallow = cfg.clone();
    shallow.reorg_depth = 2;
    let err = run_ingest(
        &shallow,
        CHAIN,
        store.clone(),
        IngestRange::default(),
        false,
        std::future::pending(),
    )
    .await
    .expect_err("fork at 3 is deeper than 2 blocks below 8");
    assert!(
        matches!(err, IngestError::ReorgTooDeep { depth: 2, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("reorg deeper than 2"), "{err}");
    assert_eq!(
        store.block(CHAIN, 6).await.expect("read"),
        Some(orphan.clone())
    );

    let report = run_ingest(
        &cfg,
        CHAIN,
        store.clone(),
        IngestRange::default(),
        false,
        std::future::pending(),
    )
    .await
    .expect("repairing ingest");
    assert_eq!(report.reorgs, 1);
    assert_eq!(report.rolled_back, 5, "blocks 4..=8 of the old branch");
    assert_eq!(report.first_written, Some(4));
    assert_store_matches_node(&url, &store, 10).await;
    assert_ne!(
        store
            .block(CHAIN, 6)
            .await
            .expect("read")
            .expect("block")
            .hash,
        orphan.hash
    );
    for txid in orphan_txids {
        assert_eq!(
            store.transaction(CHAIN, &txid).await.expect("read"),
            None,
            "orphaned tx {txid} removed"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_chain_id_is_rejected_before_anything_is_stored() {
    let Some(anvil) = Anvil::start("wrong_chain_id_is_rejected_before_anything_is_stored", None)
    else {
        return;
    };
    rpc(&anvil.url, "evm_mine", json!([])).await;
    let (_dir, store) = temp_store().await;
    let cfg = evm_config(&anvil.url, 1);
    let err = run_ingest(
        &cfg,
        CHAIN,
        store.clone(),
        IngestRange::default(),
        false,
        std::future::pending(),
    )
    .await
    .expect_err("chain id 31337 is not 1");
    match &err {
        IngestError::Source(e) => {
            assert_eq!(
                e.kind,
                SourceErrorKind::WrongChain {
                    expected: 1,
                    got: 31337
                }
            );
            assert_eq!(e.method, "eth_chainId");
        }
        other => panic!("unexpected {other}"),
    }
    assert!(
        err.to_string()
            .contains("configured chain id 1, node reports 31337"),
        "{err}"
    );
    assert_eq!(store.tip(CHAIN).await.expect("read"), None);
    assert_eq!(store.checkpoint(CHAIN, "evm").await.expect("read"), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rerun_from_checkpoint_leaves_no_gap_and_no_duplicate() {
    rerun_from_checkpoint_leaves_no_gap_and_no_duplicate_on(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rerun_from_checkpoint_leaves_no_gap_and_no_duplicate_on_a_clickhouse_cluster() {
    rerun_from_checkpoint_leaves_no_gap_and_no_duplicate_on(Backend::ClickHouseCluster).await;
}

async fn rerun_from_checkpoint_leaves_no_gap_and_no_duplicate_on(backend: Backend) {
    let Some(anvil) = Anvil::start("rerun_from_checkpoint_leaves_no_gap_and_no_duplicate", None)
    else {
        return;
    };
    let url = anvil.url.clone();
    rpc(&url, "evm_setAutomine", json!([false])).await;
    for b in 0..20 {
        mine_block_with_txs(&url, 2, 300 + b).await;
    }
    let Some((_dir, store)) = backend
        .store("rerun_from_checkpoint_leaves_no_gap_and_no_duplicate")
        .await
    else {
        return;
    };
    let cfg = evm_config(&url, 31337);
    // A run stopped part-way (as a crash after a committed batch would).
    let first = run_ingest(
        &cfg,
        CHAIN,
        store.clone(),
        IngestRange {
            from: 0,
            to: Some(9),
        },
        false,
        std::future::pending(),
    )
    .await
    .expect("partial");
    assert_eq!(first.last_written, Some(9));
    assert_eq!(
        store
            .checkpoint(CHAIN, "evm")
            .await
            .expect("read")
            .map(|c| c.height),
        Some(9)
    );
    // The rerun asks for everything from 0 but resumes after the checkpoint.
    let second = run_ingest(
        &cfg,
        CHAIN,
        store.clone(),
        IngestRange::default(),
        false,
        std::future::pending(),
    )
    .await
    .expect("resume");
    assert_eq!(second.first_written, Some(10));
    assert_eq!(second.blocks_written, 11);
    let txs = assert_store_matches_node(&url, &store, 20).await;
    assert_eq!(
        first.transactions_written + second.transactions_written,
        txs as u64
    );
    // A third run has nothing to do.
    let third = run_ingest(
        &cfg,
        CHAIN,
        store.clone(),
        IngestRange::default(),
        false,
        std::future::pending(),
    )
    .await
    .expect("noop");
    assert_eq!(third.blocks_written, 0);
}

/// The child half of [`sigkill_mid_backfill_resumes_with_no_gap_and_no_duplicate`]:
/// a slow backfill that the parent kills with SIGKILL.
async fn slow_backfill_child(url: &str, db: &str) {
    let store: Arc<dyn Store> = Arc::new(
        blockwatt_store::sqlite::SqliteStore::open(std::path::Path::new(db))
            .await
            .expect("open"),
    );
    let mut cfg = evm_config(url, 31337);
    cfg.batch_size = 2;
    cfg.max_in_flight = 1;
    cfg.rate_limit_per_s = 5;
    let _ = run_ingest(
        &cfg,
        CHAIN,
        store,
        IngestRange::default(),
        false,
        std::future::pending(),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_backfill_resumes_with_no_gap_and_no_duplicate() {
    const TEST: &str = "sigkill_mid_backfill_resumes_with_no_gap_and_no_duplicate";
    if let (Ok(url), Ok(db)) = (
        std::env::var("BLOCKWATT_CHILD_URL"),
        std::env::var("BLOCKWATT_CHILD_DB"),
    ) {
        slow_backfill_child(&url, &db).await;
        return;
    }
    let Some(anvil) = Anvil::start(TEST, None) else {
        return;
    };
    let url = anvil.url.clone();
    rpc(&url, "evm_setAutomine", json!([false])).await;
    for b in 0..40 {
        mine_block_with_txs(&url, 2, 500 + b).await;
    }
    let (dir, store) = temp_store().await;
    let db = dir.path().join("test.db");
    // This same test binary, running only this test, in child mode.
    let mut child = std::process::Command::new(std::env::current_exe().expect("test binary"))
        .args([TEST, "--exact", "--nocapture", "--test-threads", "1"])
        .env("BLOCKWATT_CHILD_URL", &url)
        .env("BLOCKWATT_CHILD_DB", &db)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("child starts");
    let progressed =
        blockwatt_testkit::wait_until_async(std::time::Duration::from_secs(30), || {
            let store = &store;
            async move {
                let h = store.checkpoint(CHAIN, "evm").await.expect("read");
                h.is_some_and(|c| c.height >= 6)
            }
        })
        .await;
    assert!(progressed, "child made no progress in 30 s");
    // Child::kill is SIGKILL on Unix: no destructor, no flush, no goodbye.
    child.kill().expect("SIGKILL");
    let status = child.wait().expect("reaped");
    assert!(!status.success());
    let cp = store
        .checkpoint(CHAIN, "evm")
        .await
        .expect("read")
        .expect("checkpoint")
        .height;
    assert!(cp < 40, "killed mid-run at checkpoint {cp}");
    let stored = store.blocks(CHAIN, 0, 100).await.expect("read");
    assert_eq!(
        stored.len() as u64,
        cp + 1,
        "the checkpoint matches what is stored"
    );

    let report = run_ingest(
        &evm_config(&url, 31337),
        CHAIN,
        store.clone(),
        IngestRange::default(),
        false,
        std::future::pending(),
    )
    .await
    .expect("resume");
    assert_eq!(report.first_written, Some(cp + 1));
    assert_store_matches_node(&url, &store, 40).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follow_mode_picks_up_new_blocks_and_stops_on_shutdown() {
    let Some(anvil) = Anvil::start(
        "follow_mode_picks_up_new_blocks_and_stops_on_shutdown",
        None,
    ) else {
        return;
    };
    let url = anvil.url.clone();
    rpc(&url, "evm_setAutomine", json!([false])).await;
    mine_block_with_txs(&url, 2, 1).await;
    let (_dir, store) = temp_store().await;
    let mut cfg = evm_config(&url, 31337);
    cfg.poll_interval_ms = 20;
    let ingester = blockwatt_ingest::Ingester::from_config(&cfg, CHAIN).expect("config");
    let counters = ingester.counters();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = {
        let store = store.clone();
        tokio::spawn(async move {
            ingester
                .run(store, IngestRange::default(), true, async {
                    let _ = stopped.await;
                })
                .await
        })
    };
    for b in 0..5 {
        mine_block_with_txs(&url, 1, 10 + b).await;
    }
    let reached = blockwatt_testkit::wait_until_async(std::time::Duration::from_secs(20), || {
        let store = &store;
        async move { store.tip(CHAIN).await.expect("read").map(|b| b.height) == Some(6) }
    })
    .await;
    assert!(reached, "follow mode did not reach height 6");
    let _ = stop.send(());
    let report = task.await.expect("joined").expect("follow run");
    assert!(report.interrupted);
    assert_eq!(report.last_written, Some(6));
    let c = counters.snapshot();
    assert_eq!((c.height, c.lag), (6, 0));
    assert!(c.requests > 0 && c.blocks_written == 7);
    assert_store_matches_node(&url, &store, 6).await;
}

/// A transaction looked up by hash is the very row ingestion stores for
/// it; pending and unknown ones are `None`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transaction_lookup_equals_what_ingestion_stores() {
    let Some(anvil) = Anvil::start("transaction_lookup_equals_what_ingestion_stores", None) else {
        return;
    };
    let url = anvil.url.clone();
    rpc(&url, "evm_setAutomine", json!([false])).await;
    mine_block_with_txs(&url, 3, 7).await;
    let cfg = evm_config(&url, 31337);
    let source = blockwatt_ingest::evm::EvmSource::new(
        CHAIN,
        &cfg,
        Arc::new(blockwatt_ingest::IngestCounters::default()),
    )
    .expect("source");
    let (_dir, store) = temp_store().await;
    run_ingest(
        &cfg,
        CHAIN,
        store.clone(),
        IngestRange::default(),
        false,
        std::future::pending(),
    )
    .await
    .expect("ingest");
    let block = rpc(&url, "eth_getBlockByNumber", json!(["0x1", false])).await;
    let txids = block["transactions"].as_array().expect("txs");
    assert_eq!(txids.len(), 3);
    for txid in txids {
        let txid = txid.as_str().expect("txid");
        let looked_up = source.transaction(txid).await.expect("lookup");
        let stored = store.transaction(CHAIN, txid).await.expect("read");
        assert!(looked_up.is_some());
        assert_eq!(looked_up, stored, "{txid}");
    }

    // Sent but not mined (automine is off): pending, so nothing to allocate.
    let accounts = rpc(&url, "eth_accounts", json!([])).await;
    let pending = rpc(
        &url,
        "eth_sendTransaction",
        json!([{"from": accounts[0], "to": accounts[1], "value": "0x1"}]),
    )
    .await;
    let pending = pending.as_str().expect("hash");
    assert_eq!(source.transaction(pending).await.expect("lookup"), None);
    let unknown = format!("0x{:064x}", 1);
    assert_eq!(source.transaction(&unknown).await.expect("lookup"), None);
}

//! The job that keeps the registered tokens' per-day sums, on a real
//! ClickHouse server (the store that keeps them).

use blockwatt_domain::{Block, BlockBatch, BlockLogs, Checkpoint, ContractUse};
use blockwatt_service::footprints::Footprints;
use blockwatt_service::token_days::{keep_once, period};
use blockwatt_store::DatabaseUrl;
use chrono::Utc;

/// Tether's Ethereum contract, as the shipped asset registry lists it.
const USDT: &str = "0xdac17f958d2ee523a2206206994597c13d831ec7";

fn block(height: u64, time: i64) -> Block {
    Block {
        chain: "ethereum".into(),
        height,
        hash: format!("0x{height:064x}"),
        parent_hash: format!("0x{:064x}", height - 1),
        time,
        tx_count: 3,
        size_bytes: 1_000,
        weight: 0,
        gas_used: 90_000,
        gas_limit: 30_000_000,
        difficulty: 0.0,
        fees_native: 0.01,
        subsidy_native: 0.0,
        provisional: false,
    }
}

#[tokio::test]
async fn a_pass_keeps_the_days_of_every_token_with_stored_blocks() {
    let Some(endpoint) = blockwatt_testkit::clickhouse_endpoint("token_days") else {
        return;
    };
    let db = blockwatt_testkit::unique_name("bw_token_days");
    let url = DatabaseUrl::parse(&format!("{endpoint}/?database={db}")).unwrap();
    let store = blockwatt_store::open(&url).await.unwrap();
    store.migrate().await.unwrap();
    // Three blocks on two days of last year, each with a USDT transfer.
    let now = Utc::now();
    let (from, _) = period(now);
    let times = [from + 3_600, from + 7_200, from + 86_400 + 3_600];
    let blocks: Vec<Block> = (1..=3).zip(times).map(|(h, t)| block(h, t)).collect();
    let logs = blocks
        .iter()
        .map(|b| BlockLogs {
            block_height: b.height,
            block_hash: b.hash.clone(),
            contracts: vec![ContractUse {
                contract: USDT.into(),
                transactions: 1,
                gas_used: 50_000,
            }],
        })
        .collect();
    let last = blocks.last().unwrap().clone();
    store
        .write_batch(&BlockBatch {
            blocks,
            transactions: Vec::new(),
            logs,
            checkpoint: Checkpoint {
                chain: "ethereum".into(),
                source: "test".into(),
                height: last.height,
                hash: last.hash,
            },
        })
        .await
        .unwrap();

    let footprints = Footprints::new(store);
    let kept = keep_once(&footprints, now).await;
    assert_eq!(kept.len(), footprints.tokens().len());
    let usdt = kept
        .iter()
        .find(|k| k.asset == "usdt" && k.chain == "ethereum")
        .expect("USDT on Ethereum is listed");
    assert_eq!(usdt.days, Ok(2));
    // Every other listing read no stored block, and failed nowhere.
    for k in kept.iter().filter(|k| k.chain != "ethereum") {
        assert_eq!(k.days, Ok(0), "{} on {}", k.asset, k.chain);
    }
    let rows = std::process::Command::new("curl")
        .args([
            "-sS",
            "--data-binary",
            &format!(
                "SELECT count() FROM {db}.contract_days WHERE contract = unhex('{}')",
                USDT.trim_start_matches("0x")
            ),
            &endpoint,
        ])
        .output()
        .unwrap();
    let _ = std::process::Command::new("curl")
        .args([
            "-sS",
            "--data-binary",
            &format!("DROP DATABASE {db}"),
            &endpoint,
        ])
        .output();
    assert_eq!(String::from_utf8_lossy(&rows.stdout).trim(), "2");
}

//! Allocation adds up, for every key: a block's transactions share exactly
//! the block's footprint, and a day's stored blocks exactly the day's (the
//! hybrid key's holdings part excepted: it goes to holders, not blocks).
//! Checked on generated days of blocks and transactions in a real SQLite
//! store, through the real models.

use blockwatt_domain::{Block, BlockBatch, Bounds, Checkpoint, DailyMetrics, Transaction};
use blockwatt_service::{Allocation, EstimateParams, Footprints};
use chrono::NaiveDate;
use proptest::prelude::*;

const CHAIN: &str = "ethereum";

/// One generated block: its transactions' (vsize, gas used).
type BlockShape = Vec<(u64, u64)>;

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 6, 1).expect("a date")
}

fn batch(shapes: &[BlockShape]) -> BlockBatch {
    let start = day()
        .and_hms_opt(0, 0, 0)
        .expect("midnight")
        .and_utc()
        .timestamp();
    let hash = |h: usize| format!("0x{h:064x}");
    let mut blocks = Vec::new();
    let mut transactions = Vec::new();
    for (i, txs) in shapes.iter().enumerate() {
        let height = 20_000_000 + i as u64;
        blocks.push(Block {
            chain: CHAIN.into(),
            height,
            hash: hash(i + 1),
            parent_hash: hash(i),
            time: start + 12 * i as i64,
            tx_count: txs.len() as u32,
            // A header's bytes besides the transactions'.
            size_bytes: 600 + txs.iter().map(|t| t.0).sum::<u64>(),
            weight: 0,
            gas_used: txs.iter().map(|t| t.1).sum(),
            gas_limit: 30_000_000,
            difficulty: 0.0,
            fees_native: 0.0,
            subsidy_native: 0.0,
            provisional: false,
        });
        for (pos, (vsize, gas)) in txs.iter().enumerate() {
            transactions.push(Transaction {
                chain: CHAIN.into(),
                txid: format!("0x{:060x}{pos:04x}", i + 1),
                block_height: height,
                block_hash: hash(i + 1),
                position: pos as u32,
                size_bytes: *vsize,
                vsize: *vsize,
                gas_used: *gas,
                fee_native: 0.0,
            });
        }
    }
    let last = blocks
        .last()
        .map(|b| (b.height, b.hash.clone()))
        .unwrap_or_default();
    BlockBatch {
        logs: Vec::new(),
        blocks,
        transactions,
        checkpoint: Checkpoint {
            chain: CHAIN.into(),
            source: "evm".into(),
            height: last.0,
            hash: last.1,
        },
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1e-30)
}

fn each(b: &Bounds) -> [f64; 3] {
    [b.lower, b.best, b.upper]
}

async fn check(shapes: Vec<BlockShape>) {
    let (store, _dir) = blockwatt_testkit::temp_sqlite().await;
    let batch = batch(&shapes);
    store.write_batch(&batch).await.expect("write");
    store
        .write_daily_metrics(&[DailyMetrics {
            block_count: Some(shapes.len() as u64),
            tx_count: Some(batch.transactions.len() as u64),
            // The day's validator-node count, as a proof-of-stake source
            // stores it (the catalogue's fallback is dated far from 2024).
            node_count: Some(6_000),
            ..DailyMetrics::empty(CHAIN, day(), "blocks")
        }])
        .await
        .expect("metrics");
    let footprints = Footprints::new(store);
    let estimate = footprints
        .day(CHAIN, Some(day()), None, &EstimateParams::default())
        .await
        .expect("the day's estimate");
    let day_kwh = estimate.energy_twh_per_year.scale(1e9 / 365.25);
    for allocation in Allocation::ALL {
        let mut blocks_sum = [0.0; 3];
        let mut holdings_share = 0.0;
        for block in &batch.blocks {
            let b = footprints
                .block_footprint(block, None, Some(allocation))
                .await
                .expect("block share");
            holdings_share = b
                .inputs
                .get("hybrid_holdings_share")
                .and_then(|v| v.as_f64())
                .unwrap_or(0.0);
            let mut txs_sum = [0.0; 3];
            for tx in batch
                .transactions
                .iter()
                .filter(|t| t.block_hash == block.hash)
            {
                let t = footprints
                    .transaction_footprint(tx, Some(block), None, Some(allocation))
                    .await
                    .expect("transaction share");
                for (s, v) in txs_sum.iter_mut().zip(each(&t.energy_kwh)) {
                    *s += v;
                }
            }
            for (sum, of_block) in txs_sum.iter().zip(each(&b.energy_kwh)) {
                assert!(
                    close(*sum, of_block),
                    "{allocation:?}: block {} has {of_block} kWh, its transactions {sum}",
                    block.height
                );
            }
            for (s, v) in blocks_sum.iter_mut().zip(each(&b.energy_kwh)) {
                *s += v;
            }
        }
        let to_blocks = if allocation == Allocation::Hybrid {
            1.0 - holdings_share
        } else {
            1.0
        };
        for (sum, of_day) in blocks_sum.iter().zip(each(&day_kwh)) {
            assert!(
                close(*sum, of_day * to_blocks),
                "{allocation:?}: the day has {of_day} kWh (× {to_blocks} to blocks), its blocks {sum}"
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn shares_add_up_to_the_block_and_the_day(
        shapes in prop::collection::vec(
            prop::collection::vec((100u64..50_000, 21_000u64..3_000_000), 1..6),
            1..5,
        )
    ) {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(check(shapes));
    }
}

//! Decoding one `eth_getBlockByNumber(n, true)` result: the lean decoder the
//! EVM source uses against alloy's typed `eth::Block` with the transaction
//! sizes it needs, side by side on the same text.
//!
//!     cargo bench -p blockwatt-ingest --bench evm_decode
//!
//! Inputs: the largest recorded mainnet block of `../shared/data` (Parity,
//! 2015, 4 legacy transactions) and a block in the shape of the ingest
//! bench's anvil chain (150 EIP-1559 value transfers) built with alloy.

use alloy_eips::eip2718::Encodable2718;
use alloy_rpc_types_eth::Block as EthBlock;
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};

#[path = "../tests/common/evm_json.rs"]
mod evm_json;

fn alloy_decode(text: &str) -> (u64, u64) {
    let block: EthBlock = serde_json::from_str(text).expect("alloy decodes");
    let size: u64 = block
        .transactions
        .txns()
        .map(|t| t.inner.inner().encode_2718_len() as u64)
        .sum();
    (block.header.number, size)
}

fn lean_decode(text: &str) -> (u64, u64) {
    let block = blockwatt_ingest::evm_decode::decode_block(text).expect("lean decodes");
    (
        block.number,
        block.transactions.iter().map(|t| t.size).sum(),
    )
}

fn bench(c: &mut Criterion) {
    let mut inputs = Vec::new();
    if let Some(text) =
        evm_json::recorded_block("web3_response.eth_getBlockByNumber_0x76250_true.json")
    {
        inputs.push(("mainnet block 483,920 (4 legacy txs)", text));
    } else {
        eprintln!("../shared/data not found: benchmarking the synthetic block only");
    }
    inputs.push((
        "anvil-like block (150 EIP-1559 txs)",
        evm_json::eip1559_block(150),
    ));
    for (name, text) in &inputs {
        assert_eq!(
            alloy_decode(text),
            lean_decode(text),
            "{name}: decoders disagree"
        );
        let mut g = c.benchmark_group(*name);
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_function("alloy typed Block + encode_2718_len", |b| {
            b.iter(|| alloy_decode(black_box(text)))
        });
        g.bench_function("lean evm_decode::decode_block", |b| {
            b.iter(|| lean_decode(black_box(text)))
        });
        g.finish();
    }
}

/// Receipts as the EVM source keeps them (gas, and each log's emitter)
/// against alloy's typed `TransactionReceipt`, which the source once used:
/// every recorded mainnet receipt of `../shared/data` that alloy reads, as
/// one `eth_getBlockReceipts`-like array.
fn receipts(c: &mut Criterion) {
    // Receipts older nodes recorded without `from` or `to`, which alloy
    // requires, are left out so both decoders read the same text.
    let recorded: Vec<(String, String)> =
        evm_json::recorded_results("web3_response.eth_getTransactionReceipt_")
            .into_iter()
            .filter(|(_, r)| {
                serde_json::from_str::<alloy_rpc_types_eth::TransactionReceipt>(r).is_ok()
            })
            .collect();
    if recorded.is_empty() {
        eprintln!("../shared/data not found: no receipts to benchmark");
        return;
    }
    let text = format!(
        "[{}]",
        recorded
            .iter()
            .map(|(_, r)| r.as_str())
            .collect::<Vec<_>>()
            .join(",")
    );
    let typed: Vec<alloy_rpc_types_eth::TransactionReceipt> =
        serde_json::from_str(&text).expect("alloy decodes");
    let lean = blockwatt_ingest::evm::decode_block_receipts(&text).expect("lean decodes");
    let logs: usize = typed.iter().map(|r| r.inner.logs().len()).sum();
    for (t, (gas, emitters)) in typed.iter().zip(&lean) {
        assert_eq!(t.gas_used, *gas);
        let mut want: Vec<_> = t.inner.logs().iter().map(|l| l.address()).collect();
        want.sort_unstable();
        want.dedup();
        assert_eq!(&want, emitters);
    }
    let name = format!(
        "mainnet receipts ({} receipts, {logs} logs)",
        recorded.len()
    );
    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("alloy typed TransactionReceipt", |b| {
        b.iter(|| {
            let r: Vec<alloy_rpc_types_eth::TransactionReceipt> =
                serde_json::from_str(black_box(&text)).expect("decodes");
            r.len()
        })
    });
    g.bench_function("lean: gas, fee and log emitters", |b| {
        b.iter(|| {
            blockwatt_ingest::evm::decode_block_receipts(black_box(&text))
                .expect("decodes")
                .len()
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(std::time::Duration::from_secs(3));
    targets = bench, receipts
}
criterion_main!(benches);

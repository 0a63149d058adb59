//! Recomputing whole daily histories: cbeci-v1 over ~4,200 Bitcoin days,
//! fast path against the straightforward reference, every Coin Metrics
//! chain's full estimate series (footprint included), and one day's
//! sensitivity and Monte Carlo against that day's plain estimate, in one
//! run:
//!
//!     cargo bench -p blockwatt-analytics --bench estimates
//!
//! Needs ../shared/data (see blockwatt_testkit::shared_data); prints
//! SKIPPED and benches nothing without it.

use std::time::Duration;

use blockwatt_analytics::cbeci::{cbeci_v1_core, CbeciInput};
use blockwatt_analytics::reference::cbeci_v1_reference;
use blockwatt_analytics::{estimate_series, Catalogues, Method, Params};
use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion};

#[path = "../tests/common/mod.rs"]
mod common;

fn histories(c: &mut Criterion) {
    let Some(btc) = common::history("bench", "bitcoin") else {
        return;
    };
    let catalogues = Catalogues::embedded();
    let params = Params::default();
    let inputs: Vec<CbeciInput> = btc
        .iter()
        .map(|d| CbeciInput {
            day_unix: d
                .day
                .and_hms_opt(0, 0, 0)
                .map(|t| t.and_utc().timestamp())
                .unwrap_or(0),
            hashrate_th_s: d.hashrate_hs.map(|h| h / 1e12),
            revenue_usd: d.miner_revenue_usd(),
        })
        .collect();

    let mut group = c.benchmark_group(format!("cbeci-v1 core, bitcoin {} days", btc.len()));
    group.bench_function("fast (incremental)", |b| {
        b.iter(|| cbeci_v1_core(black_box(&inputs), &catalogues.cbeci_v1, &params))
    });
    group.bench_function("reference (straightforward)", |b| {
        b.iter(|| cbeci_v1_reference(black_box(&inputs), &catalogues.cbeci_v1, &params))
    });
    group.finish();

    let mut group = c.benchmark_group("estimate_series, full history with footprint");
    group.bench_function(
        BenchmarkId::new("cbeci-v1", format!("bitcoin/{}d", btc.len())),
        |b| {
            b.iter(|| {
                estimate_series(
                    catalogues,
                    "bitcoin",
                    black_box(&btc),
                    &params,
                    Some(Method::CbeciV1),
                )
            })
        },
    );
    for (chain, _, _) in common::COINMETRICS_CHAINS {
        let Some(days) = common::history("bench", chain) else {
            return;
        };
        group.bench_function(
            BenchmarkId::new("default", format!("{chain}/{}d", days.len())),
            |b| b.iter(|| estimate_series(catalogues, chain, black_box(&days), &params, None)),
        );
    }
    group.finish();

    // One day explained: the sensitivity re-runs the model for the
    // electricity price, PUE and hardware mix (six runs; eight where board
    // figures take the rig factor) and scales the rest, so its reference is
    // one run of the same day's estimate, over the history the service
    // loads for it (the look-back windows). Bitcoin's basket is ASICs at
    // the wall; Ethereum's, GPUs listed by board power and its largest.
    let day = "2020-06-15".parse().expect("a date");
    for chain in ["bitcoin", "ethereum"] {
        let Some(history) = common::history("bench", chain) else {
            return;
        };
        let end = history.partition_point(|d| d.day <= day);
        let window = &history[end.saturating_sub(60)..end];
        let mut group =
            c.benchmark_group(format!("one day explained, {chain} 2020-06-15 (hardware)"));
        group.bench_function("reference: estimate_day", |b| {
            b.iter(|| {
                blockwatt_analytics::estimate_day(
                    catalogues,
                    chain,
                    day,
                    black_box(window),
                    &params,
                    None,
                )
            })
        });
        group.bench_function("sensitivity (explain=sensitivity)", |b| {
            b.iter(|| {
                blockwatt_analytics::sensitivity(
                    catalogues,
                    chain,
                    day,
                    black_box(window),
                    &[],
                    &params,
                    None,
                )
            })
        });
        group.bench_function("monte carlo, 10,000 draws (explain=distribution)", |b| {
            b.iter(|| {
                blockwatt_analytics::monte_carlo(
                    catalogues,
                    chain,
                    day,
                    black_box(window),
                    &[],
                    &params,
                    None,
                    blockwatt_analytics::monte_carlo::DEFAULT_DRAWS,
                    blockwatt_analytics::monte_carlo::DEFAULT_SEED,
                )
            })
        });
        group.finish();
    }
}

criterion_group! {
    name = benches;
    // Short runs: the machine is shared with other builds.
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = histories
}
criterion_main!(benches);

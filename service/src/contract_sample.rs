//! A contract's share over days whose blocks are not stored, estimated at
//! the chain's node from a sample of those days' blocks (the estimator and
//! its interval: `blockwatt_analytics::share_sample`).
//!
//! A disclosure covers a calendar year and a follower stores days, so
//! most of a token's period is usually not stored. Counting every block
//! of a year at a node is out of reach for a busy token, and no keyless
//! public source counts a contract's transactions per day, so the node's
//! blocks are sampled and the share carries the sample's uncertainty.

use blockwatt_analytics::share_sample::{self, RunCount};
use blockwatt_domain::Bounds;
use blockwatt_ingest::evm::EvmSource;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::ServiceError;

/// Runs of consecutive blocks read per stretch of days not stored.
pub const SAMPLE_RUNS: u64 = 96;
/// Blocks in a run: one `eth_getLogs` and one batch of headers each.
pub const SAMPLE_RUN_BLOCKS: u64 = 8;

/// The blocks of a stretch of days not stored, as sampled at the node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct NodeSample {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The stretch's blocks at the node (from the first block at or after
    /// `from`'s midnight UTC to the last before the day after `to`).
    pub first_block: u64,
    pub last_block: u64,
    /// Blocks read: every block when the stretch is no longer than the
    /// sample, otherwise `runs` runs of consecutive blocks spread evenly.
    pub sampled_blocks: u64,
    pub runs: u64,
    pub contract_transactions: u64,
    pub chain_transactions: u64,
    /// The receipts' gas of the contract's transactions, read only for
    /// `allocation=gas`.
    pub contract_gas: Option<u64>,
    pub chain_gas: u64,
    /// The contract's share of the stretch's transactions: the ratio over
    /// the runs, bounded by its 95 % interval.
    pub transaction_share: Bounds,
    /// Its share of the gas, for `allocation=gas`.
    pub gas_share: Option<Bounds>,
}

fn unavailable(e: impl std::fmt::Display) -> ServiceError {
    ServiceError::Unavailable(e.to_string())
}

fn midnight(d: NaiveDate) -> i64 {
    d.and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc().timestamp())
        .unwrap_or(0)
}

/// Samples the node's blocks of `from ..= to` (days, UTC); `Ok(None)` when
/// the node holds no block of them yet.
pub(crate) async fn sample(
    source: &EvmSource,
    chain: &str,
    contract: &str,
    from: NaiveDate,
    to: NaiveDate,
    with_gas: bool,
) -> Result<Option<NodeSample>, ServiceError> {
    let Some(first) = source
        .first_block_at_or_after(midnight(from))
        .await
        .map_err(unavailable)?
    else {
        return Ok(None);
    };
    let after = to.succ_opt().map(midnight).unwrap_or(i64::MAX);
    let last = match source
        .first_block_at_or_after(after)
        .await
        .map_err(unavailable)?
    {
        Some(next) if next > first => next - 1,
        Some(_) => return Ok(None),
        // The stretch runs to the node's tip.
        None => {
            use blockwatt_ingest::source::Source;
            source.tip().await.map_err(unavailable)?
        }
    };
    let plan = share_sample::plan(first, last, SAMPLE_RUNS, SAMPLE_RUN_BLOCKS);
    let mut tx_runs = Vec::with_capacity(plan.len());
    let mut gas_runs = Vec::with_capacity(plan.len());
    for &(a, b) in &plan {
        let heights: Vec<u64> = (a..=b).collect();
        let headers = source.headers(&heights).await.map_err(unavailable)?;
        let txs = source
            .contract_txs(contract, a, b)
            .await
            .map_err(unavailable)?;
        tx_runs.push(RunCount {
            part: txs.len() as u64,
            whole: headers.iter().map(|h| h.tx_count).sum(),
        });
        let chain_gas = headers.iter().map(|h| h.gas_used).sum();
        let contract_gas = if with_gas {
            let ids: Vec<String> = txs.into_iter().map(|t| t.txid).collect();
            source
                .gas_used_by(&ids)
                .await
                .map_err(unavailable)?
                .into_iter()
                .sum()
        } else {
            0
        };
        gas_runs.push(RunCount {
            part: contract_gas,
            whole: chain_gas,
        });
    }
    let blocks = last - first + 1;
    let sampled_blocks: u64 = plan.iter().map(|(a, b)| b - a + 1).sum();
    let no_transaction = || {
        ServiceError::no_data(
            chain,
            format!(
                "{chain}: the {sampled_blocks} blocks sampled from blocks {first}..={last} ({from} to {to}) hold no transaction, so the contract's share there cannot be estimated"
            ),
        )
    };
    let transaction_share =
        share_sample::share(&tx_runs, sampled_blocks, blocks).ok_or_else(no_transaction)?;
    let gas_share = if with_gas {
        Some(share_sample::share(&gas_runs, sampled_blocks, blocks).ok_or_else(no_transaction)?)
    } else {
        None
    };
    Ok(Some(NodeSample {
        from,
        to,
        first_block: first,
        last_block: last,
        sampled_blocks,
        runs: plan.len() as u64,
        contract_transactions: tx_runs.iter().map(|r| r.part).sum(),
        chain_transactions: tx_runs.iter().map(|r| r.whole).sum(),
        contract_gas: with_gas.then(|| gas_runs.iter().map(|r| r.part).sum()),
        chain_gas: gas_runs.iter().map(|r| r.whole).sum(),
        transaction_share,
        gas_share,
    }))
}

//! The footprint of a contract's activity over a period (a token, an NFT
//! collection): the chain's daily footprint allocated by the contract's
//! share of the chain's transactions.
//!
//! Counted, not modelled: the chain's transactions are the stored blocks'
//! own counts, the contract's are the transactions of those blocks that
//! made it emit a log. Those are read from the receipts at ingestion,
//! stored per block and contract, and summed per UTC day by the store
//! (`BlockStore::contract_days`), so no node is asked; for stored blocks
//! ingested without their logs they are found
//! with `eth_getLogs` at the chain's node. Days with no stored block are
//! sampled at the node instead
//! (`contract_sample`), and their share carries the sample's interval. A
//! transaction that called the contract without any log (a failed call,
//! a function without events) is not counted; for an ERC-20 every
//! transfer logs `Transfer`, so a token's transfers are all counted.

use std::collections::{BTreeMap, BTreeSet};

use blockwatt_analytics::units::DAYS_PER_YEAR;
use blockwatt_domain::{Basis, Bounds};
use chrono::{DateTime, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use blockwatt_ingest::evm::EvmSource;

use crate::contract_sample::{self, NodeSample};
use crate::lookup::ChainLookup;
use crate::{EstimateParams, Footprints, ServiceError};

/// One day of a contract's footprint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ContractDay {
    pub date: NaiveDate,
    /// `stored-blocks` (counted in the day's stored blocks) or
    /// `node-sample` (the share of a sample of the node's blocks of the
    /// stretch of days not stored the day belongs to).
    pub counted_by: String,
    /// Counted in stored blocks; for a sampled day, the chain's count
    /// from the daily metrics times the sampled share (absent without one).
    pub contract_transactions: Option<u64>,
    pub chain_transactions: Option<u64>,
    /// The contract's share of the day by the allocation: exact when
    /// counted, the sample's 95 % interval when sampled.
    pub share: Bounds,
    /// The contract's part of the chain's energy that day, kWh.
    pub energy_kwh: Bounds,
}

/// A contract's footprint over a period, and the chain's beside it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ContractFootprint {
    pub chain: String,
    /// `0x` and 40 lower-case hex digits.
    pub contract: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// `transactions` (each day's footprint times the contract's share of
    /// that day's transactions) or `gas` (of that day's gas).
    pub allocation: String,
    /// Counted in the blocks read: the stored blocks and the node's
    /// sampled blocks.
    pub contract_transactions: u64,
    pub chain_transactions: u64,
    /// The receipts' gas of the contract's transactions in the blocks
    /// read (counted for `allocation=gas` only) and the blocks' gas.
    pub contract_gas: u64,
    pub chain_gas: u64,
    /// The contract's share of the blocks read, by `allocation`.
    pub share: f64,
    pub energy_kwh: Bounds,
    pub co2e_kg: Bounds,
    pub water_m3: Bounds,
    pub ewaste_kg: Bounds,
    /// The chain's own totals over the same days: the contract's part and
    /// the rest of the chain sum to them.
    pub chain_energy_kwh: Bounds,
    pub chain_co2e_kg: Bounds,
    /// The weakest basis of the days' chain estimates.
    pub basis: Basis,
    pub as_of: NaiveDate,
    /// How the contract's transactions were counted.
    pub counted_by: String,
    /// The stretches of days not stored, sampled at the node.
    pub node_samples: Vec<NodeSample>,
    pub days: Vec<ContractDay>,
}

fn add(a: Bounds, b: Bounds) -> Bounds {
    Bounds::new(a.lower + b.lower, a.best + b.best, a.upper + b.upper)
}

fn zero() -> Bounds {
    Bounds::new(0.0, 0.0, 0.0)
}

fn rank(b: Basis) -> u8 {
    match b {
        Basis::Measured => 0,
        Basis::CarriedForward => 1,
        Basis::Fallback => 2,
    }
}

/// How a contract's part of its chain is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContractAllocation {
    /// Its share of each day's transactions (the default: every
    /// transaction is one use of the network, whatever it costs).
    Transactions,
    /// Its share of each day's gas (work the validators did for it).
    Gas,
}

impl ContractAllocation {
    pub const NAMES: [&'static str; 2] = ["transactions", "gas"];

    /// `None` (the default) is `transactions`; a name not in
    /// [`ContractAllocation::NAMES`] is refused naming them.
    pub fn parse(name: Option<&str>) -> Result<ContractAllocation, ServiceError> {
        match name.unwrap_or("transactions") {
            "transactions" => Ok(ContractAllocation::Transactions),
            "gas" => Ok(ContractAllocation::Gas),
            other => Err(ServiceError::invalid(
                "allocation",
                format!(
                    "{other:?} is not one of {} (a holdings share needs the token's balances, not stored)",
                    ContractAllocation::NAMES.join(", ")
                ),
            )),
        }
    }

    /// The rule as a disclosure states it (S.9).
    pub fn describe(self) -> &'static str {
        match self {
            ContractAllocation::Transactions => "ContractAllocation (transactions): each day, the host chain's figures times the token's share of that day's transactions, a transaction counted for the token when its contract emits a log in it (read from the receipts when the blocks were ingested, or with eth_getLogs at the chain's node for blocks stored without them).",
            ContractAllocation::Gas => "ContractAllocation (gas): each day, the host chain's figures times the token's share of that day's gas, the gas used by the transactions in which its contract emits a log (read from the receipts at ingestion, or eth_getLogs at the chain's node) over the gas used by the stored blocks.",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ContractAllocation::Transactions => "transactions",
            ContractAllocation::Gas => "gas",
        }
    }
}

/// One day's counts: the contract's and the chain's transactions and gas
/// in the day's stored blocks, or the share sampled at the node for a day
/// not stored.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct DayCount {
    pub contract_txs: u64,
    pub chain_txs: u64,
    pub contract_gas: u64,
    pub chain_gas: u64,
    /// For a day not stored: the share of its stretch's sample, by the
    /// allocation asked for, and the share of transactions.
    pub sampled: Option<(Bounds, Bounds)>,
}

impl DayCount {
    /// The contract's share of the day by `allocation`: exact in stored
    /// blocks, bounded when sampled; `None` for a day whose stored blocks
    /// hold nothing to share.
    pub(crate) fn share(&self, allocation: ContractAllocation) -> Option<Bounds> {
        if let Some((share, _)) = self.sampled {
            return Some(share);
        }
        let (part, whole) = match allocation {
            ContractAllocation::Transactions => (self.contract_txs, self.chain_txs),
            ContractAllocation::Gas => (self.contract_gas, self.chain_gas),
        };
        (whole > 0).then(|| {
            let r = part as f64 / whole as f64;
            Bounds::new(r, r, r)
        })
    }

    /// The contract's transactions that day: counted when stored, the
    /// chain's `chain_txs` (from the daily metrics) times the sampled share
    /// of transactions otherwise.
    pub(crate) fn contract_transactions(&self, chain_txs: Option<u64>) -> Option<u64> {
        match self.sampled {
            None => Some(self.contract_txs),
            Some((_, tx_share)) => chain_txs.map(|n| (n as f64 * tx_share.best).round() as u64),
        }
    }
}

/// Each bound of `b` times the same bound of `share`.
pub(crate) fn allocate(b: Bounds, share: Bounds) -> Bounds {
    Bounds::new(
        b.lower * share.lower,
        b.best * share.best,
        b.upper * share.upper,
    )
}

pub(crate) type DayCounts = BTreeMap<NaiveDate, DayCount>;

/// A contract's counts over the days asked for.
pub(crate) struct ContractCounts {
    pub per_day: DayCounts,
    pub counted_by: String,
    pub samples: Vec<NodeSample>,
}

fn midnight(d: NaiveDate) -> i64 {
    d.and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc().timestamp())
        .unwrap_or(0)
}

/// Runs of consecutive days.
fn stretches(days: &[NaiveDate]) -> Vec<(NaiveDate, NaiveDate)> {
    let mut out: Vec<(NaiveDate, NaiveDate)> = Vec::new();
    for &d in days {
        match out.last_mut() {
            Some((_, end)) if end.succ_opt() == Some(d) => *end = d,
            _ => out.push((d, d)),
        }
    }
    out
}

impl Footprints {
    /// The contract's and the chain's counts on each of `days`: in the
    /// stored blocks of a day that has some, from a sample of the node's
    /// blocks for each stretch of days that has none.
    pub(crate) async fn contract_days(
        &self,
        lookup: Option<&ChainLookup>,
        chain: &str,
        address: &str,
        days: &BTreeSet<NaiveDate>,
        allocation: ContractAllocation,
    ) -> Result<ContractCounts, ServiceError> {
        // Asked for only when the store cannot answer.
        let node = || {
            lookup
                .and_then(|l| l.source(chain))
                .map(|s| s.as_ref())
                .ok_or_else(|| {
                    ServiceError::no_data(
                        chain,
                        format!(
                        "{chain}: no EVM node is configured to count a contract's transactions at"
                    ),
                    )
                })
        };
        let (Some(&from), Some(&to)) = (days.first(), days.last()) else {
            return Err(ServiceError::no_data(
                chain,
                format!("{chain}: no day to count"),
            ));
        };
        let end = to.succ_opt().map(midnight).unwrap_or(i64::MAX);
        // Each day's chain totals and the contract's use, summed by the
        // store (a year of a busy chain is millions of blocks).
        let totals: Vec<_> = self
            .store()
            .contract_days(chain, address, midnight(from), end)
            .await?
            .into_iter()
            .filter(|t| days.contains(&t.day))
            .collect();
        let mut per_day = DayCounts::new();
        let mut counted_by = Vec::new();
        if let (Some(first), Some(last)) = (
            totals.iter().map(|t| t.first_height).min(),
            totals.iter().map(|t| t.last_height).max(),
        ) {
            let stored_blocks: u64 = totals.iter().map(|t| t.blocks).sum();
            let recorded: u64 = totals.iter().map(|t| t.recorded_blocks).sum();
            let all_recorded = recorded == stored_blocks;
            for t in &totals {
                per_day.insert(
                    t.day,
                    DayCount {
                        chain_txs: t.transactions,
                        chain_gas: t.gas_used,
                        contract_txs: if all_recorded {
                            t.contract_transactions
                        } else {
                            0
                        },
                        contract_gas: if all_recorded { t.contract_gas } else { 0 },
                        sampled: None,
                    },
                );
            }
            let over = match per_day.len() {
                1 => "the day".to_owned(),
                n => format!("the {n} days"),
            };
            if all_recorded {
                // Every stored block had its logs read at ingestion: no
                // node is asked.
                counted_by.push(format!(
                    "stored blocks: the logs recorded at ingestion, for {address} in blocks {first}..={last}, over {over} with stored blocks"
                ));
            } else {
                let unrecorded = stored_blocks.saturating_sub(recorded);
                let source = node().map_err(|_| {
                    ServiceError::no_data(
                        chain,
                        format!(
                            "{chain}: {unrecorded} of the {stored_blocks} stored blocks {first}..={last} were ingested without their logs (a source without receipts, or before the store kept them), and no EVM node is configured to count {address} in them"
                        ),
                    )
                })?;
                // The node's logs name heights: each height's day.
                let day_of_height: BTreeMap<u64, NaiveDate> = self
                    .store()
                    .blocks_in_time(chain, midnight(from), end)
                    .await?
                    .iter()
                    .filter_map(|b| {
                        Some((b.height, DateTime::from_timestamp(b.time, 0)?.date_naive()))
                    })
                    .filter(|(_, d)| days.contains(d))
                    .collect();
                self.count_at_node(
                    source,
                    chain,
                    address,
                    (first, last),
                    &day_of_height,
                    allocation,
                    &mut per_day,
                )
                .await?;
                counted_by.push(format!(
                    "stored blocks: eth_getLogs at the {chain} node for logs of {address} in blocks {first}..={last} ({unrecorded} of them ingested without their logs), over {over} with stored blocks"
                ));
            }
        }
        let missing: Vec<NaiveDate> = days
            .iter()
            .filter(|d| !per_day.contains_key(d))
            .copied()
            .collect();
        let mut samples = Vec::new();
        for (a, b) in stretches(&missing) {
            let with_gas = allocation == ContractAllocation::Gas;
            let Some(s) = contract_sample::sample(node()?, chain, address, a, b, with_gas).await?
            else {
                continue;
            };
            let share = match allocation {
                ContractAllocation::Gas => s.gas_share.unwrap_or(s.transaction_share),
                ContractAllocation::Transactions => s.transaction_share,
            };
            for d in missing.iter().filter(|d| (a..=b).contains(*d)) {
                per_day.insert(
                    *d,
                    DayCount {
                        sampled: Some((share, s.transaction_share)),
                        ..DayCount::default()
                    },
                );
            }
            counted_by.push(format!(
                "{a} to {b}, not stored: {} of the node's blocks {}..={} in {} runs ({} of the contract's transactions of {})",
                s.sampled_blocks, s.first_block, s.last_block, s.runs, s.contract_transactions, s.chain_transactions
            ));
            samples.push(s);
        }
        if per_day.is_empty() {
            return Err(ServiceError::no_data(
                chain,
                format!(
                    "{chain}: neither the store nor the node holds a block between {from} and {to}"
                ),
            ));
        }
        Ok(ContractCounts {
            per_day,
            counted_by: counted_by.join("; "),
            samples,
        })
    }

    /// Counts `address`'s transactions (and, for `allocation=gas`, their
    /// stored gas) in the stored blocks `range` with `eth_getLogs` at the
    /// node: for blocks ingested without their logs.
    #[allow(clippy::too_many_arguments)]
    async fn count_at_node(
        &self,
        source: &EvmSource,
        chain: &str,
        address: &str,
        (first, last): (u64, u64),
        day_of_height: &BTreeMap<u64, NaiveDate>,
        allocation: ContractAllocation,
        per_day: &mut DayCounts,
    ) -> Result<(), ServiceError> {
        let txs = source
            .contract_txs(address, first, last)
            .await
            .map_err(|e| ServiceError::Unavailable(e.to_string()))?;
        for t in &txs {
            let Some(day) = day_of_height
                .get(&t.height)
                .and_then(|d| per_day.get_mut(d))
            else {
                continue;
            };
            day.contract_txs += 1;
            if allocation == ContractAllocation::Gas {
                // The gas is the stored transaction's (its block is stored).
                let stored = self.store().transaction(chain, &t.txid).await?.ok_or_else(|| {
                    ServiceError::no_data(
                        chain,
                        format!(
                            "{chain}: transaction {} of stored block {} is not stored; re-ingest the block",
                            t.txid, t.height
                        ),
                    )
                })?;
                day.contract_gas += stored.gas_used;
            }
        }
        Ok(())
    }

    /// The footprint of `contract` on `chain` from `from` to `to`: each day
    /// the chain has an estimate for, counted in the stored blocks or
    /// sampled at the node.
    pub async fn contract_footprint(
        &self,
        lookup: Option<&ChainLookup>,
        chain: &str,
        contract: &str,
        from: NaiveDate,
        to: NaiveDate,
        allocation: ContractAllocation,
    ) -> Result<ContractFootprint, ServiceError> {
        self.chain(chain)?;
        let address =
            blockwatt_ingest::contract_logs::normalise_address(contract).ok_or_else(|| {
                ServiceError::invalid(
                    "address",
                    format!("{contract:?} is not 0x and 40 hex digits"),
                )
            })?;
        let estimates = self
            .series(chain, from, to, None, &EstimateParams::default())
            .await?;
        let days: BTreeSet<NaiveDate> = estimates.iter().map(|e| e.date).collect();
        if days.is_empty() {
            return Err(ServiceError::no_data(
                chain,
                format!("{chain}: no estimate between {from} and {to}"),
            ));
        }
        let counts = self
            .contract_days(lookup, chain, &address, &days, allocation)
            .await?;
        let metrics: BTreeMap<NaiveDate, Option<u64>> = self
            .metrics_range(chain, from, to)
            .await?
            .into_iter()
            .map(|m| (m.day, m.tx_count))
            .collect();
        let mut out = ContractFootprint {
            chain: chain.to_owned(),
            contract: address.clone(),
            from,
            to,
            allocation: allocation.as_str().into(),
            contract_transactions: 0,
            chain_transactions: 0,
            contract_gas: 0,
            chain_gas: 0,
            share: 0.0,
            energy_kwh: zero(),
            co2e_kg: zero(),
            water_m3: zero(),
            ewaste_kg: zero(),
            chain_energy_kwh: zero(),
            chain_co2e_kg: zero(),
            basis: Basis::Measured,
            as_of: from,
            counted_by: counts.counted_by,
            node_samples: Vec::new(),
            days: Vec::new(),
        };
        for e in &estimates {
            let Some(count) = counts.per_day.get(&e.date) else {
                continue;
            };
            let day = |b: Bounds, unit: f64| b.scale(unit / DAYS_PER_YEAR);
            let share = count.share(allocation).unwrap_or_else(zero);
            let energy = day(e.energy_twh_per_year, 1e9);
            let co2e = day(e.co2e_t_per_year, 1e3);
            out.chain_energy_kwh = add(out.chain_energy_kwh, energy);
            out.chain_co2e_kg = add(out.chain_co2e_kg, co2e);
            out.energy_kwh = add(out.energy_kwh, allocate(energy, share));
            out.co2e_kg = add(out.co2e_kg, allocate(co2e, share));
            out.water_m3 = add(out.water_m3, allocate(day(e.water_m3_per_year, 1.0), share));
            out.ewaste_kg = add(
                out.ewaste_kg,
                allocate(day(e.ewaste_t_per_year, 1e3), share),
            );
            out.contract_transactions += count.contract_txs;
            out.chain_transactions += count.chain_txs;
            out.contract_gas += count.contract_gas;
            out.chain_gas += count.chain_gas;
            if rank(e.basis) > rank(out.basis) {
                out.basis = e.basis;
            }
            out.as_of = out.as_of.max(e.as_of);
            let sampled = count.sampled.is_some();
            let chain_txs = if sampled {
                metrics.get(&e.date).copied().flatten()
            } else {
                Some(count.chain_txs)
            };
            out.days.push(ContractDay {
                date: e.date,
                counted_by: if sampled {
                    "node-sample"
                } else {
                    "stored-blocks"
                }
                .into(),
                contract_transactions: count.contract_transactions(chain_txs),
                chain_transactions: chain_txs,
                share,
                energy_kwh: allocate(energy, share),
            });
        }
        if out.days.is_empty() {
            return Err(ServiceError::no_data(
                chain,
                format!("{chain}: no day between {from} and {to} has both counted blocks and an estimate"),
            ));
        }
        for s in &counts.samples {
            out.contract_transactions += s.contract_transactions;
            out.chain_transactions += s.chain_transactions;
            out.contract_gas += s.contract_gas.unwrap_or(0);
            out.chain_gas += s.chain_gas;
        }
        out.node_samples = counts.samples;
        let (part, whole) = match allocation {
            ContractAllocation::Transactions => (out.contract_transactions, out.chain_transactions),
            ContractAllocation::Gas => (out.contract_gas, out.chain_gas),
        };
        if whole > 0 {
            out.share = part as f64 / whole as f64;
        }
        Ok(out)
    }
}

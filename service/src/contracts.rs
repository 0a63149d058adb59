//! The footprint of a contract's activity over a period (a token, an NFT
//! collection): the chain's daily footprint allocated by the contract's
//! share of the chain's transactions.
//!
//! Counted, not modelled: the chain's transactions are the stored blocks'
//! own counts, the contract's are the transactions of those blocks that
//! made it emit a log, found with `eth_getLogs` at the chain's node. A
//! transaction that called the contract without any log (a failed call,
//! a function without events) is not counted; for an ERC-20 every
//! transfer logs `Transfer`, so a token's transfers are all counted.

use std::collections::BTreeMap;

use blockwatt_analytics::units::DAYS_PER_YEAR;
use blockwatt_domain::{Basis, Bounds};
use chrono::{DateTime, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::lookup::ChainLookup;
use crate::{EstimateParams, Footprints, ServiceError};

/// One day of a contract's footprint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ContractDay {
    pub date: NaiveDate,
    pub contract_transactions: u64,
    pub chain_transactions: u64,
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
    pub contract_transactions: u64,
    pub chain_transactions: u64,
    pub contract_gas: u64,
    pub chain_gas: u64,
    /// The contract's share of the chain over the period, by `allocation`.
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
                    "allocation: {other:?} is not one of {} (a holdings share needs the token's balances, not stored)",
                    ContractAllocation::NAMES.join(", ")
                ),
            )),
        }
    }

    /// The rule as a disclosure states it (S.9).
    pub fn describe(self) -> &'static str {
        match self {
            ContractAllocation::Transactions => "ContractAllocation (transactions): each day, the host chain's figures times the token's share of that day's transactions, a transaction counted for the token when its contract emits a log in it (eth_getLogs at the chain's node over the stored blocks).",
            ContractAllocation::Gas => "ContractAllocation (gas): each day, the host chain's figures times the token's share of that day's gas, the gas used by the transactions in which its contract emits a log (eth_getLogs at the chain's node) over the gas used by the stored blocks.",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ContractAllocation::Transactions => "transactions",
            ContractAllocation::Gas => "gas",
        }
    }
}

/// One day of stored blocks: the contract's and the chain's transactions
/// and gas.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct DayCount {
    pub contract_txs: u64,
    pub chain_txs: u64,
    pub contract_gas: u64,
    pub chain_gas: u64,
}

impl DayCount {
    /// The contract's share of the day by `allocation` (0 on an empty day).
    pub(crate) fn share(&self, allocation: ContractAllocation) -> f64 {
        let (part, whole) = match allocation {
            ContractAllocation::Transactions => (self.contract_txs, self.chain_txs),
            ContractAllocation::Gas => (self.contract_gas, self.chain_gas),
        };
        if whole > 0 {
            part as f64 / whole as f64
        } else {
            0.0
        }
    }
}

pub(crate) type DayCounts = BTreeMap<NaiveDate, DayCount>;

impl Footprints {
    /// The contract's and the chain's transactions per day of `from ..= to`
    /// with stored blocks, and how the contract's were counted.
    pub(crate) async fn contract_days(
        &self,
        lookup: &ChainLookup,
        chain: &str,
        address: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<(DayCounts, String), ServiceError> {
        let start = from
            .and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc().timestamp())
            .unwrap_or(0);
        let end = to
            .succ_opt()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| t.and_utc().timestamp())
            .unwrap_or(i64::MAX);
        let blocks = self.store().blocks_in_time(chain, start, end).await?;
        let (Some(first), Some(last)) = (
            blocks.iter().map(|b| b.height).min(),
            blocks.iter().map(|b| b.height).max(),
        ) else {
            return Err(ServiceError::no_data(
                chain,
                format!(
                    "{chain}: no blocks stored between {from} and {to}; a contract's share is counted in the chain's own blocks (ingest them first)"
                ),
            ));
        };
        let txs = lookup
            .contract_txs(chain, address, first, last)
            .await
            .map_err(|e| ServiceError::Unavailable(e.to_string()))?
            .ok_or_else(|| {
                ServiceError::no_data(
                    chain,
                    format!(
                        "{chain}: no EVM node is configured to count a contract's transactions at"
                    ),
                )
            })?;
        let day_of_height: BTreeMap<u64, NaiveDate> = blocks
            .iter()
            .filter_map(|b| Some((b.height, DateTime::from_timestamp(b.time, 0)?.date_naive())))
            .collect();
        let mut per_day = DayCounts::new();
        for b in &blocks {
            if let Some(d) = day_of_height.get(&b.height) {
                let day = per_day.entry(*d).or_default();
                day.chain_txs += u64::from(b.tx_count);
                day.chain_gas += b.gas_used;
            }
        }
        for t in &txs {
            let Some(d) = day_of_height.get(&t.height) else {
                continue;
            };
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
            let day = per_day.entry(*d).or_default();
            day.contract_txs += 1;
            day.contract_gas += stored.gas_used;
        }
        let counted_by = format!(
            "eth_getLogs at the {chain} node for logs of {address} in blocks {first}..={last}, the stored blocks of the period"
        );
        Ok((per_day, counted_by))
    }

    /// The footprint of `contract` on `chain` from `from` to `to`: each day
    /// the chain has stored blocks and an estimate for.
    pub async fn contract_footprint(
        &self,
        lookup: &ChainLookup,
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
                    format!("address: {contract:?} is not 0x and 40 hex digits"),
                )
            })?;
        let (per_day, counted_by) = self
            .contract_days(lookup, chain, &address, from, to)
            .await?;
        let estimates = self
            .series(chain, from, to, None, &EstimateParams::default())
            .await?;
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
            counted_by,
            days: Vec::new(),
        };
        for e in &estimates {
            let Some(count) = per_day.get(&e.date) else {
                continue;
            };
            let (contract_txs, chain_txs) = (count.contract_txs, count.chain_txs);
            let day = |b: Bounds, unit: f64| b.scale(unit / DAYS_PER_YEAR);
            let share = count.share(allocation);
            let energy = day(e.energy_twh_per_year, 1e9);
            let co2e = day(e.co2e_t_per_year, 1e3);
            out.chain_energy_kwh = add(out.chain_energy_kwh, energy);
            out.chain_co2e_kg = add(out.chain_co2e_kg, co2e);
            out.energy_kwh = add(out.energy_kwh, energy.scale(share));
            out.co2e_kg = add(out.co2e_kg, co2e.scale(share));
            out.water_m3 = add(out.water_m3, day(e.water_m3_per_year, 1.0).scale(share));
            out.ewaste_kg = add(out.ewaste_kg, day(e.ewaste_t_per_year, 1e3).scale(share));
            out.contract_transactions += contract_txs;
            out.chain_transactions += chain_txs;
            out.contract_gas += count.contract_gas;
            out.chain_gas += count.chain_gas;
            if rank(e.basis) > rank(out.basis) {
                out.basis = e.basis;
            }
            out.as_of = out.as_of.max(e.as_of);
            out.days.push(ContractDay {
                date: e.date,
                contract_transactions: contract_txs,
                chain_transactions: chain_txs,
                energy_kwh: energy.scale(share),
            });
        }
        if out.days.is_empty() {
            return Err(ServiceError::no_data(
                chain,
                format!("{chain}: no day between {from} and {to} has both stored blocks and an estimate"),
            ));
        }
        let total = DayCount {
            contract_txs: out.contract_transactions,
            chain_txs: out.chain_transactions,
            contract_gas: out.contract_gas,
            chain_gas: out.chain_gas,
        };
        out.share = total.share(allocation);
        Ok(out)
    }
}

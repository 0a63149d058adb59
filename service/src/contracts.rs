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
    /// `transactions`: each day's footprint times the contract's share of
    /// that day's transactions.
    pub allocation: String,
    pub contract_transactions: u64,
    pub chain_transactions: u64,
    /// The contract's share of the chain's transactions over the period.
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

/// Per day of stored blocks: (the contract's transactions, the chain's).
pub(crate) type DayCounts = BTreeMap<NaiveDate, (u64, u64)>;

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
                per_day.entry(*d).or_default().1 += u64::from(b.tx_count);
            }
        }
        for t in &txs {
            if let Some(d) = day_of_height.get(&t.height) {
                per_day.entry(*d).or_default().0 += 1;
            }
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
            allocation: "transactions".into(),
            contract_transactions: 0,
            chain_transactions: 0,
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
            let Some(&(contract_txs, chain_txs)) = per_day.get(&e.date) else {
                continue;
            };
            let day = |b: Bounds, unit: f64| b.scale(unit / DAYS_PER_YEAR);
            let share = if chain_txs > 0 {
                contract_txs as f64 / chain_txs as f64
            } else {
                0.0
            };
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
        if out.chain_transactions > 0 {
            out.share = out.contract_transactions as f64 / out.chain_transactions as f64;
        }
        Ok(out)
    }
}

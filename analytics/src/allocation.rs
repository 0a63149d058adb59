//! Allocation of a day's or a block's energy to one transaction (or
//! holding), each a named method taking plain numbers. None is "the truth":
//! proof-of-work energy does not scale with transactions; these are
//! accounting conventions, and the name travels with the number.

use serde::{Deserialize, Serialize};

use crate::error::{check_non_negative, check_range, AnalyticsError, Result};
use crate::params::Params;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AllocationMethod {
    /// Day energy ÷ day transaction count.
    #[serde(rename = "per-tx")]
    PerTx,
    /// Block energy × the transaction's share of block vbytes (or weight).
    #[serde(rename = "size")]
    Size,
    /// Block energy × the transaction's share of block gas used.
    #[serde(rename = "gas")]
    Gas,
    /// A stated split: `holdings_share` of the day's energy goes to holders
    /// pro rata to holdings, the rest to transactions evenly.
    #[serde(rename = "hybrid")]
    Hybrid,
}

impl AllocationMethod {
    pub const ALL: [AllocationMethod; 4] = [
        AllocationMethod::PerTx,
        AllocationMethod::Size,
        AllocationMethod::Gas,
        AllocationMethod::Hybrid,
    ];

    pub fn name(self) -> &'static str {
        match self {
            AllocationMethod::PerTx => "per-tx",
            AllocationMethod::Size => "size",
            AllocationMethod::Gas => "gas",
            AllocationMethod::Hybrid => "hybrid",
        }
    }

    pub fn parse(name: &str) -> Result<AllocationMethod> {
        AllocationMethod::ALL
            .into_iter()
            .find(|m| m.name() == name)
            .ok_or_else(|| AnalyticsError::UnknownAllocation(name.to_owned()))
    }
}

fn positive_count(name: &'static str, n: u64) -> Result<f64> {
    if n == 0 {
        Err(AnalyticsError::InvalidInput {
            name,
            value: 0.0,
            why: "must be at least 1",
        })
    } else {
        Ok(n as f64)
    }
}

fn share_of(name: &'static str, part: u64, whole: u64) -> Result<f64> {
    let w = positive_count(name, whole)?;
    if part > whole {
        return Err(AnalyticsError::InvalidInput {
            name,
            value: part as f64,
            why: "a transaction cannot exceed its block",
        });
    }
    Ok(part as f64 / w)
}

/// kWh per transaction: the day's energy ÷ its transactions.
pub fn per_tx(day_energy_kwh: f64, tx_count: u64) -> Result<f64> {
    check_non_negative("day_energy_kwh", day_energy_kwh)?;
    Ok(day_energy_kwh / positive_count("tx_count", tx_count)?)
}

/// kWh for a transaction of `tx_vbytes` in a block of `block_vbytes`.
pub fn by_size(block_energy_kwh: f64, tx_vbytes: u64, block_vbytes: u64) -> Result<f64> {
    check_non_negative("block_energy_kwh", block_energy_kwh)?;
    Ok(block_energy_kwh * share_of("block_vbytes", tx_vbytes, block_vbytes)?)
}

/// kWh for a transaction that used `tx_gas` of the block's `block_gas_used`.
pub fn by_gas(block_energy_kwh: f64, tx_gas: u64, block_gas_used: u64) -> Result<f64> {
    check_non_negative("block_energy_kwh", block_energy_kwh)?;
    Ok(block_energy_kwh * share_of("block_gas_used", tx_gas, block_gas_used)?)
}

/// The hybrid split of one day's energy.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct HybridAllocation {
    /// kWh per transaction (the transactions' part, evenly).
    pub kwh_per_tx: f64,
    /// kWh per coin held for the day (the holdings' part, pro rata).
    pub kwh_per_coin_day: f64,
}

/// Splits `day_energy_kwh`: `holdings_share` to the `supply` coins, the rest to the `tx_count` transactions.
pub fn hybrid(
    day_energy_kwh: f64,
    holdings_share: f64,
    tx_count: u64,
    supply: f64,
) -> Result<HybridAllocation> {
    check_non_negative("day_energy_kwh", day_energy_kwh)?;
    check_range("hybrid_holdings_share", holdings_share, 0.0, 1.0)?;
    if !(supply.is_finite() && supply > 0.0) {
        return Err(AnalyticsError::InvalidInput {
            name: "supply",
            value: supply,
            why: "must be positive",
        });
    }
    Ok(HybridAllocation {
        kwh_per_tx: day_energy_kwh * (1.0 - holdings_share) / positive_count("tx_count", tx_count)?,
        kwh_per_coin_day: day_energy_kwh * holdings_share / supply,
    })
}

/// Everything `allocate` may need; each method reads its own fields.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AllocationInput {
    /// Energy of the day (per-tx, hybrid) or of the block (size, gas), kWh.
    pub energy_kwh: f64,
    pub tx_count: Option<u64>,
    pub tx_vbytes: Option<u64>,
    pub block_vbytes: Option<u64>,
    pub tx_gas: Option<u64>,
    pub block_gas_used: Option<u64>,
    /// Hybrid: coins the transacting party holds, and the supply.
    pub holding: Option<f64>,
    pub supply: Option<f64>,
    /// Hybrid split for this call; `None` uses `Params::hybrid_holdings_share`.
    pub holdings_share: Option<f64>,
}

/// kWh attributed by `method` to one transaction (hybrid: one transaction
/// plus one day of holding `holding` coins).
pub fn allocate(method: AllocationMethod, input: &AllocationInput, params: &Params) -> Result<f64> {
    params.validate()?;
    let need = |v: Option<u64>, name: &'static str| {
        v.ok_or(AnalyticsError::InvalidInput {
            name,
            value: f64::NAN,
            why: "required by this allocation method",
        })
    };
    match method {
        AllocationMethod::PerTx => per_tx(input.energy_kwh, need(input.tx_count, "tx_count")?),
        AllocationMethod::Size => by_size(
            input.energy_kwh,
            need(input.tx_vbytes, "tx_vbytes")?,
            need(input.block_vbytes, "block_vbytes")?,
        ),
        AllocationMethod::Gas => by_gas(
            input.energy_kwh,
            need(input.tx_gas, "tx_gas")?,
            need(input.block_gas_used, "block_gas_used")?,
        ),
        AllocationMethod::Hybrid => {
            let share = input.holdings_share.unwrap_or(params.hybrid_holdings_share);
            let holding = input.holding.unwrap_or(0.0);
            check_non_negative("holding", holding)?;
            let split = hybrid(
                input.energy_kwh,
                share,
                need(input.tx_count, "tx_count")?,
                input.supply.unwrap_or(f64::NAN),
            )?;
            Ok(split.kwh_per_tx + split.kwh_per_coin_day * holding)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocations_with_plain_numbers() {
        assert_eq!(per_tx(1000.0, 4).unwrap(), 250.0);
        assert_eq!(by_size(1000.0, 250, 1_000_000).unwrap(), 0.25);
        assert_eq!(by_gas(1000.0, 21_000, 15_000_000).unwrap(), 1.4);
        let h = hybrid(1000.0, 0.5, 100, 1e6).unwrap();
        assert_eq!(h.kwh_per_tx, 5.0);
        assert_eq!(h.kwh_per_coin_day, 5e-4);
        // All to transactions: hybrid equals per-tx.
        assert_eq!(
            hybrid(1000.0, 0.0, 4, 1.0).unwrap().kwh_per_tx,
            per_tx(1000.0, 4).unwrap()
        );
    }

    #[test]
    fn allocate_dispatches_and_checks() {
        let p = Params::default();
        let input = AllocationInput {
            energy_kwh: 1000.0,
            tx_count: Some(100),
            holding: Some(10.0),
            supply: Some(1e6),
            holdings_share: Some(0.5),
            ..AllocationInput::default()
        };
        assert_eq!(
            allocate(AllocationMethod::Hybrid, &input, &p).unwrap(),
            5.0 + 5e-3
        );
        assert_eq!(allocate(AllocationMethod::PerTx, &input, &p).unwrap(), 10.0);
        assert!(allocate(AllocationMethod::Gas, &input, &p).is_err());
        assert!(per_tx(1.0, 0).is_err());
        assert!(by_size(1.0, 2, 1).is_err());
        let bad_share = AllocationInput {
            holdings_share: Some(1.5),
            ..input
        };
        assert!(allocate(AllocationMethod::Hybrid, &bad_share, &p)
            .unwrap_err()
            .to_string()
            .contains("hybrid_holdings_share"));
        assert_eq!(AllocationMethod::parse("gas"), Ok(AllocationMethod::Gas));
        // Without a per-call split the parameter applies, range-checked.
        let default_split = AllocationInput {
            holdings_share: None,
            ..input.clone()
        };
        let all_to_tx = Params {
            hybrid_holdings_share: 0.0,
            ..Params::default()
        };
        assert_eq!(
            allocate(AllocationMethod::Hybrid, &default_split, &all_to_tx).unwrap(),
            10.0
        );
        let bad = Params {
            hybrid_holdings_share: -0.1,
            ..Params::default()
        };
        assert!(allocate(AllocationMethod::Hybrid, &default_split, &bad).is_err());
        assert!(AllocationMethod::parse("vibes").is_err());
    }
}

//! A chain's day shared out to one block or one transaction, by a stated
//! key (`per-tx`, `size`, `gas`, `hybrid`).

use std::collections::BTreeMap;
use std::sync::Arc;

use blockwatt_analytics::{allocate, AllocationInput, AllocationMethod, AnalyticsError, Params};
use blockwatt_domain::{Block, Bounds, Estimate, Transaction};
use chrono::{DateTime, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::{Footprints, ServiceError};

const DAYS_PER_YEAR: f64 = 365.25;

/// How a chain's footprint is shared out to a block or a transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Allocation {
    /// Every transaction of the day carries an equal share.
    PerTx,
    /// Shares in proportion to bytes (virtual size where the chain has one).
    Size,
    /// Shares in proportion to gas used (EVM chains).
    Gas,
    /// Holdings plus transactions (the hybrid of Gallersdörfer et al.).
    Hybrid,
}

impl Allocation {
    pub const ALL: [Allocation; 4] = [
        Allocation::PerTx,
        Allocation::Size,
        Allocation::Gas,
        Allocation::Hybrid,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Allocation::PerTx => "per-tx",
            Allocation::Size => "size",
            Allocation::Gas => "gas",
            Allocation::Hybrid => "hybrid",
        }
    }

    pub fn parse(s: &str) -> Option<Allocation> {
        Allocation::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// The footprint share of one block or one transaction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Allocated {
    pub method: String,
    pub methodology_version: String,
    pub allocation: Allocation,
    /// The UTC day whose chain-level estimate was shared out.
    pub date: NaiveDate,
    /// That estimate's basis and data age (see `Estimate`).
    pub basis: blockwatt_domain::Basis,
    pub as_of: NaiveDate,
    pub energy_kwh: Bounds,
    pub co2e_kg: Bounds,
    pub water_l: Bounds,
    /// The share and whatever else the allocation used, so a reader can redo it.
    pub inputs: BTreeMap<String, serde_json::Value>,
}

impl Footprints {
    /// The day's estimate and merged metrics for a block's or transaction's day.
    async fn day_context(
        &self,
        chain: &str,
        time: i64,
        method: Option<&str>,
    ) -> Result<Arc<DayContext>, ServiceError> {
        let day = DateTime::from_timestamp(time, 0)
            .map(|t| t.date_naive())
            .ok_or_else(|| ServiceError::Internal(format!("block time {time} is not a date")))?;
        if let Some(ctx) = self.day_contexts.get(chain, day, method) {
            return Ok(ctx);
        }
        let estimate = self
            .day(chain, Some(day), method, &crate::EstimateParams::default())
            .await?;
        let metrics = self.day_metrics(chain, day).await?;
        let ctx = Arc::new(DayContext { estimate, metrics });
        self.day_contexts
            .insert(chain, day, method, Arc::clone(&ctx));
        Ok(ctx)
    }

    /// The share of one stored block; `allocation: None` is per transaction.
    pub async fn block_footprint(
        &self,
        block: &Block,
        method: Option<&str>,
        allocation: Option<Allocation>,
    ) -> Result<Allocated, ServiceError> {
        let allocation = allocation.unwrap_or(Allocation::PerTx);
        gas_metered(block, allocation)?;
        let ctx = self.day_context(&block.chain, block.time, method).await?;
        let mut inputs = BTreeMap::new();
        inputs.insert("block_height".into(), json!(block.height));
        inputs.insert("block_tx_count".into(), json!(block.tx_count));
        match allocation {
            Allocation::PerTx | Allocation::Hybrid => ctx.by_transactions(
                allocation,
                f64::from(block.tx_count),
                inputs,
                "transaction part only: a block holds no coins",
            ),
            Allocation::Size | Allocation::Gas => {
                let (mine, total, stored) = self.block_key_share(block, allocation, &ctx).await?;
                inputs.insert("day_blocks_stored".into(), json!(stored));
                ctx.by_share(allocation, mine, total, 1.0, inputs)
            }
        }
    }

    /// A block's key (bytes or gas), the sum of that key over every stored
    /// block of its day (the block's share of the day's energy), and how
    /// many blocks of the day are stored. The day's sum is the store's, so
    /// the shares of a day's stored blocks add up to the day.
    async fn block_key_share(
        &self,
        block: &Block,
        allocation: Allocation,
        ctx: &DayContext,
    ) -> Result<(u64, u64, u64), ServiceError> {
        let day = self
            .day_block_totals(&block.chain, ctx.estimate.date)
            .await?;
        let (mine, total) = if allocation == Allocation::Size {
            (block.size_bytes, day.size_bytes)
        } else {
            (block.gas_used, day.gas_used)
        };
        ctx.nonzero(total, allocation, "block sizes", "block gas")?;
        Ok((mine, total, day.blocks))
    }

    /// The share of one stored transaction within its stored `block`.
    pub async fn transaction_footprint(
        &self,
        tx: &Transaction,
        block: Option<&Block>,
        method: Option<&str>,
        allocation: Option<Allocation>,
    ) -> Result<Allocated, ServiceError> {
        let block = block.ok_or_else(|| {
            ServiceError::no_data(
                &tx.chain,
                format!(
                    "block {} of transaction {} is not stored",
                    tx.block_height, tx.txid
                ),
            )
        })?;
        let allocation = allocation.unwrap_or(Allocation::PerTx);
        gas_metered(block, allocation)?;
        let ctx = self.day_context(&tx.chain, block.time, method).await?;
        let mut inputs = BTreeMap::new();
        inputs.insert("block_height".into(), json!(block.height));
        match allocation {
            Allocation::PerTx | Allocation::Hybrid => ctx.by_transactions(
                allocation,
                1.0,
                inputs,
                "transaction part; the holdings part depends on the coins held and is not included",
            ),
            Allocation::Size | Allocation::Gas => {
                // The block's share of the day, then the transaction's share
                // of its block's own transactions: a block's transactions
                // add up to the block (the header's bytes go with them).
                let (block_key, day_key, _) = self.block_key_share(block, allocation, &ctx).await?;
                let txs = self
                    .store()
                    .block_transaction_totals(&block.chain, block.height, &block.hash)
                    .await?;
                let (mine, total) = if allocation == Allocation::Size {
                    (tx.vsize, txs.vsize)
                } else {
                    (tx.gas_used, txs.gas_used)
                };
                ctx.nonzero(
                    total,
                    allocation,
                    "transaction sizes (tx_detail off?)",
                    "transaction gas (receipts off?)",
                )?;
                inputs.insert("block_share_numerator".into(), json!(block_key));
                inputs.insert("block_share_denominator".into(), json!(day_key));
                inputs.insert("block_transactions_stored".into(), json!(txs.transactions));
                ctx.by_share(
                    allocation,
                    mine,
                    total,
                    block_key as f64 / day_key as f64,
                    inputs,
                )
            }
        }
    }
}

/// `gas` shares only where blocks are gas-metered: the block itself says
/// so by its gas limit (0 on chains without gas, such as Bitcoin).
fn gas_metered(block: &Block, allocation: Allocation) -> Result<(), ServiceError> {
    if allocation == Allocation::Gas && block.gas_limit == 0 {
        return Err(ServiceError::invalid(
            "allocation",
            format!(
                "{} blocks carry no gas; use per-tx, size or hybrid",
                block.chain
            ),
        ));
    }
    Ok(())
}

pub(crate) struct DayContext {
    estimate: Estimate,
    metrics: Option<blockwatt_domain::DailyMetrics>,
}

impl DayContext {
    fn model_err(&self, e: AnalyticsError) -> ServiceError {
        ServiceError::from_model(&self.estimate.chain, e)
    }

    /// The day's energy, kWh per bound.
    fn day_kwh(&self) -> Bounds {
        self.estimate.energy_twh_per_year.scale(1e9 / DAYS_PER_YEAR)
    }

    fn tx_count(&self) -> Option<u64> {
        self.metrics
            .as_ref()
            .and_then(|m| m.tx_count)
            .filter(|n| *n > 0)
    }

    /// A share's denominator must be stored: 0 means the sizes or the gas
    /// were not ingested, named in the error.
    fn nonzero(
        &self,
        total: u64,
        allocation: Allocation,
        sizes: &str,
        gas: &str,
    ) -> Result<(), ServiceError> {
        if total > 0 {
            return Ok(());
        }
        Err(self.no_data(if allocation == Allocation::Size {
            sizes
        } else {
            gas
        }))
    }

    fn no_data(&self, what: &str) -> ServiceError {
        let chain = &self.estimate.chain;
        ServiceError::no_data(
            chain,
            format!(
                "{chain} on {}: no {what} stored for that day",
                self.estimate.date
            ),
        )
    }

    /// kWh under `f` for each bound, then CO2e and water at the day's
    /// intensities (the estimate's own ratios, so all three agree).
    fn allocated(
        &self,
        allocation: Allocation,
        f: impl Fn(f64) -> Result<f64, AnalyticsError>,
        inputs: BTreeMap<String, serde_json::Value>,
    ) -> Result<Allocated, ServiceError> {
        let day = self.day_kwh();
        let energy = Bounds::new(
            f(day.lower).map_err(|e| self.model_err(e))?,
            f(day.best).map_err(|e| self.model_err(e))?,
            f(day.upper).map_err(|e| self.model_err(e))?,
        );
        let e = &self.estimate;
        let per_kwh = |num: Bounds, num_scale: f64| {
            let ratio = |n: f64, d: f64| {
                if d > 0.0 {
                    n * num_scale / (d * 1e9)
                } else {
                    0.0
                }
            };
            Bounds::new(
                energy.lower * ratio(num.lower, e.energy_twh_per_year.lower),
                energy.best * ratio(num.best, e.energy_twh_per_year.best),
                energy.upper * ratio(num.upper, e.energy_twh_per_year.upper),
            )
        };
        Ok(Allocated {
            method: e.method.clone(),
            methodology_version: e.methodology_version.clone(),
            allocation,
            date: e.date,
            basis: e.basis,
            as_of: e.as_of,
            energy_kwh: energy,
            // t/yr ÷ TWh/yr = t/GWh; ×1000 kg/t, ÷1e9 kWh/TWh per kWh.
            co2e_kg: per_kwh(e.co2e_t_per_year, 1000.0),
            water_l: per_kwh(e.water_m3_per_year, 1000.0),
            inputs,
        })
    }

    /// per-tx or hybrid: the day's energy per transaction (hybrid: its
    /// transaction part) times `transactions`.
    fn by_transactions(
        &self,
        allocation: Allocation,
        transactions: f64,
        mut inputs: BTreeMap<String, serde_json::Value>,
        hybrid_note: &str,
    ) -> Result<Allocated, ServiceError> {
        let day_tx = self
            .tx_count()
            .ok_or_else(|| self.no_data("transaction count"))?;
        let params = Params::default();
        inputs.insert("day_tx_count".into(), json!(day_tx));
        let method = if allocation == Allocation::Hybrid {
            inputs.insert(
                "hybrid_holdings_share".into(),
                json!(params.hybrid_holdings_share),
            );
            inputs.insert("note".into(), json!(hybrid_note));
            AllocationMethod::Hybrid
        } else {
            AllocationMethod::PerTx
        };
        self.allocated(
            allocation,
            |kwh| {
                // No holding: the hybrid's holdings part is zero, whatever the supply.
                let input = AllocationInput {
                    energy_kwh: kwh,
                    tx_count: Some(day_tx),
                    holding: Some(0.0),
                    supply: Some(1.0),
                    ..Default::default()
                };
                Ok(allocate(method, &input, &params)? * transactions)
            },
            inputs,
        )
    }

    /// size or gas: `mine` out of `total`, of the day's energy times `day_fraction`.
    fn by_share(
        &self,
        allocation: Allocation,
        mine: u64,
        total: u64,
        day_fraction: f64,
        mut inputs: BTreeMap<String, serde_json::Value>,
    ) -> Result<Allocated, ServiceError> {
        let method = if allocation == Allocation::Size {
            AllocationMethod::Size
        } else {
            AllocationMethod::Gas
        };
        inputs.insert("share_numerator".into(), json!(mine));
        inputs.insert("share_denominator".into(), json!(total));
        let params = Params::default();
        self.allocated(
            allocation,
            |kwh| {
                let input = AllocationInput {
                    energy_kwh: kwh * day_fraction,
                    tx_vbytes: Some(mine),
                    block_vbytes: Some(total),
                    tx_gas: Some(mine),
                    block_gas_used: Some(total),
                    ..Default::default()
                };
                allocate(method, &input, &params)
            },
            inputs,
        )
    }
}

//! The API's [`Estimator`], backed by the stored daily metrics and the
//! analytics models: the binary is where the API meets the models.

use std::collections::BTreeMap;

use async_trait::async_trait;
use blockwatt_analytics::{
    allocate, chain_profiles, methodology, methods, AllocationInput, AllocationMethod,
    AnalyticsError, Method, Params,
};
use blockwatt_api::estimator::{
    Allocated, Allocation, CatalogueInfo, ChainInfo, EstimateError, EstimateParams, Estimator,
    MethodInfo, MicaIndicator, MicaReport, ParameterInfo,
};
use blockwatt_domain::{Block, Bounds, Estimate, Transaction};
use chrono::{DateTime, NaiveDate};
use serde_json::json;

use crate::estimate::params_from;
use crate::footprint::{FootprintError, Footprints};

const DAYS_PER_YEAR: f64 = 365.25;

pub struct AnalyticsEstimator {
    footprints: Footprints,
}

impl AnalyticsEstimator {
    pub fn new(footprints: Footprints) -> Self {
        AnalyticsEstimator { footprints }
    }

    fn parse_method(chain: &str, method: Option<&str>) -> Result<Option<Method>, EstimateError> {
        method
            .map(|m| {
                Method::parse(m).map_err(|_| EstimateError::UnknownMethod {
                    chain: chain.to_owned(),
                    method: m.to_owned(),
                })
            })
            .transpose()
    }

    fn params(p: &EstimateParams) -> Params {
        params_from(p.price_usd_per_kwh, p.pue)
    }

    /// The day's estimate and merged metrics for a block's or transaction's day.
    async fn day_context(
        &self,
        chain: &str,
        time: i64,
        method: Option<&str>,
    ) -> Result<DayContext, EstimateError> {
        let day = DateTime::from_timestamp(time, 0)
            .map(|t| t.date_naive())
            .ok_or_else(|| EstimateError::Internal(format!("block time {time} is not a date")))?;
        let method = Self::parse_method(chain, method)?;
        let estimate = self
            .footprints
            .day(chain, Some(day), method, &Params::default())
            .await
            .map_err(to_api)?;
        let metrics = self
            .footprints
            .day_metrics(chain, day)
            .await
            .map_err(to_api)?;
        Ok(DayContext { estimate, metrics })
    }
}

struct DayContext {
    estimate: Estimate,
    metrics: Option<blockwatt_domain::DailyMetrics>,
}

impl DayContext {
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

    fn block_count(&self) -> Option<u64> {
        self.metrics
            .as_ref()
            .and_then(|m| m.block_count)
            .filter(|n| *n > 0)
    }

    fn no_data(&self, what: &str) -> EstimateError {
        EstimateError::NoData(format!(
            "{} on {}: no {what} stored for that day",
            self.estimate.chain, self.estimate.date
        ))
    }

    /// kWh under `f` for each bound, then CO2e and water at the day's
    /// intensities (the estimate's own ratios, so all three agree).
    fn allocated(
        &self,
        allocation: Allocation,
        f: impl Fn(f64) -> Result<f64, AnalyticsError>,
        inputs: BTreeMap<String, serde_json::Value>,
    ) -> Result<Allocated, EstimateError> {
        let day = self.day_kwh();
        let energy = Bounds::new(
            f(day.lower).map_err(model_err)?,
            f(day.best).map_err(model_err)?,
            f(day.upper).map_err(model_err)?,
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
    ) -> Result<Allocated, EstimateError> {
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
    ) -> Result<Allocated, EstimateError> {
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

fn model_err(e: AnalyticsError) -> EstimateError {
    to_api(FootprintError::Model(e))
}

fn to_api(e: FootprintError) -> EstimateError {
    match e {
        FootprintError::Model(m) => match m {
            AnalyticsError::UnknownChain(c) => EstimateError::UnknownChain(c),
            AnalyticsError::UnknownMethod(method) => EstimateError::UnknownMethod {
                chain: String::new(),
                method,
            },
            AnalyticsError::MethodNotApplicable { method, chain, .. } => {
                EstimateError::UnknownMethod {
                    chain,
                    method: method.to_owned(),
                }
            }
            AnalyticsError::ParameterOutOfRange { name, .. }
            | AnalyticsError::InconsistentParameters { name, .. } => {
                EstimateError::InvalidParameter {
                    name: api_parameter(name).to_owned(),
                    reason: m.to_string(),
                }
            }
            AnalyticsError::MissingInput { .. } | AnalyticsError::InvalidInput { .. } => {
                EstimateError::NoData(m.to_string())
            }
            AnalyticsError::UnknownAllocation(_) => EstimateError::InvalidParameter {
                name: "allocation".into(),
                reason: m.to_string(),
            },
            AnalyticsError::Catalogue { .. } | AnalyticsError::UnorderedDays { .. } => {
                EstimateError::Internal(m.to_string())
            }
        },
        FootprintError::NoData(chain) => {
            EstimateError::NoData(format!("no daily metrics stored for {chain}"))
        }
        FootprintError::EmptyRange { .. } => EstimateError::InvalidParameter {
            name: "from".into(),
            reason: e.to_string(),
        },
        FootprintError::Store(s) => EstimateError::Unavailable(s.to_string()),
    }
}

/// The query parameter a model parameter is set by.
fn api_parameter(model_name: &str) -> &str {
    match model_name {
        "electricity_price_usd_per_kwh" => "price",
        n if n.starts_with("pue") => "pue",
        n => n,
    }
}

fn method_title(method: Method) -> &'static str {
    match method {
        Method::CbeciV1 => "Cambridge Bitcoin Electricity Consumption Index, v1 reproduction",
        Method::Hardware => "Profitable hardware, per algorithm, weighted by age",
        Method::Economic => "Economic: miner revenue spent on electricity",
        Method::PosNodes => "Proof of stake: validator nodes by hardware class",
    }
}

fn single(v: f64) -> Bounds {
    Bounds::new(v, v, v)
}

#[async_trait]
impl Estimator for AnalyticsEstimator {
    fn chains(&self) -> Vec<ChainInfo> {
        chain_profiles(blockwatt_analytics::Catalogues::embedded())
            .into_iter()
            .map(|p| ChainInfo {
                consensus: crate::estimate::consensus_name(&p),
                slug: p.chain,
                name: p.name,
                algorithm: p.algorithm.map(str::to_owned),
                default_method: p.default_method,
                methods: p.methods.into_iter().map(str::to_owned).collect(),
            })
            .collect()
    }

    async fn footprint(
        &self,
        chain: &str,
        date: Option<NaiveDate>,
        method: Option<&str>,
        params: &EstimateParams,
    ) -> Result<Estimate, EstimateError> {
        let method = Self::parse_method(chain, method)?;
        self.footprints
            .day(chain, date, method, &Self::params(params))
            .await
            .map_err(to_api)
    }

    async fn history(
        &self,
        chain: &str,
        from: NaiveDate,
        to: NaiveDate,
        method: Option<&str>,
        params: &EstimateParams,
    ) -> Result<Vec<Estimate>, EstimateError> {
        let method = Self::parse_method(chain, method)?;
        self.footprints
            .series(chain, from, to, method, &Self::params(params))
            .await
            .map_err(to_api)
    }

    async fn block_footprint(
        &self,
        block: &Block,
        method: Option<&str>,
        allocation: Option<Allocation>,
    ) -> Result<Allocated, EstimateError> {
        let ctx = self.day_context(&block.chain, block.time, method).await?;
        let allocation = allocation.unwrap_or(Allocation::PerTx);
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
                // The block's share of everything stored for its day, summed
                // by the store rather than read block by block.
                let day = self
                    .footprints
                    .day_block_totals(&block.chain, ctx.estimate.date)
                    .await
                    .map_err(to_api)?;
                let (mine, total) = if allocation == Allocation::Size {
                    (block.size_bytes, day.size_bytes)
                } else {
                    (block.gas_used, day.gas_used)
                };
                if total == 0 {
                    return Err(ctx.no_data(if allocation == Allocation::Size {
                        "block sizes"
                    } else {
                        "block gas"
                    }));
                }
                inputs.insert("day_blocks_stored".into(), json!(day.blocks));
                ctx.by_share(allocation, mine, total, 1.0, inputs)
            }
        }
    }

    async fn transaction_footprint(
        &self,
        tx: &Transaction,
        block: Option<&Block>,
        method: Option<&str>,
        allocation: Option<Allocation>,
    ) -> Result<Allocated, EstimateError> {
        let block = block.ok_or_else(|| {
            EstimateError::NoData(format!(
                "block {} of transaction {} is not stored",
                tx.block_height, tx.txid
            ))
        })?;
        let ctx = self.day_context(&tx.chain, block.time, method).await?;
        let allocation = allocation.unwrap_or(Allocation::PerTx);
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
                // The block's time share of the day, then the transaction's share of the block.
                let blocks = ctx
                    .block_count()
                    .ok_or_else(|| ctx.no_data("block count"))?;
                inputs.insert("day_block_count".into(), json!(blocks));
                let (mine, total) = if allocation == Allocation::Size {
                    let block_vbytes = if block.weight > 0 {
                        block.weight / 4
                    } else {
                        block.size_bytes
                    };
                    (tx.vsize, block_vbytes)
                } else {
                    (tx.gas_used, block.gas_used)
                };
                ctx.by_share(allocation, mine, total, 1.0 / blocks as f64, inputs)
            }
        }
    }

    async fn mica(
        &self,
        chain: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<MicaReport, EstimateError> {
        let estimates = self
            .footprints
            .series(chain, from, to, None, &Params::default())
            .await
            .map_err(to_api)?;
        if estimates.is_empty() {
            return Err(EstimateError::NoData(format!(
                "{chain}: no estimate between {from} and {to}"
            )));
        }
        let days = self
            .footprints
            .metrics_range(chain, from, to)
            .await
            .map_err(to_api)?;
        let m = blockwatt_analytics::mica(
            blockwatt_analytics::Catalogues::embedded(),
            &estimates,
            &days,
        )
        .map_err(model_err)?;
        let note = Some(
            "best estimate; the daily bounds are in /v1/chains/{chain}/footprint/history"
                .to_owned(),
        );
        let ind = |key: &str, name: &str, unit: &str, mandatory: bool, value: Option<f64>| {
            MicaIndicator {
                key: key.into(),
                name: name.into(),
                unit: unit.into(),
                mandatory,
                value: value.map(single),
                note: note.clone(),
            }
        };
        let last = estimates
            .last()
            .map(|e| (e.method.clone(), e.methodology_version.clone()))
            .unwrap_or_default();
        Ok(MicaReport {
            chain: chain.to_owned(),
            from: m.period_start,
            to: m.period_end,
            method: m.methods.join("+"),
            methodology_version: last.1,
            indicators: vec![
                ind(
                    "energy_kwh_per_year",
                    "Energy consumption",
                    "kWh/yr",
                    true,
                    Some(m.energy_kwh_per_year),
                ),
                ind(
                    "renewable_share",
                    "Renewable energy consumption",
                    "share 0-1",
                    false,
                    Some(m.renewable_share),
                ),
                ind(
                    "energy_kwh_per_tx",
                    "Energy intensity",
                    "kWh/tx",
                    false,
                    m.energy_kwh_per_tx,
                ),
                ind(
                    "scope2_t_co2e",
                    "Scope 2 GHG emissions (location-based)",
                    "tCO2e",
                    true,
                    Some(m.scope2_t_co2e),
                ),
                ind(
                    "co2e_kg_per_tx",
                    "GHG intensity",
                    "kgCO2e/tx",
                    false,
                    m.co2e_kg_per_tx,
                ),
                ind(
                    "weee_t",
                    "Generation of waste electrical and electronic equipment",
                    "t",
                    false,
                    Some(m.weee_t),
                ),
                ind("water_m3", "Water use", "m3", false, Some(m.water_m3)),
                ind(
                    "waste_g_per_tx",
                    "Non-recycled WEEE per transaction",
                    "g/tx",
                    false,
                    m.waste_g_per_tx,
                ),
            ],
        })
        .map(|mut r| {
            if r.method.is_empty() {
                r.method = last.0;
            }
            r
        })
    }

    fn methodology(&self) -> Vec<MethodInfo> {
        let catalogues = blockwatt_analytics::Catalogues::embedded();
        let profiles = chain_profiles(catalogues);
        let d = Params::default();
        let parameters = vec![
            ParameterInfo {
                name: "price".into(),
                unit: "USD/kWh".into(),
                lower: 0.001,
                best: d.electricity_price_usd_per_kwh,
                upper: 1.0,
                source: "CBECI v1 default electricity price".into(),
            },
            ParameterInfo {
                name: "pue".into(),
                unit: "ratio".into(),
                lower: d.pue.lower,
                best: d.pue.best,
                upper: d.pue.upper,
                source: "CBECI v1 PUE bounds".into(),
            },
            ParameterInfo {
                name: "revenue_share".into(),
                unit: "share".into(),
                lower: 0.01,
                best: d.revenue_share,
                upper: 1.0,
                source: "economic method default (de Vries 2018)".into(),
            },
            ParameterInfo {
                name: "hybrid_holdings_share".into(),
                unit: "share".into(),
                lower: 0.0,
                best: d.hybrid_holdings_share,
                upper: 1.0,
                source: "stated split of the hybrid allocation".into(),
            },
        ];
        let catalogue_list: Vec<CatalogueInfo> = [
            ("cbeci_v1_hardware", "CCAF CBECI v1 hardware list (2020)"),
            ("hardware", "per-algorithm mining hardware, each row cited"),
            ("chains", "consensus, method and dated fallback inputs per chain, each cited"),
            ("grid_intensity", "Ember / Our World in Data grid carbon intensity (CC BY 4.0)"),
            ("energy_mix", "generation mix (OWID via codecarbon) and per-source water use (Meldrum et al. 2013)"),
            ("mining_map", "mining location shares (CCAF mining map), each cited"),
        ]
        .into_iter()
        .map(|(name, source)| CatalogueInfo { name: name.into(), version: env!("CARGO_PKG_VERSION").into(), source: source.into() })
        .collect();
        methods()
            .into_iter()
            .filter_map(|m| {
                let method = Method::parse(m.name).ok()?;
                let text = methodology(method);
                Some(MethodInfo {
                    name: m.name.into(),
                    title: method_title(method).to_owned(),
                    version: m.methodology_version.into(),
                    applies_to: profiles
                        .iter()
                        .filter(|p| p.methods.contains(&m.name))
                        .map(|p| p.chain.clone())
                        .collect(),
                    summary: m.summary.into(),
                    formulas: text
                        .split("\n\n")
                        .map(|p| p.trim().to_owned())
                        .filter(|p| !p.is_empty())
                        .collect(),
                    parameters: parameters.clone(),
                    catalogues: catalogue_list.clone(),
                    references: vec!["https://ccaf.io/cbnsi/cbeci/methodology".into()],
                })
            })
            .collect()
    }
}

//! Response envelopes: what the OpenAPI document describes is exactly what
//! is serialised, because these are the types the handlers return. What
//! they carry is the service's and the domain's own types (an `Estimate`,
//! a `ChainInfo`, a `Disclosure`), never a copy of them.

use std::collections::BTreeMap;

use blockwatt_domain::{Bounds, Estimate};
use blockwatt_service::{
    Allocation, ChainInfo, Distribution, MethodDescription, Reconciled, SensitivityRow,
};
use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;

/// First and last day with daily metrics in the store.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Coverage {
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    /// Whole days between `last_day` and today (UTC): 1 when yesterday, the
    /// last complete day, is stored.
    pub data_age_days: i64,
}

/// The newest stored block.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Freshness {
    pub tip_height: u64,
    /// Unix seconds.
    pub tip_time: i64,
    /// Seconds between the tip's time and the response.
    pub lag_s: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChainEntry {
    #[serde(flatten)]
    pub info: ChainInfo,
    pub coverage: Option<Coverage>,
    pub freshness: Option<Freshness>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChainsBody {
    pub chains: Vec<ChainEntry>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HistoryBody {
    pub chain: String,
    pub method: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The largest range accepted, days.
    pub max_days: u32,
    pub estimates: Vec<Estimate>,
}

/// The footprint share of one block or one transaction.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AllocatedBody {
    pub chain: String,
    /// `block` or `transaction`.
    pub subject: String,
    pub block_height: u64,
    pub block_hash: String,
    pub txid: Option<String>,
    pub date: NaiveDate,
    /// How the day's chain-level figures were obtained, and the newest day
    /// of data they use.
    pub basis: blockwatt_domain::Basis,
    pub as_of: NaiveDate,
    pub method: String,
    pub methodology_version: String,
    pub allocation: Allocation,
    pub energy_kwh: Bounds,
    pub co2e_kg: Bounds,
    pub water_l: Bounds,
    #[schema(value_type = Object)]
    pub inputs: BTreeMap<String, serde_json::Value>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CompareBody {
    /// The day compared: the requested one or, without one, the newest day
    /// every listed chain has data for (each estimate's `as_of` says how
    /// old its data is).
    pub date: NaiveDate,
    pub chains: Vec<Estimate>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MethodologyBody {
    pub methods: Vec<MethodDescription>,
}

// ---- CSV -------------------------------------------------------------------

pub(crate) const BOUNDED: [&str; 3] = ["lower", "best", "upper"];

pub(crate) fn csv_finish(w: csv::Writer<Vec<u8>>) -> Result<Vec<u8>, ApiError> {
    w.into_inner()
        .map_err(|e| ApiError::Internal(format!("csv: {e}")))
}

pub(crate) fn csv_err(e: csv::Error) -> ApiError {
    ApiError::Internal(format!("csv: {e}"))
}

pub(crate) fn push_bounds(row: &mut Vec<String>, b: Option<&Bounds>) {
    match b {
        Some(b) => row.extend([b.lower, b.best, b.upper].map(|v| v.to_string())),
        None => row.extend(std::iter::repeat_n(String::new(), 3)),
    }
}

/// Every figure other indices published for a chain, beside ours.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReconcileBody {
    pub chain: String,
    /// One entry per published figure (those of `date` when given), each
    /// with its source, our default estimate of its day, our estimate by
    /// the same approach where we have one, and the gap in words.
    pub figures: Vec<Reconciled>,
}

/// A day's estimate; with `explain=sensitivity`, also its parameters
/// ranked by how much each moves the best figure it acts on.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExplainedEstimate {
    #[serde(flatten)]
    pub estimate: Estimate,
    /// Only with `explain=sensitivity`: each parameter moved across its
    /// stated range with the others at their best, largest swing first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sensitivity: Option<Vec<SensitivityRow>>,
    /// Only with `explain=distribution`: percentiles of a seeded Monte
    /// Carlo (10,000 draws, seed 1) over the same parameters' ranges,
    /// beside the estimate's lower / best / upper bounds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distribution: Option<Distribution>,
}

/// The sensitivity rows, largest swing first; the estimate's chain, day
/// and method on every row, so the file explains itself.
pub fn sensitivity_csv(estimate: &Estimate, rows: &[SensitivityRow]) -> Result<Vec<u8>, ApiError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "chain",
        "date",
        "as_of",
        "method",
        "parameter",
        "unit",
        "low",
        "best",
        "high",
        "range",
        "figure",
        "figure_at_low",
        "figure_at_best",
        "figure_at_high",
        "swing",
    ])
    .map_err(csv_err)?;
    for r in rows {
        w.write_record([
            estimate.chain.clone(),
            estimate.date.to_string(),
            estimate.as_of.to_string(),
            estimate.method.clone(),
            r.parameter.to_owned(),
            r.unit.to_owned(),
            r.low.to_string(),
            r.best.to_string(),
            r.high.to_string(),
            r.range.to_owned(),
            r.figure.to_owned(),
            r.figure_at_low.map(|v| v.to_string()).unwrap_or_default(),
            r.figure_at_best.to_string(),
            r.figure_at_high.map(|v| v.to_string()).unwrap_or_default(),
            r.swing.to_string(),
        ])
        .map_err(csv_err)?;
    }
    csv_finish(w)
}

/// The distribution's percentiles, one row per figure.
pub fn distribution_csv(estimate: &Estimate, d: &Distribution) -> Result<Vec<u8>, ApiError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "chain", "date", "as_of", "method", "figure", "draws", "seed", "p5", "p25", "p50", "p75",
        "p95", "lower", "best", "upper",
    ])
    .map_err(csv_err)?;
    for (figure, q, b) in [
        (
            "energy_twh_per_year",
            d.energy_twh_per_year,
            estimate.energy_twh_per_year,
        ),
        (
            "co2e_t_per_year",
            d.co2e_t_per_year,
            estimate.co2e_t_per_year,
        ),
    ] {
        let Some(q) = q else { continue };
        let mut row = vec![
            estimate.chain.clone(),
            estimate.date.to_string(),
            estimate.as_of.to_string(),
            estimate.method.clone(),
            figure.to_owned(),
            d.draws.to_string(),
            d.seed.to_string(),
        ];
        row.extend([q.p5, q.p25, q.p50, q.p75, q.p95].map(|v| v.to_string()));
        push_bounds(&mut row, Some(&b));
        w.write_record(&row).map_err(csv_err)?;
    }
    csv_finish(w)
}

/// One row per estimate; each quantity's unit is in its column name
/// (`energy_twh_per_year_best`), so the file explains itself.
pub fn estimates_csv(rows: &[Estimate]) -> Result<Vec<u8>, ApiError> {
    let mut header: Vec<String> = [
        "chain",
        "date",
        "basis",
        "as_of",
        "method",
        "methodology_version",
    ]
    .map(String::from)
    .to_vec();
    header.extend(quantity_columns());
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&header).map_err(csv_err)?;
    for e in rows {
        let mut row = vec![
            e.chain.clone(),
            e.date.to_string(),
            e.basis.to_string(),
            e.as_of.to_string(),
            e.method.clone(),
            e.methodology_version.clone(),
        ];
        push_quantities(&mut row, e);
        w.write_record(&row).map_err(csv_err)?;
    }
    csv_finish(w)
}

/// An estimate's quantities as CSV columns, each named with its unit.
const QUANTITIES: [&str; 7] = [
    "power_w",
    "energy_twh_per_year",
    "co2e_t_per_year",
    "water_m3_per_year",
    "ewaste_t_per_year",
    "per_tx_energy_kwh",
    "per_tx_co2e_kg",
];

pub(crate) fn quantity_columns() -> impl Iterator<Item = String> {
    QUANTITIES
        .into_iter()
        .flat_map(|q| BOUNDED.map(|b| format!("{q}_{b}")))
}

/// The values of [`quantity_columns`], in their order.
pub(crate) fn push_quantities(row: &mut Vec<String>, e: &Estimate) {
    for b in [
        &e.power_w,
        &e.energy_twh_per_year,
        &e.co2e_t_per_year,
        &e.water_m3_per_year,
        &e.ewaste_t_per_year,
    ] {
        push_bounds(row, Some(b));
    }
    push_bounds(row, e.per_tx.as_ref().map(|p| &p.energy_kwh));
    push_bounds(row, e.per_tx.as_ref().map(|p| &p.co2e_kg));
}

pub fn chains_csv(rows: &[ChainEntry]) -> Result<Vec<u8>, ApiError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "slug",
        "name",
        "consensus",
        "algorithm",
        "default_method",
        "methods",
        "launched",
        "first_day",
        "last_day",
        "data_age_days",
        "tip_height",
        "tip_time_unix_s",
        "lag_s",
    ])
    .map_err(csv_err)?;
    for c in rows {
        let opt = |v: Option<String>| v.unwrap_or_default();
        w.write_record([
            c.info.slug.clone(),
            c.info.name.clone(),
            c.info.consensus.as_str().to_owned(),
            opt(c.info.algorithm.clone()),
            c.info.default_method.clone(),
            c.info.methods.join(";"),
            opt(c.info.launched.map(|d| d.to_string())),
            opt(c.coverage.as_ref().map(|v| v.first_day.to_string())),
            opt(c.coverage.as_ref().map(|v| v.last_day.to_string())),
            opt(c.coverage.as_ref().map(|v| v.data_age_days.to_string())),
            opt(c.freshness.as_ref().map(|v| v.tip_height.to_string())),
            opt(c.freshness.as_ref().map(|v| v.tip_time.to_string())),
            opt(c.freshness.as_ref().map(|v| v.lag_s.to_string())),
        ])
        .map_err(csv_err)?;
    }
    csv_finish(w)
}

/// The disclosure as CSV, one row per field (written by the model crate,
/// so the CLI writes the same file).
pub fn mica_csv(body: &blockwatt_service::Disclosure) -> Result<Vec<u8>, ApiError> {
    body.to_csv().map_err(csv_err)
}

/// A contract's footprint per day; the contract and the period repeat on
/// every row.
pub fn contract_csv(body: &blockwatt_service::ContractFootprint) -> Result<Vec<u8>, ApiError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "chain",
        "contract",
        "date",
        "contract_transactions",
        "chain_transactions",
        "counted_by",
        "share_lower",
        "share_best",
        "share_upper",
        "energy_kwh_lower",
        "energy_kwh_best",
        "energy_kwh_upper",
    ])
    .map_err(csv_err)?;
    for d in &body.days {
        w.write_record([
            body.chain.clone(),
            body.contract.clone(),
            d.date.to_string(),
            d.contract_transactions
                .map(|n| n.to_string())
                .unwrap_or_default(),
            d.chain_transactions
                .map(|n| n.to_string())
                .unwrap_or_default(),
            d.counted_by.clone(),
            d.share.lower.to_string(),
            d.share.best.to_string(),
            d.share.upper.to_string(),
            d.energy_kwh.lower.to_string(),
            d.energy_kwh.best.to_string(),
            d.energy_kwh.upper.to_string(),
        ])
        .map_err(csv_err)?;
    }
    csv_finish(w)
}

//! Response bodies: what the OpenAPI document describes is exactly what is
//! serialised, because these are the types the handlers return.

use std::collections::BTreeMap;

use blockwatt_domain::{Bounds, Estimate, PerTransaction};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::estimator::{Allocation, ChainInfo, MethodInfo, MicaIndicator, MicaReport};

/// `lower <= best <= upper` (documentation twin of the domain `Bounds`).
#[derive(ToSchema)]
#[schema(as = Bounds)]
#[allow(dead_code)] // only its schema is used
pub struct BoundsDoc {
    pub lower: f64,
    pub best: f64,
    pub upper: f64,
}

/// Per-transaction share (documentation twin of the domain type).
#[derive(ToSchema)]
#[schema(as = PerTransaction)]
#[allow(dead_code)] // only its schema is used
pub struct PerTransactionDoc {
    #[schema(value_type = BoundsDoc)]
    pub energy_kwh: Bounds,
    #[schema(value_type = BoundsDoc)]
    pub co2e_kg: Bounds,
}

/// One chain's footprint on one day by one method.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EstimateBody {
    pub chain: String,
    pub date: NaiveDate,
    pub method: String,
    pub methodology_version: String,
    /// Average electrical power, W.
    #[schema(value_type = BoundsDoc)]
    pub power_w: Bounds,
    /// Annualised energy, TWh per year.
    #[schema(value_type = BoundsDoc)]
    pub energy_twh_per_year: Bounds,
    /// Annualised emissions, tonnes CO2e per year.
    #[schema(value_type = BoundsDoc)]
    pub co2e_t_per_year: Bounds,
    /// Annualised water consumption, m3 per year.
    #[schema(value_type = BoundsDoc)]
    pub water_m3_per_year: Bounds,
    /// Annualised electronic waste, tonnes per year.
    #[schema(value_type = BoundsDoc)]
    pub ewaste_t_per_year: Bounds,
    /// Per-transaction averages, where the day's transaction count is known.
    #[schema(value_type = Option<PerTransactionDoc>)]
    pub per_tx: Option<PerTransaction>,
    /// Every input the method used, by name.
    #[schema(value_type = Object)]
    pub inputs: BTreeMap<String, serde_json::Value>,
}

impl From<Estimate> for EstimateBody {
    fn from(e: Estimate) -> Self {
        // Exhaustive on purpose: a field added to the domain type fails to
        // compile here instead of silently missing from the API.
        let Estimate {
            chain,
            date,
            method,
            methodology_version,
            power_w,
            energy_twh_per_year,
            co2e_t_per_year,
            water_m3_per_year,
            ewaste_t_per_year,
            per_tx,
            inputs,
        } = e;
        EstimateBody {
            chain,
            date,
            method,
            methodology_version,
            power_w,
            energy_twh_per_year,
            co2e_t_per_year,
            water_m3_per_year,
            ewaste_t_per_year,
            per_tx,
            inputs,
        }
    }
}

/// First and last day with daily metrics in the store.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Coverage {
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
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
    pub estimates: Vec<EstimateBody>,
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
    pub method: String,
    pub methodology_version: String,
    pub allocation: Allocation,
    #[schema(value_type = BoundsDoc)]
    pub energy_kwh: Bounds,
    #[schema(value_type = BoundsDoc)]
    pub co2e_kg: Bounds,
    #[schema(value_type = BoundsDoc)]
    pub water_l: Bounds,
    #[schema(value_type = Object)]
    pub inputs: BTreeMap<String, serde_json::Value>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CompareBody {
    /// The requested day; absent means each chain's latest day.
    pub date: Option<NaiveDate>,
    pub chains: Vec<EstimateBody>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MicaIndicatorBody {
    pub key: String,
    pub name: String,
    pub unit: String,
    pub mandatory: bool,
    #[schema(value_type = Option<BoundsDoc>)]
    pub value: Option<Bounds>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MicaBody {
    pub chain: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub method: String,
    pub methodology_version: String,
    pub indicators: Vec<MicaIndicatorBody>,
}

impl From<MicaReport> for MicaBody {
    fn from(r: MicaReport) -> Self {
        let MicaReport {
            chain,
            from,
            to,
            method,
            methodology_version,
            indicators,
        } = r;
        MicaBody {
            chain,
            from,
            to,
            method,
            methodology_version,
            indicators: indicators
                .into_iter()
                .map(|i| {
                    let MicaIndicator {
                        key,
                        name,
                        unit,
                        mandatory,
                        value,
                        note,
                    } = i;
                    MicaIndicatorBody {
                        key,
                        name,
                        unit,
                        mandatory,
                        value,
                        note,
                    }
                })
                .collect(),
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MethodologyBody {
    pub methods: Vec<MethodInfo>,
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

/// One row per estimate; each quantity's unit is in its column name
/// (`energy_twh_per_year_best`), so the file explains itself.
pub fn estimates_csv(rows: &[EstimateBody]) -> Result<Vec<u8>, ApiError> {
    let mut header: Vec<String> = ["chain", "date", "method", "methodology_version"]
        .map(String::from)
        .to_vec();
    header.extend(quantity_columns());
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&header).map_err(csv_err)?;
    for e in rows {
        let mut row = vec![
            e.chain.clone(),
            e.date.to_string(),
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
pub(crate) fn push_quantities(row: &mut Vec<String>, e: &EstimateBody) {
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
        "first_day",
        "last_day",
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
            c.info.consensus.clone(),
            opt(c.info.algorithm.clone()),
            c.info.default_method.clone(),
            c.info.methods.join(";"),
            opt(c.coverage.as_ref().map(|v| v.first_day.to_string())),
            opt(c.coverage.as_ref().map(|v| v.last_day.to_string())),
            opt(c.freshness.as_ref().map(|v| v.tip_height.to_string())),
            opt(c.freshness.as_ref().map(|v| v.tip_time.to_string())),
            opt(c.freshness.as_ref().map(|v| v.lag_s.to_string())),
        ])
        .map_err(csv_err)?;
    }
    csv_finish(w)
}

/// Indicators carry their unit in a column of their own (units differ by row).
pub fn mica_csv(body: &MicaBody) -> Result<Vec<u8>, ApiError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "chain",
        "from",
        "to",
        "key",
        "name",
        "unit",
        "mandatory",
        "lower",
        "best",
        "upper",
        "note",
    ])
    .map_err(csv_err)?;
    for i in &body.indicators {
        let mut row = vec![
            body.chain.clone(),
            body.from.to_string(),
            body.to.to_string(),
            i.key.clone(),
            i.name.clone(),
            i.unit.clone(),
            i.mandatory.to_string(),
        ];
        push_bounds(&mut row, i.value.as_ref());
        row.push(i.note.clone().unwrap_or_default());
        w.write_record(&row).map_err(csv_err)?;
    }
    csv_finish(w)
}

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A quantity with its uncertainty: `lower <= best <= upper`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Bounds {
    pub lower: f64,
    pub best: f64,
    pub upper: f64,
}

impl Bounds {
    pub fn new(lower: f64, best: f64, upper: f64) -> Self {
        Bounds { lower, best, upper }
    }

    /// The same factor applied to all three.
    pub fn scale(self, factor: f64) -> Self {
        Bounds::new(self.lower * factor, self.best * factor, self.upper * factor)
    }

    pub fn is_ordered(&self) -> bool {
        self.lower <= self.best && self.best <= self.upper
    }
}

/// Per-transaction averages of a day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PerTransaction {
    pub energy_kwh: Bounds,
    pub co2e_kg: Bounds,
}

/// One chain's footprint on one day by one method (JSON shape in DESIGN.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Estimate {
    pub chain: String,
    pub date: NaiveDate,
    pub method: String,
    pub methodology_version: String,
    /// Average electrical power, W.
    pub power_w: Bounds,
    /// Annualised energy, TWh per year.
    pub energy_twh_per_year: Bounds,
    /// Annualised emissions, tonnes CO2e per year.
    pub co2e_t_per_year: Bounds,
    /// Annualised water consumption, m3 per year.
    pub water_m3_per_year: Bounds,
    /// Annualised electronic waste, tonnes per year.
    pub ewaste_t_per_year: Bounds,
    /// Per-transaction averages, where the day's transaction count is known.
    pub per_tx: Option<PerTransaction>,
    /// Every input the method used, by name, so a reader can redo the sum.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub inputs: BTreeMap<String, serde_json::Value>,
}

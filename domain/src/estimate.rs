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

/// How the figures of an estimate were obtained, said on top of every
/// estimate so no reader mistakes a guess or an old figure for a
/// measurement of the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Basis {
    /// Every input is stored data of the estimated day. (Index documents
    /// published before this field called it `stored`.)
    #[serde(alias = "stored")]
    Measured,
    /// The day has no data yet: the figure is the newest measured day's
    /// (`as_of`), carried forward a few days at most.
    CarriedForward,
    /// At least one input is the catalogue's dated fallback (`as_of` is its
    /// date), used only within a stated distance of that date.
    Fallback,
}

impl Basis {
    pub fn as_str(self) -> &'static str {
        match self {
            Basis::Measured => "measured",
            Basis::CarriedForward => "carried-forward",
            Basis::Fallback => "fallback",
        }
    }
}

impl std::fmt::Display for Basis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One chain's footprint on one day by one method (JSON shape in DESIGN.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(from = "EstimateRecord")]
pub struct Estimate {
    pub chain: String,
    pub date: NaiveDate,
    /// How the figures were obtained.
    pub basis: Basis,
    /// The newest day of data the figures actually use: `date` when
    /// measured, older when carried forward or from a fallback.
    pub as_of: NaiveDate,
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

/// An estimate as stored in published index documents, which may predate
/// `basis` and `as_of`: those read as the publisher judged them then (a
/// fallback input makes `fallback` as of its date, else `measured` as of
/// the day), so an old index stays readable and says the same.
#[derive(Deserialize)]
struct EstimateRecord {
    chain: String,
    date: NaiveDate,
    #[serde(default)]
    basis: Option<Basis>,
    #[serde(default)]
    as_of: Option<NaiveDate>,
    method: String,
    methodology_version: String,
    power_w: Bounds,
    energy_twh_per_year: Bounds,
    co2e_t_per_year: Bounds,
    water_m3_per_year: Bounds,
    ewaste_t_per_year: Bounds,
    per_tx: Option<PerTransaction>,
    inputs: BTreeMap<String, serde_json::Value>,
}

impl From<EstimateRecord> for Estimate {
    fn from(r: EstimateRecord) -> Self {
        let fallback_since = r
            .inputs
            .values()
            .filter(|v| v.get("fallback").and_then(serde_json::Value::as_bool) == Some(true))
            .filter_map(|v| v.get("as_of")?.as_str()?.parse::<NaiveDate>().ok())
            .min();
        let (basis, as_of) = match (r.basis, r.as_of, fallback_since) {
            (Some(b), Some(a), _) => (b, a),
            (_, _, Some(since)) => (Basis::Fallback, since),
            (b, a, None) => (b.unwrap_or(Basis::Measured), a.unwrap_or(r.date)),
        };
        Estimate {
            chain: r.chain,
            date: r.date,
            basis,
            as_of,
            method: r.method,
            methodology_version: r.methodology_version,
            power_w: r.power_w,
            energy_twh_per_year: r.energy_twh_per_year,
            co2e_t_per_year: r.co2e_t_per_year,
            water_m3_per_year: r.water_m3_per_year,
            ewaste_t_per_year: r.ewaste_t_per_year,
            per_tx: r.per_tx,
            inputs: r.inputs,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An estimate as index documents published before `basis` held it.
    fn legacy(inputs: serde_json::Value) -> serde_json::Value {
        let b = serde_json::json!({"lower": 1.0, "best": 2.0, "upper": 3.0});
        serde_json::json!({
            "chain": "solana", "date": "2025-03-01", "method": "pos-nodes",
            "methodology_version": "pos-nodes.1", "power_w": b,
            "energy_twh_per_year": b, "co2e_t_per_year": b, "water_m3_per_year": b,
            "ewaste_t_per_year": b, "per_tx": null, "inputs": inputs,
        })
    }

    #[test]
    fn documents_published_before_basis_read_back_as_their_publisher_judged() {
        let fallback = legacy(serde_json::json!({
            "node_count_from": {"fallback": true, "as_of": "2025-01-01", "source": "x"}
        }));
        let e: Estimate = serde_json::from_value(fallback).unwrap();
        assert_eq!(e.basis, Basis::Fallback);
        assert_eq!(e.as_of.to_string(), "2025-01-01");
        let measured: Estimate = serde_json::from_value(legacy(
            serde_json::json!({"node_count_from": "daily_metrics"}),
        ))
        .unwrap();
        assert_eq!(measured.basis, Basis::Measured);
        assert_eq!(measured.as_of, measured.date);
        // What is written now reads back unchanged.
        let mut carried = measured.clone();
        carried.basis = Basis::CarriedForward;
        carried.as_of = "2025-02-27".parse().unwrap();
        let again: Estimate =
            serde_json::from_str(&serde_json::to_string(&carried).unwrap()).unwrap();
        assert_eq!(again, carried);
        let json = serde_json::to_value(&carried).unwrap();
        assert_eq!(json["basis"], "carried-forward");
        assert_eq!(
            serde_json::from_value::<Basis>(serde_json::json!("stored")).unwrap(),
            Basis::Measured
        );
    }
}

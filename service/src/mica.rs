//! MiCA sustainability indicators of a chain over a period.

use blockwatt_domain::Bounds;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{Footprints, ServiceError};

/// One MiCA sustainability indicator over a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MicaIndicator {
    /// Stable key (`energy_kwh_per_year`).
    pub key: String,
    pub name: String,
    pub unit: String,
    /// Whether the delegated regulation makes it mandatory for every issuer.
    pub mandatory: bool,
    /// Absent when the data to compute it is missing; `note` says why.
    pub value: Option<Bounds>,
    pub note: Option<String>,
}

/// The MiCA sustainability indicators of one chain for a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MicaReport {
    pub chain: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub method: String,
    pub methodology_version: String,
    pub indicators: Vec<MicaIndicator>,
}

fn single(v: f64) -> Bounds {
    Bounds::new(v, v, v)
}

impl Footprints {
    /// The MiCA sustainability indicators of `chain` for `from ..= to`.
    pub async fn mica(
        &self,
        chain: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<MicaReport, ServiceError> {
        let estimates = self
            .series(chain, from, to, None, &crate::EstimateParams::default())
            .await?;
        if estimates.is_empty() {
            return Err(ServiceError::no_data(
                chain,
                format!("{chain}: no estimate between {from} and {to}"),
            ));
        }
        let days = self.metrics_range(chain, from, to).await?;
        let m = blockwatt_analytics::mica(self.catalogues(), &estimates, &days)
            .map_err(|e| ServiceError::from_model(chain, e))?;
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
}

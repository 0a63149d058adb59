//! Parameters a caller may change, with their defaults and allowed ranges.
//! `validate` is called by every public entry point before any arithmetic.

use serde::{Deserialize, Serialize};

use crate::error::{check_range, AnalyticsError, Result};

/// What a caller may set the electricity price to, USD/kWh (inclusive).
/// Not zero: the economic model divides by the price. Every interface that
/// takes a price (the API's `price`, the CLI's `--price`) checks against
/// this range and documents it, so none accepts what the models refuse.
pub const ELECTRICITY_PRICE_RANGE: (f64, f64) = (0.001, 1.0);

/// What a caller may set the power usage effectiveness to (inclusive).
pub const PUE_RANGE: (f64, f64) = (1.0, 3.0);

/// Power usage effectiveness (facility power ÷ IT power) for the three bounds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Pue {
    pub lower: f64,
    pub best: f64,
    pub upper: f64,
}

impl Default for Pue {
    /// CBECI v1's values: hyperscale-like 1.01, typical 1.10, poor 1.20.
    fn default() -> Self {
        Pue {
            lower: 1.01,
            best: 1.10,
            upper: 1.20,
        }
    }
}

/// What a caller may set the rig factor to (inclusive).
pub const RIG_FACTOR_RANGE: (f64, f64) = (1.0, 3.0);

/// Wall power ÷ board power of a mining rig, for the three bounds: what a
/// machine listed by its card's or processor's own draw (`power_at = board`
/// in `hardware.csv`: GPU-reported power, board power, TDP) takes from the
/// socket once its power supply's losses and the rest of the rig are counted.
/// Machines listed at the wall (ASICs' specifications) do not take it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RigFactor {
    pub lower: f64,
    pub best: f64,
    pub upper: f64,
}

impl Default for RigFactor {
    /// McDonald (2022), `input/power-parameters.json`
    /// [mcdonald-ethereum-emissions]: hardware overhead (the rest of a GPU
    /// rig) over power-supply efficiency, 1.01 / 0.95, 1.03 / 0.90 and
    /// 1.06 / 0.80 for his lower, best and upper estimates. He measured
    /// them on GPU rigs; a CPU miner's other parts draw more, so for
    /// processors the factor errs low.
    fn default() -> Self {
        RigFactor {
            lower: 1.01 / 0.95,
            best: 1.03 / 0.90,
            upper: 1.06 / 0.80,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// Electricity price miners pay, USD/kWh. Default 0.05 (CBECI v1). Range [0.001, 1].
    pub electricity_price_usd_per_kwh: f64,
    /// PUE per bound. Each in [1, 3], and lower <= best <= upper.
    pub pue: Pue,
    /// Board-to-wall factor of machines listed by board power (hardware
    /// method), per bound. Each in [1, 3], and lower <= best <= upper.
    #[serde(default)]
    pub rig_factor: RigFactor,
    /// Hardware lifetime in years for e-waste; `None` uses the per-algorithm
    /// default (1.29 y for SHA-256 ASICs, de Vries & Stoll 2021). Range [0.25, 20].
    pub hardware_lifetime_years: Option<f64>,
    /// Share of miner revenue spent on electricity (economic method). Default 0.6. Range [0.01, 1].
    pub revenue_share: f64,
    /// Share of a day's energy allocated to holdings in the hybrid allocation. Default 0.5. Range [0, 1].
    pub hybrid_holdings_share: f64,
    /// Trailing window of the profitability threshold, days. Default 14. Range [1, 365].
    pub threshold_window_days: usize,
    /// Trailing window of the annualised series, days. Default 7. Range [1, 365].
    pub smoothing_window_days: usize,
    /// Delay between announcement and hardware running at scale, months
    /// (hardware method). Default 2. Range [0, 24].
    pub shipping_delay_months: u32,
    /// Share of the location mix moved to the cleanest / dirtiest location for
    /// the carbon and water bounds: how wrong the mining map may be. Default 0.2. Range [0, 1].
    pub location_uncertainty_share: f64,
    /// cbeci-v1 only: start its 14-day threshold and 7-day smoothing
    /// windows cold on this day, as the published v1 series did on its
    /// first day, ignoring every earlier day; the days before it get no
    /// cbeci-v1 figure. `None` (the default) runs the windows over the
    /// whole history given, so each day's windows are full ("warm").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cold_start: Option<chrono::NaiveDate>,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            electricity_price_usd_per_kwh: 0.05,
            pue: Pue::default(),
            rig_factor: RigFactor::default(),
            hardware_lifetime_years: None,
            revenue_share: 0.6,
            hybrid_holdings_share: 0.5,
            threshold_window_days: 14,
            smoothing_window_days: 7,
            shipping_delay_months: 2,
            location_uncertainty_share: 0.2,
            cold_start: None,
        }
    }
}

impl Params {
    /// Errors on the first parameter out of range, naming it.
    pub fn validate(&self) -> Result<()> {
        let (min_price, max_price) = ELECTRICITY_PRICE_RANGE;
        check_range(
            "electricity_price_usd_per_kwh",
            self.electricity_price_usd_per_kwh,
            min_price,
            max_price,
        )?;
        let pue = self.pue;
        check_ordered(
            "pue",
            ["pue.lower", "pue.best", "pue.upper"],
            [pue.lower, pue.best, pue.upper],
            PUE_RANGE,
        )?;
        let rig = self.rig_factor;
        check_ordered(
            "rig_factor",
            ["rig_factor.lower", "rig_factor.best", "rig_factor.upper"],
            [rig.lower, rig.best, rig.upper],
            RIG_FACTOR_RANGE,
        )?;
        if let Some(years) = self.hardware_lifetime_years {
            check_range("hardware_lifetime_years", years, 0.25, 20.0)?;
        }
        check_range("revenue_share", self.revenue_share, 0.01, 1.0)?;
        check_range(
            "hybrid_holdings_share",
            self.hybrid_holdings_share,
            0.0,
            1.0,
        )?;
        check_range(
            "threshold_window_days",
            self.threshold_window_days as f64,
            1.0,
            365.0,
        )?;
        check_range(
            "smoothing_window_days",
            self.smoothing_window_days as f64,
            1.0,
            365.0,
        )?;
        check_range(
            "shipping_delay_months",
            f64::from(self.shipping_delay_months),
            0.0,
            24.0,
        )?;
        check_range(
            "location_uncertainty_share",
            self.location_uncertainty_share,
            0.0,
            1.0,
        )?;
        Ok(())
    }

    /// A copy with another electricity price (validated by the caller's
    /// next `validate`).
    pub fn with_price(mut self, usd_per_kwh: f64) -> Self {
        self.electricity_price_usd_per_kwh = usd_per_kwh;
        self
    }

    pub fn with_pue(mut self, pue: Pue) -> Self {
        self.pue = pue;
        self
    }

    pub fn with_rig_factor(mut self, rig_factor: RigFactor) -> Self {
        self.rig_factor = rig_factor;
        self
    }

    /// The parameters as estimate inputs, so a reader can redo the sum.
    pub(crate) fn record(&self, inputs: &mut crate::Inputs) {
        inputs.insert(
            "electricity_price_usd_per_kwh".into(),
            self.electricity_price_usd_per_kwh.into(),
        );
        inputs.insert(
            "pue".into(),
            serde_json::json!({"lower": self.pue.lower, "best": self.pue.best, "upper": self.pue.upper}),
        );
    }
}

/// A lower / best / upper triple: each in `range` (named by `names`), in
/// order (named by `name`).
fn check_ordered(
    name: &'static str,
    names: [&'static str; 3],
    values: [f64; 3],
    range: (f64, f64),
) -> Result<()> {
    for (n, v) in names.into_iter().zip(values) {
        check_range(n, v, range.0, range.1)?;
    }
    let [lower, best, upper] = values;
    if !(lower <= best && best <= upper) {
        return Err(AnalyticsError::InconsistentParameters {
            name,
            why: "need lower <= best <= upper",
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        assert_eq!(Params::default().validate(), Ok(()));
    }

    #[test]
    fn out_of_range_names_the_parameter() {
        let err = Params::default().with_price(5.0).validate().unwrap_err();
        assert!(matches!(
            err,
            AnalyticsError::ParameterOutOfRange {
                name: "electricity_price_usd_per_kwh",
                ..
            }
        ));
        let p = Params {
            hardware_lifetime_years: Some(0.0),
            ..Params::default()
        };
        assert!(p
            .validate()
            .unwrap_err()
            .to_string()
            .contains("hardware_lifetime_years"));
        let p = Params {
            revenue_share: f64::NAN,
            ..Params::default()
        };
        assert!(p
            .validate()
            .unwrap_err()
            .to_string()
            .contains("revenue_share"));
        let p = Params {
            hybrid_holdings_share: 1.5,
            ..Params::default()
        };
        assert!(p
            .validate()
            .unwrap_err()
            .to_string()
            .contains("hybrid_holdings_share"));
    }

    #[test]
    fn unordered_pue_is_rejected() {
        let p = Params::default().with_pue(Pue {
            lower: 1.3,
            best: 1.1,
            upper: 1.2,
        });
        assert!(matches!(
            p.validate(),
            Err(AnalyticsError::InconsistentParameters { name: "pue", .. })
        ));
    }
}

//! `cbeci-v1`: the Cambridge Bitcoin Electricity Consumption Index as it was
//! computed in 2019–2021 (CCAF; backend `dektox/mining_energy_consumption`).
//!
//! Per day: a profitability threshold in J/GH from miner revenue, hashrate
//! and the electricity price, smoothed over 14 days; every model of the
//! index's 2020 hardware list released before the day and more efficient
//! than the threshold is "profitable"; power = efficiency × hashrate × PUE
//! with the most efficient model (lower), the plain mean (best) and the
//! least efficient one (upper); then a 7-day mean of the annualised series.
//!
//! The formula, the strict comparisons (released before the day's midnight,
//! efficiency strictly below the threshold), the PUEs, the carry-forward and
//! both rolling means (pandas `rolling(window, min_periods=1)`, which skips
//! missing values) follow the index's backend `data_fetch_calc.py`.
//!
//! What the published numbers we compare with are: `tests/cbeci_reproduction.rs`
//! checks 2019–2020 days against a late-2022 download of the index (CBECI API
//! v1.2.0), and lands within 5% of it. That download is a later release than
//! the 2020 method and list implemented here: its hardware list is longer
//! (its 2014 values differ from ours by up to 70%), and it was computed from
//! blockchain.com's `hash-rate` and `miners-revenue` charts where we read Coin
//! Metrics. So the gap is method release and inputs together, not inputs
//! alone; with that release's own list and inputs the v1 formula is reported
//! to agree to about 1e-9, which we cannot check here (neither is available
//! offline). `Params::cold_start` starts both windows on a given day, as the
//! published series did on its first day; without it the windows run over
//! the whole history given.
//!
//! This implementation is incremental: the threshold window is a running
//! sum, and released models are kept sorted by efficiency with prefix sums,
//! so a day costs one binary search. `crate::reference` has the
//! straightforward version it is tested and benchmarked against.

use blockwatt_domain::Bounds;

use crate::catalogue::CbeciModel;
use crate::error::{check_non_negative, Result};
use crate::params::Params;
use crate::smoothing::{trailing_mean, trailing_mean_dense};
use crate::units::{watts_to_twh_per_year, JOULES_PER_KWH, SECONDS_PER_DAY};

/// One day's inputs in the index's own units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CbeciInput {
    /// 00:00 UTC of the day, Unix seconds: a model counts from the first day
    /// whose midnight is after its release instant, as in the index.
    pub day_unix: i64,
    /// Network hashrate, TH/s.
    pub hashrate_th_s: Option<f64>,
    /// Miner revenue (subsidy + fees), USD/day.
    pub revenue_usd: Option<f64>,
}

/// One day of the index, before and after smoothing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CbeciDay {
    pub day_unix: i64,
    /// The 14-day mean threshold the day was judged against, J/GH.
    pub threshold_j_per_gh: Option<f64>,
    /// How many models were profitable; 0 means the values were carried forward.
    pub profitable_models: usize,
    /// Efficiency of the most efficient, mean and least efficient profitable model, J/GH.
    pub efficiency_j_per_gh: Bounds,
    /// The day's own power, W (PUE included, not smoothed).
    pub power_w: Bounds,
    /// The day's annualised energy after the trailing 7-day mean, TWh/yr.
    pub energy_twh_per_year: Bounds,
}

/// Profitability threshold in J/GH: the energy a miner can buy with the
/// revenue of one GH. Revenue per TH ÷ price per joule gives J/TH; ÷ 1000 → J/GH.
pub fn threshold_j_per_gh(revenue_usd: f64, hashrate_th_s: f64, price_usd_per_kwh: f64) -> f64 {
    let usd_per_th = revenue_usd / (hashrate_th_s * SECONDS_PER_DAY);
    let usd_per_joule = price_usd_per_kwh / JOULES_PER_KWH;
    usd_per_th / usd_per_joule / 1000.0
}

/// Power in W of a fleet of `hashrate_th_s` at `efficiency_j_per_gh`.
pub fn power_w(efficiency_j_per_gh: f64, hashrate_th_s: f64, pue: f64) -> f64 {
    efficiency_j_per_gh * hashrate_th_s * 1000.0 * pue
}

/// The day's raw threshold, or `None` when an input is missing or unusable.
pub(crate) fn raw_threshold(input: &CbeciInput, price: f64) -> Option<f64> {
    match (input.hashrate_th_s, input.revenue_usd) {
        (Some(h), Some(r)) if h > 0.0 && r >= 0.0 => Some(threshold_j_per_gh(r, h, price)),
        _ => None,
    }
}

/// Released models sorted by efficiency, with prefix sums for the mean.
struct ReleasedBasket {
    efficiencies: Vec<f64>,
    prefix_sums: Vec<f64>,
}

impl ReleasedBasket {
    fn insert(&mut self, efficiency: f64) {
        let at = self.efficiencies.partition_point(|e| *e <= efficiency);
        self.efficiencies.insert(at, efficiency);
        // Rebuilt on insertion only: 89 releases against ~4,000 days.
        self.prefix_sums.clear();
        let mut sum = 0.0;
        for e in &self.efficiencies {
            sum += e;
            self.prefix_sums.push(sum);
        }
    }

    /// (min, mean, max) of the models strictly below `threshold`.
    fn profitable(&self, threshold: f64) -> Option<(usize, Bounds)> {
        let k = self.efficiencies.partition_point(|e| *e < threshold);
        if k == 0 {
            return None;
        }
        let mean = self.prefix_sums[k - 1] / k as f64;
        Some((
            k,
            Bounds::new(self.efficiencies[0], mean, self.efficiencies[k - 1]),
        ))
    }
}

/// The index over consecutive days. Days before the first one with a
/// profitable model are `None` (nothing to carry forward yet).
pub fn cbeci_v1_core(
    inputs: &[CbeciInput],
    models: &[CbeciModel],
    params: &Params,
) -> Result<Vec<Option<CbeciDay>>> {
    params.validate()?;
    for input in inputs {
        if let Some(h) = input.hashrate_th_s {
            check_non_negative("hashrate_th_s", h)?;
        }
        if let Some(r) = input.revenue_usd {
            check_non_negative("revenue_usd", r)?;
        }
    }
    let price = params.electricity_price_usd_per_kwh;
    let pue = params.pue;
    let raw: Vec<Option<f64>> = inputs.iter().map(|i| raw_threshold(i, price)).collect();
    let day_numbers: Vec<i64> = inputs.iter().map(|i| day_number(i.day_unix)).collect();
    let smoothed = trailing_mean(&day_numbers, &raw, params.threshold_window_days);

    let mut by_release: Vec<&CbeciModel> = models.iter().collect();
    by_release.sort_by_key(|m| m.released_unix);
    let mut next_release = 0;
    let mut basket = ReleasedBasket {
        efficiencies: Vec::with_capacity(models.len()),
        prefix_sums: Vec::with_capacity(models.len()),
    };

    let mut days: Vec<Option<CbeciDay>> = Vec::with_capacity(inputs.len());
    let mut previous: Option<CbeciDay> = None;
    for (input, threshold) in inputs.iter().zip(&smoothed) {
        while next_release < by_release.len()
            && by_release[next_release].released_unix < input.day_unix
        {
            basket.insert(by_release[next_release].efficiency_j_per_gh);
            next_release += 1;
        }
        let profitable = match (threshold, input.hashrate_th_s) {
            (Some(t), Some(h)) if h > 0.0 => basket.profitable(*t).map(|p| (p, h)),
            _ => None,
        };
        let today = match profitable {
            Some(((count, eff), h)) => Some(CbeciDay {
                day_unix: input.day_unix,
                threshold_j_per_gh: *threshold,
                profitable_models: count,
                efficiency_j_per_gh: eff,
                power_w: Bounds::new(
                    power_w(eff.lower, h, pue.lower),
                    power_w(eff.best, h, pue.best),
                    power_w(eff.upper, h, pue.upper),
                ),
                energy_twh_per_year: Bounds::new(0.0, 0.0, 0.0),
            }),
            // No profitable model (or no data): the index carries the
            // previous day's values forward.
            None => previous.map(|p| CbeciDay {
                day_unix: input.day_unix,
                threshold_j_per_gh: *threshold,
                profitable_models: 0,
                ..p
            }),
        };
        if today.is_some() {
            previous = today;
        }
        days.push(today);
    }
    smooth_annualised(&mut days, params.smoothing_window_days);
    Ok(days)
}

/// Days since 1970-01-01 of a `day_unix` (00:00 UTC of the day).
pub(crate) fn day_number(day_unix: i64) -> i64 {
    day_unix.div_euclid(86_400)
}

/// Annualises each day's power and applies the trailing mean over the days
/// that have a value, within the window's calendar days.
fn smooth_annualised(days: &mut [Option<CbeciDay>], window: usize) {
    let present: Vec<usize> = (0..days.len()).filter(|i| days[*i].is_some()).collect();
    let series = |pick: fn(&Bounds) -> f64| -> Vec<f64> {
        present
            .iter()
            .filter_map(|i| days[*i].as_ref())
            .map(|d| watts_to_twh_per_year(pick(&d.power_w)))
            .collect()
    };
    let day_numbers: Vec<i64> = present
        .iter()
        .filter_map(|i| days[*i].as_ref())
        .map(|d| day_number(d.day_unix))
        .collect();
    let lower = trailing_mean_dense(&day_numbers, &series(|b| b.lower), window);
    let best = trailing_mean_dense(&day_numbers, &series(|b| b.best), window);
    let upper = trailing_mean_dense(&day_numbers, &series(|b| b.upper), window);
    for (k, i) in present.iter().enumerate() {
        if let Some(d) = days[*i].as_mut() {
            d.energy_twh_per_year = Bounds::new(lower[k], best[k], upper[k]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(released_unix: i64, eff: f64) -> CbeciModel {
        CbeciModel {
            model: format!("m{eff}"),
            released_unix,
            efficiency_j_per_gh: eff,
            source: "test".into(),
        }
    }

    #[test]
    fn threshold_formula_with_plain_numbers() {
        // 10 M USD/day over 100 EH/s (1e8 TH/s) at 0.05 USD/kWh:
        // 10e6 / (1e8 × 86400) = 1.157e-6 USD/TH; ÷ (0.05 / 3.6e6) = 83.33 J/TH = 0.0833 J/GH.
        let t = threshold_j_per_gh(10e6, 1e8, 0.05);
        assert!((t - 0.083_333_333).abs() < 1e-8, "{t}");
        // Twice the price halves the threshold.
        assert!((threshold_j_per_gh(10e6, 1e8, 0.10) - t / 2.0).abs() < 1e-12);
    }

    #[test]
    fn power_formula_with_plain_numbers() {
        // 0.03 J/GH × 1e8 TH/s × 1000 GH/TH × 1.1 = 3.3 GW.
        assert!((power_w(0.03, 1e8, 1.1) - 3.3e9).abs() < 1.0);
    }

    #[test]
    fn profitable_basket_bounds_and_release_rule() {
        let day = 86_400 * 1000;
        let models = vec![
            model(day - 1, 0.1),
            model(day - 1, 0.3),
            model(day, 0.05),
            model(0, 0.9),
        ];
        // Threshold 0.5 J/GH: revenue chosen so that thr = 0.5 with H = 1 TH/s.
        let revenue = 0.5 * 1000.0 * 86_400.0 * 0.05 / 3.6e6;
        let inputs = [CbeciInput {
            day_unix: day,
            hashrate_th_s: Some(1.0),
            revenue_usd: Some(revenue),
        }];
        let out = cbeci_v1_core(&inputs, &models, &Params::default()).unwrap();
        let d = out[0].unwrap();
        // The 0.05 model is released at the day's midnight, not before it: excluded.
        // The 0.9 model is above the threshold: excluded.
        assert_eq!(d.profitable_models, 2);
        assert_eq!(d.efficiency_j_per_gh, Bounds::new(0.1, 0.2, 0.3));
        assert!((d.power_w.lower - 0.1 * 1000.0 * 1.01).abs() < 1e-9);
        assert!((d.power_w.best - 0.2 * 1000.0 * 1.10).abs() < 1e-9);
        assert!((d.power_w.upper - 0.3 * 1000.0 * 1.20).abs() < 1e-9);
        assert!((d.energy_twh_per_year.best - 220.0 * 8766.0 / 1e12).abs() < 1e-15);
    }

    #[test]
    fn unprofitable_day_carries_forward_and_leading_days_are_empty() {
        let models = vec![model(0, 0.1)];
        let rich = CbeciInput {
            day_unix: 86_400,
            hashrate_th_s: Some(1.0),
            revenue_usd: Some(1.0),
        };
        let poor = CbeciInput {
            revenue_usd: Some(0.0),
            day_unix: 2 * 86_400,
            ..rich
        };
        let params = Params {
            threshold_window_days: 1,
            smoothing_window_days: 1,
            ..Params::default()
        };
        let first = CbeciInput {
            day_unix: 86_400,
            ..poor
        };
        let last = CbeciInput {
            day_unix: 3 * 86_400,
            ..poor
        };
        let rich = CbeciInput {
            day_unix: 2 * 86_400,
            ..rich
        };
        let out = cbeci_v1_core(&[first, rich, last], &models, &params).unwrap();
        assert!(out[0].is_none());
        let (a, b) = (out[1].unwrap(), out[2].unwrap());
        assert_eq!(b.profitable_models, 0);
        assert_eq!(a.power_w, b.power_w);
    }

    #[test]
    fn negative_input_is_an_error() {
        let inputs = [CbeciInput {
            day_unix: 0,
            hashrate_th_s: Some(-1.0),
            revenue_usd: Some(1.0),
        }];
        assert!(cbeci_v1_core(&inputs, &[], &Params::default()).is_err());
    }
}

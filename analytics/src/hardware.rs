//! `hardware`: the CBECI threshold idea for every proof-of-work chain, with
//! our per-algorithm catalogue through 2025 (`config/catalogues/hardware.csv`).
//!
//! Differences from `cbeci-v1`, and why:
//! - a model counts from its release plus a shipping delay (default 2
//!   months): announced machines do not hash on announcement day;
//! - the best guess weights each profitable model by age (1.0 in its first
//!   year, then 0.8, 0.6, 0.4, 0.2, and 0 from five years): old machines are
//!   retired or resold, so the plain mean over-weights them;
//! - units are SI (J/H, H/s), so one code path serves TH/s and Sol/s chains;
//! - a machine listed by its card's or processor's own draw (GPUs, CPUs)
//!   is counted at the wall: times `Params::rig_factor` (the rig around it
//!   and its power supply's losses), in the profitability filter too, since
//!   miners pay for what the socket delivers;
//! - without revenue data there is no threshold: the basket is then every
//!   shipped model younger than five years (recorded in the inputs).

use blockwatt_domain::Bounds;
use chrono::{Datelike, NaiveDate};

use crate::catalogue::{HardwareModel, PowerAt};
use crate::error::{check_non_negative, Result};
use crate::params::Params;
use crate::smoothing::trailing_mean;
use crate::units::{JOULES_PER_KWH, SECONDS_PER_DAY};

/// Weight of a model in the best guess by completed years since shipping.
pub const AGE_WEIGHTS: [f64; 5] = [1.0, 0.8, 0.6, 0.4, 0.2];

/// The weight of a model `age_days` after it shipped (0 from five years).
pub fn age_weight(age_days: i64) -> f64 {
    if age_days < 0 {
        return 0.0;
    }
    let years = (age_days as f64 / 365.25).floor() as usize;
    AGE_WEIGHTS.get(years).copied().unwrap_or(0.0)
}

/// Profitability threshold in J/H: what one hash earns, in joules of
/// electricity at `price_usd_per_kwh`.
pub fn threshold_j_per_h(revenue_usd: f64, hashrate_hs: f64, price_usd_per_kwh: f64) -> f64 {
    (revenue_usd / (hashrate_hs * SECONDS_PER_DAY)) / (price_usd_per_kwh / JOULES_PER_KWH)
}

/// One day's inputs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PowInput {
    pub day: NaiveDate,
    pub hashrate_hs: Option<f64>,
    pub revenue_usd: Option<f64>,
}

/// The machines assumed to run on a day.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Basket {
    pub models: usize,
    /// Most efficient, age-weighted mean, least efficient; J/H at the wall
    /// (board figures times the rig factor of the same bound), before PUE.
    pub efficiency_j_per_h: Bounds,
    /// Lightest, age-weighted mean and heaviest machine per unit of hashrate, kg per H/s.
    pub mass_kg_per_hs: Bounds,
    /// False when no threshold was available and every recent model counted.
    pub profitability_filter: bool,
    /// The basket's weight on machines whose figures rest on an entry
    /// without a kept document (`HardwareModel::documented` false), 0..1:
    /// an estimate says how much of it the catalogue cannot yet back.
    pub undocumented_share: f64,
    /// The basket's weight on machines listed by board power (`PowerAt::Board`), 0..1.
    pub board_share: f64,
}

/// The basket on `day`: shipped models (after `params`' shipping delay)
/// whose wall efficiency is under `threshold` (J/H), or every recent
/// shipped model when there is no threshold.
pub fn basket_on(
    models: &[HardwareModel],
    day: NaiveDate,
    threshold: Option<f64>,
    params: &Params,
) -> Option<Basket> {
    let delay_months = params.shipping_delay_months;
    let rig = params.rig_factor;
    let shipped = models.iter().filter(|m| m.shipped(delay_months) < day);
    let candidates: Vec<(&HardwareModel, f64)> = match threshold {
        Some(t) => shipped
            .filter(|m| m.wall_efficiency_j_per_h(rig.best) < t)
            .map(|m| (m, age_weight((day - m.shipped(delay_months)).num_days())))
            .collect(),
        None => {
            let all: Vec<(&HardwareModel, f64)> = shipped
                .map(|m| (m, age_weight((day - m.shipped(delay_months)).num_days())))
                .collect();
            let recent: Vec<(&HardwareModel, f64)> =
                all.iter().copied().filter(|(_, w)| *w > 0.0).collect();
            if recent.is_empty() {
                all
            } else {
                recent
            }
        }
    };
    if candidates.is_empty() {
        return None;
    }
    Some(Basket {
        models: candidates.len(),
        efficiency_j_per_h: weighted_bounds(&candidates, |m| {
            [rig.lower, rig.best, rig.upper].map(|f| m.wall_efficiency_j_per_h(f))
        }),
        mass_kg_per_hs: weighted_bounds(&candidates, |m| [m.mass_kg_per_hs(); 3]),
        profitability_filter: threshold.is_some(),
        undocumented_share: weighted_share(&candidates, |m| !m.documented),
        board_share: weighted_share(&candidates, |m| m.power_at == PowerAt::Board),
    })
}

/// The age-weighted share of `candidates` for which `flagged` holds (the
/// plain share when every weight is 0, as in `weighted_bounds`).
fn weighted_share(
    candidates: &[(&HardwareModel, f64)],
    flagged: impl Fn(&HardwareModel) -> bool,
) -> f64 {
    let total: f64 = candidates.iter().map(|(_, w)| w).sum();
    let flagged = candidates.iter().filter(|(m, _)| flagged(m));
    if total > 0.0 {
        // A fold from +0.0: an empty f64 sum is -0.0, which JSON shows.
        flagged.fold(0.0, |sum, (_, w)| sum + w) / total
    } else {
        flagged.count() as f64 / candidates.len() as f64
    }
}

/// The lowest of each model's lower value, the weighted mean of its best
/// (plain mean if every weight is 0) and the highest of its upper, where
/// `value` gives a model's [lower, best, upper].
fn weighted_bounds(
    candidates: &[(&HardwareModel, f64)],
    value: impl Fn(&HardwareModel) -> [f64; 3],
) -> Bounds {
    let mut min = f64::INFINITY;
    let mut max = f64::NEG_INFINITY;
    let (mut weighted, mut weights, mut plain) = (0.0, 0.0, 0.0);
    for (m, w) in candidates {
        let [lower, best, upper] = value(m);
        min = min.min(lower);
        max = max.max(upper);
        weighted += w * best;
        weights += w;
        plain += best;
    }
    let best = if weights > 0.0 {
        weighted / weights
    } else {
        plain / candidates.len() as f64
    };
    // With the factors in order, the mean lies in [min, max]; the clamp
    // only absorbs rounding.
    Bounds::new(min, best.clamp(min, max), max)
}

/// One day of the hardware method, before smoothing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HardwareDay {
    pub day: NaiveDate,
    pub hashrate_hs: f64,
    /// Smoothed threshold, J/H.
    pub threshold_j_per_h: Option<f64>,
    pub basket: Basket,
    /// True when no model was profitable and the previous basket was kept.
    pub carried_forward: bool,
    /// W, PUE included.
    pub power_w: Bounds,
}

/// The hardware method over consecutive days of one algorithm's models.
/// Days without hashrate, or before any model shipped, are `None`.
pub fn hardware_core(
    inputs: &[PowInput],
    models: &[HardwareModel],
    params: &Params,
) -> Result<Vec<Option<HardwareDay>>> {
    params.validate()?;
    let price = params.electricity_price_usd_per_kwh;
    let mut raw = Vec::with_capacity(inputs.len());
    for i in inputs {
        if let Some(h) = i.hashrate_hs {
            check_non_negative("hashrate_hs", h)?;
        }
        if let Some(r) = i.revenue_usd {
            check_non_negative("revenue_usd", r)?;
        }
        raw.push(match (i.hashrate_hs, i.revenue_usd) {
            (Some(h), Some(r)) if h > 0.0 => Some(threshold_j_per_h(r, h, price)),
            _ => None,
        });
    }
    let day_numbers: Vec<i64> = inputs
        .iter()
        .map(|i| i64::from(i.day.num_days_from_ce()))
        .collect();
    let smoothed = trailing_mean(&day_numbers, &raw, params.threshold_window_days);
    let mut previous: Option<Basket> = None;
    let mut out = Vec::with_capacity(inputs.len());
    for (input, threshold) in inputs.iter().zip(smoothed) {
        let Some(h) = input.hashrate_hs.filter(|h| *h > 0.0) else {
            out.push(None);
            continue;
        };
        let found = basket_on(models, input.day, threshold, params);
        let (basket, carried_forward) = match (found, previous) {
            (Some(b), _) => (b, false),
            (None, Some(p)) => (p, true),
            (None, None) => {
                out.push(None);
                continue;
            }
        };
        previous = Some(basket);
        let e = basket.efficiency_j_per_h;
        out.push(Some(HardwareDay {
            day: input.day,
            hashrate_hs: h,
            threshold_j_per_h: threshold,
            basket,
            carried_forward,
            power_w: Bounds::new(
                e.lower * h * params.pue.lower,
                e.best * h * params.pue.best,
                e.upper * h * params.pue.upper,
            ),
        }));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Algorithm;

    fn m(released: &str, hashrate_hs: f64, power_w: f64) -> HardwareModel {
        HardwareModel {
            algorithm: Algorithm::Sha256,
            model: released.into(),
            released: released.parse().unwrap(),
            hashrate_hs,
            power_w,
            power_at: PowerAt::Wall,
            mass_kg: 10.0,
            source: "test".into(),
            mass_source: "test".into(),
            documented: true,
        }
    }

    fn delayed(months: u32) -> Params {
        Params {
            shipping_delay_months: months,
            ..Params::default()
        }
    }

    #[test]
    fn age_weights_step_down_yearly() {
        assert_eq!(age_weight(0), 1.0);
        assert_eq!(age_weight(366), 0.8);
        assert_eq!(age_weight(4 * 366), 0.2);
        assert_eq!(age_weight(5 * 366), 0.0);
        assert_eq!(age_weight(-1), 0.0);
    }

    #[test]
    fn threshold_in_joules_per_hash() {
        // 1 USD/day over 1 H/s at 0.05 USD/kWh: 1/86400 USD per hash ÷ (0.05/3.6e6) = 833.3 J/H.
        assert!((threshold_j_per_h(1.0, 1.0, 0.05) - 833.333_333).abs() < 1e-3);
    }

    #[test]
    fn shipping_delay_and_age_weighting() {
        let models = [m("2020-01-01", 1.0, 100.0), m("2022-01-01", 1.0, 50.0)];
        let day: NaiveDate = "2022-02-15".parse().unwrap();
        // With a 2-month delay the 2022 model has not shipped by mid-February.
        let b = basket_on(&models, day, Some(1e9), &delayed(2)).unwrap();
        assert_eq!(b.models, 1);
        // Without delay both count; the old one (age ~2 y, weight 0.6) vs new (1.0).
        let b = basket_on(&models, day, Some(1e9), &delayed(0)).unwrap();
        assert_eq!(b.models, 2);
        let expected = (0.6 * 100.0 + 1.0 * 50.0) / 1.6;
        assert!((b.efficiency_j_per_h.best - expected).abs() < 1e-9);
        assert_eq!(b.efficiency_j_per_h.lower, 50.0);
        assert_eq!(b.efficiency_j_per_h.upper, 100.0);
        // A threshold between the two keeps only the efficient one.
        let b = basket_on(&models, day, Some(60.0), &delayed(0)).unwrap();
        assert_eq!(b.models, 1);
        assert!(b.profitability_filter);
    }

    #[test]
    fn the_undocumented_share_is_weighted_like_the_mean() {
        let mut new = m("2022-01-01", 1.0, 50.0);
        new.documented = false;
        let models = [m("2020-01-01", 1.0, 100.0), new];
        let day: NaiveDate = "2022-02-15".parse().unwrap();
        // The new, undocumented machine weighs 1.0 against the old one's 0.6.
        let b = basket_on(&models, day, Some(1e9), &delayed(0)).unwrap();
        assert!((b.undocumented_share - 1.0 / 1.6).abs() < 1e-12);
        // A threshold that prices out the old machine leaves only the new one.
        let b = basket_on(&models, day, Some(60.0), &delayed(0)).unwrap();
        assert_eq!(b.undocumented_share, 1.0);
    }

    #[test]
    fn board_figures_are_counted_at_the_wall() {
        // A card drawing 40 J/H on its board beside an ASIC at 50 J/H at the wall.
        let mut card = m("2022-01-01", 1.0, 40.0);
        card.power_at = PowerAt::Board;
        let models = [m("2022-01-01", 1.0, 50.0), card];
        let day: NaiveDate = "2022-02-15".parse().unwrap();
        let params = delayed(0);
        let rig = params.rig_factor;
        let b = basket_on(&models, day, Some(1e9), &params).unwrap();
        assert!((b.efficiency_j_per_h.best - (50.0 + 40.0 * rig.best) / 2.0).abs() < 1e-9);
        // Each bound takes the factor of the same bound: the card is the most
        // efficient at the lower one (1.063), the least at the upper (1.325).
        assert!((b.efficiency_j_per_h.lower - 40.0 * rig.lower).abs() < 1e-9);
        assert!((b.efficiency_j_per_h.upper - 40.0 * rig.upper).abs() < 1e-9);
        assert_eq!(b.board_share, 0.5);
        // The threshold compares wall figures: at 45 J/H the card (45.8 at
        // the wall) is priced out with the ASIC.
        assert!(basket_on(&models, day, Some(45.0), &params).is_none());
        let b = basket_on(&models, day, Some(46.0), &params).unwrap();
        assert_eq!((b.models, b.board_share), (1, 1.0));
    }

    #[test]
    fn power_is_efficiency_times_hashrate_times_pue() {
        let models = [m("2020-01-01", 1e12, 30.0)]; // 30 J/TH
        let inputs = [PowInput {
            day: "2021-01-01".parse().unwrap(),
            hashrate_hs: Some(1e20),
            revenue_usd: None,
        }];
        let out = hardware_core(&inputs, &models, &Params::default()).unwrap();
        let d = out[0].unwrap();
        assert!((d.power_w.best - 30e-12 * 1e20 * 1.10).abs() < 1e-3);
        assert!(!d.basket.profitability_filter);
    }
}

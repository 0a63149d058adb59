//! Straightforward implementations of the same formulas, written for
//! obviousness, not speed: every window and every basket is recomputed from
//! scratch each day. Tests check the fast paths against them, and the bench
//! times both.

use blockwatt_domain::Bounds;

use crate::catalogue::CbeciModel;
use crate::cbeci::{power_w, raw_threshold, CbeciDay, CbeciInput};
use crate::params::Params;
use crate::units::watts_to_twh_per_year;

/// `cbeci_v1_core`, the obvious way: O(days × (window + models)).
pub fn cbeci_v1_reference(
    inputs: &[CbeciInput],
    models: &[CbeciModel],
    params: &Params,
) -> Vec<Option<CbeciDay>> {
    let price = params.electricity_price_usd_per_kwh;
    let pue = params.pue;
    let mut days: Vec<Option<CbeciDay>> = Vec::new();
    let mut previous: Option<CbeciDay> = None;
    for (i, input) in inputs.iter().enumerate() {
        // The rows within the window's calendar days ending today.
        let window_s = params.threshold_window_days.max(1) as i64 * 86_400;
        let start = (0..=i)
            .rev()
            .take_while(|&j| inputs[j].day_unix > input.day_unix - window_s)
            .last()
            .unwrap_or(i);
        let window: Vec<f64> = inputs[start..=i]
            .iter()
            .filter_map(|d| raw_threshold(d, price))
            .collect();
        let threshold = if window.is_empty() {
            None
        } else {
            Some(window.iter().sum::<f64>() / window.len() as f64)
        };
        let mut profitable: Vec<f64> = Vec::new();
        if let Some(t) = threshold {
            for m in models {
                if input.day_unix > m.released_unix && t > m.efficiency_j_per_gh {
                    profitable.push(m.efficiency_j_per_gh);
                }
            }
        }
        let today = match input.hashrate_th_s {
            Some(h) if h > 0.0 && !profitable.is_empty() => {
                let min = profitable.iter().copied().fold(f64::INFINITY, f64::min);
                let max = profitable.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let mean = profitable.iter().sum::<f64>() / profitable.len() as f64;
                Some(CbeciDay {
                    day_unix: input.day_unix,
                    threshold_j_per_gh: threshold,
                    profitable_models: profitable.len(),
                    efficiency_j_per_gh: Bounds::new(min, mean, max),
                    power_w: Bounds::new(
                        power_w(min, h, pue.lower),
                        power_w(mean, h, pue.best),
                        power_w(max, h, pue.upper),
                    ),
                    energy_twh_per_year: Bounds::new(0.0, 0.0, 0.0),
                })
            }
            _ => previous.map(|p| CbeciDay {
                day_unix: input.day_unix,
                threshold_j_per_gh: threshold,
                profitable_models: 0,
                ..p
            }),
        };
        if today.is_some() {
            previous = today;
        }
        days.push(today);
    }
    // 7-day mean over the days that have a value, recomputed per day.
    let present: Vec<usize> = (0..days.len()).filter(|i| days[*i].is_some()).collect();
    let powers: Vec<Bounds> = present
        .iter()
        .filter_map(|i| days[*i].map(|d| d.power_w))
        .collect();
    let smoothing_s = params.smoothing_window_days.max(1) as i64 * 86_400;
    let day_of = |i: usize| inputs[i].day_unix;
    for (k, i) in present.iter().enumerate() {
        let start = (0..=k)
            .rev()
            .take_while(|&j| day_of(present[j]) > day_of(*i) - smoothing_s)
            .last()
            .unwrap_or(k);
        let n = (k + 1 - start) as f64;
        let slice = &powers[start..=k];
        let mean = |pick: fn(&Bounds) -> f64| {
            slice
                .iter()
                .map(|b| watts_to_twh_per_year(pick(b)))
                .sum::<f64>()
                / n
        };
        let energy = Bounds::new(mean(|b| b.lower), mean(|b| b.best), mean(|b| b.upper));
        if let Some(d) = days[*i].as_mut() {
            d.energy_twh_per_year = energy;
        }
    }
    days
}

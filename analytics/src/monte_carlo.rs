//! Uncertainty as a distribution: a seeded Monte Carlo over the stated
//! ranges of the parameters [`crate::sensitivity`] moves one at a time,
//! here all at once. Each parameter is drawn from a triangular
//! distribution (low end, best value, high end of its range): the best
//! value is the most likely, the ends possible. The percentiles sit beside
//! the estimate's lower / best / upper bounds, which stack the extremes.
//!
//! Speed: a draw does not re-run the model. The figure is separable in
//! its parameters: the electricity price and the hardware mix change
//! which machines count (a grid of model runs across their ranges,
//! interpolated in price), PUE scales the result by a factor read from
//! runs at its ends (hardware and cbeci-v1: proportional; economic: none),
//! the rig factor likewise (hardware, where board figures were scaled),
//! and node count, node power and grid intensity scale a figure exactly.
//! So 10,000 draws cost a few dozen model runs.

use blockwatt_domain::{DailyMetrics, Estimate};
use chrono::NaiveDate;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::catalogue::Catalogues;
use crate::error::Result;
use crate::estimation::{estimate_day_in_fleet, FleetDays};
use crate::methods::Method;
use crate::params::Params;
use crate::pos::triangular_quantile;
use crate::sensitivity::{
    grid_bounds, multipliers, node_classes, NODE_COUNT_RANGE, PRICE_RANGE_USD_PER_KWH,
    SHIPPING_DELAY_RANGE_MONTHS,
};

/// Draws by default, and the most a caller may ask for.
pub const DEFAULT_DRAWS: usize = 10_000;
pub const MAX_DRAWS: usize = 100_000;
/// The seed when none is given: the same request gives the same answer.
pub const DEFAULT_SEED: u64 = 1;
/// Model runs across the price range (log-spaced: the threshold is
/// inversely proportional to the price).
const PRICE_GRID: usize = 9;

/// Percentiles of a drawn figure.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Percentiles {
    pub p5: f64,
    pub p25: f64,
    pub p50: f64,
    pub p75: f64,
    pub p95: f64,
}

/// One drawn parameter: triangular over (low, mode, high).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DrawnParameter {
    pub parameter: &'static str,
    pub unit: &'static str,
    pub low: f64,
    pub mode: f64,
    pub high: f64,
}

/// The Monte Carlo's result for one day.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Distribution {
    pub draws: usize,
    pub seed: u64,
    /// Draws at which the model gives no figure (no machine profitable at
    /// the drawn price); the percentiles are over the others.
    pub draws_without_figure: usize,
    pub energy_twh_per_year: Option<Percentiles>,
    pub co2e_t_per_year: Option<Percentiles>,
    pub parameters: Vec<DrawnParameter>,
    /// How the draws are made, in words.
    pub method: &'static str,
}

const METHOD_TEXT: &str = "each parameter drawn from a triangular distribution over its stated range with its best value as the mode (ChaCha8 seeded, reproducible); price and hardware mix through a grid of model runs (9 log-spaced prices; 0, 2, 4, 6 months of shipping delay, the nearest to the draw) interpolated in log price, PUE through runs at its ends, node count, node power and grid intensity as exact factors";

/// Uniform in [0, 1) from 53 random bits.
fn unit(rng: &mut ChaCha8Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

/// A triangular draw by inverse transform.
fn triangular(rng: &mut ChaCha8Rng, low: f64, mode: f64, high: f64) -> f64 {
    triangular_quantile(unit(rng), low, mode, high)
}

fn percentiles(mut v: Vec<f64>) -> Option<Percentiles> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let at = |q: f64| {
        // Nearest rank.
        let i = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1;
        v[i]
    };
    Some(Percentiles {
        p5: at(0.05),
        p25: at(0.25),
        p50: at(0.50),
        p75: at(0.75),
        p95: at(0.95),
    })
}

/// Linear interpolation of `ys` (some missing) at `x` over ascending `xs`.
fn interpolate(xs: &[f64], ys: &[Option<f64>], x: f64) -> Option<f64> {
    let i = xs.partition_point(|v| *v < x);
    if i == 0 {
        return ys[0];
    }
    if i >= xs.len() {
        return ys[xs.len() - 1];
    }
    let (x0, x1) = (xs[i - 1], xs[i]);
    let (y0, y1) = (ys[i - 1]?, ys[i]?);
    Some(y0 + (y1 - y0) * (x - x0) / (x1 - x0))
}

/// Draws `draws` parameter sets (seeded by `seed`) for the estimate of
/// `date` and returns the percentiles of its energy and CO2e.
#[allow(clippy::too_many_arguments)]
pub fn monte_carlo(
    catalogues: &Catalogues,
    chain: &str,
    date: NaiveDate,
    history: &[DailyMetrics],
    fleet: &FleetDays<'_>,
    params: &Params,
    method: Option<Method>,
    draws: usize,
    seed: u64,
) -> Result<(Estimate, Distribution)> {
    let run =
        |p: &Params| estimate_day_in_fleet(catalogues, chain, date, history, fleet, p, method);
    let base = run(params)?;
    let resolved = Method::parse(&base.method)?;
    let energy = |p: &Params| run(p).ok().map(|e| e.energy_twh_per_year.best);
    let e_best = base.energy_twh_per_year.best;
    let mut drawn = Vec::new();

    // PUE and the rig factor as factors on the figure, from runs at their
    // ends (a factor the estimate did not use stays 1, and is still drawn).
    let factor = |v: Option<f64>| v.filter(|_| e_best > 0.0).map_or(1.0, |v| v / e_best);
    let multipliers = multipliers(params, &base);
    let mut ends = Vec::with_capacity(multipliers.len());
    for m in &multipliers {
        if m.applies {
            drawn.push(DrawnParameter {
                parameter: m.name,
                unit: "ratio",
                low: m.lower,
                mode: m.best,
                high: m.upper,
            });
            ends.push((
                factor(energy(&m.at(params, m.lower))),
                factor(energy(&m.at(params, m.upper))),
            ));
        } else {
            ends.push((1.0, 1.0));
        }
    }
    let multiplier_factor = |rng: &mut ChaCha8Rng| -> f64 {
        multipliers
            .iter()
            .zip(&ends)
            .map(|(m, (lo, hi))| {
                let x = triangular(rng, m.lower, m.best, m.upper);
                interpolate(
                    &[m.lower, m.best, m.upper],
                    &[Some(*lo), Some(1.0), Some(*hi)],
                    x,
                )
                .unwrap_or(1.0)
            })
            .product()
    };

    // The price × hardware-mix grid (proof of work), or the node factors.
    let pow = resolved != Method::PosNodes;
    let (p_lo, p_hi) = PRICE_RANGE_USD_PER_KWH;
    let price = params.electricity_price_usd_per_kwh;
    let log_prices: Vec<f64> = (0..PRICE_GRID)
        .map(|i| p_lo.ln() + (p_hi.ln() - p_lo.ln()) * i as f64 / (PRICE_GRID - 1) as f64)
        .collect();
    let delays: Vec<u32> = if resolved == Method::Hardware {
        let (lo, hi) = SHIPPING_DELAY_RANGE_MONTHS;
        (lo..=hi).step_by(2).collect()
    } else {
        vec![params.shipping_delay_months]
    };
    let grid: Vec<Vec<Option<f64>>> = if pow {
        delays
            .iter()
            .map(|d| {
                log_prices
                    .iter()
                    .map(|lp| {
                        energy(&Params {
                            shipping_delay_months: *d,
                            ..params.clone().with_price(lp.exp())
                        })
                    })
                    .collect()
            })
            .collect()
    } else {
        Vec::new()
    };
    if pow {
        drawn.push(DrawnParameter {
            parameter: "electricity_price",
            unit: "USD/kWh",
            low: p_lo,
            mode: price,
            high: p_hi,
        });
        if delays.len() > 1 {
            drawn.push(DrawnParameter {
                parameter: "hardware_mix",
                unit: "months of shipping delay",
                low: f64::from(delays[0]),
                mode: f64::from(params.shipping_delay_months),
                high: f64::from(delays[delays.len() - 1]),
            });
        }
    }
    let (classes, mix) = match node_classes(&base) {
        Some((c, m)) => (Some(c), Some(m)),
        None => (None, None),
    };
    if !pow {
        let (lo, hi) = NODE_COUNT_RANGE;
        drawn.push(DrawnParameter {
            parameter: "node_count",
            unit: "factor",
            low: lo,
            mode: 1.0,
            high: hi,
        });
        if let (Some(c), Some(m)) = (classes, mix) {
            drawn.push(DrawnParameter {
                parameter: "node_power",
                unit: "W per node",
                low: c[0],
                mode: m,
                high: c[2],
            });
        }
    }
    let grid_intensity = grid_bounds(&base);
    if let Some((lo, best, hi)) = grid_intensity {
        drawn.push(DrawnParameter {
            parameter: "grid_intensity",
            unit: "gCO2e/kWh",
            low: lo,
            mode: best,
            high: hi,
        });
    }
    let co2_per_twh = grid_intensity
        .filter(|g| g.1 > 0.0 && e_best > 0.0)
        .map(|g| base.co2e_t_per_year.best / e_best / g.1);

    let draws = draws.clamp(1, MAX_DRAWS);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (mut energies, mut carbon) = (Vec::with_capacity(draws), Vec::with_capacity(draws));
    let mut without = 0;
    for _ in 0..draws {
        // Every parameter is drawn on every draw, in a fixed order, so a
        // seed gives the same sequence whatever the method.
        let f_multipliers = multiplier_factor(&mut rng);
        let p = triangular(&mut rng, p_lo, price.clamp(p_lo, p_hi), p_hi);
        // The hardware mix's grid holds every other month: the nearest.
        let months = triangular(
            &mut rng,
            f64::from(delays[0]),
            f64::from(params.shipping_delay_months),
            f64::from(delays[delays.len() - 1]),
        );
        let d = delays
            .iter()
            .enumerate()
            .min_by(|a, b| {
                (f64::from(*a.1) - months)
                    .abs()
                    .total_cmp(&(f64::from(*b.1) - months).abs())
            })
            .map_or(0, |(i, _)| i);
        let nodes = triangular(&mut rng, NODE_COUNT_RANGE.0, 1.0, NODE_COUNT_RANGE.1);
        let power = match (classes, mix) {
            (Some(c), Some(m)) => triangular(&mut rng, c[0], m, c[2]) / m,
            _ => {
                unit(&mut rng);
                1.0
            }
        };
        let g = match grid_intensity {
            Some((lo, best, hi)) => triangular(&mut rng, lo, best, hi),
            None => {
                unit(&mut rng);
                0.0
            }
        };
        let e = if pow {
            let row = &grid[d.min(grid.len() - 1)];
            interpolate(&log_prices, row, p.ln()).map(|e| e * f_multipliers)
        } else {
            Some(e_best * nodes * power * f_multipliers)
        };
        match e {
            Some(e) if e.is_finite() => {
                energies.push(e);
                if let Some(k) = co2_per_twh {
                    carbon.push(e * g * k);
                }
            }
            _ => without += 1,
        }
    }
    let distribution = Distribution {
        draws,
        seed,
        draws_without_figure: without,
        energy_twh_per_year: percentiles(energies),
        co2e_t_per_year: percentiles(carbon),
        parameters: drawn,
        method: METHOD_TEXT,
    };
    Ok((base, distribution))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn triangular_draws_stay_in_range_and_centre_on_the_mode() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let v: Vec<f64> = (0..20_000)
            .map(|_| triangular(&mut rng, 1.0, 2.0, 5.0))
            .collect();
        assert!(v.iter().all(|x| (1.0..=5.0).contains(x)));
        // The mean of a triangular distribution is (a + b + c) / 3.
        let mean = v.iter().sum::<f64>() / v.len() as f64;
        assert!((mean - 8.0 / 3.0).abs() < 0.03, "{mean}");
        let p = percentiles(v).unwrap();
        assert!(p.p5 < p.p25 && p.p25 < p.p50 && p.p50 < p.p75 && p.p75 < p.p95);
    }

    #[test]
    fn interpolation_needs_both_neighbours() {
        let xs = [0.0, 1.0, 2.0];
        assert_eq!(
            interpolate(&xs, &[Some(0.0), Some(10.0), None], 0.5),
            Some(5.0)
        );
        assert_eq!(interpolate(&xs, &[Some(0.0), Some(10.0), None], 1.5), None);
        assert_eq!(
            interpolate(&xs, &[Some(3.0), Some(10.0), None], -1.0),
            Some(3.0)
        );
    }
}

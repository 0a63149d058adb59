//! `pos-nodes`: proof-of-stake energy = nodes × power per node × PUE. The
//! node's hardware is unknown, so three classes (low: single-board or mini
//! PC; medium: desktop; high: server) span it, with best weights
//! 0.25 / 0.5 / 0.25.
//!
//! The bounds are the 5th and 95th percentiles of the product of three
//! independent spreads, each triangular with the best value as its mode:
//! the node count (±25%: a validator count stands for nodes), the power
//! per node (low class .. weighted mix .. high class) and PUE (its
//! bounds). Stacking every factor's extreme instead (all nodes in the low
//! class at the lowest PUE, all in the high class at the highest) spans a
//! factor of 25–40, a range no plausible network reaches.

use blockwatt_domain::Bounds;

use crate::params::Pue;

/// Best-guess share of nodes in the low / medium / high classes.
pub const CLASS_WEIGHTS: [f64; 3] = [0.25, 0.5, 0.25];

/// Servers and PCs are replaced after the four years of use their
/// manufacturers' carbon footprints assume (every model of
/// `node_hardware.csv`; a test holds the two together).
pub const NODE_LIFETIME_YEARS: f64 = 4.0;

/// The spread of the node count around a validator count: ±25%.
pub const NODE_COUNT_SPREAD: (f64, f64) = (0.75, 1.25);

/// Points per factor of the quantile grid (16³ products).
const GRID: usize = 16;

/// The inverse CDF of a triangular distribution at probability `u` (the
/// Monte Carlo draws with it too).
pub(crate) fn triangular_quantile(u: f64, low: f64, mode: f64, high: f64) -> f64 {
    if high <= low {
        return mode;
    }
    let split = (mode - low) / (high - low);
    if u < split {
        low + (u * (high - low) * (mode - low)).sqrt()
    } else {
        high - ((1.0 - u) * (high - low) * (high - mode)).sqrt()
    }
}

/// 5th and 95th percentiles of the product of independent triangular
/// factors, each given as (low, mode, high), from the factors' quantiles
/// at evenly spaced probabilities: deterministic, no random draws.
fn product_percentiles(factors: &[(f64, f64, f64)]) -> (f64, f64) {
    let mut products = vec![1.0];
    for &(low, mode, high) in factors {
        let points: Vec<f64> = (0..GRID)
            .map(|i| triangular_quantile((i as f64 + 0.5) / GRID as f64, low, mode, high))
            .collect();
        products = products
            .iter()
            .flat_map(|p| points.iter().map(move |q| p * q))
            .collect();
    }
    products.sort_by(f64::total_cmp);
    let at = |q: f64| products[((q * products.len() as f64) as usize).min(products.len() - 1)];
    (at(0.05), at(0.95))
}

/// One node's best power (weighted class mix × best PUE, W) and the
/// factors of the fleet's 5th and 95th percentiles on it: the same for
/// every day of a chain, so computed once per series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NodeSpread {
    pub best_w_per_node: f64,
    pub p5: f64,
    pub p95: f64,
}

pub fn node_spread(class_w: [f64; 3], pue: Pue) -> NodeSpread {
    let mix: f64 = class_w.iter().zip(CLASS_WEIGHTS).map(|(w, s)| w * s).sum();
    let (lo, hi) = NODE_COUNT_SPREAD;
    let (p5, p95) = product_percentiles(&[
        (lo, 1.0, hi),
        (class_w[0] / mix, 1.0, class_w[2] / mix),
        (pue.lower / pue.best, 1.0, pue.upper / pue.best),
    ]);
    NodeSpread {
        best_w_per_node: mix * pue.best,
        p5: p5.min(1.0),
        p95: p95.max(1.0),
    }
}

impl NodeSpread {
    /// Power in W of `nodes` nodes.
    pub fn power_w(&self, nodes: f64) -> Bounds {
        let best = nodes * self.best_w_per_node;
        Bounds::new(best * self.p5, best, best * self.p95)
    }
}

/// Power in W of `nodes` nodes with per-class wall power `class_w`: best
/// = nodes × weighted class mix × best PUE; bounds as the module says.
pub fn pos_power_w(nodes: f64, class_w: [f64; 3], pue: Pue) -> Bounds {
    node_spread(class_w, pue).power_w(nodes)
}

/// A quantity of `nodes` nodes whose machines have `per_class` each (the
/// class medians of `node_hardware.csv`): best at the class mix, bounds
/// all nodes of the lightest and of the heaviest class, as node power's
/// classes span the fleet.
pub fn node_fleet(nodes: f64, per_class: [f64; 3]) -> Bounds {
    let mix: f64 = per_class
        .iter()
        .zip(CLASS_WEIGHTS)
        .map(|(m, s)| m * s)
        .sum();
    Bounds::new(nodes * per_class[0], nodes * mix, nodes * per_class[2])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pos_formula_with_plain_numbers() {
        // 1000 nodes × (0.25·10 + 0.5·60 + 0.25·200 = 82.5 W) × 1.1 = 90.75 kW.
        let p = pos_power_w(1000.0, [10.0, 60.0, 200.0], Pue::default());
        assert!((p.best - 90_750.0).abs() < 1e-6);
        // Inside the stacked extremes (10 W × 1.01 and 200 W × 1.2 per
        // node), and far narrower: a factor of a few, not of 24.
        let (stacked_lo, stacked_hi) = (1000.0 * 10.0 * 1.01, 1000.0 * 200.0 * 1.2);
        assert!(stacked_lo < p.lower && p.upper < stacked_hi, "{p:?}");
        assert!(p.upper / p.lower < 6.0, "{p:?}");
        assert!(p.is_ordered());
        let per_class = [2.0, 8.0, 20.0];
        // 10 nodes: all home 20, the mix 10 × (0.25·2 + 0.5·8 + 0.25·20) = 95, all cloud 200.
        assert_eq!(node_fleet(10.0, per_class), Bounds::new(20.0, 95.0, 200.0));
    }

    #[test]
    fn grid_percentiles_match_the_analytic_quantiles() {
        // One triangular factor: its own quantiles, which the grid of 16
        // points approximates to within its spacing.
        let (p5, p95) = product_percentiles(&[(0.0, 1.0, 2.0)]);
        // Triangular(0, 1, 2): F(x) = x²/2 below 1, so x5 = √0.1 ≈ 0.316.
        assert!((p5 - 0.1f64.sqrt()).abs() < 0.07, "{p5}");
        assert!((p95 - (2.0 - 0.1f64.sqrt())).abs() < 0.07, "{p95}");
        // The product of three spreads is narrower than their extremes.
        let (lo, hi) = product_percentiles(&[(0.75, 1.0, 1.25), (0.5, 1.0, 2.0), (0.9, 1.0, 1.1)]);
        assert!(lo > 0.75 * 0.5 * 0.9 && hi < 1.25 * 2.0 * 1.1, "{lo} {hi}");
    }
}

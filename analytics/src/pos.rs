//! `pos-nodes`: proof-of-stake energy = nodes × power per node × PUE. The
//! node's hardware is unknown, so three classes (low: single-board or mini
//! PC; medium: desktop; high: server) bound it, with best weights
//! 0.25 / 0.5 / 0.25.

use blockwatt_domain::Bounds;

use crate::params::Pue;

/// Best-guess share of nodes in the low / medium / high classes.
pub const CLASS_WEIGHTS: [f64; 3] = [0.25, 0.5, 0.25];

/// Mass of one node per class, kg: mini PC, desktop tower, 1U server
/// (typical vendor datasheets). Used for e-waste.
pub const NODE_MASS_KG: [f64; 3] = [1.0, 8.0, 15.0];

/// Servers and PCs are replaced on roughly a four-year cycle (the usual
/// accounting depreciation period for IT hardware).
pub const NODE_LIFETIME_YEARS: f64 = 4.0;

/// Power in W of `nodes` nodes with per-class wall power `class_w`.
pub fn pos_power_w(nodes: f64, class_w: [f64; 3], pue: Pue) -> Bounds {
    let mix: f64 = class_w.iter().zip(CLASS_WEIGHTS).map(|(w, s)| w * s).sum();
    Bounds::new(
        nodes * class_w[0] * pue.lower,
        nodes * mix * pue.best,
        nodes * class_w[2] * pue.upper,
    )
}

/// Fleet mass in kg of `nodes` nodes.
pub fn node_fleet_mass_kg(nodes: f64) -> Bounds {
    let mix: f64 = NODE_MASS_KG
        .iter()
        .zip(CLASS_WEIGHTS)
        .map(|(m, s)| m * s)
        .sum();
    Bounds::new(
        nodes * NODE_MASS_KG[0],
        nodes * mix,
        nodes * NODE_MASS_KG[2],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pos_formula_with_plain_numbers() {
        // 1000 nodes × (0.25·10 + 0.5·60 + 0.25·200 = 82.5 W) × 1.1 = 90.75 kW.
        let p = pos_power_w(1000.0, [10.0, 60.0, 200.0], Pue::default());
        assert!((p.best - 90_750.0).abs() < 1e-6);
        assert!((p.lower - 1000.0 * 10.0 * 1.01).abs() < 1e-6);
        assert!((p.upper - 1000.0 * 200.0 * 1.2).abs() < 1e-6);
        assert!(node_fleet_mass_kg(10.0).is_ordered());
    }
}

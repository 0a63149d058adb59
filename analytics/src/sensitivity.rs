//! One-at-a-time sensitivity: how far each parameter, moved across its
//! stated range with every other one at its best value, moves the best
//! figure it acts on. Ranked by that swing, it says which assumption a
//! reader should question first (a tornado chart draws the same list).
//!
//! Parameters the models use non-linearly (the electricity price and the
//! hardware mix change which machines are profitable; PUE enters the
//! profitability threshold) are re-run through the estimate. Those that
//! scale a figure exactly (node count and node power in `pos-nodes`, grid
//! intensity in carbon, lifetime in e-waste) are scaled, which gives the
//! same number as a re-run at a fraction of the cost.

use blockwatt_domain::{DailyMetrics, Estimate};
use chrono::NaiveDate;
use serde::Serialize;

use crate::catalogue::Catalogues;
use crate::error::Result;
use crate::estimation::{estimate_day_in_fleet, FleetDays};
use crate::methods::Method;
use crate::params::{Params, Pue, RigFactor};
use crate::pos::CLASS_WEIGHTS;

/// The electricity price range: half and double the CBECI v1 default
/// (0.05 USD/kWh), the span of industrial tariffs between cheap
/// hydropower and grid retail that mining studies quote.
pub const PRICE_RANGE_USD_PER_KWH: (f64, f64) = (0.025, 0.10);
/// Shipping delay of new hardware, months (the hardware mix): none (every
/// model running at announcement) to half a year.
pub const SHIPPING_DELAY_RANGE_MONTHS: (u32, u32) = (0, 6);
/// A validator count stands for nodes: operators run more than one node
/// per validator (sentries, backups) or several validators per node; we
/// state ±25% (the same spread the `pos-nodes` bounds use).
pub const NODE_COUNT_RANGE: (f64, f64) = crate::pos::NODE_COUNT_SPREAD;
/// Hardware lifetime: half to double the method's default.
pub const LIFETIME_RANGE: (f64, f64) = (0.5, 2.0);

/// A factor the energy is multiplied by, with a stated range: PUE, and
/// the rig factor where board figures were scaled. Both are re-run at
/// their ends (they also move the profitability threshold).
pub(crate) struct Multiplier {
    pub name: &'static str,
    pub range: &'static str,
    pub lower: f64,
    pub best: f64,
    pub upper: f64,
    /// False where the estimate did not use it (the rig factor on a basket
    /// of machines listed at the wall): then it moves nothing.
    pub applies: bool,
    with_best: fn(Params, f64, f64, f64) -> Params,
}

impl Multiplier {
    /// `params` with this factor's best at `best`, its bounds widened to
    /// include it.
    pub fn at(&self, params: &Params, best: f64) -> Params {
        (self.with_best)(
            params.clone(),
            self.lower.min(best),
            best,
            self.upper.max(best),
        )
    }
}

/// PUE and the rig factor, in that order whatever the estimate (the Monte
/// Carlo draws every one on every draw).
pub(crate) fn multipliers(params: &Params, base: &Estimate) -> [Multiplier; 2] {
    let (pue, rig) = (params.pue, params.rig_factor);
    [
        Multiplier {
            name: "pue",
            range: "the method's own PUE bounds (CBECI v1: 1.01 and 1.20)",
            lower: pue.lower,
            best: pue.best,
            upper: pue.upper,
            applies: true,
            with_best: |p, lower, best, upper| p.with_pue(Pue { lower, best, upper }),
        },
        Multiplier {
            name: "rig_factor",
            range: "McDonald 2022's lower and upper rig overhead over power-supply efficiency (1.06 and 1.33), for machines listed by board power",
            lower: rig.lower,
            best: rig.best,
            upper: rig.upper,
            // The hardware method records it only where it scaled a figure.
            applies: base.inputs.contains_key("rig_factor"),
            with_best: |p, lower, best, upper| p.with_rig_factor(RigFactor { lower, best, upper }),
        },
    ]
}

/// The node power classes (low, medium, high, W) a `pos-nodes` estimate
/// used, and their weighted mean.
pub(crate) fn node_classes(e: &Estimate) -> Option<([f64; 3], f64)> {
    let v = e.inputs.get("node_power_w")?;
    let c = [
        v.get("low")?.as_f64()?,
        v.get("medium")?.as_f64()?,
        v.get("high")?.as_f64()?,
    ];
    let mix = c.iter().zip(CLASS_WEIGHTS).map(|(w, s)| w * s).sum();
    Some((c, mix))
}

/// The grid intensity bounds (lower, best, upper gCO2e/kWh) an estimate used.
pub(crate) fn grid_bounds(e: &Estimate) -> Option<(f64, f64, f64)> {
    crate::input_bounds(&e.inputs, "grid_gco2e_per_kwh").map(|b| (b.lower, b.best, b.upper))
}

/// One parameter's effect on the best figure it acts on.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SensitivityRow {
    /// `electricity_price`, `pue`, `rig_factor`, `hardware_mix`, `node_count`,
    /// `node_power`, `grid_intensity` or `lifetime`.
    pub parameter: &'static str,
    /// Unit of `low`, `best` and `high`.
    pub unit: &'static str,
    /// The parameter's value at each end of its range and at its best.
    pub low: f64,
    pub best: f64,
    pub high: f64,
    /// Where the range comes from.
    pub range: &'static str,
    /// The figure it moves: `energy_twh_per_year`, `co2e_t_per_year` or
    /// `ewaste_t_per_year`.
    pub figure: &'static str,
    /// The best figure with the parameter at `low`, at its best, at `high`.
    /// `None` where the model gives no figure (no machine of the catalogue
    /// is profitable at that electricity price).
    pub figure_at_low: Option<f64>,
    pub figure_at_best: f64,
    pub figure_at_high: Option<f64>,
    /// (largest − smallest of the three figures) ÷ figure_at_best: the
    /// ranking key.
    pub swing: f64,
}

/// A day's estimate and its parameters ranked by how much they move it.
#[derive(Debug, Clone, PartialEq)]
pub struct Sensitivity {
    pub estimate: Estimate,
    pub ranked: Vec<SensitivityRow>,
}

/// Runs the estimate for `date` at `params`, then each parameter across
/// its range. The figures are the method's best values; the bounds of the
/// estimate itself are untouched.
pub fn sensitivity(
    catalogues: &Catalogues,
    chain: &str,
    date: NaiveDate,
    history: &[DailyMetrics],
    fleet: &FleetDays<'_>,
    params: &Params,
    method: Option<Method>,
) -> Result<Sensitivity> {
    let run =
        |p: &Params| estimate_day_in_fleet(catalogues, chain, date, history, fleet, p, method);
    let base = run(params)?;
    let resolved = Method::parse(&base.method)?;
    let energy = |e: &Estimate| e.energy_twh_per_year.best;
    let at_best = energy(&base);
    let mut rows = Vec::new();
    let mut push =
        |parameter, unit, (low, best, high), range, figure, at: (Option<f64>, f64, Option<f64>)| {
            let (at_low, at_best, at_high) = at;
            let known = [at_low, Some(at_best), at_high];
            let (min, max) = known
                .iter()
                .flatten()
                .fold((at_best, at_best), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
            let swing = if at_best > 0.0 {
                (max - min) / at_best
            } else {
                0.0
            };
            rows.push(SensitivityRow {
                parameter,
                unit,
                low,
                best,
                high,
                range,
                figure,
                figure_at_low: at_low,
                figure_at_best: at_best,
                figure_at_high: at_high,
                swing: if swing.is_finite() { swing } else { 0.0 },
            });
        };

    // A re-run that finds no figure (no model profitable at that price)
    // leaves that end empty: the network still runs, the model has nothing
    // to say about it.
    let rerun = |p: Params| -> Option<f64> { run(&p).ok().map(|e| energy(&e)) };
    let exact = Some;

    if resolved != Method::PosNodes {
        let (lo, hi) = PRICE_RANGE_USD_PER_KWH;
        push(
            "electricity_price",
            "USD/kWh",
            (lo, params.electricity_price_usd_per_kwh, hi),
            "half to double the CBECI v1 default of 0.05 USD/kWh",
            "energy_twh_per_year",
            (
                rerun(params.clone().with_price(lo)),
                at_best,
                rerun(params.clone().with_price(hi)),
            ),
        );
    }
    for m in multipliers(params, &base).iter().filter(|m| m.applies) {
        push(
            m.name,
            "ratio",
            (m.lower, m.best, m.upper),
            m.range,
            "energy_twh_per_year",
            (
                rerun(m.at(params, m.lower)),
                at_best,
                rerun(m.at(params, m.upper)),
            ),
        );
    }
    if resolved == Method::Hardware {
        let (lo, hi) = SHIPPING_DELAY_RANGE_MONTHS;
        let with_delay = |months| Params {
            shipping_delay_months: months,
            ..params.clone()
        };
        push(
            "hardware_mix",
            "months of shipping delay",
            (
                f64::from(lo),
                f64::from(params.shipping_delay_months),
                f64::from(hi),
            ),
            "new models running from announcement to half a year later",
            "energy_twh_per_year",
            (rerun(with_delay(lo)), at_best, rerun(with_delay(hi))),
        );
    }
    if resolved == Method::PosNodes {
        let nodes = base.inputs.get("node_count").and_then(|v| v.as_f64());
        if let Some(nodes) = nodes {
            let (lo, hi) = NODE_COUNT_RANGE;
            push(
                "node_count",
                "nodes",
                (nodes * lo, nodes, nodes * hi),
                "±25%: a validator count stands for nodes, which operators run more or fewer of",
                "energy_twh_per_year",
                (exact(at_best * lo), at_best, exact(at_best * hi)),
            );
        }
        if let Some((classes, mix)) = node_classes(&base) {
            push(
                "node_power",
                "W per node",
                (classes[0], mix, classes[2]),
                "every node in the chain's low or high hardware class",
                "energy_twh_per_year",
                (
                    exact(at_best * classes[0] / mix),
                    at_best,
                    exact(at_best * classes[2] / mix),
                ),
            );
        }
    }
    let grid = grid_bounds(&base);
    if let Some((lo, best, hi)) = grid.filter(|g| g.1 > 0.0) {
        let co2 = base.co2e_t_per_year.best;
        push(
            "grid_intensity",
            "gCO2e/kWh",
            (lo, best, hi),
            "the location profile's cleanest and dirtiest plausible mix",
            "co2e_t_per_year",
            (exact(co2 * lo / best), co2, exact(co2 * hi / best)),
        );
    }
    let lifetime = base.inputs.get("lifetime_years").and_then(|v| v.as_f64());
    if let Some(years) = lifetime.filter(|y| *y > 0.0) {
        let (lo, hi) = LIFETIME_RANGE;
        let waste = base.ewaste_t_per_year.best;
        push(
            "lifetime",
            "years",
            (years * lo, years, years * hi),
            "half to double the method's hardware lifetime",
            "ewaste_t_per_year",
            // E-waste is the fleet's mass over its lifetime.
            (exact(waste / lo), waste, exact(waste / hi)),
        );
    }
    rows.sort_by(|a, b| b.swing.total_cmp(&a.swing));
    Ok(Sensitivity {
        estimate: base,
        ranked: rows,
    })
}

//! Which figure of an estimate a widget or page shows, and the unit it is
//! shown in: the unit is chosen for the size of the figure (a chain of
//! 80 t CO2e a year reads "80 t/yr", not "0.0000800 Mt/yr").

use blockwatt_domain::{Bounds, Estimate};

/// A figure of an estimate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    Energy,
    Co2e,
    Water,
    Ewaste,
    EnergyPerTx,
}

/// `?metric=` values, the default first; `energy-per-tx` is also read as
/// `per-tx`.
pub const METRICS: [(&str, Metric); 5] = [
    ("energy", Metric::Energy),
    ("co2e", Metric::Co2e),
    ("water", Metric::Water),
    ("ewaste", Metric::Ewaste),
    ("per-tx", Metric::EnergyPerTx),
];

/// A unit of display: its symbol and how many base units it holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Unit {
    pub symbol: &'static str,
    pub factor: f64,
}

const fn u(symbol: &'static str, factor: f64) -> Unit {
    Unit { symbol, factor }
}

// Base units: kWh/yr, t/yr, m³/yr, t/yr, kWh per transaction.
const ENERGY: [Unit; 5] = [
    u("kWh/yr", 1.0),
    u("MWh/yr", 1e3),
    u("GWh/yr", 1e6),
    u("TWh/yr", 1e9),
    u("PWh/yr", 1e12),
];
const MASS: [Unit; 4] = [
    u("kg/yr", 1e-3),
    u("t/yr", 1.0),
    u("kt/yr", 1e3),
    u("Mt/yr", 1e6),
];
const WATER: [Unit; 4] = [
    u("m³/yr", 1.0),
    u("thousand m³/yr", 1e3),
    u("million m³/yr", 1e6),
    u("billion m³/yr", 1e9),
];
const PER_TX: [Unit; 4] = [
    u("Wh per tx", 1e-3),
    u("kWh per tx", 1.0),
    u("MWh per tx", 1e3),
    u("GWh per tx", 1e6),
];

impl Metric {
    /// The metric a query names (`None`: the default, energy).
    pub fn parse(raw: Option<&str>) -> Option<Metric> {
        let raw = raw.unwrap_or(METRICS[0].0);
        let raw = if raw == "energy-per-tx" {
            "per-tx"
        } else {
            raw
        };
        METRICS.iter().find(|(n, _)| *n == raw).map(|(_, m)| *m)
    }

    /// The names `parse` takes, for an error message.
    pub fn names() -> String {
        METRICS.map(|(n, _)| n).join(", ")
    }

    /// The query value of this metric.
    pub fn slug(self) -> &'static str {
        METRICS
            .iter()
            .find(|(_, m)| *m == self)
            .map_or("energy", |(n, _)| n)
    }

    /// Words for a heading: "energy", "CO2e emissions", …
    pub fn label(self) -> &'static str {
        match self {
            Metric::Energy => "energy",
            Metric::Co2e => "CO2e emissions",
            Metric::Water => "water",
            Metric::Ewaste => "e-waste",
            Metric::EnergyPerTx => "energy per transaction",
        }
    }

    /// The figure in base units (see [`Unit`]); `None` when the estimate
    /// has none (no transaction count for the day).
    pub fn bounds(self, e: &Estimate) -> Option<Bounds> {
        Some(match self {
            Metric::Energy => e.energy_twh_per_year.scale(1e9),
            Metric::Co2e => e.co2e_t_per_year,
            Metric::Water => e.water_m3_per_year,
            Metric::Ewaste => e.ewaste_t_per_year,
            Metric::EnergyPerTx => e.per_tx.as_ref()?.energy_kwh,
        })
    }

    fn units(self) -> &'static [Unit] {
        match self {
            Metric::Energy => &ENERGY,
            Metric::Co2e | Metric::Ewaste => &MASS,
            Metric::Water => &WATER,
            Metric::EnergyPerTx => &PER_TX,
        }
    }

    /// The largest unit in which `base` is at least 1 (the smallest unit
    /// for smaller figures).
    pub fn unit_for(self, base: f64) -> Unit {
        let units = self.units();
        units
            .iter()
            .rev()
            .find(|unit| base.abs() >= unit.factor)
            .copied()
            .unwrap_or(units[0])
    }
}

/// Three significant digits: enough for an estimate whose bounds span tens
/// of percent, and no more than it can claim.
pub fn sig3(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    // Below a thousandth, a run of zeros hides the digits that matter.
    if v.abs() < 1e-3 {
        return format!("{v:.2e}");
    }
    let digits = 2 - v.abs().log10().floor() as i32;
    if digits > 0 {
        format!("{:.*}", digits as usize, v)
    } else {
        format!("{v:.0}")
    }
}

/// A figure with its bounds, formatted in one unit.
#[derive(Debug, Clone, PartialEq)]
pub struct Shown {
    pub best: String,
    pub lower: String,
    pub upper: String,
    pub unit: Unit,
}

impl Shown {
    pub fn new(metric: Metric, b: Bounds) -> Shown {
        let unit = metric.unit_for(b.best);
        Shown::in_unit(b, unit)
    }

    pub fn in_unit(b: Bounds, unit: Unit) -> Shown {
        Shown {
            best: sig3(b.best / unit.factor),
            lower: sig3(b.lower / unit.factor),
            upper: sig3(b.upper / unit.factor),
            unit,
        }
    }

    /// "152 TWh/yr (95.1–211)".
    pub fn one_line(&self) -> String {
        format!(
            "{} {} ({}–{})",
            self.best, self.unit.symbol, self.lower, self.upper
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_unit_follows_the_size_of_the_figure() {
        let shown = |m, best: f64| Shown::new(m, Bounds::new(best * 0.5, best, best * 2.0));
        assert_eq!(shown(Metric::Co2e, 83.6).one_line(), "83.6 t/yr (41.8–167)");
        assert_eq!(
            shown(Metric::Co2e, 8.36e7).one_line(),
            "83.6 Mt/yr (41.8–167)"
        );
        assert_eq!(shown(Metric::Co2e, 0.2).one_line(), "200 kg/yr (100–400)");
        assert_eq!(
            shown(Metric::Energy, 1.52e11).one_line(),
            "152 TWh/yr (76.0–304)"
        );
        assert_eq!(shown(Metric::Energy, 2.6e6).unit.symbol, "GWh/yr");
        assert_eq!(shown(Metric::EnergyPerTx, 0.0302).best, "30.2");
        assert_eq!(shown(Metric::EnergyPerTx, 0.0302).unit.symbol, "Wh per tx");
        assert_eq!(shown(Metric::Water, 5.0e8).unit.symbol, "million m³/yr");
        // Below the smallest unit: the smallest unit, never a blank.
        assert_eq!(shown(Metric::Co2e, 1e-5).unit.symbol, "kg/yr");
        assert_eq!(sig3(4.1385933e-11), "4.14e-11");
        assert_eq!(sig3(0.0302), "0.0302");
    }

    #[test]
    fn metric_names_parse_and_round_trip() {
        for (name, m) in METRICS {
            assert_eq!(Metric::parse(Some(name)), Some(m));
            assert_eq!(m.slug(), name);
        }
        assert_eq!(Metric::parse(None), Some(Metric::Energy));
        assert_eq!(
            Metric::parse(Some("energy-per-tx")),
            Some(Metric::EnergyPerTx)
        );
        assert_eq!(Metric::parse(Some("joules")), None);
    }
}

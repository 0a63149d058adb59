//! MiCA sustainability indicators (Commission Delegated Regulation (EU)
//! 2025/422, mandatory indicators for consensus mechanisms) for one
//! crypto-asset over a reporting period, from our daily estimates.

use blockwatt_domain::{DailyMetrics, Estimate};
use chrono::NaiveDate;
use serde::Serialize;

use crate::catalogue::{year_of, Catalogues};
use crate::error::{AnalyticsError, Result};
use crate::location::{location_weighted, plausible_locations};
use crate::methods::{footprint_methodology, methodology, Method};
use crate::units::DAYS_PER_YEAR;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MicaIndicators {
    pub chain: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    /// Days with an estimate in the period.
    pub days: usize,
    pub methods: Vec<String>,
    /// Energy consumption, kWh per year (mean over the period, best estimate).
    pub energy_kwh_per_year: f64,
    /// Renewable share of the electricity used (location-weighted, 0..1).
    pub renewable_share: f64,
    /// kWh per transaction over the period (None without transaction counts).
    pub energy_kwh_per_tx: Option<f64>,
    /// Scope 2 (location-based) emissions over the period, tCO2e.
    pub scope2_t_co2e: f64,
    pub co2e_kg_per_tx: Option<f64>,
    /// Waste electrical and electronic equipment generated over the period, t.
    pub weee_t: f64,
    /// Water consumed over the period, m³.
    pub water_m3: f64,
    /// Grams of WEEE per transaction.
    pub waste_g_per_tx: Option<f64>,
    pub methodology: String,
}

/// Indicators over the estimates (one chain, any order) and the daily
/// metrics that carry transaction counts for the same days.
pub fn mica(
    catalogues: &Catalogues,
    estimates: &[Estimate],
    days: &[DailyMetrics],
) -> Result<MicaIndicators> {
    let first = estimates.first().ok_or(AnalyticsError::InvalidInput {
        name: "estimates",
        value: 0.0,
        why: "need at least one estimate in the period",
    })?;
    let chain = first.chain.clone();
    let profile = catalogues.chain(&chain)?;
    let (mut start, mut end) = (first.date, first.date);
    let (mut twh_sum, mut energy_kwh, mut co2e_t, mut weee_t, mut water_m3) =
        (0.0, 0.0, 0.0, 0.0, 0.0);
    let mut txs: u64 = 0;
    let mut all_days_have_txs = true;
    let mut methods: Vec<String> = Vec::new();
    for e in estimates {
        if e.chain != chain {
            return Err(AnalyticsError::UnorderedDays { chain, day: e.date });
        }
        start = start.min(e.date);
        end = end.max(e.date);
        twh_sum += e.energy_twh_per_year.best;
        // One day of an annual rate.
        energy_kwh += e.energy_twh_per_year.best * 1e9 / DAYS_PER_YEAR;
        co2e_t += e.co2e_t_per_year.best / DAYS_PER_YEAR;
        weee_t += e.ewaste_t_per_year.best / DAYS_PER_YEAR;
        water_m3 += e.water_m3_per_year.best / DAYS_PER_YEAR;
        match days
            .iter()
            .find(|d| d.day == e.date && d.chain == chain)
            .and_then(|d| d.tx_count)
        {
            Some(n) => txs += n,
            None => all_days_have_txs = false,
        }
        if !methods.contains(&e.method) {
            methods.push(e.method.clone());
        }
    }
    let n = estimates.len();
    let shares = catalogues
        .location_for(&profile.location_profile, year_of(end))
        .map(|(_, shares)| shares)
        .unwrap_or(&[]);
    let renewable = location_weighted(
        shares,
        &plausible_locations(catalogues),
        &catalogues.renewable_share,
        year_of(end),
        0.0,
    )
    .map(|b| b.best)
    .unwrap_or(0.0);
    let per_tx = |total: f64| (all_days_have_txs && txs > 0).then(|| total / txs as f64);
    let mut text = String::new();
    for m in &methods {
        if let Ok(m) = Method::parse(m) {
            text.push_str(methodology(m));
            text.push(' ');
        }
    }
    text.push_str(footprint_methodology());
    text.push_str(" Period figures sum one day of each daily annualised best estimate; per-transaction figures divide by the period's on-chain transactions.");
    Ok(MicaIndicators {
        chain,
        period_start: start,
        period_end: end,
        days: n,
        methods,
        energy_kwh_per_year: twh_sum / n as f64 * 1e9,
        renewable_share: renewable,
        energy_kwh_per_tx: per_tx(energy_kwh),
        scope2_t_co2e: co2e_t,
        co2e_kg_per_tx: per_tx(co2e_t * 1000.0),
        weee_t,
        water_m3,
        waste_g_per_tx: per_tx(weee_t * 1e6),
        methodology: text,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use blockwatt_domain::Bounds;

    fn est(day: &str) -> Estimate {
        let b = |x: f64| Bounds::new(x, x, x);
        Estimate {
            chain: "bitcoin".into(),
            date: day.parse().unwrap(),
            basis: blockwatt_domain::Basis::Measured,
            as_of: day.parse().unwrap(),
            method: "hardware".into(),
            methodology_version: "hardware.1".into(),
            power_w: b(0.0),
            energy_twh_per_year: b(365.25),
            co2e_t_per_year: b(365.25e6),
            water_m3_per_year: b(365.25),
            ewaste_t_per_year: b(365.25),
            per_tx: None,
            inputs: Default::default(),
        }
    }

    #[test]
    fn indicators_with_plain_numbers() {
        let c = Catalogues::embedded();
        let mut d1 = DailyMetrics::empty("bitcoin", "2020-01-01".parse().unwrap(), "t");
        d1.tx_count = Some(1_000_000);
        let mut d2 = d1.clone();
        d2.day = "2020-01-02".parse().unwrap();
        let m = mica(c, &[est("2020-01-01"), est("2020-01-02")], &[d1, d2]).unwrap();
        // 365.25 TWh/yr = 1e9 kWh/day; two days = 2e9 kWh over 2e6 tx = 1000 kWh/tx.
        assert_eq!(m.energy_kwh_per_year, 365.25e9);
        assert!((m.energy_kwh_per_tx.unwrap() - 1000.0).abs() < 1e-9);
        assert!((m.scope2_t_co2e - 2e6).abs() < 1e-6);
        assert!((m.co2e_kg_per_tx.unwrap() - 1000.0).abs() < 1e-9);
        assert!((m.weee_t - 2.0).abs() < 1e-12);
        assert!((m.waste_g_per_tx.unwrap() - 1.0).abs() < 1e-12);
        assert!(m.renewable_share > 0.0 && m.renewable_share < 1.0);
        assert!(m.methodology.contains("age"));
        assert!(mica(c, &[], &[]).is_err());
    }
}

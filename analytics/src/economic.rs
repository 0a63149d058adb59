//! `economic`: an independent cross-check. In a competitive market miners
//! spend a roughly stable share of revenue on electricity, so
//! energy = revenue × share ÷ price. No hardware list, no hashrate.

use blockwatt_domain::Bounds;

/// kWh bought per day with `share` of `revenue_usd` at `price_usd_per_kwh`.
pub fn energy_kwh_per_day(revenue_usd: f64, share: f64, price_usd_per_kwh: f64) -> f64 {
    revenue_usd * share / price_usd_per_kwh
}

/// Constant power (W) equivalent to `kwh` spread over one day.
pub fn kwh_per_day_to_watts(kwh: f64) -> f64 {
    kwh * 1000.0 / 24.0
}

/// The share's bounds: two thirds of it (miners with cheaper hosting, sunk
/// hardware) up to halfway to the whole revenue. At the default 0.6 this is
/// 0.4 / 0.6 / 0.8, the range of published miner cost breakdowns.
pub fn share_bounds(share: f64) -> Bounds {
    Bounds::new(share * 2.0 / 3.0, share, share + (1.0 - share) / 2.0)
}

/// Power bounds in W for one day's revenue.
pub fn economic_power_w(revenue_usd: f64, share: f64, price_usd_per_kwh: f64) -> Bounds {
    let s = share_bounds(share);
    let w = |sh| kwh_per_day_to_watts(energy_kwh_per_day(revenue_usd, sh, price_usd_per_kwh));
    Bounds::new(w(s.lower), w(s.best), w(s.upper))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn economic_formula_with_plain_numbers() {
        // 10 M USD/day × 0.6 ÷ 0.05 USD/kWh = 120 GWh/day = 5 GW.
        assert!((energy_kwh_per_day(10e6, 0.6, 0.05) - 1.2e8).abs() < 1e-3);
        let p = economic_power_w(10e6, 0.6, 0.05);
        assert!((p.best - 5e9).abs() < 1e-3);
        assert!((p.lower - 5e9 * 2.0 / 3.0).abs() < 1e-3);
        assert!((p.upper - 5e9 * 0.8 / 0.6).abs() < 1e-3);
        assert!(share_bounds(1.0).is_ordered() && share_bounds(0.01).is_ordered());
    }
}

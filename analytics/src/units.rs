//! Unit conversions in one place, so "× 8766 / 1e12" appears once.

/// Hours in a Julian year: CBECI annualises with 24 × 365.25.
pub const HOURS_PER_YEAR: f64 = 24.0 * 365.25;
pub const DAYS_PER_YEAR: f64 = 365.25;
pub const SECONDS_PER_DAY: f64 = 86_400.0;
pub const JOULES_PER_KWH: f64 = 3.6e6;

/// Constant power (W) → energy over a year (TWh/yr).
pub fn watts_to_twh_per_year(watts: f64) -> f64 {
    watts * HOURS_PER_YEAR / 1e12
}

/// Annual energy (TWh/yr) → constant power (W).
pub fn twh_per_year_to_watts(twh: f64) -> f64 {
    twh * 1e12 / HOURS_PER_YEAR
}

/// Annual energy (TWh/yr) → energy in one day (kWh).
pub fn twh_per_year_to_kwh_per_day(twh: f64) -> f64 {
    twh * 1e9 / DAYS_PER_YEAR
}

/// TWh × gCO2e/kWh → tonnes CO2e (1e9 kWh × g ÷ 1e6 g/t).
pub fn twh_times_g_per_kwh_to_tonnes(twh: f64, g_per_kwh: f64) -> f64 {
    twh * g_per_kwh * 1e3
}

/// TWh × L/kWh → m³ (1e9 kWh × L ÷ 1e3 L/m³).
pub fn twh_times_l_per_kwh_to_m3(twh: f64, l_per_kwh: f64) -> f64 {
    twh * l_per_kwh * 1e6
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_gigawatt_is_8766_twh_per_year_over_1000() {
        assert!((watts_to_twh_per_year(1e9) - 8.766).abs() < 1e-12);
        assert!((twh_per_year_to_watts(8.766) - 1e9).abs() < 1e-3);
    }

    #[test]
    fn carbon_and_water_units() {
        // 100 TWh at 500 g/kWh = 50 Mt.
        assert!((twh_times_g_per_kwh_to_tonnes(100.0, 500.0) - 5e7).abs() < 1e-6);
        // 1 TWh at 2 L/kWh = 2e9 L = 2e6 m³.
        assert!((twh_times_l_per_kwh_to_m3(1.0, 2.0) - 2e6).abs() < 1e-6);
        assert!((twh_per_year_to_kwh_per_day(365.25) - 1e9).abs() < 1e-3);
    }
}

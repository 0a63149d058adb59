//! Carbon, location-based (GHG Protocol Scope 2 location method): energy ×
//! grid intensity of where the machines are. Country intensities by year:
//! Ember and Energy Institute via Our World in Data (CC BY 4.0).

use blockwatt_domain::Bounds;

/// Tonnes CO2e per year for `energy_twh_per_year` at `g_per_kwh`, bound by
/// bound (low energy with a clean mix, high energy with a dirty one).
pub fn co2e_t_per_year(energy_twh_per_year: Bounds, g_per_kwh: Bounds) -> Bounds {
    let t = crate::units::twh_times_g_per_kwh_to_tonnes;
    Bounds::new(
        t(energy_twh_per_year.lower, g_per_kwh.lower),
        t(energy_twh_per_year.best, g_per_kwh.best),
        t(energy_twh_per_year.upper, g_per_kwh.upper),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carbon_with_plain_numbers() {
        let c = co2e_t_per_year(
            Bounds::new(50.0, 100.0, 200.0),
            Bounds::new(300.0, 500.0, 700.0),
        );
        // 100 TWh × 500 g/kWh = 50 Mt.
        assert_eq!(c.best, 5e7);
        assert_eq!(c.lower, 1.5e7);
        assert_eq!(c.upper, 1.4e8);
    }
}

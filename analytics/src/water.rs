//! Water: energy × consumptive water use of electricity generation (L/kWh)
//! where the machines are. The country figure is the generation mix
//! (codecarbon / OWID) × per-source water use (Meldrum et al. 2013), see
//! `config/catalogues/energy_mix.csv`. Hydro reservoir evaporation is left
//! out, as most national inventories do.

use blockwatt_domain::Bounds;

/// Cubic metres per year for `energy_twh_per_year` at `l_per_kwh`.
pub fn water_m3_per_year(energy_twh_per_year: Bounds, l_per_kwh: Bounds) -> Bounds {
    let m3 = crate::units::twh_times_l_per_kwh_to_m3;
    Bounds::new(
        m3(energy_twh_per_year.lower, l_per_kwh.lower),
        m3(energy_twh_per_year.best, l_per_kwh.best),
        m3(energy_twh_per_year.upper, l_per_kwh.upper),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn water_with_plain_numbers() {
        // 1 TWh × 1.5 L/kWh = 1.5e9 L = 1.5e6 m³.
        let w = water_m3_per_year(Bounds::new(1.0, 1.0, 1.0), Bounds::new(1.0, 1.5, 2.0));
        assert_eq!(w, Bounds::new(1e6, 1.5e6, 2e6));
    }
}

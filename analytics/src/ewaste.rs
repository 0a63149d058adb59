//! E-waste: the fleet's mass retires once per lifetime, so tonnes per year =
//! fleet mass ÷ lifetime (de Vries & Stoll 2021 for Bitcoin: 1.29 years).

use blockwatt_domain::Bounds;

/// Fleet mass in kg: hashrate × mass per unit of hashrate.
pub fn fleet_mass_kg(hashrate_hs: f64, mass_kg_per_hs: Bounds) -> Bounds {
    mass_kg_per_hs.scale(hashrate_hs)
}

/// Tonnes of hardware retired per year.
pub fn ewaste_t_per_year(fleet_mass_kg: Bounds, lifetime_years: f64) -> Bounds {
    fleet_mass_kg.scale(1.0 / (lifetime_years * 1000.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ewaste_with_plain_numbers() {
        // 1e20 H/s of S19-class machines (14.2 kg per 95 TH/s) = 1.05 M machines ≈ 14,947 t;
        // over 1.29 years ≈ 11,587 t/yr.
        let per_hs = 14.2 / 95e12;
        let mass = fleet_mass_kg(1e20, Bounds::new(per_hs, per_hs, per_hs));
        assert!((mass.best - 14_947_368.4).abs() < 1.0);
        let t = ewaste_t_per_year(mass, 1.29);
        assert!((t.best - 11_587.1).abs() < 0.1);
    }
}

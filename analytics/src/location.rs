//! Location weighting shared by carbon and water: a per-country figure
//! averaged with where the hashrate (or the nodes) are, and bounds from
//! moving part of that mix to the cleanest or dirtiest plausible place.

use std::collections::BTreeSet;

use blockwatt_domain::Bounds;

use crate::catalogue::{Catalogues, CountrySeries, LocationShare};

/// Countries that appear in any location profile: where mining and nodes
/// plausibly are. The bounds move mass only among these.
pub fn plausible_locations(catalogues: &Catalogues) -> BTreeSet<&str> {
    catalogues
        .locations
        .values()
        .flatten()
        .map(|s| s.iso3.as_str())
        .collect()
}

/// A country's value of `series` for `year`, or the world's (`WLD`) when
/// the series lacks the country.
fn value_or_world(series: &CountrySeries, iso3: &str, year: i32) -> Option<f64> {
    series
        .get(iso3, year)
        .or_else(|| series.get("WLD", year))
        .map(|r| r.1)
}

/// Location-weighted value of `series` for `year`:
/// best = Σ share × value (a country missing from the series counts at the
/// world value `WLD`); lower/upper = best with `uncertainty` of the mix moved
/// to the cleanest/dirtiest plausible country.
pub fn location_weighted(
    shares: &[LocationShare],
    plausible: &BTreeSet<&str>,
    series: &CountrySeries,
    year: i32,
    uncertainty: f64,
) -> Option<Bounds> {
    let (mut sum, mut weight) = (0.0, 0.0);
    for s in shares {
        let v = value_or_world(series, &s.iso3, year)?;
        sum += s.share * v;
        weight += s.share;
    }
    if weight <= 0.0 {
        return None;
    }
    Some(widen(sum / weight, plausible, series, year, uncertainty))
}

/// `best` with `uncertainty` of it moved to the cleanest / dirtiest
/// plausible country's value of `series` for `year` (a country missing
/// from the series counts at the world value `WLD`).
pub fn widen(
    best: f64,
    plausible: &BTreeSet<&str>,
    series: &CountrySeries,
    year: i32,
    uncertainty: f64,
) -> Bounds {
    let values: Vec<f64> = plausible
        .iter()
        .filter_map(|c| value_or_world(series, c, year))
        .collect();
    let min = values.iter().copied().fold(best, f64::min);
    let max = values.iter().copied().fold(best, f64::max);
    Bounds::new(
        (1.0 - uncertainty) * best + uncertainty * min,
        best,
        (1.0 - uncertainty) * best + uncertainty * max,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weighted_mean_and_bounds() {
        let c = Catalogues::embedded();
        let shares = [
            LocationShare {
                iso3: "NOR".into(),
                share: 0.5,
            },
            LocationShare {
                iso3: "CHN".into(),
                share: 0.5,
            },
        ];
        let plausible = plausible_locations(c);
        let b = location_weighted(&shares, &plausible, &c.grid_intensity, 2020, 0.2).unwrap();
        let nor = c.grid_intensity.get("NOR", 2020).unwrap().1;
        let chn = c.grid_intensity.get("CHN", 2020).unwrap().1;
        assert!((b.best - (nor + chn) / 2.0).abs() < 1e-9);
        assert!(b.is_ordered());
        // No uncertainty: zero-width bounds.
        let b = location_weighted(&shares, &plausible, &c.grid_intensity, 2020, 0.0).unwrap();
        assert_eq!((b.lower, b.upper), (b.best, b.best));
    }
}

//! `/v1/chains/{chain}/reconcile`: blockwatt's figure beside every figure
//! another index published for the chain (`published_figures.csv`), with
//! the gap and what it comes from: the same approach on other inputs (our
//! comparable method against theirs), or another approach altogether.

use blockwatt_analytics::units::twh_per_year_to_watts;
use blockwatt_analytics::{Params, PublishedFigure};
use blockwatt_domain::{Basis, Bounds, Estimate};
use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use crate::{Footprints, ServiceError};

/// One of our estimates of a published figure.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct OurFigure {
    pub method: String,
    pub methodology_version: String,
    pub basis: Basis,
    pub as_of: NaiveDate,
    /// Our lower / best / upper of the same figure, in its unit.
    pub value: Bounds,
    /// Our best ÷ the published value.
    pub ratio: f64,
    /// Whether the published value lies within our bounds.
    pub published_within_bounds: bool,
}

/// A published figure and ours beside it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Reconciled {
    pub index: String,
    pub release: String,
    pub date: NaiveDate,
    /// `energy_twh_per_year` or `co2e_t_per_year`.
    pub figure: String,
    pub published: f64,
    pub source: String,
    /// How the index got its figure.
    pub method_note: String,
    /// Our default estimate of the day, or why there is none.
    pub ours: Option<OurFigure>,
    /// Our method that follows the index's approach, when it is not the
    /// default: the gap it leaves is the inputs' (and hardware list's).
    pub ours_same_approach: Option<OurFigure>,
    /// Why `ours` is empty (no stored data for that day, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unavailable: Option<String>,
    /// What `ours.ratio` is made of, where the index published enough to
    /// tell (its hashrate, or its energy beside its carbon): the factors'
    /// ratios multiply to it. Empty otherwise.
    pub factors: Vec<GapFactor>,
    /// The gap in words: inputs, method, or both.
    pub explanation: String,
}

/// One factor of a gap: an input of the published figure beside ours.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct GapFactor {
    /// `network_hashrate_hs` (H/s), `energy_per_hash_j_per_h` (J/H at the
    /// wall, from the annual energy), `energy_twh_per_year`, or
    /// `carbon_per_kwh_g` (gCO2e/kWh).
    pub factor: String,
    pub published: f64,
    pub ours: f64,
    /// Ours ÷ published.
    pub ratio: f64,
}

impl GapFactor {
    fn new(factor: &str, published: f64, ours: f64) -> Option<GapFactor> {
        let ratio = ours / published;
        ratio.is_finite().then(|| GapFactor {
            factor: factor.to_owned(),
            published,
            ours,
            ratio,
        })
    }
}

/// The energy part of a gap: hashrate and energy per hash when the index
/// published its hashrate, else the energy itself.
fn energy_factors(published_twh: f64, hashrate_hs: Option<f64>, e: &Estimate) -> Vec<GapFactor> {
    let ours_twh = e.energy_twh_per_year.best;
    let ours_hs = e
        .inputs
        .get("hashrate_hs")
        .and_then(serde_json::Value::as_f64);
    match (hashrate_hs, ours_hs.filter(|h| *h > 0.0)) {
        (Some(theirs), Some(ours)) => {
            let per_hash = |twh: f64, hs: f64| twh_per_year_to_watts(twh) / hs;
            [
                GapFactor::new("network_hashrate_hs", theirs, ours),
                GapFactor::new(
                    "energy_per_hash_j_per_h",
                    per_hash(published_twh, theirs),
                    per_hash(ours_twh, ours),
                ),
            ]
            .into_iter()
            .flatten()
            .collect()
        }
        _ => GapFactor::new("energy_twh_per_year", published_twh, ours_twh)
            .into_iter()
            .collect(),
    }
}

/// The factors of `f`'s gap to `e`: for energy with the index's hashrate,
/// as [`energy_factors`]; for carbon, those of the index's energy of the
/// same day (when it published one) and the carbon per kWh.
fn factors(f: &PublishedFigure, all: &[PublishedFigure], e: &Estimate) -> Vec<GapFactor> {
    match f.figure.as_str() {
        // Without the index's hashrate an energy gap has one factor, itself.
        "energy_twh_per_year" if f.network_hashrate_hs.is_some() => {
            energy_factors(f.value, f.network_hashrate_hs, e)
        }
        "co2e_t_per_year" => {
            let Some(energy) = all.iter().find(|p| {
                p.figure == "energy_twh_per_year"
                    && (&p.index, &p.release, &p.chain, p.date)
                        == (&f.index, &f.release, &f.chain, f.date)
            }) else {
                return Vec::new();
            };
            let per_kwh = |t: f64, twh: f64| t / (twh * 1e3);
            let mut out = energy_factors(energy.value, energy.network_hashrate_hs, e);
            out.extend(GapFactor::new(
                "carbon_per_kwh_g",
                per_kwh(f.value, energy.value),
                per_kwh(e.co2e_t_per_year.best, e.energy_twh_per_year.best),
            ));
            out
        }
        _ => Vec::new(),
    }
}

fn factor_text(g: &GapFactor) -> String {
    let (name, unit) = match g.factor.as_str() {
        "network_hashrate_hs" => ("hashrate", " H/s"),
        "energy_per_hash_j_per_h" => ("energy per hash at the wall", " J/H"),
        "energy_twh_per_year" => ("energy", " TWh/yr"),
        "carbon_per_kwh_g" => ("carbon per kWh", " g"),
        other => (other, ""),
    };
    format!(
        "{name} ×{:.3} (ours {:.4e}{unit} against {:.4e})",
        g.ratio, g.ours, g.published
    )
}

fn pick(e: &Estimate, figure: &str) -> Bounds {
    match figure {
        "co2e_t_per_year" => e.co2e_t_per_year,
        _ => e.energy_twh_per_year,
    }
}

fn ours(e: &Estimate, f: &PublishedFigure) -> OurFigure {
    let value = pick(e, &f.figure);
    OurFigure {
        method: e.method.clone(),
        methodology_version: e.methodology_version.clone(),
        basis: e.basis,
        as_of: e.as_of,
        value,
        ratio: value.best / f.value,
        published_within_bounds: value.lower <= f.value && f.value <= value.upper,
    }
}

fn explanation(
    f: &PublishedFigure,
    ours: Option<&OurFigure>,
    same: Option<&OurFigure>,
    factors: &[GapFactor],
) -> String {
    let Some(o) = ours else {
        return format!(
            "{} {}: {}. blockwatt has no figure for {} to set beside it.",
            f.index, f.release, f.method_note, f.date
        );
    };
    let gap = |x: &OurFigure| format!("{:+.1}%", (x.ratio - 1.0) * 100.0);
    let within = if o.published_within_bounds {
        "within"
    } else {
        "outside"
    };
    let mut text = format!(
        "{} {}: {}. Ours ({}) is {} from it; the published value is {} our bounds.",
        f.index,
        f.release,
        f.method_note,
        o.method,
        gap(o),
        within
    );
    match (f.comparable_method, same) {
        (Some(m), Some(s)) => text.push_str(&format!(
            " With the same approach ({}), ours is {}: what remains is inputs and list, not method.",
            m.name(),
            gap(s)
        )),
        (Some(m), None) if m.name() == o.method => text.push_str(
            " Ours follows the same approach: the gap is the inputs (and the hardware list or node data), not the method.",
        ),
        (Some(m), None) => text.push_str(&format!(
            " Our {} method follows the same approach but has no figure for the day.",
            m.name()
        )),
        (None, _) => text.push_str(
            " No method of ours follows its approach: the gap is method and inputs together.",
        ),
    }
    if !factors.is_empty() {
        let parts: Vec<String> = factors.iter().map(factor_text).collect();
        text.push_str(&format!(
            " Ours over theirs, factor by factor: {}.",
            parts.join("; ")
        ));
    }
    text
}

impl Footprints {
    /// Every published figure of `chain` (those of `date` only, when
    /// given), each beside our default estimate of its day and, where we
    /// have one, our estimate by the same approach.
    pub async fn reconcile(
        &self,
        chain: &str,
        date: Option<NaiveDate>,
    ) -> Result<Vec<Reconciled>, ServiceError> {
        self.chain(chain)?;
        if let Some(day) = date {
            self.check_launched(chain, day)?;
        }
        let params = Params::default();
        let mut out = Vec::new();
        for f in self
            .catalogues()
            .published
            .iter()
            .filter(|f| f.chain == chain && date.is_none_or(|d| f.date == d))
        {
            let (mine, unavailable, gap_factors) =
                match self.day_by(chain, Some(f.date), None, &params).await {
                    Ok(e) => (
                        Some(ours(&e, f)),
                        None,
                        factors(f, &self.catalogues().published, &e),
                    ),
                    Err(e) if e.is_no_estimate() => (None, Some(e.to_string()), Vec::new()),
                    Err(e) => return Err(e),
                };
            let same = match f.comparable_method {
                Some(m) if mine.as_ref().is_some_and(|o| o.method != m.name()) => self
                    .day_by(chain, Some(f.date), Some(m), &params)
                    .await
                    .ok()
                    .map(|e| ours(&e, f)),
                _ => None,
            };
            out.push(Reconciled {
                index: f.index.clone(),
                release: f.release.clone(),
                date: f.date,
                figure: f.figure.clone(),
                published: f.value,
                source: f.source.clone(),
                method_note: f.method_note.clone(),
                explanation: explanation(f, mine.as_ref(), same.as_ref(), &gap_factors),
                ours: mine,
                ours_same_approach: same,
                unavailable,
                factors: gap_factors,
            });
        }
        Ok(out)
    }
}

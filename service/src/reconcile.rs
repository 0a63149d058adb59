//! `/v1/chains/{chain}/reconcile`: blockwatt's figure beside every figure
//! another index published for the chain (`published_figures.csv`), with
//! the gap and what it comes from: the same approach on other inputs (our
//! comparable method against theirs), or another approach altogether.

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
    /// The gap in words: inputs, method, or both.
    pub explanation: String,
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

fn explanation(f: &PublishedFigure, ours: Option<&OurFigure>, same: Option<&OurFigure>) -> String {
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
            let (mine, unavailable) = match self.day_by(chain, Some(f.date), None, &params).await {
                Ok(e) => (Some(ours(&e, f)), None),
                Err(e) if e.is_no_estimate() => (None, Some(e.to_string())),
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
                explanation: explanation(f, mine.as_ref(), same.as_ref()),
                ours: mine,
                ours_same_approach: same,
                unavailable,
            });
        }
        Ok(out)
    }
}

//! One day's inputs as each source stored them, and where our own figures
//! (derived from the blocks we ingested, which win) and a provider's
//! disagree. The newest disagreement per chain, field and provider is kept
//! on a board `/metrics` exports, refreshed whenever either side writes.

use std::collections::BTreeMap;
use std::sync::Mutex;

use blockwatt_domain::{merge_sources, DailyMetrics};
use blockwatt_store::Store;
use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use crate::footprints::SOURCE_PREFERENCE;
use crate::ServiceError;

/// The source of rows derived from our own ingested blocks.
pub const OWN_SOURCE: &str = "blocks";

/// What the models read for a day, and from whom.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DayInputs {
    pub chain: String,
    pub date: NaiveDate,
    /// Which source wins a field both have, first first.
    pub preference: Vec<String>,
    /// The row the models read: each field from the first source in
    /// `preference` that has it; `source` lists those that contributed.
    pub merged: DailyMetrics,
    /// Every source's own row for the day.
    pub sources: Vec<DailyMetrics>,
    /// Fields our blocks and a provider both gave.
    pub comparisons: Vec<Comparison>,
}

/// One field both the reference source and another gave.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Comparison {
    pub field: String,
    /// The source whose figure the models use: our own blocks where we
    /// ingest the chain, else the first provider of `preference`.
    pub reference_source: String,
    pub reference: f64,
    /// The other source (`coinmetrics`, `mempool`).
    pub source: String,
    pub value: f64,
    /// (value − reference) / reference; absent when the reference is 0.
    pub relative_difference: Option<f64>,
}

/// The fields two sources' rows can both hold.
fn comparable(m: &DailyMetrics) -> [(&'static str, Option<f64>); 7] {
    [
        ("hashrate_hs", m.hashrate_hs),
        ("difficulty_mean", m.difficulty_mean),
        ("block_count", m.block_count.map(|v| v as f64)),
        ("tx_count", m.tx_count.map(|v| v as f64)),
        ("block_size_mean_bytes", m.block_size_mean_bytes),
        ("fees_native", m.fees_native),
        ("issuance_native", m.issuance_native),
    ]
}

/// Every other source's row against the reference row (the first in
/// [`SOURCE_PREFERENCE`] present, our blocks first), field by field.
pub fn compare(rows: &[DailyMetrics]) -> Vec<Comparison> {
    let rank = |source: &str| {
        SOURCE_PREFERENCE
            .iter()
            .position(|p| *p == source)
            .unwrap_or(SOURCE_PREFERENCE.len())
    };
    let Some(reference) = rows
        .iter()
        .min_by(|a, b| (rank(&a.source), &a.source).cmp(&(rank(&b.source), &b.source)))
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for other in rows.iter().filter(|r| r.source != reference.source) {
        for ((field, mine), (_, theirs)) in comparable(reference).into_iter().zip(comparable(other))
        {
            if let (Some(reference_value), Some(value)) = (mine, theirs) {
                out.push(Comparison {
                    field: field.to_owned(),
                    reference_source: reference.source.clone(),
                    reference: reference_value,
                    source: other.source.clone(),
                    value,
                    relative_difference: (reference_value != 0.0)
                        .then(|| (value - reference_value) / reference_value),
                });
            }
        }
    }
    out
}

/// (chain, field, provider) → (day, relative difference).
type Latest = BTreeMap<(String, String, String), (NaiveDate, Option<f64>)>;

/// The newest comparison per (chain, field, provider), for `/metrics`.
#[derive(Debug, Default)]
pub struct AgreementBoard {
    latest: Mutex<Latest>,
}

/// One exported sample.
#[derive(Debug, Clone, PartialEq)]
pub struct Agreement {
    pub chain: String,
    pub field: String,
    pub source: String,
    pub day: NaiveDate,
    pub relative_difference: Option<f64>,
}

impl AgreementBoard {
    /// Keeps `day`'s comparisons where no newer day is kept.
    pub fn record(&self, chain: &str, day: NaiveDate, comparisons: &[Comparison]) {
        let mut latest = self.latest.lock().unwrap_or_else(|p| p.into_inner());
        for c in comparisons {
            let key = (chain.to_owned(), c.field.clone(), c.source.clone());
            if latest.get(&key).is_none_or(|(d, _)| *d <= day) {
                latest.insert(key, (day, c.relative_difference));
            }
        }
    }

    pub fn snapshot(&self) -> Vec<Agreement> {
        let latest = self.latest.lock().unwrap_or_else(|p| p.into_inner());
        latest
            .iter()
            .map(|((chain, field, source), (day, rel))| Agreement {
                chain: chain.clone(),
                field: field.clone(),
                source: source.clone(),
                day: *day,
                relative_difference: *rel,
            })
            .collect()
    }

    /// Compares the stored rows of `days` and records them; what either
    /// side just wrote.
    pub async fn refresh(
        &self,
        store: &dyn Store,
        chain: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<(), ServiceError> {
        let rows = store.daily_metrics(chain, from, to).await?;
        let mut by_day: BTreeMap<NaiveDate, Vec<DailyMetrics>> = BTreeMap::new();
        for r in rows {
            by_day.entry(r.day).or_default().push(r);
        }
        for (day, rows) in by_day {
            self.record(chain, day, &compare(&rows));
        }
        Ok(())
    }
}

/// The day's inputs, or `None` when no source stored anything for it.
pub async fn day_inputs(
    store: &dyn Store,
    board: &AgreementBoard,
    chain: &str,
    date: NaiveDate,
) -> Result<Option<DayInputs>, ServiceError> {
    let sources = store.daily_metrics(chain, date, date).await?;
    let Some(merged) = merge_sources(sources.clone(), SOURCE_PREFERENCE)
        .into_iter()
        .next()
    else {
        return Ok(None);
    };
    let comparisons = compare(&sources);
    board.record(chain, date, &comparisons);
    Ok(Some(DayInputs {
        chain: chain.to_owned(),
        date,
        preference: SOURCE_PREFERENCE.iter().map(|s| (*s).to_owned()).collect(),
        merged,
        sources,
        comparisons,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 6, 1).unwrap()
    }

    #[test]
    fn our_figures_are_compared_with_each_providers_and_the_newest_day_kept() {
        let mut ours = DailyMetrics::empty("bitcoin", day(), OWN_SOURCE);
        ours.hashrate_hs = Some(6.0e20);
        ours.tx_count = Some(400_000);
        let mut theirs = DailyMetrics::empty("bitcoin", day(), "coinmetrics");
        theirs.hashrate_hs = Some(6.3e20);
        theirs.price_usd = Some(67_000.0);
        let c = compare(&[theirs.clone(), ours.clone()]);
        assert_eq!(c.len(), 1, "only fields both gave: {c:?}");
        assert_eq!(c[0].field, "hashrate_hs");
        assert_eq!(
            (c[0].reference_source.as_str(), c[0].source.as_str()),
            (OWN_SOURCE, "coinmetrics")
        );
        let rel = c[0].relative_difference.unwrap();
        assert!((rel - 0.05).abs() < 1e-12, "{rel}");
        assert!(
            compare(std::slice::from_ref(&theirs)).is_empty(),
            "one source: nothing compared"
        );
        // Without our blocks, the first provider is the reference.
        let mut second = DailyMetrics::empty("bitcoin", day(), "mempool");
        second.hashrate_hs = Some(6.0e20);
        let with_mempool = compare(&[second, theirs]);
        assert_eq!(
            (
                with_mempool[0].reference_source.as_str(),
                with_mempool[0].source.as_str()
            ),
            ("coinmetrics", "mempool")
        );

        let board = AgreementBoard::default();
        board.record("bitcoin", day(), &c);
        let older = Comparison {
            relative_difference: Some(9.0),
            ..c[0].clone()
        };
        board.record("bitcoin", day().pred_opt().unwrap(), &[older]);
        let s = board.snapshot();
        assert_eq!(s.len(), 1);
        assert_eq!((s[0].day, s[0].relative_difference), (day(), Some(rel)));
    }
}

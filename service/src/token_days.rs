//! Keeps the registered tokens' per-day sums ready, so that a MiCA
//! disclosure of the last calendar year (the default period) and a
//! token's footprint read kept sums instead of summing a year of blocks.
//!
//! A store that keeps a contract's sums of each finished UTC day
//! ([`blockwatt_store::BlockStore::keeps_contract_days`]: ClickHouse)
//! makes a period's first read cost what a year of blocks costs (about
//! 1 s for an Ethereum-sized year, 14 s for a BNB Smart Chain-sized one,
//! bench `time_reads`) and the later ones less (0.2 s and 3.3 s). This
//! job makes that first read for every token listing, its host chain's
//! stored blocks from the start of the last calendar year to the end of
//! yesterday, on start and after each UTC midnight; after the first
//! pass, each pass sums only the new day.

use std::time::Duration;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use tokio::sync::watch;

use crate::footprints::Footprints;
use crate::publish::{each_day, Clock, SystemClock};

/// What one pass did for one token listing.
#[derive(Debug)]
pub struct Kept {
    pub asset: String,
    pub chain: String,
    /// Days of stored blocks read, or why the store could not read them.
    pub days: Result<usize, String>,
}

/// The period a pass reads: 1 January of last year to the start of today
/// (UTC), as Unix seconds `[from, to)`.
pub fn period(now: DateTime<Utc>) -> (i64, i64) {
    let today = now.date_naive();
    let from = NaiveDate::from_ymd_opt(today.year() - 1, 1, 1).unwrap_or(today);
    let start = |d: NaiveDate| {
        d.and_hms_opt(0, 0, 0)
            .map_or(0, |t| t.and_utc().timestamp())
    };
    (start(from), start(today))
}

/// One pass over every token listing. Nothing when the store keeps no
/// sums (each read would sum again, for nothing).
pub async fn keep_once(footprints: &Footprints, now: DateTime<Utc>) -> Vec<Kept> {
    let store = footprints.store();
    if !store.keeps_contract_days() {
        return Vec::new();
    }
    let (from, to) = period(now);
    let mut kept = Vec::new();
    for t in footprints.tokens() {
        let days = store
            .contract_days(&t.chain, &t.contract, from, to)
            .await
            .map(|d| d.len())
            .map_err(|e| e.to_string());
        if let Err(e) = &days {
            tracing::warn!(asset = %t.asset, chain = %t.chain, error = %e, "token's per-day sums not kept");
        }
        kept.push(Kept {
            asset: t.asset.clone(),
            chain: t.chain.clone(),
            days,
        });
    }
    kept
}

/// `serve`'s job on the instance holding the lease: a pass on start, then
/// after each UTC midnight, until `stop` turns true.
pub async fn keep(footprints: Footprints, stop: watch::Receiver<bool>) {
    keep_with(footprints, stop, &SystemClock).await;
}

/// [`keep`] on any [`Clock`].
pub async fn keep_with(footprints: Footprints, stop: watch::Receiver<bool>, clock: &dyn Clock) {
    // A day's sums are kept once it ended an hour ago (its last blocks
    // are in by then): a quarter of an hour more.
    let margin = Duration::from_secs(4_500);
    let footprints = &footprints;
    each_day(stop, clock, margin, |now| async move {
        let kept = keep_once(footprints, now).await;
        let days: usize = kept.iter().filter_map(|k| k.days.as_ref().ok()).sum();
        tracing::info!(listings = kept.len(), days, "tokens' per-day sums kept");
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pass_reads_last_year_and_this_one_up_to_today() {
        let now = "2026-03-05T10:00:00Z".parse::<DateTime<Utc>>().unwrap();
        let (from, to) = period(now);
        assert_eq!(
            DateTime::from_timestamp(from, 0).unwrap().to_rfc3339(),
            "2025-01-01T00:00:00+00:00"
        );
        assert_eq!(
            DateTime::from_timestamp(to, 0).unwrap().to_rfc3339(),
            "2026-03-05T00:00:00+00:00"
        );
    }

    /// On SQLite nothing is read: it keeps no sums.
    #[tokio::test]
    async fn a_store_that_keeps_nothing_is_left_alone() {
        let (store, _dir) = blockwatt_testkit::temp_sqlite().await;
        let footprints = Footprints::new(store);
        assert!(!footprints.tokens().is_empty());
        assert!(keep_once(&footprints, Utc::now()).await.is_empty());
    }
}

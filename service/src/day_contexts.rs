//! The chain-level inputs of a day's block and transaction footprints
//! (its estimate and merged metrics), kept as the API keeps its estimates
//! (`api/src/cache.rs`, with its TTLs): today and yesterday for the live
//! TTL, a closed day for the closed one, every day until stored data
//! changes in this instance. Every transaction of a day shares them, and
//! computing them takes five store queries and a model run, more than the
//! transaction's own reads (bench/README.md, "Through the HTTP API"). The
//! transaction's own reads stay uncached.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{NaiveDate, Utc};

/// Bound on the days kept: past it the map is emptied and refills.
const MAX_ENTRIES: usize = 4096;

/// chain, day, method as requested ("" for the chain's default).
type Key = (String, NaiveDate, String);

pub(crate) struct DayContexts<T> {
    map: Mutex<HashMap<Key, (Instant, Arc<T>)>>,
    live_ttl: Duration,
    closed_ttl: Duration,
}

impl<T> Default for DayContexts<T> {
    /// The API's default TTLs (`latest_cache_ttl_s`, `closed_cache_ttl_s`).
    fn default() -> Self {
        DayContexts::new(Duration::from_secs(60), Duration::from_secs(600))
    }
}

impl<T> DayContexts<T> {
    pub(crate) fn new(live_ttl: Duration, closed_ttl: Duration) -> Self {
        DayContexts {
            map: Mutex::new(HashMap::new()),
            live_ttl,
            closed_ttl,
        }
    }

    fn key(chain: &str, day: NaiveDate, method: Option<&str>) -> Key {
        (chain.to_owned(), day, method.unwrap_or_default().to_owned())
    }

    pub(crate) fn get(&self, chain: &str, day: NaiveDate, method: Option<&str>) -> Option<Arc<T>> {
        // A poisoned lock only means a panic elsewhere mid-insert; the map
        // is still a valid cache.
        let map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        map.get(&Self::key(chain, day, method))
            .filter(|(expires, _)| Instant::now() < *expires)
            .map(|(_, ctx)| Arc::clone(ctx))
    }

    pub(crate) fn insert(&self, chain: &str, day: NaiveDate, method: Option<&str>, ctx: Arc<T>) {
        let yesterday = Utc::now().date_naive().pred_opt().unwrap_or(NaiveDate::MIN);
        let ttl = if day >= yesterday {
            self.live_ttl
        } else {
            self.closed_ttl
        };
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_ENTRIES {
            map.clear();
        }
        map.insert(Self::key(chain, day, method), (Instant::now() + ttl, ctx));
    }

    /// Stored data changed: every day is computed again.
    pub(crate) fn clear(&self) {
        self.map.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_context_is_kept_per_chain_day_and_method_until_cleared() {
        let cache = DayContexts::<u32>::default();
        let day = NaiveDate::from_ymd_opt(2023, 5, 1).expect("a date");
        cache.insert("ethereum", day, None, Arc::new(7));
        assert_eq!(cache.get("ethereum", day, None).as_deref(), Some(&7));
        assert_eq!(cache.get("ethereum", day, Some("pos-nodes")), None);
        assert_eq!(cache.get("bitcoin", day, None), None);
        assert_eq!(
            cache.get("ethereum", day.succ_opt().expect("next"), None),
            None
        );
        cache.clear();
        assert_eq!(cache.get("ethereum", day, None), None);
    }

    #[test]
    fn today_and_a_closed_day_keep_for_their_own_ttl() {
        let cache = DayContexts::<u32>::new(Duration::ZERO, Duration::from_secs(600));
        let today = Utc::now().date_naive();
        let closed = today - chrono::Days::new(2);
        cache.insert("bitcoin", today, None, Arc::new(1));
        cache.insert("bitcoin", closed, None, Arc::new(2));
        assert_eq!(
            cache.get("bitcoin", today, None),
            None,
            "live TTL zero: expired"
        );
        assert_eq!(cache.get("bitcoin", closed, None).as_deref(), Some(&2));
        let cache = DayContexts::<u32>::new(Duration::from_secs(600), Duration::ZERO);
        cache.insert("bitcoin", today, None, Arc::new(1));
        cache.insert("bitcoin", closed, None, Arc::new(2));
        assert_eq!(cache.get("bitcoin", today, None).as_deref(), Some(&1));
        assert_eq!(
            cache.get("bitcoin", closed, None),
            None,
            "closed TTL zero: expired"
        );
    }
}

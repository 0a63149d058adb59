//! The chain-level inputs of a day's block and transaction footprints
//! (its estimate and merged metrics), kept as the API keeps its estimates
//! (`api/src/cache.rs`): a closed day until stored data changes, today and
//! yesterday for a minute. Every transaction of a day shares them, and
//! computing them takes five store queries and a model run, more than
//! the transaction's own reads (bench/README.md, "Through the HTTP API").
//! The transaction's own reads stay uncached.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{NaiveDate, Utc};

/// How long the context of today or yesterday, still filling, is reused.
pub(crate) const LIVE_TTL: Duration = Duration::from_secs(60);

/// Bound on the days kept: past it the map is emptied and refills.
const MAX_ENTRIES: usize = 4096;

/// chain, day, method as requested ("" for the chain's default).
type Key = (String, NaiveDate, String);

/// Expiry (`None`: until [`DayContexts::clear`]) and the context.
type Slot<T> = (Option<Instant>, Arc<T>);

pub(crate) struct DayContexts<T> {
    map: Mutex<HashMap<Key, Slot<T>>>,
}

impl<T> Default for DayContexts<T> {
    fn default() -> Self {
        DayContexts {
            map: Mutex::new(HashMap::new()),
        }
    }
}

impl<T> DayContexts<T> {
    fn key(chain: &str, day: NaiveDate, method: Option<&str>) -> Key {
        (chain.to_owned(), day, method.unwrap_or_default().to_owned())
    }

    pub(crate) fn get(&self, chain: &str, day: NaiveDate, method: Option<&str>) -> Option<Arc<T>> {
        // A poisoned lock only means a panic elsewhere mid-insert; the map
        // is still a valid cache.
        let map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        map.get(&Self::key(chain, day, method))
            .filter(|(expires, _)| expires.is_none_or(|t| Instant::now() < t))
            .map(|(_, ctx)| Arc::clone(ctx))
    }

    pub(crate) fn insert(&self, chain: &str, day: NaiveDate, method: Option<&str>, ctx: Arc<T>) {
        let yesterday = Utc::now().date_naive().pred_opt().unwrap_or(NaiveDate::MIN);
        let expires = (day >= yesterday).then(|| Instant::now() + LIVE_TTL);
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_ENTRIES {
            map.clear();
        }
        map.insert(Self::key(chain, day, method), (expires, ctx));
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
    fn today_is_kept_for_a_while_and_a_closed_day_until_cleared() {
        let cache = DayContexts::<u32>::default();
        let today = Utc::now().date_naive();
        let closed = today - chrono::Days::new(2);
        cache.insert("bitcoin", today, None, Arc::new(1));
        cache.insert("bitcoin", closed, None, Arc::new(2));
        let map = cache.map.lock().expect("not poisoned");
        let expiry = |day| {
            map.get(&DayContexts::<u32>::key("bitcoin", day, None))
                .map(|s| s.0)
        };
        assert!(matches!(expiry(today), Some(Some(t)) if t <= Instant::now() + LIVE_TTL));
        assert_eq!(expiry(closed), Some(None));
    }
}

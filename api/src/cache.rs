//! In-memory cache of default-parameter estimates, serialised once.
//!
//! The hot path (`/v1/chains/bitcoin/footprint` with no parameters) then
//! costs a map lookup and a refcount, not a model run and a serialisation.
//! Only default parameters are cached: custom `price`/`pue` requests are
//! unbounded in number and would let a client fill memory.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::http::HeaderValue;
use blockwatt_domain::Estimate;
use bytes::Bytes;
use chrono::NaiveDate;

/// One estimate with its JSON body and ETag.
#[derive(Debug)]
pub struct CachedEstimate {
    pub estimate: Estimate,
    pub json: Bytes,
    /// `json` gzipped once when cached: most clients (browsers, curl
    /// --compressed, Python requests) accept gzip, and compressing the
    /// same body on every request cost more than the rest of the request.
    /// `None` if compressing failed; the compression layer then does it.
    pub gzip: Option<Bytes>,
    pub etag: HeaderValue,
}

/// How long an expired entry is still served while one request
/// recomputes it; past this, another request tries.
pub const REFRESH_GRACE: Duration = Duration::from_secs(5);

/// Expiry and the entry.
type Slot = (Instant, Arc<CachedEstimate>);
/// chain → method → requested date (`None`: latest). Nested so a lookup
/// borrows `&str` keys instead of allocating a tuple key per request.
type Map = HashMap<String, HashMap<String, HashMap<Option<NaiveDate>, Slot>>>;

pub struct EstimateCache {
    map: RwLock<(Map, usize)>,
    live_ttl: Duration,
    closed_ttl: Duration,
    max_entries: usize,
}

impl EstimateCache {
    pub fn new(live_ttl: Duration, closed_ttl: Duration, max_entries: usize) -> Self {
        EstimateCache {
            map: RwLock::new((Map::new(), 0)),
            live_ttl,
            closed_ttl,
            max_entries,
        }
    }

    /// The entry, or `None` when the caller should compute it: absent, or
    /// expired and this caller is the first to see it so. Later callers
    /// keep getting the expired entry for [`REFRESH_GRACE`] while the first
    /// one recomputes: when the latest estimate expires under load, one
    /// request pays for the model run instead of every request in flight
    /// at that moment (which showed as a p99 spike).
    pub fn get(
        &self,
        chain: &str,
        date: Option<NaiveDate>,
        method: &str,
    ) -> Option<Arc<CachedEstimate>> {
        let now = Instant::now();
        {
            // A poisoned lock only means a panic elsewhere mid-insert; the
            // map is still a valid cache, so keep serving from it.
            let guard = self.map.read().unwrap_or_else(|p| p.into_inner());
            let (expires, entry) = guard.0.get(chain)?.get(method)?.get(&date)?;
            if now < *expires {
                return Some(Arc::clone(entry));
            }
        }
        let mut guard = self.map.write().unwrap_or_else(|p| p.into_inner());
        let (expires, entry) = guard.0.get_mut(chain)?.get_mut(method)?.get_mut(&date)?;
        if now >= *expires {
            *expires = now + REFRESH_GRACE;
            None
        } else {
            Some(Arc::clone(entry))
        }
    }

    /// `live` entries (latest, today, yesterday) expire after the live
    /// TTL; closed past days after the closed one, or at
    /// [`EstimateCache::clear`] (another instance's import clears nothing
    /// here: the TTL bounds how long it goes unseen).
    pub fn insert(
        &self,
        chain: &str,
        date: Option<NaiveDate>,
        method: &str,
        entry: Arc<CachedEstimate>,
        live: bool,
    ) {
        let mut guard = self.map.write().unwrap_or_else(|p| p.into_inner());
        let (map, len) = &mut *guard;
        if *len >= self.max_entries {
            // Crude but bounded: the working set refills within seconds.
            map.clear();
            *len = 0;
        }
        let expires = Instant::now() + if live { self.live_ttl } else { self.closed_ttl };
        let previous = map
            .entry(chain.to_owned())
            .or_default()
            .entry(method.to_owned())
            .or_default()
            .insert(date, (expires, entry));
        if previous.is_none() {
            *len += 1;
        }
    }

    /// Drops one entry: its refresh failed, and an error followed by the
    /// stale figure for the others in flight (then an error again) would
    /// tell clients two stories. Every caller now computes, and sees the
    /// same error until the data is back.
    pub fn remove(&self, chain: &str, date: Option<NaiveDate>, method: &str) {
        let mut guard = self.map.write().unwrap_or_else(|p| p.into_inner());
        let (map, len) = &mut *guard;
        let removed = map
            .get_mut(chain)
            .and_then(|m| m.get_mut(method))
            .and_then(|m| m.remove(&date));
        if removed.is_some() {
            *len = len.saturating_sub(1);
        }
    }

    /// Call after an import, backfill or catalogue change.
    pub fn clear(&self) {
        let mut guard = self.map.write().unwrap_or_else(|p| p.into_inner());
        guard.0.clear();
        guard.1 = 0;
    }

    pub fn len(&self) -> usize {
        self.map.read().unwrap_or_else(|p| p.into_inner()).1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(tag: &'static str) -> Arc<CachedEstimate> {
        let estimate: Estimate = serde_json::from_value(serde_json::json!({
            "chain": "bitcoin", "date": "2020-06-15", "method": "hardware",
            "methodology_version": "hardware.1",
            "power_w": {"lower": 1.0, "best": 2.0, "upper": 3.0},
            "energy_twh_per_year": {"lower": 1.0, "best": 2.0, "upper": 3.0},
            "co2e_t_per_year": {"lower": 1.0, "best": 2.0, "upper": 3.0},
            "water_m3_per_year": {"lower": 1.0, "best": 2.0, "upper": 3.0},
            "ewaste_t_per_year": {"lower": 1.0, "best": 2.0, "upper": 3.0},
            "per_tx": null, "inputs": {}
        }))
        .unwrap();
        Arc::new(CachedEstimate {
            estimate,
            json: Bytes::from_static(tag.as_bytes()),
            gzip: None,
            etag: HeaderValue::from_static("\"x\""),
        })
    }

    #[test]
    fn one_caller_refreshes_an_expired_entry_the_others_get_it_meanwhile() {
        // A zero TTL: every live entry is expired as soon as it is in.
        let cache = EstimateCache::new(Duration::ZERO, Duration::from_secs(600), 10);
        assert!(cache.get("bitcoin", None, "hardware").is_none(), "absent");
        cache.insert("bitcoin", None, "hardware", entry("old"), true);
        assert!(
            cache.get("bitcoin", None, "hardware").is_none(),
            "the first caller after expiry recomputes"
        );
        for _ in 0..3 {
            let stale = cache.get("bitcoin", None, "hardware").expect("served");
            assert_eq!(stale.json, "old");
        }
        cache.insert("bitcoin", None, "hardware", entry("new"), true);
        // Expired again at once (zero TTL): one refresher, then the new one.
        assert!(cache.get("bitcoin", None, "hardware").is_none());
        assert_eq!(cache.get("bitcoin", None, "hardware").unwrap().json, "new");
        // A failed refresh removes the entry (the refresher was the first
        // caller above): no stale figure after an error.
        cache.remove("bitcoin", None, "hardware");
        assert!(cache.get("bitcoin", None, "hardware").is_none());
        assert!(
            cache.get("bitcoin", None, "hardware").is_none(),
            "no stale one"
        );
        assert!(cache.is_empty());
        // Closed days keep for their own, longer TTL.
        let day = NaiveDate::from_ymd_opt(2020, 6, 15);
        cache.insert("bitcoin", day, "hardware", entry("day"), false);
        assert_eq!(cache.get("bitcoin", day, "hardware").unwrap().json, "day");
        let closed_expires = EstimateCache::new(Duration::from_secs(600), Duration::ZERO, 10);
        closed_expires.insert("bitcoin", day, "hardware", entry("day"), false);
        assert!(closed_expires.get("bitcoin", day, "hardware").is_none());
    }
}

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

/// Expiry (`None`: until cleared) and the entry.
type Slot = (Option<Instant>, Arc<CachedEstimate>);
/// chain → method → requested date (`None`: latest). Nested so a lookup
/// borrows `&str` keys instead of allocating a tuple key per request.
type Map = HashMap<String, HashMap<String, HashMap<Option<NaiveDate>, Slot>>>;

pub struct EstimateCache {
    map: RwLock<(Map, usize)>,
    live_ttl: Duration,
    max_entries: usize,
}

impl EstimateCache {
    pub fn new(live_ttl: Duration, max_entries: usize) -> Self {
        EstimateCache {
            map: RwLock::new((Map::new(), 0)),
            live_ttl,
            max_entries,
        }
    }

    pub fn get(
        &self,
        chain: &str,
        date: Option<NaiveDate>,
        method: &str,
    ) -> Option<Arc<CachedEstimate>> {
        // A poisoned lock only means a panic elsewhere mid-insert; the map is
        // still a valid cache, so keep serving from it.
        let guard = self.map.read().unwrap_or_else(|p| p.into_inner());
        let (expires, entry) = guard.0.get(chain)?.get(method)?.get(&date)?;
        match expires {
            Some(t) if Instant::now() >= *t => None,
            _ => Some(Arc::clone(entry)),
        }
    }

    /// `live` entries (latest, today, yesterday) expire after the TTL;
    /// closed past days stay until [`EstimateCache::clear`].
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
        let expires = live.then(|| Instant::now() + self.live_ttl);
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

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
    pub etag: HeaderValue,
}

/// (chain, requested date or `None` for latest, resolved method).
type Key = (String, Option<NaiveDate>, String);
/// Expiry (`None`: until cleared) and the entry.
type Slot = (Option<Instant>, Arc<CachedEstimate>);

pub struct EstimateCache {
    map: RwLock<HashMap<Key, Slot>>,
    live_ttl: Duration,
    max_entries: usize,
}

impl EstimateCache {
    pub fn new(live_ttl: Duration, max_entries: usize) -> Self {
        EstimateCache {
            map: RwLock::new(HashMap::new()),
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
        let map = self.map.read().unwrap_or_else(|p| p.into_inner());
        let (expires, entry) = map.get(&(chain.to_owned(), date, method.to_owned()))?;
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
        let mut map = self.map.write().unwrap_or_else(|p| p.into_inner());
        if map.len() >= self.max_entries {
            // Crude but bounded: the working set refills within seconds.
            map.clear();
        }
        let expires = live.then(|| Instant::now() + self.live_ttl);
        map.insert(
            (chain.to_owned(), date, method.to_owned()),
            (expires, entry),
        );
    }

    /// Call after an import, backfill or catalogue change.
    pub fn clear(&self) {
        self.map.write().unwrap_or_else(|p| p.into_inner()).clear();
    }

    pub fn len(&self) -> usize {
        self.map.read().unwrap_or_else(|p| p.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

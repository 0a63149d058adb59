//! Rendered widgets and pages, kept for the live TTL: a card with a
//! year's chart costs a model run over the year, and the same few hundred
//! (chain × metric × theme × period) combinations are asked for again and
//! again by every page that embeds them. Keys are built only from parsed,
//! valid parameters, so their number is bounded; cleared with the
//! estimate cache whenever stored data changes.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use axum::http::{HeaderValue, StatusCode};
use bytes::Bytes;

#[derive(Debug, Clone)]
pub struct Rendered {
    pub status: StatusCode,
    pub body: Bytes,
    /// Hashed once here: hashing a 10 KB card on every request cost more
    /// than the rest of serving it from the cache.
    pub etag: HeaderValue,
    /// Gzipped once here, for the browsers that ask (all of them); `None`
    /// if compressing failed (the compression layer then does it).
    pub gzip: Option<Bytes>,
}

impl Rendered {
    pub fn new(status: StatusCode, body: impl Into<Bytes>) -> Self {
        let body = body.into();
        Rendered {
            status,
            etag: crate::respond::etag_of(&body),
            gzip: crate::respond::gzip(&body),
            body,
        }
    }
}

/// When it was rendered, and until when one request is re-rendering it.
struct Slot {
    at: Instant,
    refreshing_until: Option<Instant>,
    value: Rendered,
}

pub struct RenderedCache {
    map: RwLock<HashMap<String, Slot>>,
    ttl: Duration,
    max_entries: usize,
}

impl RenderedCache {
    pub fn new(ttl: Duration, max_entries: usize) -> Self {
        RenderedCache {
            map: RwLock::new(HashMap::new()),
            ttl,
            max_entries,
        }
    }

    /// The entry to serve, or `None` when the caller should render it. An
    /// expired entry is re-rendered by the first request that sees it; the
    /// others keep getting it for [`crate::cache::REFRESH_GRACE`] (without
    /// this, every request in flight when a card expired rendered it again,
    /// and p99 rose fourfold).
    pub fn get(&self, key: &str) -> Option<Rendered> {
        {
            let map = self.map.read().unwrap_or_else(|p| p.into_inner());
            match map.get(key) {
                None => return None,
                Some(s) if s.at.elapsed() < self.ttl => return Some(s.value.clone()),
                Some(_) => {}
            }
        }
        let mut map = self.map.write().unwrap_or_else(|p| p.into_inner());
        let slot = map.get_mut(key)?;
        let now = Instant::now();
        if slot.at.elapsed() < self.ttl {
            return Some(slot.value.clone());
        }
        match slot.refreshing_until {
            Some(until) if now < until => Some(slot.value.clone()),
            _ => {
                slot.refreshing_until = Some(now + crate::cache::REFRESH_GRACE);
                None
            }
        }
    }

    pub fn insert(&self, key: String, value: Rendered) {
        let mut map = self.map.write().unwrap_or_else(|p| p.into_inner());
        if map.len() >= self.max_entries && !map.contains_key(&key) {
            // Expired entries first; if all are live, start over rather
            // than track recency for a cache this small.
            let ttl = self.ttl;
            map.retain(|_, s| s.at.elapsed() < ttl);
            if map.len() >= self.max_entries {
                map.clear();
            }
        }
        map.insert(
            key,
            Slot {
                at: Instant::now(),
                refreshing_until: None,
                value,
            },
        );
    }

    /// The entry under `key`, or `render`'s result, kept under `key`
    /// (`None`: a request whose parameters are not all known, never kept).
    pub async fn get_or_render<E, F, Fut>(
        &self,
        key: Option<String>,
        render: F,
    ) -> Result<Rendered, E>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<Rendered, E>>,
    {
        if let Some(hit) = key.as_deref().and_then(|k| self.get(k)) {
            return Ok(hit);
        }
        let r = render().await?;
        if let Some(k) = key {
            self.insert(k, r.clone());
        }
        Ok(r)
    }

    pub fn clear(&self) {
        self.map.write().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_caller_re_renders_an_expired_entry_while_the_others_are_served_it() {
        let cache = RenderedCache::new(Duration::ZERO, 10);
        assert!(cache.get("k").is_none(), "absent");
        cache.insert("k".into(), Rendered::new(StatusCode::OK, "old"));
        // Expired at once (TTL 0): the first caller renders…
        assert!(cache.get("k").is_none());
        // …and the next ones get the old body meanwhile.
        assert_eq!(cache.get("k").map(|r| r.body), Some(Bytes::from("old")));
        cache.insert("k".into(), Rendered::new(StatusCode::OK, "new"));
        assert!(cache.get("k").is_none(), "expired again: a new refresh");
        cache.clear();
        assert!(cache.get("k").is_none());
    }
}

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

pub struct RenderedCache {
    map: RwLock<HashMap<String, (Instant, Rendered)>>,
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

    pub fn get(&self, key: &str) -> Option<Rendered> {
        let map = self.map.read().unwrap_or_else(|p| p.into_inner());
        map.get(key)
            .filter(|(at, _)| at.elapsed() < self.ttl)
            .map(|(_, r)| r.clone())
    }

    pub fn insert(&self, key: String, value: Rendered) {
        let mut map = self.map.write().unwrap_or_else(|p| p.into_inner());
        if map.len() >= self.max_entries {
            // Expired entries first; if all are live, start over rather
            // than track recency for a cache this small.
            let ttl = self.ttl;
            map.retain(|_, (at, _)| at.elapsed() < ttl);
            if map.len() >= self.max_entries {
                map.clear();
            }
        }
        map.insert(key, (Instant::now(), value));
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

//! Transactions the chain's source said it does not know, remembered for a
//! while so that repeating the request (a typo, a scanner, a txid from
//! another chain) does not reach the node every time.
//!
//! A few lines over a `HashMap` rather than a caching crate: the set only
//! needs insert, expiring lookup and a size bound, and its clock is tokio's
//! so tests drive expiry with a paused runtime instead of sleeping.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

pub struct UnknownTxCache {
    /// (chain, txid) → when the "unknown" answer stops standing.
    map: Mutex<HashMap<(String, String), Instant>>,
    ttl: Duration,
    max_entries: usize,
}

impl UnknownTxCache {
    /// A zero `ttl` or `max_entries` disables the cache (every lookup asks
    /// the source).
    pub fn new(ttl: Duration, max_entries: usize) -> Self {
        UnknownTxCache {
            map: Mutex::new(HashMap::new()),
            ttl,
            max_entries,
        }
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    fn enabled(&self) -> bool {
        !self.ttl.is_zero() && self.max_entries > 0
    }

    /// Whether the source said it did not know `txid` less than `ttl` ago.
    pub fn contains(&self, chain: &str, txid: &str) -> bool {
        if !self.enabled() {
            return false;
        }
        // A poisoned lock only means a panic elsewhere mid-insert; the map
        // is still a valid set of expiries.
        let map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        // Borrowed lookup would need a custom key type; two short strings
        // per miss-path request are cheap next to a node round trip.
        map.get(&(chain.to_owned(), txid.to_owned()))
            .is_some_and(|until| Instant::now() < *until)
    }

    pub fn insert(&self, chain: &str, txid: &str) {
        if !self.enabled() {
            return;
        }
        let now = Instant::now();
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= self.max_entries {
            map.retain(|_, until| now < *until);
        }
        if map.len() >= self.max_entries {
            // Still full of live entries (a flood of random txids): make
            // room by dropping the one closest to expiry.
            if let Some(key) = map
                .iter()
                .min_by_key(|(_, until)| **until)
                .map(|(k, _)| k.clone())
            {
                map.remove(&key);
            }
        }
        map.insert((chain.to_owned(), txid.to_owned()), now + self.ttl);
    }

    pub fn len(&self) -> usize {
        self.map.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn answers_expire_after_the_ttl() {
        let c = UnknownTxCache::new(Duration::from_secs(60), 10);
        c.insert("ethereum", "0xaa");
        assert!(c.contains("ethereum", "0xaa"));
        assert!(!c.contains("polygon", "0xaa"), "keyed by chain too");
        tokio::time::advance(Duration::from_secs(59)).await;
        assert!(c.contains("ethereum", "0xaa"));
        tokio::time::advance(Duration::from_secs(1)).await;
        assert!(!c.contains("ethereum", "0xaa"), "must ask the source again");
    }

    #[tokio::test(start_paused = true)]
    async fn stays_within_its_bound() {
        let c = UnknownTxCache::new(Duration::from_secs(60), 3);
        for id in ["a", "b", "c"] {
            c.insert("ethereum", id);
            tokio::time::advance(Duration::from_secs(1)).await;
        }
        // Full of live entries: the oldest goes.
        c.insert("ethereum", "d");
        assert_eq!(c.len(), 3);
        assert!(!c.contains("ethereum", "a"));
        assert!(c.contains("ethereum", "b") && c.contains("ethereum", "d"));
        // Expired entries are dropped first when the bound is reached.
        tokio::time::advance(Duration::from_secs(61)).await;
        c.insert("ethereum", "e");
        assert_eq!(c.len(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn zero_ttl_disables_it() {
        let c = UnknownTxCache::new(Duration::ZERO, 10);
        c.insert("ethereum", "0xaa");
        assert!(!c.contains("ethereum", "0xaa"));
        assert!(c.is_empty());
    }
}

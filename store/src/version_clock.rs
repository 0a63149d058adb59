//! Row versions for last-write-wins tables (ClickHouse's
//! `ReplacingMergeTree(version)`, the lease rows of every backend).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Hands out versions newer than every one it gave before and, through
/// the clock (nanoseconds since the epoch), than earlier processes' ones.
#[derive(Debug, Default)]
pub struct VersionClock {
    last: AtomicU64,
}

impl VersionClock {
    pub fn next(&self) -> u64 {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        let mut last = self.last.load(Ordering::Relaxed);
        loop {
            let next = now.max(last + 1);
            match self
                .last
                .compare_exchange_weak(last, next, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => return next,
                Err(seen) => last = seen,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_only_grow() {
        let clock = VersionClock::default();
        let mut last = 0;
        for _ in 0..10_000 {
            let v = clock.next();
            assert!(v > last);
            last = v;
        }
    }
}

//! Per-chain counters the API can export on `/metrics`. Plain atomics so
//! the hot path never takes a lock to count.

use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

#[derive(Debug, Default)]
pub struct IngestCounters {
    /// Highest height durably written.
    pub height: AtomicU64,
    /// Source tip seen last.
    pub tip: AtomicU64,
    /// HTTP requests sent (a JSON-RPC batch counts once).
    pub requests: AtomicU64,
    /// Failed HTTP attempts, retried or not.
    pub errors: AtomicU64,
    pub retries: AtomicU64,
    pub blocks_written: AtomicU64,
    pub reorgs: AtomicU64,
}

/// A consistent-enough copy for export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CountersSnapshot {
    pub height: u64,
    pub tip: u64,
    /// `tip - height`, 0 when caught up.
    pub lag: u64,
    pub requests: u64,
    pub errors: u64,
    pub retries: u64,
    pub blocks_written: u64,
    pub reorgs: u64,
}

impl IngestCounters {
    pub fn snapshot(&self) -> CountersSnapshot {
        let height = self.height.load(Ordering::Relaxed);
        let tip = self.tip.load(Ordering::Relaxed);
        CountersSnapshot {
            height,
            tip,
            lag: tip.saturating_sub(height),
            requests: self.requests.load(Ordering::Relaxed),
            errors: self.errors.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
            blocks_written: self.blocks_written.load(Ordering::Relaxed),
            reorgs: self.reorgs.load(Ordering::Relaxed),
        }
    }

    pub(crate) fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }
}

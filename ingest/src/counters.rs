//! Per-chain counters the API can export on `/metrics`. Plain atomics so
//! the hot path never takes a lock to count.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

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
    /// Unix seconds of the last batch durably written (0: none yet), so
    /// an alert can fire on time without progress, not only on block lag.
    pub last_write_unix: AtomicU64,
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
    pub last_write_unix: Option<u64>,
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
            last_write_unix: Some(self.last_write_unix.load(Ordering::Relaxed)).filter(|&t| t > 0),
        }
    }

    /// Records that a batch was just written durably.
    pub(crate) fn wrote_now(&self) {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        self.last_write_unix.store(now, Ordering::Relaxed);
    }

    pub(crate) fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }
}

/// The counters of every ingest running in this process, by chain and
/// source: `serve` hands one `Arc<IngestCounters>` per chain to the
/// pipeline and exports them all at scrape time (no second bookkeeping).
#[derive(Debug, Default)]
pub struct IngestBoard {
    entries: RwLock<BTreeMap<(String, String), BoardEntry>>,
}

#[derive(Debug, Clone)]
struct BoardEntry {
    followed: bool,
    counters: Arc<IngestCounters>,
}

/// One row of [`IngestBoard::snapshot`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainCounters {
    pub chain: String,
    pub source: String,
    /// Followed by `serve` (readiness applies), rather than a backfill.
    pub followed: bool,
    pub counters: CountersSnapshot,
}

impl IngestBoard {
    /// The counters for `chain` read from `source` (a [`SourceKind`] name),
    /// created on first use. A later backfill of the same chain counts on
    /// into the same counters, as Prometheus counters must.
    ///
    /// [`SourceKind`]: crate::SourceKind
    pub fn counters(&self, chain: &str, source: &str, followed: bool) -> Arc<IngestCounters> {
        let mut entries = self.entries.write().unwrap_or_else(PoisonError::into_inner);
        let entry = entries
            .entry((chain.to_owned(), source.to_owned()))
            .or_insert_with(|| BoardEntry {
                followed,
                counters: Arc::default(),
            });
        entry.followed |= followed;
        Arc::clone(&entry.counters)
    }

    /// Shows a shared client's `counters` under `chain`/`source` from now
    /// on (an admin backfill of a chain `serve` does not follow: its
    /// requests, lookups' included, count where its client counts them).
    /// A chain on the board already keeps its entry.
    pub fn adopt(&self, chain: &str, source: &str, counters: Arc<IngestCounters>) {
        self.entries
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .entry((chain.to_owned(), source.to_owned()))
            .or_insert(BoardEntry {
                followed: false,
                counters,
            });
    }

    pub fn snapshot(&self) -> Vec<ChainCounters> {
        self.entries
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .map(|((chain, source), e)| ChainCounters {
                chain: chain.clone(),
                source: source.clone(),
                followed: e.followed,
                counters: e.counters.snapshot(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn board_hands_out_one_set_of_counters_per_chain_and_source() {
        let board = IngestBoard::default();
        let a = board.counters("devnet", "evm", false);
        IngestCounters::add(&a.requests, 3);
        a.tip.store(10, Ordering::Relaxed);
        a.height.store(7, Ordering::Relaxed);
        // The follower of the same chain gets the same counters.
        let b = board.counters("devnet", "evm", true);
        IngestCounters::add(&b.requests, 1);
        board.counters("bitcoin", "esplora", true).wrote_now();
        let rows = board.snapshot();
        assert_eq!(rows.len(), 2);
        let devnet = rows.iter().find(|r| r.chain == "devnet").expect("devnet");
        assert!(devnet.followed);
        assert_eq!(devnet.counters.requests, 4);
        assert_eq!(devnet.counters.lag, 3);
        assert_eq!(devnet.counters.last_write_unix, None);
        let bitcoin = rows.iter().find(|r| r.chain == "bitcoin").expect("bitcoin");
        assert!(bitcoin
            .counters
            .last_write_unix
            .is_some_and(|t| t > 1_700_000_000));
    }
}

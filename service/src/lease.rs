//! When several `serve` processes share one store, one of them at a time
//! runs the background work (following the chains, syncing the providers,
//! publishing the daily index): the one holding the store's lease. Every
//! instance serves reads.
//!
//! No backend offers a compare-and-set (ClickHouse has none), so a lease is
//! claimed by writing a row and reading it back `settle` later: by then
//! every claim written at about the same moment is visible to each
//! claimant, the row of greatest version is the same for all of them, and
//! exactly one finds its own. The holder renews every `ttl / 3` the same
//! way. It stops its work when a renewal shows another holder, or when it
//! could not renew before its lease would have run out by its own clock
//! (`ttl - settle` after its last good claim: instances' clocks are assumed
//! to agree within `settle`). Another instance claims a lease only once it
//! has expired. On shutdown the holder gives it up (a row already expired),
//! so another takes over at its next look rather than after `ttl`.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use blockwatt_store::{Lease, LeaseStore, StoreError, VersionClock};
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

/// The one lease: all of the background work goes together.
pub const LEASE_NAME: &str = "background-work";

/// `[lease]`: how long a claim lasts and how long a claimant waits before
/// reading its claim back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LeaseConfig {
    pub ttl_seconds: f64,
    pub settle_seconds: f64,
}

impl Default for LeaseConfig {
    fn default() -> Self {
        LeaseConfig {
            ttl_seconds: 15.0,
            settle_seconds: 1.0,
        }
    }
}

impl LeaseConfig {
    /// A settle of at least 10 ms and a ttl of more than three settles
    /// (a renewal must fit in a third of the lease), else what is wrong.
    pub fn check(&self) -> Result<(), String> {
        let ok = |x: f64| x.is_finite() && x > 0.0;
        if !ok(self.settle_seconds) || self.settle_seconds < 0.01 {
            return Err(format!(
                "lease.settle_seconds = {} must be at least 0.01",
                self.settle_seconds
            ));
        }
        if !ok(self.ttl_seconds) || self.ttl_seconds <= 3.0 * self.settle_seconds {
            return Err(format!(
                "lease.ttl_seconds = {} must be more than three times lease.settle_seconds ({})",
                self.ttl_seconds, self.settle_seconds
            ));
        }
        Ok(())
    }

    fn ttl(&self) -> Duration {
        Duration::from_secs_f64(self.ttl_seconds)
    }

    fn settle(&self) -> Duration {
        Duration::from_secs_f64(self.settle_seconds)
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// A name for this process that no other instance shares.
pub fn holder_name() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_default();
    let started = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{host}:{}:{started:x}", std::process::id())
}

pub struct LeaseKeeper {
    store: Arc<dyn LeaseStore>,
    holder: String,
    config: LeaseConfig,
    held: watch::Sender<bool>,
    versions: VersionClock,
}

impl LeaseKeeper {
    /// The keeper, and whether this instance holds the lease (for
    /// `/metrics` and `/readyz`).
    pub fn new(
        store: Arc<dyn LeaseStore>,
        holder: String,
        config: LeaseConfig,
    ) -> (LeaseKeeper, watch::Receiver<bool>) {
        let (held, seen) = watch::channel(false);
        let keeper = LeaseKeeper {
            store,
            holder,
            config,
            held,
            versions: VersionClock::default(),
        };
        (keeper, seen)
    }

    pub fn holder(&self) -> &str {
        &self.holder
    }

    async fn write(&self, expires_at_ms: i64) -> Result<u64, StoreError> {
        let version = self.versions.next();
        self.store
            .write_lease(&Lease {
                name: LEASE_NAME.into(),
                holder: self.holder.clone(),
                expires_at_ms,
                version,
            })
            .await?;
        Ok(version)
    }

    /// Writes a claim, waits `settle`, reads: whether the claim won.
    async fn claim(&self) -> Result<bool, StoreError> {
        let ttl_ms = (self.config.ttl_seconds * 1000.0) as i64;
        let version = self.write(now_ms() + ttl_ms).await?;
        tokio::time::sleep(self.config.settle()).await;
        let lease = self.store.lease(LEASE_NAME).await?;
        Ok(lease.is_some_and(|l| l.holder == self.holder && l.version == version))
    }

    /// Whether the lease may be claimed: nobody holds it, it expired, or
    /// it is ours (a restart under the same name).
    async fn free(&self) -> Result<bool, StoreError> {
        Ok(match self.store.lease(LEASE_NAME).await? {
            None => true,
            Some(l) => l.holder == self.holder || l.expires_at_ms <= now_ms(),
        })
    }

    /// Until `stopped`: claims the lease when it is free, renews it while
    /// held, and calls `start_term` with a signal that turns true when the
    /// term ends (lost, or shutdown). Gives the lease up on the way out.
    pub async fn run<F>(self, mut stopped: watch::Receiver<bool>, mut start_term: F)
    where
        F: FnMut(watch::Receiver<bool>) + Send,
    {
        let ttl = self.config.ttl();
        let settle = self.config.settle();
        // The current term: its stop signal and until when it is safe.
        let mut term: Option<(watch::Sender<bool>, Instant)> = None;
        loop {
            if *stopped.borrow() {
                break;
            }
            match term.take() {
                None => match self.free().await {
                    Ok(true) => match self.claim().await {
                        Ok(true) => {
                            let (end, ended) = watch::channel(false);
                            tracing::info!(holder = %self.holder, "lease acquired: running the background work");
                            start_term(ended);
                            let _ = self.held.send(true);
                            term = Some((end, Instant::now() + ttl - settle));
                        }
                        Ok(false) => tracing::debug!("another instance won the lease"),
                        Err(e) => tracing::warn!(error = %e, "cannot claim the lease"),
                    },
                    Ok(false) => {}
                    Err(e) => tracing::warn!(error = %e, "cannot read the lease"),
                },
                Some((end, safe_until)) => match self.claim().await {
                    Ok(true) => term = Some((end, Instant::now() + ttl - settle)),
                    Ok(false) => {
                        tracing::warn!(
                            "lease taken by another instance: stopping the background work"
                        );
                        let _ = end.send(true);
                        let _ = self.held.send(false);
                    }
                    Err(e) if Instant::now() + settle >= safe_until => {
                        tracing::warn!(error = %e, "lease not renewed in time: stopping the background work");
                        let _ = end.send(true);
                        let _ = self.held.send(false);
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot renew the lease; retrying");
                        term = Some((end, safe_until));
                    }
                },
            }
            tokio::select! {
                () = tokio::time::sleep(ttl / 3) => {}
                _ = stopped.changed() => {}
            }
        }
        if let Some((end, _)) = term {
            let _ = end.send(true);
            let _ = self.held.send(false);
            match self.write(0).await {
                Ok(_) => tracing::info!("lease given up"),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot give the lease up; it expires by itself")
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_renewal_must_fit_in_a_third_of_the_lease() {
        assert!(LeaseConfig::default().check().is_ok());
        let bad = LeaseConfig {
            ttl_seconds: 2.0,
            settle_seconds: 1.0,
        };
        assert!(bad.check().unwrap_err().contains("three times"));
        let nan = LeaseConfig {
            ttl_seconds: f64::NAN,
            settle_seconds: 1.0,
        };
        assert!(nan.check().is_err());
    }

    /// Three keepers on one SQLite store: one holds the lease at a time;
    /// when it stops (and gives the lease up) another takes it.
    #[tokio::test]
    async fn one_keeper_holds_the_lease_and_another_takes_it_over() {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = blockwatt_store::DatabaseUrl::parse(&format!(
            "sqlite://{}/bw.db",
            dir.path().display()
        ))
        .expect("url");
        let store = blockwatt_store::open(&url).await.expect("store");
        store.migrate().await.expect("migrate");
        let config = LeaseConfig {
            ttl_seconds: 0.6,
            settle_seconds: 0.05,
        };
        let mut held = Vec::new();
        let mut stops = Vec::new();
        let mut tasks = Vec::new();
        for i in 0..3 {
            let lease_store: Arc<dyn LeaseStore> = store.clone();
            let (keeper, seen) = LeaseKeeper::new(lease_store, format!("k{i}"), config.clone());
            let (stop, stopped) = watch::channel(false);
            held.push(seen);
            stops.push(stop);
            tasks.push(tokio::spawn(keeper.run(stopped, |_| {})));
        }
        let holders = |held: &[watch::Receiver<bool>]| -> Vec<usize> {
            (0..held.len()).filter(|i| *held[*i].borrow()).collect()
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        let first = loop {
            let h = holders(&held);
            assert!(h.len() <= 1, "two holders at once: {h:?}");
            if let [one] = h[..] {
                break one;
            }
            assert!(Instant::now() < deadline, "nobody took the lease");
            tokio::time::sleep(Duration::from_millis(10)).await;
        };
        stops[first].send(true).expect("stop");
        let deadline = Instant::now() + Duration::from_secs(10);
        let second = loop {
            let h: Vec<usize> = holders(&held).into_iter().filter(|i| *i != first).collect();
            assert!(h.len() <= 1, "two holders at once: {h:?}");
            if let [one] = h[..] {
                break one;
            }
            assert!(Instant::now() < deadline, "nobody took the lease over");
            tokio::time::sleep(Duration::from_millis(10)).await;
        };
        assert_ne!(first, second);
        for s in &stops {
            let _ = s.send(true);
        }
        for t in tasks {
            t.await.expect("keeper ends");
        }
    }
}

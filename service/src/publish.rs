//! The publisher: freezes one day's default-method estimates of every chain
//! into an immutable, reproducible snapshot (`blockwatt publish`, the
//! admin route and `serve`'s daily task).
//!
//! Reproducible means byte-identical from the same stored inputs: the body
//! is canonical JSON (object keys sorted, serde_json's shortest round-trip
//! floats) and holds no clock time; `created_at` lives beside it in the row.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use blockwatt_analytics::{chain_profiles, Params};
use blockwatt_domain::IndexSnapshot;
use blockwatt_store::{IndexWrite, Store, StoreError};
use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use tokio::sync::watch;

use crate::index_document::{IndexDocument, IndexEntry, INDEX_NAME};
use crate::{Footprints, ServiceError};

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("{date} is not over yet (UTC): the latest day that can be published is {latest}")]
    NotClosed { date: NaiveDate, latest: NaiveDate },
    #[error("no chain has an estimate for {0}: import or ingest daily metrics for it first")]
    Empty(NaiveDate),
    #[error("index {date} version {version} is published already and {reason}; nothing was written. Publish version {next} with --new-version (admin: \"new_version\": true)", next = version + 1)]
    Changed {
        date: NaiveDate,
        version: u32,
        reason: &'static str,
    },
    #[error(transparent)]
    Footprint(#[from] ServiceError),
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("cannot serialise the index: {0}")]
    Json(#[from] serde_json::Error),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Published,
    Unchanged,
}

impl Status {
    /// As serialised: `published` or `unchanged`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::Published => "published",
            Status::Unchanged => "unchanged",
        }
    }
}

/// What a publication did (the CLI prints it, the admin route returns it).
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub date: NaiveDate,
    pub version: u32,
    pub sha256: String,
    pub status: Status,
    pub chains: usize,
}

#[derive(Clone)]
pub struct Publisher {
    footprints: Footprints,
    store: Arc<dyn Store>,
}

/// Yesterday in UTC: the latest closed day.
pub fn yesterday() -> NaiveDate {
    day_before(Utc::now())
}

/// The UTC day before `now`'s.
fn day_before(now: DateTime<Utc>) -> NaiveDate {
    now.date_naive() - Days::new(1)
}

impl Publisher {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self::with_footprints(Footprints::new(store))
    }

    /// Over these footprints: their public chains are the ones published.
    pub fn with_footprints(footprints: Footprints) -> Self {
        Publisher {
            store: Arc::clone(footprints.store()),
            footprints,
        }
    }

    /// Publishes `date` (yesterday when `None`). The same body again is a
    /// no-op; another body is [`PublishError::Changed`] unless `new_version`,
    /// which writes the next version. Nothing is ever overwritten.
    pub async fn publish(
        &self,
        date: Option<NaiveDate>,
        new_version: bool,
    ) -> Result<Outcome, PublishError> {
        let latest = yesterday();
        let date = date.unwrap_or(latest);
        if date > latest {
            return Err(PublishError::NotClosed { date, latest });
        }
        let (version, body, chains) = match self.store.index(date, None).await? {
            None => {
                let (body, chains) = self.body(date, 1).await?;
                (1, body, chains)
            }
            Some(existing) => {
                let (body, chains) = self.body(date, existing.version).await?;
                if body == existing.body {
                    return Ok(Outcome {
                        date,
                        version: existing.version,
                        sha256: existing.sha256,
                        status: Status::Unchanged,
                        chains,
                    });
                }
                if !new_version {
                    return Err(PublishError::Changed {
                        date,
                        version: existing.version,
                        reason: why_changed(&existing.body, &body),
                    });
                }
                let next = existing.version + 1;
                let (body, chains) = self.body(date, next).await?;
                (next, body, chains)
            }
        };
        let sha256 = sha256_hex(body.as_bytes());
        let snapshot = IndexSnapshot {
            date,
            version,
            created_at: Utc::now().timestamp(),
            sha256: sha256.clone(),
            body,
        };
        match self.store.write_index(&snapshot).await {
            Ok(IndexWrite::Written) => {}
            // Another publisher wrote the very same body first: this run
            // published nothing, and says so.
            Ok(IndexWrite::AlreadyPublished) => {
                return Ok(Outcome {
                    date,
                    version,
                    sha256,
                    status: Status::Unchanged,
                    chains,
                })
            }
            // Another publisher wrote this version first with other content.
            Err(StoreError::Conflict(_)) => {
                return Err(PublishError::Changed {
                    date,
                    version,
                    reason: "another publisher wrote that version first",
                })
            }
            Err(e) => return Err(e.into()),
        }
        tracing::info!(%date, version, %sha256, chains, "index published");
        Ok(Outcome {
            date,
            version,
            sha256,
            status: Status::Published,
            chains,
        })
    }

    /// The canonical body of `date` as version `version`, and its chain count.
    pub async fn body(
        &self,
        date: NaiveDate,
        version: u32,
    ) -> Result<(String, usize), PublishError> {
        let doc = self.document(date, version).await?;
        let n = doc.chains.len();
        Ok((canonical_json(&doc)?, n))
    }

    async fn document(&self, date: NaiveDate, version: u32) -> Result<IndexDocument, PublishError> {
        let params = Params::default();
        let mut chains = Vec::new();
        let mut methodology_versions = BTreeMap::new();
        let mut digests = BTreeMap::new();
        let public: Vec<&str> = self
            .footprints
            .public_chains()
            .map(|c| c.slug.as_str())
            .collect();
        for profile in chain_profiles(self.footprints.catalogues()) {
            // A local test chain is not part of a public index.
            if !public.contains(&profile.chain.as_str()) {
                continue;
            }
            let estimate = match self
                .footprints
                .day_by(&profile.chain, Some(date), None, &params)
                .await
            {
                Ok(e) => e,
                // The chain has no estimate that day: it is left out.
                Err(e) if e.is_no_estimate() => continue,
                Err(e) => return Err(e.into()),
            };
            let history = self
                .footprints
                .history(&profile.chain, date, date, &params)
                .await?;
            let mut sources: Vec<String> = self
                .store
                .daily_metrics(&profile.chain, date, date)
                .await?
                .into_iter()
                .map(|m| m.source)
                .collect();
            sources.sort();
            sources.dedup();
            let inputs_sha256 = sha256_hex(
                canonical_json(&serde_json::json!({
                    "daily_metrics": history,
                    "estimate_inputs": estimate.inputs,
                }))?
                .as_bytes(),
            );
            digests.insert(profile.chain.clone(), inputs_sha256.clone());
            methodology_versions.insert(
                estimate.method.clone(),
                estimate.methodology_version.clone(),
            );
            chains.push(IndexEntry {
                chain: profile.chain,
                name: profile.name,
                basis: estimate.basis,
                as_of: Some(estimate.as_of),
                sources,
                inputs_sha256,
                estimate,
            });
        }
        if chains.is_empty() {
            return Err(PublishError::Empty(date));
        }
        chains.sort_by(|a, b| a.chain.cmp(&b.chain));
        Ok(IndexDocument {
            index: INDEX_NAME.to_owned(),
            date,
            version,
            blockwatt_version: env!("CARGO_PKG_VERSION").to_owned(),
            methodology_versions,
            inputs_sha256: sha256_hex(canonical_json(&digests)?.as_bytes()),
            chains,
        })
    }
}

/// Why a recomputed body differs from the published one: the inputs
/// digest tells new data from a new release or methodology.
fn why_changed(published: &str, recomputed: &str) -> &'static str {
    let digest = |body: &str| {
        serde_json::from_str::<IndexDocument>(body)
            .ok()
            .map(|d| d.inputs_sha256)
    };
    match (digest(published), digest(recomputed)) {
        (Some(a), Some(b)) if a == b => {
            "the same inputs now give another body (a new blockwatt release or methodology)"
        }
        _ => "its inputs have changed since (new data arrived)",
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// JSON with every object's keys sorted, whatever map type produced it.
pub fn canonical_json<T: Serialize>(value: &T) -> Result<String, serde_json::Error> {
    fn sort(v: Value) -> Value {
        match v {
            Value::Object(map) => {
                let mut entries: Vec<(String, Value)> = map.into_iter().collect();
                entries.sort_by(|a, b| a.0.cmp(&b.0));
                Value::Object(entries.into_iter().map(|(k, v)| (k, sort(v))).collect())
            }
            Value::Array(items) => Value::Array(items.into_iter().map(sort).collect()),
            other => other,
        }
    }
    serde_json::to_string(&sort(serde_json::to_value(value)?))
}

/// How long from `now` until `margin` past the next UTC midnight.
fn until_after_midnight(now: DateTime<Utc>, margin: Duration) -> Duration {
    let next = (now.date_naive() + Days::new(1))
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc())
        .unwrap_or(now);
    (next - now).to_std().unwrap_or_default() + margin
}

/// The time and the waiting of [`daily`]: the system's in `serve`, a
/// hand-moved one in tests (so the midnight loop runs without waiting a day).
#[async_trait]
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
    async fn sleep(&self, duration: Duration);
}

pub struct SystemClock;

#[async_trait]
impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
    async fn sleep(&self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }
}

/// `serve`'s daily publication: yesterday's index on start when missing,
/// then again after each UTC midnight, until `stop` turns true. A day
/// published already is left alone (a changed day needs an operator).
pub async fn daily(publisher: Publisher, stop: watch::Receiver<bool>) {
    daily_with(publisher, stop, &SystemClock).await;
}

/// [`daily`] on any [`Clock`].
pub async fn daily_with(publisher: Publisher, stop: watch::Receiver<bool>, clock: &dyn Clock) {
    // A few minutes past midnight, so the day's last blocks are in.
    let margin = Duration::from_secs(300);
    let publisher = &publisher;
    each_day(stop, clock, margin, |now| async move {
        let day = day_before(now);
        match publisher.store.index(day, None).await {
            Ok(Some(_)) => tracing::debug!(%day, "index already published"),
            Ok(None) => {
                if let Err(e) = publisher.publish(Some(day), false).await {
                    tracing::warn!(%day, error = %e, "daily index not published");
                }
            }
            Err(e) => tracing::warn!(%day, error = %e, "cannot read published indices"),
        }
    })
    .await;
}

/// Runs `work` now, then again `margin` after each UTC midnight, until
/// `stop` turns true (a run in progress included): the loop of `serve`'s
/// daily jobs.
pub(crate) async fn each_day<F, Fut>(
    mut stop: watch::Receiver<bool>,
    clock: &dyn Clock,
    margin: Duration,
    mut work: F,
) where
    F: FnMut(DateTime<Utc>) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    loop {
        tokio::select! {
            () = work(clock.now()) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
        tokio::select! {
            () = clock.sleep(until_after_midnight(clock.now(), margin)) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use blockwatt_domain::DailyMetrics;

    const D: &str = "2020-06-15";

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    async fn store() -> (Arc<dyn Store>, tempfile::TempDir) {
        blockwatt_testkit::temp_sqlite().await
    }

    /// Bitcoin hashrate for the 60 days up to D (the models smooth over a window).
    async fn seed(store: &dyn Store, hashrate: f64) {
        let rows: Vec<DailyMetrics> = (0..60)
            .map(|i| DailyMetrics {
                hashrate_hs: Some(hashrate),
                tx_count: Some(300_000),
                ..DailyMetrics::empty("bitcoin", day(D) - Days::new(i), "coinmetrics")
            })
            .collect();
        store.write_daily_metrics(&rows).await.unwrap();
    }

    /// A clock the test moves by hand; `sleep` returns once it is moved
    /// past the wake time, which it shows.
    struct HandClock {
        now: std::sync::Mutex<DateTime<Utc>>,
        wake_at: std::sync::Mutex<Option<DateTime<Utc>>>,
        moved: tokio::sync::Notify,
    }

    impl HandClock {
        fn at(t: &str) -> Self {
            HandClock {
                now: std::sync::Mutex::new(t.parse().unwrap()),
                wake_at: std::sync::Mutex::new(None),
                moved: tokio::sync::Notify::new(),
            }
        }
        fn wake_at(&self) -> Option<DateTime<Utc>> {
            *self.wake_at.lock().unwrap()
        }
        fn move_to(&self, t: DateTime<Utc>) {
            *self.now.lock().unwrap() = t;
            self.moved.notify_waiters();
        }
    }

    #[async_trait]
    impl Clock for HandClock {
        fn now(&self) -> DateTime<Utc> {
            *self.now.lock().unwrap()
        }
        async fn sleep(&self, duration: Duration) {
            let target = self.now() + chrono::Duration::from_std(duration).unwrap();
            *self.wake_at.lock().unwrap() = Some(target);
            loop {
                // Registered before the check, so a move in between is seen.
                let moved = self.moved.notified();
                if self.now() >= target {
                    break;
                }
                moved.await;
            }
            *self.wake_at.lock().unwrap() = None;
        }
    }

    #[test]
    fn the_next_run_is_five_minutes_past_the_next_utc_midnight() {
        let m = Duration::from_secs(300);
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        assert_eq!(
            until_after_midnight(at("2020-06-16T12:00:00Z"), m),
            Duration::from_secs(12 * 3600 + 300)
        );
        assert_eq!(
            until_after_midnight(at("2020-06-16T23:59:59Z"), m),
            Duration::from_secs(301)
        );
        // Just past midnight: the next one, a day away.
        assert_eq!(
            until_after_midnight(at("2020-06-16T00:00:00Z"), m),
            Duration::from_secs(86_400 + 300)
        );
    }

    /// The loop `serve` runs: yesterday on start, the next day after the
    /// next midnight (plus the margin), and out when stopped.
    #[tokio::test]
    async fn the_daily_loop_publishes_yesterday_then_each_day_after_midnight() {
        let (store, _dir) = store().await;
        seed(store.as_ref(), 1.0e20).await;
        let next_day = DailyMetrics {
            hashrate_hs: Some(1.0e20),
            ..DailyMetrics::empty("bitcoin", day(D) + Days::new(1), "coinmetrics")
        };
        store.write_daily_metrics(&[next_day]).await.unwrap();
        let clock = Arc::new(HandClock::at("2020-06-16T12:00:00Z"));
        let (stop_tx, stop) = watch::channel(false);
        let run = tokio::spawn({
            let (clock, publisher) = (Arc::clone(&clock), Publisher::new(Arc::clone(&store)));
            async move { daily_with(publisher, stop, clock.as_ref()).await }
        });
        let published = |d: &'static str| {
            let store = Arc::clone(&store);
            move || {
                let store = Arc::clone(&store);
                async move { store.index(day(d), None).await.unwrap().is_some() }
            }
        };
        let limit = Duration::from_secs(30);
        assert!(blockwatt_testkit::wait_until_async(limit, published(D)).await);
        // Asleep until 00:05 the next day; 2020-06-16 is not published yet.
        let sleeping =
            blockwatt_testkit::wait_until_async(limit, || async { clock.wake_at().is_some() })
                .await;
        assert!(sleeping);
        let wake = clock.wake_at().unwrap();
        assert_eq!(
            wake,
            "2020-06-17T00:05:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        assert!(store
            .index(day("2020-06-16"), None)
            .await
            .unwrap()
            .is_none());
        clock.move_to(wake);
        assert!(blockwatt_testkit::wait_until_async(limit, published("2020-06-16")).await);
        // The day before stays as it was: one version.
        assert_eq!(store.index(day(D), None).await.unwrap().unwrap().version, 1);
        stop_tx.send(true).unwrap();
        tokio::time::timeout(limit, run).await.unwrap().unwrap();
    }

    #[tokio::test]
    async fn the_body_is_byte_identical_when_recomputed() {
        let (store, _dir) = store().await;
        seed(store.as_ref(), 1.0e20).await;
        let p = Publisher::new(Arc::clone(&store));
        let (a, n) = p.body(day(D), 1).await.unwrap();
        // Another publisher over the same store, later: the same bytes.
        let (b, _) = Publisher::new(store).body(day(D), 1).await.unwrap();
        assert_eq!(a, b);
        let doc: IndexDocument = serde_json::from_str(&a).unwrap();
        assert_eq!(doc.chains.len(), n);
        let btc = doc.chains.iter().find(|c| c.chain == "bitcoin").unwrap();
        assert_eq!(btc.basis, blockwatt_domain::Basis::Measured);
        assert_eq!(btc.as_of, Some(day(D)));
        assert_eq!(btc.sources, ["coinmetrics"]);
        assert_eq!(btc.estimate.date, day(D));
        // Proof-of-stake chains have no stored data, and their catalogue
        // fallbacks are dated years later: no figure, rather than a 2025
        // node count filling 2020.
        assert!(!doc.chains.iter().any(|c| c.chain == "solana"), "{a}");
        assert!(doc.methodology_versions.contains_key("hardware"), "{a}");
        assert_eq!(doc.blockwatt_version, env!("CARGO_PKG_VERSION"));
        // Canonical: re-serialising the parsed body gives the same bytes.
        assert_eq!(
            canonical_json(&serde_json::from_str::<Value>(&a).unwrap()).unwrap(),
            a
        );
    }

    #[tokio::test]
    async fn the_body_holds_no_clock_time() {
        let (store, _dir) = store().await;
        seed(store.as_ref(), 1.0e20).await;
        let (body, _) = Publisher::new(store).body(day(D), 1).await.unwrap();
        let today = Utc::now().date_naive().to_string();
        assert!(!body.contains(&today), "today's date in the body");
        fn keys(v: &Value, out: &mut Vec<String>) {
            match v {
                Value::Object(m) => {
                    for (k, v) in m {
                        out.push(k.clone());
                        keys(v, out);
                    }
                }
                Value::Array(a) => a.iter().for_each(|v| keys(v, out)),
                _ => {}
            }
        }
        let mut all = Vec::new();
        keys(&serde_json::from_str(&body).unwrap(), &mut all);
        for k in &all {
            assert!(
                ![
                    "created_at",
                    "generated_at",
                    "timestamp",
                    "now",
                    "published_at"
                ]
                .contains(&k.as_str()),
                "clock key {k} in the body"
            );
        }
    }

    /// Two publishers of the same day at once (the daily task and an
    /// operator, or two processes): exactly one publishes, the other says
    /// the day was published unchanged.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn of_two_concurrent_publishers_exactly_one_writes() {
        let (store, _dir) = store().await;
        seed(store.as_ref(), 1.0e20).await;
        for round in 0..5 {
            let date = day(D) - Days::new(round);
            let (a, b) = (
                Publisher::new(Arc::clone(&store)),
                Publisher::new(Arc::clone(&store)),
            );
            let (a, b) = tokio::join!(
                tokio::spawn(async move { a.publish(Some(date), false).await }),
                tokio::spawn(async move { b.publish(Some(date), false).await }),
            );
            let statuses = [a.unwrap().unwrap().status, b.unwrap().unwrap().status];
            let published = statuses.iter().filter(|s| **s == Status::Published).count();
            assert_eq!(published, 1, "{date}: {statuses:?}");
        }
        assert_eq!(store.indices().await.unwrap().len(), 5);
    }

    #[tokio::test]
    async fn republishing_unchanged_is_a_no_op_and_changed_needs_a_new_version() {
        let (store, _dir) = store().await;
        seed(store.as_ref(), 1.0e20).await;
        let p = Publisher::new(Arc::clone(&store));
        let first = p.publish(Some(day(D)), false).await.unwrap();
        assert_eq!((first.version, &first.status), (1, &Status::Published));
        let stored = store.index(day(D), Some(1)).await.unwrap().unwrap();
        assert_eq!(stored.sha256, sha256_hex(stored.body.as_bytes()));
        assert_eq!(stored.sha256, first.sha256);

        let again = p.publish(Some(day(D)), false).await.unwrap();
        assert_eq!(again.status, Status::Unchanged);
        assert_eq!((again.version, &again.sha256), (1, &first.sha256));
        // --new-version with nothing changed writes nothing either.
        let same = p.publish(Some(day(D)), true).await.unwrap();
        assert_eq!(same.status, Status::Unchanged);
        assert_eq!(store.indices().await.unwrap().len(), 1);

        // New data for the day arrives.
        seed(store.as_ref(), 1.2e20).await;
        let err = p.publish(Some(day(D)), false).await.unwrap_err();
        assert!(
            matches!(err, PublishError::Changed { version: 1, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("--new-version"), "{err}");
        assert!(err.to_string().contains("new data arrived"), "{err}");
        // Version 1 is untouched.
        assert_eq!(store.index(day(D), Some(1)).await.unwrap().unwrap(), stored);

        let v2 = p.publish(Some(day(D)), true).await.unwrap();
        assert_eq!((v2.version, &v2.status), (2, &Status::Published));
        assert_ne!(v2.sha256, first.sha256);
        let body2 = store.index(day(D), None).await.unwrap().unwrap();
        assert_eq!(body2.version, 2);
        let (doc1, doc2): (IndexDocument, IndexDocument) = (
            serde_json::from_str(&stored.body).unwrap(),
            serde_json::from_str(&body2.body).unwrap(),
        );
        assert_eq!(doc2.version, 2);
        // The digest says why they differ: bitcoin's inputs, no other chain's.
        assert_ne!(doc1.inputs_sha256, doc2.inputs_sha256);
        let digest = |d: &IndexDocument, c: &str| {
            d.chains
                .iter()
                .find(|e| e.chain == c)
                .map(|e| e.inputs_sha256.clone())
        };
        assert_ne!(digest(&doc1, "bitcoin"), digest(&doc2, "bitcoin"));
        assert_eq!(digest(&doc1, "solana"), digest(&doc2, "solana"));
        // Re-publishing v2's data is unchanged again.
        assert_eq!(
            p.publish(Some(day(D)), false).await.unwrap().status,
            Status::Unchanged
        );
    }

    #[tokio::test]
    async fn a_day_not_over_is_refused() {
        let (store, _dir) = store().await;
        let p = Publisher::new(store);
        let today = Utc::now().date_naive();
        let err = p.publish(Some(today), false).await.unwrap_err();
        assert!(matches!(err, PublishError::NotClosed { .. }), "{err}");
    }
}

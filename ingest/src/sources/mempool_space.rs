//! Bitcoin's second opinion: mempool.space's `GET {url}/v1/mining/hashrate[/:timePeriod]`
//! (mempool.space/docs/api/rest#get-hashrate; its documented answer is in
//! `tests/recorded/mempool-docs/`): "historical daily average hashrates"
//! in H/s, each at its UTC day's midnight (`timestamp`, Unix seconds), and
//! the difficulty at each retarget. Without `:timePeriod` the whole
//! history comes in one request; afterwards the shortest period that
//! reaches back to the newest stored day.
//!
//! Stored as source `mempool`, hashrate only: Coin Metrics' rows keep
//! precedence, and `/v1/chains/bitcoin/inputs` shows the two side by side.

use std::time::Duration;

use blockwatt_domain::DailyMetrics;
use blockwatt_store::Store;
use chrono::{DateTime, NaiveDate};
use serde::{Deserialize, Serialize};

use super::checks::{MAX_DAILY_HASHRATE_STEP, MAX_UNIT_DISAGREEMENT};
use super::sync::{ChainSync, SyncOutcome};
use super::SourceSyncError;
use crate::config::{redact_url, ConfigRangeError};
use crate::rpc::HttpClient;

/// The `source` of the rows.
pub const PROVIDER: &str = "mempool";
/// The one chain it covers.
pub const CHAIN: &str = "bitcoin";

/// `[sources.mempool]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MempoolConfig {
    #[serde(default = "yes")]
    pub enabled: bool,
    /// The base the API's paths hang from (`…/api`).
    #[serde(default = "default_url")]
    pub url: String,
    #[serde(default = "timeout_s")]
    pub timeout_s: u64,
}

fn yes() -> bool {
    true
}
fn default_url() -> String {
    "https://mempool.space/api".into()
}
fn timeout_s() -> u64 {
    60
}

impl Default for MempoolConfig {
    fn default() -> Self {
        MempoolConfig {
            enabled: true,
            url: default_url(),
            timeout_s: timeout_s(),
        }
    }
}

impl MempoolConfig {
    pub fn validate(&self) -> Result<(), ConfigRangeError> {
        if !(self.url.starts_with("http://") || self.url.starts_with("https://")) {
            return Err(ConfigRangeError {
                key: "sources.mempool.url",
                reason: "must be an http(s) URL, e.g. https://mempool.space/api".into(),
            });
        }
        if self.timeout_s == 0 {
            return Err(ConfigRangeError {
                key: "sources.mempool.timeout_s",
                reason: "must be at least 1".into(),
            });
        }
        Ok(())
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Answer {
    hashrates: Vec<DailyHashrate>,
    difficulty: Vec<Retarget>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DailyHashrate {
    timestamp: i64,
    avg_hashrate: f64,
}

#[derive(Deserialize)]
struct Retarget {
    timestamp: i64,
    difficulty: f64,
}

/// The documented periods, shortest first, with the days each reaches back.
const PERIODS: &[(u64, &str)] = &[
    (3, "3d"),
    (7, "1w"),
    (30, "1m"),
    (90, "3m"),
    (180, "6m"),
    (365, "1y"),
    (730, "2y"),
    (1095, "3y"),
];

/// Brings Bitcoin's `mempool` rows through `end` (the last complete UTC
/// day): one request.
pub async fn sync_mempool(store: &dyn Store, cfg: &MempoolConfig, end: NaiveDate) -> SyncOutcome {
    SyncOutcome {
        chain: CHAIN.to_owned(),
        source: PROVIDER,
        result: sync(store, cfg, end).await.map_err(std::sync::Arc::new),
    }
}

async fn sync(
    store: &dyn Store,
    cfg: &MempoolConfig,
    end: NaiveDate,
) -> Result<ChainSync, SourceSyncError> {
    let host = redact_url(&cfg.url);
    let last = super::newest_stored(store, CHAIN, PROVIDER).await?;
    if let Some(l) = last.as_ref().filter(|l| l.day >= end) {
        return Ok(ChainSync {
            days: 0,
            through: Some(l.day),
        });
    }
    let period = last.as_ref().and_then(|l| {
        let behind = (end - l.day).num_days().max(0) as u64;
        PERIODS
            .iter()
            .find(|(days, _)| *days > behind)
            .map(|(_, p)| *p)
    });
    let url = match period {
        Some(p) => format!("{}/v1/mining/hashrate/{p}", cfg.url.trim_end_matches('/')),
        None => format!("{}/v1/mining/hashrate", cfg.url.trim_end_matches('/')),
    };
    let malformed = |detail: String| SourceSyncError::Malformed {
        provider: PROVIDER,
        host: host.clone(),
        detail,
    };
    // The project's HTTP client: its retry with Retry-After, and errors
    // that name the host only.
    let (client, path) =
        HttpClient::for_url(PROVIDER, &url, None, Duration::from_secs(cfg.timeout_s))
            .map_err(malformed)?;
    let body = client
        .get(&path, None)
        .await
        .map_err(|e| malformed(e.to_string()))?;
    let answer: Answer = serde_json::from_slice(&body).map_err(|e| {
        malformed(format!(
            "the answer is not the documented {{\"hashrates\": [{{timestamp, avgHashrate}}], \"difficulty\": [...]}}: {e}"
        ))
    })?;
    let rows = checked(answer, last.as_ref(), end)?;
    if !rows.is_empty() {
        store.write_daily_metrics(&rows).await?;
    }
    Ok(ChainSync {
        days: rows.len(),
        through: rows.last().or(last.as_ref()).map(|m| m.day),
    })
}

/// The new complete days, checked: midnight timestamps in ascending order,
/// positive finite hashrates, no 100× day-to-day step, and each within 10×
/// of what the difficulty in force implies (a unit that changed).
fn checked(
    answer: Answer,
    last: Option<&DailyMetrics>,
    end: NaiveDate,
) -> Result<Vec<DailyMetrics>, SourceSyncError> {
    let mut retargets: Vec<(i64, f64)> = answer
        .difficulty
        .iter()
        .map(|r| (r.timestamp, r.difficulty))
        .collect();
    retargets.sort_by_key(|r| r.0);
    let mut out: Vec<DailyMetrics> = Vec::new();
    let mut previous: Option<(NaiveDate, f64)> = last.and_then(|l| Some((l.day, l.hashrate_hs?)));
    for h in answer.hashrates {
        let time = DateTime::from_timestamp(h.timestamp, 0);
        let day = time.map(|t| t.date_naive());
        let bad = |field: &str, reason: String| SourceSyncError::BadValue {
            provider: PROVIDER,
            chain: CHAIN.to_owned(),
            day: day.unwrap_or_default(),
            field: field.to_owned(),
            reason,
        };
        let (Some(time), Some(day)) = (time, day) else {
            return Err(SourceSyncError::BadBatch {
                provider: PROVIDER,
                chain: CHAIN.to_owned(),
                reason: format!("timestamp {} is no date", h.timestamp),
            });
        };
        if time.timestamp() % 86_400 != 0 {
            return Err(bad(
                "timestamp",
                format!("{} is not a UTC midnight: not a daily average", h.timestamp),
            ));
        }
        // The running day's average, and days already stored.
        if day > end || last.is_some_and(|l| day <= l.day) {
            continue;
        }
        if previous.is_some_and(|(p, _)| day <= p) {
            return Err(bad("timestamp", "days out of order or repeated".into()));
        }
        let hs = h.avg_hashrate;
        if !(hs.is_finite() && hs > 0.0) {
            return Err(bad(
                "avgHashrate",
                format!("{hs} must be a finite number > 0"),
            ));
        }
        if let Some((_, p)) = previous.filter(|(_, p)| *p > 0.0) {
            let step = hs / p;
            if !(1.0 / MAX_DAILY_HASHRATE_STEP..=MAX_DAILY_HASHRATE_STEP).contains(&step) {
                return Err(bad(
                    "avgHashrate",
                    format!("{hs:e} H/s is {step:.3}× the day before's {p:e} H/s"),
                ));
            }
        }
        // The difficulty in force that day: hashes per block ÷ 600 s.
        let in_force = retargets
            .iter()
            .rev()
            .find(|(t, _)| *t <= h.timestamp + 86_400)
            .map(|r| r.1);
        if let Some(d) = in_force.filter(|d| *d > 0.0) {
            let implied = d * 4_294_967_296.0 / 600.0;
            let ratio = hs / implied;
            if !(1.0 / MAX_UNIT_DISAGREEMENT..=MAX_UNIT_DISAGREEMENT).contains(&ratio) {
                return Err(bad(
                    "avgHashrate",
                    format!("{hs:e} H/s is {ratio:e}× what the difficulty {d:e} implies: not H/s"),
                ));
            }
        }
        previous = Some((day, hs));
        let mut row = DailyMetrics::empty(CHAIN, day, PROVIDER);
        row.hashrate_hs = Some(hs);
        out.push(row);
    }
    Ok(out)
}

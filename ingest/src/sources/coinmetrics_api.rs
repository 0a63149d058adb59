//! Coin Metrics API v4: `GET {url}/timeseries/asset-metrics`, read as its
//! documentation defines it (docs.coinmetrics.io/api-reference/timeseries/
//! timeseries-rest/asset-metrics, and the OpenAPI 3.0.2 definition behind
//! it; its documented examples are in `tests/recorded/coinmetrics-api/`):
//!
//! * `assets`, `metrics`: comma-separated; a metric the asset does not
//!   support is *absent* from a row, one without data that day is `null`.
//! * `frequency=1d`: one row per UTC day, `time` at midnight.
//! * `paging_from=start` (the default is `end`), `page_size` up to 10,000;
//!   the next page is the answer's `next_page_url`, fetched unmodified.
//! * `ignore_unsupported_errors`, `ignore_forbidden_errors`: a metric the
//!   tier does not serve is left out instead of failing the whole request
//!   (the community tier serves fewer metrics than the paid one).
//! * values are JSON strings of decimal numbers (`"8582.09029964933"`).
//! * errors are `{"error": {"type", "message"}}` with a 4xx status.

use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::NaiveDate;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::config::CoinMetricsConfig;
use super::SourceSyncError;
use crate::config::{redact_url, reqwest_reason};

/// The `source` of every row this provider stores.
pub const PROVIDER: &str = "coinmetrics";

/// A chain Coin Metrics covers, and how to read its `HashRate`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Asset {
    pub chain: &'static str,
    /// Coin Metrics' asset id.
    pub asset: &'static str,
    /// Hashes per second in one unit of `HashRate`, which "varies by
    /// protocol" (the metric's definition). Checked per chain against the
    /// community files in ../shared/data (see its README) and against the
    /// difficulty below.
    pub hashrate_unit_hs: Option<f64>,
    /// Hashes one unit of difficulty stands for, so that `DiffMean ×
    /// this × BlkCnt / 86,400 s` is the day's hashrate: 2^32 for the
    /// SHA-256, Scrypt and X11 chains, 1 for Ethash and CryptoNight/RandomX,
    /// 2^13 for Equihash. In the shared files the two agree within 1% for
    /// the first two families and 25% for the last two; a wrong unit is off
    /// by 1,000× at least.
    pub hashes_per_difficulty: Option<f64>,
}

const TWO_32: f64 = 4_294_967_296.0;

/// Every proof-of-work chain of the catalogue, and Ethereum (its
/// proof-of-work years, and its transactions and price since).
pub const ASSETS: &[Asset] = &[
    pow("bitcoin", "btc", 1e12, TWO_32),
    pow("litecoin", "ltc", 1e12, TWO_32),
    pow("dogecoin", "doge", 1e12, TWO_32),
    pow("bitcoin-cash", "bch", 1e12, TWO_32),
    pow("dash", "dash", 1e9, TWO_32),
    pow("zcash", "zec", 1e9, 8192.0),
    pow("monero", "xmr", 1.0, 1.0),
    pow("ethereum-classic", "etc", 1e12, 1.0),
    pow("ethereum", "eth", 1e12, 1.0),
];

const fn pow(chain: &'static str, asset: &'static str, unit: f64, per_diff: f64) -> Asset {
    Asset {
        chain,
        asset,
        hashrate_unit_hs: Some(unit),
        hashes_per_difficulty: Some(per_diff),
    }
}

pub fn asset_of(chain: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|a| a.chain == chain)
}

/// The metrics asked for; each maps to one `DailyMetrics` field.
pub const METRICS: &[&str] = &[
    "HashRate",
    "DiffMean",
    "BlkCnt",
    "TxCnt",
    "BlkSizeMeanByte",
    "PriceUSD",
    "IssTotNtv",
    "IssTotUSD",
    "FeeTotNtv",
    "FeeTotUSD",
];

/// One element of `data`, as sent.
pub type Row = Map<String, Value>;

#[derive(Deserialize)]
struct Page {
    data: Vec<Row>,
    #[serde(default)]
    next_page_url: Option<String>,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Deserialize)]
struct ErrorDetail {
    #[serde(rename = "type")]
    kind: String,
    message: String,
}

/// A bound on pages per request: the whole history of every asset is a
/// few pages; a provider sending more is looping.
const MAX_PAGES: usize = 1_000;

pub struct CoinMetricsClient {
    http: reqwest::Client,
    base: String,
    /// Scheme, host and port: what errors show, and the only origin a
    /// `next_page_url` may point to.
    origin: String,
    api_key: Option<String>,
    page_size: u32,
    max_retries: u32,
    limiter: DefaultDirectRateLimiter,
    requests: AtomicU64,
}

impl CoinMetricsClient {
    pub fn new(cfg: &CoinMetricsConfig) -> Result<Self, SourceSyncError> {
        let origin = redact_url(&cfg.url);
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(cfg.timeout_s))
            .build()
            .map_err(|e| SourceSyncError::Unreachable {
                provider: PROVIDER,
                host: origin.clone(),
                reason: reqwest_reason(e),
            })?;
        // "10 requests per 6 seconds" holds over any window only if the
        // requests are spaced: one every per_seconds / max_requests, no
        // burst (a burst of 10 plus the refill would allow 20 in 6 s).
        let spacing = Duration::from_millis(
            u64::from(cfg.per_seconds) * 1000 / u64::from(cfg.max_requests.max(1)),
        )
        .max(Duration::from_millis(1));
        let quota = Quota::with_period(spacing)
            .expect("a positive spacing")
            .allow_burst(NonZeroU32::MIN);
        Ok(CoinMetricsClient {
            http,
            base: cfg.url.trim_end_matches('/').to_owned(),
            origin,
            api_key: cfg.api_key.clone().filter(|k| !k.is_empty()),
            page_size: cfg.page_size,
            max_retries: cfg.max_retries,
            limiter: RateLimiter::direct(quota),
            requests: AtomicU64::new(0),
        })
    }

    /// Scheme and host, for messages.
    pub fn host(&self) -> &str {
        &self.origin
    }

    /// HTTP requests sent so far (retries included).
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Daily rows of `assets` from `start` (the beginning of each asset's
    /// history when `None`) through `end`, every page, in the API's order
    /// (by asset, then day).
    pub async fn asset_metrics(
        &self,
        assets: &[&str],
        start: Option<NaiveDate>,
        end: NaiveDate,
    ) -> Result<Vec<Row>, SourceSyncError> {
        let mut url = format!(
            "{}/timeseries/asset-metrics?assets={}&metrics={}&frequency=1d&paging_from=start\
             &page_size={}&end_time={end}&ignore_unsupported_errors=true&ignore_forbidden_errors=true",
            self.base,
            assets.join(","),
            METRICS.join(","),
            self.page_size,
        );
        if let Some(start) = start {
            url.push_str(&format!("&start_time={start}"));
        }
        let mut rows = Vec::new();
        for _ in 0..MAX_PAGES {
            let page = self.page(&url).await?;
            rows.extend(page.data);
            match page.next_page_url {
                None => return Ok(rows),
                Some(next) => url = self.next_url(next)?,
            }
        }
        Err(self.malformed(format!(
            "more than {MAX_PAGES} pages for one request: the paging does not end"
        )))
    }

    /// The provider's next page, only on the configured origin: a key
    /// must never travel to another host.
    fn next_url(&self, next: String) -> Result<String, SourceSyncError> {
        let same_origin = next
            .strip_prefix(&self.origin)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(['/', '?']));
        if !same_origin {
            return Err(self.malformed(format!(
                "next_page_url points to {} instead of {}",
                redact_url(&next),
                self.origin
            )));
        }
        Ok(next)
    }

    fn with_key(&self, url: &str) -> String {
        match &self.api_key {
            Some(key) if !url.contains("api_key=") => format!("{url}&api_key={key}"),
            _ => url.to_owned(),
        }
    }

    fn malformed(&self, detail: String) -> SourceSyncError {
        SourceSyncError::Malformed {
            provider: PROVIDER,
            host: self.origin.clone(),
            detail,
        }
    }

    /// One page, retrying what a later attempt may fix (429, 5xx, a
    /// dropped connection) with Retry-After or exponential backoff.
    async fn page(&self, url: &str) -> Result<Page, SourceSyncError> {
        let url = self.with_key(url);
        let mut attempt = 0u32;
        loop {
            self.limiter.until_ready().await;
            self.requests.fetch_add(1, Ordering::Relaxed);
            let backoff = Duration::from_millis(500u64 << attempt.min(6));
            let response = match self.http.get(&url).send().await {
                Ok(r) => r,
                Err(e) if attempt < self.max_retries => {
                    tracing::warn!(provider = PROVIDER, host = %self.origin, reason = %reqwest_reason(e), "retrying");
                    attempt += 1;
                    tokio::time::sleep(backoff).await;
                    continue;
                }
                Err(e) => {
                    return Err(SourceSyncError::Unreachable {
                        provider: PROVIDER,
                        host: self.origin.clone(),
                        reason: reqwest_reason(e),
                    })
                }
            };
            let status = response.status();
            let retry_after = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| {
                    crate::retry_after::retry_after_delay(
                        v,
                        std::time::SystemTime::now(),
                        Duration::from_secs(60),
                    )
                });
            let body = response
                .bytes()
                .await
                .map_err(|e| SourceSyncError::Unreachable {
                    provider: PROVIDER,
                    host: self.origin.clone(),
                    reason: reqwest_reason(e),
                })?;
            if status.is_success() {
                return serde_json::from_slice::<Page>(&body).map_err(|e| {
                    self.malformed(format!(
                        "the answer is not the documented {{\"data\": [...], \"next_page_url\"}} JSON: {e}"
                    ))
                });
            }
            let retryable = status.as_u16() == 429 || status.is_server_error();
            if retryable && attempt < self.max_retries {
                attempt += 1;
                tokio::time::sleep(retry_after.unwrap_or(backoff)).await;
                continue;
            }
            // The provider's own words, never our URL (it may hold the key).
            let detail = match serde_json::from_slice::<ErrorBody>(&body) {
                Ok(e) => format!("{}: {}", e.error.kind, clip(&e.error.message)),
                Err(_) => clip(&String::from_utf8_lossy(&body)),
            };
            let detail = match &self.api_key {
                Some(key) => detail.replace(key.as_str(), "(api key)"),
                None => detail,
            };
            return Err(SourceSyncError::Http {
                provider: PROVIDER,
                host: self.origin.clone(),
                status: status.as_u16(),
                detail,
            });
        }
    }
}

fn clip(s: &str) -> String {
    let s = s.trim();
    match s.char_indices().nth(300) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

//! `[sources]`: whether `serve` syncs the providers at all, how often, and
//! each provider's endpoint, limits and optional key.

use serde::{Deserialize, Serialize};

use crate::config::ConfigRangeError;

/// `[sources]` (BLOCKWATT_SOURCES__KEY).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourcesConfig {
    /// `serve` brings every chain with a source to the last complete UTC
    /// day, then keeps it current; `false` (or `serve --offline`) stops it.
    #[serde(default = "defaults::yes")]
    pub enabled: bool,
    /// Seconds between two syncs once current: providers publish a day
    /// some hours after it ends, at no fixed time.
    #[serde(default = "defaults::interval_s")]
    pub interval_s: u64,
    #[serde(default)]
    pub coinmetrics: CoinMetricsConfig,
    /// `[sources.mempool]`: Bitcoin's daily hashrate, a second opinion.
    #[serde(default)]
    pub mempool: super::mempool_space::MempoolConfig,
    /// `[sources.node_counts.<chain>]`: a proof-of-stake chain's validator
    /// count, read once a UTC day from a public endpoint (no keyless
    /// provider keeps their history: counts exist from the first sync on).
    /// The shipped ones are in `config/default.toml`.
    #[serde(default)]
    pub node_counts: std::collections::BTreeMap<String, crate::nodes::NodeCountConfig>,
}

impl Default for SourcesConfig {
    fn default() -> Self {
        SourcesConfig {
            enabled: true,
            interval_s: defaults::interval_s(),
            coinmetrics: CoinMetricsConfig::default(),
            mempool: Default::default(),
            node_counts: Default::default(),
        }
    }
}

impl SourcesConfig {
    pub fn validate(&self) -> Result<(), ConfigRangeError> {
        if self.interval_s == 0 {
            return Err(ConfigRangeError {
                key: "sources.interval_s",
                reason: "must be at least 1 second".into(),
            });
        }
        self.coinmetrics.validate()?;
        self.mempool.validate()
    }
}

/// `[sources.coinmetrics]`: Coin Metrics API v4. The community endpoint
/// needs no key and serves CC BY-NC 4.0 data, 10 requests per 6 seconds
/// per IP (docs.coinmetrics.io, "Community API"); a paid tier's users set
/// `url = "https://api.coinmetrics.io/v4"` and `api_key`.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoinMetricsConfig {
    #[serde(default = "defaults::yes")]
    pub enabled: bool,
    /// The base the API's paths hang from (`…/v4`).
    #[serde(default = "defaults::coinmetrics_url")]
    pub url: String,
    /// Sent as the `api_key` query parameter; never logged or echoed.
    #[serde(default)]
    pub api_key: Option<String>,
    /// At most `max_requests` every `per_seconds`.
    #[serde(default = "defaults::max_requests")]
    pub max_requests: u32,
    #[serde(default = "defaults::per_seconds")]
    pub per_seconds: u32,
    /// Rows per page, at most the API's 10,000.
    #[serde(default = "defaults::page_size")]
    pub page_size: u32,
    #[serde(default = "defaults::timeout_s")]
    pub timeout_s: u64,
    /// Retries of a 429, a 5xx or a broken connection, with backoff.
    #[serde(default = "defaults::max_retries")]
    pub max_retries: u32,
}

impl Default for CoinMetricsConfig {
    fn default() -> Self {
        CoinMetricsConfig {
            enabled: true,
            url: defaults::coinmetrics_url(),
            api_key: None,
            max_requests: defaults::max_requests(),
            per_seconds: defaults::per_seconds(),
            page_size: defaults::page_size(),
            timeout_s: defaults::timeout_s(),
            max_retries: defaults::max_retries(),
        }
    }
}

/// The key is never printed, even in a debug dump of the configuration.
impl std::fmt::Debug for CoinMetricsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CoinMetricsConfig")
            .field("enabled", &self.enabled)
            .field("url", &crate::config::redact_url(&self.url))
            .field("api_key", &self.api_key.as_ref().map(|_| "(set)"))
            .field("max_requests", &self.max_requests)
            .field("per_seconds", &self.per_seconds)
            .field("page_size", &self.page_size)
            .field("timeout_s", &self.timeout_s)
            .field("max_retries", &self.max_retries)
            .finish()
    }
}

impl CoinMetricsConfig {
    pub fn validate(&self) -> Result<(), ConfigRangeError> {
        let bad = |key: &'static str, reason: &str| ConfigRangeError {
            key,
            reason: reason.to_owned(),
        };
        if !(self.url.starts_with("http://") || self.url.starts_with("https://")) {
            return Err(bad(
                "sources.coinmetrics.url",
                "must be an http(s) URL, e.g. https://community-api.coinmetrics.io/v4",
            ));
        }
        if self.max_requests == 0 || self.per_seconds == 0 {
            return Err(bad(
                "sources.coinmetrics.max_requests",
                "max_requests and per_seconds must both be at least 1",
            ));
        }
        if !(1..=10_000).contains(&self.page_size) {
            return Err(bad(
                "sources.coinmetrics.page_size",
                "must be 1 ..= 10000 (the API's largest page)",
            ));
        }
        if self.timeout_s == 0 {
            return Err(bad("sources.coinmetrics.timeout_s", "must be at least 1"));
        }
        Ok(())
    }
}

mod defaults {
    pub fn yes() -> bool {
        true
    }
    pub fn interval_s() -> u64 {
        3 * 3600
    }
    pub fn coinmetrics_url() -> String {
        "https://community-api.coinmetrics.io/v4".into()
    }
    pub fn max_requests() -> u32 {
        10
    }
    pub fn per_seconds() -> u32 {
        6
    }
    pub fn page_size() -> u32 {
        10_000
    }
    pub fn timeout_s() -> u64 {
        60
    }
    pub fn max_retries() -> u32 {
        4
    }
}

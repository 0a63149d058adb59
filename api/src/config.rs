//! The API's part of the application config (nested by the binary).

use serde::{Deserialize, Serialize};

/// Tunables of the HTTP layer. Unknown keys are an error so a typo in the
/// config file fails at start rather than silently using a default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ApiConfig {
    /// Largest `to - from + 1` accepted by history, in days (about ten years).
    pub max_history_days: u32,
    /// Largest number of chains in one `/v1/compare`.
    pub max_compare_chains: u32,
    /// Requests per minute per client IP; 0 disables the limit (benchmarks).
    pub rate_limit_per_minute: u32,
    /// Whole-request deadline, seconds.
    pub request_timeout_s: u64,
    /// How long a "latest"/today estimate is served from memory, seconds.
    pub latest_cache_ttl_s: u64,
    /// How long an estimate of a closed day (before yesterday) is served
    /// from memory, seconds. This instance's own imports and syncs clear
    /// it at once; this bounds how long one by another instance (the
    /// lease holder) goes unseen here.
    pub closed_cache_ttl_s: u64,
    /// Most entries the estimate cache keeps before it starts over.
    pub cache_max_entries: usize,
    /// How long a transaction the chain's source did not know is answered
    /// 404 without asking the source again, seconds; 0 always asks.
    pub unknown_tx_ttl_s: u64,
    /// Most such transactions remembered at once.
    pub unknown_tx_max_entries: usize,
    /// Longest accepted request target (path + query), bytes.
    pub max_uri_bytes: usize,
    /// Largest accepted request body (admin routes only), bytes.
    pub max_body_bytes: usize,
    /// Key the rate limit on the last `X-Forwarded-For` hop (set only
    /// behind a proxy that appends it; otherwise clients could spoof it).
    pub trust_forwarded_for: bool,
    /// `/readyz` fails when a chain's newest stored block is older than
    /// this, seconds. `None` skips the check (fresh installs, archives).
    pub max_ingest_lag_s: Option<u64>,
    /// `/readyz` fails when a chain this server follows is more than this
    /// many blocks behind its source's tip. `None` skips the check.
    pub max_ingest_lag_blocks: Option<u64>,
    /// `/readyz` fails when a public chain's newest day of daily metrics is
    /// more than this many days before today (UTC): 1 is "yesterday is
    /// stored". Chains with no daily metrics at all are not counted (a
    /// chain no source covers). `None` skips the check.
    pub max_data_age_days: Option<u64>,
    /// `BLOCKWATT_ADMIN_TOKEN`: admin routes exist only when set.
    pub admin_token: Option<String>,
    /// The address readers reach this server at (`https://blockwatt.example`),
    /// for links that leave it: oEmbed answers and discovery links, and the
    /// snippets the widget gallery shows. `None`: the request's own origin
    /// where one is needed, and no oEmbed discovery link.
    pub public_url: Option<String>,
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig {
            max_history_days: 3660,
            max_compare_chains: 20,
            rate_limit_per_minute: 600,
            request_timeout_s: 30,
            latest_cache_ttl_s: 60,
            closed_cache_ttl_s: 600,
            cache_max_entries: 10_000,
            unknown_tx_ttl_s: 60,
            unknown_tx_max_entries: 10_000,
            max_uri_bytes: 4096,
            max_body_bytes: 64 * 1024,
            trust_forwarded_for: false,
            max_ingest_lag_s: None,
            max_ingest_lag_blocks: None,
            max_data_age_days: None,
            admin_token: None,
            public_url: None,
        }
    }
}

impl ApiConfig {
    /// Limits a service cannot run with: every request timing out at once,
    /// every history or comparison refused. `Err` names the key.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        let positive: [(&'static str, u64); 5] = [
            ("api.request_timeout_s", self.request_timeout_s),
            ("api.max_history_days", u64::from(self.max_history_days)),
            ("api.max_compare_chains", u64::from(self.max_compare_chains)),
            ("api.max_uri_bytes", self.max_uri_bytes as u64),
            ("api.max_body_bytes", self.max_body_bytes as u64),
        ];
        for (key, value) in positive {
            if value == 0 {
                return Err((key, "must be at least 1".into()));
            }
        }
        Ok(())
    }
}

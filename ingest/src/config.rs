//! Per-chain source configuration, as read from `config/chains.toml`.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Which client talks to the chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    Evm,
    BitcoinRpc,
    Esplora,
}

impl SourceKind {
    /// The name stored in checkpoints: two sources may follow one chain.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Evm => "evm",
            SourceKind::BitcoinRpc => "bitcoin-rpc",
            SourceKind::Esplora => "esplora",
        }
    }
}

/// How one chain is ingested. Unknown keys are an error so a typo in
/// `chains.toml` does not silently fall back to a default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChainSourceConfig {
    /// `serve` follows enabled chains in the background; `blockwatt ingest`
    /// runs any configured chain on demand.
    #[serde(default)]
    pub enabled: bool,
    pub kind: SourceKind,
    pub url: String,
    /// A full header line sent with every request, e.g.
    /// `"Authorization: Bearer …"` or `"x-api-key: …"`.
    #[serde(default)]
    pub auth_header: Option<String>,
    /// Bitcoin Core `.cookie` file (`user:password`), read at start-up.
    #[serde(default)]
    pub cookie_file: Option<PathBuf>,
    /// HTTP basic auth user and password (Bitcoin Core `rpcuser`/`rpcpassword`).
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
    /// HTTP requests per second, at most.
    #[serde(default = "defaults::rate_limit_per_s")]
    pub rate_limit_per_s: u32,
    /// Most blocks per fetch; also the largest JSON-RPC batch. A backfill
    /// of more than `max_in_flight` full batches starts and ends with
    /// smaller ones (`batch_plan`). Keep it small for bitcoin-rpc (4–8): a
    /// verbosity-2 block of a full Bitcoin block is several MB of JSON.
    #[serde(default = "defaults::batch_size")]
    pub batch_size: usize,
    /// HTTP requests in flight, at most.
    #[serde(default = "defaults::max_in_flight")]
    pub max_in_flight: usize,
    /// Blocks newer than this depth below the tip are stored as provisional.
    #[serde(default = "defaults::confirmations")]
    pub confirmations: u64,
    /// How far back the fork-point search walks before giving up.
    #[serde(default = "defaults::reorg_depth")]
    pub reorg_depth: u64,
    /// EVM: the chain id the node must report (`eth_chainId`).
    #[serde(default)]
    pub chain_id: Option<u64>,
    /// bitcoin-rpc: the `chain` getblockchaininfo must report (`main`,
    /// `test`, `regtest`).
    #[serde(default)]
    pub network: Option<String>,
    /// Proof of work: read difficulty for hashrate (informational; the
    /// difficulty is stored whenever the node reports it).
    #[serde(default)]
    pub proof_of_work: bool,
    /// EVM: fetch receipts (gas used and fee per transaction). Off only for
    /// nodes that serve no receipts.
    #[serde(default = "defaults::yes")]
    pub receipts: bool,
    /// Esplora: read every transaction's size, weight and fee from
    /// `/block/:hash/txs/:start` (25 per request). Unset means on for
    /// Esplora; `false` keeps to a few requests per block (block totals
    /// only, transactions stored with size and fee 0) for strict public
    /// rate limits.
    #[serde(default)]
    pub tx_detail: Option<bool>,
    #[serde(default = "defaults::max_retries")]
    pub max_retries: u32,
    /// First retry delay; doubles with every attempt, plus jitter.
    #[serde(default = "defaults::backoff_ms")]
    pub backoff_ms: u64,
    /// Longest wait between retries, including a server's Retry-After.
    #[serde(default = "defaults::max_backoff_ms")]
    pub max_backoff_ms: u64,
    #[serde(default = "defaults::request_timeout_ms")]
    pub request_timeout_ms: u64,
    /// Follow mode: how often to look for new blocks.
    #[serde(default = "defaults::poll_interval_ms")]
    pub poll_interval_ms: u64,
}

/// A configuration key out of range: the key (relative to the chain's
/// table) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigRangeError {
    pub key: &'static str,
    pub reason: String,
}

impl std::fmt::Display for ConfigRangeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.key, self.reason)
    }
}

impl ChainSourceConfig {
    /// Checks every bounded key, so a bad value stops start-up with its
    /// name instead of surfacing as a stalled or hammering ingester.
    pub fn validate(&self) -> Result<(), ConfigRangeError> {
        let range = |key: &'static str, v: u64, lo: u64, hi: u64| {
            if (lo..=hi).contains(&v) {
                Ok(())
            } else {
                Err(ConfigRangeError {
                    key,
                    reason: format!("{v} is outside {lo}..={hi}"),
                })
            }
        };
        if !(self.url.starts_with("http://") || self.url.starts_with("https://")) {
            return Err(ConfigRangeError {
                key: "url",
                reason: "must start with http:// or https://".into(),
            });
        }
        range(
            "rate_limit_per_s",
            u64::from(self.rate_limit_per_s),
            1,
            100_000,
        )?;
        range("batch_size", self.batch_size as u64, 1, 10_000)?;
        range("max_in_flight", self.max_in_flight as u64, 1, 256)?;
        range("reorg_depth", self.reorg_depth, 1, 100_000)?;
        range("max_retries", u64::from(self.max_retries), 0, 100)?;
        range("request_timeout_ms", self.request_timeout_ms, 10, 600_000)?;
        range("poll_interval_ms", self.poll_interval_ms, 10, 3_600_000)?;
        if self.backoff_ms > self.max_backoff_ms {
            return Err(ConfigRangeError {
                key: "backoff_ms",
                reason: "must not exceed max_backoff_ms".into(),
            });
        }
        if self.kind == SourceKind::Evm && self.chain_id.is_none() {
            return Err(ConfigRangeError {
                key: "chain_id",
                reason: "an evm source needs the chain id the node must report".into(),
            });
        }
        Ok(())
    }
}

mod defaults {
    pub fn rate_limit_per_s() -> u32 {
        50
    }
    pub fn batch_size() -> usize {
        50
    }
    pub fn max_in_flight() -> usize {
        4
    }
    pub fn confirmations() -> u64 {
        12
    }
    pub fn reorg_depth() -> u64 {
        100
    }
    pub fn yes() -> bool {
        true
    }
    pub fn max_retries() -> u32 {
        5
    }
    pub fn backoff_ms() -> u64 {
        250
    }
    pub fn max_backoff_ms() -> u64 {
        30_000
    }
    pub fn request_timeout_ms() -> u64 {
        30_000
    }
    pub fn poll_interval_ms() -> u64 {
        5_000
    }
}

impl ChainSourceConfig {
    /// A configuration with every default, for `kind` at `url`.
    pub fn new(kind: SourceKind, url: &str) -> Self {
        ChainSourceConfig {
            enabled: false,
            kind,
            url: url.to_owned(),
            auth_header: None,
            cookie_file: None,
            user: None,
            password: None,
            rate_limit_per_s: defaults::rate_limit_per_s(),
            batch_size: defaults::batch_size(),
            max_in_flight: defaults::max_in_flight(),
            confirmations: defaults::confirmations(),
            reorg_depth: defaults::reorg_depth(),
            chain_id: None,
            network: None,
            proof_of_work: false,
            receipts: true,
            tx_detail: None,
            max_retries: defaults::max_retries(),
            backoff_ms: defaults::backoff_ms(),
            max_backoff_ms: defaults::max_backoff_ms(),
            request_timeout_ms: defaults::request_timeout_ms(),
            poll_interval_ms: defaults::poll_interval_ms(),
        }
    }

    pub fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.request_timeout_ms)
    }
}

/// A URL as it may be shown (errors, logs, job outcomes, `/metrics`
/// labels, answers to anonymous clients): scheme, host and port only.
/// Providers put API keys in the user info, the path (`/v3/KEY`) and the
/// query (`?apikey=`), so all three are left out.
pub fn redact_url(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
            let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
            format!("{scheme}://{host}")
        }
        // Not a URL: nothing of it can be shown safely.
        None => "(not a URL)".to_owned(),
    }
}

/// A reqwest error's text without the URL it embeds (`error sending
/// request for url (…)`), which may carry a key.
pub fn reqwest_reason(e: reqwest::Error) -> String {
    e.without_url().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_urls_keep_only_scheme_host_and_port() {
        for (url, shown) in [
            (
                "https://mainnet.infura.io/v3/0123abcd",
                "https://mainnet.infura.io",
            ),
            (
                "https://node.example/rpc?apikey=s3cret",
                "https://node.example",
            ),
            ("http://user:pass@127.0.0.1:8545/", "http://127.0.0.1:8545"),
            ("http://127.0.0.1:8545", "http://127.0.0.1:8545"),
            ("https://h.example#frag", "https://h.example"),
        ] {
            assert_eq!(redact_url(url), shown, "{url}");
        }
        assert!(!redact_url("s3cret-not-a-url").contains("s3cret"));
    }

    #[test]
    fn parses_minimal_toml_with_defaults_and_rejects_unknown_keys() {
        let cfg: ChainSourceConfig = serde_json::from_str(
            r#"{"kind":"evm","url":"http://127.0.0.1:8545","chain_id":31337}"#,
        )
        .expect("valid config");
        assert_eq!(cfg.kind, SourceKind::Evm);
        assert_eq!(cfg.batch_size, 50);
        assert_eq!(cfg.reorg_depth, 100);
        assert!(cfg.validate().is_ok());
        let bad = serde_json::from_str::<ChainSourceConfig>(
            r#"{"kind":"evm","url":"http://x","chain_id":1,"batchsize":3}"#,
        );
        assert!(bad.is_err());
        let no_id: ChainSourceConfig =
            serde_json::from_str(r#"{"kind":"evm","url":"http://x"}"#).expect("parses");
        assert!(no_id.validate().is_err());
    }
}

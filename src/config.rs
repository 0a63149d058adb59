//! Configuration in layers: the built-in `config/default.toml` < the file
//! named by `--config` / `BLOCKWATT_CONFIG` < `BLOCKWATT_*` variables.
//! Unknown keys and out-of-range values are errors that name the key.

use std::net::SocketAddr;
use std::path::Path;

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};

/// Compiled in, so the binary runs from any directory.
const DEFAULT_TOML: &str = include_str!("../config/default.toml");
const CHAINS_TOML: &str = include_str!("../config/chains.toml");

/// `BLOCKWATT_*` variables that are not configuration keys: the config file
/// path itself, and switches read by the test suite.
const NOT_CONFIG_KEYS: &[&str] = &["config", "require_all", "shared_data", "anvil"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub addr: String,
    pub database_url: String,
    pub log_format: LogFormat,
    /// Bearer token for the admin routes; with none (or an empty one) they
    /// do not exist.
    #[serde(default)]
    pub admin_token: Option<String>,
    /// CoinGecko-compatible price API (`…/simple/price`), for USD revenue
    /// of ingested chains.
    pub price_url: String,
    /// The only directory `POST /v1/admin/import` may read files from;
    /// unset, the route imports from http(s) URLs only.
    #[serde(default)]
    pub import_dir: Option<std::path::PathBuf>,
    /// The HTTP API's limits and caches (`[api]`, BLOCKWATT_API__KEY).
    #[serde(default)]
    pub api: blockwatt_api::config::ApiConfig,
    /// `serve`'s daily index publication (`[publish]`, BLOCKWATT_PUBLISH__KEY).
    #[serde(default)]
    pub publish: PublishConfig,
    /// Daily inputs from public data providers (`[sources]`,
    /// `[sources.coinmetrics]`; BLOCKWATT_SOURCES__COINMETRICS__URL).
    #[serde(default)]
    pub sources: blockwatt_ingest::sources::SourcesConfig,
    /// Who MiCA disclosures name (`[mica]`: S.1 and S.2 of Delegated
    /// Regulation (EU) 2025/422).
    #[serde(default)]
    pub mica: MicaConfig,
    /// Tokens beyond the catalogue's (`[assets.ID]`): name, issuer, LEI,
    /// decimals and a contract per host chain.
    #[serde(default)]
    pub assets: std::collections::BTreeMap<String, AssetConfig>,
    /// How several `serve` instances on one store agree which runs the
    /// background work (`[lease]`, BLOCKWATT_LEASE__TTL_SECONDS).
    #[serde(default)]
    pub lease: blockwatt_service::lease::LeaseConfig,
    /// Catalogue chains that are not public (a local devnet) to list,
    /// compare and publish all the same, e.g. on a demo server.
    #[serde(default)]
    pub public_chains: Vec<String>,
    /// Sources per chain (`config/chains.toml`, `[chains.SLUG]`).
    #[serde(default)]
    pub chains: std::collections::BTreeMap<String, blockwatt_ingest::ChainSourceConfig>,
    /// `BLOCKWATT_*` variables that are no configuration key (dotted
    /// paths), left out; `main` warns about them.
    #[serde(skip)]
    pub ignored_env: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublishConfig {
    /// Publish yesterday's index on start when it is missing, then after
    /// each UTC midnight.
    pub daily: bool,
}

impl Default for PublishConfig {
    fn default() -> Self {
        PublishConfig { daily: true }
    }
}

/// The person drawing up the white paper, or the crypto-asset service
/// provider, that the MiCA disclosures name.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MicaConfig {
    /// S.1: the name, as reported under Implementing Regulation (EU) 2024/2984.
    #[serde(default)]
    pub name: Option<String>,
    /// S.2: its legal entity identifier (ISO 17442).
    #[serde(default)]
    pub lei: Option<String>,
}

impl MicaConfig {
    pub fn discloser(&self) -> blockwatt_analytics::Discloser {
        let set = |v: &Option<String>| {
            v.as_ref()
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
        };
        blockwatt_analytics::Discloser {
            name: set(&self.name),
            lei: set(&self.lei),
        }
    }
}

/// A token the configuration adds (`[assets.ID]`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssetConfig {
    pub name: String,
    #[serde(default)]
    pub issuer: String,
    #[serde(default)]
    pub lei: Option<String>,
    pub decimals: u8,
    /// Host chain slug → contract address.
    pub contracts: std::collections::BTreeMap<String, String>,
}

impl Settings {
    /// The configured tokens as listings (checked when the service takes them).
    pub fn token_listings(&self) -> Vec<blockwatt_analytics::assets::TokenListing> {
        self.assets
            .iter()
            .flat_map(|(id, a)| {
                a.contracts.iter().map(move |(chain, contract)| {
                    blockwatt_analytics::assets::TokenListing {
                        asset: id.clone(),
                        name: a.name.clone(),
                        kind: "erc20".into(),
                        chain: chain.clone(),
                        contract: contract.to_ascii_lowercase(),
                        decimals: a.decimals,
                        issuer: a.issuer.clone(),
                        lei: a.lei.clone(),
                        source: "configuration".into(),
                    }
                })
            })
            .collect()
    }
}

/// Values given on the command line, which win over every other layer.
#[derive(Debug, Default, Serialize)]
pub struct CliOverrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_format: Option<LogFormat>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub addr: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration: {0}")]
    Invalid(String),
    #[error("configuration file {0} does not exist")]
    MissingFile(String),
    #[error("configuration key `{key}`: {reason}")]
    OutOfRange { key: &'static str, reason: String },
    #[error("configuration key `chains.{chain}.{key}`: {reason}")]
    ChainOutOfRange {
        chain: String,
        key: &'static str,
        reason: String,
    },
    #[error(
        "configuration table `chains.{0}`: not a chain id (lower-case letters, digits and '-')"
    )]
    BadChainName(String),
    #[error(
        "configuration table `chains.{0}`: the chain is not in the catalogue (config/catalogues/chains.csv); add its row there, or remove this source"
    )]
    ChainNotInCatalogue(String),
}

impl Settings {
    pub fn load(file: Option<&Path>, overrides: &CliOverrides) -> Result<Self, ConfigError> {
        if let Some(file) = file {
            // figment ignores a missing file; a path the user named must exist.
            if file.is_dir() {
                return Err(ConfigError::Invalid(format!(
                    "{} is a directory, not a configuration file",
                    file.display()
                )));
            }
            if !file.is_file() {
                return Err(ConfigError::MissingFile(file.display().to_string()));
            }
        }
        // An unknown key in a file is a typo and stops the program. An
        // unknown `BLOCKWATT_*` variable may be the platform's: Kubernetes
        // sets `BLOCKWATT_PORT`, `BLOCKWATT_SERVICE_HOST`… for a Service
        // named blockwatt. Those are left out, one by one, and named in a
        // warning once logging is up.
        let mut ignored: Vec<String> = Vec::new();
        loop {
            match Self::figment(file, overrides, &ignored).extract::<Settings>() {
                Ok(mut settings) => {
                    settings.admin_token = settings.admin_token.filter(|t| !t.is_empty());
                    settings.validate()?;
                    settings.ignored_env = ignored;
                    return Ok(settings);
                }
                Err(e) => match unknown_env_key(&e) {
                    Some(key) if !ignored.contains(&key) && ignored.len() < 1000 => {
                        ignored.push(key)
                    }
                    _ => return Err(ConfigError::Invalid(one_line(&e))),
                },
            }
        }
    }

    fn figment(file: Option<&Path>, overrides: &CliOverrides, ignored: &[String]) -> Figment {
        let mut figment =
            Figment::from(Toml::string(DEFAULT_TOML)).merge(Toml::string(CHAINS_TOML));
        if let Some(file) = file {
            figment = figment.merge(Toml::file(file));
        }
        let ignored = ignored.to_vec();
        figment
            .merge(
                Env::prefixed("BLOCKWATT_")
                    .filter(move |key| {
                        is_config_key(key.as_str()) && !ignored.contains(&env_path(key.as_str()))
                    })
                    .split("__"),
            )
            .merge(Serialized::defaults(overrides))
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if !(self.price_url.starts_with("http://") || self.price_url.starts_with("https://")) {
            return Err(ConfigError::OutOfRange {
                key: "price_url",
                reason: format!("{:?} is not an http(s) URL", self.price_url),
            });
        }
        self.api
            .validate()
            .map_err(|(key, reason)| ConfigError::OutOfRange { key, reason })?;
        let catalogue = blockwatt_analytics::Catalogues::embedded();
        for (chain, source) in &self.chains {
            blockwatt_domain::validate_chain_slug(chain)
                .map_err(|_| ConfigError::BadChainName(chain.clone()))?;
            // Ingested, its figures would have no model to read them: a
            // source is refused at start, not discovered as 404s later.
            if catalogue.chain(chain).is_err() {
                return Err(ConfigError::ChainNotInCatalogue(chain.clone()));
            }
            source
                .validate()
                .map_err(|e| ConfigError::ChainOutOfRange {
                    chain: chain.clone(),
                    key: e.key,
                    reason: e.reason,
                })?;
        }
        self.sources
            .validate()
            .map_err(|e| ConfigError::OutOfRange {
                key: e.key,
                reason: e.reason,
            })?;
        for chain in &self.public_chains {
            if catalogue.chain(chain).is_err() {
                return Err(ConfigError::OutOfRange {
                    key: "public_chains",
                    reason: format!("{chain:?} is not a chain of the catalogue"),
                });
            }
        }
        for t in self.token_listings() {
            blockwatt_analytics::assets::check_listing(&t, &catalogue.chains).map_err(
                |reason| ConfigError::OutOfRange {
                    key: "assets",
                    reason,
                },
            )?;
        }
        if let Some(lei) = self.mica.discloser().lei {
            blockwatt_domain::validate_lei(&lei).map_err(|e| ConfigError::OutOfRange {
                key: "mica.lei",
                reason: format!("{lei:?}: {e}"),
            })?;
        }
        self.lease
            .check()
            .map_err(|reason| ConfigError::OutOfRange {
                key: "lease",
                reason,
            })?;
        if let Some(token) = &self.admin_token {
            if token.len() < 16 {
                return Err(ConfigError::OutOfRange {
                    key: "admin_token",
                    reason: "must be at least 16 characters (it guards the admin routes)".into(),
                });
            }
        }
        self.addr
            .parse::<SocketAddr>()
            .map_err(|e| ConfigError::OutOfRange {
                key: "addr",
                reason: format!(
                    "{:?} is not a socket address like 127.0.0.1:8080 ({e})",
                    self.addr
                ),
            })?;
        Ok(())
    }

    pub fn socket_addr(&self) -> SocketAddr {
        // Checked in validate().
        self.addr
            .parse()
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 8080)))
    }
}

/// The dotted path a `BLOCKWATT_*` variable sets (`API__RATE_LIMIT` →
/// `api.rate_limit`).
fn env_path(key: &str) -> String {
    key.to_ascii_lowercase().replace("__", ".")
}

/// The dotted path of an unknown key that came from the environment.
fn unknown_env_key(e: &figment::Error) -> Option<String> {
    e.clone().into_iter().find_map(|e| {
        let from_env = e
            .metadata
            .as_ref()
            .is_some_and(|m| m.name.contains("environment"));
        match (&e.kind, from_env) {
            (figment::error::Kind::UnknownField(field, _), true) => {
                // figment's path ends with the field itself; be sure of it.
                let mut path = e.path.clone();
                if path
                    .last()
                    .is_none_or(|last| !last.eq_ignore_ascii_case(field))
                {
                    path.push(field.clone());
                }
                Some(path.join(".").to_ascii_lowercase())
            }
            _ => None,
        }
    })
}

/// figment hands keys over in the variable's own case (`ANVIL`).
fn is_config_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    !NOT_CONFIG_KEYS.contains(&key.as_str()) && !key.starts_with("test_")
}

/// figment's errors can hold several; users get them on one line.
fn one_line(e: &figment::Error) -> String {
    e.clone()
        .into_iter()
        .map(|e| e.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_switches_are_not_config_keys() {
        for key in [
            "ANVIL",
            "REQUIRE_ALL",
            "SHARED_DATA",
            "CONFIG",
            "TEST_CLICKHOUSE_URL",
            "test_x",
        ] {
            assert!(!is_config_key(key), "{key}");
        }
        for key in ["DATABASE_URL", "addr", "ADMIN_TOKEN", "ANVILX"] {
            assert!(is_config_key(key), "{key}");
        }
    }
}

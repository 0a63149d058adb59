//! The seam between the HTTP layer and the models.
//!
//! The API never computes a footprint itself: it validates the request,
//! looks blocks and transactions up in the store, and asks an injected
//! [`Estimator`] for numbers. The binary wires the real analytics in; the
//! tests wire a small arithmetic stand-in. Keeping the models behind a
//! trait is what lets the HTTP contract be tested without them.

use std::collections::BTreeMap;

use async_trait::async_trait;
use blockwatt_domain::{Block, Bounds, Estimate, Transaction};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use thiserror::Error;
use utoipa::ToSchema;

/// One supported chain, as the estimator knows it. Coverage and freshness
/// come from the store, not from here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ChainInfo {
    /// Lower-case slug (`bitcoin`, `ethereum-classic`).
    pub slug: String,
    /// Human name (`Bitcoin`).
    pub name: String,
    /// `proof-of-work` or `proof-of-stake` (or a chain-specific variant).
    pub consensus: String,
    /// Mining algorithm for proof of work (`sha256d`), `None` otherwise.
    pub algorithm: Option<String>,
    /// The method used when a request names none.
    pub default_method: String,
    /// Every method valid for this chain, the default included.
    pub methods: Vec<String>,
}

/// Non-default parameters a caller may set on an estimate. `None` means the
/// method's own default; only all-`None` requests are cached.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct EstimateParams {
    /// Electricity price paid by miners, USD per kWh.
    pub price_usd_per_kwh: Option<f64>,
    /// Power usage effectiveness (facility power / IT power), >= 1.
    pub pue: Option<f64>,
}

impl EstimateParams {
    pub fn is_default(&self) -> bool {
        self.price_usd_per_kwh.is_none() && self.pue.is_none()
    }
}

/// How a chain's footprint is shared out to a block or a transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Allocation {
    /// Every transaction of the day carries an equal share.
    PerTx,
    /// Shares in proportion to bytes (virtual size where the chain has one).
    Size,
    /// Shares in proportion to gas used (EVM chains).
    Gas,
    /// Holdings plus transactions (the hybrid of Gallersdörfer et al.).
    Hybrid,
}

impl Allocation {
    pub const ALL: [Allocation; 4] = [
        Allocation::PerTx,
        Allocation::Size,
        Allocation::Gas,
        Allocation::Hybrid,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Allocation::PerTx => "per-tx",
            Allocation::Size => "size",
            Allocation::Gas => "gas",
            Allocation::Hybrid => "hybrid",
        }
    }

    pub fn parse(s: &str) -> Option<Allocation> {
        Allocation::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// The footprint share of one block or one transaction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Allocated {
    pub method: String,
    pub methodology_version: String,
    pub allocation: Allocation,
    /// The UTC day whose chain-level estimate was shared out.
    pub date: NaiveDate,
    pub energy_kwh: Bounds,
    pub co2e_kg: Bounds,
    pub water_l: Bounds,
    /// The share and whatever else the allocation used, so a reader can redo it.
    pub inputs: BTreeMap<String, serde_json::Value>,
}

/// One MiCA sustainability indicator over a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MicaIndicator {
    /// Stable key (`energy_consumption_kwh`).
    pub key: String,
    pub name: String,
    pub unit: String,
    /// Whether the delegated regulation makes it mandatory for every issuer.
    pub mandatory: bool,
    /// `None` when the data to compute it is missing; `note` says why.
    pub value: Option<Bounds>,
    pub note: Option<String>,
}

/// The MiCA sustainability indicators of one chain for a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MicaReport {
    pub chain: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub method: String,
    pub methodology_version: String,
    pub indicators: Vec<MicaIndicator>,
}

/// One tunable of a method, with its bounds and where they come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ParameterInfo {
    pub name: String,
    pub unit: String,
    pub lower: f64,
    pub best: f64,
    pub upper: f64,
    pub source: String,
}

/// A catalogue a method reads (hardware, grid intensity...), with its source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CatalogueInfo {
    pub name: String,
    pub version: String,
    pub source: String,
}

/// How a method computes, in words and formulas.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MethodInfo {
    /// Stable id used in `?method=` (`cbeci-v1`).
    pub name: String,
    pub title: String,
    pub version: String,
    /// Consensus kinds it applies to.
    pub applies_to: Vec<String>,
    pub summary: String,
    pub formulas: Vec<String>,
    pub parameters: Vec<ParameterInfo>,
    pub catalogues: Vec<CatalogueInfo>,
    pub references: Vec<String>,
}

/// What can go wrong in the models, in terms the API maps to HTTP.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum EstimateError {
    /// 404: the chain is not supported.
    #[error("unknown chain {0:?}")]
    UnknownChain(String),
    /// 422: the method exists nowhere or does not apply to the chain.
    #[error("method {method:?} is not available for {chain}")]
    UnknownMethod { chain: String, method: String },
    /// 422: a parameter is outside what the model accepts.
    #[error("parameter {name}: {reason}")]
    InvalidParameter { name: String, reason: String },
    /// 404: the inputs for that day (or period) are not ingested.
    #[error("{0}")]
    NoData(String),
    /// 503: a dependency (store, catalogue) failed; retrying may help.
    #[error("{0}")]
    Unavailable(String),
    /// 500: a bug.
    #[error("{0}")]
    Internal(String),
}

/// The models as the API needs them. Implemented by the binary over the
/// analytics crate; every method must be cheap to call concurrently.
#[async_trait]
pub trait Estimator: Send + Sync {
    /// The supported chains. Read once when [`crate::AppState`] is built.
    fn chains(&self) -> Vec<ChainInfo>;

    /// One day's estimate; `date: None` means the latest day with data.
    /// `method: None` means the chain's default method.
    async fn footprint(
        &self,
        chain: &str,
        date: Option<NaiveDate>,
        method: Option<&str>,
        params: &EstimateParams,
    ) -> Result<Estimate, EstimateError>;

    /// The daily series for `from..=to` (days without data are left out).
    async fn history(
        &self,
        chain: &str,
        from: NaiveDate,
        to: NaiveDate,
        method: Option<&str>,
        params: &EstimateParams,
    ) -> Result<Vec<Estimate>, EstimateError>;

    /// The share of one stored block; `allocation: None` is the chain's default.
    async fn block_footprint(
        &self,
        block: &Block,
        method: Option<&str>,
        allocation: Option<Allocation>,
    ) -> Result<Allocated, EstimateError>;

    /// The share of one stored transaction within `block`.
    async fn transaction_footprint(
        &self,
        tx: &Transaction,
        block: Option<&Block>,
        method: Option<&str>,
        allocation: Option<Allocation>,
    ) -> Result<Allocated, EstimateError>;

    /// MiCA indicators for `from..=to`.
    async fn mica(
        &self,
        chain: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<MicaReport, EstimateError>;

    /// Every method, for `/v1/methodology`.
    fn methodology(&self) -> Vec<MethodInfo>;

    /// One method by its id.
    fn method(&self, name: &str) -> Option<MethodInfo> {
        self.methodology().into_iter().find(|m| m.name == name)
    }
}

/// Where a transaction missing from the store can be fetched (the chain's
/// configured node or explorer). Implemented by the binary over ingest.
#[async_trait]
pub trait TransactionSource: Send + Sync {
    /// `Ok(None)` when the source does not know the transaction.
    async fn transaction(
        &self,
        chain: &str,
        txid: &str,
    ) -> Result<Option<Transaction>, SourceError>;
}

/// A source failed; the client may retry (503).
#[derive(Debug, Clone, PartialEq, Error)]
#[error("transaction source: {0}")]
pub struct SourceError(pub String);

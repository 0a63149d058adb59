//! The document a published daily index holds: what the publisher
//! writes and the API reads back (CSV, metadata), one type for both.

use std::collections::BTreeMap;

use blockwatt_domain::{Basis, Estimate};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What the `index` field of every snapshot says.
pub const INDEX_NAME: &str = "blockwatt-daily-footprint";

/// A published daily index: every chain that has an estimate for the day,
/// by its default method.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct IndexDocument {
    /// Always `blockwatt-daily-footprint`.
    pub index: String,
    pub date: NaiveDate,
    /// 1 for the first publication of the day; a new version is published
    /// only when its inputs changed and the operator asked for it.
    pub version: u32,
    /// The blockwatt release that computed it.
    pub blockwatt_version: String,
    /// Method id → methodology version, for every method used.
    pub methodology_versions: BTreeMap<String, String>,
    /// SHA-256 over the chains' `inputs_sha256`: equal digests mean equal
    /// inputs; a new version with another digest had new data.
    pub inputs_sha256: String,
    pub chains: Vec<IndexEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct IndexEntry {
    pub chain: String,
    pub name: String,
    /// The estimate's basis, repeated on top: `measured`, `carried-forward`
    /// or `fallback` (documents published before it existed say `stored`
    /// for `measured`, and read back as such).
    pub basis: Basis,
    /// The newest day of data the figures use.
    #[serde(default)]
    pub as_of: Option<NaiveDate>,
    /// Sources of the stored daily metrics the estimate read (`coinmetrics`,
    /// `blocks`, `price`); empty when only fallbacks were used.
    pub sources: Vec<String>,
    /// SHA-256 of the canonical JSON of the daily metrics the models read
    /// (the day and its smoothing look-back) and the estimate's inputs.
    pub inputs_sha256: String,
    /// Exactly what `GET /v1/chains/{chain}/footprint` answers for the day.
    pub estimate: Estimate,
}

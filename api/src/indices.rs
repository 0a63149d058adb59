//! Published daily indices (`/v1/indices`): immutable snapshots frozen by
//! the publisher, served byte for byte as stored.
//!
//! The snapshot document ([`IndexDocument`]) is the service's: the
//! publisher writes it and this module reads it back (CSV, metadata).

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue};
use axum::response::Response;
use base64::Engine as _;
use blockwatt_domain::{Basis, IndexSnapshot};
use bytes::Bytes;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use blockwatt_service::IndexDocument;

use crate::dto::{csv_err, csv_finish, push_quantities, quantity_columns};
use crate::error::{ApiError, Problem};
use crate::extract::{parse_date, Path, Query};
use crate::problem_responses::LimitsAndOutages;
use crate::respond::{self, negotiate, CondHeaders, Format, Freshness, CSV, JSON};
use crate::AppState;

/// `Repr-Digest` (RFC 9530): the SHA-256 of the representation sent.
pub const REPR_DIGEST: HeaderName = HeaderName::from_static("repr-digest");

/// One published (date, version).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IndexListingEntry {
    pub date: NaiveDate,
    pub version: u32,
    /// Hex SHA-256 of the body served at `url`.
    pub sha256: String,
    pub url: String,
    pub metadata_url: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IndexListBody {
    pub indices: Vec<IndexListingEntry>,
}

/// OWID-style description of one published index.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IndexMetadata {
    pub title: String,
    pub description: String,
    pub date: NaiveDate,
    pub version: u32,
    /// Hex SHA-256 of the index body.
    pub sha256: String,
    /// When this version was published, RFC 3339 (not part of the body,
    /// which holds no clock time so that it can be recomputed).
    pub created_at: String,
    pub url: String,
    pub csv_url: String,
    pub blockwatt_version: String,
    pub inputs_sha256: String,
    pub chains: Vec<IndexMetadataChain>,
    /// Input source → its licence and attribution.
    pub licences: BTreeMap<String, String>,
    pub citation: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IndexMetadataChain {
    pub chain: String,
    pub name: String,
    pub method: String,
    pub methodology_version: String,
    /// `/v1/methodology/{method}`: formulas, parameters and sources.
    pub methodology_url: String,
    pub basis: Basis,
    pub sources: Vec<String>,
}

/// Licence and attribution of each input source a snapshot can name.
pub(crate) fn licence_of(source: &str) -> &'static str {
    match source {
        "coinmetrics" => "Coin Metrics community data, CC BY-NC 4.0 (https://creativecommons.org/licenses/by-nc/4.0/); attribution: Coin Metrics, Inc.",
        "blocks" => "public blockchain data read from the chain's own nodes",
        "price" => "USD prices from the configured CoinGecko-compatible API; its terms apply (CoinGecko requires attribution)",
        "fallback" => "dated public figures in blockwatt's catalogues; each row names its source (GET /v1/methodology)",
        "mempool" => "mempool.space API (daily average Bitcoin hashrate); mempool.space's terms of use apply",
        "node-count" => "validator counts read from each chain's public endpoints (GET /v1/chains/{chain}/inputs names the day's)",
        _ => "see the source's own terms",
    }
}

fn body_url(date: NaiveDate, version: u32) -> String {
    format!("/v1/indices/{date}?version={version}")
}

fn metadata_url(date: NaiveDate, version: u32) -> String {
    format!("/v1/indices/{date}/metadata.json?version={version}")
}

/// Published indices, oldest first, every version.
#[utoipa::path(get, path = "/v1/indices", tag = "indices",
    params(("format" = Option<String>, Query, description = "`json` (default) or `csv`")),
    responses(
        (status = 200, description = "Every published (date, version)", content((IndexListBody = "application/json"), (String = "text/csv"))),
        (status = 400, description = "Malformed query", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown format", body = Problem, content_type = "application/problem+json"),
        LimitsAndOutages,
    ))]
pub(crate) async fn list(
    State(state): State<AppState>,
    Query(q): Query<IndexQuery>,
    CondHeaders(headers): CondHeaders,
) -> Result<Response, ApiError> {
    let format = negotiate(q.format.as_deref(), &headers)?;
    let indices = state
        .footprints
        .published_indices()
        .await?
        .into_iter()
        .map(|l| IndexListingEntry {
            url: body_url(l.date, l.version),
            metadata_url: metadata_url(l.date, l.version),
            date: l.date,
            version: l.version,
            sha256: l.sha256,
        })
        .collect();
    let body = IndexListBody { indices };
    respond::table(
        &headers,
        format,
        &body,
        || {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record(["date", "version", "sha256", "url"])
                .map_err(csv_err)?;
            for i in &body.indices {
                w.write_record([
                    i.date.to_string(),
                    i.version.to_string(),
                    i.sha256.clone(),
                    i.url.clone(),
                ])
                .map_err(csv_err)?;
            }
            csv_finish(w)
        },
        // A new day or version appears, none changes.
        Freshness::Live,
    )
}

#[derive(Debug, Deserialize)]
pub(crate) struct IndexQuery {
    version: Option<String>,
    format: Option<String>,
}

fn parse_version(raw: Option<&str>) -> Result<Option<u32>, ApiError> {
    let Some(raw) = raw else { return Ok(None) };
    match raw.parse::<u32>() {
        Ok(v) if v >= 1 => Ok(Some(v)),
        _ => Err(ApiError::malformed(
            "version",
            format!("version: expected a whole number from 1, got {raw:?}"),
        )),
    }
}

pub(crate) async fn snapshot(
    state: &AppState,
    date: &str,
    version: Option<&str>,
) -> Result<(IndexSnapshot, bool), ApiError> {
    let date = parse_date("date", date)?;
    let version = parse_version(version)?;
    let found = state.footprints.published_index(date, version).await?;
    found.map(|s| (s, version.is_some())).ok_or_else(|| {
        ApiError::NotFound(match version {
            Some(v) => {
                format!("no index published for {date} version {v} (GET /v1/indices lists them)")
            }
            None => format!("no index published for {date} (GET /v1/indices lists them)"),
        })
    })
}

pub(crate) fn document(s: &IndexSnapshot) -> Result<IndexDocument, ApiError> {
    serde_json::from_str(&s.body).map_err(|e| {
        ApiError::Internal(format!(
            "stored index {} v{} does not parse: {e}",
            s.date, s.version
        ))
    })
}

/// 200 or 304 for an index representation. A pinned version never
/// changes, so it may be cached for a year; the unpinned URL moves to a
/// new version when one is published, so it is revalidated hourly.
/// Compression is skipped for these (see the router) so `Repr-Digest` and
/// the strong ETag describe exactly the bytes sent.
fn immutable(
    req: &HeaderMap,
    body: Bytes,
    content_type: &'static str,
    etag: String,
    pinned: bool,
    location: String,
) -> Response {
    use sha2::{Digest, Sha256};
    let etag = HeaderValue::from_str(&format!("\"{etag}\""))
        .unwrap_or_else(|_| HeaderValue::from_static("\"0\""));
    let digest = format!(
        "sha-256=:{}:",
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&body))
    );
    // The usual 200/304 with ETag and Vary; only the lifetime differs.
    let mut resp = respond::cached(req, body, content_type, Some(etag), Freshness::Static);
    let h = resp.headers_mut();
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if pinned {
            "public, max-age=31536000, immutable"
        } else {
            "public, max-age=3600"
        }),
    );
    if let Ok(v) = HeaderValue::from_str(&digest) {
        h.insert(REPR_DIGEST, v);
    }
    if let Ok(v) = HeaderValue::from_str(&location) {
        h.insert(header::CONTENT_LOCATION, v);
    }
    resp
}

/// One published index: the stored body verbatim (JSON), or one row per chain (CSV).
#[utoipa::path(get, path = "/v1/indices/{date}", tag = "indices",
    params(
        ("date" = String, Path, format = Date, description = "The index day, YYYY-MM-DD"),
        ("version" = Option<u32>, Query, minimum = 1, description = "A version; the latest when absent"),
        ("format" = Option<String>, Query, description = "`json` (default, the stored body byte for byte) or `csv`"),
    ),
    responses(
        (status = 200, description = "The index. `ETag` is the body's SHA-256 (hex), `Repr-Digest` the same as RFC 9530 sha-256; `Content-Location` names the version", content((IndexDocument = "application/json"), (String = "text/csv"))),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 400, description = "Malformed date or version", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No index for that date or version", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown format", body = Problem, content_type = "application/problem+json"),
        LimitsAndOutages,
    ))]
pub(crate) async fn one(
    State(state): State<AppState>,
    Path(date): Path<String>,
    Query(q): Query<IndexQuery>,
    CondHeaders(headers): CondHeaders,
) -> Result<Response, ApiError> {
    let format = negotiate(q.format.as_deref(), &headers)?;
    let (s, pinned) = snapshot(&state, &date, q.version.as_deref()).await?;
    let location = body_url(s.date, s.version);
    Ok(match format {
        Format::Json => immutable(
            &headers,
            Bytes::from(s.body),
            JSON,
            s.sha256,
            pinned,
            location,
        ),
        Format::Csv => {
            let csv = index_csv(&document(&s)?)?;
            immutable(
                &headers,
                Bytes::from(csv),
                CSV,
                format!("{}.csv", s.sha256),
                pinned,
                format!("{location}&format=csv"),
            )
        }
    })
}

/// One row per chain; units are in the quantity column names.
pub fn index_csv(doc: &IndexDocument) -> Result<Vec<u8>, ApiError> {
    let mut header: Vec<String> = [
        "index_date",
        "index_version",
        "chain",
        "basis",
        "method",
        "methodology_version",
    ]
    .map(String::from)
    .to_vec();
    header.extend(quantity_columns());
    header.push("inputs_sha256".into());
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&header).map_err(csv_err)?;
    for c in &doc.chains {
        let mut row = vec![
            doc.date.to_string(),
            doc.version.to_string(),
            c.chain.clone(),
            c.basis.to_string(),
            c.estimate.method.clone(),
            c.estimate.methodology_version.clone(),
        ];
        push_quantities(&mut row, &c.estimate);
        row.push(c.inputs_sha256.clone());
        w.write_record(&row).map_err(csv_err)?;
    }
    csv_finish(w)
}

#[derive(Debug, Deserialize)]
pub(crate) struct VersionQuery {
    version: Option<String>,
}

/// What a published index is, where its numbers come from and how to cite it.
#[utoipa::path(get, path = "/v1/indices/{date}/metadata.json", tag = "indices",
    params(
        ("date" = String, Path, format = Date, description = "The index day, YYYY-MM-DD"),
        ("version" = Option<u32>, Query, minimum = 1, description = "A version; the latest when absent"),
    ),
    responses(
        (status = 200, description = "The index's metadata", body = IndexMetadata),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 400, description = "Malformed date or version", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No index for that date or version", body = Problem, content_type = "application/problem+json"),
        LimitsAndOutages,
    ))]
pub(crate) async fn metadata(
    State(state): State<AppState>,
    Path(date): Path<String>,
    Query(q): Query<VersionQuery>,
    CondHeaders(headers): CondHeaders,
) -> Result<Response, ApiError> {
    let (s, pinned) = snapshot(&state, &date, q.version.as_deref()).await?;
    let doc = document(&s)?;
    let meta = metadata_of(&s, &doc);
    let body = respond::json_bytes(&meta)?;
    Ok(immutable(
        &headers,
        body,
        JSON,
        format!("{}.meta", s.sha256),
        pinned,
        metadata_url(s.date, s.version),
    ))
}

pub fn metadata_of(s: &IndexSnapshot, doc: &IndexDocument) -> IndexMetadata {
    let mut licences = BTreeMap::new();
    for c in &doc.chains {
        for source in &c.sources {
            licences.insert(source.clone(), licence_of(source).to_owned());
        }
        if c.basis == Basis::Fallback {
            licences.insert("fallback".into(), licence_of("fallback").to_owned());
        }
    }
    let created_at = chrono::DateTime::from_timestamp(s.created_at, 0)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default();
    IndexMetadata {
        title: format!("blockwatt daily footprint index, {}", s.date),
        description: format!(
            "Energy, carbon, water and e-waste of {} public blockchains on {} (UTC), each by its default method, with lower / best / upper bounds. Immutable: a later version is published only when its inputs changed.",
            doc.chains.len(),
            s.date
        ),
        date: s.date,
        version: s.version,
        sha256: s.sha256.clone(),
        created_at,
        url: body_url(s.date, s.version),
        csv_url: format!("{}&format=csv", body_url(s.date, s.version)),
        blockwatt_version: doc.blockwatt_version.clone(),
        inputs_sha256: doc.inputs_sha256.clone(),
        chains: doc
            .chains
            .iter()
            .map(|c| IndexMetadataChain {
                chain: c.chain.clone(),
                name: c.name.clone(),
                method: c.estimate.method.clone(),
                methodology_version: c.estimate.methodology_version.clone(),
                methodology_url: format!("/v1/methodology/{}", c.estimate.method),
                basis: c.basis,
                sources: c.sources.clone(),
            })
            .collect(),
        licences,
        citation: format!(
            "blockwatt contributors. \"blockwatt daily footprint index, {}\", version {} (blockwatt {}), sha256 {}.",
            s.date, s.version, doc.blockwatt_version, s.sha256
        ),
    }
}

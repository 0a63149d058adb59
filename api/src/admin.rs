//! Operator routes: trigger an import, a backfill or a publication, and
//! follow the jobs they start. They exist only when an admin token is
//! configured, and require it as a bearer token.

use async_trait::async_trait;
use axum::extract::{Path, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::error::ApiError;
use crate::extract::Json;
use crate::AppState;

/// What to import, by `kind`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum ImportRequest {
    /// A Coin Metrics community CSV, checked whole before anything is
    /// written (as `blockwatt import coinmetrics`).
    Coinmetrics {
        chain: String,
        /// An http(s) URL, or a path on the server.
        file: String,
        /// Unit of the HashRate column (H … EH); the chain's documented one when absent.
        #[serde(default)]
        hashrate_unit: Option<String>,
    },
    /// Today's USD price from the configured `price_url` (as `blockwatt import price`).
    Price {
        chain: String,
        /// The coin's id at the price source; derived from the chain when absent.
        #[serde(default)]
        coin_id: Option<String>,
    },
}

impl ImportRequest {
    pub const KINDS: [&'static str; 2] = ["coinmetrics", "price"];

    pub fn chain(&self) -> &str {
        match self {
            ImportRequest::Coinmetrics { chain, .. } | ImportRequest::Price { chain, .. } => chain,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            ImportRequest::Coinmetrics { .. } => "coinmetrics",
            ImportRequest::Price { .. } => "price",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BackfillRequest {
    pub chain: String,
    /// First block height (inclusive). Heights, not days: the ingester
    /// works by height, and a day's heights are only known once ingested.
    pub from: u64,
    /// Last block height (inclusive).
    pub to: u64,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PublishRequest {
    /// Day to publish; yesterday (UTC) when absent.
    #[serde(default)]
    pub date: Option<NaiveDate>,
    /// Publish version + 1 when the day is published already with other
    /// content (new data arrived). Without it that case is a 409.
    #[serde(default)]
    pub new_version: bool,
}

/// What a publication did.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Published {
    pub date: NaiveDate,
    pub version: u32,
    /// Hex SHA-256 of the body.
    pub sha256: String,
    /// `published`, or `unchanged` when the same body was there already.
    pub status: String,
    /// Chains in the index.
    pub chains: usize,
    pub url: String,
}

/// What the server did with the request (work runs in the background).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Accepted {
    /// What the job does, e.g. `devnet-0-3` (a backfill), `import-price-bitcoin`.
    pub job: String,
    /// This run's number: `GET /v1/admin/jobs/{id}` follows it.
    pub id: u64,
    pub message: String,
}

/// Where a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum JobState {
    Running,
    Succeeded,
    Failed,
    /// Ended by the server's shutdown; a backfill resumes from its checkpoint.
    Stopped,
}

/// One job as `GET /v1/admin/jobs` shows it.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct JobStatus {
    pub id: u64,
    pub job: String,
    pub state: JobState,
    pub started: DateTime<Utc>,
    pub finished: Option<DateTime<Utc>>,
    /// What it did, or why it failed or stopped; absent while running.
    pub outcome: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Error)]
pub enum AdminError {
    #[error("unknown chain {0:?}")]
    UnknownChain(String),
    #[error("{0}")]
    Invalid(String),
    /// 409: the same work is already running.
    #[error("{0}")]
    Busy(String),
    /// 409: it would change something immutable (a published index).
    #[error("{0}")]
    Conflict(String),
    /// 503: this server cannot do it (the detail says what can).
    #[error("{0}")]
    Unavailable(String),
    #[error("{0}")]
    Internal(String),
}

impl From<AdminError> for ApiError {
    fn from(e: AdminError) -> Self {
        match e {
            AdminError::UnknownChain(c) => ApiError::UnknownChain(c),
            AdminError::Invalid(d) => ApiError::invalid("body", d),
            AdminError::Busy(d) | AdminError::Conflict(d) => ApiError::Conflict(d),
            AdminError::Unavailable(d) => ApiError::Unavailable(d),
            AdminError::Internal(d) => ApiError::Internal(d),
        }
    }
}

/// Implemented by the binary over ingest and publish.
#[async_trait]
pub trait AdminActions: Send + Sync {
    async fn import(&self, req: ImportRequest) -> Result<Accepted, AdminError>;
    async fn backfill(&self, req: BackfillRequest) -> Result<Accepted, AdminError>;
    async fn publish(&self, req: PublishRequest) -> Result<Published, AdminError>;
    /// The jobs running and the most recent finished ones, newest first.
    fn jobs(&self) -> Vec<JobStatus>;
}

/// Compares in time independent of where the strings differ, so response
/// timing does not leak the token prefix by prefix.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub(crate) async fn require_token(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let Some(expected) = state.config.admin_token.as_deref() else {
        return ApiError::RouteNotFound(req.uri().path().to_owned()).into_response();
    };
    let given = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match given {
        Some(t) if same(t.as_bytes(), expected.as_bytes()) => next.run(req).await,
        Some(_) => ApiError::Unauthorized("the bearer token is not valid".into()).into_response(),
        None => ApiError::Unauthorized("an admin bearer token is required".into()).into_response(),
    }
}

fn actions(state: &AppState) -> Result<&dyn AdminActions, ApiError> {
    state
        .admin
        .as_deref()
        .ok_or_else(|| ApiError::Unavailable("no admin actions are wired into this server".into()))
}

fn accepted(a: Accepted) -> Response {
    (StatusCode::ACCEPTED, axum::Json(a)).into_response()
}

/// The body is read as JSON first so that a missing or unknown `kind` is
/// named as such (serde would only say "unknown variant").
pub(crate) async fn import(
    State(state): State<AppState>,
    Json(raw): Json<serde_json::Value>,
) -> Result<Response, ApiError> {
    let kinds = ImportRequest::KINDS.join(", ");
    match raw.get("kind") {
        None => {
            return Err(ApiError::invalid(
                "kind",
                format!("kind: required, one of {kinds}"),
            ))
        }
        Some(serde_json::Value::String(k)) if ImportRequest::KINDS.contains(&k.as_str()) => {}
        Some(other) => {
            return Err(ApiError::invalid(
                "kind",
                format!("kind: {other} is not one of {kinds}"),
            ))
        }
    }
    let req: ImportRequest = serde_json::from_value(raw)
        .map_err(|e| ApiError::invalid("body", format!("import request: {e}")))?;
    Ok(accepted(actions(&state)?.import(req).await?))
}

pub(crate) async fn backfill(
    State(state): State<AppState>,
    Json(req): Json<BackfillRequest>,
) -> Result<Response, ApiError> {
    if req.from > req.to {
        return Err(ApiError::invalid("from", "from is after to"));
    }
    Ok(accepted(actions(&state)?.backfill(req).await?))
}

/// Read as JSON first so that a malformed `date` is named (serde's message
/// for it gives only a column number).
pub(crate) async fn publish(
    State(state): State<AppState>,
    Json(raw): Json<serde_json::Value>,
) -> Result<Response, ApiError> {
    match raw.get("date") {
        None | Some(serde_json::Value::Null) => {}
        Some(serde_json::Value::String(d)) => {
            crate::extract::parse_date("date", d)?;
        }
        Some(other) => {
            return Err(ApiError::malformed(
                "date",
                format!("date: expected a date as YYYY-MM-DD, got {other}"),
            ))
        }
    }
    let req: PublishRequest = serde_json::from_value(raw)
        .map_err(|e| ApiError::malformed("body", format!("publish request: {e}")))?;
    let done = actions(&state)?.publish(req).await?;
    let status = if done.status == "published" {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, axum::Json(done)).into_response())
}

/// The jobs running and the most recent finished ones, newest first.
pub(crate) async fn jobs(State(state): State<AppState>) -> Result<Response, ApiError> {
    let jobs = actions(&state)?.jobs();
    Ok(axum::Json(serde_json::json!({ "jobs": jobs })).into_response())
}

pub(crate) async fn job(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let n: u64 = id
        .parse()
        .map_err(|_| ApiError::invalid("id", format!("id: {id:?} is not a job number")))?;
    actions(&state)?
        .jobs()
        .into_iter()
        .find(|j| j.id == n)
        .map(|j| axum::Json(j).into_response())
        .ok_or_else(|| {
            ApiError::NotFound(format!(
                "no job {n}: not started by this server since it started, or finished long enough ago to be forgotten"
            ))
        })
}

//! Operator routes: trigger an import, a backfill or a publication, and
//! follow the jobs they start. They exist only when an admin token is
//! configured, and require it as a bearer token.

use axum::extract::{Path, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use blockwatt_service::{
    Accepted, Admin, AdminError, BackfillRequest, ImportRequest, PublishRequest,
};

use crate::error::ApiError;
use crate::extract::Json;
use crate::AppState;

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
        // The scheme is case-insensitive (RFC 9110 §11.1): `bearer` too.
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim_start());
    match given {
        Some(t) if same(t.as_bytes(), expected.as_bytes()) => next.run(req).await,
        Some(_) => ApiError::Unauthorized("the bearer token is not valid".into()).into_response(),
        None => ApiError::Unauthorized("an admin bearer token is required".into()).into_response(),
    }
}

fn actions(state: &AppState) -> Result<&Admin, ApiError> {
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

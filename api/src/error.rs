//! One error type for every response that is not a success, rendered as
//! RFC 9457 `application/problem+json`.
//!
//! Policy: a client mistake is always a 4xx naming what was wrong; 5xx is
//! reserved for our own failures, whose details go to the log, not to the
//! client. Each class has a stable `type` URI that clients may match on.

use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use thiserror::Error;
use utoipa::ToSchema;

use blockwatt_service::ServiceError;

pub const PROBLEM_JSON: &str = "application/problem+json";
const TYPE_BASE: &str = "https://blockwatt.dev/problems/";

/// An RFC 9457 problem document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Problem {
    /// Stable URI identifying the problem class.
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// The request path that produced it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// The offending query or path parameter, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
    /// The limit that was exceeded, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u64>,
}

#[derive(Debug, Error)]
pub enum ApiError {
    #[error("unknown chain {0:?}")]
    UnknownChain(String),
    #[error("{detail}")]
    Malformed { parameter: String, detail: String },
    #[error("{detail}")]
    Invalid { parameter: String, detail: String },
    #[error("{detail}")]
    RangeTooLarge {
        parameter: String,
        detail: String,
        limit: u64,
    },
    #[error("{0}")]
    NoData(String),
    #[error("{0}")]
    NotIngested(String),
    /// Not ingested and unknown to the chain's source; cacheable for
    /// `max_age_s` (the time the answer is remembered).
    #[error("{detail}")]
    UnknownTransaction { detail: String, max_age_s: u64 },
    #[error("{0}")]
    NotFound(String),
    #[error("no route for {0}")]
    RouteNotFound(String),
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("{0}")]
    Unauthorized(String),
    /// 409: the request clashes with work already running (a backfill of
    /// the same chain); retrying once it is done will succeed.
    #[error("{0}")]
    Conflict(String),
    #[error("rate limit exceeded; retry in {retry_after_s} s")]
    RateLimited { retry_after_s: u64 },
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UriTooLong(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("the request took longer than {0} s")]
    Timeout(u64),
    #[error("{0}")]
    Unavailable(String),
    #[error("{0}")]
    Internal(String),
}

impl ApiError {
    pub fn malformed(parameter: &str, detail: impl Into<String>) -> Self {
        ApiError::Malformed {
            parameter: parameter.to_owned(),
            detail: detail.into(),
        }
    }

    pub fn invalid(parameter: &str, detail: impl Into<String>) -> Self {
        ApiError::Invalid {
            parameter: parameter.to_owned(),
            detail: detail.into(),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::UnknownChain(_)
            | ApiError::NoData(_)
            | ApiError::NotIngested(_)
            | ApiError::UnknownTransaction { .. }
            | ApiError::NotFound(_)
            | ApiError::RouteNotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Malformed { .. } => StatusCode::BAD_REQUEST,
            ApiError::Invalid { .. } | ApiError::RangeTooLarge { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UriTooLong(_) => StatusCode::URI_TOO_LONG,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Timeout(_) | ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The last segment of the stable `type` URI, and the title.
    fn kind(&self) -> (&'static str, &'static str) {
        match self {
            ApiError::UnknownChain(_) => ("unknown-chain", "Unknown chain"),
            ApiError::Malformed { .. } => ("malformed-parameter", "Malformed parameter"),
            ApiError::Invalid { .. } => ("invalid-parameter", "Parameter out of range"),
            ApiError::RangeTooLarge { .. } => ("range-too-large", "Range too large"),
            ApiError::NoData(_) => ("no-data", "No data"),
            // The same stable type as any transaction not ingested: only
            // the caching differs.
            ApiError::NotIngested(_) | ApiError::UnknownTransaction { .. } => {
                ("not-ingested", "Not ingested")
            }
            ApiError::NotFound(_) => ("not-found", "Not found"),
            ApiError::RouteNotFound(_) => ("unknown-route", "Unknown route"),
            ApiError::MethodNotAllowed => ("method-not-allowed", "Method not allowed"),
            ApiError::Unauthorized(_) => ("unauthorized", "Unauthorized"),
            ApiError::Conflict(_) => ("conflict", "Conflict"),
            ApiError::RateLimited { .. } => ("rate-limited", "Too many requests"),
            ApiError::PayloadTooLarge(_) => ("payload-too-large", "Payload too large"),
            ApiError::UriTooLong(_) => ("uri-too-long", "URI too long"),
            ApiError::UnsupportedMediaType(_) => {
                ("unsupported-media-type", "Unsupported media type")
            }
            ApiError::Timeout(_) => ("timeout", "Request timed out"),
            ApiError::Unavailable(_) => ("unavailable", "Service unavailable"),
            ApiError::Internal(_) => ("internal", "Internal error"),
        }
    }

    pub fn problem(&self) -> Problem {
        let (slug, title) = self.kind();
        let detail = match self {
            // Internal details may name files or queries: log them, do not publish them.
            ApiError::Internal(_) => "an internal error occurred; it has been logged".to_owned(),
            other => other.to_string(),
        };
        let (parameter, limit) = match self {
            ApiError::Malformed { parameter, .. } | ApiError::Invalid { parameter, .. } => {
                (Some(parameter.clone()), None)
            }
            ApiError::RangeTooLarge {
                parameter, limit, ..
            } => (Some(parameter.clone()), Some(*limit)),
            _ => (None, None),
        };
        Problem {
            type_: format!("{TYPE_BASE}{slug}"),
            title: title.to_owned(),
            status: self.status().as_u16(),
            detail,
            instance: None,
            parameter,
            limit,
        }
    }
}

/// The one path from the models to a problem document: the service keeps
/// the chain and the parameter an error is about, and they reach the client.
impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::UnknownChain(c) => ApiError::UnknownChain(c),
            ServiceError::UnknownAsset(_) => ApiError::NotFound(e.to_string()),
            ServiceError::UnknownMethod { .. } | ServiceError::MethodNotApplicable { .. } => {
                ApiError::invalid("method", e.to_string())
            }
            ServiceError::InvalidParameter { ref parameter, .. } => {
                ApiError::invalid(&parameter.clone(), e.to_string())
            }
            ServiceError::NoData { detail, .. } => ApiError::NoData(detail),
            ServiceError::Unavailable(d) => ApiError::Unavailable(d),
            ServiceError::Internal(d) => ApiError::Internal(d),
        }
    }
}

/// Serialises a problem; `serde_json` cannot fail on this plain struct, but
/// if it ever did the client still gets a valid problem document.
pub(crate) fn problem_response(
    problem: &Problem,
    extra: Option<(header::HeaderName, HeaderValue)>,
) -> Response {
    let body = serde_json::to_vec(problem).unwrap_or_else(|_| {
        br#"{"type":"about:blank","title":"Error","status":500,"detail":""}"#.to_vec()
    });
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut resp = (status, body).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    // Errors must never be cached by shared caches under the resource's URL.
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some((name, value)) = extra {
        resp.headers_mut().insert(name, value);
    }
    resp
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match &self {
            ApiError::Internal(d) => tracing::error!(detail = %d, "internal error"),
            ApiError::Unavailable(d) => tracing::warn!(detail = %d, "unavailable"),
            _ => {}
        }
        let problem = self.problem();
        let extra = match &self {
            ApiError::RateLimited { retry_after_s } => {
                Some((header::RETRY_AFTER, HeaderValue::from(*retry_after_s)))
            }
            ApiError::Unauthorized(_) => {
                Some((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")))
            }
            // The server will say the same for this long: let clients and
            // caches keep the answer instead of asking again.
            ApiError::UnknownTransaction { max_age_s, .. } => Some((
                header::CACHE_CONTROL,
                HeaderValue::from_str(&format!("public, max-age={max_age_s}"))
                    .unwrap_or(HeaderValue::from_static("no-store")),
            )),
            _ => None,
        };
        let mut resp = problem_response(&problem, extra);
        // Kept so the outer middleware can add `instance` (the handler does not
        // know the request path).
        resp.extensions_mut().insert(problem);
        resp
    }
}

/// Fills `instance` with the request path on a problem response.
pub(crate) fn with_instance(mut resp: Response, path: &str) -> Response {
    if let Some(mut problem) = resp.extensions_mut().remove::<Problem>() {
        problem.instance = Some(path.to_owned());
        if let Ok(body) = serde_json::to_vec(&problem) {
            let (mut parts, _) = resp.into_parts();
            parts.headers.remove(header::CONTENT_LENGTH);
            return Response::from_parts(parts, axum::body::Body::from(body));
        }
    }
    resp
}

/// Fallback for paths no route matches.
pub(crate) async fn route_not_found(req: Request) -> ApiError {
    ApiError::RouteNotFound(req.uri().path().to_owned())
}

pub(crate) async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

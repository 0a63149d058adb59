//! Content negotiation and HTTP caching (ETag, Cache-Control, 304).

use std::convert::Infallible;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use chrono::{NaiveDate, Utc};
use sha2::{Digest, Sha256};

use crate::error::ApiError;

/// The two request headers responses depend on (`If-None-Match`, `Accept`),
/// copied instead of the whole `HeaderMap`: on the cached hot path the
/// full copy was a measurable share of the work.
pub struct CondHeaders(pub HeaderMap);

impl<S: Send + Sync> FromRequestParts<S> for CondHeaders {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let mut h = HeaderMap::new();
        for name in [
            header::IF_NONE_MATCH,
            header::ACCEPT,
            header::ACCEPT_ENCODING,
        ] {
            if let Some(v) = parts.headers.get(&name) {
                h.insert(name, v.clone());
            }
        }
        Ok(CondHeaders(h))
    }
}

pub const CSV: &str = "text/csv; charset=utf-8";
pub const JSON: &str = "application/json";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
}

/// The values `?format=` takes.
pub const FORMATS: [&str; 2] = ["json", "csv"];

/// `?format=` wins; otherwise the `Accept` header, quality values read;
/// JSON is the default.
pub fn negotiate(format: Option<&str>, headers: &HeaderMap) -> Result<Format, ApiError> {
    match format {
        Some("json") => return Ok(Format::Json),
        Some("csv") => return Ok(Format::Csv),
        Some(other) => {
            return Err(ApiError::invalid(
                "format",
                format!("format: {other:?} is not one of json, csv"),
            ))
        }
        None => {}
    }
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    // The higher quality wins (RFC 9110 §12.5.1); JSON on a tie, and when
    // the header names neither, as most clients mean by `*/*`.
    let json = accept_quality(accept, "application", "json");
    let csv = accept_quality(accept, "text", "csv");
    if csv.unwrap_or(0.0) > json.unwrap_or(0.0) {
        Ok(Format::Csv)
    } else {
        Ok(Format::Json)
    }
}

/// The quality `accept` gives `kind/sub`: from the most specific range that
/// matches it (`text/csv` over `text/*` over `*/*`); `None` when none does.
fn accept_quality(accept: &str, kind: &str, sub: &str) -> Option<f32> {
    let mut best: Option<(u8, f32)> = None;
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or_default().trim();
        let Some((k, s)) = media.split_once('/') else {
            continue;
        };
        let specificity = match (k.trim(), s.trim()) {
            (k, s) if k.eq_ignore_ascii_case(kind) && s.eq_ignore_ascii_case(sub) => 2,
            (k, "*") if k.eq_ignore_ascii_case(kind) => 1,
            ("*", "*") => 0,
            _ => continue,
        };
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0)
            .clamp(0.0, 1.0);
        if best.is_none_or(|(spec, _)| specificity > spec) {
            best = Some((specificity, q));
        }
    }
    best.map(|(_, q)| q)
}

/// How long a response may be reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// A closed past day: its figures change only on a data or method revision.
    Past,
    /// Today, "latest", or anything spanning them: changes as blocks arrive.
    Live,
    /// Reference material (methodology, OpenAPI): changes with a release.
    Static,
}

impl Freshness {
    /// Yesterday is still `Live`: late metrics for it may still arrive.
    pub fn of_day(day: NaiveDate) -> Freshness {
        let today = Utc::now().date_naive();
        if day < today - chrono::Days::new(1) {
            Freshness::Past
        } else {
            Freshness::Live
        }
    }

    fn cache_control(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            Freshness::Past => "public, max-age=86400",
            Freshness::Live => "public, max-age=60",
            Freshness::Static => "public, max-age=3600",
        })
    }
}

/// Weak because the compression layer may re-encode the body: the
/// representation differs byte for byte while the content is the same.
pub fn etag_of(body: &[u8]) -> HeaderValue {
    let digest = Sha256::digest(body);
    let mut s = String::with_capacity(40);
    s.push_str("W/\"");
    for b in &digest[..16] {
        s.push_str(&format!("{b:02x}"));
    }
    s.push('"');
    // Hex and quotes are always valid header characters.
    HeaderValue::from_str(&s).unwrap_or_else(|_| HeaderValue::from_static("W/\"0\""))
}

pub(crate) fn etag_matches(if_none_match: &str, etag: &HeaderValue) -> bool {
    let Ok(etag) = etag.to_str() else {
        return false;
    };
    let bare = etag.trim_start_matches("W/");
    if_none_match
        .split(',')
        .map(str::trim)
        .any(|c| c == "*" || c.trim_start_matches("W/") == bare)
}

/// A 200 with ETag and Cache-Control, or a 304 when the client has it.
pub fn cached(
    req_headers: &HeaderMap,
    body: Bytes,
    content_type: &'static str,
    etag: Option<HeaderValue>,
    freshness: Freshness,
) -> Response {
    let etag = etag.unwrap_or_else(|| etag_of(&body));
    let not_modified = req_headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|inm| etag_matches(inm, &etag));
    let mut resp = if not_modified {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut r = body.into_response();
        r.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        r
    };
    let h = resp.headers_mut();
    h.insert(header::ETAG, etag);
    h.insert(header::CACHE_CONTROL, freshness.cache_control());
    // Accept-Encoding is added by the compression layer itself.
    h.insert(header::VARY, HeaderValue::from_static("accept"));
    resp
}

/// As [`cached`], serving `gzip` (the same body compressed ahead of time)
/// to clients that accept it. The compression layer leaves a response
/// that already has a Content-Encoding alone.
pub fn cached_precompressed(
    req_headers: &HeaderMap,
    plain: &Bytes,
    gzip: Option<&Bytes>,
    content_type: &'static str,
    etag: HeaderValue,
    freshness: Freshness,
) -> Response {
    let Some(gz) = gzip.filter(|_| accepts_gzip(req_headers)) else {
        return cached(
            req_headers,
            plain.clone(),
            content_type,
            Some(etag),
            freshness,
        );
    };
    let mut resp = cached(req_headers, gz.clone(), content_type, Some(etag), freshness);
    let ok = resp.status() == StatusCode::OK;
    let h = resp.headers_mut();
    if ok {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    h.append(header::VARY, HeaderValue::from_static("accept-encoding"));
    resp
}

/// Whether `Accept-Encoding` lists `gzip` (or `*`) without `q=0`.
fn accepts_gzip(req_headers: &HeaderMap) -> bool {
    req_headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or_default().trim();
            let refused = parts.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            (coding.eq_ignore_ascii_case("gzip") || coding == "*") && !refused
        })
}

/// `body` gzipped at the default level, as the compression layer would.
pub fn gzip(body: &[u8]) -> Option<Bytes> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(
        Vec::with_capacity(body.len() / 2),
        flate2::Compression::default(),
    );
    enc.write_all(body).ok()?;
    enc.finish().ok().map(Bytes::from)
}

/// Serialises `value` as JSON, or `csv` as CSV, per `format`.
pub fn table<T: serde::Serialize>(
    req_headers: &HeaderMap,
    format: Format,
    value: &T,
    csv: impl FnOnce() -> Result<Vec<u8>, ApiError>,
    freshness: Freshness,
) -> Result<Response, ApiError> {
    Ok(match format {
        Format::Json => cached(req_headers, json_bytes(value)?, JSON, None, freshness),
        Format::Csv => cached(req_headers, Bytes::from(csv()?), CSV, None, freshness),
    })
}

pub fn json_bytes<T: serde::Serialize>(value: &T) -> Result<Bytes, ApiError> {
    serde_json::to_vec(value)
        .map(Bytes::from)
        .map_err(|e| ApiError::Internal(format!("json: {e}")))
}

#[cfg(test)]
mod tests {
    use axum::http::{header, HeaderMap, HeaderValue};

    use super::accepts_gzip;

    fn accepts(value: &str) -> bool {
        let mut h = HeaderMap::new();
        h.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_str(value).unwrap(),
        );
        accepts_gzip(&h)
    }

    #[test]
    fn reads_accept_encoding() {
        assert!(accepts("gzip"));
        assert!(accepts("gzip, deflate, br"));
        assert!(accepts("br;q=1.0, GZIP;q=0.5"));
        assert!(accepts("*"));
        assert!(!accepts("gzip;q=0"));
        assert!(!accepts("gzip; q=0.0, br"));
        assert!(!accepts("br, deflate"));
        assert!(!accepts("identity"));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }
}

#[cfg(test)]
mod negotiation_tests {
    use super::*;

    fn format(accept: &str) -> Format {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT, accept.parse().expect("header"));
        negotiate(None, &h).expect("negotiated")
    }

    #[test]
    fn accept_quality_values_choose_the_format() {
        assert_eq!(format("text/csv"), Format::Csv);
        assert_eq!(format("application/json"), Format::Json);
        assert_eq!(format("*/*"), Format::Json);
        assert_eq!(format(""), Format::Json);
        assert_eq!(
            format("text/csv;q=0.9, application/json;q=0.5"),
            Format::Csv
        );
        assert_eq!(format("application/json;q=0.1, text/csv"), Format::Csv);
        assert_eq!(format("text/csv;q=0.2, application/json"), Format::Json);
        assert_eq!(format("text/*, application/json;q=0.3"), Format::Csv);
        assert_eq!(format("text/csv;q=0, */*"), Format::Json);
        assert_eq!(format("text/html, text/csv;q=0.8"), Format::Csv);
    }
}

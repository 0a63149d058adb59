//! Extractors and parsers that turn every malformed input into our own
//! 400 naming the parameter, instead of axum's plain-text rejections.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use chrono::NaiveDate;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// `axum::extract::Query` with rejections mapped to [`ApiError`]. Query
/// structs hold `Option<String>`s so that parsing (and its error, which
/// names the parameter) happens in [`parse_date`] and friends.
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Query(v)),
            Err(e) => Err(ApiError::malformed("query", e.body_text())),
        }
    }
}

/// `axum::extract::Path` with rejections mapped to [`ApiError`].
pub struct Path<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Path(v)),
            Err(e) => Err(ApiError::malformed("path", e.body_text())),
        }
    }
}

/// `axum::Json` with rejections mapped to [`ApiError`].
pub struct Json<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        use axum::extract::rejection::JsonRejection;
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Json(v)),
            Err(JsonRejection::MissingJsonContentType(e)) => {
                Err(ApiError::UnsupportedMediaType(e.body_text()))
            }
            Err(JsonRejection::BytesRejection(e)) => Err(ApiError::PayloadTooLarge(e.body_text())),
            Err(e) => Err(ApiError::malformed("body", e.body_text())),
        }
    }
}

pub fn parse_date(name: &str, raw: &str) -> Result<NaiveDate, ApiError> {
    NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| {
        ApiError::malformed(
            name,
            format!("{name}: expected a date as YYYY-MM-DD, got {raw:?}"),
        )
    })
}

pub fn parse_opt_date(name: &str, raw: Option<&str>) -> Result<Option<NaiveDate>, ApiError> {
    raw.map(|r| parse_date(name, r)).transpose()
}

/// A finite number within `[min, max]`: unparsable is 400, outside is 422.
pub fn parse_f64_in(
    name: &str,
    raw: Option<&str>,
    min: f64,
    max: f64,
) -> Result<Option<f64>, ApiError> {
    let Some(raw) = raw else { return Ok(None) };
    let v: f64 = raw
        .parse()
        .ok()
        .filter(|v: &f64| v.is_finite())
        .ok_or_else(|| {
            ApiError::malformed(name, format!("{name}: expected a number, got {raw:?}"))
        })?;
    if !(min..=max).contains(&v) {
        return Err(ApiError::invalid(
            name,
            format!("{name}: {v} is outside the accepted range [{min}, {max}]"),
        ));
    }
    Ok(Some(v))
}

/// What a `{height_or_hash}` segment names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlockRef {
    Height(u64),
    Hash(String),
}

/// What [`parse_hash`] accepts, as the OpenAPI document states it.
pub const HASH_PATTERN: &str = "^((0x)?[0-9a-fA-F]{64}|[1-9A-HJ-NP-Za-km-z]{32,90})$";

/// What [`parse_block_ref`] accepts, as the OpenAPI document states it.
pub const BLOCK_REF_PATTERN: &str =
    "^([0-9]{1,19}|(0x)?[0-9a-fA-F]{64}|[1-9A-HJ-NP-Za-km-z]{32,90})$";

/// Up to 19 decimal digits (every such number fits in a `u64`) are a
/// height; anything else must look like a block hash.
pub fn parse_block_ref(raw: &str) -> Result<BlockRef, ApiError> {
    const NAME: &str = "height_or_hash";
    if !raw.is_empty() && raw.len() <= 19 && raw.bytes().all(|b| b.is_ascii_digit()) {
        return raw.parse().map(BlockRef::Height).map_err(|_| {
            ApiError::malformed(
                NAME,
                format!("{NAME}: height {raw} does not fit in 64 bits"),
            )
        });
    }
    parse_hash(NAME, raw).map(BlockRef::Hash)
}

/// A block hash or transaction id: 32 bytes of hex (with or without `0x`,
/// normalised to lower case as ingesters store it) or a base58 string
/// (Solana signatures and block hashes, Tezos and Cardano variants).
pub fn parse_hash(name: &str, raw: &str) -> Result<String, ApiError> {
    let hex = raw.strip_prefix("0x").unwrap_or(raw);
    if hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(raw.to_ascii_lowercase());
    }
    const B58: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    if (32..=90).contains(&raw.len()) && raw.bytes().all(|b| B58.contains(&b)) {
        return Ok(raw.to_owned());
    }
    Err(ApiError::malformed(
        name,
        format!(
            "{name}: expected 64 hex digits (optionally 0x-prefixed) or a base58 id, got {:?}",
            truncate(raw)
        ),
    ))
}

/// Echoing a huge input back in an error would amplify it.
fn truncate(s: &str) -> String {
    s.chars().take(100).collect()
}

//! `/docs`: an interactive reference rendered from `/openapi.json` by a
//! page compiled into the binary, so it works with no CDN and offline.

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};

pub(crate) const PAGE: &str = include_str!("docs.html");

pub(crate) async fn page() -> Response {
    let mut resp = PAGE.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    // Same-origin only: proves (and enforces) that nothing loads from elsewhere.
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'",
        ),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    resp
}

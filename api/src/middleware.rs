//! Request guards: size limits, per-client rate limit, deadline. Each
//! answers with a problem document rather than tower-http's bare statuses.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::ApiError;
use crate::AppState;

pub type ClientLimiter = DefaultKeyedRateLimiter<IpAddr>;

/// `None` when the limit is 0 (disabled).
pub fn limiter(per_minute: u32) -> Option<ClientLimiter> {
    NonZeroU32::new(per_minute).map(|n| RateLimiter::keyed(Quota::per_minute(n)))
}

pub(crate) async fn limits(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let cfg = &state.config;
    let target_len = req.uri().path_and_query().map_or(0, |pq| pq.as_str().len());
    if target_len > cfg.max_uri_bytes {
        return ApiError::UriTooLong(format!(
            "the request target is {target_len} bytes; the limit is {}",
            cfg.max_uri_bytes
        ))
        .into_response();
    }
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > cfg.max_body_bytes) {
        return ApiError::PayloadTooLarge(format!(
            "the body limit is {} bytes",
            cfg.max_body_bytes
        ))
        .into_response();
    }
    next.run(req).await
}

/// The rate-limit key: the peer address, or the last `X-Forwarded-For`
/// hop when configured to trust a proxy. Without either (in-process
/// tests) every request shares one bucket.
fn client_ip(headers: &HeaderMap, peer: Option<SocketAddr>, trust_forwarded_for: bool) -> IpAddr {
    if trust_forwarded_for {
        let hop = headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|v| v.trim().parse().ok());
        if let Some(ip) = hop {
            return ip;
        }
    }
    peer.map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |p| p.ip())
}

pub(crate) async fn rate_limit(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let Some(limiter) = state.limiter.as_ref() else {
        return next.run(req).await;
    };
    // Probes and scrapers must not be starved by (or count against) clients.
    if matches!(req.uri().path(), "/healthz" | "/readyz" | "/metrics") {
        return next.run(req).await;
    }
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let ip = client_ip(req.headers(), peer, state.config.trust_forwarded_for);
    // Forget idle clients now and then so the key map stays bounded; done
    // inline to avoid a background task the binary would have to own.
    if state.limiter_calls.fetch_add(1, Ordering::Relaxed) % 10_000 == 9_999 {
        limiter.retain_recent();
    }
    match limiter.check_key(&ip) {
        Ok(()) => next.run(req).await,
        Err(not_until) => {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            // Round up: "retry in 0 s" would invite an immediate retry.
            let retry_after_s = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            ApiError::RateLimited {
                retry_after_s: retry_after_s.max(1),
            }
            .into_response()
        }
    }
}

pub(crate) async fn deadline(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let secs = state.config.request_timeout_s;
    match tokio::time::timeout(Duration::from_secs(secs), next.run(req)).await {
        Ok(resp) => resp,
        Err(_) => ApiError::Timeout(secs).into_response(),
    }
}

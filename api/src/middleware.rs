//! Request guards: size limits, per-client rate limit, deadline. Each
//! answers with a problem document rather than tower-http's bare statuses.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
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

/// Everything each request passes through, in one layer: every extra
/// `from_fn` layer clones and boxes the inner service per request, which
/// measurably cut throughput on the cached hot path. In order: size
/// limits, rate limit, deadline, problem `instance`, metrics.
pub(crate) async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    // Refcounted clones: the route template labels the metrics, the path
    // fills `instance` on problems.
    let route = req.extensions().get::<MatchedPath>().cloned();
    let method = req.method().clone();
    let uri = req.uri().clone();
    let resp = match check_limits(&state, &req).and_then(|()| check_rate(&state, &req)) {
        Err(e) => e.into_response(),
        Ok(()) => {
            let secs = state.config.request_timeout_s;
            match tokio::time::timeout(Duration::from_secs(secs), next.run(req)).await {
                Ok(resp) => resp,
                Err(_) => ApiError::Timeout(secs).into_response(),
            }
        }
    };
    let mut resp = crate::error::with_instance(resp, uri.path());
    // Browsers must not reinterpret CSV or JSON as HTML.
    resp.headers_mut().insert(
        header::X_CONTENT_TYPE_OPTIONS,
        axum::http::HeaderValue::from_static("nosniff"),
    );
    state
        .metrics
        .observe(&method, route.as_ref(), resp.status(), started.elapsed());
    resp
}

fn check_limits(state: &AppState, req: &Request) -> Result<(), ApiError> {
    let cfg = &state.config;
    let target_len = req.uri().path_and_query().map_or(0, |pq| pq.as_str().len());
    if target_len > cfg.max_uri_bytes {
        return Err(ApiError::UriTooLong(format!(
            "the request target is {target_len} bytes; the limit is {}",
            cfg.max_uri_bytes
        )));
    }
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > cfg.max_body_bytes) {
        return Err(ApiError::PayloadTooLarge(format!(
            "the body limit is {} bytes",
            cfg.max_body_bytes
        )));
    }
    Ok(())
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

fn check_rate(state: &AppState, req: &Request) -> Result<(), ApiError> {
    let Some(limiter) = state.limiter.as_ref() else {
        return Ok(());
    };
    // Probes and scrapers must not be starved by (or count against) clients.
    if matches!(req.uri().path(), "/healthz" | "/readyz" | "/metrics") {
        return Ok(());
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
    limiter.check_key(&ip).map_err(|not_until| {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        // Round up: "retry in 0 s" would invite an immediate retry.
        let retry_after_s = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        ApiError::RateLimited {
            retry_after_s: retry_after_s.max(1),
        }
    })
}

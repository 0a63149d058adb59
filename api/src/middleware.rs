//! Request guards: size limits, per-client rate limit, deadline. Each
//! answers with a problem document rather than tower-http's bare statuses.

use std::convert::Infallible;
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::num::NonZeroU32;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, MatchedPath, Request};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use pin_project_lite::pin_project;
use tower::{Layer, Service};

use crate::error::ApiError;
use crate::AppState;

pub type ClientLimiter = DefaultKeyedRateLimiter<IpAddr>;

/// `None` when the limit is 0 (disabled).
pub fn limiter(per_minute: u32) -> Option<ClientLimiter> {
    NonZeroU32::new(per_minute).map(|n| RateLimiter::keyed(Quota::per_minute(n)))
}

/// Everything each request passes through, in one hand-written layer:
/// CORS, size limits, rate limit, deadline, problem `instance`, `nosniff`,
/// metrics and the request's tracing span. One layer with a named future
/// (no per-request box): `axum::middleware::from_fn` and tower-http's
/// `TraceLayer` each cost a clone, a box or a body wrapper per request,
/// which measurably cut throughput on the cached hot path (bench/README.md).
#[derive(Clone)]
pub(crate) struct GuardLayer {
    state: AppState,
}

impl GuardLayer {
    pub(crate) fn new(state: AppState) -> Self {
        GuardLayer { state }
    }
}

impl<S> Layer<S> for GuardLayer {
    type Service = Guard<S>;

    fn layer(&self, inner: S) -> Guard<S> {
        Guard {
            inner,
            state: self.state.clone(),
        }
    }
}

#[derive(Clone)]
pub(crate) struct Guard<S> {
    inner: S,
    state: AppState,
}

impl<S> Service<Request> for Guard<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = GuardFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let started = Instant::now();
        // Refcounted clones: the route template labels the metrics, the path
        // fills `instance` on problems.
        let route = req.extensions().get::<MatchedPath>().cloned();
        // Field values are only formatted when the span is enabled (say,
        // RUST_LOG=info); otherwise this is a disabled, free span.
        let span = tracing::info_span!(
            "http",
            method = %req.method(),
            route = route.as_ref().map(MatchedPath::as_str),
            uri = %req.uri(),
        );
        let post = Post {
            state: self.state.clone(),
            method: req.method().clone(),
            route,
            uri: req.uri().clone(),
            started,
            span,
        };
        let preflight = req.method() == Method::OPTIONS
            && req
                .headers()
                .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
        let checked = if preflight {
            Err(cors_preflight())
        } else {
            check_limits(&self.state, &req)
                .and_then(|()| check_rate(&self.state, &req))
                .map_err(IntoResponse::into_response)
        };
        let kind = match checked {
            Err(resp) => Kind::Rejected { resp: Some(resp) },
            Ok(()) => {
                let secs = self.state.config.request_timeout_s;
                let fut = {
                    let _enter = post.span.enter();
                    tracing::debug!("started processing request");
                    self.inner.call(req)
                };
                Kind::Running {
                    fut: tokio::time::timeout(Duration::from_secs(secs), fut),
                    secs,
                }
            }
        };
        GuardFuture { kind, post }
    }
}

/// What [`Guard`] does once the response is there.
pub(crate) struct Post {
    state: AppState,
    method: Method,
    route: Option<MatchedPath>,
    uri: Uri,
    started: Instant,
    span: tracing::Span,
}

impl Post {
    fn finish(&self, resp: Response) -> Response {
        let mut resp = crate::error::with_instance(resp, self.uri.path());
        let h = resp.headers_mut();
        // Browsers must not reinterpret CSV or JSON as HTML.
        h.insert(header::X_CONTENT_TYPE_OPTIONS, NOSNIFF);
        // CORS open for reading: any origin, on every answer (errors too,
        // so a page can read a 429's Retry-After).
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, ANY_ORIGIN);
        h.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, EXPOSED);
        let elapsed = self.started.elapsed();
        let status = resp.status();
        self.state
            .metrics
            .observe(&self.method, self.route.as_ref(), status, elapsed);
        // The events tower-http's TraceLayer gave: debug per response,
        // error per server error.
        let latency_ms = elapsed.as_secs_f64() * 1000.0;
        if status.is_server_error() {
            tracing::error!(status = status.as_u16(), latency_ms, "response failed");
        } else {
            tracing::debug!(
                status = status.as_u16(),
                latency_ms,
                "finished processing request"
            );
        }
        resp
    }
}

const NOSNIFF: HeaderValue = HeaderValue::from_static("nosniff");
const ANY_ORIGIN: HeaderValue = HeaderValue::from_static("*");
const EXPOSED: HeaderValue =
    HeaderValue::from_static("etag, retry-after, repr-digest, content-location");
const ALLOWED_METHODS: HeaderValue = HeaderValue::from_static("GET, HEAD");
/// What a reading page may send beyond the simple headers: content
/// negotiation and revalidation (`fetch` with `If-None-Match`).
const ALLOWED_HEADERS: HeaderValue =
    HeaderValue::from_static("accept, if-none-match, if-modified-since");
/// Browsers may reuse a preflight answer for a day.
const PREFLIGHT_MAX_AGE: HeaderValue = HeaderValue::from_static("86400");

/// The answer to a CORS preflight, on any path. CORS is folded in here
/// rather than tower-http's `CorsLayer` because that layer's service is
/// cloned (with its header lists) for every request. The answer is the
/// same for every origin and requested method (`*`, no credentials), so no
/// `Vary` is needed. Browsers preflight a read that sends `If-None-Match`
/// (revalidation) or a non-simple `Accept`; both are allowed.
fn cors_preflight() -> Response {
    let mut resp = StatusCode::OK.into_response();
    let h = resp.headers_mut();
    h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, ALLOWED_METHODS);
    h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, ALLOWED_HEADERS);
    h.insert(header::ACCESS_CONTROL_MAX_AGE, PREFLIGHT_MAX_AGE);
    resp
}

pin_project! {
    pub(crate) struct GuardFuture<F> {
        #[pin]
        kind: Kind<F>,
        post: Post,
    }
}

pin_project! {
    #[project = KindProj]
    enum Kind<F> {
        Rejected { resp: Option<Response> },
        Running {
            #[pin]
            fut: tokio::time::Timeout<F>,
            secs: u64,
        },
    }
}

impl<F> Future for GuardFuture<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let _enter = this.post.span.enter();
        let resp = match this.kind.project() {
            KindProj::Rejected { resp } => resp.take().unwrap_or_else(|| {
                ApiError::Internal("guard future polled after completion".into()).into_response()
            }),
            KindProj::Running { fut, secs } => match fut.poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Ok(Ok(resp))) => resp,
                Poll::Ready(Ok(Err(never))) => match never {},
                Poll::Ready(Err(_elapsed)) => ApiError::Timeout(*secs).into_response(),
            },
        };
        Poll::Ready(Ok(this.post.finish(resp)))
    }
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

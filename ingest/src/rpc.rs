//! The HTTP edge shared by every source: JSON-RPC batches that shrink on
//! failure and grow back, a rate limit, a bound on requests in flight, and
//! retries with exponential backoff and jitter that honour Retry-After.
//!
//! We drive reqwest (the client alloy's HTTP transport wraps) directly
//! rather than alloy's provider: the provider's retry layer does not expose
//! the Retry-After header, nor does its batch builder let us split a batch
//! that a node rejects for its size.

use std::hash::{BuildHasher, Hasher};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{json, Value};
use tokio::sync::Semaphore;
use tracing::{debug, warn};

use crate::config::{redact_url, ChainSourceConfig};
use crate::counters::IngestCounters;
use crate::error::{SourceError, SourceErrorKind};

/// One JSON-RPC call of a batch.
#[derive(Debug, Clone)]
pub struct RpcCall {
    pub method: &'static str,
    pub params: Value,
    /// The block height the call is about, for error messages.
    pub height: Option<u64>,
}

impl RpcCall {
    pub fn new(method: &'static str, params: Value, height: Option<u64>) -> Self {
        RpcCall {
            method,
            params,
            height,
        }
    }
}

#[derive(Debug, Clone)]
enum Auth {
    None,
    Header(String, String),
    Basic(String, String),
}

/// A rate-limited, retrying HTTP client for one endpoint.
pub struct HttpClient {
    name: String,
    url: String,
    http: reqwest::Client,
    auth: Auth,
    limiter: DefaultDirectRateLimiter,
    in_flight: Semaphore,
    /// Current JSON-RPC batch size: halved on a batch failure, grown back
    /// towards `max_batch` after successes.
    batch_limit: AtomicUsize,
    max_batch: usize,
    max_retries: u32,
    backoff: Duration,
    max_backoff: Duration,
    next_id: AtomicU64,
    counters: Arc<IngestCounters>,
}

/// Outcome of one HTTP attempt.
struct Failure {
    kind: SourceErrorKind,
    retry_after: Option<Duration>,
}

impl HttpClient {
    pub fn new(
        kind: &str,
        cfg: &ChainSourceConfig,
        counters: Arc<IngestCounters>,
    ) -> Result<Self, String> {
        cfg.validate().map_err(|e| e.to_string())?;
        let auth = if let Some(line) = &cfg.auth_header {
            let (name, value) = line
                .split_once(':')
                .ok_or_else(|| "auth_header must look like \"Name: value\"".to_owned())?;
            Auth::Header(name.trim().to_owned(), value.trim().to_owned())
        } else if let Some(path) = &cfg.cookie_file {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read cookie file {}: {e}", path.display()))?;
            let (user, pass) = text
                .trim()
                .split_once(':')
                .ok_or_else(|| format!("cookie file {} is not user:password", path.display()))?;
            Auth::Basic(user.to_owned(), pass.to_owned())
        } else if let Some(user) = &cfg.user {
            Auth::Basic(user.clone(), cfg.password.clone().unwrap_or_default())
        } else {
            Auth::None
        };
        let builder = reqwest::Client::builder().timeout(cfg.request_timeout());
        // A plain-http node on this machine never shows a certificate (a
        // remote one might redirect to https): skip loading the system's
        // ~150 roots, 15-35 ms of every start of a local backfill.
        #[cfg(feature = "https")]
        let builder = if is_local_plain_http(&cfg.url) {
            builder.tls_certs_only(Vec::new())
        } else {
            builder
        };
        let http = builder
            .build()
            .map_err(|e| format!("cannot build HTTP client: {e}"))?;
        let per_s = NonZeroU32::new(cfg.rate_limit_per_s).unwrap_or(NonZeroU32::MIN);
        Ok(HttpClient {
            name: format!("{kind} {}", redact_url(&cfg.url)),
            url: cfg.url.trim_end_matches('/').to_owned(),
            http,
            auth,
            limiter: RateLimiter::direct(Quota::per_second(per_s)),
            in_flight: Semaphore::new(cfg.max_in_flight.max(1)),
            batch_limit: AtomicUsize::new(cfg.batch_size.max(1)),
            max_batch: cfg.batch_size.max(1),
            max_retries: cfg.max_retries,
            backoff: Duration::from_millis(cfg.backoff_ms),
            max_backoff: Duration::from_millis(cfg.max_backoff_ms.max(cfg.backoff_ms)),
            next_id: AtomicU64::new(1),
            counters,
        })
    }

    /// `kind url`, for errors and logs.
    /// A client for one occasional request to a full URL (a daily count, a
    /// provider's daily series), and the URL's path to request: a few
    /// requests a second at most, one in flight, one retry (the caller's
    /// next sync tries again, so a dead endpoint does not hold it).
    pub(crate) fn for_url(
        kind: &str,
        url: &str,
        auth_header: Option<String>,
        timeout: Duration,
    ) -> Result<(HttpClient, String), String> {
        // The base is scheme://host[:port]; the rest of the URL is the path.
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| format!("{} is not a URL", redact_url(url)))?;
        let (host, path) = rest
            .split_once('/')
            .map_or((rest, String::new()), |(h, p)| (h, format!("/{p}")));
        let mut cfg = ChainSourceConfig::new(
            crate::config::SourceKind::Esplora,
            &format!("{scheme}://{host}"),
        );
        cfg.auth_header = auth_header;
        cfg.rate_limit_per_s = 5;
        cfg.max_in_flight = 1;
        cfg.max_retries = 1;
        cfg.backoff_ms = 500;
        cfg.request_timeout_ms = u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX);
        let client = HttpClient::new(kind, &cfg, Arc::new(IngestCounters::default()))?;
        Ok((client, path))
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn counters(&self) -> &Arc<IngestCounters> {
        &self.counters
    }

    /// The batch size in use now (for tests and logs).
    pub fn current_batch_limit(&self) -> usize {
        self.batch_limit.load(Ordering::Relaxed)
    }

    pub fn error(&self, method: &str, height: Option<u64>, kind: SourceErrorKind) -> SourceError {
        SourceError::new(&self.name, method, height, kind)
    }

    /// One HTTP attempt, waiting for the rate limit and a free slot first.
    async fn attempt(&self, path: &str, body: Option<&[u8]>) -> Result<Vec<u8>, Failure> {
        self.limiter.until_ready().await;
        let _permit = self.in_flight.acquire().await.map_err(|_| Failure {
            kind: SourceErrorKind::Transport("client shut down".into()),
            retry_after: None,
        })?;
        IngestCounters::add(&self.counters.requests, 1);
        let url = format!("{}{path}", self.url);
        let mut req = match body {
            Some(b) => self
                .http
                .post(&url)
                .header("content-type", "application/json")
                .body(b.to_vec()),
            None => self.http.get(&url),
        };
        req = match &self.auth {
            Auth::None => req,
            Auth::Header(n, v) => req.header(n.as_str(), v.as_str()),
            Auth::Basic(u, p) => req.basic_auth(u, Some(p)),
        };
        let resp = req.send().await.map_err(|e| Failure {
            kind: transport_kind(e),
            retry_after: None,
        })?;
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                crate::retry_after::retry_after_delay(v, SystemTime::now(), self.max_backoff)
            });
        // Bitcoin Core answers JSON-RPC errors with HTTP 404/500 and a JSON
        // body; keep the body so the caller sees the RPC error.
        let bytes = resp.bytes().await.map_err(|e| Failure {
            kind: transport_kind(e),
            retry_after,
        })?;
        if status == 429 {
            return Err(Failure {
                kind: SourceErrorKind::Http { status },
                retry_after,
            });
        }
        if !(200..300).contains(&status) {
            let is_json_rpc_error =
                body.is_some() && (status == 500 || status == 404) && looks_like_rpc_error(&bytes);
            if !is_json_rpc_error {
                return Err(Failure {
                    kind: SourceErrorKind::Http { status },
                    retry_after,
                });
            }
        }
        Ok(bytes.to_vec())
    }

    /// Sends until `parse` accepts the body, retrying transient failures
    /// with exponential backoff and jitter, at least as long as Retry-After.
    async fn request<T>(
        &self,
        method: &str,
        height: Option<u64>,
        path: &str,
        body: Option<&[u8]>,
        parse: impl Fn(&[u8]) -> Result<T, SourceErrorKind>,
    ) -> Result<T, SourceError> {
        let mut attempt = 0u32;
        loop {
            let outcome = match self.attempt(path, body).await {
                Ok(bytes) => parse(&bytes).map_err(|kind| Failure {
                    kind,
                    retry_after: None,
                }),
                Err(f) => Err(f),
            };
            let failure = match outcome {
                Ok(v) => return Ok(v),
                Err(f) => f,
            };
            IngestCounters::add(&self.counters.errors, 1);
            if !failure.kind.is_transient() || attempt >= self.max_retries {
                let kind = match failure.kind {
                    SourceErrorKind::Http { status: 429 } => SourceErrorKind::RateLimited,
                    k => k,
                };
                return Err(self.error(method, height, kind));
            }
            let exp = self.backoff.saturating_mul(1u32 << attempt.min(16));
            let jittered = exp.mul_f64(0.5 + random_unit());
            let wait = failure
                .retry_after
                .map_or(jittered, |ra| ra.max(jittered))
                .min(self.max_backoff);
            warn!(
                source = %self.name, method, height, attempt = attempt + 1,
                wait_ms = wait.as_millis() as u64, error = %failure.kind, "retrying"
            );
            IngestCounters::add(&self.counters.retries, 1);
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    /// POST a JSON body to `path`, returning the response body.
    pub async fn post(
        &self,
        path: &str,
        body: &[u8],
        method: &str,
    ) -> Result<Vec<u8>, SourceError> {
        self.request(method, None, path, Some(body), |b| Ok(b.to_vec()))
            .await
    }

    /// GET `path` and hand the body to `on_chunk` piece by piece, for
    /// responses too large to hold (the beacon validator list). Failures
    /// before the body starts are retried like any request; a failure
    /// mid-body is an error (the consumer has seen part of it).
    pub async fn get_streamed(
        &self,
        path: &str,
        mut on_chunk: impl FnMut(&[u8]),
    ) -> Result<(), SourceError> {
        let mut attempt = 0u32;
        loop {
            self.limiter.until_ready().await;
            let permit = self.in_flight.acquire().await;
            IngestCounters::add(&self.counters.requests, 1);
            let mut req = self.http.get(format!("{}{path}", self.url));
            req = match &self.auth {
                Auth::None => req,
                Auth::Header(n, v) => req.header(n.as_str(), v.as_str()),
                Auth::Basic(u, p) => req.basic_auth(u, Some(p)),
            };
            let failure = match req.send().await {
                Ok(resp) if resp.status().is_success() => {
                    let mut resp = resp;
                    loop {
                        match resp.chunk().await {
                            Ok(Some(c)) => on_chunk(&c),
                            Ok(None) => return Ok(()),
                            Err(e) => {
                                IngestCounters::add(&self.counters.errors, 1);
                                return Err(self.error(path, None, transport_kind(e)));
                            }
                        }
                    }
                }
                Ok(resp) => SourceErrorKind::Http {
                    status: resp.status().as_u16(),
                },
                Err(e) => transport_kind(e),
            };
            drop(permit);
            IngestCounters::add(&self.counters.errors, 1);
            if !failure.is_transient() || attempt >= self.max_retries {
                return Err(self.error(path, None, failure));
            }
            let wait = self
                .backoff
                .saturating_mul(1u32 << attempt.min(16))
                .mul_f64(0.5 + random_unit())
                .min(self.max_backoff);
            IngestCounters::add(&self.counters.retries, 1);
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    /// GET `path` (REST sources), returning the body.
    pub async fn get(&self, path: &str, height: Option<u64>) -> Result<Vec<u8>, SourceError> {
        self.request(path, height, path, None, |b| Ok(b.to_vec()))
            .await
    }

    /// One JSON-RPC call; an RPC error is returned as such (not retried
    /// unless it is a rate-limit code).
    pub async fn call(
        &self,
        method: &'static str,
        params: Value,
        height: Option<u64>,
    ) -> Result<Value, SourceError> {
        let mut results = self.batch(&[RpcCall::new(method, params, height)]).await?;
        results.pop().unwrap_or_else(|| {
            Err(self.error(
                method,
                height,
                SourceErrorKind::Malformed("empty batch".into()),
            ))
        })
    }

    /// Runs `calls` in as few JSON-RPC batches as the node accepts, in order.
    /// The outer error is a failure of the whole exchange; inner errors are
    /// per call (e.g. an unknown method).
    pub async fn batch(
        &self,
        calls: &[RpcCall],
    ) -> Result<Vec<Result<Value, SourceError>>, SourceError> {
        self.batch_with(calls, parse_batch).await
    }

    /// As [`HttpClient::batch`], but results stay unparsed JSON text so a
    /// caller deserialises them straight into its types: whole blocks are
    /// never built as a `serde_json::Value` tree first (the bulk of the CPU
    /// time of an EVM backfill).
    pub async fn batch_raw(
        &self,
        calls: &[RpcCall],
    ) -> Result<Vec<Result<Box<RawValue>, SourceError>>, SourceError> {
        self.batch_with(calls, parse_batch_raw).await
    }

    async fn batch_with<T>(
        &self,
        calls: &[RpcCall],
        parse: BatchParser<T>,
    ) -> Result<Vec<Result<T, SourceError>>, SourceError> {
        let mut out = Vec::with_capacity(calls.len());
        let mut i = 0;
        while i < calls.len() {
            let size = self
                .batch_limit
                .load(Ordering::Relaxed)
                .clamp(1, calls.len() - i);
            let chunk = &calls[i..i + size];
            match self.batch_once(chunk, parse).await {
                Ok(results) => {
                    out.extend(results);
                    i += size;
                    // Grow back gently: a quarter more per success.
                    let grown = (size + size.div_ceil(4)).min(self.max_batch);
                    let _ = self.batch_limit.fetch_max(grown, Ordering::Relaxed);
                }
                Err(e) if size > 1 && shrinks(&e.kind) => {
                    let half = (size / 2).max(1);
                    warn!(source = %self.name, method = chunk[0].method, height = chunk[0].height, from = size, to = half, error = %e.kind, "shrinking batch");
                    self.batch_limit.store(half, Ordering::Relaxed);
                }
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    async fn batch_once<T>(
        &self,
        calls: &[RpcCall],
        parse: BatchParser<T>,
    ) -> Result<Vec<Result<T, SourceError>>, SourceError> {
        let first_id = self
            .next_id
            .fetch_add(calls.len() as u64, Ordering::Relaxed);
        let body: Vec<Value> = calls
            .iter()
            .enumerate()
            .map(|(i, c)| json!({"jsonrpc": "2.0", "id": first_id + i as u64, "method": c.method, "params": c.params}))
            .collect();
        let body = serde_json::to_vec(&body).map_err(|e| {
            self.error(
                calls[0].method,
                calls[0].height,
                SourceErrorKind::Malformed(e.to_string()),
            )
        })?;
        let method = if calls.len() == 1 {
            calls[0].method.to_owned()
        } else {
            format!("batch of {} {}", calls.len(), calls[0].method)
        };
        let height = calls[0].height;
        debug!(source = %self.name, %method, height, "request");
        let n = calls.len();
        let raw = self
            .request(&method, height, "", Some(&body), |bytes| {
                debug!(source = %self.name, %method, height, bytes = bytes.len(), "response");
                parse(bytes, first_id, n)
            })
            .await?;
        Ok(raw
            .into_iter()
            .zip(calls)
            .map(|(r, c)| r.map_err(|kind| self.error(c.method, c.height, kind)))
            .collect())
    }
}

type BatchParser<T> =
    fn(&[u8], u64, usize) -> Result<Vec<Result<T, SourceErrorKind>>, SourceErrorKind>;

/// One response of a batch with its result left as text.
#[derive(Deserialize)]
struct RawResponse {
    #[serde(default)]
    id: Option<Value>,
    #[serde(default)]
    result: Option<Box<RawValue>>,
    #[serde(default)]
    error: Option<Value>,
}

/// [`parse_batch`] without building the results.
fn parse_batch_raw(
    bytes: &[u8],
    first_id: u64,
    n: usize,
) -> Result<Vec<Result<Box<RawValue>, SourceErrorKind>>, SourceErrorKind> {
    let items: Vec<RawResponse> = match serde_json::from_slice(bytes) {
        Ok(items) => items,
        // Not an array of responses: one error object, a bare response
        // to a one-call batch, or garbage. The slow path sorts them out.
        Err(_) => {
            let parsed = parse_batch(bytes, first_id, n)?;
            return Ok(parsed
                .into_iter()
                .map(|r| {
                    r.and_then(|v| {
                        RawValue::from_string(v.to_string())
                            .map_err(|e| SourceErrorKind::Malformed(e.to_string()))
                    })
                })
                .collect());
        }
    };
    let mut out: Vec<Option<Result<Box<RawValue>, SourceErrorKind>>> =
        (0..n).map(|_| None).collect();
    for item in items {
        let id = item.id.as_ref().and_then(Value::as_u64);
        let slot = id
            .and_then(|id| id.checked_sub(first_id))
            .and_then(|i| usize::try_from(i).ok())
            .filter(|i| *i < n);
        let Some(slot) = slot else {
            if id.is_none() && item.error.as_ref().is_some_and(|e| !e.is_null()) {
                return Err(rpc_error(item.error.as_ref()));
            }
            return Err(SourceErrorKind::Malformed(format!(
                "unexpected id {id:?} in batch response"
            )));
        };
        out[slot] = Some(match (item.error, item.result) {
            (Some(e), _) if !e.is_null() => Err(rpc_error(Some(&e))),
            (_, Some(r)) => Ok(r),
            // `"result": null` (block not found) arrives as None.
            (_, None) => RawValue::from_string("null".to_owned())
                .map_err(|e| SourceErrorKind::Malformed(e.to_string())),
        });
    }
    out.into_iter()
        .enumerate()
        .map(|(i, r)| {
            r.ok_or_else(|| {
                SourceErrorKind::Malformed(format!("no response for call {i} of the batch"))
            })
        })
        .collect()
}

/// Splits a batch response into per-call results in request order.
fn parse_batch(
    bytes: &[u8],
    first_id: u64,
    n: usize,
) -> Result<Vec<Result<Value, SourceErrorKind>>, SourceErrorKind> {
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|e| SourceErrorKind::Malformed(format!("not JSON: {e}")))?;
    let items = match value {
        Value::Array(items) => items,
        // A node that rejects a whole batch answers with one error object.
        Value::Object(ref o) if o.contains_key("error") => return Err(rpc_error(o.get("error"))),
        // Some servers answer a one-call batch with a bare object.
        Value::Object(_) if n == 1 => vec![value],
        _ => {
            return Err(SourceErrorKind::Malformed(
                "batch response is not an array".into(),
            ))
        }
    };
    let mut out: Vec<Option<Result<Value, SourceErrorKind>>> = (0..n).map(|_| None).collect();
    for mut item in items {
        let id = item.get("id").and_then(Value::as_u64);
        let slot = id
            .and_then(|id| id.checked_sub(first_id))
            .and_then(|i| usize::try_from(i).ok())
            .filter(|i| *i < n);
        let Some(slot) = slot else {
            // An id-less error object means the node refused the batch.
            if let Some(Value::Object(o)) = Some(&item) {
                if o.contains_key("error") && id.is_none() {
                    return Err(rpc_error(o.get("error")));
                }
            }
            return Err(SourceErrorKind::Malformed(format!(
                "unexpected id {id:?} in batch response"
            )));
        };
        let result = match item.get("error") {
            Some(e) if !e.is_null() => Err(rpc_error(Some(e))),
            // Taken, not cloned: results are whole blocks.
            _ => match item.as_object_mut().and_then(|o| o.remove("result")) {
                Some(r) => Ok(r),
                None => Err(SourceErrorKind::Malformed(
                    "response has neither result nor error".into(),
                )),
            },
        };
        out[slot] = Some(result);
    }
    out.into_iter()
        .enumerate()
        .map(|(i, r)| {
            r.ok_or_else(|| {
                SourceErrorKind::Malformed(format!("no response for call {i} of the batch"))
            })
        })
        .collect()
}

fn rpc_error(e: Option<&Value>) -> SourceErrorKind {
    let code = e
        .and_then(|e| e.get("code"))
        .and_then(Value::as_i64)
        .unwrap_or(0);
    let message = e
        .and_then(|e| e.get("message"))
        .and_then(Value::as_str)
        .unwrap_or("no message")
        .to_owned();
    SourceErrorKind::Rpc { code, message }
}

fn looks_like_rpc_error(bytes: &[u8]) -> bool {
    serde_json::from_slice::<Value>(bytes).is_ok_and(|v| {
        v.get("error").is_some_and(|e| !e.is_null())
            || v.as_array()
                .is_some_and(|a| a.iter().any(|i| i.get("error").is_some()))
    })
}

/// Failures a smaller batch may fix: size limits, slow responses, bodies
/// cut short, nodes that reject big batches with an RPC error.
fn shrinks(kind: &SourceErrorKind) -> bool {
    matches!(
        kind,
        SourceErrorKind::Http { status: 413 }
            | SourceErrorKind::Timeout
            | SourceErrorKind::Malformed(_)
            | SourceErrorKind::Rpc { .. }
    )
}

fn transport_kind(e: reqwest::Error) -> SourceErrorKind {
    if e.is_timeout() {
        SourceErrorKind::Timeout
    } else {
        SourceErrorKind::Transport(crate::config::reqwest_reason(e))
    }
}

/// `http://` to a loopback address.
#[cfg_attr(not(feature = "https"), allow(dead_code))]
fn is_local_plain_http(url: &str) -> bool {
    let Ok(url) = reqwest::Url::parse(url) else {
        return false;
    };
    let host = url.host_str().unwrap_or_default();
    url.scheme() == "http"
        && (host == "localhost"
            || host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback()))
}

/// A uniform number in [0, 1) for jitter; std's random hasher keys are
/// enough here and spare a dependency.
fn random_unit() -> f64 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(0);
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_responses_are_matched_by_id_in_any_order() {
        let body = br#"[{"jsonrpc":"2.0","id":11,"result":"b"},{"jsonrpc":"2.0","id":10,"result":"a"},{"jsonrpc":"2.0","id":12,"error":{"code":-32601,"message":"nope"}}]"#;
        let r = parse_batch(body, 10, 3).expect("parses");
        assert_eq!(r[0], Ok(json!("a")));
        assert_eq!(r[1], Ok(json!("b")));
        assert!(matches!(
            r[2],
            Err(SourceErrorKind::Rpc { code: -32601, .. })
        ));
        assert!(parse_batch(br#"[{"id":10,"result":1}"#, 10, 1).is_err());
        assert!(parse_batch(br#"[{"id":10,"result":1}]"#, 10, 2).is_err());
    }

    #[test]
    fn only_loopback_plain_http_skips_the_tls_roots() {
        assert!(is_local_plain_http("http://127.0.0.1:8545"));
        assert!(is_local_plain_http("http://localhost:8545/"));
        assert!(is_local_plain_http("http://[::1]:8545"));
        assert!(!is_local_plain_http("https://127.0.0.1:8545"));
        assert!(!is_local_plain_http("http://rpc.example.org"));
        assert!(!is_local_plain_http("http://10.0.0.2:8545"));
        assert!(!is_local_plain_http("not a url"));
    }

    #[test]
    fn jitter_is_in_range() {
        for _ in 0..100 {
            let r = random_unit();
            assert!((0.0..1.0).contains(&r));
        }
    }
}

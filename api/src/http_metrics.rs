//! Prometheus metrics. The registry is public so the binary can register
//! ingest counters next to the HTTP ones and serve them all at `/metrics`.

use std::time::Duration;

use axum::extract::{MatchedPath, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry, TextEncoder,
};

use crate::error::ApiError;
use crate::AppState;

pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    duration: HistogramVec,
}

impl Metrics {
    pub fn new() -> Result<Self, prometheus::Error> {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "blockwatt_http_requests_total",
                "HTTP requests by matched route and status",
            ),
            &["method", "route", "status"],
        )?;
        let duration = HistogramVec::new(
            HistogramOpts::new(
                "blockwatt_http_request_duration_seconds",
                "HTTP request latency by matched route",
            )
            .buckets(vec![
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
            ]),
            &["method", "route"],
        )?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(duration.clone()))?;
        Ok(Metrics {
            registry,
            requests,
            duration,
        })
    }

    /// Register further collectors here (ingest lag, blocks written...).
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Labels by the route template, never the raw path: raw paths would
    /// make one time series per block hash.
    pub(crate) fn observe(
        &self,
        method: &Method,
        route: Option<&MatchedPath>,
        status: StatusCode,
        elapsed: Duration,
    ) {
        let route = route.map_or("unmatched", MatchedPath::as_str);
        self.duration
            .with_label_values(&[method.as_str(), route])
            .observe(elapsed.as_secs_f64());
        self.requests
            .with_label_values(&[method.as_str(), route, status.as_str()])
            .inc();
    }

    fn render(&self) -> Result<Vec<u8>, ApiError> {
        let mut buf = Vec::new();
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut buf)
            .map_err(|e| ApiError::Internal(format!("metrics: {e}")))?;
        Ok(buf)
    }
}

pub(crate) async fn serve(State(state): State<AppState>) -> Result<Response, ApiError> {
    let body = state.metrics.render()?;
    let mut resp = body.into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    Ok(resp)
}

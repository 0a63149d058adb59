//! Liveness and readiness.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};

use crate::AppState;

/// The process is up: no dependency is consulted.
pub(crate) async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") }))
}

/// Ready to serve: the store answers and, when a bound is configured, no
/// chain's newest block lags behind it. Chains with no block yet do not
/// fail readiness (a fresh install must be able to come up and ingest).
pub(crate) async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let backend = state.store.backend();
    if let Err(e) = state.store.ping().await {
        tracing::warn!(error = %e, "readiness check failed");
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "unavailable", "store": backend, "reason": e.to_string() })),
        );
    }
    let Some(max_lag) = state.config.max_ingest_lag_s else {
        return (
            StatusCode::OK,
            Json(json!({ "status": "ready", "store": backend })),
        );
    };
    let now = chrono::Utc::now().timestamp();
    let mut lagging = Vec::new();
    let mut chains = serde_json::Map::new();
    for slug in state.chain_order.iter() {
        let lag = match state.store.tip(slug).await {
            Ok(tip) => tip.map(|b| now - b.time),
            Err(e) => {
                return (
                    StatusCode::SERVICE_UNAVAILABLE,
                    Json(
                        json!({ "status": "unavailable", "store": backend, "reason": e.to_string() }),
                    ),
                )
            }
        };
        if lag.is_some_and(|l| l > i64::try_from(max_lag).unwrap_or(i64::MAX)) {
            lagging.push(slug.clone());
        }
        chains.insert(slug.clone(), json!({ "lag_s": lag }));
    }
    let body = json!({
        "status": if lagging.is_empty() { "ready" } else { "lagging" },
        "store": backend,
        "max_ingest_lag_s": max_lag,
        "lagging": lagging,
        "chains": chains,
    });
    let status = if lagging.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body))
}

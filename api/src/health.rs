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

/// Ready to serve: the store answers and, when bounds are configured, no
/// chain lags behind them: its newest daily metrics older than
/// `max_data_age_days`, its newest stored block older than
/// `max_ingest_lag_s`, or (for chains this server follows) its written
/// height more than `max_ingest_lag_blocks` below the source's tip, read
/// from the live ingest counters. Chains with no block yet, or whose
/// source has not answered yet, do not fail readiness (a fresh install
/// must be able to come up and ingest).
pub(crate) async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let backend = state.footprints.backend();
    let unavailable = |reason: String| {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "unavailable", "store": backend, "reason": reason })),
        )
    };
    if let Err(e) = state.footprints.ping().await {
        tracing::warn!(error = %e, "readiness check failed");
        return unavailable(e.to_string());
    }
    let max_lag_s = state.config.max_ingest_lag_s;
    let max_lag_blocks = state
        .config
        .max_ingest_lag_blocks
        .filter(|_| state.ingest.is_some());
    let max_age_days = state.config.max_data_age_days;
    if max_lag_s.is_none() && max_lag_blocks.is_none() && max_age_days.is_none() {
        return (
            StatusCode::OK,
            Json(json!({ "status": "ready", "store": backend })),
        );
    }
    let mut lagging = Vec::new();
    let mut reasons = Vec::new();
    let mut chains = serde_json::Map::new();
    if let Some(max_lag) = max_lag_s {
        let now = chrono::Utc::now().timestamp();
        for slug in state.footprints.chains().iter().map(|c| &c.slug) {
            let lag = match state.footprints.tip(slug).await {
                Ok(tip) => tip.map(|b| now - b.time),
                Err(e) => return unavailable(e.to_string()),
            };
            if lag.is_some_and(|l| l > i64::try_from(max_lag).unwrap_or(i64::MAX)) {
                lagging.push(slug.clone());
                reasons.push(format!(
                    "{slug}: newest stored block is {} s old (bound {max_lag} s)",
                    lag.unwrap_or_default()
                ));
            }
            chains.insert(slug.clone(), json!({ "lag_s": lag }));
        }
    }
    if let Some(bound) = max_age_days {
        let today = chrono::Utc::now().date_naive();
        for slug in state.footprints.public_chains().map(|c| c.slug.clone()) {
            let coverage = match state.footprints.coverage(&slug).await {
                Ok(c) => c,
                Err(e) => return unavailable(e.to_string()),
            };
            let Some((_, last)) = coverage else { continue };
            let age = (today - last).num_days();
            let entry = chains.entry(slug.clone()).or_insert_with(|| json!({}));
            entry["data_age_days"] = json!(age);
            if age > i64::try_from(bound).unwrap_or(i64::MAX) {
                if !lagging.contains(&slug) {
                    lagging.push(slug.clone());
                }
                reasons.push(format!(
                    "{slug}: newest daily metrics are of {last}, {age} days old (bound {bound})"
                ));
            }
        }
    }
    if let (Some(bound), Some(board)) = (max_lag_blocks, state.ingest.as_ref()) {
        for row in board.snapshot().into_iter().filter(|r| r.followed) {
            let s = row.counters;
            let entry = chains.entry(row.chain.clone()).or_insert_with(|| json!({}));
            entry["lag_blocks"] = json!(s.lag);
            entry["height"] = json!(s.height);
            entry["tip"] = json!(s.tip);
            // tip 0: the source has not answered yet (see the doc above).
            if s.tip > 0 && s.lag > bound {
                if !lagging.contains(&row.chain) {
                    lagging.push(row.chain.clone());
                }
                reasons.push(format!(
                    "{}: {} blocks behind the {} source's tip {} (bound {bound})",
                    row.chain, s.lag, row.source, s.tip
                ));
            }
        }
    }
    let body = json!({
        "status": if lagging.is_empty() { "ready" } else { "lagging" },
        "store": backend,
        "max_ingest_lag_s": max_lag_s,
        "max_ingest_lag_blocks": max_lag_blocks,
        "max_data_age_days": max_age_days,
        "lagging": lagging,
        "reasons": reasons,
        "chains": chains,
    });
    let status = if lagging.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body))
}

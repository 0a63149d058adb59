//! blockwatt's HTTP surface: one axum [`Router`] built by [`router`].

mod health;

use std::sync::Arc;

use axum::routing::get;
use axum::Router;
use blockwatt_store::Store;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .with_state(state)
}

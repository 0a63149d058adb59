//! blockwatt's HTTP surface: one axum [`Router`] built by [`router`].
//!
//! Handlers validate the request and ask the service layer
//! (`blockwatt-service`) for answers; they serialise the service's own
//! types, so the OpenAPI document generated from them is what is sent.
//! The binary builds an [`AppState`] from a [`Footprints`] and an
//! [`ApiConfig`], optionally adds the chain lookup, the ingest board and
//! the admin actions, and serves `router(state)` with
//! `into_make_service_with_connect_info::<SocketAddr>()` so the rate limit
//! can key on the client address.

pub mod admin;
pub mod agreement_collector;
pub mod cache;
pub mod config;
mod docs;
pub mod dto;
pub mod error;
pub mod extract;
mod health;
pub mod http_metrics;
pub mod indices;
pub mod ingest_collector;
pub mod lease_collector;
mod middleware;
mod openapi_constraints;
mod pages;
mod problem_responses;
pub mod rendered_cache;
pub mod respond;
pub mod unknown_tx_cache;
mod v1;
mod widgets;

use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::http::{Extensions, HeaderMap, StatusCode, Version};
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};
use axum::Router;
use blockwatt_service::{Admin, ChainLookup, Footprints, IngestBoard};
use bytes::Bytes;
use tower_http::compression::predicate::{DefaultPredicate, Predicate};
use tower_http::compression::CompressionLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use cache::EstimateCache;
pub use config::ApiConfig;
pub use error::{ApiError, Problem};
pub use http_metrics::Metrics;
pub use ingest_collector::IngestCollector;

/// What every handler can reach. Build it with [`AppState::new`]; fields
/// of [`Shared`] are reachable directly (`state.footprints`) through `Deref`.
/// One `Arc` inside, because every middleware layer clones the state per
/// request.
#[derive(Clone)]
pub struct AppState {
    shared: Arc<Shared>,
    pub admin: Option<Arc<Admin>>,
    /// Consulted when a transaction is not in the store.
    pub lookup: Option<Arc<ChainLookup>>,
    /// The ingest counters (`/metrics`, and block lag in `/readyz`).
    pub ingest: Option<Arc<IngestBoard>>,
}

pub struct Shared {
    /// The service layer: every figure and record the API serves (the API
    /// has no other way to the store).
    pub footprints: Footprints,
    pub config: ApiConfig,
    /// Register ingest collectors on `metrics.registry()`.
    pub metrics: Metrics,
    /// Clear after an import or a catalogue change.
    pub cache: EstimateCache,
    /// Transactions the source did not know, for `unknown_tx_ttl_s`.
    pub unknown_txs: unknown_tx_cache::UnknownTxCache,
    limiter: Option<middleware::ClientLimiter>,
    limiter_calls: AtomicU64,
    /// Rendered widgets and pages, for the live TTL.
    pub rendered: rendered_cache::RenderedCache,
    /// `/v1/chains` costs two store queries per chain; kept for the live TTL.
    chains_body: std::sync::RwLock<Option<(std::time::Instant, Arc<dto::ChainsBody>)>>,
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.shared
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("metrics: {0}")]
    Metrics(#[from] prometheus::Error),
}

impl AppState {
    pub fn new(footprints: Footprints, config: ApiConfig) -> Result<Self, SetupError> {
        let metrics = Metrics::new()?;
        metrics
            .registry()
            .register(Box::new(agreement_collector::AgreementCollector::new(
                Arc::clone(footprints.agreement()),
            )?))?;
        let footprints = footprints.with_day_context_ttls(
            Duration::from_secs(config.latest_cache_ttl_s),
            Duration::from_secs(config.closed_cache_ttl_s),
        );
        Ok(AppState {
            shared: Arc::new(Shared {
                footprints,
                cache: EstimateCache::new(
                    Duration::from_secs(config.latest_cache_ttl_s),
                    Duration::from_secs(config.closed_cache_ttl_s),
                    config.cache_max_entries,
                ),
                unknown_txs: unknown_tx_cache::UnknownTxCache::new(
                    Duration::from_secs(config.unknown_tx_ttl_s),
                    config.unknown_tx_max_entries,
                ),
                rendered: rendered_cache::RenderedCache::new(
                    Duration::from_secs(config.latest_cache_ttl_s),
                    config.cache_max_entries,
                ),
                limiter: middleware::limiter(config.rate_limit_per_minute),
                limiter_calls: AtomicU64::new(0),
                chains_body: std::sync::RwLock::new(None),
                metrics,
                config,
            }),
            admin: None,
            lookup: None,
            ingest: None,
        })
    }

    /// Stored data changed (an import, a sync, a follower's day): nothing
    /// computed from the old data is served again, neither estimates nor
    /// the chain list's coverage.
    pub fn data_changed(&self) {
        self.footprints.data_changed();
        self.cache.clear();
        self.rendered.clear();
        *self.chains_body.write().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// Looks transactions missing from the store up at the chain's node
    /// (and writes them to the store).
    pub fn with_lookup(mut self, lookup: Arc<ChainLookup>) -> Self {
        self.lookup = Some(lookup);
        self
    }

    /// Exports the ingest counters on `/metrics` and lets `/readyz` check
    /// followed chains' block lag (`max_ingest_lag_blocks`).
    pub fn with_ingest(mut self, board: Arc<IngestBoard>) -> Result<Self, SetupError> {
        let collector = IngestCollector::new(Arc::clone(&board))?;
        self.metrics.registry().register(Box::new(collector))?;
        self.ingest = Some(board);
        Ok(self)
    }

    /// Exports whether this instance holds the store's lease
    /// (`blockwatt_lease_held` on `/metrics`).
    pub fn with_lease(self, held: tokio::sync::watch::Receiver<bool>) -> Result<Self, SetupError> {
        let collector = lease_collector::LeaseCollector::new(held)?;
        self.metrics.registry().register(Box::new(collector))?;
        Ok(self)
    }

    /// Wires the admin routes' actions (the routes also need `admin_token`).
    pub fn with_admin(mut self, admin: Arc<Admin>) -> Self {
        self.admin = Some(admin);
        self
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "blockwatt",
        description = "Energy, carbon, water and e-waste footprint of public blockchains, always with lower / best / upper bounds. Errors are RFC 9457 problem documents.",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    components(schemas(Problem)),
    tags(
        (name = "chains", description = "Supported chains and their data coverage"),
        (name = "footprint", description = "Chain-level estimates"),
        (name = "allocation", description = "Per-block and per-transaction shares"),
        (name = "mica", description = "MiCA sustainability indicators"),
        (name = "methodology", description = "Methods, formulas, parameters and sources"),
        (name = "widgets", description = "Badges and cards for websites"),
        (name = "indices", description = "Published daily indices: immutable, reproducible snapshots"),
    )
)]
struct ApiDoc;

fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(v1::chains))
        .routes(routes!(v1::footprint))
        .routes(routes!(v1::history))
        .routes(routes!(v1::inputs))
        .routes(routes!(v1::reconcile))
        .routes(routes!(v1::block_footprint))
        .routes(routes!(v1::transaction_footprint))
        .routes(routes!(v1::compare))
        .routes(routes!(v1::mica))
        .routes(routes!(v1::contract_footprint))
        .routes(routes!(v1::methodology))
        .routes(routes!(v1::method))
        .routes(routes!(widgets::badge_json))
        .routes(routes!(widgets::badge_svg))
        .routes(routes!(widgets::card))
        .routes(routes!(widgets::embed_js))
        .routes(routes!(widgets::card_js))
        .routes(routes!(indices::list))
        .routes(routes!(indices::one))
        .routes(routes!(indices::metadata))
}

/// The OpenAPI document under the default configuration.
pub fn openapi() -> utoipa::openapi::OpenApi {
    openapi_for(&ApiConfig::default())
}

/// The OpenAPI document, generated from the handlers' annotations and the
/// types they return, with the limits `config` sets.
pub fn openapi_for(config: &ApiConfig) -> utoipa::openapi::OpenApi {
    let (_, mut doc) = api_router().split_for_parts();
    // The crate version would churn the snapshot on every release bump.
    doc.info.version = "1".to_owned();
    openapi_constraints::apply(&mut doc, config);
    doc
}

pub fn router(state: AppState) -> Router {
    let (api, _) = api_router().split_for_parts();
    // Serialising a utoipa document cannot fail in practice (plain maps and
    // strings); if it ever does, say so rather than panic at start-up.
    let doc = Bytes::from(
        openapi_for(&state.config)
            .to_pretty_json()
            .unwrap_or_else(|e| {
                tracing::error!(error = %e, "could not serialise the OpenAPI document");
                String::from("{}")
            }),
    );
    let serve_doc = move |respond::CondHeaders(headers): respond::CondHeaders| {
        let doc = doc.clone();
        async move {
            respond::cached(
                &headers,
                doc,
                respond::JSON,
                None,
                respond::Freshness::Static,
            )
        }
    };
    let mut app = api
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(http_metrics::serve))
        .route("/openapi.json", get(serve_doc))
        .route("/docs", get(docs::page))
        // Pages for people: HTML, outside the API's OpenAPI document.
        .route("/", get(pages::landing))
        .route("/chains/{chain}", get(pages::chain_page))
        .route("/methodology", get(pages::methods))
        .route("/methodology/{method}", get(pages::method_page))
        .route("/methodology/catalogues/{name}", get(pages::catalogue))
        .route("/mica/{asset}", get(pages::mica))
        .route("/indices", get(pages::indices))
        .route("/indices/{date}", get(pages::index_page))
        .route("/widgets", get(pages::gallery))
        .route(blockwatt_web::STYLESHEET_PATH, get(pages::stylesheet))
        .route(blockwatt_web::ICON_PATH, get(pages::icon))
        .route("/oembed", get(pages::oembed));
    if state.config.admin_token.is_some() {
        let admin = Router::new()
            .route("/v1/admin/import", post(admin::import))
            .route("/v1/admin/backfill", post(admin::backfill))
            .route("/v1/admin/publish", post(admin::publish))
            .route("/v1/admin/jobs", get(admin::jobs))
            .route("/v1/admin/jobs/{id}", get(admin::job))
            .route_layer(from_fn_with_state(state.clone(), admin::require_token));
        app = app.merge(admin);
    }
    // Last added runs first; `GuardLayer` holds CORS, the limits, the
    // deadline, metrics, the tracing span and the problem `instance`.
    app.fallback(error::route_not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
        // Enforced while reading the body too: Content-Length may be absent.
        .layer(DefaultBodyLimit::max(state.config.max_body_bytes))
        .layer(middleware::GuardLayer::new(state.clone()))
        // Index bodies carry Repr-Digest and a strong ETag of the bytes as
        // stored; gzip would make both wrong, so those stay uncompressed.
        .layer(
            CompressionLayer::new().compress_when(DefaultPredicate::new().and(
                |_: StatusCode, _: Version, h: &HeaderMap, _: &Extensions| {
                    !h.contains_key(indices::REPR_DIGEST)
                },
            )),
        )
        .with_state(state)
}

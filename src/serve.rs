//! `blockwatt serve`: the HTTP API until SIGINT or SIGTERM.

use std::net::SocketAddr;
use std::sync::Arc;

use blockwatt_api::AppState;
use blockwatt_ingest::ChainClients;
use blockwatt_service::{follow, publish, Admin, ChainLookup, Footprints, Jobs};
use blockwatt_store::Store;

use crate::config::Settings;
use crate::SetupError;

pub async fn serve(settings: &Settings, store: Arc<dyn Store>) -> anyhow::Result<()> {
    let addr = settings.socket_addr();
    let mut api_config = settings.api.clone();
    // BLOCKWATT_ADMIN_TOKEN is the documented switch; [api].admin_token works too.
    if settings.admin_token.is_some() {
        api_config.admin_token.clone_from(&settings.admin_token);
    }
    let follower_store = Arc::clone(&store);
    let sync_store = Arc::clone(&store);
    let footprints = Footprints::new(Arc::clone(&store))
        .with_public_chains(&settings.public_chains)?
        .with_discloser(settings.mica.discloser())
        .with_tokens(settings.token_listings())?;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    // Followers and backfills count into it; /metrics and /readyz read it.
    let board = Arc::new(blockwatt_ingest::IngestBoard::default());
    // One client (rate limit, connection pool) per chain, for the
    // followers, the lookup and admin backfills alike. A followed chain
    // counts on the board (lookups of it included: they reach the same
    // node); another chain joins it when an admin backfill of it starts,
    // and until then its lookups stay out of /metrics.
    let clients = Arc::new(ChainClients::new(&settings.chains, |chain, cfg| {
        if cfg.enabled {
            board.counters(chain, cfg.kind.as_str(), true)
        } else {
            Arc::default()
        }
    }));
    let lookup = Arc::new(ChainLookup::new(&clients));
    let admin_store = Arc::clone(&store);
    let admin_wanted = api_config.admin_token.is_some();
    let jobs = Jobs::default();
    let footprints_for_publish = footprints.clone();
    let mut state = AppState::new(footprints, api_config)?
        .with_lookup(lookup)
        .with_ingest(Arc::clone(&board))?;
    // Without a token the admin routes do not exist, so nothing to wire.
    if admin_wanted {
        // A clone without the admin actions: no reference cycle.
        let cache_state = state.clone();
        let admin = Admin::new(
            settings.chains.clone(),
            settings.price_url.clone(),
            admin_store,
            Arc::clone(&clients),
            jobs.clone(),
            stopped.clone(),
        )
        .with_ingest_board(Arc::clone(&board))
        .with_import_dir(settings.import_dir.clone())
        .on_data_changed(Arc::new(move || cache_state.data_changed()));
        state = state.with_admin(Arc::new(admin));
    }
    let state_for_cache = state.clone();
    let app = blockwatt_api::router(state);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| SetupError::Listen {
            addr: addr.to_string(),
            reason: e.to_string(),
        })?;
    let local = listener.local_addr()?;
    tracing::info!(addr = %local, "serving; GET /healthz to check");
    if settings.publish.daily {
        let publisher = publish::Publisher::with_footprints(footprints_for_publish);
        let stop = stopped.clone();
        jobs.spawn("daily-publish".into(), async move {
            publish::daily(publisher, stop).await;
            blockwatt_service::jobs::JobEnd::Stopped("the server stopped".into())
        });
    }
    // New data (a follower's day, a provider's day) drops the cached
    // estimates made from the old at once.
    let cache_state = state_for_cache.clone();
    let on_changed: blockwatt_service::sources::OnDataChanged =
        Arc::new(move || cache_state.data_changed());
    // After the listener is bound: a slow or failing provider never delays
    // the API.
    match blockwatt_service::SourceSync::new(Arc::clone(&sync_store), &settings.sources)? {
        Some(sync) => {
            tracing::info!("syncing daily inputs from the public data providers");
            sync.on_data_changed(Arc::clone(&on_changed))
                .with_agreement(Arc::clone(state_for_cache.footprints.agreement()))
                .spawn(&jobs, stopped.clone());
        }
        None => {
            tracing::info!("public data providers off ([sources] enabled = false or --offline)")
        }
    }
    let followers = follow::spawn_followers(
        &settings.chains,
        &settings.price_url,
        &clients,
        follower_store,
        stopped,
        Some(on_changed),
        Some(Arc::clone(state_for_cache.footprints.agreement())),
    );
    if !followers.is_empty() {
        tracing::info!(tasks = followers.len(), "following enabled chains");
    }
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    // Followers finish their current batch (written with its checkpoint)
    // and stop; a bound keeps a hung node from holding the exit.
    let _ = stop.send(true);
    let followers_done = async {
        for task in followers {
            if tokio::time::timeout(std::time::Duration::from_secs(15), task)
                .await
                .is_err()
            {
                tracing::warn!("a follower did not stop within 15 s");
            }
        }
    };
    // Admin jobs (and the daily publication) get the same bound, at the
    // same time; those still running are named in the log.
    let ((), unfinished) = tokio::join!(
        followers_done,
        jobs.wait(std::time::Duration::from_secs(15))
    );
    if !unfinished.is_empty() {
        tracing::warn!(?unfinished, "jobs abandoned at shutdown");
    }
    tracing::info!("shut down cleanly");
    Ok(())
}

/// Resolves on the first SIGINT (Ctrl-C) or SIGTERM (what `docker stop` and
/// systemd send): in-flight requests are finished, new ones refused.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("SIGINT received, shutting down"),
        () = terminate => tracing::info!("SIGTERM received, shutting down"),
    }
}

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
    let lease_store: Arc<dyn blockwatt_store::LeaseStore> = store.clone();
    let (keeper, lease_held) = blockwatt_service::lease::LeaseKeeper::new(
        lease_store,
        blockwatt_service::lease::holder_name(),
        settings.lease.clone(),
    );
    tracing::info!(
        holder = keeper.holder(),
        "this instance's name for the store's lease"
    );
    let mut state = AppState::new(footprints, api_config)?
        .with_lookup(lookup)
        .with_ingest(Arc::clone(&board))?
        .with_lease(lease_held)?;
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
    // New data (a follower's day, a provider's day) drops the cached
    // estimates made from the old at once.
    let cache_state = state_for_cache.clone();
    let on_changed: blockwatt_service::sources::OnDataChanged =
        Arc::new(move || cache_state.data_changed());
    // A configuration error in [sources] stops the start, not a later term.
    if blockwatt_service::SourceSync::new(Arc::clone(&sync_store), &settings.sources)?.is_none() {
        tracing::info!("public data providers off ([sources] enabled = false or --offline)");
    }
    // The background work runs on whichever instance holds the store's
    // lease, one term at a time; each term's tasks stop when it ends.
    let followers: Arc<std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>> = Arc::default();
    let start_term = {
        let publish_daily = settings.publish.daily;
        let sources = settings.sources.clone();
        let chains = settings.chains.clone();
        let price_url = settings.price_url.clone();
        let clients = Arc::clone(&clients);
        let jobs = jobs.clone();
        let agreement = Arc::clone(state_for_cache.footprints.agreement());
        let followers = Arc::clone(&followers);
        move |term: tokio::sync::watch::Receiver<bool>| {
            if publish_daily {
                let publisher = publish::Publisher::with_footprints(footprints_for_publish.clone());
                let stop = term.clone();
                jobs.spawn("daily-publish".into(), async move {
                    publish::daily(publisher, stop).await;
                    blockwatt_service::jobs::JobEnd::Stopped("the lease's term ended".into())
                });
            }
            // The registry's tokens' per-day sums, kept ahead of the first
            // MiCA disclosure that reads them (a store that keeps none
            // has nothing to do).
            if footprints_for_publish.store().keeps_contract_days() {
                let footprints = footprints_for_publish.clone();
                let stop = term.clone();
                jobs.spawn("token-days".into(), async move {
                    blockwatt_service::token_days::keep(footprints, stop).await;
                    blockwatt_service::jobs::JobEnd::Stopped("the lease's term ended".into())
                });
            }
            // After the listener is bound: a slow or failing provider never
            // delays the API.
            if let Ok(Some(sync)) =
                blockwatt_service::SourceSync::new(Arc::clone(&sync_store), &sources)
            {
                tracing::info!("syncing daily inputs from the public data providers");
                sync.on_data_changed(Arc::clone(&on_changed))
                    .with_agreement(Arc::clone(&agreement))
                    .spawn(&jobs, term.clone());
            }
            let tasks = follow::spawn_followers(
                &chains,
                &price_url,
                &clients,
                Arc::clone(&follower_store),
                term,
                Some(Arc::clone(&on_changed)),
                Some(Arc::clone(&agreement)),
            );
            if !tasks.is_empty() {
                tracing::info!(tasks = tasks.len(), "following enabled chains");
            }
            followers
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .extend(tasks);
        }
    };
    let keeper_task = tokio::spawn(keeper.run(stopped, start_term));
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    // Followers finish their current batch (written with its checkpoint)
    // and stop; a bound keeps a hung node from holding the exit.
    let _ = stop.send(true);
    // The keeper ends the term (every task's stop signal) and gives the
    // lease up, so another instance takes over at its next look.
    if tokio::time::timeout(std::time::Duration::from_secs(15), keeper_task)
        .await
        .is_err()
    {
        tracing::warn!("the lease keeper did not stop within 15 s");
    }
    let followers = std::mem::take(&mut *followers.lock().unwrap_or_else(|p| p.into_inner()));
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

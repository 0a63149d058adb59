//! The `blockwatt` binary: parses the command line, loads configuration and
//! wires the crates together. What it answers comes from the service layer
//! (`blockwatt-service`); here are only the command line (`cli`), the
//! configuration (`config`), the output of each command (`commands`) and
//! `serve`'s wiring (`serve`).

mod cli;
mod commands;
mod config;
mod serve;

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use blockwatt_store::{DatabaseUrl, Store, StoreError};
use clap::Parser;
use tracing_subscriber::EnvFilter;

use crate::cli::{Cli, Command, DbCommand, ImportSource};
use crate::config::{CliOverrides, LogFormat, Settings};

/// Exit code for "cannot start": bad configuration or unreachable storage.
const EXIT_SETUP: u8 = 2;

/// Errors that mean the setup is wrong rather than the work failed.
#[derive(Debug, thiserror::Error)]
enum SetupError {
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error(transparent)]
    Store(StoreError),
    #[error("cannot listen on {addr}: {reason}")]
    Listen { addr: String, reason: String },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let overrides = CliOverrides {
        log_format: cli.log_format,
        addr: match &cli.command {
            Command::Serve { addr, .. } => addr.clone(),
            _ => None,
        },
    };
    let settings = match Settings::load(cli.config.as_deref(), &overrides) {
        Ok(s) => s,
        Err(e) => return fail(&anyhow::Error::new(SetupError::Config(e))),
    };
    init_logging(settings.log_format);
    for key in &settings.ignored_env {
        tracing::warn!(
            variable = %format!("BLOCKWATT_{}", key.to_ascii_uppercase().replace('.', "__")),
            "not a configuration key; ignored (a platform's, such as Kubernetes' service variables, or a typo)"
        );
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return fail(&anyhow::Error::new(e).context("cannot start the async runtime")),
    };
    match runtime.block_on(run(cli.command, settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

/// One clear line on stderr, and exit code 2 for setup errors, 1 otherwise.
fn fail(e: &anyhow::Error) -> ExitCode {
    eprintln!(
        "error: {}",
        e.chain()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(": ")
    );
    if e.downcast_ref::<SetupError>().is_some() {
        ExitCode::from(EXIT_SETUP)
    } else {
        ExitCode::FAILURE
    }
}

fn init_logging(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // Colour codes only for a person at a terminal, not in files or journals.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

async fn run(command: Command, settings: Settings) -> anyhow::Result<()> {
    match command {
        Command::Serve { offline, .. } => {
            let mut settings = settings;
            if offline {
                settings.sources.enabled = false;
            }
            let store = open_store(&settings).await?;
            migrate(store.as_ref()).await?;
            serve::serve(&settings, store).await
        }
        Command::Sync { chain } => {
            let store = open_store(&settings).await?;
            migrate(store.as_ref()).await?;
            commands::sync::sync(store, &settings.sources, chain).await
        }
        Command::Ingest {
            chain,
            rpc,
            from,
            to,
            follow,
        } => {
            let cfg = commands::ingest::source_for(&settings, &chain, rpc.as_deref())?;
            let store = open_store(&settings).await?;
            migrate(store.as_ref()).await?;
            let range = blockwatt_ingest::IngestRange {
                from,
                to: to.height(),
            };
            commands::ingest::ingest(store, &cfg, &chain, range, follow, serve::shutdown_signal())
                .await
        }
        Command::Estimate(args) => {
            let store = open_store(&settings).await?;
            migrate(store.as_ref()).await?;
            commands::estimate::estimate(&blockwatt_service::Footprints::new(store), args).await
        }
        Command::Chains { format } => commands::estimate::chains(
            blockwatt_analytics::Catalogues::embedded(),
            &settings.sources,
            format,
        ),
        Command::Import {
            source:
                ImportSource::Coinmetrics {
                    chain,
                    file,
                    hashrate_unit,
                },
        } => {
            let store = open_store(&settings).await?;
            migrate(store.as_ref()).await?;
            let done = blockwatt_service::import::coinmetrics(
                store.as_ref(),
                &chain,
                &file,
                hashrate_unit.as_deref(),
                &blockwatt_service::import::FileAccess::Any,
            )
            .await?;
            println!(
                "imported {} days of {chain} ({} .. {}) from {file}",
                done.days, done.first, done.last
            );
            Ok(())
        }
        Command::Import {
            source: ImportSource::Price { chain, coin_id },
        } => {
            let store = open_store(&settings).await?;
            migrate(store.as_ref()).await?;
            let (coin, day, usd) = blockwatt_service::import::price(
                store,
                &settings.price_url,
                &chain,
                coin_id.as_deref(),
            )
            .await?;
            println!("{chain} ({coin}) on {day}: {usd} USD");
            Ok(())
        }
        Command::Mica {
            asset,
            from,
            to,
            allocation,
            format,
        } => {
            let store = open_store(&settings).await?;
            migrate(store.as_ref()).await?;
            let footprints = blockwatt_service::Footprints::new(store)
                .with_public_chains(&settings.public_chains)?
                .with_discloser(settings.mica.discloser())
                .with_tokens(settings.token_listings())?;
            // A token's transactions are counted at its host chains' nodes.
            let clients = blockwatt_ingest::ChainClients::new(&settings.chains, |_, _| {
                std::sync::Arc::default()
            });
            let lookup = blockwatt_service::ChainLookup::new(&clients);
            let today = chrono::Utc::now().date_naive();
            let period = blockwatt_service::Period::resolve(from, to, today);
            if period.end < period.start {
                anyhow::bail!("--from {} is after --to {}", period.start, period.end);
            }
            let d = footprints
                .mica(
                    &asset,
                    Some(period),
                    today,
                    allocation.as_deref(),
                    Some(&lookup),
                )
                .await?;
            match format {
                cli::MicaFormat::Json => println!("{}", serde_json::to_string_pretty(&d)?),
                cli::MicaFormat::Csv => {
                    use std::io::Write;
                    std::io::stdout().write_all(&d.to_csv()?)?;
                }
                cli::MicaFormat::Html => {
                    let doc = blockwatt_web::MicaDocument {
                        disclosure: &d,
                        asset_name: &d.asset_name,
                        generated: today,
                        json_url: None,
                        csv_url: None,
                    };
                    println!("{}", blockwatt_web::mica_document(&doc).into_string());
                }
            }
            Ok(())
        }
        Command::Publish {
            date,
            new_version,
            format,
        } => {
            let store = open_store(&settings).await?;
            migrate(store.as_ref()).await?;
            let footprints = blockwatt_service::Footprints::new(store)
                .with_public_chains(&settings.public_chains)?;
            let done = blockwatt_service::Publisher::with_footprints(footprints)
                .publish(date, new_version)
                .await?;
            match format {
                cli::PublishFormat::Json => println!("{}", serde_json::to_string(&done)?),
                cli::PublishFormat::Table => match done.status {
                    blockwatt_service::publish::Status::Published => println!(
                        "published index {} version {} ({} chains), sha256 {}",
                        done.date, done.version, done.chains, done.sha256
                    ),
                    blockwatt_service::publish::Status::Unchanged => println!(
                        "index {} version {} already published, unchanged (sha256 {})",
                        done.date, done.version, done.sha256
                    ),
                },
            }
            Ok(())
        }
        Command::Db {
            command: DbCommand::Migrate,
        } => {
            let store = open_store(&settings).await?;
            let applied = migrate(store.as_ref()).await?;
            let all = store.applied_migrations().await?;
            if applied.is_empty() {
                println!(
                    "schema is up to date ({} migrations applied before)",
                    all.len()
                );
            } else {
                println!(
                    "applied migrations {applied:?}; schema now at version {}",
                    all.last().copied().unwrap_or(0)
                );
            }
            Ok(())
        }
    }
}

/// Opens the configured store; any failure here is a setup error.
async fn open_store(settings: &Settings) -> anyhow::Result<Arc<dyn Store>> {
    let url = DatabaseUrl::parse(&settings.database_url).map_err(SetupError::Store)?;
    let store = blockwatt_store::open(&url)
        .await
        .map_err(SetupError::Store)?;
    tracing::info!(database = %url, backend = store.backend(), "store opened");
    Ok(store)
}

async fn migrate(store: &dyn Store) -> anyhow::Result<Vec<u32>> {
    let applied = store.migrate().await.map_err(|e| {
        if e.is_unavailable() {
            anyhow::Error::new(SetupError::Store(e))
        } else {
            anyhow::Error::new(e)
        }
    });
    let applied = applied.context("cannot apply schema migrations")?;
    if !applied.is_empty() {
        tracing::info!(?applied, "applied schema migrations");
    }
    Ok(applied)
}

//! The command line: one subcommand per job.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::config::LogFormat;

#[derive(Debug, Parser)]
#[command(
    name = "blockwatt",
    version,
    about = "Open measurement of the energy, carbon, water and e-waste footprint of public blockchains"
)]
pub struct Cli {
    /// Configuration file layered over the built-in defaults.
    #[arg(long, global = true, env = "BLOCKWATT_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Log format on stderr (overrides `log_format`). RUST_LOG sets the level.
    #[arg(long, global = true, value_enum)]
    pub log_format: Option<LogFormat>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the HTTP API (applies pending migrations first).
    Serve {
        /// Listen address (overrides `addr` / BLOCKWATT_ADDR).
        #[arg(long)]
        addr: Option<String>,
    },
    /// Load daily metrics from a file into the store.
    Import {
        #[command(subcommand)]
        source: ImportSource,
    },
    /// Database maintenance.
    Db {
        #[command(subcommand)]
        command: DbCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Apply pending schema migrations (safe to run again).
    Migrate,
}

#[derive(Debug, Subcommand)]
pub enum ImportSource {
    /// A Coin Metrics community CSV (csv/<asset>.csv of coinmetrics/data).
    /// The whole file is checked before anything is written.
    Coinmetrics {
        /// Chain slug the file describes (bitcoin, ethereum, ...).
        #[arg(long)]
        chain: String,
        /// Path of the CSV file.
        #[arg(long, value_name = "PATH")]
        file: PathBuf,
        /// Unit of the HashRate column (H, KH, MH, GH, TH, PH, EH); the
        /// default is the documented unit for the chain.
        #[arg(long, value_name = "UNIT")]
        hashrate_unit: Option<String>,
    },
}

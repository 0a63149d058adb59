//! The command line: one subcommand per job.

use std::path::PathBuf;

use chrono::NaiveDate;
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
        /// Do not sync daily inputs from the public data providers
        /// (as `[sources] enabled = false`).
        #[arg(long)]
        offline: bool,
    },
    /// Bring every chain with a public data provider (or one chain) to the
    /// last complete UTC day, history included, once. Exit code 1 when a
    /// chain could not be synced (the others are stored all the same).
    Sync {
        /// Only this chain.
        #[arg(long)]
        chain: Option<String>,
    },
    /// Pull blocks from a chain's configured source into the store, then
    /// aggregate the days they cover. Resumes from the last checkpoint.
    Ingest {
        /// Chain slug with a [chains.SLUG] source in the configuration.
        #[arg(long)]
        chain: String,
        /// Node URL, over the configured one.
        #[arg(long, value_name = "URL")]
        rpc: Option<String>,
        /// First height (a stored checkpoint above it wins).
        #[arg(long, default_value_t = 0)]
        from: u64,
        /// Last height, or `latest`.
        #[arg(long, value_parser = parse_to, default_value = "latest")]
        to: UpTo,
        /// Keep following new blocks until Ctrl-C / SIGTERM.
        #[arg(long)]
        follow: bool,
    },
    /// Footprint estimates from stored daily metrics: one day or a series.
    Estimate(EstimateArgs),
    /// The chains blockwatt knows, with the method and inputs each uses.
    Chains {
        #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
        format: OutputFormat,
    },
    /// Load daily metrics from a file into the store.
    Import {
        #[command(subcommand)]
        source: ImportSource,
    },
    /// Freeze a day's estimates of every chain into a published index.
    ///
    /// The index is immutable and reproducible (served at
    /// /v1/indices/DATE). Publishing the same content again changes
    /// nothing; changed inputs need --new-version. Exit code 0 when
    /// published or unchanged.
    Publish {
        /// The day (UTC) to publish; yesterday by default.
        #[arg(long, value_parser = parse_date)]
        date: Option<chrono::NaiveDate>,
        /// When the day is published already and its inputs have changed,
        /// publish the next version (the earlier one stays as it is).
        #[arg(long)]
        new_version: bool,
        #[arg(long, value_enum, default_value_t = PublishFormat::Table)]
        format: PublishFormat,
    },
    /// MiCA sustainability disclosure of a crypto-asset (Delegated
    /// Regulation (EU) 2025/422): every field of the Annex, S.1 to S.36.
    /// The period defaults to the last full calendar year.
    Mica {
        /// The crypto-asset: a chain's native coin by the chain's slug, or
        /// a listed token's id (`config/catalogues/assets.csv`, `[assets.ID]`).
        #[arg(long)]
        asset: String,
        /// A token's part of each host chain: its share of the
        /// transactions (default) or of the gas.
        #[arg(long, value_parser = ["transactions", "gas"])]
        allocation: Option<String>,
        /// First day; alone, the period runs to the end of its year.
        #[arg(long, value_parser = parse_date)]
        from: Option<NaiveDate>,
        /// Last day; alone, the period starts on 1 January of its year.
        #[arg(long, value_parser = parse_date)]
        to: Option<NaiveDate>,
        #[arg(long, value_enum, default_value_t = MicaFormat::Json)]
        format: MicaFormat,
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
        /// Path or http(s) URL of the CSV file.
        #[arg(long, value_name = "PATH_OR_URL")]
        file: String,
        /// Unit of the HashRate column (H, KH, MH, GH, TH, PH, EH); the
        /// default is the documented unit for the chain.
        #[arg(long, value_name = "UNIT")]
        hashrate_unit: Option<String>,
    },
    /// Today's USD price from a CoinGecko-compatible `/simple/price`
    /// endpoint (`price_url`), so block-derived coin amounts get USD values.
    Price {
        /// Chain slug.
        #[arg(long)]
        chain: String,
        /// The coin's id at the price source (default: derived from the chain).
        #[arg(long, value_name = "ID")]
        coin_id: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Json,
    Csv,
    Table,
}

/// `json` and `csv` as the API serves them; `html` the document of `/mica/{asset}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MicaFormat {
    Json,
    Csv,
    Html,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PublishFormat {
    Json,
    Table,
}

#[derive(Debug, clap::Args)]
pub struct EstimateArgs {
    /// Chain slug (see `blockwatt chains`).
    #[arg(long)]
    pub chain: String,
    /// One day (default: the latest stored day).
    #[arg(long, value_parser = parse_date)]
    pub date: Option<chrono::NaiveDate>,
    /// First day of a daily series.
    #[arg(long, value_parser = parse_date)]
    pub from: Option<chrono::NaiveDate>,
    /// Last day of the series (default: the latest stored day).
    #[arg(long, value_parser = parse_date)]
    pub to: Option<chrono::NaiveDate>,
    /// cbeci-v1, hardware, economic or pos-nodes (default: the chain's own).
    #[arg(long)]
    pub method: Option<String>,
    /// Electricity price, USD/kWh (default 0.05).
    #[arg(long)]
    pub price: Option<f64>,
    /// Best-guess PUE (default 1.10; the bounds widen to include it).
    #[arg(long)]
    pub pue: Option<f64>,
    /// json: one object (a series: one per line); csv: one row per day; table: for people.
    #[arg(long, value_enum, default_value_t = OutputFormat::Json)]
    pub format: OutputFormat,
    /// sensitivity: each parameter moved across its stated range, ranked by
    /// how much it moves the day's best figure; distribution: percentiles
    /// of a seeded 10,000-draw Monte Carlo over those ranges (one day only).
    #[arg(long, value_enum)]
    pub explain: Option<Explain>,
}

/// What `--explain` adds to a day's estimate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Explain {
    Sensitivity,
    Distribution,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn command_line_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }
}

/// `--to` on the command line: a height or `latest`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpTo {
    Latest,
    Height(u64),
}

impl UpTo {
    pub fn height(self) -> Option<u64> {
        match self {
            UpTo::Latest => None,
            UpTo::Height(h) => Some(h),
        }
    }
}

pub fn parse_to(s: &str) -> Result<UpTo, String> {
    if s == "latest" {
        return Ok(UpTo::Latest);
    }
    s.parse()
        .map(UpTo::Height)
        .map_err(|_| format!("{s:?} is neither a block height nor `latest`"))
}

/// Parses a `YYYY-MM-DD` argument.
pub fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("{s:?} is not a date like 2020-07-27"))
}

//! Ingestion: everything that brings outside data into the store.
//!
//! * [`source::Source`] — one trait per chain client; responses are parsed
//!   into domain types at the edge ([`evm`], [`bitcoin_rpc`], [`esplora`]).
//! * [`rpc`] — the shared HTTP edge: batching, rate limit, retries.
//! * [`pipeline`] — resumable, reorg-safe ingestion ([`run_ingest`]).
//! * [`daily`] — blocks → `DailyMetrics`.
//! * [`nodes`] — validator and node counts (HTTP JSON count, Solana, beacon).

pub mod bitcoin_rpc;
pub mod config;
pub mod daily;
pub mod error;
pub mod esplora;
pub mod evm;
pub mod metrics;
pub mod nodes;
pub mod pipeline;
pub mod rpc;
pub mod source;

pub use config::{ChainSourceConfig, SourceKind};
pub use error::{IngestError, SourceError, SourceErrorKind};
pub use metrics::{CountersSnapshot, IngestCounters};
pub use pipeline::{ingest, run_ingest, IngestOptions, IngestRange, IngestReport, Ingester};
pub use source::{FetchedBlock, Source};

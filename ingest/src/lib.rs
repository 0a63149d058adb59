//! Ingestion: everything that brings outside data into the store.
//!
//! * [`source::Source`] — one trait per chain client; responses are parsed
//!   into domain types at the edge ([`evm`] via the lean [`evm_decode`] on alloy's primitives,
//!   [`bitcoin_rpc`], [`esplora`]). Nothing downstream sees raw JSON.
//! * [`rpc`] — the shared HTTP edge: JSON-RPC batches that halve on failure
//!   and grow back, a governor rate limit, a bound on requests in flight,
//!   retries with exponential backoff + jitter honouring Retry-After.
//! * [`pipeline`] — resumable, reorg-safe ingestion. One entry point,
//!   [`Ingester::run`] (an [`Ingester`] keeps [`IngestCounters`] for
//!   `/metrics`); [`run_ingest`] builds one from configuration and runs it.
//! * [`clients`] — one shared client per configured chain, for followers,
//!   lookups and backfills alike.
//!   [`batch_plan`] splits a pass into fetches (small at both ends).
//! * [`daily`] — stored blocks → `DailyMetrics` (hashrate from difficulty).
//! * [`nodes`] — validator and node counts (HTTP JSON count, Solana, beacon).
//!
//! * [`sources`] — daily inputs from public data providers (Coin Metrics
//!   API v4), synced by `serve` and `blockwatt sync`.
//!
//! `coinmetrics` (the Coin Metrics CSV importer) lives beside these.

pub mod batch_plan;
pub mod bitcoin_rpc;
pub mod block_headers;
pub mod clients;
pub mod coinmetrics;
pub mod config;
pub mod contract_logs;
pub mod counters;
pub mod daily;
pub mod dash;
pub mod error;
pub mod esplora;
pub mod evm;
pub mod evm_decode;
pub mod nodes;
pub mod pipeline;
pub mod prices;
pub mod retry_after;
pub mod rpc;
pub mod source;
pub mod sources;

pub use clients::{ChainClient, ChainClients};
pub use config::{ChainSourceConfig, ConfigRangeError, SourceKind};
pub use counters::{ChainCounters, CountersSnapshot, IngestBoard, IngestCounters};
pub use error::{IngestError, SourceError, SourceErrorKind};
pub use pipeline::{run_ingest, IngestOptions, IngestRange, IngestReport, Ingester};
pub use source::{FetchedBlock, Source};

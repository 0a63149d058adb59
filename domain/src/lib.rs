//! The shared vocabulary of blockwatt: plain data, no I/O and no behaviour
//! beyond validation. Every other crate speaks in these types, so the
//! storage backends, the ingesters, the models and the API cannot drift
//! apart on what a "block" or a "daily metric" is.

pub mod block;
pub mod chain;
pub mod checkpoint;
pub mod daily_metrics;
pub mod estimate;
pub mod index;
pub mod lei;

pub use block::{Block, BlockBatch, BlockLogs, ContractUse, Transaction};
pub use chain::{validate_chain_slug, InvalidChainSlug};
pub use checkpoint::Checkpoint;
pub use daily_metrics::{merge_sources, DailyMetrics};
pub use estimate::{Basis, Bounds, Estimate, PerTransaction};
pub use index::IndexSnapshot;
pub use lei::{validate_lei, InvalidLei};

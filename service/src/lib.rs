//! blockwatt's application layer: every question the interfaces ask (the
//! API, the pages and widgets, the CLI and the publisher) is answered here,
//! so they cannot disagree.
//!
//! Where each concern lives:
//! - [`footprints`] — a chain's estimate for a day or a series: the store's
//!   daily metrics (which source wins) through the analytics models;
//! - [`allocation`] — that day shared out to one block or transaction;
//! - [`mica`] — MiCA sustainability indicators over a period;
//! - [`chains`], [`methodology`] — what is supported and how it is computed;
//! - [`publish`], [`index_document`] — the immutable daily index;
//! - [`follow`] — following chains: blocks in, days aggregated, prices;
//! - [`inputs`] — a day's inputs per source, and where our own figures
//!   and a provider's disagree (with the board `/metrics` exports);
//! - [`records`] — stored blocks, transactions, coverage and indices as the
//!   interfaces read them (the API's only way to the store);
//! - [`lookup`] — transactions the store lacks, from the chain's node;
//! - [`sources`] — every chain current from the public data providers
//!   (`serve`'s background sync, `blockwatt sync`);
//! - [`import`] — Coin Metrics files and prices into the store;
//! - [`admin`], [`jobs`] — operator actions as tracked background jobs.
//!
//! Dependencies point one way: this crate uses `store`, `analytics` and
//! `ingest`; `api` and the binary use this crate.

#![warn(unreachable_pub)]

pub mod admin;
pub mod allocation;
pub mod chains;
pub mod contract_sample;
pub mod contracts;
mod day_contexts;
mod error;
pub mod follow;
pub mod footprints;
pub mod import;
pub mod index_document;
pub mod inputs;
pub mod jobs;
pub mod lease;
pub mod lookup;
pub mod methodology;
pub mod mica;
pub mod publish;
pub mod reconcile;
pub mod records;
pub mod sources;
pub mod token_days;

pub use admin::{
    Accepted, Admin, AdminError, BackfillRequest, ImportRequest, PublishRequest, Published,
};
pub use allocation::{Allocated, Allocation};
pub use blockwatt_analytics::assets::TokenListing;
pub use blockwatt_analytics::catalogue::GENERATION_SOURCES;
/// The MiCA disclosure as the models write it (the API serves it as is).
pub use blockwatt_analytics::mica::{BasisDays, Threshold};
pub use blockwatt_analytics::{Discloser, Disclosure, DisclosureField, FieldPart, Period};
pub use chains::ChainInfo;
pub use contract_sample::NodeSample;
pub use contracts::{ContractAllocation, ContractDay, ContractFootprint};
pub use error::ServiceError;
pub use footprints::{EstimateParams, Footprints};
pub use index_document::{IndexDocument, IndexEntry, INDEX_NAME};
pub use jobs::{JobState, JobStatus, Jobs};
pub use lookup::{ChainLookup, LookupError};
pub use methodology::{CatalogueInfo, MethodDescription, ParameterInfo};
pub use publish::Publisher;
pub use reconcile::{OurFigure, Reconciled};
pub use records::LookedUp;
pub use sources::SourceSync;

/// Re-exported so the interfaces need not depend on `analytics` or
/// `ingest` for them.
pub use blockwatt_analytics::{
    Catalogues, Consensus, Distribution, SensitivityRow, ELECTRICITY_PRICE_RANGE, PUE_RANGE,
};
pub use blockwatt_ingest::{ChainCounters, CountersSnapshot, IngestBoard};

//! Ingestion: everything that brings outside data into the store.
pub mod coinmetrics;

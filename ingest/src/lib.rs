//! Ingestion: everything that brings outside data into the store.

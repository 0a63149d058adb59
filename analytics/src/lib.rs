//! Pure footprint models (no I/O, no async).

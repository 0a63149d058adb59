//! The subcommands that do more than call one service function.

pub mod estimate;
pub mod ingest;
pub mod sync;

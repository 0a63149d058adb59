use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    /// The URL is printed redacted: never a password in a log line.
    #[error("invalid database URL {url}: {reason}")]
    InvalidUrl { url: String, reason: String },
    #[error("cannot open SQLite database at {path}: {reason}")]
    Open { path: String, reason: String },
    #[error("cannot reach ClickHouse at {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("ClickHouse: {0}")]
    ClickHouse(#[from] ::clickhouse::error::Error),
    #[error("invalid data: {0}")]
    Invalid(String),
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("stored data cannot be read: {0}")]
    Corrupt(String),
    #[error("storage task failed: {0}")]
    Task(String),
}

impl StoreError {
    /// True for errors that mean "the store is not there", as opposed to a
    /// bad query or bad data: start-up reports these and exits with code 2.
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            StoreError::InvalidUrl { .. }
                | StoreError::Open { .. }
                | StoreError::Unreachable { .. }
        )
    }
}

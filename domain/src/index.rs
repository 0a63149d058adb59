use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A published daily index: immutable once written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexSnapshot {
    pub date: NaiveDate,
    pub version: u32,
    /// Unix seconds.
    pub created_at: i64,
    /// Hex SHA-256 of `body`, so a reader can check a copy.
    pub sha256: String,
    /// The snapshot document (JSON).
    pub body: String,
}

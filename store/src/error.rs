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
    ClickHouse(::clickhouse::error::Error),
    /// Every replica of a shard failed: what it holds cannot be read, and
    /// the query is refused rather than answered from the other shards.
    #[error("a shard of the ClickHouse cluster is unavailable: none of its replicas ({}) answered, so its rows cannot be read and nothing is answered without them", replicas.join(", "))]
    ShardUnavailable { replicas: Vec<String> },
    /// Replicated tables refuse writes while their server has no ZooKeeper
    /// session; nothing of the refused write is stored.
    #[error("the ClickHouse cluster refuses writes: its servers lost their ZooKeeper session, so the replicated tables are read-only until it is back (nothing of this write was stored): {0}")]
    NoCoordination(String),
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

impl From<::clickhouse::error::Error> for StoreError {
    /// Picks out the cluster's faults by the server's error codes (the
    /// codes are ClickHouse's, stable across releases): 279
    /// ALL_CONNECTION_TRIES_FAILED, 242 TABLE_IS_READ_ONLY, 225
    /// NO_ZOOKEEPER, 999 KEEPER_EXCEPTION.
    fn from(e: ::clickhouse::error::Error) -> Self {
        let text = e.to_string();
        let code =
            |n: u32| text.contains(&format!("Code: {n},")) || text.contains(&format!("Code: {n}."));
        if code(279) {
            StoreError::ShardUnavailable {
                replicas: refused_addresses(&text),
            }
        } else if code(242) || code(225) || code(999) {
            let first_line = text.lines().next().unwrap_or_default().to_owned();
            StoreError::NoCoordination(first_line)
        } else {
            StoreError::ClickHouse(e)
        }
    }
}

/// The distinct `host:port`s a "Connection refused (host:port)" names.
fn refused_addresses(text: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for part in text.split('(').skip(1) {
        let Some(inside) = part.split(')').next() else {
            continue;
        };
        let looks_like_address = inside
            .rsplit_once(':')
            .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok());
        if looks_like_address && !found.iter().any(|f| f == inside) {
            found.push(inside.to_owned());
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::refused_addresses;

    #[test]
    /// The text is what ClickHouse 18.16 answered with shard 2 of the
    /// local cluster killed (tests/cluster_faults.rs).
    fn the_replicas_that_refused_are_named_once_each() {
        let text = "Code: 279, e.displayText() = DB::NetException: All connection tries failed. Log: \n\n\
            Code: 32, e.displayText() = DB::Exception: Attempt to read after eof\n\
            Code: 210, e.displayText() = DB::NetException: Connection refused (127.0.0.1:38325), e.what() = DB::NetException\n\
            Code: 210, e.displayText() = DB::NetException: Connection refused (127.0.0.1:41545), e.what() = DB::NetException\n\
            Code: 210, e.displayText() = DB::NetException: Connection refused (127.0.0.1:38325), e.what() = DB::NetException";
        assert_eq!(
            refused_addresses(text),
            vec!["127.0.0.1:38325", "127.0.0.1:41545"]
        );
    }
}

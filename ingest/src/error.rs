//! Errors of the ingesters. A source error always names the source, the
//! method and (when known) the height, so a log line is enough to find the
//! bad response again.

use std::fmt;

use thiserror::Error;

/// What went wrong with one source call.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum SourceErrorKind {
    #[error("HTTP status {status}")]
    Http { status: u16 },
    #[error("rate limited (HTTP 429) after all retries")]
    RateLimited,
    #[error("timed out")]
    Timeout,
    #[error("transport: {0}")]
    Transport(String),
    #[error("malformed response: {0}")]
    Malformed(String),
    #[error("JSON-RPC error {code}: {message}")]
    Rpc { code: i64, message: String },
    #[error("wrong chain: configured chain id {expected}, node reports {got}")]
    WrongChain { expected: u64, got: u64 },
    #[error("inconsistent response: {0}")]
    Inconsistent(String),
    #[error("not found")]
    NotFound,
    /// The request was refused before reaching the source (a malformed id).
    #[error("invalid request: {0}")]
    InvalidRequest(String),
}

impl SourceErrorKind {
    /// Worth retrying the same request later: the server or the path was
    /// the problem, not the request.
    pub fn is_transient(&self) -> bool {
        match self {
            SourceErrorKind::Http { status } => *status == 429 || *status >= 500,
            SourceErrorKind::RateLimited
            | SourceErrorKind::Timeout
            | SourceErrorKind::Transport(_)
            // A truncated body is usually a dropped connection or a proxy
            // size limit: a retry (then a smaller batch) often fixes it.
            | SourceErrorKind::Malformed(_) => true,
            // -32005 is the common "limit exceeded" code of public nodes.
            SourceErrorKind::Rpc { code, .. } => *code == -32005 || *code == 429,
            _ => false,
        }
    }
}

/// One failed call to a source.
#[derive(Debug, Error, Clone, PartialEq)]
pub struct SourceError {
    /// Source kind and endpoint, e.g. `evm http://127.0.0.1:8545` (never
    /// credentials: the URL is stripped of user info).
    pub source_name: String,
    pub method: String,
    pub height: Option<u64>,
    pub kind: SourceErrorKind,
}

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.source_name, self.method)?;
        if let Some(h) = self.height {
            write!(f, " at height {h}")?;
        }
        write!(f, ": {}", self.kind)
    }
}

impl SourceError {
    pub fn new(
        source_name: &str,
        method: &str,
        height: Option<u64>,
        kind: SourceErrorKind,
    ) -> Self {
        SourceError {
            source_name: source_name.to_owned(),
            method: method.to_owned(),
            height,
            kind,
        }
    }

    pub fn at(mut self, height: u64) -> Self {
        self.height = Some(height);
        self
    }
}

/// Why an ingest run stopped.
#[derive(Debug, Error)]
pub enum IngestError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error("store: {0}")]
    Store(#[from] blockwatt_store::StoreError),
    #[error(
        "reorg deeper than {depth} blocks on {chain}: no common ancestor found between heights {lowest} and {highest}; \
         raise reorg_depth or roll back by hand"
    )]
    ReorgTooDeep {
        chain: String,
        depth: u64,
        lowest: u64,
        highest: u64,
    },
    #[error("configuration: {0}")]
    Config(String),
    #[error("ingest task failed: {0}")]
    Task(String),
}

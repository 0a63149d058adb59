//! Imports (`blockwatt import …` and the admin route): files and price
//! APIs into the store, all or nothing.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::AsyncReadExt;

use blockwatt_ingest::coinmetrics::{self, HashrateUnit};
use blockwatt_store::{Store, StoreError};
use chrono::NaiveDate;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ImportError {
    #[error(transparent)]
    Chain(#[from] blockwatt_domain::InvalidChainSlug),
    #[error("cannot open {file}: {reason}")]
    Open { file: String, reason: String },
    /// The admin route reads files only inside the configured import
    /// directory; the answer does not say whether the path exists.
    #[error("{0}")]
    NotAllowed(String),
    #[error("{file} is larger than {limit} bytes; nothing was imported")]
    TooLarge { file: String, limit: u64 },
    #[error("{file} is not a valid Coin Metrics CSV; nothing was imported: {reason}")]
    Invalid { file: String, reason: String },
    #[error("{0} holds no rows; nothing was imported")]
    Empty(String),
    #[error("{0}")]
    Source(String),
    #[error("cannot write daily metrics: {0}")]
    Store(#[from] StoreError),
}

/// The largest file or download an import reads: a Coin Metrics history is
/// a few MB; anything near this is a mistake (or `/dev/zero`).
pub const MAX_IMPORT_BYTES: u64 = 64 * 1024 * 1024;

/// Which files an import may read.
#[derive(Debug, Clone)]
pub enum FileAccess {
    /// Any path: the command line, run by the machine's own user.
    Any,
    /// Regular files inside this directory only: the admin route, asked
    /// over the network. `None`: no directory configured, no files at all.
    Within(Option<PathBuf>),
}

/// What an import wrote.
#[derive(Debug, Clone)]
pub struct Imported {
    pub days: usize,
    pub first: NaiveDate,
    pub last: NaiveDate,
}

pub async fn coinmetrics(
    store: &dyn Store,
    chain: &str,
    file: &str,
    hashrate_unit: Option<&str>,
    access: &FileAccess,
) -> Result<Imported, ImportError> {
    blockwatt_domain::validate_chain_slug(chain)?;
    let invalid = |reason: String| ImportError::Invalid {
        file: file.to_owned(),
        reason,
    };
    let unit = hashrate_unit
        .map(HashrateUnit::parse)
        .transpose()
        .map_err(|e| invalid(e.to_string()))?;
    let bytes = if file.starts_with("http://") || file.starts_with("https://") {
        coinmetrics::download(file, Duration::from_secs(120), MAX_IMPORT_BYTES)
            .await
            .map_err(|e| ImportError::Source(e.to_string()))?
    } else {
        read_file(file, access).await?
    };
    let rows =
        coinmetrics::parse(chain, bytes.as_slice(), unit).map_err(|e| invalid(e.to_string()))?;
    let (first, last) = match (rows.first(), rows.last()) {
        (Some(f), Some(l)) => (f.day, l.day),
        _ => return Err(ImportError::Empty(file.to_owned())),
    };
    store.write_daily_metrics(&rows).await?;
    Ok(Imported {
        days: rows.len(),
        first,
        last,
    })
}

/// `blockwatt import price`: today's (UTC) USD price for `chain`.
pub async fn price(
    store: Arc<dyn Store>,
    url: &str,
    chain: &str,
    coin_id: Option<&str>,
) -> Result<(String, NaiveDate, f64), ImportError> {
    blockwatt_domain::validate_chain_slug(chain)?;
    let coin = coin_id.unwrap_or_else(|| blockwatt_ingest::prices::coin_id(chain));
    let usd = blockwatt_ingest::prices::fetch_usd_price(url, coin, Duration::from_secs(30))
        .await
        .map_err(|e| ImportError::Source(e.to_string()))?;
    let today = chrono::Utc::now().date_naive();
    blockwatt_ingest::prices::record_price(&store, chain, today, usd)
        .await
        .map_err(|e| ImportError::Source(e.to_string()))?;
    Ok((coin.to_owned(), today, usd))
}

/// Reads `file` through the async runtime (a slow disk or a FIFO never
/// holds an API worker), refusing what is not a regular file, what lies
/// outside the allowed directory, and more than [`MAX_IMPORT_BYTES`].
async fn read_file(file: &str, access: &FileAccess) -> Result<Vec<u8>, ImportError> {
    let path = match access {
        FileAccess::Any => PathBuf::from(file),
        FileAccess::Within(None) => {
            return Err(ImportError::NotAllowed(
                "this server imports no files: set import_dir (BLOCKWATT_IMPORT_DIR) to the directory it may read, or give an http(s) URL".into(),
            ))
        }
        FileAccess::Within(Some(dir)) => within(dir, file).await?,
    };
    let open_err = |e: std::io::Error| match access {
        FileAccess::Any => ImportError::Open {
            file: file.to_owned(),
            reason: e.to_string(),
        },
        // Over the network: the same words whether it is missing or not.
        FileAccess::Within(_) => not_readable(file),
    };
    let meta = tokio::fs::metadata(&path).await.map_err(open_err)?;
    if !meta.is_file() {
        return Err(match access {
            FileAccess::Any => ImportError::Open {
                file: file.to_owned(),
                reason: "not a regular file".into(),
            },
            FileAccess::Within(_) => not_readable(file),
        });
    }
    if meta.len() > MAX_IMPORT_BYTES {
        return Err(ImportError::TooLarge {
            file: file.to_owned(),
            limit: MAX_IMPORT_BYTES,
        });
    }
    let f = tokio::fs::File::open(&path).await.map_err(open_err)?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    f.take(MAX_IMPORT_BYTES + 1)
        .read_to_end(&mut bytes)
        .await
        .map_err(open_err)?;
    if bytes.len() as u64 > MAX_IMPORT_BYTES {
        return Err(ImportError::TooLarge {
            file: file.to_owned(),
            limit: MAX_IMPORT_BYTES,
        });
    }
    Ok(bytes)
}

/// `file` as a path inside `dir` (relative to it, or absolute within
/// it), with every link resolved, so `..` and links cannot leave it.
async fn within(dir: &Path, file: &str) -> Result<PathBuf, ImportError> {
    let root = tokio::fs::canonicalize(dir)
        .await
        .map_err(|_| ImportError::NotAllowed("the import directory is not readable".into()))?;
    let asked = Path::new(file);
    let joined = if asked.is_absolute() {
        asked.to_path_buf()
    } else {
        root.join(asked)
    };
    let resolved = tokio::fs::canonicalize(&joined)
        .await
        .map_err(|_| not_readable(file))?;
    if !resolved.starts_with(&root) {
        return Err(not_readable(file));
    }
    Ok(resolved)
}

fn not_readable(file: &str) -> ImportError {
    ImportError::NotAllowed(format!(
        "{file:?} is not a readable regular file inside the import directory"
    ))
}

//! Imports (`blockwatt import …` and the admin route): files and price
//! APIs into the store, all or nothing.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::AsyncReadExt;

use blockwatt_analytics::catalogue::ChainProfile;
use blockwatt_domain::DailyMetrics;
use blockwatt_ingest::coinmetrics::{self, HashrateUnit};
use blockwatt_store::{Store, StoreError};
use chrono::NaiveDate;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ImportError {
    #[error(transparent)]
    Chain(#[from] blockwatt_domain::InvalidChainSlug),
    /// Rows for a chain the catalogue lacks would never be estimated, and
    /// are most often a typo of one it has.
    #[error("{chain:?} is not a chain of the catalogue (config/catalogues/chains.csv); nothing was imported. Known chains: {known}")]
    UnknownChain { chain: String, known: String },
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
    let profile = catalogue_chain(chain)?;
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
    fits_the_chain(profile, &rows).map_err(invalid)?;
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
    catalogue_chain(chain)?;
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

/// The catalogue's profile of `chain`, after its slug's shape is checked.
fn catalogue_chain(chain: &str) -> Result<&'static ChainProfile, ImportError> {
    blockwatt_domain::validate_chain_slug(chain)?;
    let catalogues = blockwatt_analytics::Catalogues::embedded();
    catalogues
        .chain(chain)
        .map_err(|_| ImportError::UnknownChain {
            chain: chain.to_owned(),
            known: catalogues
                .chains
                .iter()
                .map(|c| c.slug.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        })
}

/// Refuses a file that cannot describe `chain`: a day before the chain's
/// first (no figure exists for it, and it is most often another chain's
/// file, as Bitcoin's under `--chain ethereum`), or a hashrate on a day
/// the chain ran no proof of work (it would be read as mining).
fn fits_the_chain(chain: &ChainProfile, rows: &[DailyMetrics]) -> Result<(), String> {
    let another = "is this another chain's file?";
    for row in rows {
        if let Some(first) = chain.launched.filter(|first| row.day < *first) {
            return Err(format!(
                "the row of {} is before {}'s first day, {first} ({}): no figure exists for an earlier day; {another}",
                row.day, chain.slug, chain.launched_source
            ));
        }
        if let Some(hs) = row.hashrate_hs.filter(|hs| *hs > 0.0) {
            if !chain.is_pow_on(row.day) {
                let ended = chain
                    .pow_until
                    .map(|last| format!(" (its proof of work ended on {last})"))
                    .unwrap_or_default();
                return Err(format!(
                    "the row of {} has a hashrate ({hs:e} H/s) but {} ran no proof of work that day{ended}; {another}",
                    row.day, chain.slug
                ));
            }
        }
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    fn row(chain: &str, day: &str, hashrate_hs: Option<f64>) -> DailyMetrics {
        let day = NaiveDate::parse_from_str(day, "%Y-%m-%d").expect("a test date");
        DailyMetrics {
            hashrate_hs,
            ..DailyMetrics::empty(chain, day, "coinmetrics")
        }
    }

    #[test]
    fn a_hashrate_is_refused_only_on_days_without_proof_of_work() {
        let ethereum = catalogue_chain("ethereum").expect("ethereum is in the catalogue");
        let last_pow_day = [row("ethereum", "2022-09-15", Some(8.9e14))];
        assert_eq!(fits_the_chain(ethereum, &last_pow_day), Ok(()));
        let after = [row("ethereum", "2022-09-16", Some(8.9e14))];
        let e = fits_the_chain(ethereum, &after).expect_err("a hashrate after the merge");
        assert!(
            e.contains("the row of 2022-09-16 has a hashrate")
                && e.contains("its proof of work ended on 2022-09-15"),
            "{e}"
        );
        // Without a hashrate, or with a zero one, a proof-of-stake day is
        // an ordinary row (transactions, fees).
        let quiet = [
            row("ethereum", "2023-01-01", None),
            row("ethereum", "2023-01-02", Some(0.0)),
        ];
        assert_eq!(fits_the_chain(ethereum, &quiet), Ok(()));
        let cardano = catalogue_chain("cardano").expect("cardano is in the catalogue");
        let e = fits_the_chain(cardano, &[row("cardano", "2020-01-01", Some(1.0))])
            .expect_err("a hashrate on a proof-of-stake chain");
        assert!(
            e.contains("cardano ran no proof of work that day") && !e.contains("ended"),
            "{e}"
        );
    }

    #[test]
    fn a_day_before_the_chains_first_is_refused_and_its_first_day_taken() {
        let ethereum = catalogue_chain("ethereum").expect("ethereum is in the catalogue");
        let e = fits_the_chain(ethereum, &[row("ethereum", "2015-07-29", None)])
            .expect_err("the day before genesis");
        assert!(
            e.contains("the row of 2015-07-29 is before ethereum's first day, 2015-07-30"),
            "{e}"
        );
        assert_eq!(
            fits_the_chain(ethereum, &[row("ethereum", "2015-07-30", Some(1e11))]),
            Ok(())
        );
    }

    #[test]
    fn a_chain_outside_the_catalogue_is_named_with_the_known_ones() {
        let e = catalogue_chain("bitcoin-gold").expect_err("not in the catalogue");
        let text = e.to_string();
        assert!(
            text.contains("\"bitcoin-gold\" is not a chain of the catalogue")
                && text.contains("bitcoin, litecoin"),
            "{text}"
        );
    }
}

//! Imports (`blockwatt import …` and the admin route): files and price
//! APIs into the store, all or nothing.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

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
    #[error("{file} is not a valid Coin Metrics CSV; nothing was imported: {reason}")]
    Invalid { file: String, reason: String },
    #[error("{0} holds no rows; nothing was imported")]
    Empty(String),
    #[error("{0}")]
    Source(String),
    #[error("cannot write daily metrics: {0}")]
    Store(#[from] StoreError),
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
        coinmetrics::download(file, Duration::from_secs(120))
            .await
            .map_err(|e| ImportError::Source(e.to_string()))?
    } else {
        std::fs::read(Path::new(file)).map_err(|e| ImportError::Open {
            file: file.to_owned(),
            reason: e.to_string(),
        })?
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

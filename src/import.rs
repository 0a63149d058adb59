//! `blockwatt import …`: files into the store, all or nothing.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use blockwatt_ingest::coinmetrics::{self, HashrateUnit};
use blockwatt_store::Store;
use chrono::NaiveDate;

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
) -> anyhow::Result<Imported> {
    blockwatt_domain::validate_chain_slug(chain)?;
    let unit = hashrate_unit.map(HashrateUnit::parse).transpose()?;
    let bytes = if file.starts_with("http://") || file.starts_with("https://") {
        coinmetrics::download(file, Duration::from_secs(120)).await?
    } else {
        std::fs::read(Path::new(file)).with_context(|| format!("cannot open {file}"))?
    };
    let rows = coinmetrics::parse(chain, bytes.as_slice(), unit)
        .with_context(|| format!("{file} is not a valid Coin Metrics CSV; nothing was imported"))?;
    store
        .write_daily_metrics(&rows)
        .await
        .context("cannot write daily metrics")?;
    let (first, last) = match (rows.first(), rows.last()) {
        (Some(f), Some(l)) => (f.day, l.day),
        _ => anyhow::bail!("{file} holds no rows; nothing was imported"),
    };
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
) -> anyhow::Result<(String, NaiveDate, f64)> {
    blockwatt_domain::validate_chain_slug(chain)?;
    let coin = coin_id.unwrap_or_else(|| blockwatt_ingest::prices::coin_id(chain));
    let usd = blockwatt_ingest::prices::fetch_usd_price(url, coin, Duration::from_secs(30)).await?;
    let today = chrono::Utc::now().date_naive();
    blockwatt_ingest::prices::record_price(&store, chain, today, usd).await?;
    Ok((coin.to_owned(), today, usd))
}

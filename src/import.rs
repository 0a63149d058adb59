//! `blockwatt import …`: files into the store, all or nothing.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use blockwatt_ingest::coinmetrics::{self, HashrateUnit};
use blockwatt_store::Store;

pub async fn coinmetrics(
    store: &dyn Store,
    chain: &str,
    file: &str,
    hashrate_unit: Option<&str>,
) -> anyhow::Result<()> {
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
    let (first, last) = (rows[0].day, rows[rows.len() - 1].day);
    println!(
        "imported {} days of {chain} ({first} .. {last}) from {file}",
        rows.len()
    );
    Ok(())
}

/// `blockwatt import price`: today's (UTC) USD price for `chain`.
pub async fn price(
    store: Arc<dyn Store>,
    url: &str,
    chain: &str,
    coin_id: Option<&str>,
) -> anyhow::Result<()> {
    blockwatt_domain::validate_chain_slug(chain)?;
    let coin = coin_id.unwrap_or_else(|| blockwatt_ingest::prices::coin_id(chain));
    let usd = blockwatt_ingest::prices::fetch_usd_price(url, coin, Duration::from_secs(30)).await?;
    let today = chrono::Utc::now().date_naive();
    blockwatt_ingest::prices::record_price(&store, chain, today, usd).await?;
    println!("{chain} ({coin}) on {today}: {usd} USD");
    Ok(())
}

//! `blockwatt import …`: files into the store, all or nothing.

use std::path::Path;

use anyhow::Context;
use blockwatt_ingest::coinmetrics::{self, HashrateUnit};
use blockwatt_store::Store;

pub async fn coinmetrics(
    store: &dyn Store,
    chain: &str,
    file: &Path,
    hashrate_unit: Option<&str>,
) -> anyhow::Result<()> {
    blockwatt_domain::validate_chain_slug(chain)?;
    let unit = hashrate_unit.map(HashrateUnit::parse).transpose()?;
    let reader =
        std::fs::File::open(file).with_context(|| format!("cannot open {}", file.display()))?;
    let rows =
        coinmetrics::parse(chain, std::io::BufReader::new(reader), unit).with_context(|| {
            format!(
                "{} is not a valid Coin Metrics CSV; nothing was imported",
                file.display()
            )
        })?;
    store
        .write_daily_metrics(&rows)
        .await
        .context("cannot write daily metrics")?;
    let (first, last) = (rows[0].day, rows[rows.len() - 1].day);
    println!(
        "imported {} days of {chain} ({first} .. {last}) from {}",
        rows.len(),
        file.display()
    );
    Ok(())
}

//! `blockwatt sync`: every chain with a public data provider brought to the
//! last complete UTC day once, with a bar on a terminal and one line per
//! chain at the end.

use std::io::IsTerminal;
use std::sync::Arc;

use blockwatt_ingest::sources::{SourcesConfig, SyncEvent};
use blockwatt_service::sources::last_complete_day;
use blockwatt_service::SourceSync;
use blockwatt_store::Store;

pub async fn sync(
    store: Arc<dyn Store>,
    config: &SourcesConfig,
    chain: Option<String>,
) -> anyhow::Result<()> {
    let mut config = config.clone();
    // Asked for on the command line: run even where `serve` is told not to.
    config.enabled = true;
    config.coinmetrics.enabled = true;
    let Some(sync) = SourceSync::new(store, &config)? else {
        anyhow::bail!("no source is enabled");
    };
    let covered: Vec<&str> = blockwatt_ingest::sources::coinmetrics_api::ASSETS
        .iter()
        .map(|a| a.chain)
        .chain(config.node_counts.keys().map(String::as_str))
        .collect();
    if let Some(c) = &chain {
        if !covered.contains(&c.as_str()) {
            anyhow::bail!(
                "chain {c:?} has no public daily data source (those with one: {})",
                covered.join(", ")
            );
        }
    }
    let chains = chain.map(|c| vec![c]);
    let bar = if std::io::stderr().is_terminal() {
        let n = chains.as_ref().map_or(covered.len(), Vec::len);
        let bar = indicatif::ProgressBar::new(n as u64);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "sync [{elapsed_precise}] {wide_bar} {pos}/{len} chains {msg}",
        ) {
            bar.set_style(style);
        }
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    let on_event = |event: SyncEvent<'_>| match event {
        SyncEvent::Requesting { chains } => {
            bar.set_message(format!("requesting {}", chains.join(", ")))
        }
        SyncEvent::Done(o) => {
            bar.inc(1);
            bar.set_message(o.chain.clone());
        }
    };
    let outcomes = sync.once(chains.as_deref(), &on_event).await;
    bar.finish_and_clear();
    let end = last_complete_day();
    let mut failed = 0;
    for o in &outcomes {
        match &o.result {
            Ok(s) => {
                let through = s.through.map_or("nothing".to_owned(), |d| d.to_string());
                let behind = s
                    .through
                    .filter(|d| *d < end)
                    .map(|d| {
                        format!(
                            " ({} days behind {end}: the provider has no later day yet)",
                            (end - d).num_days()
                        )
                    })
                    .unwrap_or_default();
                println!(
                    "{}: {} new days, through {through}{behind}",
                    o.chain, s.days
                );
            }
            Err(e) => {
                failed += 1;
                println!("{} ({}): failed: {e}", o.chain, o.source);
            }
        }
    }
    println!("{} requests to the providers", sync.requests());
    if failed > 0 {
        anyhow::bail!("{failed} of {} chains could not be synced", outcomes.len());
    }
    Ok(())
}

//! `blockwatt estimate` and `blockwatt chains`: the models from the command line.

use std::io::Write;

use anyhow::Context;
use blockwatt_analytics::Percentiles;
use blockwatt_analytics::{chain_profiles, Catalogues};
use blockwatt_api::dto::{distribution_csv, estimates_csv, sensitivity_csv, ExplainedEstimate};
use blockwatt_domain::Estimate;
use blockwatt_service::{Distribution, EstimateParams, Footprints, SensitivityRow};

use crate::cli::{EstimateArgs, Explain, OutputFormat};

pub async fn estimate(footprints: &Footprints, args: EstimateArgs) -> anyhow::Result<()> {
    let method = args.method.as_deref();
    let params = EstimateParams {
        price_usd_per_kwh: args.price,
        pue: args.pue,
    };
    let mut out = std::io::stdout().lock();
    if let Some(explain) = args.explain {
        if args.from.is_some() || args.to.is_some() {
            anyhow::bail!("--explain explains one day: give --date, not --from/--to");
        }
        return match explain {
            Explain::Sensitivity => {
                let (e, rows) = footprints
                    .sensitivity(&args.chain, args.date, method, &params)
                    .await?;
                write_sensitivity(&mut out, &e, &rows, args.format)
            }
            Explain::Distribution => {
                let (e, d) = footprints
                    .distribution(&args.chain, args.date, method, &params)
                    .await?;
                write_distribution(&mut out, &e, &d, args.format)
            }
        };
    }
    match (args.date, args.from, args.to) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
            anyhow::bail!("give either --date or --from/--to, not both")
        }
        (None, Some(from), to) => {
            let to = match to {
                Some(t) => t,
                None => footprints.latest_day(&args.chain).await?,
            };
            let series = footprints
                .series(&args.chain, from, to, method, &params)
                .await?;
            write_series(&mut out, &series, args.format)?;
        }
        (None, None, Some(_)) => anyhow::bail!("--to needs --from"),
        (date, None, None) => {
            let e = footprints.day(&args.chain, date, method, &params).await?;
            match args.format {
                OutputFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(&e)?)?,
                other => write_series(&mut out, std::slice::from_ref(&e), other)?,
            }
        }
    }
    Ok(())
}

/// The API's `explain=sensitivity` body (JSON), its CSV, or a ranked
/// table with the swing as a bar, widest first: a tornado chart in text.
fn write_sensitivity(
    out: &mut impl Write,
    e: &Estimate,
    rows: &[SensitivityRow],
    format: OutputFormat,
) -> anyhow::Result<()> {
    match format {
        OutputFormat::Json => {
            let body = ExplainedEstimate {
                estimate: e.clone(),
                sensitivity: Some(rows.to_vec()),
                distribution: None,
            };
            writeln!(out, "{}", serde_json::to_string_pretty(&body)?)?;
        }
        OutputFormat::Csv => {
            let bytes = sensitivity_csv(e, rows)
                .map_err(|err| anyhow::anyhow!("cannot write CSV: {err}"))?;
            out.write_all(&bytes)?;
        }
        OutputFormat::Table => {
            writeln!(
                out,
                "{} {} ({}, {} as of {}): what moves the best figure most",
                e.chain,
                e.date,
                e.method,
                e.basis.as_str(),
                e.as_of
            )?;
            let widest = rows.iter().map(|r| r.swing).fold(0.0, f64::max);
            for r in rows {
                let bar = if widest > 0.0 {
                    (r.swing / widest * 30.0).round() as usize
                } else {
                    0
                };
                let end = |v: Option<f64>| v.map_or("no figure".to_owned(), |v| format!("{v:.4}"));
                writeln!(
                    out,
                    "{:<18} {:>6.1}%  {:<30}  {} {} .. {} as {} goes {:.4} .. {:.4} {}",
                    r.parameter,
                    r.swing * 100.0,
                    "#".repeat(bar),
                    r.figure,
                    end(r.figure_at_low),
                    end(r.figure_at_high),
                    r.parameter,
                    r.low,
                    r.high,
                    r.unit
                )?;
            }
        }
    }
    Ok(())
}

/// The API's `explain=distribution` body (JSON), its CSV, or the
/// percentiles beside the bounds for people.
fn write_distribution(
    out: &mut impl Write,
    e: &Estimate,
    d: &Distribution,
    format: OutputFormat,
) -> anyhow::Result<()> {
    match format {
        OutputFormat::Json => {
            let body = ExplainedEstimate {
                estimate: e.clone(),
                sensitivity: None,
                distribution: Some(d.clone()),
            };
            writeln!(out, "{}", serde_json::to_string_pretty(&body)?)?;
        }
        OutputFormat::Csv => {
            let bytes =
                distribution_csv(e, d).map_err(|err| anyhow::anyhow!("cannot write CSV: {err}"))?;
            out.write_all(&bytes)?;
        }
        OutputFormat::Table => {
            writeln!(
                out,
                "{} {} ({}, {} as of {}): {} draws, seed {}, {} without a figure",
                e.chain,
                e.date,
                e.method,
                e.basis.as_str(),
                e.as_of,
                d.draws,
                d.seed,
                d.draws_without_figure
            )?;
            writeln!(
                out,
                "{:<20} {:>9} {:>9} {:>9} {:>9} {:>9}   {:>9} {:>9} {:>9}",
                "figure", "p5", "p25", "p50", "p75", "p95", "lower", "best", "upper"
            )?;
            for (name, q, b) in [
                (
                    "energy TWh/yr",
                    d.energy_twh_per_year,
                    e.energy_twh_per_year,
                ),
                (
                    "CO2e Mt/yr",
                    d.co2e_t_per_year.map(|q| Percentiles {
                        p5: q.p5 * 1e-6,
                        p25: q.p25 * 1e-6,
                        p50: q.p50 * 1e-6,
                        p75: q.p75 * 1e-6,
                        p95: q.p95 * 1e-6,
                    }),
                    e.co2e_t_per_year.scale(1e-6),
                ),
            ] {
                let Some(q) = q else { continue };
                writeln!(
                    out,
                    "{:<20} {:>9.3} {:>9.3} {:>9.3} {:>9.3} {:>9.3}   {:>9.3} {:>9.3} {:>9.3}",
                    name, q.p5, q.p25, q.p50, q.p75, q.p95, b.lower, b.best, b.upper
                )?;
            }
        }
    }
    Ok(())
}

fn write_series(
    out: &mut impl Write,
    series: &[Estimate],
    format: OutputFormat,
) -> anyhow::Result<()> {
    match format {
        OutputFormat::Json => {
            for e in series {
                writeln!(out, "{}", serde_json::to_string(e)?)?;
            }
        }
        OutputFormat::Csv => {
            // The API's CSV, so a file from the CLI and one from
            // /footprint/history?format=csv are the same format.
            let bytes =
                estimates_csv(series).map_err(|e| anyhow::anyhow!("cannot write CSV: {e}"))?;
            out.write_all(&bytes)?;
        }
        OutputFormat::Table => {
            writeln!(
                out,
                "{:<10}  {:<15}  {:<10}  {:<9}  {:>24}  {:>27}",
                "date",
                "basis",
                "as of",
                "method",
                "energy TWh/yr (lo/best/hi)",
                "CO2e Mt/yr (lo/best/hi)"
            )?;
            for e in series {
                let (t, c) = (e.energy_twh_per_year, e.co2e_t_per_year.scale(1e-6));
                writeln!(
                    out,
                    "{:<10}  {:<15}  {:<10}  {:<9}  {:>7.3} {:>8.3} {:>7.3}  {:>8.3} {:>9.3} {:>8.3}",
                    e.date,
                    e.basis.as_str(),
                    e.as_of,
                    e.method,
                    t.lower,
                    t.best,
                    t.upper,
                    c.lower,
                    c.best,
                    c.upper
                )?;
            }
        }
    }
    Ok(())
}

/// Where a chain's daily inputs come from without any node configured:
/// a keyless public provider, or only the catalogue's dated fallback.
fn daily_source(
    chain: &str,
    consensus: blockwatt_analytics::Consensus,
    sources: &blockwatt_ingest::sources::SourcesConfig,
) -> String {
    let provider = blockwatt_ingest::sources::coinmetrics_api::asset_of(chain)
        .filter(|_| sources.coinmetrics.enabled)
        .map(|_| blockwatt_ingest::sources::coinmetrics_api::PROVIDER);
    let pos = consensus == blockwatt_analytics::Consensus::Pos;
    let nodes = match sources.node_counts.get(chain) {
        Some(cfg) => format!(
            "node counts: sampled daily from {} (earlier days: dated fallback)",
            blockwatt_ingest::config::redact_url(cfg.url())
        ),
        None => "node counts: no keyless source shipped yet (add [sources.node_counts.CHAIN]); dated fallback".to_owned(),
    };
    let second =
        match chain == blockwatt_ingest::sources::mempool_space::CHAIN && sources.mempool.enabled {
            true => "; hashrate second opinion: mempool",
            false => "",
        };
    match (provider, pos) {
        (Some(p), false) => format!("{p}{second}"),
        (Some(p), true) => format!("{p} (transactions, price); {nodes}"),
        (None, true) => nodes,
        (None, false) => "no keyless source shipped yet: dated fallback only".to_owned(),
    }
}

pub fn chains(
    catalogues: &Catalogues,
    sources: &blockwatt_ingest::sources::SourcesConfig,
    format: OutputFormat,
) -> anyhow::Result<()> {
    let profiles = chain_profiles(catalogues);
    let mut out = std::io::stdout().lock();
    match format {
        OutputFormat::Json => {
            let mut rows = Vec::with_capacity(profiles.len());
            for p in &profiles {
                let mut v = serde_json::to_value(p)?;
                v["daily_source"] = daily_source(&p.chain, p.consensus, sources).into();
                rows.push(v);
            }
            writeln!(out, "{}", serde_json::to_string_pretty(&rows)?)?
        }
        OutputFormat::Csv => {
            let mut w = csv::Writer::from_writer(out);
            w.write_record([
                "chain",
                "consensus",
                "algorithm",
                "default_method",
                "methods",
                "live_inputs",
                "daily_source",
                "fallback",
                "location_profile",
                "source",
            ])?;
            for p in &profiles {
                w.write_record([
                    p.chain.as_str(),
                    p.consensus.as_str(),
                    p.algorithm.unwrap_or(""),
                    &p.default_method,
                    &p.methods.join(" "),
                    &p.live_inputs.join(" "),
                    &daily_source(&p.chain, p.consensus, sources),
                    p.fallback.as_deref().unwrap_or(""),
                    &p.location_profile,
                    &p.source,
                ])?;
            }
            w.flush().context("cannot write CSV")?;
        }
        OutputFormat::Table => {
            writeln!(
                out,
                "{:<17} {:<5} {:<10} {:<10} {:<32} inputs (fallback); daily source",
                "chain", "cons.", "algorithm", "default", "methods"
            )?;
            for p in &profiles {
                let consensus = p.consensus.as_str();
                writeln!(
                    out,
                    "{:<17} {:<5} {:<10} {:<10} {:<32} {}{}; {}",
                    p.chain,
                    consensus,
                    p.algorithm.unwrap_or("-"),
                    p.default_method,
                    p.methods.join(","),
                    p.live_inputs.join(","),
                    p.fallback
                        .as_deref()
                        .map(|f| format!(" ({f})"))
                        .unwrap_or_default(),
                    daily_source(&p.chain, p.consensus, sources)
                )?;
            }
        }
    }
    Ok(())
}

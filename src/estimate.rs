//! `blockwatt estimate` and `blockwatt chains`: the models from the command line.

use std::io::Write;

use anyhow::Context;
use blockwatt_analytics::{chain_profiles, Catalogues, Method, Params, Pue};
use blockwatt_api::dto::{estimates_csv, EstimateBody};
use blockwatt_domain::Estimate;
use chrono::NaiveDate;

use crate::cli::{EstimateArgs, OutputFormat};
use crate::footprint::Footprints;

/// `--price` and `--pue` over the defaults. `--pue` sets the best guess;
/// the bounds widen to include it, so lower <= best <= upper still holds.
pub fn params_from(price: Option<f64>, pue: Option<f64>) -> Params {
    let mut params = Params::default();
    if let Some(p) = price {
        params = params.with_price(p);
    }
    if let Some(best) = pue {
        let d = Pue::default();
        params = params.with_pue(Pue {
            lower: d.lower.min(best),
            best,
            upper: d.upper.max(best),
        });
    }
    params
}

pub async fn estimate(footprints: &Footprints, args: EstimateArgs) -> anyhow::Result<()> {
    let method = args.method.as_deref().map(Method::parse).transpose()?;
    let params = params_from(args.price, args.pue);
    let mut out = std::io::stdout().lock();
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
            let rows: Vec<EstimateBody> = series.iter().cloned().map(EstimateBody::from).collect();
            let bytes =
                estimates_csv(&rows).map_err(|e| anyhow::anyhow!("cannot write CSV: {e}"))?;
            out.write_all(&bytes)?;
        }
        OutputFormat::Table => {
            writeln!(
                out,
                "{:<10}  {:<9}  {:>24}  {:>27}",
                "date", "method", "energy TWh/yr (lo/best/hi)", "CO2e Mt/yr (lo/best/hi)"
            )?;
            for e in series {
                let (t, c) = (e.energy_twh_per_year, e.co2e_t_per_year.scale(1e-6));
                writeln!(
                    out,
                    "{:<10}  {:<9}  {:>7.3} {:>8.3} {:>7.3}  {:>8.3} {:>9.3} {:>8.3}",
                    e.date, e.method, t.lower, t.best, t.upper, c.lower, c.best, c.upper
                )?;
            }
        }
    }
    Ok(())
}

pub fn chains(catalogues: &Catalogues, format: OutputFormat) -> anyhow::Result<()> {
    let profiles = chain_profiles(catalogues);
    let mut out = std::io::stdout().lock();
    match format {
        OutputFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(&profiles)?)?,
        OutputFormat::Csv => {
            let mut w = csv::Writer::from_writer(out);
            w.write_record([
                "chain",
                "consensus",
                "algorithm",
                "default_method",
                "methods",
                "live_inputs",
                "fallback",
                "location_profile",
                "source",
            ])?;
            for p in &profiles {
                w.write_record([
                    p.chain.as_str(),
                    &consensus_name(p),
                    p.algorithm.unwrap_or(""),
                    &p.default_method,
                    &p.methods.join(" "),
                    &p.live_inputs.join(" "),
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
                "{:<17} {:<5} {:<10} {:<10} {:<32} inputs (fallback)",
                "chain", "cons.", "algorithm", "default", "methods"
            )?;
            for p in &profiles {
                let consensus = consensus_name(p);
                writeln!(
                    out,
                    "{:<17} {:<5} {:<10} {:<10} {:<32} {}{}",
                    p.chain,
                    consensus,
                    p.algorithm.unwrap_or("-"),
                    p.default_method,
                    p.methods.join(","),
                    p.live_inputs.join(","),
                    p.fallback
                        .as_deref()
                        .map(|f| format!(" ({f})"))
                        .unwrap_or_default()
                )?;
            }
        }
    }
    Ok(())
}

/// `pow` / `pos`, as the catalogue spells it.
pub fn consensus_name(p: &blockwatt_analytics::ChainMethods) -> String {
    serde_json::to_value(p.consensus)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Parses a `YYYY-MM-DD` argument.
pub fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("{s:?} is not a date like 2020-07-27"))
}

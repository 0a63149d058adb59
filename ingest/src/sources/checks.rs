//! What one chain's rows from a provider must satisfy before any is
//! stored. A provider that changes a field's type, skips days, sends a
//! negative or absurd value, or switches a unit gets the batch refused
//! with the provider, chain, day and field named; what is stored stays.

use blockwatt_domain::DailyMetrics;
use chrono::{Days, NaiveDate};
use serde_json::Value;

use super::coinmetrics_api::{Asset, Row, PROVIDER};
use super::SourceSyncError;

/// A day's hashrate this many times the day before's, or this many times
/// smaller, is no network: difficulty moves by a few percent a day (at
/// most 4× per Bitcoin retarget), and a coin's fork day is no day-to-day
/// step. Such a value is a unit or data error.
pub const MAX_DAILY_HASHRATE_STEP: f64 = 100.0;

/// Days at the start of a chain's history left out of the step check.
pub const LAUNCH_DAYS: usize = 30;

/// How far `HashRate` may sit from what `DiffMean` and `BlkCnt` imply
/// before its unit is judged wrong (the families agree within 25%; a unit
/// change is a factor of 1,000).
pub const MAX_UNIT_DISAGREEMENT: f64 = 10.0;

/// The rows of one asset (in the provider's order) as daily metrics,
/// checked. `stored` is the chain's newest row from this provider, the
/// day the batch must continue; `end` the last complete UTC day.
pub fn coinmetrics_rows(
    asset: &Asset,
    rows: &[&Row],
    stored: Option<&DailyMetrics>,
    end: NaiveDate,
) -> Result<Vec<DailyMetrics>, SourceSyncError> {
    let chain = asset.chain;
    let batch = |reason: String| SourceSyncError::BadBatch {
        provider: PROVIDER,
        chain: chain.to_owned(),
        reason,
    };
    let mut out: Vec<DailyMetrics> = Vec::with_capacity(rows.len());
    for row in rows {
        let day = row_day(row).map_err(&batch)?;
        let bad = |field: &str, reason: String| SourceSyncError::BadValue {
            provider: PROVIDER,
            chain: chain.to_owned(),
            day,
            field: field.to_owned(),
            reason,
        };
        if day > end {
            return Err(bad(
                "time",
                format!("after the last complete UTC day ({end}): the day has not ended"),
            ));
        }
        let before = out.last().or(stored);
        if let Some(prev) = before {
            if day <= prev.day {
                return Err(bad(
                    "time",
                    format!("does not follow {} (one row per day, ascending)", prev.day),
                ));
            }
            let expected = prev.day + Days::new(1);
            if day != expected {
                return Err(bad(
                    "time",
                    format!(
                        "days {expected} .. {} are missing: a partial answer",
                        day - Days::new(1)
                    ),
                ));
            }
        }
        let number = |field: &'static str| -> Result<Option<f64>, SourceSyncError> {
            match row.get(field) {
                // Absent: not served for this asset or tier; null: no data.
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => match s.trim().parse::<f64>() {
                    Ok(v) if v.is_finite() && v >= 0.0 => Ok(Some(v)),
                    Ok(_) => Err(bad(field, format!("{s:?} must be a finite number >= 0"))),
                    Err(_) => Err(bad(field, format!("{s:?} is not a number"))),
                },
                Some(other) => Err(bad(
                    field,
                    format!(
                        "expected a decimal number in a string, as documented, got {}",
                        json_type(other)
                    ),
                )),
            }
        };
        let count = |field: &'static str| -> Result<Option<u64>, SourceSyncError> {
            match number(field)? {
                Some(v) if v.fract() != 0.0 || v > 1e15 => {
                    Err(bad(field, format!("{v} is not a whole count")))
                }
                v => Ok(v.map(|v| v as u64)),
            }
        };
        let hashrate_hs = match (number("HashRate")?, asset.hashrate_unit_hs) {
            (Some(h), Some(unit)) => Some(h * unit),
            _ => None,
        };
        let m = DailyMetrics {
            hashrate_hs,
            difficulty_mean: number("DiffMean")?,
            block_count: count("BlkCnt")?,
            tx_count: count("TxCnt")?,
            block_size_mean_bytes: number("BlkSizeMeanByte")?,
            price_usd: number("PriceUSD")?,
            issuance_native: number("IssTotNtv")?,
            issuance_usd: number("IssTotUSD")?,
            fees_native: number("FeeTotNtv")?,
            fees_usd: number("FeeTotUSD")?,
            ..DailyMetrics::empty(chain, day, PROVIDER)
        };
        if let Some(h) = m.hashrate_hs.filter(|h| *h > 0.0) {
            check_unit(asset, &m, h).map_err(|reason| bad("HashRate", reason))?;
            // A chain's first weeks are no network yet (Litecoin went from
            // 24 H/s to 1.8 MH/s on its sixth day): a whole-history batch
            // checks steps only after them.
            let launching = stored.is_none() && out.len() < LAUNCH_DAYS;
            let previous = before
                .and_then(|p| p.hashrate_hs)
                .filter(|p| *p > 0.0 && !launching);
            if let Some(p) = previous {
                let step = h / p;
                if !(1.0 / MAX_DAILY_HASHRATE_STEP..=MAX_DAILY_HASHRATE_STEP).contains(&step) {
                    return Err(bad(
                        "HashRate",
                        format!(
                            "{h:e} H/s is {step:.3}× the day before's {p:e} H/s: no network \
                             moves that much in a day (limit {MAX_DAILY_HASHRATE_STEP}×)"
                        ),
                    ));
                }
            }
        }
        out.push(m);
    }
    Ok(out)
}

/// The hashrate the day's mean difficulty and block count imply, against
/// the reported one: a unit that changed shows as a factor of 1,000.
fn check_unit(asset: &Asset, m: &DailyMetrics, hashrate_hs: f64) -> Result<(), String> {
    let (Some(per_diff), Some(diff), Some(blocks)) = (
        asset.hashes_per_difficulty,
        m.difficulty_mean.filter(|d| *d > 0.0),
        m.block_count.filter(|b| *b > 0),
    ) else {
        return Ok(());
    };
    let implied = diff * per_diff * blocks as f64 / 86_400.0;
    let ratio = hashrate_hs / implied;
    if (1.0 / MAX_UNIT_DISAGREEMENT..=MAX_UNIT_DISAGREEMENT).contains(&ratio) {
        Ok(())
    } else {
        Err(format!(
            "{hashrate_hs:e} H/s (read in the configured unit of {:e} H/s) is {ratio:e}× what \
             DiffMean and BlkCnt imply ({implied:e} H/s): the provider's unit differs from the \
             configured one",
            asset.hashrate_unit_hs.unwrap_or(1.0)
        ))
    }
}

/// `time` as documented for daily rows: midnight UTC,
/// `2020-02-29T00:00:00.000000000Z`.
fn row_day(row: &Row) -> Result<NaiveDate, String> {
    let time = match row.get("time") {
        Some(Value::String(t)) => t,
        Some(other) => return Err(format!("time: expected a string, got {}", json_type(other))),
        None => return Err("a row without time".into()),
    };
    let (date, rest) = time.split_at_checked(10).unwrap_or((time, ""));
    let day = date
        .parse::<NaiveDate>()
        .map_err(|_| format!("time {time:?} is not an ISO 8601 date-time"))?;
    let midnight = rest
        .strip_prefix("T00:00:00")
        .is_some_and(|r| r.trim_start_matches(['.', '0']) == "Z");
    if !midnight {
        return Err(format!(
            "time {time:?} is not midnight UTC: not a daily (1d) row"
        ));
    }
    Ok(day)
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a JSON number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

//! The Coin Metrics community CSV format (`csv/<asset>.csv` of
//! github.com/coinmetrics/data): one row per UTC day, a `time` column and
//! one column per metric, empty cells for "not available".
//!
//! The whole file is parsed before anything is returned, so a malformed row
//! (reported with its line number) means nothing of the file is written.

use std::io::Read;

use blockwatt_domain::DailyMetrics;
use chrono::NaiveDate;
use thiserror::Error;

/// The `source` recorded on every imported row.
pub const SOURCE: &str = "coinmetrics";

#[derive(Debug, Error)]
pub enum CoinMetricsError {
    #[error("line {line}: column {column}: {value:?} {reason}")]
    BadValue {
        line: u64,
        column: &'static str,
        value: String,
        reason: &'static str,
    },
    #[error("line {line}: {reason}")]
    BadRow { line: u64, reason: String },
    #[error("the header has no {0:?} column: is this a Coin Metrics CSV?")]
    MissingColumn(&'static str),
    #[error("the file has no data rows")]
    Empty,
    #[error(
        "Coin Metrics reports HashRate in a unit that varies by asset, and none is known for chain {0:?}: \
         pass the unit explicitly (H, KH, MH, GH, TH, PH, EH)"
    )]
    UnknownHashrateUnit(String),
    #[error("unknown hashrate unit {0:?}: use H, KH, MH, GH, TH, PH or EH")]
    BadUnitName(String),
    #[error("cannot download {url}: {reason}")]
    Download { url: String, reason: String },
}

/// Downloads a whole CSV (e.g. the raw `csv/btc.csv` of coinmetrics/data)
/// before anything is parsed or written, so a cut transfer imports nothing.
pub async fn download(
    url: &str,
    timeout: std::time::Duration,
    max_bytes: u64,
) -> Result<Vec<u8>, CoinMetricsError> {
    let shown = crate::config::redact_url(url);
    let fail = |reason: String| CoinMetricsError::Download {
        url: shown.clone(),
        reason,
    };
    let client = reqwest::Client::builder()
        .timeout(timeout)
        .build()
        .map_err(|e| fail(crate::config::reqwest_reason(e)))?;
    let mut response = client
        .get(url)
        .send()
        .await
        .map_err(|e| fail(crate::config::reqwest_reason(e)))?;
    let status = response.status();
    if !status.is_success() {
        return Err(fail(format!("HTTP {}", status.as_u16())));
    }
    // Read in chunks under a cap: a server that never stops sending must
    // not fill the memory.
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| fail(crate::config::reqwest_reason(e)))?
    {
        if body.len() as u64 + chunk.len() as u64 > max_bytes {
            return Err(fail(format!("larger than {max_bytes} bytes")));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Hashes per second in one unit of the source's `HashRate` column.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HashrateUnit(pub f64);

impl HashrateUnit {
    pub fn parse(name: &str) -> Result<Self, CoinMetricsError> {
        let factor = match name.to_ascii_uppercase().trim_end_matches("/S") {
            "H" | "SOL" => 1.0,
            "KH" | "KSOL" => 1e3,
            "MH" | "MSOL" => 1e6,
            "GH" | "GSOL" => 1e9,
            "TH" | "TSOL" => 1e12,
            "PH" | "PSOL" => 1e15,
            "EH" | "ESOL" => 1e18,
            _ => return Err(CoinMetricsError::BadUnitName(name.to_owned())),
        };
        Ok(HashrateUnit(factor))
    }

    /// The unit of the community files per chain, cross-checked against an
    /// independent hashrate series on 2020-07-27 (see shared/data/README.md):
    /// TH/s for the SHA-256, Scrypt and Ethash chains, GH/s for Dash,
    /// H/s for Monero, GSol/s for Zcash (Equihash solutions).
    pub fn for_chain(chain: &str) -> Option<Self> {
        let factor = match chain {
            "bitcoin" | "bitcoin-cash" | "bitcoin-sv" | "litecoin" | "dogecoin" | "ethereum"
            | "ethereum-classic" => 1e12,
            "dash" | "vertcoin" => 1e9,
            "monero" => 1.0,
            "zcash" => 1e9,
            _ => return None,
        };
        Some(HashrateUnit(factor))
    }
}

/// Column positions of the metrics we read; every one but `time` is optional
/// (proof-of-stake assets have no HashRate, Monero no transfer metrics).
struct Columns {
    time: usize,
    hashrate: Option<usize>,
    difficulty: Option<usize>,
    blocks: Option<usize>,
    txs: Option<usize>,
    block_size: Option<usize>,
    fees_native: Option<usize>,
    issuance_native: Option<usize>,
    fees_usd: Option<usize>,
    issuance_usd: Option<usize>,
    price_usd: Option<usize>,
}

impl Columns {
    fn find(headers: &csv::StringRecord) -> Result<Self, CoinMetricsError> {
        let at = |name: &str| headers.iter().position(|h| h.trim() == name);
        Ok(Columns {
            time: at("time").ok_or(CoinMetricsError::MissingColumn("time"))?,
            hashrate: at("HashRate"),
            difficulty: at("DiffMean"),
            blocks: at("BlkCnt"),
            txs: at("TxCnt"),
            block_size: at("BlkSizeMeanByte"),
            fees_native: at("FeeTotNtv"),
            issuance_native: at("IssTotNtv"),
            fees_usd: at("FeeTotUSD"),
            issuance_usd: at("IssTotUSD"),
            price_usd: at("PriceUSD"),
        })
    }
}

/// Parses a whole file for `chain`. `unit` overrides the per-chain HashRate
/// unit; it is required when the file has a HashRate column and the chain
/// has no known unit.
pub fn parse(
    chain: &str,
    input: impl Read,
    unit: Option<HashrateUnit>,
) -> Result<Vec<DailyMetrics>, CoinMetricsError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(input);
    let headers = reader
        .headers()
        .map_err(|e| CoinMetricsError::BadRow {
            line: 1,
            reason: e.to_string(),
        })?
        .clone();
    let cols = Columns::find(&headers)?;
    let unit = match (
        cols.hashrate,
        unit.or_else(|| HashrateUnit::for_chain(chain)),
    ) {
        (Some(_), None) => return Err(CoinMetricsError::UnknownHashrateUnit(chain.to_owned())),
        (_, u) => u.unwrap_or(HashrateUnit(1.0)),
    };

    let mut rows: Vec<DailyMetrics> = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| CoinMetricsError::BadRow {
            line: e.position().map_or(0, |p| p.line()),
            reason: e.to_string(),
        })?;
        let line = record.position().map_or(0, |p| p.line());
        let text = |i: usize| record.get(i).unwrap_or("").trim();
        let day_text = text(cols.time);
        let day = NaiveDate::parse_from_str(day_text, "%Y-%m-%d").map_err(|_| {
            CoinMetricsError::BadValue {
                line,
                column: "time",
                value: day_text.to_owned(),
                reason: "is not a date like 2020-07-27",
            }
        })?;
        if let Some(previous) = rows.last() {
            if day <= previous.day {
                return Err(CoinMetricsError::BadRow {
                    line,
                    reason: format!("day {day} does not follow {} (rows must be in ascending order, once per day)", previous.day),
                });
            }
        }
        let number =
            |col: Option<usize>, name: &'static str| -> Result<Option<f64>, CoinMetricsError> {
                let Some(i) = col else { return Ok(None) };
                let raw = text(i);
                if raw.is_empty() {
                    return Ok(None);
                }
                match raw.parse::<f64>() {
                    Ok(v) if v.is_finite() && v >= 0.0 => Ok(Some(v)),
                    Ok(_) => Err(CoinMetricsError::BadValue {
                        line,
                        column: name,
                        value: raw.to_owned(),
                        reason: "must be a finite number >= 0",
                    }),
                    Err(_) => Err(CoinMetricsError::BadValue {
                        line,
                        column: name,
                        value: raw.to_owned(),
                        reason: "is not a number",
                    }),
                }
            };
        // Counts come as "144.0"; a fractional count is a broken file.
        let count =
            |col: Option<usize>, name: &'static str| -> Result<Option<u64>, CoinMetricsError> {
                match number(col, name)? {
                    Some(v) if v.fract() != 0.0 || v > 1e15 => Err(CoinMetricsError::BadValue {
                        line,
                        column: name,
                        value: text(col.unwrap_or(0)).to_owned(),
                        reason: "must be a whole count",
                    }),
                    Some(v) => Ok(Some(v as u64)),
                    None => Ok(None),
                }
            };
        rows.push(DailyMetrics {
            hashrate_hs: number(cols.hashrate, "HashRate")?.map(|h| h * unit.0),
            difficulty_mean: number(cols.difficulty, "DiffMean")?,
            block_count: count(cols.blocks, "BlkCnt")?,
            tx_count: count(cols.txs, "TxCnt")?,
            block_size_mean_bytes: number(cols.block_size, "BlkSizeMeanByte")?,
            fees_native: number(cols.fees_native, "FeeTotNtv")?,
            issuance_native: number(cols.issuance_native, "IssTotNtv")?,
            fees_usd: number(cols.fees_usd, "FeeTotUSD")?,
            issuance_usd: number(cols.issuance_usd, "IssTotUSD")?,
            price_usd: number(cols.price_usd, "PriceUSD")?,
            ..DailyMetrics::empty(chain, day, SOURCE)
        });
    }
    if rows.is_empty() {
        return Err(CoinMetricsError::Empty);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "time,BlkCnt,DiffMean,FeeTotUSD,HashRate,IssTotUSD,PriceUSD,TxCnt\n";

    #[test]
    fn reads_values_normalises_hashrate_and_keeps_gaps() {
        let csv = format!("{HEADER}2020-07-26,150.0,1.7e13,300000.5,128000000.0,8000000.0,9900.1,300000.0\n2020-07-27,,,,,,,\n");
        let rows = parse("bitcoin", csv.as_bytes(), None).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].hashrate_hs, Some(1.28e20));
        assert_eq!(rows[0].block_count, Some(150));
        assert_eq!(rows[0].miner_revenue_usd(), Some(8_300_000.5));
        assert_eq!(rows[1].hashrate_hs, None);
        assert_eq!(rows[1].source, "coinmetrics");
    }

    #[test]
    fn malformed_rows_name_their_line_and_column() {
        let cases = [
            (
                "2020-07-26,150.0,1,2,abc,4,5,6\n",
                "line 2: column HashRate: \"abc\" is not a number",
            ),
            ("2020-13-40,150.0,1,2,3,4,5,6\n", "line 2: column time"),
            (
                "2020-07-26,150.5,1,2,3,4,5,6\n",
                "line 2: column BlkCnt: \"150.5\" must be a whole count",
            ),
            (
                "2020-07-26,150,1,2,-3,4,5,6\n",
                "line 2: column HashRate: \"-3\" must be a finite number",
            ),
            ("2020-07-26,150,1,2,3\n", "line 2"),
            (
                "2020-07-26,1,1,1,1,1,1,1\n2020-07-26,1,1,1,1,1,1,1\n",
                "line 3: day 2020-07-26 does not follow",
            ),
        ];
        for (body, want) in cases {
            let err = parse("bitcoin", format!("{HEADER}{body}").as_bytes(), None)
                .unwrap_err()
                .to_string();
            assert!(err.contains(want), "{body:?}: got {err}");
        }
    }

    #[test]
    fn unknown_units_and_headers_are_refused() {
        let err = parse(
            "kaspa",
            format!("{HEADER}2020-07-26,1,1,1,1,1,1,1\n").as_bytes(),
            None,
        )
        .unwrap_err();
        assert!(
            matches!(err, CoinMetricsError::UnknownHashrateUnit(_)),
            "{err}"
        );
        let ok = parse(
            "kaspa",
            format!("{HEADER}2020-07-26,1,1,1,2,1,1,1\n").as_bytes(),
            Some(HashrateUnit::parse("PH").unwrap()),
        )
        .unwrap();
        assert_eq!(ok[0].hashrate_hs, Some(2e15));
        assert!(matches!(
            parse("bitcoin", "a,b\n1,2\n".as_bytes(), None),
            Err(CoinMetricsError::MissingColumn("time"))
        ));
        assert!(matches!(
            parse("bitcoin", HEADER.as_bytes(), None),
            Err(CoinMetricsError::Empty)
        ));
        assert!(HashrateUnit::parse("ZH").is_err());
    }

    #[test]
    fn proof_of_stake_files_need_no_unit() {
        let rows = parse(
            "cardano",
            "time,BlkCnt,TxCnt\n2020-07-26,21000.0,50000.0\n".as_bytes(),
            None,
        )
        .unwrap();
        assert_eq!(rows[0].hashrate_hs, None);
        assert_eq!(rows[0].tx_count, Some(50_000));
    }

    /// Every community file in ../shared/data parses, with the unit its
    /// chain is documented to use.
    #[test]
    fn reads_every_shared_coinmetrics_file() {
        let Some(data) =
            blockwatt_testkit::shared_data("coinmetrics::reads_every_shared_coinmetrics_file")
        else {
            return;
        };
        let files = [
            ("btc", "bitcoin", 4224),
            ("eth", "ethereum", 1825),
            ("ltc", "litecoin", 3217),
            ("doge", "dogecoin", 2424),
            ("bch", "bitcoin-cash", 1092),
            ("xmr", "monero", 2293),
            ("etc", "ethereum-classic", 1465),
            ("dash", "dash", 2382),
            ("zec", "zcash", 1369),
            ("ada", "cardano", 1039),
            ("xtz", "tezos", 759),
        ];
        for (asset, chain, data_rows) in files {
            let file = std::fs::File::open(data.join(format!("coinmetrics/{asset}.csv"))).unwrap();
            let rows = parse(chain, file, None).unwrap_or_else(|e| panic!("{asset}: {e}"));
            assert_eq!(rows.len(), data_rows, "{asset}");
            assert_eq!(
                rows.last().unwrap().day,
                NaiveDate::from_ymd_opt(2020, 7, 27).unwrap(),
                "{asset}"
            );
        }
        // Bitcoin on 2020-07-27: about 128 EH/s (shared/data/README.md).
        let btc = parse(
            "bitcoin",
            std::fs::File::open(data.join("coinmetrics/btc.csv")).unwrap(),
            None,
        )
        .unwrap();
        let h = btc.last().unwrap().hashrate_hs.unwrap();
        assert!((1.2e20..1.35e20).contains(&h), "{h}");
    }
}

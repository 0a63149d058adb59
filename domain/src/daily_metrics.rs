use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// What the models read for one chain and one UTC day. Every figure is
/// optional: an importer or aggregator fills what its source has, and the
/// models say which inputs were missing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DailyMetrics {
    pub chain: String,
    pub day: NaiveDate,
    /// Network hashrate in hashes per second (already normalised from the
    /// source's unit).
    pub hashrate_hs: Option<f64>,
    pub difficulty_mean: Option<f64>,
    pub block_count: Option<u64>,
    pub tx_count: Option<u64>,
    pub block_size_mean_bytes: Option<f64>,
    pub fees_native: Option<f64>,
    pub issuance_native: Option<f64>,
    pub fees_usd: Option<f64>,
    pub issuance_usd: Option<f64>,
    pub price_usd: Option<f64>,
    /// Validators or full nodes, for proof-of-stake models.
    pub node_count: Option<u64>,
    /// Where the row came from (`coinmetrics`, `blocks`, ...).
    pub source: String,
}

impl DailyMetrics {
    /// An empty row for `chain` on `day` from `source`.
    pub fn empty(chain: &str, day: NaiveDate, source: &str) -> Self {
        DailyMetrics {
            chain: chain.to_owned(),
            day,
            hashrate_hs: None,
            difficulty_mean: None,
            block_count: None,
            tx_count: None,
            block_size_mean_bytes: None,
            fees_native: None,
            issuance_native: None,
            fees_usd: None,
            issuance_usd: None,
            price_usd: None,
            node_count: None,
            source: source.to_owned(),
        }
    }

    /// Fills USD amounts a source did not give from native amounts × the
    /// day's price (block-derived rows carry coins; a price source carries
    /// the price). Figures a source gave are never overwritten.
    pub fn derive_usd(mut self) -> Self {
        if let Some(price) = self.price_usd {
            if self.issuance_usd.is_none() {
                self.issuance_usd = self.issuance_native.map(|n| n * price);
            }
            if self.fees_usd.is_none() {
                self.fees_usd = self.fees_native.map(|n| n * price);
            }
        }
        self
    }

    /// Miner revenue in USD (subsidy + fees), when both are known.
    pub fn miner_revenue_usd(&self) -> Option<f64> {
        Some(self.issuance_usd? + self.fees_usd.unwrap_or(0.0))
    }
}

/// Folds rows of several sources into one row per day: each field is taken
/// from the first source in `preference` that has it, then from any other
/// source (alphabetically), so our own block-derived figures win where they
/// exist and an import fills the gaps (prices, older days). `rows` may be
/// in any order; the result is ascending by day.
pub fn merge_sources(mut rows: Vec<DailyMetrics>, preference: &[&str]) -> Vec<DailyMetrics> {
    let rank = |source: &str| {
        preference
            .iter()
            .position(|p| *p == source)
            .unwrap_or(preference.len())
    };
    rows.sort_by(|a, b| {
        (a.day, rank(&a.source), &a.source).cmp(&(b.day, rank(&b.source), &b.source))
    });
    let mut merged: Vec<DailyMetrics> = Vec::new();
    for row in rows {
        match merged.last_mut() {
            Some(m) if m.day == row.day => {
                macro_rules! fill {
                    ($($field:ident),*) => { $( if m.$field.is_none() { m.$field = row.$field; } )* };
                }
                fill!(
                    hashrate_hs,
                    difficulty_mean,
                    block_count,
                    tx_count,
                    block_size_mean_bytes,
                    fees_native,
                    issuance_native,
                    fees_usd,
                    issuance_usd,
                    price_usd,
                    node_count
                );
                if !m.source.split('+').any(|s| s == row.source) {
                    m.source = format!("{}+{}", m.source, row.source);
                }
            }
            _ => merged.push(row),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2020, 7, d).expect("valid test day")
    }

    #[test]
    fn preferred_source_wins_and_others_fill_gaps() {
        let blocks = DailyMetrics {
            hashrate_hs: Some(2.0),
            block_count: Some(150),
            ..DailyMetrics::empty("bitcoin", day(2), "blocks")
        };
        let cm = DailyMetrics {
            hashrate_hs: Some(1.0),
            price_usd: Some(9_000.0),
            ..DailyMetrics::empty("bitcoin", day(2), "coinmetrics")
        };
        let earlier = DailyMetrics {
            hashrate_hs: Some(0.5),
            ..DailyMetrics::empty("bitcoin", day(1), "coinmetrics")
        };
        let merged = merge_sources(
            vec![cm, blocks, earlier.clone()],
            &["blocks", "coinmetrics"],
        );
        assert_eq!(merged.len(), 2);
        assert_eq!(merged[0], earlier);
        assert_eq!(merged[1].hashrate_hs, Some(2.0));
        assert_eq!(merged[1].price_usd, Some(9_000.0));
        assert_eq!(merged[1].block_count, Some(150));
        assert_eq!(merged[1].source, "blocks+coinmetrics");
    }

    #[test]
    fn usd_is_derived_from_coins_and_price_but_never_overwritten() {
        let row = DailyMetrics {
            issuance_native: Some(900.0),
            fees_native: Some(30.0),
            price_usd: Some(10.0),
            ..DailyMetrics::empty("bitcoin", day(3), "blocks")
        };
        let d = row.clone().derive_usd();
        assert_eq!((d.issuance_usd, d.fees_usd), (Some(9_000.0), Some(300.0)));
        let given = DailyMetrics {
            issuance_usd: Some(1.0),
            ..row.clone()
        }
        .derive_usd();
        assert_eq!(given.issuance_usd, Some(1.0));
        let no_price = DailyMetrics {
            price_usd: None,
            ..row
        }
        .derive_usd();
        assert_eq!(no_price.issuance_usd, None);
    }
}

//! A chain's miners located month by month from its own blocks, where a
//! study has published it (`mining_intensity.csv`): the regions named in
//! blocks and the regions of the pools that mined them, weighted into one
//! grid intensity a day. On the chain's proof-of-work days of such a month
//! that intensity replaces the location profile's, because it says where
//! the hashrate was rather than where the world is.
//!
//! Only carbon changes: water and the energy mix need a country mix, which
//! such a study does not give, so they keep the location profile.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::bibliography::References;
use crate::catalogue::{bad, positive, rows, ChainProfile};
use crate::error::Result;

/// One month of a chain's published mining grid intensity.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MiningIntensity {
    pub chain: String,
    /// The month's first day.
    pub month: NaiveDate,
    /// Days of the month the published series covers.
    pub days: u32,
    /// The month's energy-weighted emissions factor, gCO2e/kWh.
    pub gco2e_per_kwh: f64,
    pub source: String,
}

impl MiningIntensity {
    /// `YYYY-MM`, as the catalogue writes it.
    pub fn month_label(&self) -> String {
        self.month.format("%Y-%m").to_string()
    }

    fn holds(&self, day: NaiveDate) -> bool {
        (self.month.year(), self.month.month()) == (day.year(), day.month())
    }
}

/// The row of `chain` for the month of `day`, if the study covers it.
pub fn mining_intensity_on<'a>(
    rows: &'a [MiningIntensity],
    chain: &str,
    day: NaiveDate,
) -> Option<&'a MiningIntensity> {
    rows.iter().find(|r| r.chain == chain && r.holds(day))
}

#[derive(Deserialize)]
struct Row {
    chain: String,
    month: String,
    days: u32,
    gco2e_per_kwh: f64,
    source: String,
}

const C: &str = "mining_intensity";

/// Every row cited, for a chain that mined in that month, and each
/// (chain, month) once.
pub(crate) fn parse_mining_intensity(
    text: &str,
    chains: &[ChainProfile],
    refs: &References,
) -> Result<Vec<MiningIntensity>> {
    let mut out: Vec<MiningIntensity> = Vec::new();
    for (line, r) in rows::<Row>(C, text)? {
        refs.check(C, line, "source", &r.source)?;
        let Some(chain) = chains.iter().find(|c| c.slug == r.chain) else {
            return Err(bad(C, line, format!("unknown chain {:?}", r.chain)));
        };
        let month = NaiveDate::parse_from_str(&format!("{}-01", r.month), "%Y-%m-%d")
            .map_err(|e| bad(C, line, format!("month {:?} is not YYYY-MM: {e}", r.month)))?;
        let gco2e_per_kwh = positive(C, line, "gco2e_per_kwh", r.gco2e_per_kwh)?;
        let days_in_month = u32::from(month.num_days_in_month());
        if r.days == 0 || r.days > days_in_month {
            return Err(bad(C, line, format!("{} days in {}", r.days, r.month)));
        }
        let month_end = month + chrono::Days::new(u64::from(days_in_month) - 1);
        let mined = chain.algorithm.is_some()
            && chain.launched.is_none_or(|first| first <= month_end)
            && chain.pow_until.is_none_or(|last| month <= last);
        if !mined {
            return Err(bad(
                C,
                line,
                format!("{} was not mined in {}", r.chain, r.month),
            ));
        }
        let row = MiningIntensity {
            chain: r.chain,
            month,
            days: r.days,
            gco2e_per_kwh,
            source: r.source,
        };
        if out
            .iter()
            .any(|o| o.chain == row.chain && o.month == row.month)
        {
            return Err(bad(C, line, format!("{} {} twice", row.chain, r.month)));
        }
        out.push(row);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::{CatalogueSources, Catalogues};

    fn parse(rows: &str) -> Result<Vec<MiningIntensity>> {
        let src = CatalogueSources::embedded();
        let c = Catalogues::parse(src).unwrap();
        let text = format!("chain,month,days,gco2e_per_kwh,source\n{rows}");
        parse_mining_intensity(&text, &c.chains, &c.references)
    }

    #[test]
    fn a_month_is_found_by_any_of_its_days() {
        let rows = parse("ethereum,2020-02,29,312.9,[mcdonald-daily-2022] x\n").unwrap();
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        for day in ["2020-02-01", "2020-02-29"] {
            let r = mining_intensity_on(&rows, "ethereum", d(day)).unwrap();
            assert_eq!(r.month_label(), "2020-02");
        }
        assert!(mining_intensity_on(&rows, "ethereum", d("2020-03-01")).is_none());
        assert!(mining_intensity_on(&rows, "ethereum", d("2020-01-31")).is_none());
        assert!(mining_intensity_on(&rows, "bitcoin", d("2020-02-10")).is_none());
    }

    #[test]
    fn rows_that_cannot_be_are_refused_by_line() {
        for (row, says) in [
            (
                "ethereum,2020-02,30,312.9,[mcdonald-daily-2022] x",
                "30 days in 2020-02",
            ),
            (
                "ethereum,2020-13,30,312.9,[mcdonald-daily-2022] x",
                "is not YYYY-MM",
            ),
            (
                "ethereum,2020-02,29,0,[mcdonald-daily-2022] x",
                "must be positive",
            ),
            ("ethereum,2020-02,29,312.9,", "needs a source"),
            (
                "nochain,2020-02,29,312.9,[mcdonald-daily-2022] x",
                "unknown chain",
            ),
            // After the Merge, and before the chain's genesis.
            (
                "ethereum,2022-10,31,300,[mcdonald-daily-2022] x",
                "was not mined in 2022-10",
            ),
            (
                "ethereum,2015-06,30,300,[mcdonald-daily-2022] x",
                "was not mined in 2015-06",
            ),
            // A chain that never mined.
            (
                "cardano,2021-01,31,300,[mcdonald-daily-2022] x",
                "was not mined",
            ),
        ] {
            let e = parse(&format!("{row}\n")).unwrap_err().to_string();
            assert!(e.contains(says) && e.contains("line 2"), "{row}: {e}");
        }
        let twice = "ethereum,2020-02,29,312.9,[mcdonald-daily-2022] x\n".repeat(2);
        let e = parse(&twice).unwrap_err().to_string();
        assert!(e.contains("ethereum 2020-02 twice"), "{e}");
    }
}

//! The Annex of Commission Delegated Regulation (EU) 2025/422: the fields
//! S.1 to S.36, their tables, units and formats (`mica_annex.csv`).

use serde::Serialize;

use crate::bibliography::References;
use crate::error::{AnalyticsError, Result};

/// Which table of the Annex a field is in, and so when it must be given
/// (Article 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AnnexTable {
    /// Table 2: for every crypto-asset.
    Mandatory,
    /// Table 3: mandatory above the energy threshold (`ENERGY_THRESHOLD_KWH`).
    Supplementary,
    /// Table 4: optional.
    Optional,
}

impl AnnexTable {
    pub fn number(self) -> u8 {
        match self {
            AnnexTable::Mandatory => 2,
            AnnexTable::Supplementary => 3,
            AnnexTable::Optional => 4,
        }
    }
}

/// Table 1's legend: how a field's value is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum FieldFormat {
    FreeText,
    /// `{DATEFORMAT}`: ISO 8601, YYYY-MM-DD.
    Date,
    /// `{DECIMAL-n/m}`: up to `digits` digits, of which up to `fraction`
    /// after the '.'.
    Decimal {
        digits: u8,
        fraction: u8,
    },
}

impl FieldFormat {
    fn parse(s: &str) -> Option<FieldFormat> {
        match s {
            "free text" => Some(FieldFormat::FreeText),
            "{DATEFORMAT}" => Some(FieldFormat::Date),
            _ => {
                let inner = s.strip_prefix("{DECIMAL-")?.strip_suffix('}')?;
                let (n, m) = inner.split_once('/')?;
                let (digits, fraction) = (n.parse().ok()?, m.parse().ok()?);
                (fraction <= digits && digits > 0)
                    .then_some(FieldFormat::Decimal { digits, fraction })
            }
        }
    }

    /// As the Annex writes it.
    pub fn label(self) -> String {
        match self {
            FieldFormat::FreeText => "free text".into(),
            FieldFormat::Date => "{DATEFORMAT}".into(),
            FieldFormat::Decimal { digits, fraction } => format!("{{DECIMAL-{digits}/{fraction}}}"),
        }
    }
}

/// Whether a field's code and wording were read in the adopted text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Checked {
    /// In the Official Journal text.
    Oj,
    /// From ESMA's final draft; the adopted numbering is to be re-checked.
    Draft,
}

/// One field of the Annex.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnnexField {
    /// `S.1` … `S.36`, as the Annex writes it.
    pub code: String,
    pub table: AnnexTable,
    pub section: String,
    pub name: String,
    /// Empty for text and dates.
    pub unit: String,
    pub format: FieldFormat,
    pub checked: Checked,
    pub source: String,
}

/// Table 3 becomes mandatory when S.8 exceeds this many kWh a year
/// (Article 5, as summarised in `esma-2024-annex-iv-summary`).
pub const ENERGY_THRESHOLD_KWH: f64 = 500_000.0;

#[derive(serde::Deserialize)]
struct Row {
    code: String,
    table: u8,
    section: String,
    name: String,
    unit: String,
    format: String,
    checked: String,
    source: String,
}

const C: &str = "mica_annex";

/// Parses the annex catalogue: codes S.1 … S.36 in order, each once.
pub fn parse_annex(text: &str, refs: &References) -> Result<Vec<AnnexField>> {
    let mut rdr = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut out: Vec<AnnexField> = Vec::new();
    for rec in rdr.deserialize::<Row>() {
        let r = rec.map_err(|e| bad(e.position().map(|p| p.line()).unwrap_or(0), e.to_string()))?;
        let line = out.len() as u64 + 1;
        refs.check(C, line, "source", &r.source)?;
        let expected = format!("S.{}", out.len() + 1);
        if r.code != expected {
            return Err(bad(
                line,
                format!("code {:?} where {expected} is due", r.code),
            ));
        }
        let table = match r.table {
            2 => AnnexTable::Mandatory,
            3 => AnnexTable::Supplementary,
            4 => AnnexTable::Optional,
            t => return Err(bad(line, format!("{}: table {t} is not 2, 3 or 4", r.code))),
        };
        if out.last().is_some_and(|prev| prev.table > table) {
            return Err(bad(line, format!("{}: tables go 2, 3, 4 in order", r.code)));
        }
        let format = FieldFormat::parse(&r.format)
            .ok_or_else(|| bad(line, format!("{}: unknown format {:?}", r.code, r.format)))?;
        let checked = match r.checked.as_str() {
            "oj" => Checked::Oj,
            "draft" => Checked::Draft,
            c => {
                return Err(bad(
                    line,
                    format!("{}: checked {c:?} is not oj or draft", r.code),
                ))
            }
        };
        if matches!(format, FieldFormat::Decimal { .. }) && r.unit.is_empty() {
            return Err(bad(line, format!("{}: a number needs its unit", r.code)));
        }
        out.push(AnnexField {
            code: r.code,
            table,
            section: r.section,
            name: r.name,
            unit: r.unit,
            format,
            checked,
            source: r.source,
        });
    }
    if out.len() != 36 {
        return Err(bad(
            0,
            format!("{} fields, the Annex has 36 (S.1 to S.36)", out.len()),
        ));
    }
    Ok(out)
}

fn bad(line: u64, message: impl Into<String>) -> AnalyticsError {
    crate::catalogue::bad(C, line, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_read_as_the_legend_writes_them() {
        assert_eq!(
            FieldFormat::parse("{DECIMAL-18/5}"),
            Some(FieldFormat::Decimal {
                digits: 18,
                fraction: 5
            })
        );
        assert_eq!(FieldFormat::parse("{DATEFORMAT}"), Some(FieldFormat::Date));
        assert_eq!(FieldFormat::parse("{DECIMAL-3/5}"), None);
        assert_eq!(FieldFormat::parse("{DECIMAL-18}"), None);
        for f in ["{DECIMAL-11/10}", "free text", "{DATEFORMAT}"] {
            assert_eq!(FieldFormat::parse(f).unwrap().label(), f);
        }
    }
}

//! The bibliography every catalogue row cites (`references.csv`).
//!
//! A row cites by key in square brackets inside its source column
//! (`[ccaf-cbeci-v1-miners] 0.098 J/GH`), so the free text that says what
//! was taken from the document stays beside the machine-checked citation.
//! Two kinds of reference exist, and the difference is the point: a
//! `document` is something a reader can open (URL or DOI, dated); an
//! `assumption` is blockwatt's own choice or an entry whose document was
//! not kept, and says so, so every figure resting on one can be listed.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::catalogue::bad;
use crate::error::Result;

/// A document a reader can open, or blockwatt's own stated assumption.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReferenceKind {
    Document,
    Assumption,
}

/// One row of `references.csv`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reference {
    pub key: String,
    pub kind: ReferenceKind,
    pub title: String,
    pub publisher: String,
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`: the version used.
    pub date: String,
    /// `https://…` or `doi:10.…`; empty only for an assumption.
    pub url: String,
    pub licence: String,
    /// How the maintainers read it (a copy, a fetched repository, an index).
    pub seen: String,
    /// What the catalogues take from it; for an assumption, what it stands
    /// for and how it was set.
    pub note: String,
}

/// The parsed bibliography, by key.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct References {
    by_key: BTreeMap<String, Reference>,
}

const C: &str = "references";

impl References {
    pub fn parse(text: &str) -> Result<References> {
        let mut rdr = csv::ReaderBuilder::new()
            .comment(Some(b'#'))
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let mut by_key = BTreeMap::new();
        for rec in rdr.deserialize::<Reference>() {
            let r = rec.map_err(|e| {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                bad(C, line, e.to_string())
            })?;
            check_reference(&r)?;
            let key = r.key.clone();
            if by_key.insert(key.clone(), r).is_some() {
                return Err(bad(C, 0, format!("key {key:?} is listed twice")));
            }
        }
        Ok(References { by_key })
    }

    pub fn get(&self, key: &str) -> Option<&Reference> {
        self.by_key.get(key)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Reference> {
        self.by_key.values()
    }

    /// The references `text` cites, in order; an error names the first key
    /// that is not in the bibliography.
    pub fn cited<'a>(&'a self, text: &str) -> std::result::Result<Vec<&'a Reference>, String> {
        citation_keys(text)
            .into_iter()
            .map(|k| {
                self.get(k)
                    .ok_or_else(|| format!("cites [{k}], which is not in references.csv"))
            })
            .collect()
    }

    /// The rule every catalogue's source column follows: at least one
    /// citation, every one known, and no bare "approx." (a row that
    /// approximates says what and how, in an assumption).
    pub fn check(
        &self,
        catalogue: &'static str,
        line: u64,
        column: &str,
        text: &str,
    ) -> Result<()> {
        if text.trim().is_empty() {
            return Err(bad(catalogue, line, format!("every row needs a {column}")));
        }
        if text.to_ascii_lowercase().contains("approx") {
            return Err(bad(
                catalogue,
                line,
                format!("{column} says \"approx.\": cite the assumption that says what is approximated and how"),
            ));
        }
        let cited = self
            .cited(text)
            .map_err(|m| bad(catalogue, line, format!("{column} {m}")))?;
        if cited.is_empty() {
            return Err(bad(
                catalogue,
                line,
                format!("{column} cites no reference: name one as [key] from references.csv"),
            ));
        }
        Ok(())
    }

    /// Whether `text` rests on a document for what it states: it cites at
    /// least one document and no entry whose document was not kept.
    pub fn rests_on_documents(&self, text: &str) -> bool {
        let Ok(cited) = self.cited(text) else {
            return false;
        };
        cited.iter().any(|r| r.kind == ReferenceKind::Document)
            && !cited.iter().any(|r| r.key == UNARCHIVED)
    }
}

/// The assumption that marks values entered without a kept document.
pub const UNARCHIVED: &str = "bw-unarchived-2025";

/// The `[key]` tokens of `text`. A key is lower-case letters, digits and
/// hyphens, so prose in brackets ("[sic]" aside) is not mistaken for one.
pub fn citation_keys(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        let after = &rest[open + 1..];
        let Some(close) = after.find(']') else { break };
        let inner = &after[..close];
        if is_key(inner) {
            out.push(inner);
        }
        rest = &after[close + 1..];
    }
    out
}

fn is_key(s: &str) -> bool {
    !s.is_empty()
        && s.contains('-')
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn check_reference(r: &Reference) -> Result<()> {
    let line = 0;
    if !is_key(&r.key) {
        return Err(bad(
            C,
            line,
            format!("key {:?}: lower-case words joined by hyphens", r.key),
        ));
    }
    if !is_partial_date(&r.date) {
        return Err(bad(
            C,
            line,
            format!(
                "{}: date {:?} is not YYYY, YYYY-MM or YYYY-MM-DD",
                r.key, r.date
            ),
        ));
    }
    if r.title.trim().is_empty() {
        return Err(bad(C, line, format!("{}: needs a title", r.key)));
    }
    match r.kind {
        ReferenceKind::Document => {
            let url = r.url.as_str();
            let openable = url.starts_with("https://")
                || url.starts_with("http://")
                || url.starts_with("doi:10.");
            if !openable {
                return Err(bad(
                    C,
                    line,
                    format!("{}: a document needs a URL or a DOI (doi:10.…)", r.key),
                ));
            }
            if r.seen.trim().is_empty() {
                return Err(bad(
                    C,
                    line,
                    format!("{}: say how the document was read (seen)", r.key),
                ));
            }
        }
        ReferenceKind::Assumption => {
            if r.note.trim().is_empty() {
                return Err(bad(
                    C,
                    line,
                    format!(
                        "{}: an assumption says what it stands for and how (note)",
                        r.key
                    ),
                ));
            }
        }
    }
    Ok(())
}

fn is_partial_date(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let digits = |p: &str, n: usize| p.len() == n && p.chars().all(|c| c.is_ascii_digit());
    match parts.as_slice() {
        [y] => digits(y, 4),
        [y, m] => digits(y, 4) && digits(m, 2) && (1..=12).contains(&m.parse::<u32>().unwrap_or(0)),
        [y, m, d] => {
            chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()
                && digits(y, 4)
                && digits(m, 2)
                && digits(d, 2)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "key,kind,title,publisher,date,url,licence,seen,note\n";

    fn refs() -> References {
        References::parse(&format!(
            "{HEAD}doc-a,document,A,P,2020-05,https://example.org/a,MIT,a copy,what\n\
             bw-x,assumption,X,blockwatt,2025,,CC0,,how it was set\n\
             bw-unarchived-2025,assumption,U,blockwatt,2025-12-01,,CC0,,not kept\n"
        ))
        .unwrap()
    }

    #[test]
    fn citations_are_bracketed_keys() {
        assert_eq!(
            citation_keys("[doc-a] 3 W; [bw-x] and [sic] [Upper-Case]"),
            vec!["doc-a", "bw-x"]
        );
    }

    #[test]
    fn a_row_must_cite_a_known_reference_and_say_no_bare_approx() {
        let r = refs();
        assert!(r.check("hardware", 4, "source", "[doc-a] spec").is_ok());
        let msg = |t: &str| r.check("hardware", 4, "source", t).unwrap_err().to_string();
        assert_eq!(
            msg(""),
            "catalogue hardware, line 4: every row needs a source"
        );
        assert!(msg("vendor sheet").contains("cites no reference"));
        assert!(msg("[doc-b] spec").contains("[doc-b], which is not in references.csv"));
        assert!(msg("[doc-a] 40 W (approx.)").contains("approx"));
    }

    #[test]
    fn a_document_needs_a_url_or_doi_a_date_and_how_it_was_read() {
        let one = |row: &str| References::parse(&format!("{HEAD}{row}\n"));
        assert!(one("d-1,document,T,P,2013-03,doi:10.1088/x,CC,copy,n").is_ok());
        let err = |row: &str| one(row).unwrap_err().to_string();
        assert!(err("d-1,document,T,P,2013-03,,CC,copy,n").contains("URL or a DOI"));
        assert!(err("d-1,document,T,P,,https://x.org,CC,copy,n").contains("date"));
        assert!(err("d-1,document,T,P,2013-13,https://x.org,CC,copy,n").contains("date"));
        assert!(err("d-1,document,T,P,2013,https://x.org,CC,,n").contains("seen"));
        assert!(err("a-1,assumption,T,P,2025,,CC0,,").contains("what it stands for"));
    }

    #[test]
    fn resting_on_documents_excludes_unarchived_entries() {
        let r = refs();
        assert!(r.rests_on_documents("[doc-a] 3 W; release day [bw-x]"));
        assert!(!r.rests_on_documents("[bw-x] only"));
        assert!(!r.rests_on_documents("[doc-a] hashrate; power [bw-unarchived-2025]"));
    }
}

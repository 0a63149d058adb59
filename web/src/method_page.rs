//! `/methodology/{method}`: a method for people: what it computes, its
//! formulas, its parameters with bounds and sources, the catalogues it
//! reads and its references (the JSON stays at `/v1/methodology/{method}`).

use maud::{html, Markup};

use crate::layout::page;

/// A parameter row: name, unit, lower, best, upper, source.
pub struct ParameterRow<'a> {
    pub name: &'a str,
    pub unit: &'a str,
    pub lower: f64,
    pub best: f64,
    pub upper: f64,
    pub source: &'a str,
}

pub struct MethodView<'a> {
    pub name: &'a str,
    pub title: &'a str,
    pub version: &'a str,
    pub summary: &'a str,
    pub applies_to: &'a [String],
    pub formulas: &'a [String],
    pub parameters: Vec<ParameterRow<'a>>,
    /// (name, version, source)
    pub catalogues: Vec<(&'a str, &'a str, &'a str)>,
    pub references: &'a [String],
}

pub fn method_page(m: &MethodView<'_>) -> Markup {
    let body = html! {
        h1 { (m.title) }
        p.lede { code { (m.name) } ", version " (m.version) ". " (m.summary) }
        h2 { "Chains" }
        p { @for (i, c) in m.applies_to.iter().enumerate() { @if i > 0 { ", " } a href=(format!("/chains/{c}")) { (c) } } }
        h2 { "Formulas" }
        ul { @for f in m.formulas { li { code { (f) } } } }
        h2 { "Parameters" }
        div.table-scroll tabindex="0" role="region" aria-label="Table (scrolls sideways on narrow screens)" {
            table {
                thead { tr { th scope="col" { "Name" } th scope="col" { "Unit" } th scope="col" { "Lower" } th scope="col" { "Best" } th scope="col" { "Upper" } th scope="col" { "Source" } } }
                tbody {
                    @for p in &m.parameters {
                        tr { th scope="row" { code { (p.name) } } td { (p.unit) } td.num { (p.lower) } td.num { (p.best) } td.num { (p.upper) } td { (p.source) } }
                    }
                }
            }
        }
        h2 { "Catalogues" }
        ul { @for (name, version, source) in &m.catalogues { li { a href=(format!("/methodology/catalogues/{name}")) { strong { (name) } } " (" (version) "): " (source) } } }
        h2 { "References" }
        ul { @for r in m.references { li { (r) } } }
        p.muted { "As JSON: " a href=(format!("/v1/methodology/{}", m.name)) { "/v1/methodology/" (m.name) } "." }
    };
    page(&format!("{}: blockwatt methodology", m.title), body)
}

/// `/methodology/catalogues/{name}`: a catalogue's rows as a table, its
/// notes (the CSV's `#` lines) above it; the CSV itself beside it.
pub fn catalogue_page(
    name: &str,
    notes: &[&str],
    header: &[String],
    rows: &[Vec<String>],
) -> Markup {
    let body = html! {
        h1 { "Catalogue " code { (name) } }
        @for n in notes { p.muted { (n) } }
        p { (rows.len()) " rows. " a href=(format!("/methodology/catalogues/{name}?format=csv")) { "As CSV" } "." }
        div.table-scroll tabindex="0" role="region" aria-label="Table (scrolls sideways on narrow screens)" {
            table {
                thead { tr { @for h in header { th scope="col" { (h) } } } }
                tbody { @for r in rows { tr { @for c in r { td { (c) } } } } }
            }
        }
    };
    page(&format!("Catalogue {name}: blockwatt"), body)
}

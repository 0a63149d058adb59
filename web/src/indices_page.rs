//! `/indices` and `/indices/{date}`: the published daily indices as
//! reports for people: the table, a chart comparing the chains, the
//! methodology versions, sources and licences, the digest and how to
//! verify it, and how to cite it. The JSON, CSV and metadata stay at
//! `/v1/indices/…`.

use blockwatt_domain::Estimate;
use chrono::NaiveDate;
use maud::{html, Markup};

use crate::basis::basis_pill;
use crate::chart::energy_bars;
use crate::landing::cell;
use crate::layout::page;
use crate::metric::METRICS;

pub struct IndexRow<'a> {
    pub date: NaiveDate,
    pub version: u32,
    pub sha256: &'a str,
}

pub fn indices_list(rows: &[IndexRow<'_>]) -> Markup {
    let body = html! {
        h1 { "Daily indices" }
        p.lede {
            "Each UTC day blockwatt publishes every public chain's figures by its default method as one immutable document. "
            "A later version of a day is published only when its inputs changed. Each has a SHA-256 digest, so a copy can be checked against it."
        }
        @if rows.is_empty() {
            p { "No index has been published yet." }
        } @else {
            div.table-scroll tabindex="0" role="region" aria-label="Table (scrolls sideways on narrow screens)" {
                table {
                    thead { tr { th scope="col" { "Day" } th scope="col" { "Version" } th scope="col" { "SHA-256" } th scope="col" { "Downloads" } } }
                    tbody {
                        @for r in rows.iter().rev() {
                            tr {
                                th scope="row" { a href=(format!("/indices/{}?version={}", r.date, r.version)) { (r.date) } }
                                td.num { (r.version) }
                                td { code { (r.sha256) } }
                                td { a href=(format!("/v1/indices/{}?version={}", r.date, r.version)) { "JSON" } " · " a href=(format!("/v1/indices/{}?version={}&format=csv", r.date, r.version)) { "CSV" } }
                            }
                        }
                    }
                }
            }
        }
        p.muted { "As data: " a href="/v1/indices" { "/v1/indices" } " (" a href="/v1/indices?format=csv" { "CSV" } ")." }
    };
    page("Daily indices: blockwatt", body)
}

pub struct IndexReportView<'a> {
    pub date: NaiveDate,
    pub version: u32,
    pub sha256: &'a str,
    pub created_at: &'a str,
    pub blockwatt_version: &'a str,
    /// (chain slug, name, estimate)
    pub rows: Vec<(&'a str, &'a str, &'a Estimate)>,
    /// (method, methodology version)
    pub methodology_versions: Vec<(&'a str, &'a str)>,
    /// (source, licence)
    pub licences: Vec<(&'a str, &'a str)>,
    pub citation: &'a str,
}

pub fn index_report(v: &IndexReportView<'_>) -> Markup {
    let json = format!("/v1/indices/{}?version={}", v.date, v.version);
    let bars: Vec<(&str, blockwatt_domain::Bounds)> = v
        .rows
        .iter()
        .map(|(_, name, e)| (*name, e.energy_twh_per_year.scale(1e9)))
        .collect();
    let body = html! {
        h1 { "Daily index of " (v.date) }
        p.lede { "Version " (v.version) ", published " (v.created_at) " by blockwatt " (v.blockwatt_version) ". Every public chain's figures for the UTC day, by its default method." }
        h2 { "Energy by chain" }
        @if let Some(chart) = energy_bars(&bars, "index-bars") { (chart) }
        h2 { "Figures" }
        div.table-scroll tabindex="0" role="region" aria-label="Table (scrolls sideways on narrow screens)" {
            table {
                thead { tr { th scope="col" { "Chain" } @for (_, m) in METRICS { th scope="col" { (m.label()) } } th scope="col" { "Basis, data as of, method" } } }
                tbody {
                    @for (slug, name, e) in &v.rows {
                        tr {
                            th scope="row" { a href=(format!("/chains/{slug}")) { (name) } }
                            @for (_, m) in METRICS { (cell(m, e)) }
                            td { (basis_pill(e)) br; (e.as_of) " · " a href=(format!("/methodology/{}", e.method)) { (e.methodology_version) } }
                        }
                    }
                }
            }
        }
        h2 { "Methods" }
        ul { @for (m, ver) in &v.methodology_versions { li { a href=(format!("/methodology/{m}")) { (m) } " " (ver) } } }
        h2 { "Sources and licences" }
        ul { @for (s, l) in &v.licences { li { strong { (s) } ": " (l) } } }
        h2 { "Verify it" }
        p { "The document's SHA-256 is " code { (v.sha256) } ". The server sends the stored bytes unchanged, so:" }
        pre { code { "curl -s 'https://THIS-SERVER" (json) "' | sha256sum" } }
        p { "prints the same digest. The " code { "ETag" } " and " code { "Repr-Digest" } " headers carry it too." }
        h2 { "Cite it" }
        blockquote { (v.citation) }
        h2 { "Downloads" }
        ul {
            li { a href=(json) { "JSON" } " (the bytes the digest is of)" }
            li { a href=(format!("/v1/indices/{}?version={}&format=csv", v.date, v.version)) { "CSV" } }
            li { a href=(format!("/v1/indices/{}/metadata.json?version={}", v.date, v.version)) { "Metadata" } }
        }
    };
    page(&format!("Daily index of {}: blockwatt", v.date), body)
}

/// `/methodology`: every method, one line each.
pub fn methods_list(methods: &[(&str, &str, &str, &str)]) -> Markup {
    let body = html! {
        h1 { "Methodology" }
        p.lede { "How each figure is computed. Every estimate names its method and version; each method lists its formulas, parameters with bounds and sources, and the catalogues it reads." }
        ul {
            @for (name, title, version, summary) in methods {
                li { a href=(format!("/methodology/{name}")) { (title) } " (" code { (name) } ", " (version) "): " (summary) }
            }
        }
        p.muted { "As data: " a href="/v1/methodology" { "/v1/methodology" } "." }
    };
    page("Methodology: blockwatt", body)
}

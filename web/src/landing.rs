//! `/`: what blockwatt measures and every chain's current figures.

use blockwatt_domain::Estimate;
use maud::{html, Markup};

use crate::basis::basis_pill;
use crate::layout::page;
use crate::metric::{Metric, Shown, METRICS};

/// One chain in the table: its newest estimate, or why it has none.
pub struct ChainRow<'a> {
    pub slug: &'a str,
    pub name: &'a str,
    pub consensus: &'a str,
    pub latest: Result<&'a Estimate, String>,
}

pub(crate) fn cell(metric: Metric, e: &Estimate) -> Markup {
    match metric.bounds(e) {
        Some(b) => {
            let s = Shown::new(metric, b);
            html! { td.num { (s.best) " " (s.unit.symbol) small { (s.lower) "–" (s.upper) } } }
        }
        None => html! { td.num.muted { "—" } },
    }
}

pub fn landing(rows: &[ChainRow<'_>]) -> Markup {
    let body = html! {
        h1 { "The environmental footprint of public blockchains" }
        p.lede {
            "blockwatt estimates how much electricity each chain uses, the CO2e it emits, the water it consumes and the electronic waste it leaves, "
            "per year, per block and per transaction, each with lower and upper bounds and a named, versioned method. "
            "The methods, their inputs and their sources are open; every figure says whether it was measured from the day's own data, "
            "carried forward from an earlier day, or taken from a dated catalogue figure."
        }
        h2 { "Chains" }
        div.table-scroll tabindex="0" role="region" aria-label="Table (scrolls sideways on narrow screens)" {
            table {
                caption.muted { "Annualised figures on each chain's newest day with data; lower–upper bounds below each best estimate." }
                thead {
                    tr {
                        th scope="col" { "Chain" }
                        @for (_, m) in METRICS { th scope="col" { (m.label()) } }
                        th scope="col" { "Basis and day" }
                    }
                }
                tbody {
                    @for r in rows {
                        tr {
                            th scope="row" { a href=(format!("/chains/{}", r.slug)) { (r.name) } br; small.muted { (r.consensus) } }
                            @match &r.latest {
                                Ok(e) => {
                                    @for (_, m) in METRICS { (cell(m, e)) }
                                    td { (basis_pill(e)) br; (e.date) " · " a href=(format!("/methodology/{}", e.method)) { (e.method) } }
                                }
                                Err(why) => {
                                    td colspan=(METRICS.len()) .muted { "No current figure: " (why) }
                                    td { span class="basis none" { "no figure" } }
                                }
                            }
                        }
                    }
                }
            }
        }
        h2 { "Use the figures" }
        ul {
            li { a href="/docs" { "The REST API" } " (JSON and CSV; " a href="/openapi.json" { "OpenAPI document" } ")." }
            li { a href="/indices" { "Published daily indices" } ", each with a SHA-256 digest to verify it and a citation." }
            li { a href="/methodology" { "The methods" } ": formulas, parameters and catalogue sources." }
            li { a href="/widgets" { "Widgets for your site" } ": a card with a chart, and badges (SVG, or shields.io's endpoint)." }
        }
    };
    page(
        "blockwatt: the environmental footprint of public blockchains",
        body,
    )
}

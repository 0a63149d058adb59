//! `/chains/{chain}`: a chain's figures, their history with bounds, the
//! inputs behind the newest one and where they come from, the method, and
//! the downloads.

use blockwatt_domain::Estimate;
use chrono::NaiveDate;
use maud::{html, Markup};

use crate::basis::{basis_pill, basis_words};
use crate::chart::{band_chart, Point};
use crate::layout::page;
use crate::metric::{sig3, Metric, Shown, METRICS};
use crate::tornado::{tornado, TornadoRow};

pub struct ChainPageView<'a> {
    pub slug: &'a str,
    pub name: &'a str,
    pub consensus: &'a str,
    pub launched: Option<NaiveDate>,
    /// The chain's default method and why it is the default.
    pub default_method: &'a str,
    pub method_reason: &'a str,
    pub latest: Result<&'a Estimate, String>,
    /// The charted history, oldest first.
    pub series: &'a [Estimate],
    /// The newest figure's data sources with their licences.
    pub sources: Vec<(&'a str, &'a str)>,
    /// What moves the newest figure, widest swing first (empty when the
    /// sensitivity could not be computed).
    pub sensitivity: &'a [TornadoRow],
}

/// A metric's daily points from a series of estimates.
pub fn points(metric: Metric, series: &[Estimate]) -> Vec<Point> {
    series
        .iter()
        .filter_map(|e| {
            let b = metric.bounds(e)?;
            Some(Point {
                date: e.date,
                lower: b.lower,
                best: b.best,
                upper: b.upper,
            })
        })
        .collect()
}

fn input_text(v: &serde_json::Value) -> String {
    let bound = |k: &str| v.get(k).and_then(serde_json::Value::as_f64);
    let s = match (v, bound("lower"), bound("best"), bound("upper")) {
        // A bounded input reads as the figures do: best (lower–upper).
        (_, Some(lower), Some(best), Some(upper)) => {
            format!("{} ({}–{})", sig3(best), sig3(lower), sig3(upper))
        }
        (serde_json::Value::String(s), ..) => s.clone(),
        (other, ..) => other.to_string(),
    };
    if s.chars().count() > 240 {
        format!("{}…", s.chars().take(240).collect::<String>())
    } else {
        s
    }
}

pub fn chain_page(v: &ChainPageView<'_>) -> Markup {
    let body = html! {
        h1 { (v.name) }
        p.lede {
            (v.consensus) " chain"
            @if let Some(d) = v.launched { ", launched " (d) "; no figure is given for an earlier day" }
            ". Default method: " a href=(format!("/methodology/{}", v.default_method)) { (v.default_method) } " (" (v.method_reason) ")."
        }
        @match &v.latest {
            Err(why) => {
                p { span class="basis none" { "no current figure" } " " (why) }
            }
            Ok(e) => {
                p {
                    "Newest figures: " strong { (e.date) } " " (basis_pill(e))
                    @if e.as_of != e.date { " (data as of " (e.as_of) ")" }
                    ", method " a href=(format!("/methodology/{}", e.method)) { (e.methodology_version) } "."
                }
                div.grid {
                    @for (slug, m) in METRICS {
                        @if let Some(b) = m.bounds(e) {
                            @let shown = Shown::new(m, b);
                            @let pts = points(m, v.series);
                            section.panel aria-labelledby=(format!("h-{slug}")) {
                                h3 id=(format!("h-{slug}")) { (m.label()) }
                                div.big { (shown.best) " " (shown.unit.symbol) }
                                div.muted { "range " (shown.lower) "–" (shown.upper) " " (shown.unit.symbol) }
                                @match band_chart(&pts, shown.unit, &format!("{} {}", v.name, m.label()), &format!("chart-{slug}"), crate::chart::MAX_POINTS) {
                                    Some(c) => (c),
                                    None => p.muted { "Not enough history to chart yet." },
                                }
                            }
                        }
                    }
                }
                h2 { "What moves these figures" }
                p.muted { "Each assumption moved across its stated range, the others at their best; widest swing first. The same in the API: " a href=(format!("/v1/chains/{}/footprint?date={}&explain=sensitivity", v.slug, e.as_of)) { "explain=sensitivity" } "." }
                @match tornado(v.sensitivity, &format!("{} on {}", v.name, e.as_of)) {
                    Some(t) => (t),
                    None => p.muted { "Not available for this figure." },
                }
                h2 { "Sources" }
                @if v.sources.is_empty() {
                    p { "No stored data: the figure rests on the catalogue's dated fallback inputs, each with its source in the " a href=(format!("/methodology/{}", e.method)) { "methodology" } "." }
                } @else {
                    ul { @for (s, l) in &v.sources { li { strong { (s) } ": " (l) } } }
                    p.muted { "Where several sources give the same field for a day, our own block-derived figures win; " a href=(format!("/v1/chains/{}/inputs?date={}", v.slug, e.date)) { "each source's values and their agreement" } " are in the API." }
                }
                h2 { "Inputs of " (e.date) }
                p.muted { "Every input the method used, so the sum can be redone; each says where it comes from. Basis: " (basis_words(e)) "." }
                dl.inputs {
                    @for (k, val) in &e.inputs {
                        dt { (k) }
                        dd { (input_text(val)) }
                    }
                }
            }
        }
        h2 { "Downloads" }
        ul {
            li { a href=(format!("/v1/chains/{}/footprint", v.slug)) { "Newest footprint (JSON)" } " · " a href=(format!("/v1/chains/{}/footprint?format=csv", v.slug)) { "CSV" } }
            @if let (Some(first), Some(last)) = (v.series.first(), v.series.last()) {
                li {
                    a href=(format!("/v1/chains/{}/footprint/history?from={}&to={}", v.slug, first.date, last.date)) { "Charted history, " (first.date) " to " (last.date) " (JSON)" }
                    " · "
                    a href=(format!("/v1/chains/{}/footprint/history?from={}&to={}&format=csv", v.slug, first.date, last.date)) { "CSV" }
                }
            }
            li { a href=(format!("/v1/chains/{}/inputs", v.slug)) { "Inputs by source, with their agreement (JSON)" } }
            li { "Widgets: " a href=(format!("/widgets/{}/card.html", v.slug)) { "card" } ", " a href=(format!("/widgets/{}/badge.svg", v.slug)) { "badge" } }
        }
    };
    page(&format!("{}: blockwatt", v.name), body)
}

//! The widget card: one figure of one chain, for an iframe on any site.
//! Its own background and colours in both themes, the value in a unit
//! fitted to its size, the bounds, a chart of the period, the day and how
//! the figure was obtained, the method (linked to its methodology) and
//! "blockwatt" (linked to the chain's page). Readable with scripts off:
//! the one script only tells an embedding page its height.

use blockwatt_domain::Estimate;
use maud::{html, Markup, PreEscaped, DOCTYPE};

use crate::basis::basis_pill;
use crate::chart::{band_chart, Point};
use crate::metric::{Metric, Shown};
use crate::theme::{palette_css, Theme, BASIS_CSS, CHART_CSS};

/// `?period=`: how far back the card's chart reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Period {
    #[default]
    Days30,
    Year,
    All,
}

impl Period {
    pub fn parse(raw: Option<&str>) -> Option<Period> {
        match raw.unwrap_or("30d") {
            "30d" => Some(Period::Days30),
            "1y" => Some(Period::Year),
            "all" => Some(Period::All),
            _ => None,
        }
    }

    pub fn slug(self) -> &'static str {
        match self {
            Period::Days30 => "30d",
            Period::Year => "1y",
            Period::All => "all",
        }
    }

    /// Days before the newest one (`None`: since the chain's launch).
    pub fn days_back(self) -> Option<u64> {
        match self {
            Period::Days30 => Some(29),
            Period::Year => Some(364),
            Period::All => None,
        }
    }

    fn words(self) -> &'static str {
        match self {
            Period::Days30 => "last 30 days",
            Period::Year => "last 12 months",
            Period::All => "since launch",
        }
    }
}

/// What a card shows.
pub struct CardView<'a> {
    pub chain_slug: &'a str,
    pub chain_name: &'a str,
    pub metric: Metric,
    pub estimate: &'a Estimate,
    /// The period's daily figures, oldest first (may be empty).
    pub series: &'a [Point],
    pub period: Period,
    pub theme: Theme,
    /// The oEmbed discovery URL of this card, when the server knows its
    /// public URL.
    pub oembed: Option<String>,
}

const CARD_CSS: &str = "*{box-sizing:border-box}html,body{margin:0;background:var(--bg);color:var(--fg)}body{font:14px/1.35 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}.card{border:1px solid var(--line);border-radius:8px;padding:.7rem .9rem;min-width:0;overflow:hidden}.card header{display:flex;justify-content:space-between;gap:.5em;flex-wrap:wrap;color:var(--muted)}.card header strong{color:var(--fg)}.value{margin:.15rem 0 0;font-size:1.9rem;font-weight:700;line-height:1.15;overflow-wrap:anywhere}.value .unit{font-size:1rem;font-weight:600;color:var(--muted)}.range{margin:0;color:var(--muted)}.card footer{margin-top:.45rem;display:flex;flex-wrap:wrap;gap:.25em .7em;align-items:center;font-size:.8rem;color:var(--muted)}a{color:var(--link)}a:focus-visible{outline:2px solid var(--link);outline-offset:2px}.none .value{font-size:1.2rem}";

fn head(title: &str, oembed: Option<&str>) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) }
            @if let Some(href) = oembed {
                link rel="alternate" type="application/json+oembed" href=(href) title=(title);
            }
            style { (PreEscaped(palette_css())) (PreEscaped(CARD_CSS)) (PreEscaped(BASIS_CSS)) (PreEscaped(CHART_CSS)) }
            link rel="icon" href=(crate::layout::ICON_PATH) type="image/svg+xml";
            script src="/widgets/card.js" defer {}
        }
    }
}

/// The card page.
pub fn card(v: &CardView<'_>) -> Markup {
    let e = v.estimate;
    let title = format!("{} {}: blockwatt", v.chain_name, v.metric.label());
    let body = match v.metric.bounds(e) {
        Some(b) => {
            let shown = Shown::new(v.metric, b);
            let chart = band_chart(
                v.series,
                shown.unit,
                &format!("{} {}", v.chain_name, v.metric.label()),
                "card-chart",
                crate::chart::CARD_POINTS,
            );
            html! {
                article.card aria-label=(format!("{} of {}", v.metric.label(), v.chain_name)) {
                    header {
                        span { strong { (v.chain_name) } " · " (v.metric.label()) }
                        span { (e.date) }
                    }
                    p.value { (shown.best) " " span.unit { (shown.unit.symbol) } }
                    p.range { "range " (shown.lower) "–" (shown.upper) " " (shown.unit.symbol) }
                    @match chart {
                        Some(c) => (c),
                        None => p.range { "No history to chart for the " (v.period.words()) " yet." },
                    }
                    footer {
                        (basis_pill(e))
                        span { "method " a href=(format!("/methodology/{}", e.method)) target="_blank" rel="noopener" { (e.methodology_version) } }
                        span { (v.period.words()) }
                        a href=(format!("/chains/{}", v.chain_slug)) target="_blank" rel="noopener" { "blockwatt" }
                    }
                }
            }
        }
        None => no_figure_body(
            "no figure",
            &format!(
                "{} has no {} for {}.",
                v.chain_name,
                v.metric.label(),
                e.date
            ),
            Some(v.chain_slug),
        ),
    };
    html! {
        (DOCTYPE)
        html lang="en" class=[v.theme.class()] {
            (head(&title, v.oembed.as_deref()))
            body { (body) }
        }
    }
}

fn no_figure_body(message: &str, detail: &str, chain: Option<&str>) -> Markup {
    html! {
        article.card.none role="status" {
            header { span { strong { "blockwatt" } } }
            p.value { (message) }
            p.range { (detail) }
            footer {
                span class="basis none" { "no figure shown" }
                @if let Some(c) = chain {
                    a href=(format!("/chains/{c}")) target="_blank" rel="noopener" { "about this chain" }
                } @else {
                    a href="/" target="_blank" rel="noopener" { "blockwatt" }
                }
            }
        }
    }
}

/// A neutral card that says in words why there is no figure (no data,
/// unknown chain or metric), for the same iframe.
pub fn no_figure_card(message: &str, detail: &str, chain: Option<&str>, theme: Theme) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" class=[theme.class()] {
            (head(&format!("blockwatt: {message}"), None))
            body { (no_figure_body(message, detail, chain)) }
        }
    }
}

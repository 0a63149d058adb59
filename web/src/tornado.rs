//! A tornado chart: one bar per parameter, from the best figure with the
//! parameter at the low end of its range to the figure at the high end,
//! drawn as a change from the best figure and widest first, so the
//! assumption that matters most sits on top. The same numbers follow as a
//! table: the chart's text alternative, and what a reader copies.

use std::fmt::Write as _;

use maud::{html, Markup, PreEscaped};

/// One parameter's row, as the page shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct TornadoRow {
    pub parameter: String,
    /// The range in words with its unit ("0.025–0.1 USD/kWh").
    pub range: String,
    /// Where the range comes from.
    pub range_source: String,
    /// The figure it moves, in words ("energy", "CO2e", "e-waste").
    pub figure: String,
    /// Change of the best figure at each end, as a fraction of it (−0.2 is
    /// 20% lower); `None` where the model gives no figure at that end.
    pub at_low: Option<f64>,
    pub at_high: Option<f64>,
}

// A narrow drawing (it scales to its container): on a 320-pixel screen its
// labels still read at about 11 px.
const W: f64 = 400.0;
const ROW_H: f64 = 24.0;
const LABEL_W: f64 = 125.0;

fn percent(v: Option<f64>) -> String {
    match v {
        Some(v) => format!("{:+.1}%", v * 100.0),
        None => "no figure".to_owned(),
    }
}

/// The chart and its table, or `None` without rows.
pub fn tornado(rows: &[TornadoRow], what: &str) -> Option<Markup> {
    if rows.is_empty() {
        return None;
    }
    let widest = rows
        .iter()
        .flat_map(|r| [r.at_low, r.at_high])
        .flatten()
        .map(f64::abs)
        .fold(0.0, f64::max);
    let half = (W - LABEL_W) / 2.0;
    let centre = LABEL_W + half;
    let scale = if widest > 0.0 {
        (half - 4.0) / widest
    } else {
        0.0
    };
    let height = rows.len() as f64 * ROW_H + 18.0;
    let mut svg = String::new();
    for (i, r) in rows.iter().enumerate() {
        let y = i as f64 * ROW_H + 4.0;
        let label: String = r.parameter.replace('_', " ");
        // Text is escaped by hand: maud escapes markup, not this string.
        let label = label.replace('&', "&amp;").replace('<', "&lt;");
        let _ = write!(
            svg,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{label}</text>"#,
            LABEL_W - 8.0,
            y + ROW_H * 0.6
        );
        for (end, class) in [(r.at_low, "low"), (r.at_high, "high")] {
            if let Some(v) = end {
                let (x0, x1) = if v < 0.0 {
                    (centre + v * scale, centre)
                } else {
                    (centre, centre + v * scale)
                };
                let _ = write!(
                    svg,
                    r#"<rect class="{class}" x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}"/>"#,
                    x0,
                    y + 3.0,
                    (x1 - x0).max(0.5),
                    ROW_H - 8.0
                );
            }
        }
    }
    let _ = write!(
        svg,
        r#"<line class="axis" x1="{centre:.1}" y1="0" x2="{centre:.1}" y2="{:.1}"/><text class="tick" x="{centre:.1}" y="{:.1}" text-anchor="middle">best figure</text>"#,
        height - 14.0,
        height - 2.0
    );
    Some(html! {
        figure.tornado {
            svg viewBox=(format!("0 0 {W} {height:.0}")) role="img" aria-label=(format!("Sensitivity of {what}: how far each parameter moves the best figure")) {
                (PreEscaped(svg))
            }
            figcaption {
                span { span.key.low {} " parameter at the low end of its range" }
                span { span.key.high {} " at the high end" }
            }
        }
        // Scrolls sideways on a narrow screen; focusable so a keyboard can.
        div.scroll tabindex="0" role="region" aria-label=(format!("Sensitivity of {what}, table")) { table.sensitivity {
            caption { "Sensitivity of " (what) ", widest swing first" }
            thead { tr { th scope="col" { "parameter" } th scope="col" { "range" } th scope="col" { "figure" } th scope="col" { "at low end" } th scope="col" { "at high end" } } }
            tbody {
                @for r in rows {
                    tr {
                        th scope="row" { (r.parameter.replace('_', " ")) }
                        td { (r.range) br; span.muted { (r.range_source) } }
                        td { (r.figure) }
                        td { (percent(r.at_low)) }
                        td { (percent(r.at_high)) }
                    }
                }
            }
        } }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(p: &str, lo: Option<f64>, hi: Option<f64>) -> TornadoRow {
        TornadoRow {
            parameter: p.into(),
            range: "1–2 x".into(),
            range_source: "stated".into(),
            figure: "energy".into(),
            at_low: lo,
            at_high: hi,
        }
    }

    #[test]
    fn bars_lie_either_side_of_the_best_figure_and_the_table_says_the_same() {
        let html = tornado(
            &[
                row("electricity_price", Some(0.3), None),
                row("pue", Some(-0.08), Some(0.09)),
            ],
            "Bitcoin energy",
        )
        .unwrap()
        .into_string();
        // Two bars for PUE, one for the price (no figure at its high end).
        assert_eq!(html.matches("<rect").count(), 3);
        assert!(html.contains("+30.0%") && html.contains("no figure"));
        assert!(html.contains("-8.0%") && html.contains("+9.0%"));
        assert!(html.contains("electricity price"));
        assert!(tornado(&[], "x").is_none());
        // A label cannot inject markup into the SVG.
        let evil = tornado(&[row("<script>", Some(0.1), Some(0.2))], "x")
            .unwrap()
            .into_string();
        assert!(!evil.contains("<script>"));
    }
}

//! A band chart in inline SVG: the lower–upper band and the best line of a
//! daily series. It stretches to its container's width (the labels are
//! HTML beside it, so they never stretch), carries a text alternative, and
//! thins long series to at most [`MAX_POINTS`] (a card's [`CARD_POINTS`])
//! so a page stays small.

use std::fmt::Write as _;

use chrono::NaiveDate;
use maud::{html, Markup, PreEscaped};

use crate::metric::{sig3, Unit};

/// One day of a series, in base units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub date: NaiveDate,
    pub lower: f64,
    pub best: f64,
    pub upper: f64,
}

/// Points drawn at most: past a few hundred, a 300-pixel-wide chart shows
/// nothing more, and every point costs bytes in every card.
pub const MAX_POINTS: usize = 240;

/// A card's chart is a few hundred pixels wide: 120 points show all it
/// can, at half the bytes of every card served.
pub const CARD_POINTS: usize = 120;

const W: f64 = 600.0;
const H: f64 = 120.0;

/// Every `k`-th point and the last, so the newest day is always drawn.
fn thinned(points: &[Point], max: usize) -> Vec<Point> {
    if points.len() <= max {
        return points.to_vec();
    }
    let step = points.len().div_ceil(max);
    let mut out: Vec<Point> = points.iter().step_by(step).copied().collect();
    if let (Some(last), Some(kept)) = (points.last(), out.last()) {
        if last.date != kept.date {
            out.push(*last);
        }
    }
    out
}

/// The chart with its caption, or `None` for fewer than two points (no
/// line to draw; the caller says so in words).
pub fn band_chart(
    points: &[Point],
    unit: Unit,
    what: &str,
    id: &str,
    max_points: usize,
) -> Option<Markup> {
    if points.len() < 2 {
        return None;
    }
    let pts = thinned(points, max_points);
    let finite = |v: f64| if v.is_finite() { Some(v) } else { None };
    let lo = pts
        .iter()
        .filter_map(|p| finite(p.lower))
        .fold(f64::INFINITY, f64::min);
    let hi = pts
        .iter()
        .filter_map(|p| finite(p.upper))
        .fold(f64::NEG_INFINITY, f64::max);
    if !lo.is_finite() || !hi.is_finite() {
        return None;
    }
    // Zero at the bottom when the band comes near it: a band floating in a
    // cropped axis reads as far more variable than it is.
    let lo = if lo > 0.0 && lo < hi * 0.5 { 0.0 } else { lo };
    let span = if hi > lo { hi - lo } else { hi.abs().max(1.0) };
    let n = (pts.len() - 1) as f64;
    let x = |i: usize| i as f64 / n * W;
    let y = |v: f64| H - (v - lo) / span * (H - 4.0) - 2.0;
    // "M x,y L x,y …" through the points' values picked by `at`, in order.
    let trace =
        |out: &mut String, at: &dyn Fn(&Point) -> f64, order: &mut dyn Iterator<Item = usize>| {
            for i in order {
                let cmd = if out.is_empty() { "M" } else { "L" };
                // Whole units across 600: a tenth of a pixel at most on a card.
                let _ = write!(out, "{cmd}{:.0},{:.1}", x(i), y(at(&pts[i])));
            }
        };
    let mut band = String::new();
    trace(&mut band, &|p| p.upper, &mut (0..pts.len()));
    trace(&mut band, &|p| p.lower, &mut (0..pts.len()).rev());
    band.push('Z');
    let mut line = String::new();
    trace(&mut line, &|p| p.best, &mut (0..pts.len()));
    let (first, last) = (points[0], points[points.len() - 1]);
    let (min_best, max_best) = points
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
            (a.min(p.best), b.max(p.best))
        });
    let f = |v: f64| sig3(v / unit.factor);
    let alt = format!(
        "{what}, daily from {} to {}: best estimate {} on the first day and {} on the last, between {} and {} {} over the period; the shaded band is the range from the lower to the upper bound.",
        first.date,
        last.date,
        f(first.best),
        f(last.best),
        f(min_best),
        f(max_best),
        unit.symbol,
    );
    Some(html! {
        figure.chart {
            svg viewBox=(format!("0 0 {W} {H}")) preserveAspectRatio="none" role="img"
                aria-labelledby=(format!("{id}-alt")) {
                title id=(format!("{id}-alt")) { (alt) }
                path.band d=(PreEscaped(band)) {}
                path.best d=(PreEscaped(line)) vector-effect="non-scaling-stroke" {}
            }
            figcaption {
                span.axis { "scale " (f(lo)) "–" (f(hi.max(lo))) " " (unit.symbol) }
                span.dates { (first.date) " – " (last.date) }
            }
        }
    })
}

/// Horizontal bars comparing chains' annual energy (base unit kWh/yr) on a
/// log scale, a whisker from lower to upper on each: chains differ by six
/// orders of magnitude, and a linear axis would show only the largest.
pub fn energy_bars(rows: &[(&str, blockwatt_domain::Bounds)], id: &str) -> Option<Markup> {
    let rows: Vec<_> = rows
        .iter()
        .filter(|(_, b)| b.best > 0.0 && b.lower > 0.0 && b.upper.is_finite())
        .collect();
    if rows.is_empty() {
        return None;
    }
    let lo = rows
        .iter()
        .map(|(_, b)| b.lower)
        .fold(f64::INFINITY, f64::min)
        .log10()
        .floor();
    let hi = rows
        .iter()
        .map(|(_, b)| b.upper)
        .fold(f64::NEG_INFINITY, f64::max)
        .log10()
        .ceil();
    let span = (hi - lo).max(1.0);
    let (label_w, w, row_h) = (130.0, 600.0, 22.0);
    // Room on the right for the last tick's label.
    let x = |v: f64| label_w + (v.log10() - lo) / span * (w - label_w - 50.0);
    let h = row_h * rows.len() as f64 + 24.0;
    let unit = |v: f64| {
        let u = crate::metric::Metric::Energy.unit_for(v);
        format!("{} {}", sig3(v / u.factor), u.symbol)
    };
    let alt = format!(
        "Annual energy by chain, log scale: {}.",
        rows.iter()
            .map(|(n, b)| format!("{n} {}", unit(b.best)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    Some(html! {
        figure.chart.bars {
            svg viewBox=(format!("0 0 {w} {h}")) role="img" aria-labelledby=(format!("{id}-alt")) {
                title id=(format!("{id}-alt")) { (alt) }
                @for (i, (name, b)) in rows.iter().enumerate() {
                    @let y = 4.0 + i as f64 * row_h;
                    text x="0" y=(format!("{:.1}", y + 14.0)) class="label" { (name) }
                    rect class="bar" x=(label_w) y=(format!("{:.1}", y + 4.0)) width=(format!("{:.1}", (x(b.best) - label_w).max(1.0))) height="12" {}
                    line class="whisker" x1=(format!("{:.1}", x(b.lower))) x2=(format!("{:.1}", x(b.upper))) y1=(format!("{:.1}", y + 10.0)) y2=(format!("{:.1}", y + 10.0)) {}
                }
                @for d in (lo as i32)..=(hi as i32) {
                    text x=(format!("{:.1}", x(10f64.powi(d)))) y=(format!("{:.1}", h - 4.0)) class="tick" text-anchor="middle" { (unit(10f64.powi(d))) }
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(n: u64) -> Vec<Point> {
        let start = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
        (0..n)
            .map(|i| Point {
                date: start + chrono::Days::new(i),
                lower: 50.0 + i as f64,
                best: 100.0 + i as f64,
                upper: 150.0 + i as f64,
            })
            .collect()
    }

    const KWH: Unit = Unit {
        symbol: "kWh/yr",
        factor: 1.0,
    };

    #[test]
    fn a_band_and_a_best_line_with_a_text_alternative() {
        let svg = band_chart(&series(30), KWH, "energy", "c", MAX_POINTS)
            .unwrap()
            .into_string();
        assert!(svg.contains("class=\"band\""), "{svg}");
        assert!(svg.contains("class=\"best\""), "{svg}");
        assert!(svg.contains("role=\"img\""));
        assert!(
            svg.contains("daily from 2020-01-01 to 2020-01-30: best estimate 100 on the first day and 129 on the last"),
            "{svg}"
        );
        assert!(band_chart(&series(1), KWH, "energy", "c", MAX_POINTS).is_none());
    }

    #[test]
    fn long_series_are_thinned_and_keep_their_last_day() {
        let long = series(5000);
        let thin = thinned(&long, MAX_POINTS);
        assert!(thin.len() <= MAX_POINTS + 1, "{}", thin.len());
        assert_eq!(thin.last().unwrap().date, long.last().unwrap().date);
        let svg = band_chart(&long, KWH, "energy", "c", CARD_POINTS)
            .unwrap()
            .into_string();
        assert!(svg.len() < 12_000, "{} bytes", svg.len());
    }
}

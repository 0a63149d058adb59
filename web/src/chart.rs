//! A band chart in inline SVG: the lower–upper band and the best line of a
//! daily series. It stretches to its container's width (the labels are
//! HTML beside it, so they never stretch), carries a text alternative, and
//! thins long series to at most [`MAX_POINTS`] so a card stays small.

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

const W: f64 = 600.0;
const H: f64 = 120.0;

/// Every `k`-th point and the last, so the newest day is always drawn.
fn thinned(points: &[Point]) -> Vec<Point> {
    if points.len() <= MAX_POINTS {
        return points.to_vec();
    }
    let step = points.len().div_ceil(MAX_POINTS);
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
pub fn band_chart(points: &[Point], unit: Unit, what: &str, id: &str) -> Option<Markup> {
    if points.len() < 2 {
        return None;
    }
    let pts = thinned(points);
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
                let _ = write!(out, "{cmd}{:.1},{:.1}", x(i), y(at(&pts[i])));
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
        let svg = band_chart(&series(30), KWH, "energy", "c")
            .unwrap()
            .into_string();
        assert!(svg.contains("class=\"band\""), "{svg}");
        assert!(svg.contains("class=\"best\""), "{svg}");
        assert!(svg.contains("role=\"img\""));
        assert!(
            svg.contains("daily from 2020-01-01 to 2020-01-30: best estimate 100 on the first day and 129 on the last"),
            "{svg}"
        );
        assert!(band_chart(&series(1), KWH, "energy", "c").is_none());
    }

    #[test]
    fn long_series_are_thinned_and_keep_their_last_day() {
        let long = series(5000);
        let thin = thinned(&long);
        assert!(thin.len() <= MAX_POINTS + 1, "{}", thin.len());
        assert_eq!(thin.last().unwrap().date, long.last().unwrap().date);
        let svg = band_chart(&long, KWH, "energy", "c").unwrap().into_string();
        assert!(svg.len() < 12_000, "{} bytes", svg.len());
    }
}

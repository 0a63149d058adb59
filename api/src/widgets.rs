//! Embeddable widgets for websites: a shields.io-compatible badge (JSON
//! endpoint and a ready SVG), an HTML card for iframes, and `embed.js`
//! which turns `<div data-blockwatt-chain="bitcoin">` into that iframe.
//! All are drawn from the cached latest default-method estimate and load
//! nothing from other origins.

use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::Response;
use blockwatt_domain::{Bounds, Estimate};
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ApiError, Problem};
use crate::extract::{Path, Query};
use crate::problem_responses::LimitsAndOutages;
use crate::respond::{cached, json_bytes, CondHeaders, Freshness, JSON};
use crate::AppState;

/// The shields.io endpoint-badge schema.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ShieldsBadge {
    /// Always 1.
    pub schema_version: u8,
    pub label: String,
    pub message: String,
    pub color: String,
    /// Set when there is no figure to show (no data, unknown chain or
    /// metric): shields.io then draws the badge as an error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_error: Option<bool>,
}

/// Why a widget has no figure, in words for the page it sits on: a neutral
/// grey badge or card with the right status instead of problem JSON (which
/// a browser shows as text in an iframe, or as a broken image).
struct NoFigure {
    status: axum::http::StatusCode,
    /// Short, for a badge: `no data`, `unknown chain`, `unknown metric`.
    message: &'static str,
    /// The full reason, for the card and the badge's title.
    detail: String,
}

impl NoFigure {
    /// The errors a widget answers in its own format; others (the store
    /// down, a timeout) stay problems, as on every route.
    fn from_error(e: ApiError) -> Result<NoFigure, ApiError> {
        let (message, detail) = match &e {
            ApiError::NoData(d) => ("no data", d.clone()),
            ApiError::UnknownChain(_) => ("unknown chain", e.to_string()),
            ApiError::Invalid { parameter, detail } if parameter == "metric" => {
                ("unknown metric", detail.clone())
            }
            _ => return Err(e),
        };
        Ok(NoFigure {
            status: e.status(),
            message,
            detail,
        })
    }
}

fn with_status(mut resp: Response, status: axum::http::StatusCode) -> Response {
    *resp.status_mut() = status;
    resp
}

#[derive(Debug, Deserialize)]
pub(crate) struct MetricQuery {
    metric: Option<String>,
}

/// Which figure a widget shows, with its display unit.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Metric {
    Energy,
    Co2e,
    Water,
    Ewaste,
    EnergyPerTx,
}

/// `?metric=` values, the default first.
pub(crate) const METRICS: [(&str, Metric); 5] = [
    ("energy", Metric::Energy),
    ("co2e", Metric::Co2e),
    ("water", Metric::Water),
    ("ewaste", Metric::Ewaste),
    ("energy-per-tx", Metric::EnergyPerTx),
];

impl Metric {
    fn parse(raw: Option<&str>) -> Result<Metric, ApiError> {
        let raw = raw.unwrap_or(METRICS[0].0);
        METRICS
            .iter()
            .find(|(name, _)| *name == raw)
            .map(|(_, m)| *m)
            .ok_or_else(|| {
                let names: Vec<&str> = METRICS.iter().map(|(n, _)| *n).collect();
                ApiError::invalid(
                    "metric",
                    format!("metric: {raw:?} is not one of {}", names.join(", ")),
                )
            })
    }

    /// (label, bounds in display unit, unit); `None` when the estimate lacks it.
    fn pick(self, e: &Estimate) -> Option<(&'static str, Bounds, &'static str)> {
        Some(match self {
            Metric::Energy => ("energy", e.energy_twh_per_year, "TWh/yr"),
            Metric::Co2e => ("CO2e", e.co2e_t_per_year.scale(1e-6), "Mt/yr"),
            Metric::Water => ("water", e.water_m3_per_year.scale(1e-6), "million m³/yr"),
            Metric::Ewaste => ("e-waste", e.ewaste_t_per_year.scale(1e-3), "kt/yr"),
            Metric::EnergyPerTx => ("energy per tx", e.per_tx.as_ref()?.energy_kwh, "kWh"),
        })
    }
}

/// Three significant digits: enough for an estimate whose bounds span tens of percent.
fn sig3(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let digits = 2 - v.abs().log10().floor() as i32;
    if digits > 0 {
        format!("{:.*}", digits as usize, v)
    } else {
        format!("{:.0}", v)
    }
}

struct Figure {
    label: String,
    message: String,
    best: String,
    range: String,
    unit: &'static str,
    date: String,
    method: String,
}

async fn figure(state: &AppState, chain: &str, metric: Option<&str>) -> Result<Figure, ApiError> {
    let info = state.chain(chain)?;
    let metric = Metric::parse(metric)?;
    let hit = crate::v1::default_estimate(state, chain, None, None).await?;
    let e = &hit.estimate;
    let (what, b, unit) = metric.pick(e).ok_or_else(|| {
        ApiError::NoData(format!(
            "{chain} has no per-transaction figure for {}",
            e.date
        ))
    })?;
    let (best, range) = (sig3(b.best), format!("{}–{}", sig3(b.lower), sig3(b.upper)));
    Ok(Figure {
        label: format!("{} {what}", info.name),
        message: format!("{best} {unit} ({range})"),
        best,
        range,
        unit,
        // Never a guess or an old figure that reads as the day's own.
        date: match e.basis {
            blockwatt_domain::Basis::Measured => format!("{} (measured)", e.date),
            b => format!("{} ({b}, data as of {})", e.date, e.as_of),
        },
        method: e.method.clone(),
    })
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// shields.io endpoint badge: `https://img.shields.io/endpoint?url=<this URL>`.
#[utoipa::path(get, path = "/widgets/{chain}/badge.json", tag = "widgets",
    params(
        ("chain" = String, Path, description = "Chain slug"),
        ("metric" = Option<String>, Query, description = "`energy` (default), `co2e`, `water`, `ewaste` or `energy-per-tx`"),
    ),
    responses(
        (status = 200, description = "shields.io endpoint JSON", body = ShieldsBadge),
        (status = 400, description = "Malformed query", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown chain, or no data: a grey `isError` badge saying so", body = ShieldsBadge),
        (status = 422, description = "Unknown metric: a grey `isError` badge saying so", body = ShieldsBadge),
        LimitsAndOutages,
    ))]
pub(crate) async fn badge_json(
    State(state): State<AppState>,
    Path(chain): Path<String>,
    Query(q): Query<MetricQuery>,
    CondHeaders(headers): CondHeaders,
) -> Result<Response, ApiError> {
    let (badge, status) = match figure(&state, &chain, q.metric.as_deref()).await {
        Ok(f) => (
            ShieldsBadge {
                schema_version: 1,
                label: f.label,
                message: f.message,
                color: "2e7d32".to_owned(),
                is_error: None,
            },
            axum::http::StatusCode::OK,
        ),
        Err(e) => {
            let none = NoFigure::from_error(e)?;
            (
                ShieldsBadge {
                    schema_version: 1,
                    label: "blockwatt".to_owned(),
                    message: none.message.to_owned(),
                    color: "lightgrey".to_owned(),
                    is_error: Some(true),
                },
                none.status,
            )
        }
    };
    let resp = cached(&headers, json_bytes(&badge)?, JSON, None, Freshness::Live);
    Ok(with_status(resp, status))
}

/// A flat SVG badge.
#[utoipa::path(get, path = "/widgets/{chain}/badge.svg", tag = "widgets",
    params(
        ("chain" = String, Path, description = "Chain slug"),
        ("metric" = Option<String>, Query, description = "`energy` (default), `co2e`, `water`, `ewaste` or `energy-per-tx`"),
    ),
    responses(
        (status = 200, description = "SVG image", content_type = "image/svg+xml", body = String),
        (status = 400, description = "Malformed query", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown chain or no data: a grey badge saying so", content_type = "image/svg+xml", body = String),
        (status = 422, description = "Unknown metric: a grey badge saying so", content_type = "image/svg+xml", body = String),
        LimitsAndOutages,
    ))]
pub(crate) async fn badge_svg(
    State(state): State<AppState>,
    Path(chain): Path<String>,
    Query(q): Query<MetricQuery>,
    CondHeaders(headers): CondHeaders,
) -> Result<Response, ApiError> {
    let (label, message, title, fill, status) =
        match figure(&state, &chain, q.metric.as_deref()).await {
            Ok(f) => {
                // Hovered or read aloud, the badge says how old and how
                // measured its figure is (the card says it in its text).
                let title = format!("{}: {}, {}", f.label, f.message, f.date);
                (
                    f.label,
                    f.message,
                    title,
                    "#2e7d32",
                    axum::http::StatusCode::OK,
                )
            }
            Err(e) => {
                let none = NoFigure::from_error(e)?;
                (
                    "blockwatt".to_owned(),
                    none.message.to_owned(),
                    none.detail,
                    "#9f9f9f",
                    none.status,
                )
            }
        };
    // Verdana 11px averages about 6.5 px per character; good enough for a badge.
    let w = |s: &str| 10 + (s.chars().count() as u32 * 13).div_ceil(2);
    let (lw, mw) = (w(&label), w(&message));
    let (label, message, title) = (escape(&label), escape(&message), escape(&title));
    let svg = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{tw}" height="20" role="img" aria-label="{title}"><title>{title}</title><rect width="{lw}" height="20" fill="#555"/><rect x="{lw}" width="{mw}" height="20" fill="{fill}"/><g fill="#fff" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11" text-anchor="middle"><text x="{lx}" y="14">{label}</text><text x="{mx}" y="14">{message}</text></g></svg>"##,
        tw = lw + mw,
        lx = lw / 2,
        mx = lw + mw / 2,
    );
    let resp = cached(
        &headers,
        Bytes::from(svg),
        "image/svg+xml",
        None,
        Freshness::Live,
    );
    Ok(with_status(resp, status))
}

/// An HTML card for an iframe: best value, bounds, day and method.
#[utoipa::path(get, path = "/widgets/{chain}/card.html", tag = "widgets",
    params(
        ("chain" = String, Path, description = "Chain slug"),
        ("metric" = Option<String>, Query, description = "`energy` (default), `co2e`, `water`, `ewaste` or `energy-per-tx`"),
    ),
    responses(
        (status = 200, description = "HTML card", content_type = "text/html", body = String),
        (status = 400, description = "Malformed query", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown chain or no data: a neutral card saying so", content_type = "text/html", body = String),
        (status = 422, description = "Unknown metric: a neutral card saying so", content_type = "text/html", body = String),
        LimitsAndOutages,
    ))]
pub(crate) async fn card(
    State(state): State<AppState>,
    Path(chain): Path<String>,
    Query(q): Query<MetricQuery>,
    CondHeaders(headers): CondHeaders,
) -> Result<Response, ApiError> {
    const STYLE: &str = "body{margin:0;font:14px system-ui,sans-serif}.c{border:1px solid #ccc;border-radius:6px;padding:.6rem .8rem}.v{font-size:1.6rem;font-weight:600}small{color:#555}";
    let (html, status) = match figure(&state, &chain, q.metric.as_deref()).await {
        Ok(f) => (
            format!(
                r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{label}</title><style>{STYLE}</style></head><body><div class="c"><div>{label}</div><div class="v">{best} {unit}</div><div>range {range} {unit}</div><small>{date} · method {method} · blockwatt</small></div></body></html>"#,
                label = escape(&f.label),
                best = escape(&f.best),
                unit = escape(f.unit),
                range = escape(&f.range),
                date = escape(&f.date),
                method = escape(&f.method),
            ),
            axum::http::StatusCode::OK,
        ),
        Err(e) => {
            let none = NoFigure::from_error(e)?;
            (
                format!(
                    r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>blockwatt: {message}</title><style>{STYLE}</style></head><body><div class="c"><div class="v">{message}</div><div>{detail}</div><small>blockwatt</small></div></body></html>"#,
                    message = escape(none.message),
                    detail = escape(&none.detail),
                ),
                none.status,
            )
        }
    };
    let mut resp = cached(
        &headers,
        Bytes::from(html),
        "text/html; charset=utf-8",
        None,
        Freshness::Live,
    );
    *resp.status_mut() = status;
    // Meant to be framed anywhere, and to run no script at all.
    resp.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors *",
        ),
    );
    Ok(resp)
}

const EMBED_JS: &str = include_str!("embed.js");

/// Replaces each `<div data-blockwatt-chain="...">` with the card in an iframe.
#[utoipa::path(get, path = "/widgets/embed.js", tag = "widgets",
    responses(
        (status = 200, description = "JavaScript", content_type = "text/javascript", body = String),
        LimitsAndOutages,
    ))]
pub(crate) async fn embed_js(CondHeaders(headers): CondHeaders) -> Response {
    cached(
        &headers,
        Bytes::from_static(EMBED_JS.as_bytes()),
        "text/javascript; charset=utf-8",
        None,
        Freshness::Static,
    )
}

//! Embeddable widgets for websites: a shields.io-compatible badge (JSON
//! endpoint and a ready SVG), an HTML card for iframes, and `embed.js`
//! which turns `<div data-blockwatt-chain="bitcoin">` into that iframe.
//! All are drawn from the cached latest default-method estimate and load
//! nothing from other origins.

use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::Response;
use blockwatt_domain::Basis;
use blockwatt_web::{CardView, Metric, Period, Shown, Theme};
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ApiError, Problem};
use crate::extract::{Path, Query};
use crate::problem_responses::LimitsAndOutages;
use crate::rendered_cache::Rendered;
use crate::respond::{cached, cached_precompressed, json_bytes, CondHeaders, Freshness, JSON};
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

#[derive(Debug, Deserialize)]
pub(crate) struct CardQuery {
    metric: Option<String>,
    theme: Option<String>,
    period: Option<String>,
}

fn parse_metric(raw: Option<&str>) -> Result<Metric, ApiError> {
    Metric::parse(raw).ok_or_else(|| {
        ApiError::invalid(
            "metric",
            format!(
                "metric: {:?} is not one of {}",
                raw.unwrap_or_default(),
                Metric::names()
            ),
        )
    })
}

/// The badge's colour says how the figure was obtained (documented in the
/// OpenAPI description of the badge routes): green measured, amber carried
/// forward, orange-red a catalogue fallback, grey no figure.
fn basis_colour(b: Basis) -> &'static str {
    match b {
        Basis::Measured => "2e7d32",
        Basis::CarriedForward => "8a6100",
        Basis::Fallback => "b3401a",
    }
}

struct Figure {
    label: String,
    /// "152 TWh/yr (95.1–211), 2026-11-29": the day is in the message,
    /// so a two-year-old figure never reads as today's.
    message: String,
    /// The message with the basis in words, for titles.
    title: String,
    basis: Basis,
}

async fn figure(state: &AppState, chain: &str, metric: Option<&str>) -> Result<Figure, ApiError> {
    let info = state.chain(chain)?;
    let metric = parse_metric(metric)?;
    let hit = crate::v1::default_estimate(state, chain, None, None).await?;
    let e = &hit.estimate;
    let b = metric.bounds(e).ok_or_else(|| {
        ApiError::NoData(format!(
            "{chain} has no {} figure for {}",
            metric.label(),
            e.date
        ))
    })?;
    let shown = Shown::new(metric, b);
    let message = format!("{}, {}", shown.one_line(), e.date);
    Ok(Figure {
        label: format!("{} {}", info.name, metric.label()),
        title: format!(
            "{} {}: {message} ({}; method {})",
            info.name,
            metric.label(),
            blockwatt_web::basis::basis_words(e),
            e.method
        ),
        message,
        basis: e.basis,
    })
}

/// shields.io endpoint badge: `https://img.shields.io/endpoint?url=<this URL>`.
#[utoipa::path(get, path = "/widgets/{chain}/badge.json", tag = "widgets",
    params(
        ("chain" = String, Path, description = "Chain slug"),
        ("metric" = Option<String>, Query, description = "`energy` (default), `co2e`, `water`, `ewaste` or `per-tx` (also `energy-per-tx`)"),
    ),
    responses(
        (status = 200, description = "shields.io endpoint JSON; the message ends with the figure's day, and the colour says its basis: green `2e7d32` measured, amber `8a6100` carried forward, orange-red `b3401a` a catalogue fallback", body = ShieldsBadge),
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
    let metric = q.metric.as_deref();
    let key = widget_key(&state, "badge.json", &chain, metric);
    let r = state
        .rendered
        .get_or_render(key, || render_badge_json(&state, &chain, metric))
        .await?;
    Ok(serve_rendered(&headers, r, JSON))
}

/// The cache key of a widget whose chain and metric are known; `None`
/// for any other (rendered each time: their number is unbounded).
fn widget_key(state: &AppState, kind: &str, chain: &str, metric: Option<&str>) -> Option<String> {
    let metric = Metric::parse(metric)?;
    state.chain(chain).ok()?;
    Some(format!("{kind}/{chain}/{}", metric.slug()))
}

fn serve_rendered(
    headers: &axum::http::HeaderMap,
    r: Rendered,
    content_type: &'static str,
) -> Response {
    let resp = cached_precompressed(
        headers,
        &r.body,
        r.gzip.as_ref(),
        content_type,
        r.etag,
        Freshness::Live,
    );
    if resp.status() == axum::http::StatusCode::OK {
        with_status(resp, r.status)
    } else {
        resp
    }
}

async fn render_badge_json(
    state: &AppState,
    chain: &str,
    metric: Option<&str>,
) -> Result<Rendered, ApiError> {
    let (badge, status) = match figure(state, chain, metric).await {
        Ok(f) => (
            ShieldsBadge {
                schema_version: 1,
                label: f.label,
                message: f.message,
                color: basis_colour(f.basis).to_owned(),
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
    Ok(Rendered::new(status, json_bytes(&badge)?))
}

/// A flat SVG badge.
#[utoipa::path(get, path = "/widgets/{chain}/badge.svg", tag = "widgets",
    params(
        ("chain" = String, Path, description = "Chain slug"),
        ("metric" = Option<String>, Query, description = "`energy` (default), `co2e`, `water`, `ewaste` or `per-tx` (also `energy-per-tx`)"),
    ),
    responses(
        (status = 200, description = "SVG image; the message ends with the figure's day, the title says its basis and method, and the colour says its basis: green measured, amber carried forward, orange-red a catalogue fallback", content_type = "image/svg+xml", body = String),
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
    let metric = q.metric.as_deref();
    let key = widget_key(&state, "badge.svg", &chain, metric);
    let r = state
        .rendered
        .get_or_render(key, || render_badge_svg(&state, &chain, metric))
        .await?;
    Ok(serve_rendered(&headers, r, "image/svg+xml"))
}

async fn render_badge_svg(
    state: &AppState,
    chain: &str,
    metric: Option<&str>,
) -> Result<Rendered, ApiError> {
    let (label, message, title, fill, status) = match figure(state, chain, metric).await {
        Ok(f) => (
            f.label,
            f.message,
            f.title,
            format!("#{}", basis_colour(f.basis)),
            axum::http::StatusCode::OK,
        ),
        Err(e) => {
            let none = NoFigure::from_error(e)?;
            (
                "blockwatt".to_owned(),
                none.message.to_owned(),
                none.detail,
                "#9f9f9f".to_owned(),
                none.status,
            )
        }
    };
    let svg = blockwatt_web::badge_svg(&label, &message, &title, &fill).into_string();
    Ok(Rendered::new(status, svg))
}

/// An HTML card for an iframe: the value in a unit fitted to its size,
/// its bounds, a chart of the period with the band, the day and basis, the
/// method. Its own background in both themes.
#[utoipa::path(get, path = "/widgets/{chain}/card.html", tag = "widgets",
    params(
        ("chain" = String, Path, description = "Chain slug"),
        ("metric" = Option<String>, Query, description = "`energy` (default), `co2e`, `water`, `ewaste` or `per-tx` (also `energy-per-tx`)"),
        ("theme" = Option<String>, Query, description = "`light`, `dark` or `auto` (default: follows the reader's `prefers-color-scheme`)"),
        ("period" = Option<String>, Query, description = "The chart's reach: `30d` (default), `1y` or `all` (since launch)"),
    ),
    responses(
        (status = 200, description = "HTML card", content_type = "text/html", body = String),
        (status = 400, description = "Malformed query", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown chain or no data: a neutral card saying so", content_type = "text/html", body = String),
        (status = 422, description = "Unknown metric, theme or period: a neutral card saying so", content_type = "text/html", body = String),
        LimitsAndOutages,
    ))]
pub(crate) async fn card(
    State(state): State<AppState>,
    Path(chain): Path<String>,
    Query(q): Query<CardQuery>,
    CondHeaders(headers): CondHeaders,
) -> Result<Response, ApiError> {
    // A bad theme still gets a readable card, in the default theme.
    let theme = Theme::parse(q.theme.as_deref());
    let rendered = match card_params(&q) {
        Ok((metric, theme, period)) => {
            // Only known chains are kept: unknown names would grow the map.
            let key = state.chain(&chain).is_ok().then(|| {
                format!(
                    "card/{chain}/{}/{}/{}",
                    metric.slug(),
                    theme.slug(),
                    period.slug()
                )
            });
            state
                .rendered
                .get_or_render(key, || render_card(&state, &chain, metric, theme, period))
                .await?
        }
        Err(e) => no_figure_card(e, None, theme.unwrap_or_default())?,
    };
    let mut resp = serve_rendered(&headers, rendered, "text/html; charset=utf-8");
    // Framed anywhere; its one script (same origin) only reports its height.
    resp.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; script-src 'self'; img-src 'self'; frame-ancestors *",
        ),
    );
    Ok(resp)
}

fn card_params(q: &CardQuery) -> Result<(Metric, Theme, Period), ApiError> {
    let metric = parse_metric(q.metric.as_deref())?;
    let theme = Theme::parse(q.theme.as_deref()).ok_or_else(|| {
        ApiError::invalid(
            "theme",
            format!(
                "theme: {:?} is not one of light, dark, auto",
                q.theme.as_deref().unwrap_or_default()
            ),
        )
    })?;
    let period = Period::parse(q.period.as_deref()).ok_or_else(|| {
        ApiError::invalid(
            "period",
            format!(
                "period: {:?} is not one of 30d, 1y, all",
                q.period.as_deref().unwrap_or_default()
            ),
        )
    })?;
    Ok((metric, theme, period))
}

fn no_figure_card(e: ApiError, chain: Option<&str>, theme: Theme) -> Result<Rendered, ApiError> {
    let status = e.status();
    let (message, detail) = match &e {
        ApiError::Invalid { parameter, detail } => (
            match parameter.as_str() {
                "metric" => "unknown metric",
                "theme" => "unknown theme",
                "period" => "unknown period",
                _ => return Err(e),
            },
            detail.clone(),
        ),
        _ => {
            let none = NoFigure::from_error(e)?;
            (none.message, none.detail)
        }
    };
    let html = blockwatt_web::no_figure_card(message, &detail, chain, theme).into_string();
    Ok(Rendered::new(status, Bytes::from(html)))
}

async fn render_card(
    state: &AppState,
    chain: &str,
    metric: Metric,
    theme: Theme,
    period: Period,
) -> Result<Rendered, ApiError> {
    let info = match state.chain(chain) {
        Ok(i) => i,
        Err(e) => return no_figure_card(e, None, theme),
    };
    let hit = match crate::v1::default_estimate(state, chain, None, None).await {
        Ok(h) => h,
        Err(e) => return no_figure_card(e, Some(chain), theme),
    };
    let e = &hit.estimate;
    let series = crate::pages::series_back(state, info, e.date, period.days_back()).await?;
    let points = blockwatt_web::points(metric, &series);
    let oembed = state.config.public_url.as_deref().map(|base| {
        let base = base.trim_end_matches('/');
        format!(
            "{base}/oembed?url={}",
            crate::pages::query_escape(&format!(
                "{base}/widgets/{chain}/card.html?metric={}&theme={}&period={}",
                metric.slug(),
                theme.slug(),
                period.slug()
            ))
        )
    });
    let html = blockwatt_web::card(&CardView {
        chain_slug: chain,
        chain_name: &info.name,
        metric,
        estimate: e,
        series: &points,
        period,
        theme,
        oembed,
    })
    .into_string();
    Ok(Rendered::new(axum::http::StatusCode::OK, Bytes::from(html)))
}

const CARD_JS: &str = include_str!("card.js");

/// The card's only script: tells the page that embeds it its height.
#[utoipa::path(get, path = "/widgets/card.js", tag = "widgets",
    responses(
        (status = 200, description = "JavaScript", content_type = "text/javascript", body = String),
        LimitsAndOutages,
    ))]
pub(crate) async fn card_js(CondHeaders(headers): CondHeaders) -> Response {
    script(&headers, CARD_JS)
}

fn script(headers: &axum::http::HeaderMap, js: &'static str) -> Response {
    cached(
        headers,
        Bytes::from_static(js.as_bytes()),
        "text/javascript; charset=utf-8",
        None,
        Freshness::Static,
    )
}

const EMBED_JS: &str = include_str!("embed.js");

/// Replaces each `<div data-blockwatt-chain="...">` with the card in an iframe.
#[utoipa::path(get, path = "/widgets/embed.js", tag = "widgets",
    responses(
        (status = 200, description = "JavaScript", content_type = "text/javascript", body = String),
        LimitsAndOutages,
    ))]
pub(crate) async fn embed_js(CondHeaders(headers): CondHeaders) -> Response {
    script(&headers, EMBED_JS)
}

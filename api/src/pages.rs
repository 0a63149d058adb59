//! Pages for people: `/` (every chain's figures), `/chains/{chain}` (a
//! chain's history, inputs and downloads), `/oembed`, and the stylesheet.
//! The markup is `blockwatt-web`'s; this module fetches what it shows and
//! serves it cached like the API (ETag, max-age, the rendered-page cache).

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use blockwatt_domain::Estimate;
use blockwatt_service::{ChainInfo, EstimateParams};
use bytes::Bytes;
use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::extract::{Path, Query};
use crate::rendered_cache::Rendered;
use crate::respond::{cached, json_bytes, CondHeaders, Freshness, JSON};
use crate::AppState;

const HTML: &str = "text/html; charset=utf-8";

/// The chain's default-method estimates for `days_back` days before `to`
/// (`None`: since launch), oldest first; empty when there are none (a
/// page then says so instead of failing). An outage stays an error, so a
/// chart emptied by it is never cached.
pub(crate) async fn series_back(
    state: &AppState,
    info: &ChainInfo,
    to: NaiveDate,
    days_back: Option<u64>,
) -> Result<Vec<Estimate>, ApiError> {
    let earliest = info.launched.unwrap_or(NaiveDate::MIN);
    let from = match days_back {
        Some(n) => to.checked_sub_days(Days::new(n)).unwrap_or(earliest),
        None => earliest,
    }
    .max(earliest);
    match state
        .footprints
        .series(&info.slug, from, to, None, &EstimateParams::default())
        .await
    {
        Ok(s) => Ok(s),
        Err(e) => match ApiError::from(e) {
            ApiError::NoData(_) | ApiError::Invalid { .. } => Ok(Vec::new()),
            other => Err(other),
        },
    }
}

/// Percent-encodes a query value.
pub(crate) fn query_escape(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn html_response(headers: &axum::http::HeaderMap, r: Rendered) -> Response {
    let mut resp = crate::respond::cached_precompressed(
        headers,
        &r.body,
        r.gzip.as_ref(),
        HTML,
        r.etag,
        Freshness::Live,
    );
    if resp.status() == StatusCode::OK {
        *resp.status_mut() = r.status;
    }
    resp
}

fn ok(markup: maud::Markup) -> Rendered {
    Rendered::new(StatusCode::OK, Bytes::from(markup.into_string()))
}

/// The newest estimate, or in words why there is none; outages stay errors.
async fn latest(
    state: &AppState,
    chain: &str,
) -> Result<Result<Arc<crate::cache::CachedEstimate>, String>, ApiError> {
    match crate::v1::default_estimate(state, chain, None, None).await {
        Ok(hit) => Ok(Ok(hit)),
        Err(e @ (ApiError::NoData(_) | ApiError::Invalid { .. })) => Ok(Err(e.to_string())),
        Err(e) => Err(e),
    }
}

/// `/`: what blockwatt measures and every public chain's newest figures.
pub(crate) async fn landing(
    State(state): State<AppState>,
    CondHeaders(headers): CondHeaders,
) -> Result<Response, ApiError> {
    let r = state
        .rendered
        .get_or_render::<ApiError, _, _>(Some("page/".to_owned()), || async {
            let chains: Vec<&ChainInfo> = state.footprints.public_chains().collect();
            let mut latest_of = Vec::with_capacity(chains.len());
            for c in &chains {
                latest_of.push(latest(&state, &c.slug).await?);
            }
            let consensus: Vec<String> = chains.iter().map(|c| consensus_words(c)).collect();
            let rows: Vec<blockwatt_web::ChainRow<'_>> = chains
                .iter()
                .zip(&latest_of)
                .zip(&consensus)
                .map(|((c, l), cons)| blockwatt_web::ChainRow {
                    slug: &c.slug,
                    name: &c.name,
                    consensus: cons,
                    latest: l.as_ref().map(|h| &h.estimate).map_err(Clone::clone),
                })
                .collect();
            Ok(ok(blockwatt_web::landing(&rows)))
        })
        .await?;
    Ok(html_response(&headers, r))
}

fn consensus_words(c: &ChainInfo) -> String {
    // A chain that left proof of work keeps its old algorithm in the
    // catalogue (Ethereum's ethash); it is named only while it is mined.
    match (c.consensus.as_str(), &c.algorithm) {
        ("pow", Some(a)) => format!("proof of work ({a})"),
        ("pow", None) => "proof of work".to_owned(),
        _ => "proof of stake".to_owned(),
    }
}

/// Why the chain's default method is its default, in a phrase.
fn method_reason(c: &ChainInfo) -> String {
    match c.default_method.as_str() {
        "pos-nodes" => {
            "proof of stake spends its energy in the validators' nodes, not in hashing".to_owned()
        }
        "hardware" => format!(
            "its hashrate is met by the catalogued {} hardware that is profitable on the day",
            c.algorithm.as_deref().unwrap_or("mining")
        ),
        "cbeci-v1" => "it reproduces the Cambridge index's published method".to_owned(),
        "economic" => "miners' revenue bounds what they can spend on electricity".to_owned(),
        other => format!("{other} is the catalogue's choice for this chain"),
    }
}

/// The newest figure's sensitivity as the page draws it. A failure leaves
/// the section saying so; the page itself still renders.
async fn tornado_rows(
    state: &AppState,
    chain: &str,
    day: chrono::NaiveDate,
) -> Vec<blockwatt_web::TornadoRow> {
    let default = blockwatt_service::EstimateParams::default();
    let Ok((_, rows)) = state
        .footprints
        .sensitivity(chain, Some(day), None, &default)
        .await
    else {
        return Vec::new();
    };
    let sig = blockwatt_web::metric::sig3;
    rows.iter()
        .map(|r| {
            let change = |v: Option<f64>| {
                v.filter(|_| r.figure_at_best > 0.0)
                    .map(|v| v / r.figure_at_best - 1.0)
            };
            blockwatt_web::TornadoRow {
                parameter: r.parameter.to_owned(),
                range: format!("{}–{} {}", sig(r.low), sig(r.high), r.unit),
                range_source: r.range.to_owned(),
                figure: match r.figure {
                    "co2e_t_per_year" => "CO2e",
                    "ewaste_t_per_year" => "e-waste",
                    _ => "energy",
                }
                .to_owned(),
                at_low: change(r.figure_at_low),
                at_high: change(r.figure_at_high),
            }
        })
        .collect()
}

/// `/chains/{chain}`.
pub(crate) async fn chain_page(
    State(state): State<AppState>,
    Path(chain): Path<String>,
    CondHeaders(headers): CondHeaders,
) -> Result<Response, ApiError> {
    let info = match state.chain(&chain) {
        Ok(info) => info,
        Err(e) => return error_page(&headers, e),
    };
    let r = state
        .rendered
        .get_or_render::<ApiError, _, _>(Some(format!("page/chains/{chain}")), || async {
            let newest = latest(&state, &chain).await?;
            let series = match &newest {
                Ok(hit) => series_back(&state, info, hit.estimate.date, Some(364)).await?,
                Err(_) => Vec::new(),
            };
            let consensus = consensus_words(info);
            let reason = method_reason(info);
            let source_names: Vec<String> = match &newest {
                Ok(hit) => hit
                    .estimate
                    .inputs
                    .get("metrics_source")
                    .and_then(|v| v.as_str())
                    .map(|s| s.split('+').map(str::to_owned).collect())
                    .unwrap_or_default(),
                Err(_) => Vec::new(),
            };
            let sources = source_names
                .iter()
                .map(|s| (s.as_str(), crate::indices::licence_of(s)))
                .collect();
            let sensitivity = match &newest {
                Ok(hit) => tornado_rows(&state, &chain, hit.estimate.as_of).await,
                Err(_) => Vec::new(),
            };
            Ok(ok(blockwatt_web::chain_page(
                &blockwatt_web::ChainPageView {
                    slug: &info.slug,
                    name: &info.name,
                    consensus: &consensus,
                    launched: info.launched,
                    default_method: &info.default_method,
                    method_reason: &reason,
                    latest: newest.as_ref().map(|h| &h.estimate).map_err(Clone::clone),
                    series: &series,
                    sources,
                    sensitivity: &sensitivity,
                },
            )))
        })
        .await?;
    Ok(html_response(&headers, r))
}

/// `/assets/blockwatt.css`: the one stylesheet of every page.
pub(crate) async fn stylesheet(CondHeaders(headers): CondHeaders) -> Response {
    cached(
        &headers,
        Bytes::from(blockwatt_web::stylesheet()),
        "text/css; charset=utf-8",
        None,
        Freshness::Static,
    )
}

/// `/methodology/{method}`: the method for people.
pub(crate) async fn method_page(
    State(state): State<AppState>,
    Path(name): Path<String>,
    CondHeaders(headers): CondHeaders,
) -> Result<Response, ApiError> {
    let Some(m) = blockwatt_service::methodology::method(state.footprints.catalogues(), &name)
    else {
        return error_page(
            &headers,
            ApiError::NotFound(format!(
                "no method called {name:?} (/methodology lists them)"
            )),
        );
    };
    let view = blockwatt_web::MethodView {
        name: &m.name,
        title: &m.title,
        version: &m.version,
        summary: &m.summary,
        applies_to: &m.applies_to,
        formulas: &m.formulas,
        parameters: m
            .parameters
            .iter()
            .map(|p| blockwatt_web::ParameterRow {
                name: &p.name,
                unit: &p.unit,
                lower: p.lower,
                best: p.best,
                upper: p.upper,
                source: &p.source,
            })
            .collect(),
        catalogues: m
            .catalogues
            .iter()
            .map(|c| (c.name.as_str(), c.version.as_str(), c.source.as_str()))
            .collect(),
        references: &m.references,
    };
    let body = Bytes::from(blockwatt_web::method_page(&view).into_string());
    Ok(cached(&headers, body, HTML, None, Freshness::Static))
}

/// The icon every page and card names.
pub(crate) async fn icon(CondHeaders(headers): CondHeaders) -> Response {
    cached(
        &headers,
        Bytes::from_static(blockwatt_web::ICON_SVG.as_bytes()),
        "image/svg+xml",
        None,
        Freshness::Static,
    )
}

#[derive(Debug, Deserialize)]
pub(crate) struct OembedQuery {
    url: Option<String>,
    maxwidth: Option<u32>,
    format: Option<String>,
}

/// An oEmbed 1.0 `rich` answer.
#[derive(Debug, Serialize)]
struct Oembed {
    version: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    provider_name: &'static str,
    provider_url: String,
    title: String,
    html: String,
    width: u32,
    height: u32,
    cache_age: u32,
}

/// `GET /oembed?url=…`: how a content system embeds a card it was given a
/// link to (oEmbed 1.0, section 2.2: `rich`, with the iframe as `html`).
pub(crate) async fn oembed(
    State(state): State<AppState>,
    Query(q): Query<OembedQuery>,
    CondHeaders(headers): CondHeaders,
) -> Result<Response, ApiError> {
    if q.format.as_deref().is_some_and(|f| f != "json") {
        return Err(ApiError::invalid(
            "format",
            "format: only json is served".to_owned(),
        ));
    }
    let url = q.url.ok_or_else(|| {
        ApiError::invalid("url", "url: the card's address is required".to_owned())
    })?;
    let base = state
        .config
        .public_url
        .as_deref()
        .map(|b| b.trim_end_matches('/').to_owned())
        .ok_or_else(|| {
            ApiError::NotFound(
                "oembed: this server has no public_url configured, so it cannot tell its own links"
                    .into(),
            )
        })?;
    let (chain, query) = url
        .strip_prefix(&base)
        .and_then(|r| r.strip_prefix("/widgets/"))
        .and_then(|r| r.split_once("/card.html"))
        .ok_or_else(|| {
            ApiError::NotFound(format!(
                "oembed: {base}/widgets/{{chain}}/card.html is the only kind of link served here"
            ))
        })?;
    let info = state.chain(chain)?;
    let width = q.maxwidth.unwrap_or(420).clamp(280, 1200);
    let height = 230;
    let src = format!("{base}/widgets/{chain}/card.html{query}");
    let body = Oembed {
        version: "1.0",
        kind: "rich",
        provider_name: "blockwatt",
        provider_url: format!("{base}/"),
        title: format!("{}: environmental footprint (blockwatt)", info.name),
        html: maud::html! {
            iframe src=(src) width=(width) height=(height) style="border:0" loading="lazy"
                title=(format!("blockwatt: {}", info.name)) {}
        }
        .into_string(),
        width,
        height,
        cache_age: 3600,
    };
    let mut resp = cached(&headers, json_bytes(&body)?, JSON, None, Freshness::Live);
    resp.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    Ok(resp)
}

#[derive(Debug, Deserialize)]
pub(crate) struct GalleryQuery {
    chain: Option<String>,
}

/// `/widgets`: every widget of a chain, previewed, with snippets to paste.
pub(crate) async fn gallery(
    State(state): State<AppState>,
    Query(q): Query<GalleryQuery>,
    CondHeaders(headers): CondHeaders,
) -> Result<Response, ApiError> {
    match gallery_page(&state, &q, &headers) {
        Ok(r) => Ok(r),
        Err(e) => error_page(&headers, e),
    }
}

fn gallery_page(
    state: &AppState,
    q: &GalleryQuery,
    headers: &axum::http::HeaderMap,
) -> Result<Response, ApiError> {
    let chains: Vec<&ChainInfo> = state.footprints.public_chains().collect();
    let chosen = q.chain.as_deref().unwrap_or("bitcoin");
    let info = chains
        .iter()
        .find(|c| c.slug == chosen)
        .copied()
        .ok_or_else(|| ApiError::UnknownChain(chosen.to_owned()))?;
    // Snippets need an absolute address: the configured one, else the one
    // this request used (said so on the page).
    let (base, guessed) = match state.config.public_url.as_deref() {
        Some(u) => (u.trim_end_matches('/').to_owned(), false),
        None => {
            let host = headers
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .filter(|h| {
                    h.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "-.:[]".contains(c))
                })
                .unwrap_or("localhost:8080");
            (format!("http://{host}"), true)
        }
    };
    let markup = blockwatt_web::gallery(&blockwatt_web::GalleryView {
        chains: chains
            .iter()
            .map(|c| (c.slug.as_str(), c.name.as_str()))
            .collect(),
        chain: &info.slug,
        chain_name: &info.name,
        base: &base,
        base_guessed: guessed,
    });
    Ok(html_response(headers, ok(markup)))
}

/// A client's mistake on a page (an unknown chain or day, a bad version)
/// as a page that says so, with its status; outages stay problems.
fn error_page(headers: &axum::http::HeaderMap, e: ApiError) -> Result<Response, ApiError> {
    let status = e.status();
    if status.is_server_error() {
        return Err(e);
    }
    let title = if status == StatusCode::NOT_FOUND {
        "Not found"
    } else {
        "Cannot show that"
    };
    let body = blockwatt_web::layout::page(
        &format!("{title}: blockwatt"),
        maud::html! {
            h1 { (title) }
            p { (e.to_string()) }
            p { a href="/" { "The front page" } " lists every chain." }
        },
    );
    Ok(html_response(
        headers,
        Rendered::new(status, Bytes::from(body.into_string())),
    ))
}

/// `/methodology`: every method.
pub(crate) async fn methods(
    State(state): State<AppState>,
    CondHeaders(headers): CondHeaders,
) -> Response {
    let all = blockwatt_service::methodology::methodology(state.footprints.catalogues());
    let rows: Vec<(&str, &str, &str, &str)> = all
        .iter()
        .map(|m| {
            (
                m.name.as_str(),
                m.title.as_str(),
                m.version.as_str(),
                m.summary.as_str(),
            )
        })
        .collect();
    let body = Bytes::from(blockwatt_web::methods_list(&rows).into_string());
    cached(&headers, body, HTML, None, Freshness::Static)
}

/// `/indices`: every published index.
pub(crate) async fn indices(
    State(state): State<AppState>,
    CondHeaders(headers): CondHeaders,
) -> Result<Response, ApiError> {
    let listed = state.footprints.published_indices().await?;
    let rows: Vec<blockwatt_web::IndexRow<'_>> = listed
        .iter()
        .map(|l| blockwatt_web::IndexRow {
            date: l.date,
            version: l.version,
            sha256: &l.sha256,
        })
        .collect();
    Ok(html_response(
        &headers,
        ok(blockwatt_web::indices_list(&rows)),
    ))
}

#[derive(Debug, Deserialize)]
pub(crate) struct IndexPageQuery {
    version: Option<String>,
}

/// `/indices/{date}[?version=N]`: one index as a report.
pub(crate) async fn index_page(
    State(state): State<AppState>,
    Path(date): Path<String>,
    Query(q): Query<IndexPageQuery>,
    CondHeaders(headers): CondHeaders,
) -> Result<Response, ApiError> {
    match index_report(&state, &date, &q, &headers).await {
        Ok(r) => Ok(r),
        Err(e) => error_page(&headers, e),
    }
}

async fn index_report(
    state: &AppState,
    date: &str,
    q: &IndexPageQuery,
    headers: &axum::http::HeaderMap,
) -> Result<Response, ApiError> {
    let (s, pinned) = crate::indices::snapshot(state, date, q.version.as_deref()).await?;
    let doc = crate::indices::document(&s)?;
    let meta = crate::indices::metadata_of(&s, &doc);
    let view = blockwatt_web::IndexReportView {
        date: s.date,
        version: s.version,
        sha256: &s.sha256,
        created_at: &meta.created_at,
        blockwatt_version: &doc.blockwatt_version,
        rows: doc
            .chains
            .iter()
            .map(|c| (c.chain.as_str(), c.name.as_str(), &c.estimate))
            .collect(),
        methodology_versions: doc
            .methodology_versions
            .iter()
            .map(|(m, v)| (m.as_str(), v.as_str()))
            .collect(),
        licences: meta
            .licences
            .iter()
            .map(|(s, l)| (s.as_str(), l.as_str()))
            .collect(),
        citation: &meta.citation,
    };
    let body = Bytes::from(blockwatt_web::index_report(&view).into_string());
    // A pinned version never changes; the day's latest may gain a version.
    let freshness = if pinned {
        Freshness::Past
    } else {
        Freshness::Live
    };
    Ok(cached(headers, body, HTML, None, freshness))
}

#[derive(Debug, Deserialize)]
pub(crate) struct CatalogueQuery {
    format: Option<String>,
}

/// `/methodology/catalogues/{name}[?format=csv]`: a catalogue's rows with
/// their sources, for people, or the CSV as shipped.
pub(crate) async fn catalogue(
    Path(name): Path<String>,
    Query(q): Query<CatalogueQuery>,
    CondHeaders(headers): CondHeaders,
) -> Result<Response, ApiError> {
    let Some(text) = blockwatt_service::methodology::catalogue_csv(&name) else {
        return error_page(
            &headers,
            ApiError::NotFound(format!(
                "no catalogue called {name:?} (each method's page lists its catalogues)"
            )),
        );
    };
    match q.format.as_deref() {
        Some("csv") => {
            return Ok(cached(
                &headers,
                Bytes::from_static(text.as_bytes()),
                crate::respond::CSV,
                None,
                Freshness::Static,
            ))
        }
        None | Some("html") => {}
        Some(other) => {
            return error_page(
                &headers,
                ApiError::invalid(
                    "format",
                    format!("format: {other:?} is not one of html, csv"),
                ),
            )
        }
    }
    let notes: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix('#'))
        .map(str::trim)
        .collect();
    let data: String = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n");
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(data.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map(|h| h.iter().map(str::to_owned).collect())
        .map_err(|e| ApiError::Internal(format!("shipped catalogue {name} does not parse: {e}")))?;
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.map(|r| r.iter().map(str::to_owned).collect()))
        .collect::<Result<_, _>>()
        .map_err(|e| ApiError::Internal(format!("shipped catalogue {name} does not parse: {e}")))?;
    let body =
        Bytes::from(blockwatt_web::catalogue_page(&name, &notes, &header, &rows).into_string());
    Ok(cached(&headers, body, HTML, None, Freshness::Static))
}

#[derive(Debug, Deserialize)]
pub(crate) struct MicaPageQuery {
    from: Option<String>,
    to: Option<String>,
    /// `1`: offered as a file to save (Content-Disposition: attachment).
    download: Option<String>,
    allocation: Option<String>,
}

/// `/mica/{asset}`: the MiCA disclosure as the self-contained document a
/// provider can put on its website; `?download=1` offers it as a file.
pub(crate) async fn mica(
    State(state): State<AppState>,
    Path(asset): Path<String>,
    Query(q): Query<MicaPageQuery>,
    CondHeaders(headers): CondHeaders,
) -> Result<Response, ApiError> {
    let download = match q.download.as_deref() {
        None | Some("0") => false,
        Some("1") => true,
        Some(other) => {
            return error_page(
                &headers,
                ApiError::invalid("download", format!("download: {other:?} is not 0 or 1")),
            )
        }
    };
    let result = async {
        let period = crate::v1::mica_period(
            q.from.as_deref(),
            q.to.as_deref(),
            state.config.max_history_days,
        )?;
        let today = chrono::Utc::now().date_naive();
        let d = state
            .footprints
            .mica(
                &asset,
                period,
                today,
                q.allocation.as_deref(),
                state.lookup.as_deref(),
            )
            .await?;
        Ok::<_, ApiError>((d, today))
    }
    .await;
    let (d, today) = match result {
        Ok(v) => v,
        Err(e) => return error_page(&headers, e),
    };
    let mut query = format!("from={}&to={}", d.period.start, d.period.end);
    // The links give the same figures: the key was checked by `mica`.
    if let (Some(key), Some(_)) = (q.allocation.as_deref(), d.allocation.as_ref()) {
        query.push_str(&format!("&allocation={key}"));
    }
    let json_url = format!("/v1/mica/{}?{query}", d.asset);
    let csv_url = format!("/v1/mica/{}?{query}&format=csv", d.asset);
    let doc = blockwatt_web::MicaDocument {
        disclosure: &d,
        asset_name: &d.asset_name,
        generated: today,
        json_url: Some(&json_url),
        csv_url: Some(&csv_url),
    };
    let body = Bytes::from(blockwatt_web::mica_document(&doc).into_string());
    let mut response = cached(&headers, body, HTML, None, Freshness::of_day(d.period.end));
    if download {
        let file = format!(
            "attachment; filename=\"mica-{}-{}-{}.html\"",
            d.asset, d.period.start, d.period.end
        );
        if let Ok(v) = HeaderValue::from_str(&file) {
            response
                .headers_mut()
                .insert(header::CONTENT_DISPOSITION, v);
        }
    }
    Ok(response)
}

//! Widgets: shields.io badge JSON, SVG badge, iframe card (themes,
//! periods, units fitted to the figure, a band chart), embed script and
//! the card's sizing script; the public pages and oEmbed.

mod common;

use axum::http::{header, StatusCode};
use common::*;

#[tokio::test]
async fn badge_json_follows_the_shields_schema() {
    let t = app().await;
    let r = get(&t.router, "/widgets/bitcoin/badge.json").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let v = r.json();
    assert_eq!(v["schemaVersion"], 1);
    assert_eq!(v["label"], "Bitcoin energy");
    let msg = v["message"].as_str().unwrap_or_default();
    // The value, its bounds and its day: never a figure that reads as today's.
    assert!(
        msg.contains("TWh/yr") && msg.contains('–') && msg.ends_with(", 2024-06-30"),
        "{msg}"
    );
    // Green: measured (the colours are by basis, documented in OpenAPI).
    assert_eq!(v["color"], "2e7d32");
    let v = get(&t.router, "/widgets/ethereum/badge.json?metric=co2e")
        .await
        .json();
    // Ethereum's proof-of-stake emissions read in kt, not "0.00173 Mt".
    assert!(
        v["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("1.73 kt/yr (")),
        "{v}"
    );
}

#[tokio::test]
async fn badge_svg_is_escaped_svg() {
    let t = app().await;
    let r = get(&t.router, "/widgets/bitcoin/badge.svg?metric=energy-per-tx").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header(header::CONTENT_TYPE), Some("image/svg+xml"));
    let svg = r.text();
    assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
    assert!(svg.contains("MWh per tx"), "{svg}");
    // Its title says the day, how it was obtained and the method.
    assert!(
        svg.contains(", 2024-06-30 (measured; method hardware)</title>"),
        "{svg}"
    );
    assert!(r.header(header::ETAG).is_some());
}

#[tokio::test]
async fn card_is_self_contained_html() {
    let t = app().await;
    let r = get(&t.router, "/widgets/bitcoin/card.html").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.header(header::CONTENT_TYPE),
        Some("text/html; charset=utf-8")
    );
    let html = r.text();
    assert!(
        html.contains("Bitcoin") && html.contains("2024-06-30") && html.contains("hardware"),
        "{html}"
    );
    // Nothing from another origin: its one script and its links are its own.
    assert!(!html.contains("http"), "{html}");
    assert!(html.contains(r#"<script src="/widgets/card.js" defer>"#));
    assert!(
        html.contains(r#"<span class="basis measured">measured</span>"#),
        "{html}"
    );
    assert!(
        html.contains(r#"href="/chains/bitcoin""#)
            && html.contains(r#"href="/methodology/hardware""#)
    );
    // Its own background in both themes, dark under auto when asked.
    assert!(html.contains("--bg:#ffffff") && html.contains("prefers-color-scheme:dark"));
    assert!(
        html.starts_with("<!DOCTYPE html><html lang=\"en\">"),
        "auto pins no theme"
    );
    // The 30-day chart: a band and a best line, with a text alternative.
    assert!(html.contains(r#"class="band""#) && html.contains(r#"class="best""#));
    assert!(
        html.contains("daily from 2024-06-01 to 2024-06-30"),
        "{html}"
    );
    assert!(html.len() < 20_000, "{} bytes", html.len());
    let csp = r
        .header(header::CONTENT_SECURITY_POLICY)
        .unwrap_or_default();
    assert!(
        csp.contains("frame-ancestors *") && csp.contains("script-src 'self'"),
        "{csp}"
    );

    let r = get(
        &t.router,
        "/widgets/bitcoin/card.html?theme=dark&period=all&metric=co2e",
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let html = r.text();
    assert!(html.starts_with("<!DOCTYPE html><html lang=\"en\" class=\"dark\">"));
    assert!(
        html.contains("daily from 2020-01-01 to 2024-06-30"),
        "since launch: all stored days"
    );
    assert!(html.contains("Mt/yr"), "{html}");
    assert!(html.len() < 20_000, "{} bytes", html.len());
}

/// The unit follows the figure: the seeded Bitcoin's per-transaction
/// energy (about 1,140 kWh) reads in MWh, its bounds in the same unit.
#[tokio::test]
async fn card_units_fit_the_figure() {
    let t = app().await;
    for metric in ["per-tx", "energy-per-tx"] {
        let r = get(
            &t.router,
            &format!("/widgets/bitcoin/card.html?metric={metric}&period=1y"),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{metric}");
        let html = r.text();
        assert!(
            html.contains("1.14 <span class=\"unit\">MWh per tx"),
            "{html}"
        );
        assert!(
            html.contains("daily from 2023-07-02 to 2024-06-30"),
            "{html}"
        );
    }
    let r = get(&t.router, "/widgets/bitcoin/card.html?metric=ewaste").await;
    assert!(r.text().contains("kt/yr"), "{}", r.text());
}

#[tokio::test]
async fn card_script_reports_its_height_only_to_the_embedding_origin() {
    let t = app().await;
    let r = get(&t.router, "/widgets/card.js").await;
    assert_eq!(r.status, StatusCode::OK);
    let js = r.text();
    assert!(js.contains("bw-origin") && js.contains("postMessage") && !js.contains(r#""*""#));
}

#[tokio::test]
async fn embed_script_mounts_cards() {
    let t = app().await;
    let r = get(&t.router, "/widgets/embed.js").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.header(header::CONTENT_TYPE),
        Some("text/javascript; charset=utf-8")
    );
    let js = r.text();
    assert!(js.contains("data-blockwatt-chain") && js.contains("/card.html"));
    // Sized by message, from the card's origin and frame only.
    assert!(js.contains("ev.origin !== origin") && js.contains("ev.source !== f.contentWindow"));
    for attr in ["metric", "theme", "period"] {
        assert!(js.contains(&format!(r#"attr(n, "{attr}""#)), "{attr}");
    }
}

/// No figure (unknown chain, unknown metric, no data) is a neutral widget
/// that says so in words, with the right status: never problem JSON shown
/// as text in an iframe or a broken image.
#[tokio::test]
async fn widgets_without_a_figure_say_so_in_their_own_format() {
    let t = app().await;
    let r = get(&t.router, "/widgets/nochain/badge.svg").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.header(header::CONTENT_TYPE), Some("image/svg+xml"));
    let svg = r.text();
    assert!(
        svg.starts_with("<svg") && svg.contains("unknown chain") && svg.contains("#9f9f9f"),
        "{svg}"
    );

    let r = get(&t.router, "/widgets/bitcoin/badge.json?metric=vibes").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let v = r.json();
    assert_eq!(
        (v["message"].as_str(), v["isError"].as_bool()),
        (Some("unknown metric"), Some(true))
    );
    assert_eq!(v["schemaVersion"], 1);

    // Solana has no stored data and its catalogue fallback is far from
    // today: no figure, said so in the card with the reason.
    let r = get(&t.router, "/widgets/solana/card.html").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        r.header(header::CONTENT_TYPE),
        Some("text/html; charset=utf-8")
    );
    let html = r.text();
    assert!(
        html.contains("no data") && html.contains("180 days"),
        "{html}"
    );
    assert!(!html.contains("problem"), "{html}");
    let r = get(&t.router, "/widgets/solana/badge.json").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json()["isError"], true);
}

#[tokio::test]
async fn a_bad_theme_or_period_is_a_neutral_card_naming_it() {
    let t = app().await;
    for (q, word) in [
        ("theme=neon", "unknown theme"),
        ("period=5y", "unknown period"),
    ] {
        let r = get(&t.router, &format!("/widgets/bitcoin/card.html?{q}")).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{q}");
        let html = r.text();
        assert!(
            html.contains(word) && html.contains("is not one of"),
            "{html}"
        );
    }
}

#[tokio::test]
async fn the_landing_page_lists_every_public_chain_with_its_basis() {
    let t = app().await;
    let r = get(&t.router, "/").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.header(header::CONTENT_TYPE),
        Some("text/html; charset=utf-8")
    );
    let html = r.text();
    assert!(html.contains(r#"<link rel="stylesheet" href="/assets/blockwatt.css">"#));
    // Bitcoin has figures; Solana says why it has none; devnet is not public.
    assert!(
        html.contains(r#"<a href="/chains/bitcoin">Bitcoin</a>"#),
        "{html}"
    );
    assert!(html.contains("TWh/yr") && html.contains("measured"));
    assert!(html.contains(r#"<a href="/chains/solana">Solana</a>"#));
    assert!(html.contains("No current figure"));
    assert!(!html.contains("/chains/devnet"));
    assert!(!html.contains("<script"), "readable with no script");
    let css = get(&t.router, "/assets/blockwatt.css").await;
    assert_eq!(css.status, StatusCode::OK);
    assert_eq!(
        css.header(header::CONTENT_TYPE),
        Some("text/css; charset=utf-8")
    );
}

#[tokio::test]
async fn a_chain_page_charts_its_year_and_lists_its_inputs() {
    let t = app().await;
    let r = get(&t.router, "/chains/bitcoin").await;
    assert_eq!(r.status, StatusCode::OK);
    let html = r.text();
    for needle in [
        "<h1>Bitcoin</h1>",
        "launched 2009-01-03",
        "daily from 2023-07-02 to 2024-06-30",
        "Inputs of 2024-06-30",
        "<strong>coinmetrics</strong>: Coin Metrics community data, CC BY-NC 4.0",
        "hashrate_hs",
        "/v1/chains/bitcoin/footprint/history?from=2023-07-02&amp;to=2024-06-30&amp;format=csv",
        // The newest figure's sensitivity: a tornado chart and its table.
        "What moves these figures",
        "/v1/chains/bitcoin/footprint?date=2024-06-30&amp;explain=sensitivity",
        "<figure class=\"tornado\">",
        "<th scope=\"row\">electricity price</th>",
        "<th scope=\"row\">pue</th>",
    ] {
        assert!(html.contains(needle), "{needle}: {html}");
    }
    let r = get(&t.router, "/chains/nochain").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(
        r.text().contains("unknown chain &quot;nochain&quot;"),
        "{}",
        r.text()
    );
}

#[tokio::test]
async fn oembed_answers_for_its_own_cards_only() {
    let mut config = test_config();
    config.public_url = Some("https://bw.example".into());
    let t = app_with(config).await;
    let card = "https://bw.example/widgets/bitcoin/card.html?metric=co2e";
    let r = get(
        &t.router,
        &format!(
            "/oembed?url={}",
            card.replace('?', "%3F").replace('=', "%3D")
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let v = r.json();
    assert_eq!(
        (v["version"].as_str(), v["type"].as_str()),
        (Some("1.0"), Some("rich"))
    );
    assert!(
        v["html"].as_str().is_some_and(|h| h.starts_with(
            "<iframe src=\"https://bw.example/widgets/bitcoin/card.html?metric=co2e\""
        )),
        "{v}"
    );
    // The card links to it for discovery.
    let html = get(&t.router, "/widgets/bitcoin/card.html").await.text();
    assert!(html.contains(r#"type="application/json+oembed" href="https://bw.example/oembed?url=https%3A%2F%2Fbw.example%2Fwidgets%2Fbitcoin%2Fcard.html"#), "{html}");
    let r = get(
        &t.router,
        "/oembed?url=https%3A%2F%2Felsewhere.example%2Fwidgets%2Fbitcoin%2Fcard.html",
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_method_links_lead_to_a_page_for_people() {
    let t = app().await;
    let r = get(&t.router, "/methodology/hardware").await;
    assert_eq!(r.status, StatusCode::OK);
    let html = r.text();
    assert!(
        html.contains("<h1>Profitable hardware, per algorithm, weighted by age</h1>"),
        "{html}"
    );
    assert!(
        html.contains("<h2>Parameters</h2>") && html.contains("USD/kWh"),
        "{html}"
    );
    assert!(html.contains(r#"href="/chains/bitcoin""#), "{html}");
    assert_eq!(
        get(&t.router, "/methodology/vibes").await.status,
        StatusCode::NOT_FOUND
    );
    // Each catalogue it reads, row by row with the sources.
    assert!(
        html.contains(r#"<a href="/methodology/catalogues/hardware">"#),
        "{html}"
    );
    let r = get(&t.router, "/methodology/catalogues/hardware").await;
    assert_eq!(r.status, StatusCode::OK);
    let page = r.text();
    assert!(
        page.contains("<th scope=\"col\">source</th>") && page.contains("Antminer S19"),
        "{page}"
    );
    let csv = get(
        &t.router,
        "/methodology/catalogues/grid_intensity?format=csv",
    )
    .await;
    assert_eq!(
        csv.header(header::CONTENT_TYPE),
        Some("text/csv; charset=utf-8")
    );
    assert_eq!(
        get(&t.router, "/methodology/catalogues/nope").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_gallery_previews_every_widget_with_snippets_for_the_public_address() {
    let mut config = test_config();
    config.public_url = Some("https://bw.example/".into());
    let t = app_with(config).await;
    let r = get(&t.router, "/widgets?chain=ethereum").await;
    assert_eq!(r.status, StatusCode::OK);
    let html = r.text();
    for needle in [
        r#"<option value="ethereum" selected>Ethereum</option>"#,
        r#"<iframe src="/widgets/ethereum/card.html?theme=light&amp;period=1y""#,
        r#"<img src="/widgets/ethereum/badge.svg?metric=co2e""#,
        "&lt;script src=&quot;https://bw.example/widgets/embed.js&quot; async&gt;&lt;/script&gt;",
        "![Ethereum energy](https://bw.example/widgets/ethereum/badge.svg)",
        "https://img.shields.io/endpoint?url=https://bw.example/widgets/ethereum/badge.json",
    ] {
        assert!(html.contains(needle), "{needle}: {html}");
    }
    let r = get(&t.router, "/widgets?chain=nochain").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.text().contains("unknown chain"), "{}", r.text());
    let r = get(&t.router, "/methodology").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains(r#"<a href="/methodology/pos-nodes">"#));
}

/// Browsers ask for gzip: a cached card is compressed once, not per request.
#[tokio::test]
async fn cards_are_served_gzipped_to_browsers() {
    use axum::body::Body;
    use axum::http::Request;
    let t = app().await;
    let plain = get(&t.router, "/widgets/bitcoin/card.html").await;
    let req = || {
        Request::get("/widgets/bitcoin/card.html")
            .header(header::ACCEPT_ENCODING, "gzip")
            .body(Body::empty())
            .unwrap()
    };
    let gz = send(&t.router, req()).await;
    assert_eq!(gz.status, StatusCode::OK);
    assert_eq!(gz.header(header::CONTENT_ENCODING), Some("gzip"));
    assert!(
        gz.body.len() * 2 < plain.body.len(),
        "{} vs {}",
        gz.body.len(),
        plain.body.len()
    );
    // The same representation's ETag either way.
    assert_eq!(gz.header(header::ETAG), plain.header(header::ETAG));
    assert_eq!(send(&t.router, req()).await.body, gz.body);
}

/// `/mica/{asset}`: the disclosure as one self-contained document, offered
/// as a file on request; a client's mistake is an HTML page with its status.
#[tokio::test]
async fn the_mica_disclosure_is_a_document_to_download() {
    let t = app().await;
    let r = get(&t.router, "/mica/bitcoin?from=2024-01-01&to=2024-01-31").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        r.header(header::CONTENT_TYPE),
        Some("text/html; charset=utf-8")
    );
    let html = r.text();
    for needle in [
        "Sustainability indicators of Bitcoin (2024-01-01 to 2024-01-31)",
        "<th scope=\"row\">S.8</th>",
        "<th scope=\"row\">S.36</th>",
        "Table 3 applies",
        "Required fields not filled here: S.1, S.2. Their notes say why.",
        "href=\"/v1/mica/bitcoin?from=2024-01-01&amp;to=2024-01-31&amp;format=csv\"",
    ] {
        assert!(html.contains(needle), "{needle}: {html}");
    }
    // Self-contained: no script, no stylesheet or image fetched from elsewhere.
    assert!(
        !html.contains("<script") && !html.contains("stylesheet"),
        "{html}"
    );
    assert!(html.contains("rel=\"icon\" type=\"image/svg+xml\" href=\"data:image/svg+xml,"));
    assert!(r.header(header::CONTENT_DISPOSITION).is_none());
    let r = get(
        &t.router,
        "/mica/bitcoin?from=2024-01-01&to=2024-01-31&download=1",
    )
    .await;
    assert_eq!(
        r.header(header::CONTENT_DISPOSITION),
        Some("attachment; filename=\"mica-bitcoin-2024-01-01-2024-01-31.html\"")
    );
    for (uri, status, words) in [
        ("/mica/nochain", StatusCode::NOT_FOUND, "nochain"),
        (
            "/mica/bitcoin?from=2008-01-01&to=2008-12-31",
            StatusCode::NOT_FOUND,
            "first day is 2009-01-03",
        ),
        ("/mica/bitcoin?from=soon", StatusCode::BAD_REQUEST, "from"),
        (
            "/mica/bitcoin?download=yes",
            StatusCode::UNPROCESSABLE_ENTITY,
            "download",
        ),
    ] {
        let r = get(&t.router, uri).await;
        assert_eq!(r.status, status, "{uri}: {}", r.text());
        assert_eq!(
            r.header(header::CONTENT_TYPE),
            Some("text/html; charset=utf-8"),
            "{uri}"
        );
        assert!(r.text().contains(words), "{uri}: {}", r.text());
    }
}

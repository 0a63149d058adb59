//! Widgets: shields.io badge JSON, SVG badge, iframe card, embed script.

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
    assert!(msg.contains("TWh/yr") && msg.contains('–'), "{msg}");
    assert!(v["color"].is_string());
    let v = get(&t.router, "/widgets/ethereum/badge.json?metric=co2e")
        .await
        .json();
    assert!(
        v["message"].as_str().is_some_and(|m| m.contains("Mt/yr")),
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
    assert!(svg.contains("kWh"));
    // Its title says the day and how it was measured.
    assert!(svg.contains("2024-06-30 (measured)</title>"), "{svg}");
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
        html.contains("Bitcoin energy") && html.contains("2024-06-30") && html.contains("hardware")
    );
    assert!(
        !html.contains("<script") && !html.contains("http"),
        "{html}"
    );
    assert!(r
        .header(header::CONTENT_SECURITY_POLICY)
        .is_some_and(|c| c.contains("frame-ancestors *")));
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

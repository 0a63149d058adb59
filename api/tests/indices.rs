//! Published indices over HTTP: listing, the body verbatim with its
//! digest headers, 304, CSV, metadata, and every error class.

mod common;

use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use base64::Engine as _;
use blockwatt_domain::{Basis, Bounds, Estimate, IndexSnapshot};
use blockwatt_service::{IndexDocument, IndexEntry, INDEX_NAME};
use common::*;
use sha2::{Digest, Sha256};

fn hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn entry(chain: &str, basis: Basis, best_twh: f64) -> IndexEntry {
    let b = |v: f64| Bounds::new(v * 0.5, v, v * 2.0);
    let as_of = match basis {
        Basis::Fallback => day("2020-01-01"),
        _ => day("2020-06-15"),
    };
    IndexEntry {
        chain: chain.into(),
        name: chain.to_uppercase(),
        basis,
        as_of: Some(as_of),
        sources: if basis == Basis::Measured {
            vec!["coinmetrics".into()]
        } else {
            vec![]
        },
        inputs_sha256: hex(chain.as_bytes()),
        estimate: Estimate {
            chain: chain.into(),
            date: day("2020-06-15"),
            basis,
            as_of,
            method: "hardware".into(),
            methodology_version: "hardware.1".into(),
            power_w: b(best_twh * 1.14e8),
            energy_twh_per_year: b(best_twh),
            co2e_t_per_year: b(best_twh * 4.5e5),
            water_m3_per_year: b(best_twh * 1.3e6),
            ewaste_t_per_year: b(best_twh * 300.0),
            per_tx: None,
            inputs: BTreeMap::new(),
        },
    }
}

/// Publishes `version` of 2020-06-15 straight into the app's SQLite store.
async fn publish(t: &TestApp, version: u32, best_twh: f64) -> IndexSnapshot {
    let doc = IndexDocument {
        index: INDEX_NAME.into(),
        date: day("2020-06-15"),
        version,
        blockwatt_version: "0.1.0".into(),
        methodology_versions: BTreeMap::from([("hardware".into(), "hardware.1".into())]),
        inputs_sha256: hex(format!("{best_twh}").as_bytes()),
        chains: vec![
            entry("bitcoin", Basis::Measured, best_twh),
            entry("solana", Basis::Fallback, 0.005),
        ],
    };
    let body = serde_json::to_string(&doc).unwrap();
    let snapshot = IndexSnapshot {
        date: doc.date,
        version,
        created_at: 1_700_000_000 + i64::from(version),
        sha256: hex(body.as_bytes()),
        body,
    };
    t.store.write_index(&snapshot).await.unwrap();
    snapshot
}

fn get_with(uri: &str, name: header::HeaderName, value: &str) -> Request<Body> {
    Request::get(uri)
        .header(name, value)
        .body(Body::empty())
        .unwrap()
}

#[tokio::test]
async fn the_body_is_served_verbatim_with_its_digests() {
    let t = app().await;
    let v1 = publish(&t, 1, 55.5).await;
    let r = get(&t.router, "/v1/indices/2020-06-15").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.text(), v1.body, "byte for byte");
    assert_eq!(hex(&r.body), v1.sha256);
    let etag = format!("\"{}\"", v1.sha256);
    assert_eq!(r.header(header::ETAG), Some(etag.as_str()));
    let digest = format!(
        "sha-256=:{}:",
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&r.body))
    );
    assert_eq!(
        r.header(header::HeaderName::from_static("repr-digest")),
        Some(digest.as_str())
    );
    assert_eq!(
        r.header(header::CONTENT_LOCATION),
        Some("/v1/indices/2020-06-15?version=1")
    );
    // The latest version may still be superseded; a pinned one never is.
    assert_eq!(
        r.header(header::CACHE_CONTROL),
        Some("public, max-age=3600")
    );
    let pinned = get(&t.router, "/v1/indices/2020-06-15?version=1").await;
    assert_eq!(pinned.body, r.body);
    assert_eq!(
        pinned.header(header::CACHE_CONTROL),
        Some("public, max-age=31536000, immutable")
    );

    // Not compressed, so the digest is of the bytes on the wire.
    let gz = send(
        &t.router,
        get_with("/v1/indices/2020-06-15", header::ACCEPT_ENCODING, "gzip"),
    )
    .await;
    assert_eq!(gz.header(header::CONTENT_ENCODING), None);
    assert_eq!(gz.body, r.body);

    let not_modified = send(
        &t.router,
        get_with(
            "/v1/indices/2020-06-15?version=1",
            header::IF_NONE_MATCH,
            &etag,
        ),
    )
    .await;
    assert_eq!(not_modified.status, StatusCode::NOT_MODIFIED);
    assert!(not_modified.body.is_empty());
    let other = send(
        &t.router,
        get_with("/v1/indices/2020-06-15", header::IF_NONE_MATCH, "\"abc\""),
    )
    .await;
    assert_eq!(other.status, StatusCode::OK);
}

#[tokio::test]
async fn a_new_version_becomes_the_latest_and_the_old_one_stays() {
    let t = app().await;
    let v1 = publish(&t, 1, 55.5).await;
    let v2 = publish(&t, 2, 60.25).await;
    let latest = get(&t.router, "/v1/indices/2020-06-15").await;
    assert_eq!(latest.text(), v2.body);
    assert_eq!(
        latest.header(header::CONTENT_LOCATION),
        Some("/v1/indices/2020-06-15?version=2")
    );
    let old = get(&t.router, "/v1/indices/2020-06-15?version=1").await;
    assert_eq!(old.text(), v1.body);

    let list = get(&t.router, "/v1/indices").await;
    assert_eq!(list.status, StatusCode::OK);
    let all = list.json()["indices"].as_array().unwrap().clone();
    assert_eq!(all.len(), 2, "{all:?}");
    assert_eq!(all[1]["version"], 2);
    assert_eq!(all[1]["sha256"], v2.sha256.as_str());
    assert_eq!(all[1]["url"], "/v1/indices/2020-06-15?version=2");

    let csv = get(&t.router, "/v1/indices?format=csv").await;
    assert_eq!(
        csv.header(header::CONTENT_TYPE),
        Some("text/csv; charset=utf-8")
    );
    let mut reader = csv::Reader::from_reader(csv.body.as_ref());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        ["date", "version", "sha256", "url"]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(&rows[0][2], v1.sha256.as_str());
}

#[tokio::test]
async fn csv_has_one_row_per_chain_with_units_in_the_header() {
    let t = app().await;
    publish(&t, 1, 55.5).await;
    let r = get(&t.router, "/v1/indices/2020-06-15?format=csv").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        r.header(header::CONTENT_TYPE),
        Some("text/csv; charset=utf-8")
    );
    let mut reader = csv::Reader::from_reader(r.body.as_ref());
    let header = reader.headers().unwrap().clone();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name} in {header:?}"))
    };
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    let btc = &rows[0];
    assert_eq!(&btc[col("chain")], "bitcoin");
    assert_eq!(&btc[col("basis")], "measured");
    assert_eq!(&btc[col("index_version")], "1");
    assert_eq!(
        btc[col("energy_twh_per_year_best")].parse::<f64>().unwrap(),
        55.5
    );
    assert_eq!(&rows[1][col("basis")], "fallback");
    for unit in [
        "power_w_best",
        "co2e_t_per_year_upper",
        "water_m3_per_year_lower",
    ] {
        col(unit);
    }
    // Its own validator, not the JSON one.
    let etag = r.header(header::ETAG).unwrap().to_owned();
    assert!(etag.ends_with(".csv\""), "{etag}");
    let digest = format!(
        "sha-256=:{}:",
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&r.body))
    );
    assert_eq!(
        r.header(header::HeaderName::from_static("repr-digest")),
        Some(digest.as_str())
    );
}

#[tokio::test]
async fn metadata_describes_and_cites_the_index() {
    let t = app().await;
    let v1 = publish(&t, 1, 55.5).await;
    let r = get(&t.router, "/v1/indices/2020-06-15/metadata.json").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let m = r.json();
    assert_eq!(m["sha256"], v1.sha256.as_str());
    assert_eq!(m["version"], 1);
    assert_eq!(m["created_at"], "2023-11-14T22:13:21Z");
    assert!(m["title"].as_str().unwrap().contains("2020-06-15"), "{m}");
    assert!(m["citation"].as_str().unwrap().contains(&v1.sha256), "{m}");
    assert_eq!(m["chains"][0]["method"], "hardware");
    assert_eq!(
        m["chains"][0]["methodology_url"],
        "/v1/methodology/hardware"
    );
    assert!(
        m["licences"]["coinmetrics"]
            .as_str()
            .unwrap()
            .contains("CC BY-NC 4.0"),
        "{m}"
    );
    assert!(m["licences"]["fallback"].is_string(), "{m}");
    let etag = r.header(header::ETAG).unwrap().to_owned();
    let again = send(
        &t.router,
        get_with(
            "/v1/indices/2020-06-15/metadata.json",
            header::IF_NONE_MATCH,
            &etag,
        ),
    )
    .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
}

#[tokio::test]
async fn bad_dates_and_versions_are_400_and_missing_ones_404() {
    let t = app().await;
    publish(&t, 1, 55.5).await;
    for uri in [
        "/v1/indices/2020-13-01",
        "/v1/indices/yesterday",
        "/v1/indices/2020-13-01/metadata.json",
    ] {
        let p = get(&t.router, uri)
            .await
            .problem(400, "malformed-parameter");
        assert_eq!(p["parameter"], "date", "{uri}: {p}");
    }
    for uri in [
        "/v1/indices/2020-06-15?version=0",
        "/v1/indices/2020-06-15?version=x",
        "/v1/indices/2020-06-15/metadata.json?version=-1",
    ] {
        let p = get(&t.router, uri)
            .await
            .problem(400, "malformed-parameter");
        assert_eq!(p["parameter"], "version", "{uri}: {p}");
    }
    for uri in [
        "/v1/indices/2020-06-16",
        "/v1/indices/2020-06-15?version=2",
        "/v1/indices/2020-06-16/metadata.json",
    ] {
        let p = get(&t.router, uri).await.problem(404, "not-found");
        assert!(p["detail"].as_str().unwrap().contains("/v1/indices"), "{p}");
    }
    let p = get(&t.router, "/v1/indices/2020-06-15?format=xml")
        .await
        .problem(422, "invalid-parameter");
    assert_eq!(p["parameter"], "format");
}

#[tokio::test]
async fn no_index_yet_is_an_empty_list() {
    let t = app().await;
    let r = get(&t.router, "/v1/indices").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["indices"].as_array().map(Vec::len), Some(0));
}

/// The same index as a report for people: the table, the chart, the
/// methods, sources and licences, the digest and how to check it, the
/// citation; an unknown day is a page that says so.
#[tokio::test]
async fn an_index_reads_as_a_report() {
    let t = app().await;
    let v1 = publish(&t, 1, 55.5).await;
    let r = get(&t.router, "/indices").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.text()
            .contains(r#"<a href="/indices/2020-06-15?version=1">2020-06-15</a>"#),
        "{}",
        r.text()
    );
    let r = get(&t.router, "/indices/2020-06-15?version=1").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.header(header::CONTENT_TYPE),
        Some("text/html; charset=utf-8")
    );
    let html = r.text();
    for needle in [
        "<h1>Daily index of 2020-06-15</h1>",
        "55.5 TWh/yr",
        r#"<span class="basis fallback">fallback: catalogue figure of 2020-01-01</span>"#,
        "Annual energy by chain, log scale: BITCOIN 55.5 TWh/yr, SOLANA 5.00 GWh/yr.",
        "hardware.1",
        "CC BY-NC 4.0",
        v1.sha256.as_str(),
        "| sha256sum",
        "blockwatt contributors.",
    ] {
        assert!(html.contains(needle), "{needle}: {html}");
    }
    // A pinned version never changes.
    assert_eq!(
        r.header(header::CACHE_CONTROL),
        Some("public, max-age=86400")
    );
    let r = get(&t.router, "/indices/2021-01-01").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.text().contains("<h1>Not found</h1>"), "{}", r.text());
    let r = get(&t.router, "/indices/yesterday").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("<!DOCTYPE html>"));
}

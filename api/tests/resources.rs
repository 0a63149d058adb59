//! Every resource answers, in JSON and (for tables) CSV with unit headers.

mod common;

use std::sync::atomic::Ordering;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::*;

fn csv_rows(body: &[u8]) -> (Vec<String>, Vec<csv::StringRecord>) {
    let mut r = csv::Reader::from_reader(body);
    let header = r
        .headers()
        .expect("csv header")
        .iter()
        .map(String::from)
        .collect();
    let rows = r
        .records()
        .collect::<Result<Vec<_>, _>>()
        .expect("csv rows");
    (header, rows)
}

#[tokio::test]
async fn health_and_readiness() {
    let t = app().await;
    assert_eq!(get(&t.router, "/healthz").await.status, StatusCode::OK);
    let r = get(&t.router, "/readyz").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["store"], "sqlite");
}

#[tokio::test]
async fn chains_lists_coverage_and_freshness() {
    let t = app().await;
    let r = get(&t.router, "/v1/chains").await;
    assert_eq!(r.status, StatusCode::OK);
    let v = r.json();
    let btc = &v["chains"][0];
    assert_eq!(btc["slug"], "bitcoin");
    assert_eq!(btc["default_method"], "hardware");
    assert_eq!(btc["coverage"]["first_day"], "2020-01-01");
    assert_eq!(btc["coverage"]["last_day"], "2024-06-30");
    assert_eq!(btc["freshness"]["tip_height"], BLOCK_HEIGHT);
    assert!(v["chains"][1]["coverage"].is_null());

    let r = get(&t.router, "/v1/chains?format=csv").await;
    assert_eq!(
        r.header(header::CONTENT_TYPE),
        Some("text/csv; charset=utf-8")
    );
    let (h, rows) = csv_rows(&r.body);
    assert!(h.contains(&"tip_time_unix_s".to_owned()));
    // Public chains only: the devnet is not listed.
    assert_eq!(rows.len(), t.state.footprints.public_chains().count());
    assert!(rows.len() < t.state.footprints.chains().len());
    assert!(!rows.iter().any(|r| &r[0] == "devnet"));
    assert_eq!(&rows[0][2], "pow", "consensus as the JSON spells it");
}

#[tokio::test]
async fn footprint_latest_and_dated() {
    let t = app().await;
    let r = get(&t.router, "/v1/chains/bitcoin/footprint").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header(header::CONTENT_TYPE), Some("application/json"));
    let v = r.json();
    assert_eq!(v["date"], "2024-06-30");
    assert_eq!(v["method"], "hardware");
    for q in [
        "power_w",
        "energy_twh_per_year",
        "co2e_t_per_year",
        "water_m3_per_year",
        "ewaste_t_per_year",
    ] {
        let (l, b, u) = (
            v[q]["lower"].as_f64(),
            v[q]["best"].as_f64(),
            v[q]["upper"].as_f64(),
        );
        assert!(l <= b && b <= u, "{q}: {v}");
    }
    assert!(v["per_tx"]["energy_kwh"]["best"].is_number());
    assert_eq!(r.header(header::CACHE_CONTROL), Some("public, max-age=60"));

    let r = get(
        &t.router,
        "/v1/chains/bitcoin/footprint?date=2023-03-01&method=cbeci-v1",
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["date"], "2023-03-01");
    assert_eq!(r.json()["method"], "cbeci-v1");
    assert_eq!(
        r.header(header::CACHE_CONTROL),
        Some("public, max-age=86400")
    );
}

#[tokio::test]
async fn parameters_change_the_estimate_and_bypass_the_cache() {
    let t = app().await;
    // The economic model spends a fixed share of revenue on electricity:
    // half the price buys twice the energy.
    let base = get(
        &t.router,
        "/v1/chains/bitcoin/footprint?date=2023-03-01&method=economic",
    )
    .await
    .json();
    let cheap = get(
        &t.router,
        "/v1/chains/bitcoin/footprint?date=2023-03-01&method=economic&price=0.025",
    )
    .await
    .json();
    let ratio = cheap["power_w"]["best"].as_f64().unwrap_or(0.0)
        / base["power_w"]["best"].as_f64().unwrap_or(1.0);
    assert!((ratio - 2.0).abs() < 1e-9, "ratio {ratio}");
    assert_eq!(
        t.state.cache.len(),
        1,
        "custom parameters must not be cached"
    );
}

/// `explain=sensitivity` and `explain=distribution`: the estimate as
/// without them, plus its parameters ranked by swing, or the percentiles
/// of a seeded Monte Carlo; each as CSV too; any other value is a 422
/// naming `explain`.
#[tokio::test]
async fn a_footprint_explains_its_sensitivity_and_distribution() {
    let t = app().await;
    let url = "/v1/chains/bitcoin/footprint?date=2023-03-01";
    let plain = get(&t.router, url).await.json();
    let r = get(&t.router, &format!("{url}&explain=sensitivity")).await;
    assert_eq!(r.status, StatusCode::OK);
    let v = r.json();
    assert_eq!(v["energy_twh_per_year"], plain["energy_twh_per_year"]);
    let rows = v["sensitivity"].as_array().expect("sensitivity rows");
    let names: Vec<&str> = rows
        .iter()
        .filter_map(|r| r["parameter"].as_str())
        .collect();
    for p in [
        "electricity_price",
        "pue",
        "hardware_mix",
        "grid_intensity",
        "lifetime",
    ] {
        assert!(names.contains(&p), "{names:?}");
    }
    let swings: Vec<f64> = rows.iter().filter_map(|r| r["swing"].as_f64()).collect();
    assert_eq!(swings.len(), rows.len());
    assert!(swings.windows(2).all(|w| w[0] >= w[1]), "{swings:?}");
    let pue = rows.iter().find(|r| r["parameter"] == "pue").unwrap();
    assert_eq!(pue["figure_at_best"], plain["energy_twh_per_year"]["best"]);

    let r = get(&t.router, &format!("{url}&explain=sensitivity&format=csv")).await;
    assert_eq!(r.status, StatusCode::OK);
    let (h, csv) = csv_rows(&r.body);
    assert_eq!(h[4], "parameter");
    assert_eq!(csv.len(), rows.len());
    assert_eq!(&csv[0][4], names[0]);

    // The Monte Carlo: ordered percentiles inside the bounds, the draws
    // and seed said, and the same answer twice.
    let r = get(&t.router, &format!("{url}&explain=distribution")).await;
    assert_eq!(r.status, StatusCode::OK);
    let v = r.json();
    let d = &v["distribution"];
    assert_eq!(
        (d["draws"].as_u64(), d["seed"].as_u64()),
        (Some(10_000), Some(1))
    );
    let q: Vec<f64> = ["p5", "p25", "p50", "p75", "p95"]
        .iter()
        .filter_map(|k| d["energy_twh_per_year"][k].as_f64())
        .collect();
    assert_eq!(q.len(), 5, "{d}");
    assert!(q.windows(2).all(|w| w[0] <= w[1]), "{q:?}");
    let b = &plain["energy_twh_per_year"];
    assert!(b["lower"].as_f64().unwrap() <= q[0] && q[4] <= b["upper"].as_f64().unwrap());
    let again = get(&t.router, &format!("{url}&explain=distribution"))
        .await
        .json();
    assert_eq!(again["distribution"], *d);
    let r = get(&t.router, &format!("{url}&explain=distribution&format=csv")).await;
    let (h, csv) = csv_rows(&r.body);
    assert_eq!(h[4], "figure");
    assert_eq!(&csv[0][4], "energy_twh_per_year");

    let r = get(&t.router, &format!("{url}&explain=everything")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["detail"]
        .as_str()
        .unwrap_or("")
        .contains("explain"));
}

/// The published figures of a chain beside ours: Cambridge's for a day we
/// hold, with our same-approach (cbeci-v1) figure and the gap in words;
/// Digiconomist's for a day we do not hold, said so; CCRI's Ethereum
/// figures, which this store cannot estimate.
#[tokio::test]
async fn reconcile_sets_published_figures_beside_ours() {
    let t = app().await;
    let r = get(&t.router, "/v1/chains/bitcoin/reconcile?date=2020-06-15").await;
    assert_eq!(r.status, StatusCode::OK);
    let v = r.json();
    let figures = v["figures"].as_array().unwrap();
    // Two Cambridge releases published this day, one after revising its history.
    let releases: Vec<&str> = figures
        .iter()
        .filter_map(|f| f["release"].as_str())
        .collect();
    assert_eq!(
        releases,
        ["v1.2.0 (2022 API)", "2023-09 API (revised history)"],
        "{v}"
    );
    assert!(figures[1]["ours_same_approach"].is_null());
    let f = &figures[0];
    assert_eq!(f["index"], "cbeci");
    assert_eq!(f["published"].as_f64(), Some(53.3913564948298));
    let ours = &f["ours"];
    assert_eq!(ours["method"], "hardware");
    let best = ours["value"]["best"].as_f64().unwrap();
    assert!((ours["ratio"].as_f64().unwrap() - best / 53.3913564948298).abs() < 1e-12);
    assert_eq!(f["ours_same_approach"]["method"], "cbeci-v1");
    let text = f["explanation"].as_str().unwrap();
    assert!(text.contains("With the same approach (cbeci-v1)"), "{text}");
    assert!(f["source"].as_str().unwrap().contains("dataalways"));

    // Every figure of the chain without a date; one the store has no
    // data for says so.
    let all = get(&t.router, "/v1/chains/bitcoin/reconcile").await.json();
    let all = all["figures"].as_array().unwrap();
    assert!(all.len() >= 9, "{all:?}");
    let digi = all.iter().find(|f| f["index"] == "digiconomist").unwrap();
    assert!(
        digi["ours"].is_null() && digi["unavailable"].is_string(),
        "{digi}"
    );
    assert!(digi["explanation"].as_str().unwrap().contains("no figure"));

    let eth = get(&t.router, "/v1/chains/ethereum/reconcile").await.json();
    assert!(eth["figures"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["index"] == "ccri"));
    let r = get(&t.router, "/v1/chains/nochain/reconcile").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = get(&t.router, "/v1/chains/bitcoin/reconcile?date=2020-13-01").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

/// Where an index published its hashrate (McDonald's Ethereum series), an
/// energy gap splits into hashrate and energy per hash, and a carbon gap
/// adds the carbon per kWh; the factors multiply to the gap.
#[tokio::test]
async fn reconcile_splits_a_gap_into_its_factors() {
    let t = app().await;
    // A month of Ethereum's mining, of June 2020's magnitude.
    let june: Vec<blockwatt_domain::DailyMetrics> = (0..30u64)
        .map(|i| blockwatt_domain::DailyMetrics {
            hashrate_hs: Some(1.769e14),
            issuance_usd: Some(3.4e6),
            fees_usd: Some(5e5),
            tx_count: Some(1_100_000),
            ..blockwatt_domain::DailyMetrics::empty(
                "ethereum",
                day("2020-06-01") + chrono::Days::new(i),
                "coinmetrics",
            )
        })
        .collect();
    t.store.write_daily_metrics(&june).await.unwrap();
    let v = get(&t.router, "/v1/chains/ethereum/reconcile?date=2020-06-30")
        .await
        .json();
    let figures = v["figures"].as_array().unwrap();
    let of = |index: &str, figure: &str| {
        figures
            .iter()
            .find(|f| f["index"] == index && f["figure"] == figure)
            .unwrap_or_else(|| panic!("{index} {figure}: {v}"))
    };
    let names = |f: &serde_json::Value| -> Vec<String> {
        f["factors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["factor"].as_str().unwrap().to_owned())
            .collect()
    };
    let product = |f: &serde_json::Value| -> f64 {
        f["factors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["ratio"].as_f64().unwrap())
            .product()
    };
    let energy = of("mcdonald", "energy_twh_per_year");
    assert_eq!(
        names(energy),
        ["network_hashrate_hs", "energy_per_hash_j_per_h"]
    );
    let hashrate = &energy["factors"][0];
    // His hashrate that day, from Etherscan (input/hashrate.csv): 189,228.7371 GH/s.
    assert_eq!(hashrate["published"].as_f64(), Some(1.892287371e14));
    assert_eq!(hashrate["ours"].as_f64(), Some(1.769e14));
    let gap = energy["ours"]["ratio"].as_f64().unwrap();
    assert!((product(energy) - gap).abs() < 1e-9 * gap, "{energy}");
    // His energy per hash: 5.8293 TWh a year over his hashrate, in J/H.
    let theirs = energy["factors"][1]["published"].as_f64().unwrap();
    assert!((theirs - 5.8293e12 / 8766.0 / 1.892287371e14).abs() < 1e-9 * theirs);
    let text = energy["explanation"].as_str().unwrap();
    assert!(
        text.contains("Ours over theirs, factor by factor: hashrate ×0.935"),
        "{text}"
    );

    let carbon = of("mcdonald", "co2e_t_per_year");
    assert_eq!(
        names(carbon),
        [
            "network_hashrate_hs",
            "energy_per_hash_j_per_h",
            "carbon_per_kwh_g"
        ]
    );
    let gap = carbon["ours"]["ratio"].as_f64().unwrap();
    assert!((product(carbon) - gap).abs() < 1e-9 * gap, "{carbon}");
    // Our carbon per kWh is his month's (mining_intensity.csv), his that day's
    // is 1,837,334 t over 5.8293 TWh.
    let per_kwh = &carbon["factors"][2];
    // (Carbon over energy, so equal to the row's figure up to rounding.)
    assert!((per_kwh["ours"].as_f64().unwrap() - 315.6).abs() < 1e-9);
    assert!((per_kwh["published"].as_f64().unwrap() - 1_837_334.0 / 5_829.3).abs() < 1e-9);

    // Digiconomist published no hashrate: its energy gap has no factors.
    let digi = of("digiconomist", "energy_twh_per_year");
    assert!(names(digi).is_empty(), "{digi}");
    assert!(!digi["explanation"]
        .as_str()
        .unwrap()
        .contains("factor by factor"));
}

/// Served from the cache: new data written behind the cache's back does
/// not show until the cache is cleared (imports and ingests clear it).
#[tokio::test]
async fn default_estimates_are_served_from_cache() {
    let t = app().await;
    let first = get(&t.router, "/v1/chains/bitcoin/footprint").await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text());
    let mut doubled = blockwatt_domain::DailyMetrics::empty("bitcoin", last_day(), "coinmetrics");
    doubled.hashrate_hs = Some(1.2e21);
    doubled.block_count = Some(144);
    doubled.tx_count = Some(350_000);
    doubled.issuance_usd = Some(6.25 * 144.0 * 30_000.0);
    doubled.fees_usd = Some(1e6);
    t.store
        .write_daily_metrics(&[doubled])
        .await
        .expect("write");
    for uri in [
        "/v1/chains/bitcoin/footprint",
        // A named method is its own entry (for Ethereum it may differ from
        // the day's own method), computed after the write.
        "/v1/chains/bitcoin/footprint?method=hardware",
    ] {
        let r = get(&t.router, uri).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}");
    }
    assert_eq!(
        get(&t.router, "/v1/chains/bitcoin/footprint").await.body,
        first.body,
        "served from the cache"
    );
    assert_eq!(t.state.cache.len(), 2);
    t.state.cache.clear();
    let fresh = get(&t.router, "/v1/chains/bitcoin/footprint").await;
    assert_ne!(
        fresh.body, first.body,
        "the new hashrate must show once cleared"
    );
}

#[tokio::test]
async fn etag_gives_304() {
    let t = app().await;
    let uri = "/v1/chains/bitcoin/footprint?date=2023-03-01";
    let r = get(&t.router, uri).await;
    let etag = r.header(header::ETAG).expect("etag").to_owned();
    let again = send(
        &t.router,
        Request::get(uri)
            .header(header::IF_NONE_MATCH, &etag)
            .body(Body::empty())
            .expect("req"),
    )
    .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());
    assert_eq!(again.header(header::ETAG), Some(etag.as_str()));
    let other = send(
        &t.router,
        Request::get(uri)
            .header(header::IF_NONE_MATCH, "W/\"nope\"")
            .body(Body::empty())
            .expect("req"),
    )
    .await;
    assert_eq!(other.status, StatusCode::OK);
}

#[tokio::test]
async fn history_json_and_csv_with_units() {
    let t = app().await;
    let r = get(
        &t.router,
        "/v1/chains/bitcoin/footprint/history?from=2024-01-01&to=2024-01-10",
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let v = r.json();
    assert_eq!(v["estimates"].as_array().map(Vec::len), Some(10));
    assert_eq!(v["max_days"], 3660);

    for req in [
        Request::get(
            "/v1/chains/bitcoin/footprint/history?from=2024-01-01&to=2024-01-10&format=csv",
        )
        .body(Body::empty()),
        Request::get("/v1/chains/bitcoin/footprint/history?from=2024-01-01&to=2024-01-10")
            .header(header::ACCEPT, "text/csv")
            .body(Body::empty()),
    ] {
        let r = send(&t.router, req.expect("req")).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(
            r.header(header::CONTENT_TYPE),
            Some("text/csv; charset=utf-8")
        );
        let (h, rows) = csv_rows(&r.body);
        for col in [
            "date",
            "energy_twh_per_year_best",
            "power_w_lower",
            "co2e_t_per_year_upper",
            "per_tx_energy_kwh_best",
        ] {
            assert!(h.iter().any(|c| c == col), "missing {col} in {h:?}");
        }
        assert_eq!(rows.len(), 10);
        let best = h
            .iter()
            .position(|c| c == "energy_twh_per_year_best")
            .unwrap_or(0);
        assert!(rows[0][best].parse::<f64>().is_ok());
    }
}

#[tokio::test]
async fn block_by_height_and_hash() {
    let t = app().await;
    let by_height = get(
        &t.router,
        &format!("/v1/chains/bitcoin/blocks/{BLOCK_HEIGHT}/footprint"),
    )
    .await;
    assert_eq!(by_height.status, StatusCode::OK, "{}", by_height.text());
    let v = by_height.json();
    assert_eq!(v["subject"], "block");
    assert_eq!(v["block_hash"], BLOCK_HASH);
    assert_eq!(v["allocation"], "per-tx");
    assert_eq!(v["date"], "2024-06-01");
    // The day's figures say how they were obtained, as every estimate does.
    assert_eq!(
        (v["basis"].as_str(), v["as_of"].as_str()),
        (Some("measured"), Some("2024-06-01"))
    );
    let upper_hash = BLOCK_HASH.to_ascii_uppercase();
    let by_hash = get(
        &t.router,
        &format!("/v1/chains/bitcoin/blocks/{upper_hash}/footprint?allocation=size"),
    )
    .await;
    assert_eq!(by_hash.status, StatusCode::OK, "{}", by_hash.text());
    assert_eq!(by_hash.json()["block_height"], BLOCK_HEIGHT);
    assert_eq!(by_hash.json()["allocation"], "size");
}

#[tokio::test]
async fn transaction_footprint() {
    let t = app().await;
    let r = get(
        &t.router,
        &format!("/v1/chains/bitcoin/transactions/{TXID}/footprint?allocation=per-tx"),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let v = r.json();
    assert_eq!(v["subject"], "transaction");
    assert_eq!(v["txid"], TXID);
    assert_eq!(v["block_height"], BLOCK_HEIGHT);
    let block = get(
        &t.router,
        &format!("/v1/chains/bitcoin/blocks/{BLOCK_HEIGHT}/footprint"),
    )
    .await
    .json();
    let share = v["energy_kwh"]["best"].as_f64().unwrap_or(0.0)
        / block["energy_kwh"]["best"].as_f64().unwrap_or(1.0);
    assert!((share - 1.0 / 2000.0).abs() < 1e-12);
}

#[tokio::test]
async fn compare_side_by_side() {
    let t = app().await;
    let r = get(
        &t.router,
        "/v1/compare?chains=bitcoin,ethereum&date=2024-01-01",
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let v = r.json();
    assert_eq!(v["chains"][0]["chain"], "bitcoin");
    assert_eq!(v["chains"][1]["chain"], "ethereum");
    assert_eq!(v["chains"][1]["method"], "pos-nodes");
    let r = get(&t.router, "/v1/compare?chains=bitcoin,ethereum&format=csv").await;
    let (h, rows) = csv_rows(&r.body);
    assert!(h.iter().any(|c| c == "per_tx_co2e_kg_best"));
    assert_eq!(rows.len(), 2);
}

#[tokio::test]
async fn mica_disclosure_has_every_field_of_the_annex() {
    let t = app().await;
    let r = get(&t.router, "/v1/mica/bitcoin?from=2024-01-01&to=2024-01-31").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let v = r.json();
    assert_eq!(v["asset"], "bitcoin");
    assert_eq!(v["period"]["start"], "2024-01-01");
    let fields = v["fields"].as_array().unwrap();
    let codes: Vec<&str> = fields.iter().filter_map(|f| f["code"].as_str()).collect();
    let expected: Vec<String> = (1..=36).map(|i| format!("S.{i}")).collect();
    assert_eq!(codes, expected);
    let s8 = &fields[7];
    assert_eq!(
        (
            s8["name"].as_str(),
            s8["unit"].as_str(),
            s8["format"].as_str()
        ),
        (
            Some("Energy consumption"),
            Some("kWh"),
            Some("{DECIMAL-18/5}")
        )
    );
    let kwh: f64 = s8["value"].as_str().unwrap().parse().unwrap();
    let lower: f64 = s8["lower"].as_str().unwrap().parse().unwrap();
    assert!(kwh > 0.0 && lower <= kwh, "{s8}");
    // January alone is scaled to a year, and the field says so.
    assert!(
        s8["note"].as_str().is_some_and(|n| n.contains("scaled")),
        "{s8}"
    );
    assert_eq!(v["threshold"]["table3_mandatory"], true);
    // Nobody is configured as the discloser in tests: S.1 and S.2 are named as missing.
    let missing: Vec<&str> = v["missing_required"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c.as_str())
        .collect();
    assert_eq!(missing, ["S.1", "S.2"]);
    assert!(["measured", "carried-forward", "fallback"].contains(&v["basis"].as_str().unwrap()));

    let r = get(
        &t.router,
        "/v1/mica/bitcoin?from=2024-01-01&to=2024-01-31&format=csv",
    )
    .await;
    let (h, rows) = csv_rows(&r.body);
    assert_eq!(
        &h[5..11],
        ["code", "table", "section", "name", "unit", "format"]
    );
    assert_eq!(h[15], "part");
    // 36 fields, S.17 a row per primary source (nine).
    assert_eq!(rows.len(), 44);
    assert_eq!((&rows[7][5], &rows[7][9]), ("S.8", "kWh"));
    let s17: Vec<&str> = rows
        .iter()
        .filter(|r| &r[5] == "S.17")
        .map(|r| &r[15])
        .collect();
    assert_eq!(s17, blockwatt_service::GENERATION_SOURCES);
}

#[tokio::test]
async fn methodology_list_and_one() {
    let t = app().await;
    let r = get(&t.router, "/v1/methodology").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["methods"].as_array().map(Vec::len), Some(4));
    let r = get(&t.router, "/v1/methodology/cbeci-v1").await;
    assert_eq!(r.json()["name"], "cbeci-v1");
    let method = r.json();
    let names: Vec<&str> = method["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert!(
        names.contains(&"price") && names.contains(&"pue"),
        "{names:?}"
    );
}

#[tokio::test]
async fn openapi_and_docs_are_served_without_a_cdn() {
    let t = app().await;
    let r = get(&t.router, "/openapi.json").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.json()["paths"]["/v1/chains/{chain}/footprint"].is_object());
    let r = get(&t.router, "/docs").await;
    assert_eq!(r.status, StatusCode::OK);
    let html = r.text();
    assert!(html.contains("/openapi.json"));
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "docs page must load nothing remote"
    );
    assert!(r
        .header(header::CONTENT_SECURITY_POLICY)
        .is_some_and(|c| c.contains("default-src 'none'")));
}

#[tokio::test]
async fn metrics_count_requests_by_matched_route() {
    let t = app().await;
    get(&t.router, "/v1/chains/bitcoin/footprint").await;
    get(&t.router, "/v1/chains/nope/footprint").await;
    let r = get(&t.router, "/metrics").await;
    assert_eq!(r.status, StatusCode::OK);
    let text = r.text();
    assert!(
        text.contains(r#"route="/v1/chains/{chain}/footprint",status="200""#),
        "{text}"
    );
    assert!(
        text.contains(r#"route="/v1/chains/{chain}/footprint",status="404""#),
        "{text}"
    );
    assert!(text.contains("blockwatt_http_request_duration_seconds_bucket"));
    // The hook for other crates' counters.
    let c = prometheus::IntCounter::new("blockwatt_ingest_blocks_total", "test").expect("counter");
    t.state
        .metrics
        .registry()
        .register(Box::new(c.clone()))
        .expect("register");
    c.inc();
    assert!(get(&t.router, "/metrics")
        .await
        .text()
        .contains("blockwatt_ingest_blocks_total 1"));
}

#[tokio::test]
async fn gzip_and_cors() {
    let t = app().await;
    let r = send(
        &t.router,
        Request::get("/v1/chains/bitcoin/footprint/history?from=2024-01-01&to=2024-03-01")
            .header(header::ACCEPT_ENCODING, "gzip")
            .header(header::ORIGIN, "https://example.org")
            .body(Body::empty())
            .expect("req"),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header(header::CONTENT_ENCODING), Some("gzip"));
    assert_eq!(r.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), Some("*"));
}

/// The cached estimate is served pre-compressed to gzip clients: the same
/// JSON, the same ETag, and no gzip for clients that refuse it.
#[tokio::test]
async fn cached_footprint_is_served_pre_gzipped() {
    use std::io::Read;
    let t = app().await;
    let with = |enc: Option<&str>| {
        let mut r = Request::get("/v1/chains/bitcoin/footprint");
        if let Some(e) = enc {
            r = r.header(header::ACCEPT_ENCODING, e);
        }
        r.body(Body::empty()).expect("req")
    };
    let plain = send(&t.router, with(None)).await;
    assert_eq!(plain.status, StatusCode::OK);
    assert_eq!(plain.header(header::CONTENT_ENCODING), None);
    for enc in ["gzip", "br;q=1, gzip;q=0.5"] {
        let gz = send(&t.router, with(Some(enc))).await;
        assert_eq!(gz.status, StatusCode::OK);
        assert_eq!(gz.header(header::CONTENT_ENCODING), Some("gzip"), "{enc}");
        assert_eq!(gz.header(header::ETAG), plain.header(header::ETAG));
        assert!(gz
            .headers
            .get_all(header::VARY)
            .iter()
            .any(|v| v.to_str().is_ok_and(|v| v.contains("accept-encoding"))));
        let mut json = Vec::new();
        flate2::read::GzDecoder::new(&gz.body[..])
            .read_to_end(&mut json)
            .expect("valid gzip");
        assert_eq!(json, plain.body.to_vec(), "{enc}");
    }
    let refused = send(&t.router, with(Some("gzip;q=0, identity"))).await;
    assert_eq!(refused.header(header::CONTENT_ENCODING), None);
    assert_eq!(refused.body, plain.body);
    // Revalidation still works on the compressed variant.
    let etag = plain.header(header::ETAG).expect("etag").to_owned();
    let r = send(
        &t.router,
        Request::get("/v1/chains/bitcoin/footprint")
            .header(header::ACCEPT_ENCODING, "gzip")
            .header(header::IF_NONE_MATCH, etag)
            .body(Body::empty())
            .expect("req"),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_MODIFIED);
    assert!(r.body.is_empty());
}

#[tokio::test]
async fn readiness_reports_ingest_lag_when_bounded() {
    // The seeded tip is from 2024, far beyond a one-hour bound.
    let t = app_with(blockwatt_api::ApiConfig {
        max_ingest_lag_s: Some(3600),
        ..test_config()
    })
    .await;
    let r = get(&t.router, "/readyz").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    let v = r.json();
    assert_eq!(v["lagging"][0], "bitcoin");
    // A chain with no block yet does not block readiness.
    assert!(v["chains"]["ethereum"]["lag_s"].is_null());
}

#[tokio::test]
async fn readiness_uses_the_live_block_lag_of_followed_chains() {
    let t = app_with(blockwatt_api::ApiConfig {
        max_ingest_lag_blocks: Some(5),
        ..test_config()
    })
    .await;
    let board = std::sync::Arc::new(blockwatt_service::IngestBoard::default());
    let set = |chain: &str, followed: bool, height: u64, tip: u64| {
        let c = board.counters(chain, "evm", followed);
        c.height.store(height, Ordering::Relaxed);
        c.tip.store(tip, Ordering::Relaxed);
    };
    set("devnet", true, 10, 100);
    // A backfill far behind its range's end is not a readiness matter.
    set("ethereum", false, 0, 1_000);
    // Source not reached yet: does not block a fresh start.
    set("polygon", true, 0, 0);
    let state = t
        .state
        .clone()
        .with_ingest(std::sync::Arc::clone(&board))
        .expect("register");
    let router = blockwatt_api::router(state);
    let r = get(&router, "/readyz").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    let v = r.json();
    assert_eq!(v["lagging"], serde_json::json!(["devnet"]), "{v}");
    assert_eq!(
        v["reasons"][0],
        "devnet: 90 blocks behind the evm source's tip 100 (bound 5)"
    );
    assert_eq!(v["chains"]["devnet"]["lag_blocks"], 90);
    set("devnet", true, 98, 100);
    let r = get(&router, "/readyz").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json());
    // The same counters are on /metrics.
    let r = get(&router, "/metrics").await;
    let text = String::from_utf8(r.body.to_vec()).expect("utf-8");
    assert!(
        text.contains(r#"blockwatt_ingest_height{chain="devnet",source="evm"} 98"#),
        "{text}"
    );
}

#[tokio::test]
async fn head_and_cors_preflight() {
    let t = app().await;
    let r = send(
        &t.router,
        Request::head("/v1/chains/bitcoin/footprint")
            .body(Body::empty())
            .expect("req"),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.is_empty());
    let r = send(
        &t.router,
        Request::options("/v1/chains/bitcoin/footprint")
            .header(header::ORIGIN, "https://example.org")
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, "GET")
            .body(Body::empty())
            .expect("req"),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), Some("*"));
    assert!(r
        .header(header::ACCESS_CONTROL_ALLOW_METHODS)
        .is_some_and(|m| m.contains("GET")));
    // A page revalidating with `fetch(url, {headers: {"If-None-Match": …}})`
    // is preflighted for that header; it must be allowed.
    let allowed = r
        .header(header::ACCESS_CONTROL_ALLOW_HEADERS)
        .unwrap_or_default()
        .to_owned();
    for h in ["if-none-match", "accept"] {
        assert!(
            allowed.split(", ").any(|a| a == h),
            "{h} not in {allowed:?}"
        );
    }
}

/// A transaction the store lacks is looked up at the chain's real node
/// (anvil) and kept; one the node does not know, or a chain with no source,
/// is a 404 saying so; a node that does not answer is a 503.
#[tokio::test]
async fn missing_transactions_are_looked_up_at_the_node_and_kept() {
    let Some(anvil) = blockwatt_testkit::AnvilNode::start(
        "api::missing_transactions_are_looked_up_at_the_node_and_kept",
        None,
    ) else {
        return;
    };
    let txid = anvil.send_transfer(1_000).expect("a transfer on anvil");
    let t = app().await;
    let clients = blockwatt_ingest::ChainClients::new(&devnet_source(&anvil.url), |_, _| {
        std::sync::Arc::default()
    });
    let lookup = std::sync::Arc::new(blockwatt_service::ChainLookup::new(&clients));
    let state = t.state.clone().with_lookup(lookup);
    let router = blockwatt_api::router(state.clone());
    let bare = txid.trim_start_matches("0x").to_owned();
    assert!(t
        .store
        .transaction("devnet", &txid)
        .await
        .expect("store")
        .is_none());
    // Its block is not ingested: the footprint waits for it, the
    // transaction itself is kept.
    let r = get(
        &router,
        &format!("/v1/chains/devnet/transactions/{bare}/footprint"),
    )
    .await;
    let p = r.problem(404, "no-data");
    assert!(
        p["detail"]
            .as_str()
            .is_some_and(|d| d.contains("not stored")),
        "{p}"
    );
    let kept = t.store.transaction("devnet", &txid).await.expect("store");
    assert!(
        kept.is_some_and(|tx| tx.gas_used == 21_000),
        "not kept as the node has it"
    );

    // A txid the node does not know; and Bitcoin, which has no lookup
    // source here: each answer says which.
    for (chain, says) in [
        ("devnet", "known to the chain's source"),
        ("bitcoin", "no source is configured"),
    ] {
        let uri = format!(
            "/v1/chains/{chain}/transactions/{}/footprint",
            "cc".repeat(32)
        );
        let p = get(&router, &uri).await.problem(404, "not-ingested");
        assert!(
            p["detail"].as_str().is_some_and(|d| d.contains(says)),
            "{p}"
        );
    }

    // A node that does not answer, at a URL with a key in its path and its
    // query as providers issue them: the 503 names the host, never the key.
    let keyed = format!("{}/v3/s3cretkey?apikey=s3cretquery", dead_url());
    let dead = blockwatt_ingest::ChainClients::new(&devnet_source(&keyed), |_, _| {
        std::sync::Arc::default()
    });
    let router = blockwatt_api::router(t.state.clone().with_lookup(std::sync::Arc::new(
        blockwatt_service::ChainLookup::new(&dead),
    )));
    let p = get(
        &router,
        &format!(
            "/v1/chains/devnet/transactions/{}/footprint",
            "dd".repeat(32)
        ),
    )
    .await
    .problem(503, "unavailable");
    let detail = p["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains("127.0.0.1") && detail.contains("devnet"),
        "{p}"
    );
    assert!(!detail.contains("s3cret"), "a key leaked: {p}");
}

/// One day's footprint in CSV: the same columns as the history's, asked by
/// `?format=csv` or by `Accept` (quality values read).
#[tokio::test]
async fn footprint_in_csv_by_parameter_or_accept() {
    let t = app().await;
    let r = get(
        &t.router,
        "/v1/chains/bitcoin/footprint?date=2023-03-01&format=csv",
    )
    .await;
    assert_eq!(
        r.header(header::CONTENT_TYPE),
        Some("text/csv; charset=utf-8"),
        "{}",
        r.text()
    );
    let (h, rows) = csv_rows(&r.body);
    assert!(h.iter().any(|c| c == "energy_twh_per_year_best"), "{h:?}");
    assert_eq!(rows.len(), 1);
    assert_eq!(&rows[0][1], "2023-03-01");
    let json = get(&t.router, "/v1/chains/bitcoin/footprint?date=2023-03-01")
        .await
        .json();
    let best: f64 = rows[0][h
        .iter()
        .position(|c| c == "energy_twh_per_year_best")
        .unwrap_or(0)]
    .parse()
    .expect("a number");
    assert_eq!(Some(best), json["energy_twh_per_year"]["best"].as_f64());
    let by_accept = send(
        &t.router,
        Request::get("/v1/chains/bitcoin/footprint?date=2023-03-01")
            .header(header::ACCEPT, "application/json;q=0.5, text/csv")
            .body(Body::empty())
            .expect("req"),
    )
    .await;
    assert_eq!(by_accept.body, r.body);
}

/// Without dates the history ends on the latest day with data, not on
/// today: a store holding only older history still answers.
#[tokio::test]
async fn history_without_dates_ends_on_the_latest_day_with_data() {
    let t = app().await;
    let r = get(&t.router, "/v1/chains/bitcoin/footprint/history").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let v = r.json();
    assert_eq!(v["to"], last_day().to_string());
    assert_eq!(v["estimates"].as_array().map(Vec::len), Some(365));
}

/// Every estimate says on top how it was obtained and how old its data
/// is; a day just after the newest stored one carries it forward, a week
/// later there is no figure.
#[tokio::test]
async fn estimates_say_their_basis_and_the_age_of_their_data() {
    let t = app().await;
    let v = get(&t.router, "/v1/chains/bitcoin/footprint?date=2024-06-30")
        .await
        .json();
    assert_eq!(
        (v["basis"].as_str(), v["as_of"].as_str()),
        (Some("measured"), Some("2024-06-30"))
    );
    let r = get(&t.router, "/v1/chains/bitcoin/footprint?date=2024-07-03").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let carried = r.json();
    assert_eq!(carried["date"], "2024-07-03");
    assert_eq!(carried["basis"], "carried-forward");
    assert_eq!(carried["as_of"], "2024-06-30");
    assert_eq!(carried["power_w"], v["power_w"], "the newest day's figures");
    let r = get(&t.router, "/v1/chains/bitcoin/footprint?date=2024-07-08").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text());
    // The CSV carries both columns.
    let r = get(
        &t.router,
        "/v1/chains/bitcoin/footprint?date=2024-07-03&format=csv",
    )
    .await;
    let (h, rows) = csv_rows(&r.body);
    let col = |name: &str| h.iter().position(|c| c == name).expect(name);
    assert_eq!(&rows[0][col("basis")], "carried-forward");
    assert_eq!(&rows[0][col("as_of")], "2024-06-30");
}

/// Before the Merge the default answer is Ethereum's proof-of-work method,
/// as in the CLI and the publisher: no 422 for "pos-nodes".
#[tokio::test]
async fn ethereum_before_the_merge_is_answered_by_its_method_of_the_day() {
    let t = app().await;
    let mut pre =
        blockwatt_domain::DailyMetrics::empty("ethereum", day("2022-09-01"), "coinmetrics");
    pre.hashrate_hs = Some(9e14);
    pre.issuance_usd = Some(13_000.0 * 1_600.0);
    pre.fees_usd = Some(1.5e6);
    pre.tx_count = Some(1_100_000);
    t.store.write_daily_metrics(&[pre]).await.expect("write");
    let r = get(&t.router, "/v1/chains/ethereum/footprint?date=2022-09-01").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["method"], "hardware");
    let after = get(&t.router, "/v1/chains/ethereum/footprint?date=2024-01-01")
        .await
        .json();
    assert_eq!(after["method"], "pos-nodes");
    // Naming the other era's method is still refused, naming why.
    let r = get(
        &t.router,
        "/v1/chains/ethereum/footprint?date=2022-09-01&method=pos-nodes",
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
}

/// Without a date, a comparison is of one common day, the newest every
/// listed chain has data for; a local test chain is not compared.
#[tokio::test]
async fn compare_without_a_date_uses_one_common_day() {
    let t = app().await;
    let mut late =
        blockwatt_domain::DailyMetrics::empty("bitcoin", day("2024-07-02"), "coinmetrics");
    late.hashrate_hs = Some(6e20);
    late.issuance_usd = Some(6.25 * 144.0 * 30_000.0);
    late.fees_usd = Some(1e6);
    t.store.write_daily_metrics(&[late]).await.expect("write");
    let v = get(&t.router, "/v1/compare?chains=bitcoin,ethereum")
        .await
        .json();
    assert_eq!(v["date"], "2024-06-30", "{v}");
    for e in v["chains"].as_array().expect("chains") {
        assert_eq!(e["date"], "2024-06-30");
        assert_eq!(e["basis"], "measured");
    }
    let r = get(&t.router, "/v1/compare?chains=bitcoin,devnet").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(r.text().contains("public_chains"), "{}", r.text());
}

/// `/readyz` can require current data: a public chain whose newest daily
/// metrics are older than `max_data_age_days` makes it 503, named.
#[tokio::test]
async fn readiness_can_require_current_daily_data() {
    let mut config = test_config();
    config.max_data_age_days = Some(1);
    let t = app_with(config).await;
    let r = get(&t.router, "/readyz").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.text());
    let v = r.json();
    assert_eq!(v["status"], "lagging");
    let reasons = v["reasons"].to_string();
    assert!(
        reasons.contains("bitcoin: newest daily metrics are of 2024-06-30"),
        "{reasons}"
    );
    assert!(
        v["chains"]["bitcoin"]["data_age_days"]
            .as_i64()
            .unwrap_or(0)
            > 800
    );
    // Chains with no daily metrics at all are not counted.
    assert!(!reasons.contains("litecoin"), "{reasons}");
    let mut config = test_config();
    config.max_data_age_days = Some(100_000);
    let t = app_with(config).await;
    assert_eq!(get(&t.router, "/readyz").await.status, StatusCode::OK);
}

/// Where our own block-derived figures and a provider's both exist for a
/// day, both are shown with their relative difference, ours win in the
/// merged row, and `/metrics` exports the difference.
#[tokio::test]
async fn inputs_show_every_source_and_where_they_disagree() {
    let t = app().await;
    let mut ours = blockwatt_domain::DailyMetrics::empty("bitcoin", last_day(), "blocks");
    ours.hashrate_hs = Some(5.8e20);
    ours.tx_count = Some(350_000);
    t.store.write_daily_metrics(&[ours]).await.expect("write");
    let r = get(&t.router, "/v1/chains/bitcoin/inputs?date=2024-06-30").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let v = r.json();
    assert_eq!(v["sources"].as_array().map(Vec::len), Some(2), "{v}");
    assert_eq!(v["merged"]["hashrate_hs"], 5.8e20, "ours win: {v}");
    assert_eq!(v["merged"]["source"], "blocks+coinmetrics");
    let comparisons = v["comparisons"].as_array().expect("comparisons");
    let hashrate = comparisons
        .iter()
        .find(|c| c["field"] == "hashrate_hs")
        .expect("hashrate compared");
    let theirs = hashrate["value"].as_f64().unwrap();
    let rel = hashrate["relative_difference"].as_f64().unwrap();
    assert!(
        (rel - (theirs - 5.8e20) / 5.8e20).abs() < 1e-12,
        "{hashrate}"
    );
    assert_eq!(hashrate["source"], "coinmetrics");
    assert_eq!(hashrate["reference_source"], "blocks");
    let metrics = get(&t.router, "/metrics").await.text();
    let line = metrics
        .lines()
        .find(|l| {
            l.starts_with("blockwatt_source_relative_difference")
                && l.contains(r#"field="hashrate_hs""#)
        })
        .unwrap_or_else(|| panic!("{metrics}"));
    assert!(
        line.contains(r#"chain="bitcoin""#) && line.contains(r#"source="coinmetrics""#),
        "{line}"
    );
    let r = get(&t.router, "/v1/chains/bitcoin/inputs?date=2001-01-01").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text());
}

/// Ingests devnet's blocks `range` from `cfg`'s node into `t`'s store.
async fn ingest_devnet(
    t: &TestApp,
    cfg: &blockwatt_ingest::ChainSourceConfig,
    range: blockwatt_ingest::IngestRange,
) {
    blockwatt_ingest::run_ingest(
        cfg,
        "devnet",
        t.store.clone(),
        range,
        false,
        std::future::pending(),
    )
    .await
    .expect("ingest");
}

/// [`ingest_devnet`], then the days `from..=to` aggregated.
async fn ingest_and_aggregate(
    t: &TestApp,
    cfg: &blockwatt_ingest::ChainSourceConfig,
    range: blockwatt_ingest::IngestRange,
    (from, to): (chrono::NaiveDate, chrono::NaiveDate),
) {
    ingest_devnet(t, cfg, range).await;
    aggregate_devnet(t, from, to).await;
}

/// Aggregates devnet's stored blocks of the days `from..=to`.
async fn aggregate_devnet(t: &TestApp, from: chrono::NaiveDate, to: chrono::NaiveDate) {
    blockwatt_ingest::daily::aggregate_and_store(
        &t.store,
        "devnet",
        blockwatt_ingest::daily::HashrateModel::None,
        from,
        to,
    )
    .await
    .expect("aggregate");
}

/// End to end on a real node: an ERC-20 deployed on anvil, transfers sent
/// among plain value transfers, the chain ingested and aggregated, then the
/// token's footprint asked for. Its transactions are counted from the logs
/// stored at ingestion (the same with no node configured), or at the node
/// for blocks ingested without receipts; its share is theirs over the
/// chain's, and its part and the rest of the chain add up to the chain's
/// footprint.
#[tokio::test]
async fn a_tokens_footprint_is_its_share_of_the_chains_transactions() {
    let Some(anvil) = blockwatt_testkit::AnvilNode::start(
        "api::a_tokens_footprint_is_its_share_of_the_chains_transactions",
        None,
    ) else {
        return;
    };
    let rpc = |method: &str, params: serde_json::Value| anvil.rpc(method, params).expect(method);
    rpc("evm_setAutomine", serde_json::json!([false]));
    let send = |tx: serde_json::Value| {
        let hash = rpc("eth_sendTransaction", serde_json::json!([tx]));
        rpc("evm_mine", serde_json::json!([]));
        hash
    };
    let accounts = rpc("eth_accounts", serde_json::json!([]));
    let (a, b) = (accounts[0].as_str().unwrap(), accounts[1].as_str().unwrap());
    let code = include_str!("../../ingest/tests/contracts/TestToken.bin").trim();
    let deploy =
        send(serde_json::json!({"from": a, "data": format!("0x{code}{:064x}", 1_000_000u64)}));
    let receipt = rpc("eth_getTransactionReceipt", serde_json::json!([deploy]));
    let token = receipt["contractAddress"]
        .as_str()
        .expect("deployed")
        .to_owned();
    let gas_used = |hash: &serde_json::Value| {
        let receipt = rpc("eth_getTransactionReceipt", serde_json::json!([hash]));
        u64::from_str_radix(
            receipt["gasUsed"]
                .as_str()
                .unwrap()
                .trim_start_matches("0x"),
            16,
        )
        .unwrap()
    };
    let mut token_gas = gas_used(&deploy);
    for i in 1..=4u64 {
        let data = format!("0xa9059cbb{:0>64}{i:064x}", b.trim_start_matches("0x"));
        token_gas += gas_used(&send(
            serde_json::json!({"from": a, "to": token, "data": data}),
        ));
    }
    let mut chain_gas = token_gas;
    for _ in 0..3 {
        chain_gas += gas_used(&send(
            serde_json::json!({"from": a, "to": b, "value": "0x1"}),
        ));
    }

    let t = app().await;
    let chains = devnet_source(&anvil.url);
    let cfg = chains["devnet"].clone();
    ingest_devnet(&t, &cfg, blockwatt_ingest::IngestRange::default()).await;
    let tip = t.store.tip("devnet").await.expect("store").expect("blocks");
    let first = t
        .store
        .block("devnet", 1)
        .await
        .expect("store")
        .expect("block 1");
    let day = |time: i64| {
        chrono::DateTime::from_timestamp(time, 0)
            .unwrap()
            .date_naive()
    };
    let (from, to) = (day(first.time), day(tip.time));
    aggregate_devnet(&t, from, to).await;
    let clients = blockwatt_ingest::ChainClients::new(&chains, |_, _| std::sync::Arc::default());
    let lookup = std::sync::Arc::new(blockwatt_service::ChainLookup::new(&clients));
    let router = blockwatt_api::router(t.state.clone().with_lookup(lookup));

    let uri = format!(
        "/v1/chains/devnet/contracts/{}/footprint?from={from}&to={to}",
        token.to_uppercase().replace("0X", "0x")
    );
    let r = get(&router, &uri).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let v = r.json();
    assert_eq!(v["contract"], token.to_lowercase());
    // The deployment (its constructor mints with a Transfer) and four transfers, of eight.
    assert_eq!(v["contract_transactions"], 5, "{v}");
    assert_eq!(v["chain_transactions"], 8, "{v}");
    assert!((v["share"].as_f64().unwrap() - 5.0 / 8.0).abs() < 1e-12);
    // Its part and the rest of the chain sum to the chain's, bound by bound.
    for bound in ["lower", "best", "upper"] {
        let part = v["energy_kwh"][bound].as_f64().unwrap();
        let chain = v["chain_energy_kwh"][bound].as_f64().unwrap();
        assert!(part > 0.0 && part < chain, "{bound}: {v}");
        let rest = chain - part;
        assert!(((part + rest) - chain).abs() <= 1e-12 * chain);
        if from == to {
            assert!((part / chain - 5.0 / 8.0).abs() < 1e-9, "{bound}: {v}");
        }
    }
    let counted_by = v["counted_by"].as_str().unwrap();
    assert!(
        counted_by.contains("logs recorded at ingestion"),
        "{counted_by}"
    );
    // No node is needed for stored blocks whose logs were recorded.
    let storeless = blockwatt_api::router(t.state.clone());
    let alone = get(&storeless, &format!("{uri}&allocation=gas")).await;
    assert_eq!(alone.status, StatusCode::OK, "{}", alone.text());
    let alone = alone.json();
    assert_eq!(alone["contract_transactions"], 5, "{alone}");
    assert_eq!(alone["contract_gas"], token_gas, "{alone}");
    // Blocks ingested without receipts hold no logs: counted at the node,
    // and without one the problem says which blocks lack them.
    let bare = app().await;
    let mut no_receipts = cfg.clone();
    no_receipts.receipts = false;
    ingest_and_aggregate(
        &bare,
        &no_receipts,
        blockwatt_ingest::IngestRange::default(),
        (from, to),
    )
    .await;
    let at_node = blockwatt_api::router(bare.state.clone().with_lookup(std::sync::Arc::new(
        blockwatt_service::ChainLookup::new(&clients),
    )));
    let v2 = get(&at_node, &uri).await;
    assert_eq!(v2.status, StatusCode::OK, "{}", v2.text());
    let v2 = v2.json();
    assert_eq!(v2["contract_transactions"], 5, "{v2}");
    assert_eq!(v2["chain_transactions"], 8, "{v2}");
    let counted_by = v2["counted_by"].as_str().unwrap();
    assert!(
        counted_by.contains("eth_getLogs") && counted_by.contains("ingested without their logs"),
        "{counted_by}"
    );
    get(&blockwatt_api::router(bare.state.clone()), &uri)
        .await
        .problem_saying(404, "no-data", "ingested without their logs");
    // By gas: the receipts' gas of its five transactions over all eight's.
    let by_gas = get(&router, &format!("{uri}&allocation=gas")).await.json();
    assert_eq!(by_gas["allocation"], "gas");
    assert_eq!(by_gas["contract_gas"], token_gas, "{by_gas}");
    assert_eq!(by_gas["chain_gas"], chain_gas, "{by_gas}");
    let gas_share = token_gas as f64 / chain_gas as f64;
    assert!(
        (by_gas["share"].as_f64().unwrap() - gas_share).abs() < 1e-12,
        "{by_gas}"
    );
    // A deployment costs more gas than a transfer: the keys differ.
    assert!(gas_share > 5.0 / 8.0, "{gas_share}");
    if from == to {
        let part = by_gas["energy_kwh"]["best"].as_f64().unwrap();
        let chain = by_gas["chain_energy_kwh"]["best"].as_f64().unwrap();
        assert!((part / chain - gas_share).abs() < 1e-9, "{by_gas}");
    }
    get(&router, &format!("{uri}&allocation=holdings"))
        .await
        .problem(422, "invalid-parameter");
    let r = get(&router, &format!("{uri}&format=csv")).await;
    let (h, rows) = csv_rows(&r.body);
    assert_eq!(
        &h[..5],
        [
            "chain",
            "contract",
            "date",
            "contract_transactions",
            "chain_transactions"
        ]
    );
    assert_eq!(
        rows.len(),
        usize::try_from((to - from).num_days() + 1).unwrap()
    );

    // The same token as a crypto-asset: its MiCA disclosure is the chain's,
    // allocated by the same share.
    let router = token_router(&t, &clients, &token, &["devnet"]);
    let field = |v: &serde_json::Value, code: &str| -> f64 {
        let f = v["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["code"] == code)
            .unwrap();
        f["value"].as_str().unwrap().parse().unwrap()
    };
    let token_d = get(&router, &format!("/v1/mica/bwt?from={from}&to={to}")).await;
    assert_eq!(token_d.status, StatusCode::OK, "{}", token_d.text());
    let token_d = token_d.json();
    let chain_d = get(&router, &format!("/v1/mica/devnet?from={from}&to={to}"))
        .await
        .json();
    assert_eq!(token_d["asset_name"], "blockwatt test token");
    if from == to {
        let ratio = field(&token_d, "S.8") / field(&chain_d, "S.8");
        assert!((ratio - 5.0 / 8.0).abs() < 1e-5, "{ratio}");
        // Per transaction, the token's energy over its own transactions is the chain's per transaction.
        // (Both written to 5 decimals: 0.22523 against 0.22522 is rounding.)
        assert!((field(&token_d, "S.11") / field(&chain_d, "S.11") - 1.0).abs() < 1e-4);
        // The validators' machines (S.20) are allocated by the same share.
        let ratio = field(&token_d, "S.20") / field(&chain_d, "S.20");
        assert!((ratio - 5.0 / 8.0).abs() < 1e-4, "{ratio}");
    }
    let s9 = |v: &serde_json::Value| {
        v["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["code"] == "S.9")
            .unwrap()["value"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert!(
        s9(&token_d).contains("Allocation (transactions)"),
        "{token_d}"
    );
    assert!(!s9(&chain_d).contains("Allocation"), "{chain_d}");
    let gas_d = get(
        &router,
        &format!("/v1/mica/bwt?from={from}&to={to}&allocation=gas"),
    )
    .await;
    assert_eq!(gas_d.status, StatusCode::OK, "{}", gas_d.text());
    let gas_d = gas_d.json();
    assert!(s9(&gas_d).contains("Allocation (gas)"), "{gas_d}");
    if from == to {
        let ratio = field(&gas_d, "S.8") / field(&chain_d, "S.8");
        assert!(
            (ratio - gas_share).abs() < 1e-5,
            "{ratio} against {gas_share}"
        );
    }
    // Listed on a second chain it cannot be counted on here (none of
    // Polygon's blocks stored, no node for it), the token's figures are
    // Devnet's part, and the disclosure names Polygon as not counted.
    let two_chains = token_router(&t, &clients, &token, &["devnet", "polygon"]);
    let both = get(&two_chains, &format!("/v1/mica/bwt?from={from}&to={to}")).await;
    assert_eq!(both.status, StatusCode::OK, "{}", both.text());
    let both = both.json();
    assert_eq!(field(&both, "S.8"), field(&token_d, "S.8"));
    assert_eq!(both["chains"], serde_json::json!(["devnet", "polygon"]));
    assert_eq!(both["not_counted"][0]["chain"], "polygon", "{both}");
    let note = both["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "S.8")
        .unwrap()["note"]
        .to_string();
    assert!(
        note.contains("not counted: no daily metrics stored for polygon"),
        "{note}"
    );
    // The published page says it too, above the tables.
    let page = get(&two_chains, &format!("/mica/bwt?from={from}&to={to}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let page = page.text();
    for part in [
        "<dt>Ledgers</dt><dd>devnet, polygon</dd>",
        "Not in these figures: no daily metrics stored for polygon",
    ] {
        assert!(page.contains(part), "{part:?} not in the page");
    }
    // A contract that logged nothing in the period gets no figure.
    an_idle_contract_has_no_disclosure(&t, &clients, from, to).await;
    get(
        &router,
        &format!("/v1/mica/bwt?from={from}&to={to}&allocation=holdings"),
    )
    .await
    .problem(422, "invalid-parameter");
    get(&router, "/v1/mica/nosuchcoin")
        .await
        .problem(404, "not-found");

    // A malformed address, a chain with no EVM node to count at: each says so.
    get(&router, "/v1/chains/devnet/contracts/0x1234/footprint")
        .await
        .problem(422, "invalid-parameter");
    get(
        &router,
        &format!("/v1/chains/bitcoin/contracts/{token}/footprint?from=2020-01-01&to=2020-01-31"),
    )
    .await
    .problem_saying(404, "no-data", "no EVM node");
}

/// Days whose blocks are not stored take the contract's share from a
/// sample of the node's blocks, with the sample's interval around it.
#[tokio::test]
async fn days_not_stored_are_sampled_at_the_node_with_an_interval() {
    let day1 = chrono::NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
    let day2 = day1.succ_opt().unwrap();
    let at = |d: chrono::NaiveDate, secs: i64| {
        d.and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp() + secs
    };
    let Some(anvil) = blockwatt_testkit::AnvilNode::start_at(
        "api::days_not_stored_are_sampled_at_the_node_with_an_interval",
        at(day1, 0),
    ) else {
        return;
    };
    let rpc = |method: &str, params: serde_json::Value| anvil.rpc(method, params).expect(method);
    rpc("evm_setAutomine", serde_json::json!([false]));
    let send = |tx: serde_json::Value| {
        rpc("eth_sendTransaction", serde_json::json!([tx]));
        rpc("evm_mine", serde_json::json!([]));
    };
    let accounts = rpc("eth_accounts", serde_json::json!([]));
    let (a, b) = (accounts[0].as_str().unwrap(), accounts[1].as_str().unwrap());
    let code = include_str!("../../ingest/tests/contracts/TestToken.bin").trim();
    rpc(
        "evm_setNextBlockTimestamp",
        serde_json::json!([at(day1, 3600)]),
    );
    send(serde_json::json!({"from": a, "data": format!("0x{code}{:064x}", 1_000_000u64)}));
    let token = rpc(
        "eth_getTransactionReceipt",
        serde_json::json!([
            rpc("eth_getBlockByNumber", serde_json::json!(["0x1", false]))["transactions"][0]
        ]),
    )["contractAddress"]
        .as_str()
        .expect("deployed")
        .to_owned();
    let transfer = || {
        let data = format!("0xa9059cbb{:0>64}{:064x}", b.trim_start_matches("0x"), 1);
        serde_json::json!({"from": a, "to": token, "data": data})
    };
    let plain = || serde_json::json!({"from": a, "to": b, "value": "0x1"});
    send(transfer());
    send(plain());
    let stored_tip = 3u64;
    // Day 2, never ingested: 1,200 blocks of one transaction each, about
    // three in ten of them the token's, in a fixed pseudo-random order.
    rpc(
        "evm_setNextBlockTimestamp",
        serde_json::json!([at(day2, 60)]),
    );
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut token_blocks = 0u64;
    let day2_blocks = 1_200u64;
    for _ in 0..day2_blocks {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        if state % 10 < 3 {
            token_blocks += 1;
            send(transfer());
        } else {
            send(plain());
        }
    }
    let truth = token_blocks as f64 / day2_blocks as f64;

    let t = app().await;
    let chains = devnet_source(&anvil.url);
    ingest_and_aggregate(
        &t,
        &chains["devnet"],
        blockwatt_ingest::IngestRange {
            from: 0,
            to: Some(stored_tip),
        },
        (day1, day1),
    )
    .await;
    // Day 2's row as a daily source sends it: the chain's own counts.
    let mut row = t
        .store
        .daily_metrics("devnet", day1, day1)
        .await
        .expect("store")
        .pop()
        .expect("day 1 aggregated");
    row.day = day2;
    row.tx_count = Some(day2_blocks);
    row.block_count = Some(day2_blocks);
    row.source = "coinmetrics".into();
    t.store.write_daily_metrics(&[row]).await.expect("store");

    let clients = blockwatt_ingest::ChainClients::new(&chains, |_, _| std::sync::Arc::default());
    let lookup = std::sync::Arc::new(blockwatt_service::ChainLookup::new(&clients));
    let router = blockwatt_api::router(t.state.clone().with_lookup(lookup));
    let uri = format!("/v1/chains/devnet/contracts/{token}/footprint?from={day1}&to={day2}");
    let r = get(&router, &uri).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let v = r.json();
    let days = v["days"].as_array().unwrap();
    assert_eq!(days.len(), 2, "{v}");
    // Day 1 is counted in its stored blocks: the deployment and a transfer of three.
    assert_eq!(days[0]["counted_by"], "stored-blocks");
    assert_eq!(days[0]["contract_transactions"], 2);
    assert_eq!(days[0]["chain_transactions"], 3);
    // Day 2 is sampled: 96 runs of 8 of its 1,200 blocks, found by time.
    assert_eq!(days[1]["counted_by"], "node-sample");
    let sample = &v["node_samples"][0];
    assert_eq!(sample["from"], day2.to_string());
    assert_eq!(sample["first_block"], stored_tip + 1);
    assert_eq!(sample["last_block"], stored_tip + day2_blocks);
    assert_eq!(sample["sampled_blocks"], 768);
    assert_eq!(sample["chain_transactions"], 768);
    let share = &days[1]["share"];
    let (lower, best, upper) = (
        share["lower"].as_f64().unwrap(),
        share["best"].as_f64().unwrap(),
        share["upper"].as_f64().unwrap(),
    );
    assert!(lower < best && best < upper, "{share}");
    eprintln!("day 2: true share {truth:.4}, sampled {best:.4} [{lower:.4}, {upper:.4}]");
    assert!(lower <= truth && truth <= upper, "{truth} outside {share}");
    assert!(upper - lower < 0.1, "{share}");
    assert_eq!(
        best,
        sample["contract_transactions"].as_f64().unwrap() / 768.0
    );
    // Its transactions: the daily row's 1,200 times the sampled share.
    assert_eq!(
        days[1]["contract_transactions"],
        (1_200.0 * best).round() as u64
    );
    // The energy of day 2 is the chain's day times each bound of the share.
    let chain_day = v["chain_energy_kwh"]["best"].as_f64().unwrap() / 2.0;
    let part = days[1]["energy_kwh"]["best"].as_f64().unwrap();
    assert!((part / chain_day - best).abs() < 1e-9, "{v}");
    assert!(days[1]["energy_kwh"]["upper"].as_f64().unwrap() > 0.0);
    assert!(
        v["counted_by"].as_str().unwrap().contains("not stored"),
        "{v}"
    );

    // The token's disclosure over both days: the same parts of the chain's.
    let router = token_router(&t, &clients, &token, &["devnet"]);
    let s8 = |d: &serde_json::Value| {
        d["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["code"] == "S.8")
            .unwrap()
            .clone()
    };
    let d = get(&router, &format!("/v1/mica/bwt?from={day1}&to={day2}")).await;
    assert_eq!(d.status, StatusCode::OK, "{}", d.text());
    let token_s8 = s8(&d.json());
    let chain_s8 = s8(
        &get(&router, &format!("/v1/mica/devnet?from={day1}&to={day2}"))
            .await
            .json(),
    );
    let value = |f: &serde_json::Value| -> f64 { f["value"].as_str().unwrap().parse().unwrap() };
    let energy = v["energy_kwh"]["best"].as_f64().unwrap();
    let chain = v["chain_energy_kwh"]["best"].as_f64().unwrap();
    assert!(
        (value(&token_s8) / value(&chain_s8) - energy / chain).abs() < 1e-4,
        "{token_s8}"
    );
    // The sample's interval widens the disclosed bounds beyond the chain's.
    let spread = |f: &serde_json::Value| -> f64 {
        f["upper"].as_str().unwrap().parse::<f64>().unwrap() / value(f)
    };
    assert!(
        spread(&token_s8) > spread(&chain_s8),
        "{token_s8} against {chain_s8}"
    );
    // Nor one the node's sample never saw, though a sample's interval
    // still reaches above zero.
    an_idle_contract_has_no_disclosure(&t, &clients, day1, day2).await;
}

/// The app with `token` (devnet) listed as the crypto-asset `bwt`, its
/// transactions counted at the nodes of `clients`.
/// A contract that logged nothing from `from` to `to` (an address with no
/// code) gets no MiCA figure, not a disclosure of zero.
async fn an_idle_contract_has_no_disclosure(
    t: &TestApp,
    clients: &blockwatt_ingest::ChainClients,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) {
    let idle = token_router(
        t,
        clients,
        "0x000000000000000000000000000000000000dead",
        &["devnet"],
    );
    get(&idle, &format!("/v1/mica/bwt?from={from}&to={to}"))
        .await
        .problem_saying(
            404,
            "no-data",
            "bwt's contract made no transaction on devnet",
        );
}

fn token_router(
    t: &TestApp,
    clients: &blockwatt_ingest::ChainClients,
    token: &str,
    chains: &[&str],
) -> axum::Router {
    let listings = chains
        .iter()
        .map(|chain| blockwatt_service::TokenListing {
            asset: "bwt".into(),
            name: "blockwatt test token".into(),
            kind: "erc20".into(),
            chain: (*chain).into(),
            contract: token.to_lowercase(),
            decimals: 18,
            issuer: "blockwatt tests".into(),
            lei: None,
            source: "this test".into(),
        })
        .collect();
    let footprints = t
        .state
        .footprints
        .clone()
        .with_tokens(listings)
        .expect("a valid listing");
    let state = blockwatt_api::AppState::new(footprints, test_config())
        .expect("state")
        .with_lookup(std::sync::Arc::new(blockwatt_service::ChainLookup::new(
            clients,
        )));
    blockwatt_api::router(state)
}

//! Every error class is an RFC 9457 problem with a stable type, the right
//! status, and the parameter named; client mistakes are never 5xx.

mod common;

use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use blockwatt_api::ApiConfig;
use blockwatt_domain::DailyMetrics;
use common::*;

#[tokio::test]
async fn unknown_chain_is_404() {
    let t = app().await;
    for uri in [
        "/v1/chains/nochain/footprint",
        "/v1/chains/nochain/footprint/history",
        "/v1/chains/nochain/blocks/1/footprint",
        &format!("/v1/chains/nochain/transactions/{TXID}/footprint"),
        "/v1/compare?chains=bitcoin,nochain",
        "/v1/chains/nochain/contracts/0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48/footprint",
        "/v1/chains/Bad%20Slug/footprint",
    ] {
        let p = get(&t.router, uri).await.problem(404, "unknown-chain");
        assert!(
            p["detail"]
                .as_str()
                .is_some_and(|d| d.contains("nochain") || d.contains("Bad")),
            "{p}"
        );
    }
    // A MiCA disclosure names a crypto-asset: a chain's native coin or a token.
    get(&t.router, "/v1/mica/nochain").await.problem_saying(
        404,
        "not-found",
        "unknown asset \"nochain\"",
    );
}

#[tokio::test]
async fn malformed_parameters_are_400_naming_them() {
    let t = app().await;
    let cases = [
        ("/v1/chains/bitcoin/footprint?date=2024-13-01", "date"),
        ("/v1/chains/bitcoin/footprint?date=yesterday", "date"),
        ("/v1/chains/bitcoin/footprint?price=cheap", "price"),
        ("/v1/chains/bitcoin/footprint?pue=NaN", "pue"),
        (
            "/v1/chains/bitcoin/footprint/history?from=2024-1-1x",
            "from",
        ),
        ("/v1/chains/bitcoin/footprint/history?to=20240101", "to"),
        (
            "/v1/chains/bitcoin/blocks/123abc/footprint",
            "height_or_hash",
        ),
        (
            "/v1/chains/bitcoin/blocks/99999999999999999999/footprint",
            "height_or_hash",
        ),
        ("/v1/chains/bitcoin/blocks/0xZZ/footprint", "height_or_hash"),
        (
            "/v1/chains/bitcoin/transactions/not-a-txid/footprint",
            "txid",
        ),
        ("/v1/chains/bitcoin/transactions/abcd/footprint", "txid"),
        ("/v1/compare", "chains"),
        ("/v1/compare?chains=bitcoin,,ethereum", "chains"),
        ("/v1/mica/bitcoin?from=soon", "from"),
    ];
    for (uri, param) in cases {
        let p = get(&t.router, uri)
            .await
            .problem(400, "malformed-parameter");
        assert_eq!(p["parameter"], param, "{uri}: {p}");
    }
}

#[tokio::test]
async fn duplicate_query_parameters_are_400_not_plain_text() {
    let t = app().await;
    get(
        &t.router,
        "/v1/chains/bitcoin/footprint?date=2024-01-01&date=2024-01-02",
    )
    .await
    .problem(400, "malformed-parameter");
}

#[tokio::test]
async fn out_of_range_parameters_are_422_naming_them() {
    let t = app().await;
    let cases = [
        ("/v1/chains/bitcoin/footprint?pue=0.5", "pue"),
        ("/v1/chains/bitcoin/footprint?price=-1", "price"),
        ("/v1/chains/bitcoin/footprint?method=pos-nodes", "method"),
        ("/v1/chains/bitcoin/footprint/history?format=xml", "format"),
        (
            "/v1/chains/bitcoin/footprint/history?from=2024-02-01&to=2024-01-01",
            "from",
        ),
        (
            &format!("/v1/chains/bitcoin/blocks/{BLOCK_HEIGHT}/footprint?allocation=weight"),
            "allocation",
        ),
        // The service's own refusal maps to 422 as well: Bitcoin's blocks
        // carry no gas.
        (
            &format!("/v1/chains/bitcoin/blocks/{BLOCK_HEIGHT}/footprint?allocation=gas"),
            "allocation",
        ),
        (
            &format!("/v1/chains/bitcoin/transactions/{TXID}/footprint?allocation=gas"),
            "allocation",
        ),
    ];
    for (uri, param) in cases {
        let p = get(&t.router, uri).await.problem(422, "invalid-parameter");
        assert_eq!(p["parameter"], param, "{uri}: {p}");
    }
}

/// No figure for a day before the chain existed: a 404 `no-data` saying
/// so, never a number.
#[tokio::test]
async fn a_day_before_the_chain_existed_has_no_data() {
    let t = app().await;
    let uris = [
        "/v1/chains/bitcoin/footprint?date=2008-12-31",
        "/v1/chains/ethereum/footprint?date=2001-01-01",
        "/v1/compare?chains=bitcoin&date=2008-06-01",
        // Nor its inputs, nor a reconciliation of that day.
        "/v1/chains/bitcoin/inputs?date=2008-06-01",
        "/v1/chains/bitcoin/reconcile?date=2008-06-01",
        "/v1/mica/bitcoin?from=2008-06-01&to=2009-06-01",
    ];
    expect_no_data(&t, &uris, "did not exist").await;
    expect_no_data(&t, &uris[3..], "its first day is 2009-01-03").await;
}

/// Each of `uris` answers a 404 `no-data` whose detail says `says`.
async fn expect_no_data(t: &TestApp, uris: &[&str], says: &str) {
    for uri in uris {
        let p = get(&t.router, uri).await.problem(404, "no-data");
        assert!(
            p["detail"].as_str().is_some_and(|d| d.contains(says)),
            "{uri}: {p}"
        );
    }
}

/// A day after today has no data, whichever interface asks: a 404, like
/// any other day without data, not a figure and not a parameter error.
#[tokio::test]
async fn a_day_after_today_has_no_data() {
    let t = app().await;
    let uris = [
        "/v1/chains/bitcoin/footprint?date=2999-01-01",
        "/v1/chains/bitcoin/footprint/history?from=2998-12-01&to=2999-01-01",
        "/v1/compare?chains=bitcoin&date=2999-01-01",
        "/v1/mica/bitcoin?from=2999-01-01&to=2999-01-31",
    ];
    expect_no_data(&t, &uris, "after today").await;
}

#[tokio::test]
async fn range_too_large_is_422_with_the_limit() {
    let t = app().await;
    let p = get(
        &t.router,
        "/v1/chains/bitcoin/footprint/history?from=2000-01-01&to=2024-01-01",
    )
    .await
    .problem(422, "range-too-large");
    assert_eq!(p["limit"], 3660);
    assert!(p["detail"].as_str().is_some_and(|d| d.contains("3660")));

    let small = app_with(ApiConfig {
        max_history_days: 7,
        max_compare_chains: 1,
        ..test_config()
    })
    .await;
    let p = get(
        &small.router,
        "/v1/mica/bitcoin?from=2024-01-01&to=2024-01-08",
    )
    .await
    .problem(422, "range-too-large");
    assert_eq!(p["limit"], 7);
    let p = get(&small.router, "/v1/compare?chains=bitcoin,ethereum")
        .await
        .problem(422, "range-too-large");
    assert_eq!(p["limit"], 1);
    assert_eq!(p["parameter"], "chains");
}

#[tokio::test]
async fn missing_data_is_404() {
    let t = app().await;
    get(&t.router, "/v1/chains/bitcoin/footprint?date=2019-01-01")
        .await
        .problem(404, "no-data");
    let p = get(&t.router, "/v1/chains/bitcoin/blocks/1/footprint")
        .await
        .problem(404, "not-ingested");
    assert!(p["detail"]
        .as_str()
        .is_some_and(|d| d.contains("not ingested")));
    let other_tx = "ff".repeat(32);
    let p = get(
        &t.router,
        &format!("/v1/chains/bitcoin/transactions/{other_tx}/footprint"),
    )
    .await
    .problem(404, "not-ingested");
    assert!(p["detail"].as_str().is_some_and(|d| d.contains(&other_tx)));
    get(&t.router, "/v1/methodology/astrology")
        .await
        .problem(404, "not-found");
}

#[tokio::test]
async fn unknown_route_and_method_are_problems() {
    let t = app().await;
    let p = get(&t.router, "/v2/everything")
        .await
        .problem(404, "unknown-route");
    assert_eq!(p["instance"], "/v2/everything");
    let r = send(
        &t.router,
        Request::delete("/v1/chains")
            .body(Body::empty())
            .expect("req"),
    )
    .await;
    r.problem(405, "method-not-allowed");
}

#[tokio::test]
async fn uri_and_body_limits() {
    let t = app().await;
    let long = format!("/v1/chains/bitcoin/footprint?method={}", "x".repeat(5000));
    get(&t.router, &long).await.problem(414, "uri-too-long");
    // A declared oversized body is refused before it is read.
    let declared = Request::get("/v1/chains")
        .header(header::CONTENT_LENGTH, "10000000")
        .body(Body::empty())
        .expect("req");
    send(&t.router, declared)
        .await
        .problem(413, "payload-too-large");
}

#[tokio::test]
async fn rate_limit_is_429_with_retry_after() {
    let t = app_with(ApiConfig {
        rate_limit_per_minute: 2,
        ..test_config()
    })
    .await;
    for _ in 0..2 {
        assert_eq!(
            get(&t.router, "/v1/chains/bitcoin/footprint").await.status,
            StatusCode::OK
        );
    }
    let r = get(&t.router, "/v1/chains/bitcoin/footprint").await;
    r.problem(429, "rate-limited");
    let retry: u64 = r
        .header(header::RETRY_AFTER)
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    assert!((1..=60).contains(&retry), "{retry}");
    // Probes are exempt.
    assert_eq!(get(&t.router, "/healthz").await.status, StatusCode::OK);
}

#[tokio::test]
async fn rate_limit_keys_on_the_client_address() {
    use axum::extract::ConnectInfo;
    use std::net::SocketAddr;
    let t = app_with(ApiConfig {
        rate_limit_per_minute: 1,
        ..test_config()
    })
    .await;
    let from = |ip: &str| {
        let mut req = Request::get("/v1/chains").body(Body::empty()).expect("req");
        let addr: SocketAddr = format!("{ip}:40000").parse().expect("addr");
        req.extensions_mut().insert(ConnectInfo(addr));
        req
    };
    assert_eq!(
        send(&t.router, from("10.0.0.1")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        send(&t.router, from("10.0.0.2")).await.status,
        StatusCode::OK
    );
    send(&t.router, from("10.0.0.1"))
        .await
        .problem(429, "rate-limited");
}

/// A transaction looked up at a node that never answers: the request
/// deadline answers for it.
#[tokio::test(start_paused = true)]
async fn a_slow_request_times_out_as_503() {
    // Paused time advances by itself once every task waits, so the
    // deadline fires at once without a real sleep.
    let (_hole, hanging_node) = black_hole();
    let t = app_with(ApiConfig {
        request_timeout_s: 5,
        ..test_config()
    })
    .await;
    let clients = blockwatt_ingest::ChainClients::new(&devnet_source(&hanging_node), |_, _| {
        std::sync::Arc::default()
    });
    let lookup = std::sync::Arc::new(blockwatt_service::ChainLookup::new(&clients));
    let router = blockwatt_api::router(t.state.clone().with_lookup(lookup));
    let uri = format!(
        "/v1/chains/devnet/transactions/{}/footprint",
        "ab".repeat(32)
    );
    let p = get(&router, &uri).await.problem(503, "timeout");
    assert!(p["detail"].as_str().is_some_and(|d| d.contains("5 s")));
}

/// A TCP listener that is never accepted from: connections complete in
/// the kernel's backlog and requests wait for an answer that never comes
/// (a node that hangs), for as long as it lives.
fn black_hole() -> (std::net::TcpListener, String) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    (listener, url)
}

/// POSTs `body` to an admin route with the right token.
async fn as_admin(t: &TestApp, path: &str, body: &str) -> Reply {
    send(&t.router, post(path, Some("s3cret"), body)).await
}

fn admin_config() -> ApiConfig {
    ApiConfig {
        admin_token: Some("s3cret".into()),
        ..test_config()
    }
}

fn post(uri: &str, token: Option<&str>, body: &str) -> Request<Body> {
    let mut b = Request::post(uri).header(header::CONTENT_TYPE, "application/json");
    if let Some(t) = token {
        b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    b.body(Body::from(body.to_owned())).expect("req")
}

fn get_as(uri: &str, token: Option<&str>) -> Request<Body> {
    let mut b = Request::get(uri);
    if let Some(t) = token {
        b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    b.body(Body::empty()).expect("req")
}

#[tokio::test]
async fn admin_jobs_show_how_each_went_and_name_a_missing_one() {
    let t = app_with_admin(admin_config(), &dead_url(), &dead_url()).await;
    send(&t.router, get_as("/v1/admin/jobs", None))
        .await
        .problem(401, "unauthorized");
    let missing = t.dir().join("missing.csv");
    let body = format!(
        r#"{{"kind":"coinmetrics","chain":"bitcoin","file":"{}"}}"#,
        missing.display()
    );
    let r = as_admin(&t, "/v1/admin/import", &body).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
    let r = as_admin(
        &t,
        "/v1/admin/backfill",
        r#"{"chain":"devnet","from":0,"to":3}"#,
    )
    .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
    let both_ended = blockwatt_testkit::wait_until_async(Duration::from_secs(30), || async {
        let r = send(&t.router, get_as("/v1/admin/jobs", Some("s3cret"))).await;
        r.json()["jobs"]
            .as_array()
            .is_some_and(|jobs| jobs.len() == 2 && jobs.iter().all(|j| j["state"] != "running"))
    })
    .await;
    assert!(both_ended, "the two jobs did not end within 30 s");
    let r = send(&t.router, get_as("/v1/admin/jobs", Some("s3cret"))).await;
    let jobs = r.json()["jobs"].clone();
    assert_eq!(jobs[0]["id"], 2, "newest first: {jobs}");
    assert_eq!(jobs[0]["job"], "devnet-0-3");
    assert_eq!(jobs[0]["state"], "failed", "{jobs}");
    assert!(jobs[0]["finished"].is_string(), "{jobs}");
    let r = send(&t.router, get_as("/v1/admin/jobs/1", Some("s3cret"))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["state"], "failed");
    assert!(
        r.json()["outcome"]
            .as_str()
            .is_some_and(|o| o.contains("missing.csv")),
        "{}",
        r.text()
    );
    let p = send(&t.router, get_as("/v1/admin/jobs/99", Some("s3cret")))
        .await
        .problem(404, "not-found");
    assert!(p["detail"].as_str().unwrap().contains("no job 99"), "{p}");
    let p = send(&t.router, get_as("/v1/admin/jobs/latest", Some("s3cret")))
        .await
        .problem(422, "invalid-parameter");
    assert_eq!(p["parameter"], "id", "{p}");
}

#[tokio::test]
async fn admin_routes_do_not_exist_without_a_token() {
    let t = app_with_admin(test_config(), &dead_url(), &dead_url()).await;
    send(
        &t.router,
        post(
            "/v1/admin/import",
            Some("x"),
            r#"{"kind":"price","chain":"bitcoin"}"#,
        ),
    )
    .await
    .problem(404, "unknown-route");
}

#[tokio::test]
async fn admin_routes_need_the_bearer_token() {
    // devnet's node accepts connections and never answers: a backfill of
    // it stays running while the test asks for a second one.
    let (_hole, hanging_node) = black_hole();
    let t = app_with_admin(admin_config(), &hanging_node, &dead_url()).await;
    let r = send(
        &t.router,
        post(
            "/v1/admin/import",
            None,
            r#"{"kind":"price","chain":"bitcoin"}"#,
        ),
    )
    .await;
    r.problem(401, "unauthorized");
    assert_eq!(r.header(header::WWW_AUTHENTICATE), Some("Bearer"));
    send(
        &t.router,
        post(
            "/v1/admin/import",
            Some("wrong"),
            r#"{"kind":"price","chain":"bitcoin"}"#,
        ),
    )
    .await
    .problem(401, "unauthorized");
    // The scheme is case-insensitive: `bearer` is as good as `Bearer`.
    let lower = Request::get("/v1/admin/jobs")
        .header(header::AUTHORIZATION, "bearer s3cret")
        .body(Body::empty())
        .expect("req");
    assert_eq!(send(&t.router, lower).await.status, StatusCode::OK);

    let r = as_admin(
        &t,
        "/v1/admin/import",
        r#"{"kind":"price","chain":"bitcoin"}"#,
    )
    .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
    assert_eq!(r.json()["job"], "import-price-bitcoin");
    assert_eq!(r.json()["id"], 1);
    let r = as_admin(
        &t,
        "/v1/admin/backfill",
        r#"{"chain":"devnet","from":100,"to":131}"#,
    )
    .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
    let publish_day = |body: &'static str| post("/v1/admin/publish", Some("s3cret"), body);
    let r = send(&t.router, publish_day(r#"{"date":"2024-01-03"}"#)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(
        (r.json()["date"].as_str(), r.json()["version"].as_u64()),
        (Some("2024-01-03"), Some(1))
    );
    let r = send(&t.router, publish_day(r#"{"date":"2024-01-03"}"#)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["status"], "unchanged");
    // New data for the day: publishing it again needs a new version.
    let mut later = DailyMetrics::empty("bitcoin", day("2024-01-03"), "coinmetrics");
    later.hashrate_hs = Some(9e20);
    later.issuance_usd = Some(3e7);
    later.tx_count = Some(400_000);
    t.store.write_daily_metrics(&[later]).await.expect("write");
    let r = send(&t.router, publish_day(r#"{"date":"2024-01-03"}"#)).await;
    r.problem(409, "conflict");
    assert!(r.text().contains("inputs have changed"), "{}", r.text());
    let r = as_admin(
        &t,
        "/v1/admin/publish",
        r#"{"date":"2024-01-03","new_version":true}"#,
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["version"], 2);
    for body in [r#"{"date":"2024-13-01"}"#, r#"{"date":20240101}"#] {
        let p = send(&t.router, post("/v1/admin/publish", Some("s3cret"), body))
            .await
            .problem(400, "malformed-parameter");
        assert_eq!(p["parameter"], "date", "{body}: {p}");
    }
    let p = as_admin(&t, "/v1/admin/publish", r#"{"datum":"2024-01-01"}"#)
        .await
        .problem(400, "malformed-parameter");
    assert!(p["detail"].as_str().unwrap().contains("datum"), "{p}");

    // Import: the kind is required and known; unknown fields are named.
    let r = as_admin(
        &t,
        "/v1/admin/import",
        r#"{"kind":"coinmetrics","chain":"bitcoin","file":"/tmp/btc.csv"}"#,
    )
    .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
    assert!(r.text().contains("coinmetrics"), "{}", r.text());
    for (body, needle) in [
        (r#"{"chain":"bitcoin"}"#, "kind"),
        (r#"{"kind":"ftp","chain":"bitcoin"}"#, "kind"),
        (r#"{"kind":7,"chain":"bitcoin"}"#, "kind"),
        (r#"{"kind":"price","chain":"bitcoin","url":"x"}"#, "url"),
        (r#"{"kind":"coinmetrics","chain":"bitcoin"}"#, "file"),
    ] {
        let p = send(&t.router, post("/v1/admin/import", Some("s3cret"), body))
            .await
            .problem(422, "invalid-parameter");
        assert!(
            p["detail"].as_str().unwrap().contains(needle),
            "{body}: {p}"
        );
    }

    as_admin(
        &t,
        "/v1/admin/import",
        r#"{"kind":"price","chain":"nochain"}"#,
    )
    .await
    .problem(404, "unknown-chain");
    send(
        &t.router,
        post("/v1/admin/import", Some("s3cret"), "{not json"),
    )
    .await
    .problem(400, "malformed-parameter");
    as_admin(
        &t,
        "/v1/admin/backfill",
        r#"{"chain":"bitcoin","from":200,"to":100}"#,
    )
    .await
    .problem(422, "invalid-parameter");
    // The first backfill of devnet still waits on its node.
    let r = as_admin(
        &t,
        "/v1/admin/backfill",
        r#"{"chain":"devnet","from":1,"to":2}"#,
    )
    .await;
    r.problem(409, "conflict");
    assert!(r.text().contains("already running"), "{}", r.text());
    // A chain without a configured source cannot be backfilled.
    as_admin(
        &t,
        "/v1/admin/backfill",
        r#"{"chain":"bitcoin","from":1,"to":2}"#,
    )
    .await
    .problem(404, "unknown-chain");
    let no_type = Request::post("/v1/admin/publish")
        .header(header::AUTHORIZATION, "Bearer s3cret")
        .body(Body::from("{}"))
        .expect("req");
    send(&t.router, no_type)
        .await
        .problem(415, "unsupported-media-type");
    let big = post(
        "/v1/admin/publish",
        Some("s3cret"),
        &format!("{{\"date\":null,\"x\":\"{}\"}}", "a".repeat(70_000)),
    );
    send(&t.router, big).await.problem(413, "payload-too-large");
}

/// A token whose host chain has no estimate on any day of the period (here
/// Ethereum in its proof-of-work years, with a transaction count but no
/// hashrate or revenue stored) is a 404 that names the host chain and the
/// period, not the model's complaint about an asset of no host.
#[tokio::test]
async fn a_tokens_period_without_any_host_estimate_is_404_naming_the_host() {
    let t = app().await;
    let row = DailyMetrics {
        tx_count: Some(1_000_000),
        ..DailyMetrics::empty("ethereum", day("2021-03-01"), "coinmetrics")
    };
    t.store.write_daily_metrics(&[row]).await.expect("write");
    let p = get(&t.router, "/v1/mica/usdt?from=2021-03-01&to=2021-03-01")
        .await
        .problem(404, "no-data");
    assert!(
        p["detail"].as_str().is_some_and(|d| d.contains(
            "no day from 2021-03-01 to 2021-03-01 has an estimate of usdt's host chain (ethereum)"
        )),
        "{p}"
    );
}

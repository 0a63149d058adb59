//! Every error class is an RFC 9457 problem with a stable type, the right
//! status, and the parameter named; client mistakes are never 5xx.

mod common;

use std::sync::Arc;

use async_trait::async_trait;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use blockwatt_api::{
    Accepted, AdminActions, AdminError, ApiConfig, BackfillRequest, ImportRequest, JobState,
    JobStatus, PublishRequest, Published,
};
use common::*;

#[tokio::test]
async fn unknown_chain_is_404() {
    let t = app().await;
    for uri in [
        "/v1/chains/dogecoin/footprint",
        "/v1/chains/dogecoin/footprint/history",
        "/v1/chains/dogecoin/blocks/1/footprint",
        &format!("/v1/chains/dogecoin/transactions/{TXID}/footprint"),
        "/v1/compare?chains=bitcoin,dogecoin",
        "/v1/mica/dogecoin",
        "/v1/chains/Bad%20Slug/footprint",
    ] {
        let p = get(&t.router, uri).await.problem(404, "unknown-chain");
        assert!(
            p["detail"]
                .as_str()
                .is_some_and(|d| d.contains("ogecoin") || d.contains("Bad")),
            "{p}"
        );
    }
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
        ("/v1/chains/bitcoin/footprint?date=2999-01-01", "date"),
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
        // The estimator's own refusal maps to 422 as well.
        (
            &format!("/v1/chains/bitcoin/blocks/{BLOCK_HEIGHT}/footprint?allocation=gas"),
            "allocation",
        ),
        (
            &format!("/v1/chains/bitcoin/transactions/{TXID}/footprint?allocation=hybrid"),
            "allocation",
        ),
    ];
    for (uri, param) in cases {
        let p = get(&t.router, uri).await.problem(422, "invalid-parameter");
        assert_eq!(p["parameter"], param, "{uri}: {p}");
    }
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

#[tokio::test(start_paused = true)]
async fn a_slow_request_times_out_as_503() {
    // Paused time advances by itself once every task waits, so the
    // deadline fires at once without a real sleep.
    let t = app_with(ApiConfig {
        request_timeout_s: 5,
        ..test_config()
    })
    .await;
    t.estimator
        .hang
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let p = get(&t.router, "/v1/chains/bitcoin/footprint")
        .await
        .problem(503, "timeout");
    assert!(p["detail"].as_str().is_some_and(|d| d.contains("5 s")));
}

struct RecordingAdmin;

#[async_trait]
impl AdminActions for RecordingAdmin {
    async fn import(&self, req: ImportRequest) -> Result<Accepted, AdminError> {
        if req.chain() != "bitcoin" {
            return Err(AdminError::UnknownChain(req.chain().to_owned()));
        }
        Ok(Accepted {
            job: "import-1".into(),
            id: 1,
            message: format!("importing {} ({})", req.chain(), req.kind()),
        })
    }
    async fn backfill(&self, req: BackfillRequest) -> Result<Accepted, AdminError> {
        // Stands for a chain whose backfill is already running.
        if req.chain == "ethereum" {
            return Err(AdminError::Busy("a backfill of ethereum is running".into()));
        }
        Ok(Accepted {
            job: "backfill-1".into(),
            id: 2,
            message: format!("{}..{}", req.from, req.to),
        })
    }
    async fn publish(&self, req: PublishRequest) -> Result<Published, AdminError> {
        let date = req.date.unwrap_or_else(|| day("2024-01-02"));
        // Stands for a day published already whose inputs changed since.
        if date == day("2024-01-03") && !req.new_version {
            return Err(AdminError::Conflict(
                "index 2024-01-03 version 1 is published already and its inputs have changed"
                    .into(),
            ));
        }
        Ok(Published {
            date,
            version: if req.new_version { 2 } else { 1 },
            sha256: "ab".repeat(32),
            status: "published".into(),
            chains: 3,
            url: format!("/v1/indices/{date}?version=1"),
        })
    }
    fn jobs(&self) -> Vec<JobStatus> {
        let at = |s: &str| s.parse().expect("time");
        vec![
            JobStatus {
                id: 2,
                job: "backfill-1".into(),
                state: JobState::Running,
                started: at("2024-01-02T10:00:00Z"),
                finished: None,
                outcome: None,
            },
            JobStatus {
                id: 1,
                job: "import-1".into(),
                state: JobState::Failed,
                started: at("2024-01-02T09:00:00Z"),
                finished: Some(at("2024-01-02T09:00:01Z")),
                outcome: Some("/tmp/btc.csv: no such file".into()),
            },
        ]
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
    let cfg = ApiConfig {
        admin_token: Some("s3cret".into()),
        ..test_config()
    };
    let t = app_full(cfg, Some(Arc::new(RecordingAdmin))).await;
    send(&t.router, get_as("/v1/admin/jobs", None))
        .await
        .problem(401, "unauthorized");
    let r = send(&t.router, get_as("/v1/admin/jobs", Some("s3cret"))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let jobs = r.json()["jobs"].clone();
    assert_eq!(jobs[0]["id"], 2, "newest first: {jobs}");
    assert_eq!(jobs[0]["state"], "running");
    assert_eq!(jobs[0]["finished"], serde_json::Value::Null);
    assert_eq!(jobs[1]["state"], "failed");
    let r = send(&t.router, get_as("/v1/admin/jobs/1", Some("s3cret"))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["outcome"], "/tmp/btc.csv: no such file");
    assert_eq!(r.json()["started"], "2024-01-02T09:00:00Z");
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
    let t = app_full(test_config(), Some(Arc::new(RecordingAdmin))).await;
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
    let cfg = ApiConfig {
        admin_token: Some("s3cret".into()),
        ..test_config()
    };
    let t = app_full(cfg, Some(Arc::new(RecordingAdmin))).await;
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

    let r = send(
        &t.router,
        post(
            "/v1/admin/import",
            Some("s3cret"),
            r#"{"kind":"price","chain":"bitcoin"}"#,
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
    assert_eq!(r.json()["job"], "import-1");
    assert_eq!(r.json()["id"], 1);
    let r = send(
        &t.router,
        post(
            "/v1/admin/backfill",
            Some("s3cret"),
            r#"{"chain":"bitcoin","from":100,"to":131}"#,
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    let r = send(&t.router, post("/v1/admin/publish", Some("s3cret"), "{}")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(
        (r.json()["date"].as_str(), r.json()["version"].as_u64()),
        (Some("2024-01-02"), Some(1))
    );
    let r = send(
        &t.router,
        post(
            "/v1/admin/publish",
            Some("s3cret"),
            r#"{"date":"2024-01-03"}"#,
        ),
    )
    .await;
    r.problem(409, "conflict");
    assert!(r.text().contains("inputs have changed"), "{}", r.text());
    let r = send(
        &t.router,
        post(
            "/v1/admin/publish",
            Some("s3cret"),
            r#"{"date":"2024-01-03","new_version":true}"#,
        ),
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
    let p = send(
        &t.router,
        post(
            "/v1/admin/publish",
            Some("s3cret"),
            r#"{"datum":"2024-01-01"}"#,
        ),
    )
    .await
    .problem(400, "malformed-parameter");
    assert!(p["detail"].as_str().unwrap().contains("datum"), "{p}");

    // Import: the kind is required and known; unknown fields are named.
    let r = send(
        &t.router,
        post(
            "/v1/admin/import",
            Some("s3cret"),
            r#"{"kind":"coinmetrics","chain":"bitcoin","file":"/tmp/btc.csv"}"#,
        ),
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

    send(
        &t.router,
        post(
            "/v1/admin/import",
            Some("s3cret"),
            r#"{"kind":"price","chain":"dogecoin"}"#,
        ),
    )
    .await
    .problem(404, "unknown-chain");
    send(
        &t.router,
        post("/v1/admin/import", Some("s3cret"), "{not json"),
    )
    .await
    .problem(400, "malformed-parameter");
    send(
        &t.router,
        post(
            "/v1/admin/backfill",
            Some("s3cret"),
            r#"{"chain":"bitcoin","from":200,"to":100}"#,
        ),
    )
    .await
    .problem(422, "invalid-parameter");
    let r = send(
        &t.router,
        post(
            "/v1/admin/backfill",
            Some("s3cret"),
            r#"{"chain":"ethereum","from":1,"to":2}"#,
        ),
    )
    .await;
    r.problem(409, "conflict");
    assert!(r.text().contains("is running"), "{}", r.text());
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

//! The price source against a local server answering like CoinGecko's
//! `/simple/price`, including the ways it can go wrong.

use std::time::Duration;

use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use blockwatt_ingest::prices::{fetch_usd_price, record_price, PriceError};
use chrono::NaiveDate;

/// Serves `body` with `status` on `/simple/price`; returns the base URL.
async fn server(status: StatusCode, body: &'static str) -> String {
    let app = Router::new().route("/simple/price", get(move || async move { (status, body) }));
    blockwatt_testkit::serve_router(app).await
}

const T: Duration = Duration::from_secs(5);

#[tokio::test]
async fn reads_a_price_and_stores_it_as_its_own_source() {
    let url = server(StatusCode::OK, r#"{"bitcoin":{"usd":91234.5}}"#).await;
    let price = fetch_usd_price(&url, "bitcoin", T).await.expect("price");
    assert_eq!(price, 91234.5);

    let (store, _dir) = blockwatt_testkit::temp_sqlite().await;
    let day = NaiveDate::from_ymd_opt(2026, 11, 24).expect("day");
    record_price(&store, "bitcoin", day, price)
        .await
        .expect("record");
    let rows = store
        .daily_metrics("bitcoin", day, day)
        .await
        .expect("read");
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].source.as_str(), rows[0].price_usd),
        ("price", Some(91234.5))
    );
}

#[tokio::test]
async fn every_bad_answer_is_a_clear_error() {
    let cases: [(StatusCode, &'static str, &str); 5] = [
        (StatusCode::INTERNAL_SERVER_ERROR, "oops", "HTTP 500"),
        (StatusCode::TOO_MANY_REQUESTS, "{}", "HTTP 429"),
        (StatusCode::OK, r#"{"bitcoin":{"usd":9"#, "malformed answer"),
        (
            StatusCode::OK,
            r#"{"ethereum":{"usd":3000}}"#,
            "no USD price for bitcoin",
        ),
        (
            StatusCode::OK,
            r#"{"bitcoin":{"usd":-1}}"#,
            "not a positive number",
        ),
    ];
    for (status, body, needle) in cases {
        let url = server(status, body).await;
        let err = fetch_usd_price(&url, "bitcoin", T)
            .await
            .expect_err(body)
            .to_string();
        assert!(err.contains(needle), "{body}: {err}");
    }
    let err = fetch_usd_price("http://127.0.0.1:9", "bitcoin", T)
        .await
        .expect_err("refused");
    assert!(matches!(err, PriceError::Transport { .. }), "{err}");
    let err = fetch_usd_price("http://127.0.0.1:9", "bit coin&x=1", T)
        .await
        .expect_err("bad id");
    assert!(matches!(err, PriceError::BadCoinId(_)), "{err}");
}

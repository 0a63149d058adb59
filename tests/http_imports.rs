//! Imports over HTTP: `import price` against a CoinGecko-compatible server and
//! `import coinmetrics --file URL`, both served locally.

mod common;

use std::process::Command;

use axum::routing::get;
use axum::Router;

/// The binary, as tests/common runs it, without a price URL from outside.
fn blockwatt(dir: &std::path::Path) -> Command {
    let mut cmd = common::blockwatt(dir);
    cmd.env_remove("BLOCKWATT_PRICE_URL");
    cmd
}

/// Serves `app` on a free loopback port from a runtime the test keeps.
fn serve_locally(app: Router) -> (tokio::runtime::Runtime, String) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let base = rt.block_on(blockwatt_testkit::serve_router(app));
    (rt, base)
}

#[test]
fn import_price_stores_todays_price_and_refuses_bad_answers() {
    let app = Router::new().route(
        "/simple/price",
        get(|q: axum::extract::RawQuery| async move {
            match q.0.as_deref() {
                Some("ids=ethereum&vs_currencies=usd") => r#"{"ethereum":{"usd":3012.5}}"#,
                _ => r#"{"unexpected":{}}"#,
            }
        }),
    );
    let (_serving, base) = serve_locally(app);
    let dir = tempfile::tempdir().unwrap();
    let ok = blockwatt(dir.path())
        .env("BLOCKWATT_PRICE_URL", &base)
        .args(["import", "price", "--chain", "ethereum"])
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains("3012.5 USD"));

    let missing = blockwatt(dir.path())
        .env("BLOCKWATT_PRICE_URL", &base)
        .args(["import", "price", "--chain", "bitcoin"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no USD price for bitcoin"));

    let bad = blockwatt(dir.path())
        .env("BLOCKWATT_PRICE_URL", "ftp://x")
        .args(["import", "price", "--chain", "bitcoin"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("`price_url`"));

    let today = chrono::Utc::now().date_naive();
    let rows = common::stored_metrics(dir.path(), "ethereum", today, today);
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].source.as_str(), rows[0].price_usd),
        ("price", Some(3012.5))
    );
}

/// `import coinmetrics --file URL`: downloaded whole, then all or nothing.
#[test]
fn import_coinmetrics_from_a_url() {
    let app = Router::new()
        .route("/csv/btc.csv", get(|| async { "time,HashRate,IssTotUSD,FeeTotUSD\n2020-07-26,1.0,5.0,1.0\n2020-07-27,2.0,6.0,1.0\n" }))
        .route("/csv/bad.csv", get(|| async { "time,HashRate\n2020-07-26,x\n" }))
        .route("/csv/gone.csv", get(|| async { (axum::http::StatusCode::NOT_FOUND, "no") }));
    let (_server, base) = serve_locally(app);
    let dir = tempfile::tempdir().unwrap();
    let run = |file: &str| {
        blockwatt(dir.path())
            .args([
                "import",
                "coinmetrics",
                "--chain",
                "bitcoin",
                "--file",
                file,
            ])
            .output()
            .unwrap()
    };
    let ok = run(&format!("{base}/csv/btc.csv"));
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stdout)
        .contains("imported 2 days of bitcoin (2020-07-26 .. 2020-07-27)"));
    let bad = run(&format!("{base}/csv/bad.csv"));
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("line 2: column HashRate"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
    let gone = run(&format!("{base}/csv/gone.csv"));
    assert!(
        String::from_utf8_lossy(&gone.stderr).contains("HTTP 404"),
        "{}",
        String::from_utf8_lossy(&gone.stderr)
    );
}

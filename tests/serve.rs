//! `blockwatt serve`: health, the real models over HTTP, following a chain, and shutdown.

mod common;

use common::*;

#[test]
fn serve_answers_health_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut child = blockwatt(dir.path())
        .args(["--log-format", "json", "serve"])
        .env("BLOCKWATT_ADDR", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let up = wait_until(Duration::from_secs(20), || {
        http_get(&base, "/healthz").is_some()
    });
    if !up {
        let _ = child.kill();
        panic!("serve did not answer on {base} within 20 s");
    }
    let (status, body) = http_get(&base, "/healthz").unwrap();
    assert_eq!(status, 200);
    assert!(body.contains("\"status\":\"ok\""), "{body}");
    let (status, body) = http_get(&base, "/readyz").unwrap();
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"store\":\"sqlite\""), "{body}");

    let exited = terminate(&mut child, Duration::from_secs(10));
    if !exited {
        let _ = child.kill();
        panic!("serve did not stop within 10 s of SIGTERM");
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "exit {:?}", out.status);
    let log = stderr(&out);
    // JSON logs: every line parses.
    for line in log.lines() {
        assert!(
            serde_json::from_str::<serde_json::Value>(line).is_ok(),
            "not JSON: {line}"
        );
    }
    assert!(log.contains("SIGTERM received"), "{log}");
    assert!(log.contains("shut down cleanly"), "{log}");
}

/// The real models behind the HTTP API, on real Coin Metrics data.
#[test]
fn serve_real_estimates_over_http() {
    let Some(data) = blockwatt_testkit::shared_data("cli::serve_real_estimates_over_http") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    import_bitcoin(dir.path(), &data);
    let server = Server::start(dir.path());

    let (status, body) = server.get("/v1/chains/bitcoin/footprint?date=2020-06-15&method=cbeci-v1");
    assert_eq!(status, 200, "{body}");
    let e: serde_json::Value = serde_json::from_str(&body).unwrap();
    let best = e["energy_twh_per_year"]["best"].as_f64().unwrap();
    assert!((45.0..65.0).contains(&best), "{best}");

    let (status, body) =
        server.get("/v1/chains/bitcoin/footprint/history?from=2020-07-01&to=2020-07-07&format=csv");
    assert_eq!(status, 200, "{body}");
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    assert!(reader
        .headers()
        .unwrap()
        .iter()
        .any(|h| h == "energy_twh_per_year_best"));
    assert_eq!(reader.records().count(), 7);

    let (status, body) = server.get("/v1/mica/bitcoin?from=2020-01-01&to=2020-06-30");
    assert_eq!(status, 200, "{body}");
    let mica: serde_json::Value = serde_json::from_str(&body).unwrap();
    let energy = mica["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "S.8")
        .unwrap();
    let kwh: f64 = energy["value"].as_str().unwrap().parse().unwrap();
    assert!(kwh > 1e10, "{energy}");

    // Proof of stake with no stored data: the dated fallback near its own
    // date, said so on top; today, far from it, no figure at all.
    let (status, body) = server.get("/v1/chains/solana/footprint?date=2025-11-01");
    assert_eq!(status, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (v["basis"].as_str(), v["as_of"].as_str()),
        (Some("fallback"), Some("2025-10-06"))
    );
    assert!(body.contains("\"fallback\":true"), "{body}");
    let (status, body) = server.get("/v1/chains/solana/footprint");
    assert_eq!(status, 404, "{body}");
    assert!(
        body.contains("no-data") && body.contains("180 days"),
        "{body}"
    );

    for (path, status, kind) in [
        ("/v1/chains/bitcon/footprint", 404, "unknown-chain"),
        (
            "/v1/chains/bitcoin/footprint?price=9",
            422,
            "invalid-parameter",
        ),
        (
            "/v1/chains/bitcoin/footprint?method=cbeci-v1&date=2031-01-01",
            404,
            "after today",
        ),
        (
            "/v1/chains/bitcoin/footprint?method=cbeci-v1&date=2021-01-01",
            404,
            "no hashrate",
        ),
        ("/v1/chains/bitcoin/blocks/1/footprint", 404, ""),
    ] {
        let (got, body) = server.get(path);
        assert_eq!(got, status, "{path}: {body}");
        assert!(body.contains(kind), "{path}: {body}");
    }
}

/// `serve` follows devnet on a real node and `/metrics` shows its
/// progress: the written height reaches anvil's tip, and follows it.
#[test]
fn serve_follows_devnet_and_exports_ingest_metrics() {
    let Some(anvil) = anvil_with_transfers("cli::serve_follows_devnet_and_exports_ingest_metrics")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_with(
        dir.path(),
        &[
            ("BLOCKWATT_CHAINS__DEVNET__URL", anvil.url.as_str()),
            ("BLOCKWATT_CHAINS__DEVNET__ENABLED", "true"),
            ("BLOCKWATT_CHAINS__DEVNET__POLL_INTERVAL_MS", "100"),
            ("BLOCKWATT_API__MAX_INGEST_LAG_BLOCKS", "0"),
        ],
    );
    let metric = |name: &str| -> Option<u64> {
        let (_, text) = server.get("/metrics");
        let prefix = format!(r#"{name}{{chain="devnet",source="evm"}} "#);
        text.lines()
            .find_map(|l| l.strip_prefix(&prefix))
            .and_then(|v| v.trim().parse().ok())
    };
    let tip = |anvil: &Anvil| {
        let hex = anvil.rpc("eth_blockNumber", json_params("[]")).unwrap();
        u64::from_str_radix(hex.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
    };
    let first_tip = tip(&anvil);
    assert_eq!(first_tip, 3);
    let reached = wait_until(Duration::from_secs(30), || {
        metric("blockwatt_ingest_height") == Some(first_tip)
    });
    assert!(reached, "{}", server.get("/metrics").1);
    assert_eq!(metric("blockwatt_ingest_tip"), Some(first_tip));
    assert_eq!(metric("blockwatt_ingest_lag_blocks"), Some(0));
    // Blocks 0..=3, each written once.
    assert_eq!(metric("blockwatt_ingest_blocks_written_total"), Some(4));
    assert!(metric("blockwatt_ingest_requests_total").is_some_and(|n| n > 0));
    assert_eq!(metric("blockwatt_ingest_reorgs_total"), Some(0));
    let wrote = metric("blockwatt_ingest_last_write_timestamp_seconds").unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(wrote <= now && now - wrote < 120, "{wrote} vs {now}");
    let (status, body) = server.get("/readyz");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(r#""lag_blocks":0"#), "{body}");

    // A new block on the node: the follower picks it up.
    anvil.send_transfer(4).unwrap();
    let followed = wait_until(Duration::from_secs(30), || {
        metric("blockwatt_ingest_height") == Some(first_tip + 1)
    });
    assert!(followed, "{}", server.get("/metrics").1);
}

/// SIGTERM while an admin import hangs on a slow source: the job is told to
/// stop, `serve` waits for it (not for the 120 s download timeout) and the
/// log says nothing was imported.
#[test]
fn shutdown_stops_a_running_admin_import() {
    use std::io::Read;
    // Accepts connections (the kernel does the handshake) and never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    silent.set_nonblocking(true).unwrap();
    let silent_url = format!("http://{}/btc.csv", silent.local_addr().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let token = "a-long-enough-admin-token";
    let port = free_port();
    let child = blockwatt(dir.path())
        .args(["--log-format", "json", "serve"])
        .env("BLOCKWATT_ADDR", format!("127.0.0.1:{port}"))
        .env("BLOCKWATT_ADMIN_TOKEN", token)
        .env("BLOCKWATT_PUBLISH__DAILY", "false")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut server = Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    let up = wait_until(Duration::from_secs(20), || {
        http_get(&server.base, "/healthz").is_some()
    });
    assert!(up, "serve did not answer on {}", server.base);
    let body = format!(r#"{{"kind":"coinmetrics","chain":"bitcoin","file":"{silent_url}"}}"#);
    let (status, text) = server.post("/v1/admin/import", Some(token), &body);
    assert_eq!(status, 202, "{text}");
    // The same chain again while the first import hangs: one at a time.
    let (status, text) = server.post("/v1/admin/import", Some(token), &body);
    assert_eq!(status, 409, "{text}");
    let mut held = None;
    let connected = wait_until(Duration::from_secs(10), || {
        held = silent.accept().ok();
        held.is_some()
    });
    assert!(connected, "the import never reached the source");

    let exited = terminate(&mut server.child, Duration::from_secs(10));
    assert!(exited, "serve did not stop within 10 s of SIGTERM");
    let status = server.child.wait().unwrap();
    assert!(status.success(), "exit {status:?}");
    let mut log = String::new();
    server
        .child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    assert!(log.contains("import stopped by shutdown"), "{log}");
    assert!(log.contains("shut down cleanly"), "{log}");
    assert!(!log.contains("abandoned"), "{log}");
    drop(held);
}

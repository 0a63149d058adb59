//! The admin routes of a live `serve`: backfill, import and publish as jobs.

mod common;

use common::*;

/// `POST /v1/admin/backfill` ingests a range in the background, behind
/// the bearer token.
#[test]
fn admin_backfill_ingests_in_the_background() {
    let Some((_anvil, dir, server)) =
        admin_server_on_anvil("cli::admin_backfill_ingests_in_the_background")
    else {
        return;
    };
    let token = ADMIN_TOKEN;
    let body = r#"{"chain":"devnet","from":0,"to":3}"#;
    for wrong in [None, Some("not-the-admin-token-at-all")] {
        let (status, text) = server.post("/v1/admin/backfill", wrong, body);
        assert_eq!(status, 401, "{text}");
    }
    let (status, text) = server.get("/v1/chains/devnet/blocks/3/footprint");
    assert_eq!(status, 404, "{text}");

    let (status, text) = server.post("/v1/admin/backfill", Some(token), body);
    assert_eq!(status, 202, "{text}");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["job"], "devnet-0-3", "{text}");
    // The job's own route says when it is done and what it did.
    let status = server.job_end(&text, token, Duration::from_secs(30));
    assert_job(&status, "succeeded", "wrote 4 blocks");
    let (status, text) = server.get("/v1/chains/devnet/blocks/3/footprint");
    assert_eq!(status, 200, "{text}");
    // The slot is free again once the job is done: a second run is accepted.
    let again = wait_until(Duration::from_secs(10), || {
        server.post("/v1/admin/backfill", Some(token), body).0 == 202
    });
    assert!(again, "a second backfill was refused after the first ended");

    let (status, text) = server.post(
        "/v1/admin/backfill",
        Some(token),
        r#"{"chain":"nochain","from":0,"to":3}"#,
    );
    assert_eq!(status, 404, "{text}");
    let (status, text) = server.post("/v1/admin/import", Some(token), r#"{"chain":"devnet"}"#);
    assert_eq!(status, 422, "{text}");
    assert!(text.contains("kind"), "{text}");

    // A job that fails says why on its route.
    let missing = dir.path().join("no-such.csv");
    let body = format!(
        r#"{{"kind":"coinmetrics","chain":"bitcoin","file":"{}"}}"#,
        missing.display()
    );
    let (status, text) = server.post("/v1/admin/import", Some(token), &body);
    assert_eq!(status, 202, "{text}");
    let status = server.job_end(&text, token, Duration::from_secs(10));
    assert_job(&status, "failed", "no-such.csv");
    let (_, list) = server.get_as("/v1/admin/jobs", token);
    let list: serde_json::Value = serde_json::from_str(&list).unwrap();
    assert_eq!(list["jobs"][0]["id"], status["id"], "newest first: {list}");
}

/// The publisher end to end: import real Coin Metrics data, publish a day
/// twice (the second time unchanged), serve it with its digest, then new
/// data through the admin import makes the admin publish a 409 until a new
/// version is asked for.
#[test]
fn publish_serve_and_republish_through_the_admin_routes() {
    let Some(data) =
        blockwatt_testkit::shared_data("cli::publish_serve_and_republish_through_the_admin_routes")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| blockwatt(dir.path()).args(args).output().unwrap();
    import_bitcoin(dir.path(), &data);

    let publish = ["publish", "--date", "2020-06-15", "--format", "json"];
    let first = run(&publish);
    assert!(first.status.success(), "{}", stderr(&first));
    let first: serde_json::Value = serde_json::from_slice(&first.stdout).unwrap();
    assert_eq!(
        (first["status"].as_str(), first["version"].as_u64()),
        (Some("published"), Some(1)),
        "{first}"
    );
    let sha = first["sha256"].as_str().unwrap().to_owned();
    let again = run(&publish);
    assert!(again.status.success(), "{}", stderr(&again));
    let again: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(
        (again["status"].as_str(), again["sha256"].as_str()),
        (Some("unchanged"), Some(sha.as_str()))
    );
    let table = run(&["publish", "--date", "2020-06-15"]);
    assert!(table.status.success(), "{}", stderr(&table));
    let table = String::from_utf8_lossy(&table.stdout).into_owned();
    assert!(table.contains("already published, unchanged"), "{table}");
    let future = run(&["publish", "--date", "2999-01-01"]);
    assert_eq!(future.status.code(), Some(1));
    let err = stderr(&future);
    assert_eq!(
        err.lines().filter(|l| l.starts_with("error: ")).count(),
        1,
        "{err}"
    );
    assert!(err.contains("not over yet"), "{err}");

    let token = "a-long-enough-admin-token";
    // The daily publication stays on (the default): it publishes yesterday.
    let server = Server::start_with(
        dir.path(),
        &[
            ("BLOCKWATT_ADMIN_TOKEN", token),
            ("BLOCKWATT_IMPORT_DIR", "."),
            // No public chain has data for yesterday (the imports are of
            // 2020, and catalogue fallbacks serve only near their dates);
            // the devnet, made public, has its defining inputs every day.
            ("BLOCKWATT_PUBLIC_CHAINS", "[\"devnet\"]"),
        ],
    );
    let (head, body) = get_with_headers(&server.base, "/v1/indices/2020-06-15");
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert_eq!(sha256_hex(body.as_bytes()), sha);
    assert_eq!(
        header_value(&head, "etag"),
        Some(format!("\"{sha}\"").as_str())
    );
    assert!(
        header_value(&head, "repr-digest").is_some_and(|d| d.starts_with("sha-256=:")),
        "{head}"
    );
    assert_eq!(header_value(&head, "content-encoding"), None, "{head}");
    let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
    let chains = doc["chains"].as_array().unwrap();
    let bitcoin = chains.iter().find(|c| c["chain"] == "bitcoin").unwrap();
    assert_eq!(bitcoin["basis"], "measured");
    // The same estimate the footprint route gives for the day.
    let (status, live) = server.get("/v1/chains/bitcoin/footprint?date=2020-06-15");
    assert_eq!(status, 200, "{live}");
    let live: serde_json::Value = serde_json::from_str(&live).unwrap();
    assert_eq!(bitcoin["estimate"], live);
    assert!(!chains.iter().any(|c| c["chain"] == "dash"));

    let yesterday = (chrono::Utc::now().date_naive() - chrono::Days::new(1)).to_string();
    let daily = wait_until(Duration::from_secs(20), || {
        server.get("/v1/indices").1.contains(&yesterday)
    });
    assert!(daily, "serve did not publish {yesterday} on start");

    let (status, text) = server.post("/v1/admin/publish", Some(token), r#"{"date":"2020-06-15"}"#);
    assert_eq!(status, 200, "{text}");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        (v["status"].as_str(), v["sha256"].as_str()),
        (Some("unchanged"), Some(sha.as_str()))
    );

    // New data for the day: Dash (mined alone, so its figure needs no
    // other chain's data), imported by the server from a file
    // in its import directory (a copy for the test's run, in a temp dir).
    let dash = dir.path().join("dash.csv");
    std::fs::copy(data.join("coinmetrics/dash.csv"), &dash).unwrap();
    let body = format!(
        r#"{{"kind":"coinmetrics","chain":"dash","file":"{}"}}"#,
        dash.display()
    );
    let (status, text) = server.post("/v1/admin/import", Some(token), &body);
    assert_eq!(status, 202, "{text}");
    assert!(text.contains("import-coinmetrics-dash"), "{text}");
    let imported = wait_until(Duration::from_secs(30), || {
        server.get("/v1/chains/dash/footprint?date=2020-06-15").0 == 200
    });
    assert!(
        imported,
        "the admin import of dash.csv did not land within 30 s"
    );

    // A revised Bitcoin file (every HashRate +10%): the API caches closed
    // days until an import lands, so the new figure shows only if the
    // import clears that cache.
    let revised = dir.path().join("btc-revised.csv");
    let mut reader = csv::Reader::from_path(data.join("coinmetrics/btc.csv")).unwrap();
    let headers = reader.headers().unwrap().clone();
    let col = headers.iter().position(|h| h == "HashRate").unwrap();
    let mut writer = csv::Writer::from_path(&revised).unwrap();
    writer.write_record(&headers).unwrap();
    for row in reader.records() {
        let row = row.unwrap();
        let fields: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(i, f)| match (i == col, f.parse::<f64>()) {
                (true, Ok(h)) => (h * 1.1).to_string(),
                _ => f.to_owned(),
            })
            .collect();
        writer.write_record(&fields).unwrap();
    }
    writer.flush().unwrap();
    let body = format!(
        r#"{{"kind":"coinmetrics","chain":"bitcoin","file":"{}"}}"#,
        revised.display()
    );
    let (status, text) = server.post("/v1/admin/import", Some(token), &body);
    assert_eq!(status, 202, "{text}");
    let revised_shown = wait_until(Duration::from_secs(30), || {
        let (status, text) = server.get("/v1/chains/bitcoin/footprint?date=2020-06-15");
        status == 200 && serde_json::from_str::<serde_json::Value>(&text).unwrap() != live
    });
    assert!(revised_shown, "the revised import did not show within 30 s");

    let (status, text) = server.post("/v1/admin/publish", Some(token), r#"{"date":"2020-06-15"}"#);
    assert_eq!(status, 409, "{text}");
    assert!(text.contains("new_version"), "{text}");
    let (status, text) = server.post(
        "/v1/admin/publish",
        Some(token),
        r#"{"date":"2020-06-15","new_version":true}"#,
    );
    assert_eq!(status, 201, "{text}");
    let v2: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v2["version"], 2);
    let (head, body) = get_with_headers(&server.base, "/v1/indices/2020-06-15");
    assert_eq!(
        header_value(&head, "content-location"),
        Some("/v1/indices/2020-06-15?version=2")
    );
    assert_eq!(
        Some(sha256_hex(body.as_bytes()).as_str()),
        v2["sha256"].as_str()
    );
    assert!(body.contains("\"chain\":\"dash\""));
    let (_, old) = get_with_headers(&server.base, "/v1/indices/2020-06-15?version=1");
    assert_eq!(sha256_hex(old.as_bytes()), sha, "version 1 must not change");

    let (status, text) = server.post(
        "/v1/admin/import",
        Some(token),
        r#"{"kind":"coinmetrics","chain":"nochain","file":"x"}"#,
    );
    assert_eq!(status, 404, "{text}");
}

/// An admin backfill counts into the same `/metrics` series as a follower.
#[test]
fn admin_backfill_shows_on_metrics() {
    let Some((_anvil, _dir, server)) =
        admin_server_on_anvil("cli::admin_backfill_shows_on_metrics")
    else {
        return;
    };
    let token = ADMIN_TOKEN;
    // Nothing ingested yet: no ingest series at all.
    assert!(!server.get("/metrics").1.contains("blockwatt_ingest_"));
    let (status, text) = server.post(
        "/v1/admin/backfill",
        Some(token),
        r#"{"chain":"devnet","from":0,"to":3}"#,
    );
    assert_eq!(status, 202, "{text}");
    let line = r#"blockwatt_ingest_blocks_written_total{chain="devnet",source="evm"} 4"#;
    let counted = wait_until(Duration::from_secs(30), || {
        server.get("/metrics").1.lines().any(|l| l == line)
    });
    assert!(counted, "{}", server.get("/metrics").1);
    let text = server.get("/metrics").1;
    assert!(
        text.contains(r#"blockwatt_ingest_height{chain="devnet",source="evm"} 3"#),
        "{text}"
    );
}

/// Over the network, imports read only regular files inside the import
/// directory, and say the same whether a path outside exists or not; the
/// command line reads any path its user names.
#[test]
fn admin_imports_read_only_the_import_directory() {
    let Some((_anvil, dir, server)) =
        admin_server_on_anvil("cli::admin_imports_read_only_the_import_directory")
    else {
        return;
    };
    let token = ADMIN_TOKEN;
    let outside = tempfile::tempdir().unwrap();
    let exists = outside.path().join("btc.csv");
    std::fs::write(&exists, "time,HashRate\n2020-01-01,1\n").unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    let mut outcomes = Vec::new();
    for file in [
        exists.display().to_string(),
        outside.path().join("missing.csv").display().to_string(),
        "../etc/passwd".to_owned(),
        "/dev/zero".to_owned(),
        "sub".to_owned(),
    ] {
        let body = format!(r#"{{"kind":"coinmetrics","chain":"bitcoin","file":"{file}"}}"#);
        let (status, text) = server.post("/v1/admin/import", Some(token), &body);
        assert_eq!(status, 202, "{text}");
        let end = server.job_end(&text, token, Duration::from_secs(10));
        assert_job(
            &end,
            "failed",
            "not a readable regular file inside the import directory",
        );
        outcomes.push(
            end["outcome"]
                .as_str()
                .unwrap_or_default()
                .replace(&file, "FILE"),
        );
    }
    // Nothing tells an existing file outside from a missing one.
    assert_eq!(outcomes[0], outcomes[1], "{outcomes:?}");
}

//! What the end-to-end tests of the `blockwatt` binary share: running it
//! in a temporary directory, `serve` as a child process, anvil and the
//! admin token.

#![allow(dead_code, unused_imports)] // each test binary uses a different subset

pub use std::path::Path;
pub use std::process::{Command, Output, Stdio};
pub use std::time::Duration;

pub use blockwatt_testkit::AnvilNode as Anvil;
pub use blockwatt_testkit::{free_port, http_get, wait_until};

/// JSON-RPC parameters written as JSON text.
pub fn json_params(text: &str) -> serde_json::Value {
    serde_json::from_str(text).expect("JSON-RPC params")
}

pub fn blockwatt(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_blockwatt"));
    cmd.current_dir(dir)
        .env_remove("BLOCKWATT_DATABASE_URL")
        .env_remove("BLOCKWATT_ADDR");
    cmd.env_remove("BLOCKWATT_CONFIG").env_remove("RUST_LOG");
    // Tests talk to 127.0.0.1 only: a followed chain's hourly price comes
    // from a loopback port where nothing listens, never the public API.
    cmd.env("BLOCKWATT_PRICE_URL", "http://127.0.0.1:9");
    // The same for the daily data providers: `serve` syncs them in the
    // background, and finds nobody there (tests that need one start the
    // replay and point this at it).
    cmd.env(
        "BLOCKWATT_SOURCES__COINMETRICS__URL",
        "http://127.0.0.1:9/v4",
    );
    cmd.env("BLOCKWATT_SOURCES__MEMPOOL__URL", "http://127.0.0.1:9/api");
    // Every validator-count endpoint config/default.toml ships, read from
    // the file itself so a newly shipped one can never reach the internet
    // from a test.
    for chain in shipped_node_count_chains() {
        cmd.env(
            format!(
                "BLOCKWATT_SOURCES__NODE_COUNTS__{}__URL",
                chain.to_uppercase()
            ),
            "http://127.0.0.1:9",
        );
    }
    cmd
}

/// The chains `[sources.node_counts.<chain>]` of the shipped configuration
/// names.
pub fn shipped_node_count_chains() -> Vec<String> {
    use figment::providers::{Format, Toml};
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/default.toml");
    let tables: std::collections::BTreeMap<String, serde_json::Value> =
        figment::Figment::from(Toml::file(file))
            .extract_inner("sources.node_counts")
            .expect("config/default.toml has [sources.node_counts]");
    tables.into_keys().collect()
}

/// anvil with three transfers, one block each (blocks 1..=3); `None`
/// when anvil is absent (skipped).
pub fn anvil_with_transfers(test: &str) -> Option<Anvil> {
    let anvil = Anvil::start(test, None)?;
    for value in 1..=3 {
        anvil.send_transfer(value).expect("a transfer on anvil");
    }
    Some(anvil)
}

/// Sends SIGTERM to `child`, then polls up to `limit` for it to exit.
pub fn terminate(child: &mut std::process::Child, limit: Duration) -> bool {
    let pid = child.id().to_string();
    let sent = Command::new("kill").args(["-TERM", &pid]).status();
    assert!(
        sent.as_ref().is_ok_and(|s| s.success()),
        "kill -TERM {pid}: {sent:?}"
    );
    wait_until(limit, || matches!(child.try_wait(), Ok(Some(_))))
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs `blockwatt args` with `env` and expects exit code 2 and one
/// `error:` line that contains every needle.
pub fn expect_setup_error(env: &[(&str, &str)], args: &[&str], needles: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("unknown-key.toml"),
        "adress = \"127.0.0.1:1\"\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("bad-enum.toml"), "log_format = \"xml\"\n").unwrap();
    std::fs::write(
        dir.path().join("bad-asset.toml"),
        "[assets.bitcoin]\nname = \"A coin\"\ndecimals = 8\ncontracts = { ethereum = \"0x1234\" }\n",
    )
    .unwrap();
    let out = blockwatt(dir.path())
        .envs(env.iter().copied())
        .args(args)
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{args:?} {env:?}: {err}");
    let error_lines: Vec<&str> = err.lines().filter(|l| l.starts_with("error: ")).collect();
    assert_eq!(error_lines.len(), 1, "want exactly one error line: {err}");
    for needle in needles {
        assert!(
            error_lines[0].contains(needle),
            "{needle:?} missing from {err}"
        );
    }
    assert!(!err.contains("s3cret"), "password leaked: {err}");
}

/// Imports the Coin Metrics Bitcoin history of the shared data into the
/// store under `dir`.
pub fn import_bitcoin(dir: &Path, data: &Path) {
    let imported = blockwatt(dir)
        .args(["import", "coinmetrics", "--chain", "bitcoin", "--file"])
        .arg(data.join("coinmetrics/btc.csv"))
        .output()
        .unwrap();
    assert!(imported.status.success(), "{}", stderr(&imported));
}

/// `serve` in a child process, killed on drop.
pub struct Server {
    pub child: std::process::Child,
    pub base: String,
}

impl Server {
    pub fn start(dir: &Path) -> Server {
        Server::start_with(dir, &[])
    }

    /// `serve` with extra environment (a chain's node, the admin token).
    pub fn start_with(dir: &Path, env: &[(&str, &str)]) -> Server {
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let child = blockwatt(dir)
            .args(["serve"])
            .env("BLOCKWATT_ADDR", format!("127.0.0.1:{port}"))
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut server = Server { child, base };
        let up = wait_until(Duration::from_secs(20), || {
            http_get(&server.base, "/healthz").is_some()
        });
        if !up {
            let _ = server.child.kill();
            panic!("serve did not answer on {} within 20 s", server.base);
        }
        server
    }

    pub fn get(&self, path: &str) -> (u16, String) {
        http_get(&self.base, path).unwrap_or_else(|| panic!("no answer to GET {path}"))
    }

    /// A JSON POST through curl (testkit only GETs): status and body.
    pub fn post(&self, path: &str, token: Option<&str>, body: &str) -> (u16, String) {
        self.curl("POST", path, token, Some(body))
    }

    /// A GET with a bearer token.
    pub fn get_as(&self, path: &str, token: &str) -> (u16, String) {
        self.curl("GET", path, Some(token), None)
    }

    /// Polls the job a 202 body names until it no longer runs: its status.
    pub fn job_end(&self, accepted: &str, token: &str, limit: Duration) -> serde_json::Value {
        let v: serde_json::Value = serde_json::from_str(accepted).unwrap();
        let job = format!("/v1/admin/jobs/{}", v["id"]);
        let mut last = String::new();
        let ended = wait_until(limit, || {
            let (status, text) = self.get_as(&job, token);
            assert_eq!(status, 200, "{text}");
            last = text;
            !last.contains(r#""state":"running""#)
        });
        assert!(ended, "{job} still runs after {limit:?}: {last}");
        serde_json::from_str(&last).unwrap()
    }

    pub fn curl(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&str>,
    ) -> (u16, String) {
        let mut cmd = Command::new("curl");
        cmd.args(["-sS", "-X", method]);
        if let Some(t) = token {
            cmd.args(["-H", &format!("Authorization: Bearer {t}")]);
        }
        if let Some(b) = body {
            cmd.args(["-H", "Content-Type: application/json", "--data", b]);
        }
        let out = cmd
            .args(["-w", "\n%{http_code}"])
            .arg(format!("{}{path}", self.base))
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let (body, code) = text
            .rsplit_once('\n')
            .unwrap_or_else(|| panic!("no status from curl for {method} {path}: {text}"));
        (code.trim().parse().unwrap(), body.to_owned())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn ingest_devnet_to(dir: &Path, anvil: &Anvil, to: u64) {
    let out = blockwatt(dir)
        .args(["ingest", "--chain", "devnet", "--rpc", &anvil.url, "--to"])
        .arg(to.to_string())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}

pub const ADMIN_TOKEN: &str = "a-long-enough-admin-token";

/// anvil with three transfers (blocks 1..=3) and `serve` on it with the
/// admin routes on (`ADMIN_TOKEN`); `None` when anvil is absent (skipped).
pub fn admin_server_on_anvil(test: &str) -> Option<(Anvil, tempfile::TempDir, Server)> {
    let anvil = anvil_with_transfers(test)?;
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_with(
        dir.path(),
        &[
            ("BLOCKWATT_CHAINS__DEVNET__URL", anvil.url.as_str()),
            ("BLOCKWATT_ADMIN_TOKEN", ADMIN_TOKEN),
            // The test's directory (serve's working directory).
            ("BLOCKWATT_IMPORT_DIR", "."),
        ],
    );
    Some((anvil, dir, server))
}

pub fn assert_job(status: &serde_json::Value, state: &str, outcome_has: &str) {
    assert_eq!(status["state"], state, "{status}");
    assert!(
        status["outcome"]
            .as_str()
            .is_some_and(|o| o.contains(outcome_has)),
        "{status}"
    );
}

/// GET with the response headers (testkit's helper returns the body only).
pub fn get_with_headers(base: &str, path: &str) -> (String, String) {
    let out = Command::new("curl")
        .args(["-sS", "-D", "-", "-H", "Accept-Encoding: gzip"])
        .arg(format!("{base}{path}"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no headers from curl for {path}: {text}"));
    (head.to_ascii_lowercase(), body.to_owned())
}

pub fn header_value<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}: ")))
        .map(str::trim)
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The daily metrics of `chain` from `from` to `to` (inclusive) in the
/// SQLite store a command run in `dir` writes (`data/blockwatt.db`).
pub fn stored_metrics(
    dir: &Path,
    chain: &str,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) -> Vec<blockwatt_domain::DailyMetrics> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    rt.block_on(async {
        let url = blockwatt_store::DatabaseUrl::parse(&format!(
            "sqlite://{}/data/blockwatt.db",
            dir.display()
        ))
        .expect("the store's URL");
        let store = blockwatt_store::open(&url).await.expect("the store opens");
        store
            .daily_metrics(chain, from, to)
            .await
            .expect("daily metrics read")
    })
}

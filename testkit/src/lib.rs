//! Test support shared by every crate's tests.
//!
//! Tests that need a real component (ClickHouse, anvil, the recorded data
//! in `../shared/data`) ask for it here. When it is missing the test prints
//! `SKIPPED: <test>: <why>` and returns — unless `BLOCKWATT_REQUIRE_ALL=1`,
//! when a missing component is a failure (CI sets it, so nothing is skipped
//! silently there).

pub mod clickhouse_cluster;
pub mod coinmetrics_replay;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// True when `BLOCKWATT_REQUIRE_ALL=1`: missing components fail tests.
pub fn require_all() -> bool {
    std::env::var("BLOCKWATT_REQUIRE_ALL").is_ok_and(|v| v == "1")
}

/// Reports a missing component: a panic under `BLOCKWATT_REQUIRE_ALL=1`,
/// otherwise a visible `SKIPPED` line. Returns `None` so callers can write
/// `let Some(x) = skip(..) else { return };`.
pub fn skip<T>(test: &str, why: &str) -> Option<T> {
    if require_all() {
        panic!("{test}: {why} (BLOCKWATT_REQUIRE_ALL=1 forbids skipping)");
    }
    eprintln!("SKIPPED: {test}: {why}");
    // cargo test hides a passing test's output, so skips are also appended
    // to a log that scripts/test prints at the end of the run.
    if let Some(log) = std::env::var_os("BLOCKWATT_TEST_SKIP_LOG") {
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
        {
            let _ = writeln!(f, "SKIPPED: {test}: {why}");
        }
    }
    None
}

/// The workspace root (where the top Cargo.toml is).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// `../shared/data` beside the checkout, or `BLOCKWATT_SHARED_DATA`.
pub fn shared_data(test: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("BLOCKWATT_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("../shared/data"));
    if dir.join("README.md").is_file() {
        Some(dir)
    } else {
        skip(
            test,
            &format!(
                "shared data not found at {} (set BLOCKWATT_SHARED_DATA)",
                dir.display()
            ),
        )
    }
}

/// A ClickHouse HTTP endpoint: `BLOCKWATT_TEST_CLICKHOUSE_URL`, or a server
/// answering on 127.0.0.1:8123.
pub fn clickhouse_endpoint(test: &str) -> Option<String> {
    let url = std::env::var("BLOCKWATT_TEST_CLICKHOUSE_URL")
        .unwrap_or_else(|_| "http://127.0.0.1:8123".to_owned());
    if http_ping(&url, "/ping") {
        Some(url.trim_end_matches('/').to_owned())
    } else {
        skip(
            test,
            &format!("no ClickHouse answering at {url} (scripts/clickhouse-start starts one)"),
        )
    }
}

/// A ClickHouse cluster (`BLOCKWATT_TEST_CLICKHOUSE_CLUSTER_URL`, the last
/// line of `scripts/clickhouse-cluster-start`) as its HTTP endpoint and
/// cluster name, once its first node answers.
pub fn clickhouse_cluster(test: &str) -> Option<(String, String)> {
    let Ok(url) = std::env::var("BLOCKWATT_TEST_CLICKHOUSE_CLUSTER_URL") else {
        return skip(
            test,
            "BLOCKWATT_TEST_CLICKHOUSE_CLUSTER_URL is not set (scripts/clickhouse-cluster-start DIR prints it)",
        );
    };
    let parsed = (|| {
        let rest = url.strip_prefix("clickhouse://")?;
        let (host, query) = rest.split_once('/')?;
        let cluster = query.split_once("cluster=")?.1.split('&').next()?;
        Some((format!("http://{host}"), cluster.to_owned()))
    })();
    let Some((endpoint, cluster)) = parsed else {
        panic!("BLOCKWATT_TEST_CLICKHOUSE_CLUSTER_URL={url:?} is not clickhouse://HOST:PORT/DB?cluster=NAME");
    };
    if http_ping(&endpoint, "/ping") {
        Some((endpoint, cluster))
    } else {
        skip(
            test,
            &format!("no ClickHouse cluster answering at {endpoint}"),
        )
    }
}

/// The anvil binary: `BLOCKWATT_ANVIL`, `anvil` on PATH, or the npm package
/// installed under `/opt/anvil` or `./node_modules` by `.ci/run`.
pub fn anvil(test: &str) -> Option<PathBuf> {
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Some(p) = std::env::var_os("BLOCKWATT_ANVIL") {
        candidates.push(p.into());
    }
    if let Some(path) = std::env::var_os("PATH") {
        candidates.extend(std::env::split_paths(&path).map(|d| d.join("anvil")));
    }
    let npm_bin = "node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil";
    candidates.push(Path::new("/opt/anvil").join(npm_bin));
    candidates.push(workspace_root().join(npm_bin));
    match candidates.into_iter().find(|p| p.is_file()) {
        Some(p) => Some(p),
        None => skip(
            test,
            "anvil not found (npm i @foundry-rs/anvil-linux-amd64, or set BLOCKWATT_ANVIL)",
        ),
    }
}

/// A local anvil node (chain id 31337) on a free loopback port, killed on
/// drop so a failed test never leaves one running.
pub struct AnvilNode {
    child: std::process::Child,
    pub url: String,
}

impl AnvilNode {
    /// Starts anvil and waits (20 s at most) until it accepts connections;
    /// `None` (skipped) when anvil is absent. With `log`, anvil writes the
    /// name of every RPC method it serves there, one a line: how a test
    /// counts what reached the node.
    pub fn start(test: &str, log: Option<&Path>) -> Option<AnvilNode> {
        Self::spawn(test, log, None)
    }

    /// As [`AnvilNode::start`], with the genesis block at `genesis_time`
    /// (Unix seconds): a chain whose history lies on past dates, since a
    /// node refuses a block older than its parent.
    pub fn start_at(test: &str, genesis_time: i64) -> Option<AnvilNode> {
        Self::spawn(test, None, Some(genesis_time))
    }

    fn spawn(test: &str, log: Option<&Path>, genesis_time: Option<i64>) -> Option<AnvilNode> {
        use std::process::{Command, Stdio};
        let bin = anvil(test)?;
        let port = free_port();
        let mut cmd = Command::new(bin);
        cmd.args(["--port", &port.to_string(), "--chain-id", "31337"]);
        if let Some(t) = genesis_time {
            cmd.args(["--timestamp", &t.to_string()]);
        }
        match log {
            Some(path) => cmd.stdout(std::fs::File::create(path).expect("anvil log file")),
            None => cmd.arg("--silent").stdout(Stdio::null()),
        };
        let child = cmd.stderr(Stdio::null()).spawn().expect("anvil starts");
        let node = AnvilNode {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        // Ready when it answers JSON-RPC, not merely when the port
        // accepts: a call sent in between got no answer on a loaded machine.
        let up = wait_until(Duration::from_secs(20), || {
            TcpStream::connect(("127.0.0.1", port)).is_ok()
                && node.rpc("eth_chainId", serde_json::json!([])).is_some()
        });
        assert!(
            up,
            "anvil did not answer JSON-RPC on port {port} within 20 s"
        );
        Some(node)
    }
}

impl AnvilNode {
    /// One JSON-RPC call; the `result`, or `None` on any failure.
    pub fn rpc(&self, method: &str, params: serde_json::Value) -> Option<serde_json::Value> {
        let body =
            serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let (_, text) = http_post_json(&self.url, "/", &body.to_string())?;
        let v: serde_json::Value = serde_json::from_str(&text).ok()?;
        v.get("result").cloned()
    }

    /// Sends a value transfer between anvil's first two dev accounts
    /// (unlocked, funded) and waits until it is mined; returns the
    /// transaction hash.
    pub fn send_transfer(&self, value_wei: u64) -> Option<String> {
        let hash = self.send_pending_transfer(value_wei)?;
        self.wait_mined(&hash)?;
        Some(hash)
    }

    /// [`AnvilNode::send_transfer`] without waiting: with automining off,
    /// the transfer stays pending.
    pub fn send_pending_transfer(&self, value_wei: u64) -> Option<String> {
        let accounts = self.rpc("eth_accounts", serde_json::json!([]))?;
        let params = serde_json::json!([{
            "from": accounts.get(0)?,
            "to": accounts.get(1)?,
            "value": format!("{value_wei:#x}"),
        }]);
        self.rpc("eth_sendTransaction", params)?
            .as_str()
            .map(str::to_owned)
    }

    /// The height of the block that holds transaction `hash`, once it is
    /// mined (`None` if it is not within 10 s). Automining answers
    /// `eth_sendTransaction` before the block is sealed: a transfer sent
    /// right after could join the same block, where tests count one
    /// transaction a block.
    pub fn wait_mined(&self, hash: &str) -> Option<u64> {
        let mut height = None;
        wait_until(Duration::from_secs(10), || {
            height = self
                .rpc("eth_getTransactionReceipt", serde_json::json!([hash]))
                .as_ref()
                .and_then(|r| r.get("blockNumber"))
                .and_then(|n| n.as_str())
                .and_then(|n| u64::from_str_radix(n.trim_start_matches("0x"), 16).ok());
            height.is_some()
        });
        height
    }

    /// Stops the node now (a test of a node that goes away).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for AnvilNode {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A name unique within this test run, for databases and temp files.
pub fn unique_name(prefix: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    format!(
        "{prefix}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// A free loopback TCP port (bound then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("the loopback interface has a free port")
}

/// [`wait_until`] for checks that are themselves async (a store read, a
/// counter behind a lock): polls every 20 ms without blocking the runtime.
pub async fn wait_until_async<F, Fut>(limit: Duration, mut ready: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + limit;
    loop {
        if ready().await {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Polls `ready` every 20 ms until it is true or `limit` passes. No test
/// sleeps a fixed time to wait for something.
pub fn wait_until(limit: Duration, mut ready: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if ready() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A bare HTTP/1.0 GET on loopback: true on a 200. Kept dependency-free so
/// every crate's tests can probe for servers.
pub fn http_ping(base: &str, path: &str) -> bool {
    http_get(base, path).is_some_and(|(status, _)| status == 200)
}

/// GET `path` on an `http://host:port` base; returns status and body.
pub fn http_get(base: &str, path: &str) -> Option<(u16, String)> {
    http_request(base, "GET", path, None)
}

/// POSTs a JSON body to `path` on an `http://host:port` base; returns
/// status and body.
pub fn http_post_json(base: &str, path: &str, body: &str) -> Option<(u16, String)> {
    http_request(base, "POST", path, Some(body))
}

/// One HTTP/1.0 request (the server closes after answering, so reading to
/// the end reads the whole response).
fn http_request(base: &str, method: &str, path: &str, json: Option<&str>) -> Option<(u16, String)> {
    let hostport = base.strip_prefix("http://")?.split('/').next()?;
    let addr: SocketAddr = std::net::ToSocketAddrs::to_socket_addrs(hostport)
        .ok()?
        .next()?;
    // A POST (a JSON-RPC call) is answered, however loaded the machine;
    // a GET is a probe that must give up soon.
    let (connect, read) = match json {
        None => (Duration::from_millis(500), Duration::from_secs(5)),
        Some(_) => (Duration::from_secs(5), Duration::from_secs(60)),
    };
    let mut stream = TcpStream::connect_timeout(&addr, connect).ok()?;
    stream.set_read_timeout(Some(read)).ok()?;
    match json {
        None => write!(stream, "{method} {path} HTTP/1.0\r\nHost: {hostport}\r\n\r\n").ok()?,
        Some(body) => write!(
            stream,
            "{method} {path} HTTP/1.0\r\nHost: {hostport}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .ok()?,
    }
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let status = response.split_whitespace().nth(1)?.parse().ok()?;
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    Some((status, body))
}

/// A migrated SQLite store in a temporary directory, removed when the
/// returned `TempDir` drops: the store most tests start from.
pub async fn temp_sqlite() -> (
    std::sync::Arc<dyn blockwatt_store::Store>,
    tempfile::TempDir,
) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = blockwatt_store::sqlite::SqliteStore::open(&dir.path().join("test.db"))
        .await
        .expect("open a SQLite store");
    blockwatt_store::StoreAdmin::migrate(&store)
        .await
        .expect("migrate the SQLite store");
    (std::sync::Arc::new(store), dir)
}

/// Serves `app` on a free loopback port from the current runtime; returns
/// its `http://127.0.0.1:PORT` base. The server lives as long as the
/// runtime: what every stand-in for a remote service starts from.
pub async fn serve_router(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a loopback port");
    let url = format!("http://{}", listener.local_addr().expect("local address"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    url
}

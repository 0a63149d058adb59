//! A ClickHouse cluster of a test's own (scripts/clickhouse-cluster-start:
//! ZooKeeper and 2 shards × 2 replicas), for fault tests that kill and
//! restart its parts without touching the cluster other tests share.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{skip, workspace_root};

/// The four nodes, shard by shard.
pub const NODES: [&str; 4] = ["s1r1", "s1r2", "s2r1", "s2r2"];

pub struct ClickHouseCluster {
    dir: tempfile::TempDir,
    /// `clickhouse://…/blockwatt?cluster=blockwatt`: the first node.
    pub url: String,
    /// The first node's HTTP endpoint, for plain SQL.
    pub endpoint: String,
    /// What the script wrote to stderr while starting it.
    pub start_log: String,
}

impl ClickHouseCluster {
    /// Starts one; `None` (skipped) when ClickHouse or ZooKeeper is not
    /// installed.
    pub fn start(test: &str) -> Option<ClickHouseCluster> {
        ClickHouseCluster::start_with(test, &[])
    }

    /// As [`ClickHouseCluster::start`], the script run with `env` added.
    pub fn start_with(test: &str, env: &[(&str, &str)]) -> Option<ClickHouseCluster> {
        let server_installed = ["/usr/bin/clickhouse-server", "/usr/sbin/clickhouse-server"]
            .iter()
            .any(|p| Path::new(p).exists());
        let zookeeper = std::env::var_os("BLOCKWATT_ZOOKEEPER_JAR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("/usr/share/java/zookeeper.jar"));
        if !server_installed || !zookeeper.exists() {
            return skip(
                test,
                "a ClickHouse cluster needs Debian's clickhouse-server and zookeeper (apt-get install clickhouse-server zookeeper)",
            );
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let out = Command::new(workspace_root().join("scripts/clickhouse-cluster-start"))
            .arg(dir.path())
            .envs(env.iter().copied())
            .output()
            .expect("scripts/clickhouse-cluster-start runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let mut cluster = ClickHouseCluster {
            url: stdout.lines().last().unwrap_or_default().to_owned(),
            endpoint: String::new(),
            start_log: String::from_utf8_lossy(&out.stderr).into_owned(),
            dir,
        };
        // Checked with `cluster` built: its drop stops whatever did start.
        assert!(
            out.status.success(),
            "{test}: the cluster did not start: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        cluster.endpoint = cluster
            .url
            .strip_prefix("clickhouse://")
            .and_then(|r| r.split('/').next())
            .map(|host| format!("http://{host}"))
            .expect("clickhouse://HOST:PORT/… on the script's last line");
        Some(cluster)
    }

    /// The URL with another database.
    pub fn url_for(&self, database: &str) -> String {
        format!("{}/?database={database}&cluster=blockwatt", self.endpoint)
    }

    /// The HTTP port a node serves on.
    pub fn http_port(&self, node: &str) -> u16 {
        let port = self.pid(&self.dir.path().join(node).join("http_port"));
        port.parse()
            .unwrap_or_else(|_| panic!("{node}'s http_port file: {port:?}"))
    }

    /// The first line of a file the script left (a pid, a port).
    fn pid(&self, file: &Path) -> String {
        std::fs::read_to_string(file)
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()))
            .trim()
            .to_owned()
    }

    /// SIGKILL: no shutdown, as a crash or an OOM kill leaves it.
    pub fn kill(&self, node: &str) {
        let pid = self.pid(&self.dir.path().join(node).join("clickhouse.pid"));
        kill(&pid, "-KILL");
    }

    /// Starts a killed node again on its ports, with its data.
    pub fn restart(&self, node: &str) {
        run(&self.dir.path().join(node).join("start"));
    }

    /// Plain SQL on one node (not through the cluster): its own answer,
    /// or its error text.
    pub fn sql_on(&self, node: &str, query: &str) -> Result<String, String> {
        let port = self.http_port(node);
        let out = Command::new("curl")
            .args(["-sS", "--fail-with-body", "--data-binary", query])
            .arg(format!("http://127.0.0.1:{port}/"))
            .output()
            .expect("curl runs");
        let text = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        if out.status.success() {
            Ok(text)
        } else {
            Err(format!("{text}{}", String::from_utf8_lossy(&out.stderr)))
        }
    }

    pub fn stop_zookeeper(&self) {
        kill(&self.pid(&self.dir.path().join("zookeeper.pid")), "-KILL");
    }

    pub fn start_zookeeper(&self) {
        run(&self.dir.path().join("zookeeper/start"));
    }
}

/// Sends `signal` and returns once the process is gone: a server with
/// many threads takes a moment to die, and one restarted before that
/// finds its old PID file still naming a live process.
fn kill(pid: &str, signal: &str) {
    let status = Command::new("kill")
        .args([signal, pid])
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill {signal} {pid} failed");
    let gone = crate::wait_until(std::time::Duration::from_secs(20), || {
        !Command::new("kill")
            .args(["-0", pid])
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    });
    assert!(gone, "process {pid} still runs 20 s after kill {signal}");
}

fn run(script: &Path) {
    let out = Command::new(script)
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", script.display()));
    assert!(
        out.status.success(),
        "{} failed: {}",
        script.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

impl Drop for ClickHouseCluster {
    fn drop(&mut self) {
        let _ = Command::new(workspace_root().join("scripts/clickhouse-cluster-stop"))
            .arg(self.dir.path())
            .status();
    }
}

use std::fmt;
use std::path::PathBuf;

use url::Url;

use crate::StoreError;

/// Where the data lives, parsed from `BLOCKWATT_DATABASE_URL`.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// `sqlite://data/blockwatt.db` (relative) or `sqlite:///var/lib/x.db`.
    Sqlite { path: PathBuf },
    /// `http://[user[:password]@]host:8123/?database=DB`, or
    /// `clickhouse://[user[:password]@]host[:port]/DB` (HTTP, port 8123 by
    /// default); either with `cluster=NAME` (a cluster of the server's
    /// `remote_servers`) to keep the tables replicated and sharded on it.
    ClickHouse {
        endpoint: String,
        database: String,
        user: Option<String>,
        password: Option<String>,
        cluster: Option<String>,
    },
}

const DEFAULT_CLICKHOUSE_DATABASE: &str = "blockwatt";

impl DatabaseUrl {
    pub fn parse(raw: &str) -> Result<Self, StoreError> {
        let invalid = |reason: &str| StoreError::InvalidUrl {
            url: redact(raw),
            reason: reason.to_owned(),
        };
        if let Some(path) = raw.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(invalid(
                    "sqlite:// needs a file path, e.g. sqlite://data/blockwatt.db",
                ));
            }
            return Ok(DatabaseUrl::Sqlite {
                path: PathBuf::from(path),
            });
        }
        let url = Url::parse(raw).map_err(|e| invalid(&e.to_string()))?;
        let (scheme, path_database) = match url.scheme() {
            "http" | "https" => (url.scheme(), None),
            "clickhouse" => ("http", Some(url.path().trim_start_matches('/').to_owned())),
            other => {
                return Err(invalid(&format!(
                    "unknown scheme {other:?}; use sqlite://PATH, http://HOST:8123/?database=DB or clickhouse://HOST/DB"
                )))
            }
        };
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| invalid("no host"))?;
        let port = url
            .port()
            .unwrap_or(if scheme == "https" { 8443 } else { 8123 });
        let query_database = url
            .query_pairs()
            .find(|(k, _)| k == "database")
            .map(|(_, v)| v.into_owned());
        if let Some((key, _)) = url
            .query_pairs()
            .find(|(k, _)| k != "database" && k != "cluster")
        {
            return Err(invalid(&format!(
                "unknown query parameter {key:?}; only database= and cluster= are read"
            )));
        }
        let cluster = url
            .query_pairs()
            .find(|(k, _)| k == "cluster")
            .map(|(_, v)| v.into_owned());
        if let Some(c) = &cluster {
            if c.is_empty() || !c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                return Err(invalid(&format!(
                    "cluster name {c:?} must be letters, digits and '_'"
                )));
            }
        }
        let database = query_database
            .or(path_database)
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| DEFAULT_CLICKHOUSE_DATABASE.to_owned());
        if !database
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            return Err(invalid(&format!(
                "database name {database:?} must be letters, digits and '_'"
            )));
        }
        let decode = |s: &str| {
            url::form_urlencoded::parse(s.as_bytes())
                .map(|(k, v)| {
                    if v.is_empty() {
                        k.into_owned()
                    } else {
                        format!("{k}={v}")
                    }
                })
                .collect::<String>()
        };
        let user = (!url.username().is_empty()).then(|| decode(url.username()));
        let password = url.password().map(decode);
        let host = if host.contains(':') {
            format!("[{host}]")
        } else {
            host.to_owned()
        };
        Ok(DatabaseUrl::ClickHouse {
            endpoint: format!("{scheme}://{host}:{port}"),
            database,
            user,
            password,
            cluster,
        })
    }

    /// The URL with any password replaced by `***`, for messages and logs.
    pub fn redacted(&self) -> String {
        match self {
            DatabaseUrl::Sqlite { path } => format!("sqlite://{}", path.display()),
            DatabaseUrl::ClickHouse {
                endpoint,
                database,
                user,
                password,
                cluster,
            } => {
                let (scheme, rest) = endpoint.split_once("://").unwrap_or(("http", endpoint));
                let auth = match (user, password) {
                    (Some(u), Some(_)) => format!("{u}:***@"),
                    (Some(u), None) => format!("{u}@"),
                    (None, Some(_)) => ":***@".to_owned(),
                    (None, None) => String::new(),
                };
                let cluster = cluster
                    .as_deref()
                    .map(|c| format!("&cluster={c}"))
                    .unwrap_or_default();
                format!("{scheme}://{auth}{rest}/?database={database}{cluster}")
            }
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// Best-effort redaction of a string that did not even parse.
fn redact(raw: &str) -> String {
    match Url::parse(raw) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        Ok(_) => raw.to_owned(),
        // Unparseable: hide everything between "://" and the last '@'.
        Err(_) => match (raw.find("://"), raw.rfind('@')) {
            (Some(s), Some(a)) if a > s => format!("{}***{}", &raw[..s + 3], &raw[a..]),
            _ => raw.to_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sqlite_relative_and_absolute() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/blockwatt.db").unwrap(),
            DatabaseUrl::Sqlite {
                path: "data/blockwatt.db".into()
            }
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///var/lib/bw.db").unwrap(),
            DatabaseUrl::Sqlite {
                path: "/var/lib/bw.db".into()
            }
        );
    }

    #[test]
    fn parses_clickhouse_forms() {
        let u = DatabaseUrl::parse("http://bw:s3cret@127.0.0.1:8123/?database=energy").unwrap();
        assert_eq!(
            u,
            DatabaseUrl::ClickHouse {
                endpoint: "http://127.0.0.1:8123".into(),
                database: "energy".into(),
                user: Some("bw".into()),
                password: Some("s3cret".into()),
                cluster: None,
            }
        );
        assert_eq!(
            u.redacted(),
            "http://bw:***@127.0.0.1:8123/?database=energy"
        );
        let c = DatabaseUrl::parse("clickhouse://ch.example/metrics").unwrap();
        assert_eq!(c.redacted(), "http://ch.example:8123/?database=metrics");
        let d = DatabaseUrl::parse("http://localhost:8123").unwrap();
        assert_eq!(d.redacted(), "http://localhost:8123/?database=blockwatt");
        let k = DatabaseUrl::parse("clickhouse://127.0.0.1:8123/bw?cluster=blockwatt").unwrap();
        assert_eq!(
            k.redacted(),
            "http://127.0.0.1:8123/?database=bw&cluster=blockwatt"
        );
    }

    #[test]
    fn rejects_bad_urls_without_leaking_passwords() {
        for (raw, needle) in [
            ("postgres://u:pw@h/db", "unknown scheme"),
            ("sqlite://", "needs a file path"),
            ("http://u:pw@h:8123/?database=a;drop", "database name"),
            ("http://u:pw@h:8123/?db=x", "unknown query parameter"),
            ("http://u:pw@h:8123/?cluster=a%20b", "cluster name"),
            ("http://u:pw@h:8123/?cluster=", "cluster name"),
            ("http://u:pw@:8123/", "host"),
        ] {
            let err = DatabaseUrl::parse(raw).unwrap_err().to_string();
            assert!(err.contains(needle), "{raw}: {err}");
            assert!(!err.contains("pw@"), "password leaked: {err}");
        }
    }
}

//! Configuration and storage errors: one line on stderr naming what is wrong, and exit code 2.

mod common;

use common::*;

#[test]
fn malformed_database_url_is_one_line_and_exit_2() {
    expect_setup_error(
        &[("BLOCKWATT_DATABASE_URL", "postgres://u:s3cret@h/db")],
        &["db", "migrate"],
        &[
            "invalid database URL",
            "unknown scheme",
            "postgres://u:***@h/db",
        ],
    );
    expect_setup_error(
        &[(
            "BLOCKWATT_DATABASE_URL",
            "http://u:s3cret@h:8123/?database=a-b",
        )],
        &["db", "migrate"],
        &["database name"],
    );
}

#[test]
fn unreachable_clickhouse_is_one_line_and_exit_2() {
    // Port 9 on loopback: nothing listens, the connection is refused at once.
    expect_setup_error(
        &[(
            "BLOCKWATT_DATABASE_URL",
            "http://bw:s3cret@127.0.0.1:9/?database=x",
        )],
        &["serve"],
        &["cannot reach ClickHouse at http://bw:***@127.0.0.1:9/?database=x"],
    );
}

#[test]
fn unwritable_sqlite_path_is_one_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("a-file");
    std::fs::write(&blocker, "not a directory").unwrap();
    let url = format!("sqlite://{}/sub/bw.db", blocker.display());
    expect_setup_error(
        &[("BLOCKWATT_DATABASE_URL", &url)],
        &["db", "migrate"],
        &["cannot open SQLite database", "a-file/sub"],
    );
}

#[test]
fn a_token_or_lei_the_configuration_gets_wrong_is_named() {
    expect_setup_error(
        &[],
        &["--config", "bad-asset.toml", "chains"],
        &[
            "configuration key `assets`",
            "\"bitcoin\" is a chain's slug",
        ],
    );
    expect_setup_error(
        &[("BLOCKWATT_MICA__LEI", "529900T8BM49AURSDO56")],
        &["chains"],
        &["configuration key `mica.lei`", "check digits"],
    );
}

#[test]
fn unknown_and_out_of_range_keys_name_the_key() {
    expect_setup_error(
        &[],
        &["--config", "unknown-key.toml", "db", "migrate"],
        &["adress", "unknown-key.toml"],
    );
    expect_setup_error(
        &[],
        &["--config", "bad-enum.toml", "db", "migrate"],
        &["log_format", "xml"],
    );
    expect_setup_error(
        &[("BLOCKWATT_PUBLISH__DAILY", "sometimes")],
        &["db", "migrate"],
        &["PUBLISH.DAILY", "sometimes"],
    );
    expect_setup_error(
        &[("BLOCKWATT_ADDR", "localhost")],
        &["serve"],
        &["`addr`", "localhost"],
    );
    expect_setup_error(
        &[],
        &["--config", "missing.toml", "db", "migrate"],
        &["missing.toml", "does not exist"],
    );
    expect_setup_error(
        &[],
        &["--config", ".", "db", "migrate"],
        &["is a directory"],
    );
    for key in [
        "REQUEST_TIMEOUT_S",
        "MAX_HISTORY_DAYS",
        "MAX_COMPARE_CHAINS",
    ] {
        let var = format!("BLOCKWATT_API__{key}");
        expect_setup_error(
            &[(var.as_str(), "0")],
            &["db", "migrate"],
            &[&format!("api.{}", key.to_ascii_lowercase()), "at least 1"],
        );
    }
}

/// A chain source in a configuration file for a chain the catalogue lacks
/// is refused at start (it would be ingested, then answer 404).
#[test]
fn a_source_for_a_chain_outside_the_catalogue_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("extra.toml"),
        "[chains.mychain]\nkind = \"evm\"\nurl = \"http://127.0.0.1:9\"\nchain_id = 5\n",
    )
    .unwrap();
    let out = blockwatt(dir.path())
        .args(["--config", "extra.toml", "db", "migrate"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("chains.mychain"), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("not in the catalogue"),
        "{}",
        stderr(&out)
    );
}

/// Variables the platform sets (Kubernetes gives a Service named
/// blockwatt `BLOCKWATT_PORT`, `BLOCKWATT_SERVICE_HOST`, …) and typos in
/// variable names are warned about by name, and the program runs; a typo
/// in a file stays an error (above).
#[test]
fn unknown_environment_variables_are_warned_about_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let out = blockwatt(dir.path())
        .envs([
            ("BLOCKWATT_PORT", "tcp://10.96.0.12:8080"),
            ("BLOCKWATT_PORT_8080_TCP_ADDR", "10.96.0.12"),
            ("BLOCKWATT_SERVICE_HOST", "10.96.0.12"),
            ("BLOCKWATT_DATBASE_URL", "sqlite://typo.db"),
            ("BLOCKWATT_PUBLISH__WEEKLY", "true"),
        ])
        .args(["db", "migrate"])
        .output()
        .unwrap();
    let log = stderr(&out);
    assert!(out.status.success(), "{log}");
    for var in [
        "BLOCKWATT_PORT",
        "BLOCKWATT_SERVICE_HOST",
        "BLOCKWATT_DATBASE_URL",
        "BLOCKWATT_PUBLISH__WEEKLY",
    ] {
        assert!(
            log.lines()
                .any(|l| l.contains("WARN") && l.contains(&format!("{var} "))
                    || l.contains("WARN") && l.ends_with(var)
                    || l.contains("WARN") && l.contains(&format!("={var}"))),
            "no warning naming {var}: {log}"
        );
    }
}

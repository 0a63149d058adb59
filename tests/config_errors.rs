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
fn unknown_and_out_of_range_keys_name_the_key() {
    expect_setup_error(
        &[("BLOCKWATT_DATBASE_URL", "sqlite://x.db")],
        &["db", "migrate"],
        &["unknown field", "datbase_url"],
    );
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
        &[("BLOCKWATT_PUBLISH__WEEKLY", "true")],
        &["db", "migrate"],
        &["unknown field", "weekly"],
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
}

//! `blockwatt db migrate`.

mod common;

use common::*;

#[test]
fn migrate_twice_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let first = blockwatt(dir.path())
        .args(["db", "migrate"])
        .output()
        .unwrap();
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(
        String::from_utf8_lossy(&first.stdout).contains("applied migrations [1, 2, 3, 4, 5, 6]")
    );
    assert!(
        dir.path().join("data/blockwatt.db").is_file(),
        "default database not created under ./data"
    );
    let second = blockwatt(dir.path())
        .args(["db", "migrate"])
        .output()
        .unwrap();
    assert!(second.status.success(), "{}", stderr(&second));
    assert!(String::from_utf8_lossy(&second.stdout).contains("up to date"));
}

/// Logs written to a file or a pipe carry no terminal colour codes.
#[test]
fn logs_to_a_pipe_have_no_colour_codes() {
    let dir = tempfile::tempdir().unwrap();
    let out = blockwatt(dir.path())
        .args(["db", "migrate"])
        .output()
        .unwrap();
    let log = stderr(&out);
    assert!(log.contains("store opened"), "{log}");
    assert!(!log.contains('\u{1b}'), "ANSI escape in {log:?}");
}

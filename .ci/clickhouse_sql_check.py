#!/usr/bin/env python3
"""Runs every statement blockwatt's ClickHouse backend sends on a *current*
ClickHouse (chdb-core, in-process), because CI's server is Debian's 18.16.

Input: the JSON printed by `cargo run -p blockwatt-store --example clickhouse_sql`
(on stdin or as the first argument). Each DDL statement, one sample insert per
table (with the column list the Rust client sends) and every read query shape
must run without error; each read must also return the sample row it targets
where one exists. Exit 0 when all pass, 1 otherwise, 3 when chdb is missing.
"""
import json
import sys

try:
    from chdb import session
except ImportError:
    print("clickhouse_sql_check: chdb is not installed (pip install chdb-core)", file=sys.stderr)
    sys.exit(3)


def main() -> int:
    raw = open(sys.argv[1]).read() if len(sys.argv) > 1 else sys.stdin.read()
    doc = json.loads(raw)
    s = session.Session()
    version = s.query("SELECT version()", "CSV").data().strip().strip('"')
    s.query("CREATE DATABASE IF NOT EXISTS blockwatt_check")
    s.query("USE blockwatt_check")
    failures = []
    ran = 0

    def run(label, sql, fmt="CSV"):
        nonlocal ran
        ran += 1
        try:
            # Bytes, not text: binary columns (FixedString hashes) are not UTF-8.
            return s.query(sql, fmt).bytes()
        except Exception as e:  # chdb raises its own error types
            failures.append(f"{label}: {e}\n    SQL: {sql[:300]}")
            return None

    for i, stmt in enumerate(doc["ddl"]):
        run(f"ddl[{i}]", stmt)
    for ins in doc["inserts"]:
        cols = ", ".join(ins["row"].keys())
        run(f"insert {ins['table']}",
            f"INSERT INTO {ins['table']} ({cols}) FORMAT JSONEachRow {json.dumps(ins['row'])}")
    for i, stmt in enumerate(doc.get("insert_sql", [])):
        run(f"insert_sql[{i}]", stmt)
    for q in doc["queries"]:
        if q["name"] == "create_database":
            run(q["name"], q["sql"])
            continue
        out = run(q["name"], q["sql"])
        if out is not None and q["name"] == "select_logs_recorded" and out.strip() != b"1":
            failures.append(f"{q['name']}: did not count the sample block's recorded logs: {out!r}")
        if out is not None and q["name"] == "select_height_span_in_time" and out.strip() != b"1,50000,50000":
            failures.append(f"{q['name']}: did not bound the sample block's hour: {out!r}")
        if out is not None and q["name"] in ("select_block_at", "select_tip", "select_txid_blocks", "select_transaction_in_block",
                                              "select_transactions_above", "select_block_transaction_totals", "select_contract_uses",
                                              "select_contract_days", "select_block_days", "select_kept_contract_days",
                                              "select_checkpoint", "select_applied_migrations"):
            # A sum always returns a row: its count must be the sample's.
            if q["name"] == "select_block_transaction_totals" and not out.startswith(b"1,"):
                failures.append(f"{q['name']}: did not count the sample transaction: {out!r}")
            elif q["name"] == "select_contract_days" and out.split() != [b"19328,0,1,3,150000", b"19328,1,1,0,0"]:
                failures.append(f"{q['name']}: did not sum the sample block's day: {out!r}")
            elif q["name"] == "select_block_days" and not (out.startswith(b"19328,1,16000001,16000001,")
                                                            and out.strip().endswith(b",1")):
                failures.append(f"{q['name']}: did not sum the sample block's day: {out!r}")
            elif q["name"] == "select_contract_uses" and out.strip() != b"16000001,3,150000":
                failures.append(f"{q['name']}: did not read the sample contract's use: {out!r}")
            elif not out.strip():
                failures.append(f"{q['name']}: returned no row for the sample data\n    SQL: {q['sql'][:300]}")

    m5 = doc.get("migration_5")
    if m5:
        # A store as migrations 1-4 left it, with a hex row, migrated.
        s.query("CREATE DATABASE IF NOT EXISTS blockwatt_migrate_check")
        s.query("USE blockwatt_migrate_check")
        for i, stmt in enumerate(m5["before"] + m5["seed"] + m5["migrate"]):
            run(f"migration_5[{i}]", stmt)
        out = run("migration_5 carried the row", m5["expect"])
        want = str(m5.get("expect_count", 1)).encode()
        if out is not None and out.strip() != want:
            failures.append(f"migration_5: the hex row was not carried over as binary and indexed: {out!r}, wanted {want!r}")
    print(f"ClickHouse {version} (chdb): {ran - len(failures)} passed, {len(failures)} failed")
    for f in failures:
        print("FAILED " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

//! SQLite schema, one numbered step at a time. Never edit a step that has
//! shipped: add the next one.

pub(super) struct Migration {
    pub version: u32,
    pub name: &'static str,
    pub sql: &'static str,
    /// Counts the rows the migration cannot carry over, with what is
    /// wrong with them: any, and it stops before changing anything.
    pub require: Option<(&'static str, &'static str)>,
}

pub(super) const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "initial schema",
        sql: r#"
CREATE TABLE blocks (
    chain          TEXT    NOT NULL,
    height         INTEGER NOT NULL,
    hash           TEXT    NOT NULL,
    parent_hash    TEXT    NOT NULL,
    time           INTEGER NOT NULL,
    tx_count       INTEGER NOT NULL,
    size_bytes     INTEGER NOT NULL,
    weight         INTEGER NOT NULL,
    gas_used       INTEGER NOT NULL,
    gas_limit      INTEGER NOT NULL,
    difficulty     REAL    NOT NULL,
    fees_native    REAL    NOT NULL,
    subsidy_native REAL    NOT NULL,
    provisional    INTEGER NOT NULL,
    PRIMARY KEY (chain, height)
) WITHOUT ROWID;
CREATE INDEX blocks_by_hash ON blocks (chain, hash);
CREATE INDEX blocks_by_time ON blocks (chain, time);

CREATE TABLE transactions (
    chain        TEXT    NOT NULL,
    txid         TEXT    NOT NULL,
    block_height INTEGER NOT NULL,
    block_hash   TEXT    NOT NULL,
    position     INTEGER NOT NULL,
    size_bytes   INTEGER NOT NULL,
    vsize        INTEGER NOT NULL,
    gas_used     INTEGER NOT NULL,
    fee_native   REAL    NOT NULL,
    PRIMARY KEY (chain, txid)
) WITHOUT ROWID;
CREATE INDEX transactions_by_height ON transactions (chain, block_height);

CREATE TABLE daily_metrics (
    chain                 TEXT NOT NULL,
    day                   TEXT NOT NULL,
    source                TEXT NOT NULL,
    hashrate_hs           REAL,
    difficulty_mean       REAL,
    block_count           INTEGER,
    tx_count              INTEGER,
    block_size_mean_bytes REAL,
    fees_native           REAL,
    issuance_native       REAL,
    fees_usd              REAL,
    issuance_usd          REAL,
    price_usd             REAL,
    node_count            INTEGER,
    PRIMARY KEY (chain, day, source)
) WITHOUT ROWID;

CREATE TABLE estimates (
    chain               TEXT    NOT NULL,
    day                 TEXT    NOT NULL,
    method              TEXT    NOT NULL,
    methodology_version TEXT    NOT NULL,
    body                TEXT    NOT NULL,
    computed_at         INTEGER NOT NULL,
    PRIMARY KEY (chain, day, method)
) WITHOUT ROWID;

CREATE TABLE checkpoints (
    chain      TEXT    NOT NULL,
    source     TEXT    NOT NULL,
    height     INTEGER NOT NULL,
    hash       TEXT    NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (chain, source)
) WITHOUT ROWID;

CREATE TABLE indices (
    date       TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    sha256     TEXT    NOT NULL,
    body       TEXT    NOT NULL,
    PRIMARY KEY (date, version)
) WITHOUT ROWID;
"#,
        require: None,
    },
    Migration {
        version: 2,
        name: "transactions as a rowid table",
        // Clustering on (chain, txid) put every insert at a random spot of a
        // wide-row B-tree; a rowid table appends, and the unique index on the
        // key is narrow. About a third less CPU for a 45,000-transaction
        // ingest (bench/README.md).
        sql: r#"
CREATE TABLE transactions_v2 (
    chain        TEXT    NOT NULL,
    txid         TEXT    NOT NULL,
    block_height INTEGER NOT NULL,
    block_hash   TEXT    NOT NULL,
    position     INTEGER NOT NULL,
    size_bytes   INTEGER NOT NULL,
    vsize        INTEGER NOT NULL,
    gas_used     INTEGER NOT NULL,
    fee_native   REAL    NOT NULL
);
INSERT INTO transactions_v2 SELECT chain, txid, block_height, block_hash, position, size_bytes, vsize, gas_used, fee_native FROM transactions;
DROP TABLE transactions;
ALTER TABLE transactions_v2 RENAME TO transactions;
CREATE UNIQUE INDEX transactions_by_txid ON transactions (chain, txid);
CREATE INDEX transactions_by_height ON transactions (chain, block_height);
"#,
        require: None,
    },
    Migration {
        version: 3,
        name: "drop the estimates table",
        // Estimates are computed from the daily metrics on request (and
        // frozen in published indices); nothing ever read this table.
        sql: "DROP TABLE IF EXISTS estimates;",
        require: None,
    },
    Migration {
        version: 4,
        name: "leases",
        sql: r#"
CREATE TABLE leases (
    name          TEXT    NOT NULL PRIMARY KEY,
    holder        TEXT    NOT NULL,
    expires_at_ms INTEGER NOT NULL,
    version       INTEGER NOT NULL
) WITHOUT ROWID;
"#,
        require: None,
    },
    Migration {
        version: 5,
        name: "binary hashes in transactions",
        // A txid and its block hash as their 32 bytes instead of 64+ hex
        // characters, in the row and in the txid index: about 100 bytes
        // less per transaction. `hex_0x` keeps whether both were written
        // with 0x (EVM chains), so they read back as written.
        sql: r#"
CREATE TABLE transactions_v3 (
    chain        TEXT    NOT NULL,
    txid         BLOB    NOT NULL,
    block_height INTEGER NOT NULL,
    block_hash   BLOB    NOT NULL,
    hex_0x       INTEGER NOT NULL,
    position     INTEGER NOT NULL,
    size_bytes   INTEGER NOT NULL,
    vsize        INTEGER NOT NULL,
    gas_used     INTEGER NOT NULL,
    fee_native   REAL    NOT NULL
);
INSERT INTO transactions_v3 SELECT chain,
    unhex(CASE WHEN substr(txid, 1, 2) = '0x' THEN substr(txid, 3) ELSE txid END), block_height,
    unhex(CASE WHEN substr(block_hash, 1, 2) = '0x' THEN substr(block_hash, 3) ELSE block_hash END),
    substr(txid, 1, 2) = '0x', position, size_bytes, vsize, gas_used, fee_native
    FROM transactions;
DROP TABLE transactions;
ALTER TABLE transactions_v3 RENAME TO transactions;
CREATE UNIQUE INDEX transactions_by_txid ON transactions (chain, txid);
CREATE INDEX transactions_by_height ON transactions (chain, block_height);
"#,
        require: Some((
            "SELECT count(*) FROM transactions WHERE \
             length(unhex(CASE WHEN substr(txid, 1, 2) = '0x' THEN substr(txid, 3) ELSE txid END)) IS NOT 32 \
             OR length(unhex(CASE WHEN substr(block_hash, 1, 2) = '0x' THEN substr(block_hash, 3) ELSE block_hash END)) IS NOT 32 \
             OR (substr(txid, 1, 2) = '0x') != (substr(block_hash, 1, 2) = '0x')",
            "stored transactions cannot be carried over: a txid or block hash is not a 32-byte hash \
             (64 hex digits, optionally after 0x), or the two differ in form. Nothing was changed; \
             correct or delete those rows in `transactions` and migrate again",
        )),
    },
    Migration {
        version: 6,
        name: "the contracts that emitted logs in each block",
        // One row per (block, contract): what a contract's or a token's
        // share of its chain is counted from without asking the node.
        // Keyed by contract first, so a contract's period is one range;
        // the height index serves rollbacks. A row under the zero address
        // marks a block whose logs were read (`LOGS_RECORDED`). No block
        // hash: a rollback deletes these rows with their blocks, in the
        // same transaction.
        sql: r#"
CREATE TABLE contract_blocks (
    chain        TEXT    NOT NULL,
    contract     BLOB    NOT NULL,
    block_height INTEGER NOT NULL,
    transactions INTEGER NOT NULL,
    gas_used     INTEGER NOT NULL,
    PRIMARY KEY (chain, contract, block_height)
) WITHOUT ROWID;
CREATE INDEX contract_blocks_by_height ON contract_blocks (chain, block_height);
"#,
        require: None,
    },
];

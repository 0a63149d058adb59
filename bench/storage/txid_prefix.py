#!/usr/bin/env python3
"""The txid lookup's first read, by a 5-byte prefix (migration 13) beside
the 6-byte prefix it replaced (migration 6), on the same rows in one run
(bench/README.md, issue 16).

On a database the history bench kept (BENCH_KEEP=1, migrated to 13), it
builds the 6-byte table again from `block_transactions`, merges both
tables to one part each (the number of parts, not the prefix, is what a
lookup's time follows: each part is one more granule to read), then asks
both for the blocks of the same random stored txids, interleaved in random
order, one thread a query as the store asks, over one kept-alive HTTP
connection. It prints p50 / p90 / p99 of each, then each table's bytes
per transaction, and drops the 6-byte copy.

    python3 bench/storage/txid_prefix.py http://127.0.0.1:8123 DB [LOOKUPS=1000]
"""
import http.client
import random
import sys
import time
import urllib.parse

url = urllib.parse.urlparse(sys.argv[1])
db = sys.argv[2]
lookups = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
conn = http.client.HTTPConnection(url.hostname, url.port or 8123, timeout=600)


def query(sql, settings="max_threads=1"):
    conn.request("POST", f"/?database={db}&{settings}", body=sql.encode())
    response = conn.getresponse()
    body = response.read().decode()
    if response.status != 200:
        sys.exit(f"{sql[:80]}: {body}")
    return body


COPY = "txid_blocks_6"
query(f"DROP TABLE IF EXISTS {COPY}")
query(
    f"CREATE TABLE {COPY} (chain String, txid_prefix FixedString(6), block_height UInt64) "
    "ENGINE = ReplacingMergeTree() PARTITION BY chain ORDER BY (chain, txid_prefix, block_height) "
    "SETTINGS index_granularity = 1024"
)
query(
    f"INSERT INTO {COPY} SELECT chain, toFixedString(substring(txid, 1, 6), 6), block_height "
    "FROM block_transactions",
    settings="",
)
for table in ("txid_blocks", COPY):
    query(f"OPTIMIZE TABLE {table} FINAL", settings="")
parts = query(
    "SELECT table, count() FROM system.parts WHERE database = currentDatabase() AND active "
    f"AND table IN ('txid_blocks', '{COPY}') GROUP BY table ORDER BY table FORMAT TSV"
)
print("active parts:", parts.replace("\n", "; ").strip("; "))

rows = int(query("SELECT count() FROM block_transactions"))
sample = query(
    "SELECT chain, lower(hex(txid)) FROM block_transactions "
    f"WHERE cityHash64(txid) % {rows // (4 * lookups) + 1} = 7 LIMIT {lookups} FORMAT TSV"
)
txids = [line.split("\t") for line in sample.splitlines()]
rng = random.Random(1)
rng.shuffle(txids)
times = {5: [], 6: []}
for chain, txid in txids:
    for width in rng.sample([5, 6], 2):
        table = "txid_blocks" if width == 5 else COPY
        start = time.perf_counter()
        query(
            f"SELECT DISTINCT block_height FROM {table} WHERE chain = '{chain}' "
            f"AND txid_prefix = unhex('{txid[:2 * width]}') ORDER BY block_height DESC"
        )
        times[width].append((time.perf_counter() - start) * 1000)


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))]


for width in (5, 6):
    v = times[width]
    print(
        f"{width}-byte prefix, {len(v)} lookups: p50 {pct(v, 0.5):.2f}, "
        f"p90 {pct(v, 0.9):.2f}, p99 {pct(v, 0.99):.2f} ms"
    )
per_tx = query(
    "SELECT table, name, round(data_compressed_bytes / "
    f"{rows}, 2) FROM system.columns WHERE database = currentDatabase() "
    f"AND table IN ('txid_blocks', '{COPY}') AND name != 'chain' ORDER BY table, name FORMAT TSV"
)
print("bytes per transaction:", per_tx.replace("\n", "; ").strip("; "))
query(f"DROP TABLE {COPY}")

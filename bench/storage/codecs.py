#!/usr/bin/env python3
"""Bytes per transaction of blockwatt's migration-5 tables on a *current*
ClickHouse (chdb), for the same rows the history bench wrote on 18.16: with
the default codecs, with ZSTD(3) on every column, and with codecs chosen per
column. Debian's 18.16 has no CODEC clause, so this is how a current server's
figure is measured here (bench/README.md, issue 16). It is of migration 5's
layout (`txid_index`, 8-byte keys and a version), which migration 6 replaced:
export from a database written before migration 6 (commit c1ba3b4 or
earlier), as the "Migration 5" run in bench/README.md was.

Rows: keep a one-server database of the history bench and export it.

    BENCH_KEEP=1 BENCH_ROWS=10000000 BENCH_SQLITE_ROWS=0 \
      cargo bench -p blockwatt-store --bench history        # prints "kept database DB"
    clickhouse-client --port TCP --query "SELECT * FROM DB.block_transactions FINAL \
      WHERE is_deleted = 0 FORMAT Native" > /tmp/bt.native
    clickhouse-client --port TCP --query "SELECT * FROM DB.txid_index FINAL FORMAT Native" > /tmp/ti.native
    python3 bench/storage/codecs.py /tmp/bt.native /tmp/ti.native
"""
import sys

from chdb import session
BT, TI = (sys.argv[1], sys.argv[2]) if len(sys.argv) > 2 else ("/tmp/bt.native", "/tmp/ti.native")
s = session.Session()
s.query("CREATE DATABASE IF NOT EXISTS cx"); s.query("USE cx")
bt_cols = [("chain","String"),("block_height","UInt64"),("position","UInt32"),("txid","FixedString(32)"),
 ("block_hash","FixedString(32)"),("hex_0x","UInt8"),("block_time","DateTime"),("size_bytes","UInt32"),
 ("vsize","UInt32"),("gas_used","UInt32"),("fee_native","Float64"),("version","UInt64"),("is_deleted","UInt8")]
ti_cols = [("chain","String"),("txid_key","UInt64"),("block_height","UInt64"),("version","UInt64")]
variants = {
 "lz4 (as on 18.16)": ({}, {}),
 "zstd(3) everywhere": ({c: "ZSTD(3)" for c,_ in bt_cols}, {c: "ZSTD(3)" for c,_ in ti_cols}),
 "chosen codecs": ({"chain":"ZSTD(3)","block_height":"DoubleDelta, ZSTD(3)","position":"Delta, ZSTD(3)","txid":"NONE",
    "block_hash":"ZSTD(3)","hex_0x":"ZSTD(3)","block_time":"DoubleDelta, ZSTD(3)","size_bytes":"T64, ZSTD(3)",
    "vsize":"T64, ZSTD(3)","gas_used":"T64, ZSTD(3)","fee_native":"ZSTD(3)","version":"Delta, ZSTD(3)","is_deleted":"ZSTD(3)"},
   {"chain":"ZSTD(3)","txid_key":"Delta, ZSTD(3)","block_height":"T64, ZSTD(3)","version":"Delta, ZSTD(3)"}),
}
def cols(spec, codecs):
    return ", ".join(f"{c} {t}" + (f" CODEC({codecs[c]})" if c in codecs else "") for c,t in spec)
rows = int(s.query(f"SELECT count() FROM file('{BT}', Native)", "CSV").bytes().strip())
print("rows", rows, "version", s.query("SELECT version()", "CSV").bytes().strip().decode())
for i,(name,(bc,tc)) in enumerate(variants.items()):
    s.query(f"DROP TABLE IF EXISTS bt{i}"); s.query(f"DROP TABLE IF EXISTS ti{i}")
    s.query(f"CREATE TABLE bt{i} ({cols(bt_cols,bc)}) ENGINE = ReplacingMergeTree(version) PARTITION BY (chain, toYYYYMM(block_time)) ORDER BY (chain, block_height, position) SETTINGS index_granularity = 1024")
    s.query(f"CREATE TABLE ti{i} ({cols(ti_cols,tc)}) ENGINE = ReplacingMergeTree(version) PARTITION BY chain ORDER BY (chain, txid_key, block_height) SETTINGS index_granularity = 1024")
    s.query(f"INSERT INTO bt{i} SELECT * FROM file('{BT}', Native)")
    s.query(f"INSERT INTO ti{i} SELECT * FROM file('{TI}', Native)")
    s.query(f"OPTIMIZE TABLE bt{i} FINAL"); s.query(f"OPTIMIZE TABLE ti{i} FINAL")
    b = int(s.query(f"SELECT sum(data_compressed_bytes) FROM system.parts WHERE database='cx' AND table='bt{i}' AND active","CSV").bytes().strip())
    t = int(s.query(f"SELECT sum(data_compressed_bytes) FROM system.parts WHERE database='cx' AND table='ti{i}' AND active","CSV").bytes().strip())
    print(f"{name:>22}: block_transactions {b/rows:.1f} B + txid_index {t/rows:.1f} B = {(b+t)/rows:.1f} B per transaction")
    per = s.query(f"SELECT name, data_compressed_bytes FROM system.columns WHERE database='cx' AND table='bt{i}' ORDER BY name","CSV").bytes().decode()
    print("   ", " ".join(f"{l.split(',')[0].strip(chr(34))}={int(l.split(',')[1])/rows:.2f}" for l in per.strip().splitlines()))

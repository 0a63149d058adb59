#!/usr/bin/env python3
"""Writes the batched JSON-RPC request bodies that fetch blocks FROM..TO with
their transactions (and, with --receipts, every block's receipts), BATCH
blocks per request, one file per request, for curl to send in parallel:

    node_limit.py OUT_DIR FROM TO BATCH [--receipts]
"""
import json
import os
import sys

out, first, last, batch = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
receipts = "--receipts" in sys.argv
os.makedirs(out, exist_ok=True)
n = 0
for start in range(first, last + 1, batch):
    calls = []
    for h in range(start, min(start + batch, last + 1)):
        calls.append({"jsonrpc": "2.0", "id": len(calls), "method": "eth_getBlockByNumber", "params": [hex(h), True]})
        if receipts:
            calls.append({"jsonrpc": "2.0", "id": len(calls), "method": "eth_getBlockReceipts", "params": [hex(h)]})
    with open(os.path.join(out, f"req{n:05d}.json"), "w") as f:
        json.dump(calls, f)
    n += 1
print(n)

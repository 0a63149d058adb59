#!/usr/bin/env python3
"""Builds a mainnet-like chain on a local anvil: BLOCKS blocks of TXS value
transfers each (automine off, send, evm_mine), using JSON-RPC batches.

    build_chain.py http://127.0.0.1:8546 [BLOCKS=300] [TXS=150]
"""
import json
import sys
import urllib.request


def rpc(url, calls):
    body = [{"jsonrpc": "2.0", "id": i, "method": m, "params": p} for i, (m, p) in enumerate(calls)]
    req = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as r:
        out = json.loads(r.read())
    errors = [o["error"] for o in out if "error" in o]
    if errors:
        raise SystemExit(f"anvil refused: {errors[0]}")
    return [o["result"] for o in sorted(out, key=lambda o: o["id"])]


def main():
    url = sys.argv[1]
    blocks = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    txs = int(sys.argv[3]) if len(sys.argv) > 3 else 150
    (accounts,) = rpc(url, [("eth_accounts", [])])
    rpc(url, [("evm_setAutomine", [False])])
    # With automine off anvil does not count pending transactions when it
    # picks a nonce, so each sender's nonce is kept here.
    counts = rpc(url, [("eth_getTransactionCount", [a, "latest"]) for a in accounts])
    nonces = {a: int(c, 16) for a, c in zip(accounts, counts)}
    for b in range(blocks):
        sends = []
        for t in range(txs):
            src = accounts[t % len(accounts)]
            dst = accounts[(t + 1) % len(accounts)]
            tx = {"from": src, "to": dst, "value": hex(1000 + t), "gas": "0x5208", "nonce": hex(nonces[src])}
            nonces[src] += 1
            sends.append(("eth_sendTransaction", [tx]))
        rpc(url, sends)
        rpc(url, [("evm_mine", [])])
    (tip,) = rpc(url, [("eth_blockNumber", [])])
    (last,) = rpc(url, [("eth_getBlockByNumber", [tip, False])])
    print(f"chain built: tip {int(tip, 16)}, last block has {len(last['transactions'])} transactions")


if __name__ == "__main__":
    main()

#!/usr/bin/env bash
# Property-based API test: schemathesis generates requests from the live
# /openapi.json of a running `blockwatt serve` (with real Coin Metrics data
# imported when ../shared/data is present) and runs every check: no 5xx, no
# response that breaks the documented schema, every request the document
# forbids refused, and every request it allows accepted (blockwatt's own
# version of that last check, in schemathesis_hooks.py, knows the few rules
# across parameters that OpenAPI cannot state).
#   .ci/schemathesis.sh PATH_TO_BLOCKWATT_BINARY
set -euo pipefail
bin=$(realpath "$1")
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$(mktemp -d /tmp/blockwatt-schemathesis.XXXXXX)
cd "$dir"
shared=${BLOCKWATT_SHARED_DATA:-$root/../shared/data}
export BLOCKWATT_DATABASE_URL="sqlite://$dir/bw.db"
# Generated requests come fast from one client: no rate limit here.
export BLOCKWATT_API__RATE_LIMIT_PER_MINUTE=0
unset BLOCKWATT_ADDR
if [ -f "$shared/coinmetrics/btc.csv" ]; then
  "$bin" import coinmetrics --chain bitcoin --file "$shared/coinmetrics/btc.csv" >/dev/null 2>&1
  "$bin" import coinmetrics --chain ethereum --file "$shared/coinmetrics/eth.csv" >/dev/null 2>&1
  # The index of the document's example day, so /v1/indices/{date} and its
  # metadata are reached with data, not only refused.
  "$bin" publish --date 2020-06-01 >/dev/null 2>&1
fi
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# Transactions the store lacks are looked up at the chain's node. Tests talk
# to 127.0.0.1 only: every chain whose shipped source is a public node gets
# a real local one (anvil) instead, which answers as a node does.
anvil=${BLOCKWATT_ANVIL:-$(command -v anvil || true)}
if [ -z "$anvil" ] || [ ! -x "$anvil" ]; then
  echo "schemathesis.sh: anvil not found (npm i @foundry-rs/anvil-linux-amd64, or set BLOCKWATT_ANVIL)" >&2
  exit 1
fi
anvil_port=$(free_port)
"$anvil" --port "$anvil_port" --chain-id 31337 --silent >/dev/null 2>&1 &
anvil_pid=$!
node="http://127.0.0.1:$anvil_port"
{
  for chain in devnet ethereum ethereum-classic polygon bnb avalanche; do
    printf '[chains.%s]\nurl = "%s"\n' "$chain" "$node"
  done
  # Not looked up (Esplora), and never followed here; still not a public host.
  printf '[chains.bitcoin]\nurl = "http://127.0.0.1:%s"\n' "$(free_port)"
} >"$dir/local-nodes.toml"
export BLOCKWATT_CONFIG="$dir/local-nodes.toml"
for _ in $(seq 1 200); do (exec 3<>"/dev/tcp/127.0.0.1/$anvil_port") 2>/dev/null && break; sleep 0.1; done
port=$(free_port)
# --offline: the public data providers are not reachable from tests.
RUST_LOG=warn "$bin" serve --offline --addr "127.0.0.1:$port" >"$dir/serve.log" 2>&1 &
pid=$!
trap 'kill $pid $anvil_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 200); do curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null && break; sleep 0.1; done
export PYTHONPATH="$root/.ci${PYTHONPATH:+:$PYTHONPATH}" SCHEMATHESIS_HOOKS=schemathesis_hooks
schemathesis run "http://127.0.0.1:$port/openapi.json" \
  --checks all --exclude-checks positive_data_acceptance \
  --max-examples "${SCHEMATHESIS_EXAMPLES:-40}" --workers 2 --request-timeout 20 \
  --generation-deterministic --no-color

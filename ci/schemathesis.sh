#!/usr/bin/env bash
# Property-based API test: schemathesis generates requests from the live
# /openapi.json of a running `blockwatt serve` (with real Coin Metrics data
# imported when ../shared/data is present) and fails on any 5xx or any
# response that breaks the documented schema.
#   ci/schemathesis.sh PATH_TO_BLOCKWATT_BINARY
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
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
RUST_LOG=warn "$bin" serve --addr "127.0.0.1:$port" >"$dir/serve.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 200); do curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null && break; sleep 0.1; done
schemathesis run "http://127.0.0.1:$port/openapi.json" \
  --checks not_a_server_error,response_schema_conformance,content_type_conformance \
  --max-examples "${SCHEMATHESIS_EXAMPLES:-40}" --workers 2 --request-timeout 20 \
  --generation-deterministic --no-color

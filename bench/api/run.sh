#!/usr/bin/env bash
# HTTP throughput and latency, in one run on this machine:
#   the cached GET /v1/chains/bitcoin/footprint of a release `blockwatt serve`
#   (real models, Coin Metrics history imported), against a minimal axum
#   hello-world (api/examples/bench_serve.rs) built with the same profile.
# Then p50/p99 latency of the footprint route paced to half of its own
# measured saturation rate (wrk + rate.lua).
#   bench/api/run.sh [ROUNDS=3] [SECONDS=10]
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-3}; secs=${2:-10}
shared=${BLOCKWATT_SHARED_DATA:-../shared/data}
tmp=$(mktemp -d /tmp/blockwatt-api-bench.XXXXXX)
cargo build --release --quiet --bin blockwatt
cargo build --release --quiet -p blockwatt-api --example bench_serve
. bench/lib.sh

export BLOCKWATT_DATABASE_URL="sqlite://$tmp/bw.db" BLOCKWATT_API__RATE_LIMIT_PER_MINUTE=0 RUST_LOG=warn
"$release/blockwatt" import coinmetrics --chain bitcoin --file "$shared/coinmetrics/btc.csv" >/dev/null
start_api_and_hello "$tmp"
api_url="http://127.0.0.1:$api_port/v1/chains/bitcoin/footprint"
hello_url="http://127.0.0.1:$hello_port/"
curl -fsS -o /dev/null "$api_url"   # fills the cache

rps() { wrk -t2 -c64 -d"${secs}s" "$@" | awk '/Requests\/sec/ {print $2}'; }
echo "round api_rps hello_rps ratio"
api_all=""; hello_all=""
for r in $(seq 1 "$rounds"); do
  a=$(rps "$api_url"); h=$(rps "$hello_url")
  api_all="$api_all $a"; hello_all="$hello_all $h"
  echo "$r $a $h $(python3 -c "print(round($a/$h,3))")"
done
api_med=$(median $api_all)
hello_med=$(median $hello_all)
echo "median: footprint $api_med req/s, hello-world $hello_med req/s, ratio $(python3 -c "print(round($api_med/$hello_med,3))")"

# Most real clients send Accept-Encoding: gzip (the cache keeps a gzipped copy).
echo "footprint with Accept-Encoding: gzip: $(rps -H 'Accept-Encoding: gzip' "$api_url") req/s"

half=$(python3 -c "print(int($api_med/2))")
# wrk's delay() takes whole milliseconds: pace each connection at 5 ms and
# open as many connections as the rate needs.
conns=$(( half * 5 / 1000 )); [ "$conns" -ge 2 ] || conns=2
echo "footprint latency at half its saturation rate ($half req/s target, $conns connections paced at 5 ms):"
RATE=$half CONNS=$conns wrk -t2 -c"$conns" -d"${secs}s" --latency -s bench/api/rate.lua "$api_url" \
  | awk '/Latency Distribution/,/requests in/' | grep -E "50%|90%|99%|requests in"

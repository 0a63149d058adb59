#!/usr/bin/env bash
# Widgets beside the API, in one run on this machine: requests per second
# and p50/p99 latency of the cached card (1y chart) and SVG badge against
# the cached GET /v1/chains/bitcoin/footprint of the same release
# `blockwatt serve` (Coin Metrics' Bitcoin history imported), and the bytes
# of a card page for each period.
#   bench/widgets/run.sh [ROUNDS=3] [SECONDS=10]
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-3}; secs=${2:-10}
shared=${BLOCKWATT_SHARED_DATA:-../shared/data}
tmp=$(mktemp -d /tmp/blockwatt-widgets-bench.XXXXXX)
cargo build --release --quiet --bin blockwatt
. bench/lib.sh

export BLOCKWATT_DATABASE_URL="sqlite://$tmp/bw.db" BLOCKWATT_API__RATE_LIMIT_PER_MINUTE=0 RUST_LOG=warn
"$release/blockwatt" import coinmetrics --chain bitcoin --file "$shared/coinmetrics/btc.csv" >/dev/null
port=$(free_port)
"$release/blockwatt" serve --offline --addr "127.0.0.1:$port" >"$tmp/serve.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null && break; sleep 0.1; done
b="http://127.0.0.1:$port"
footprint="$b/v1/chains/bitcoin/footprint"
card="$b/widgets/bitcoin/card.html?period=1y"
badge="$b/widgets/bitcoin/badge.svg"
for u in "$footprint" "$card" "$badge"; do curl -fsS -o /dev/null "$u"; done   # fills the caches

echo "card page bytes (uncompressed), Bitcoin energy:"
for p in 30d 1y all; do
  echo "  period=$p: $(curl -fsS "$b/widgets/bitcoin/card.html?period=$p" | wc -c), gzipped $(curl -fsS -H 'Accept-Encoding: gzip' "$b/widgets/bitcoin/card.html?period=$p" | wc -c)"
done

rps() { wrk -t2 -c64 -d"${secs}s" "$@" | awk '/Requests\/sec/ {print $2}'; }
# Browsers always send Accept-Encoding: gzip; plain clients (curl) may not.
for enc in identity gzip; do
  echo "Accept-Encoding: $enc"
  echo "round footprint_rps card_rps badge_rps"
  f_all=""; c_all=""; g_all=""
  for r in $(seq 1 "$rounds"); do
    f=$(rps -H "Accept-Encoding: $enc" "$footprint"); c=$(rps -H "Accept-Encoding: $enc" "$card"); g=$(rps -H "Accept-Encoding: $enc" "$badge")
    f_all="$f_all $f"; c_all="$c_all $c"; g_all="$g_all $g"
    echo "$r $f $c $g"
  done
  fm=$(median $f_all); cm=$(median $c_all); gm=$(median $g_all)
  echo "median req/s ($enc): footprint $fm, card $cm ($(python3 -c "print(round($cm/$fm,3))")×), badge $gm ($(python3 -c "print(round($gm/$fm,3))")×)"
done

# Latency of each at the same paced rate: half the footprint's saturation
# (the last, gzip, round's).
half=$(python3 -c "print(int($fm/2))")
conns=$(( half * 5 / 1000 )); [ "$conns" -ge 2 ] || conns=2
echo "latency at $half req/s ($conns connections paced at 5 ms):"
for pair in "footprint $footprint" "card $card" "badge $badge"; do
  set -- $pair
  echo "  $1: $(RATE=$half CONNS=$conns wrk -t2 -c"$conns" -d"${secs}s" --latency -s bench/api/rate.lua "$2" \
    | awk '/Latency Distribution/,/requests in/' | grep -E "50%|99%" | awk '{printf "%s %s  ", $1, $2}')"
done

#!/usr/bin/env bash
# Time from a fresh `blockwatt serve` to every chain current, against the
# local replay of Coin Metrics (real community data through 2020-07-27, the
# API's documented shape; testkit/src/coinmetrics_replay.rs), in one run with
# a reference: a raw client (curl + a JSON read) fetching the same pages of
# the same server with nothing parsed into rows, checked or stored.
# Then requests for the next day, and serve's peak memory (VmHWM).
#   bench/sources/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
shared=${BLOCKWATT_SHARED_DATA:-../shared/data}
tmp=$(mktemp -d /tmp/blockwatt-sources-bench.XXXXXX)
cargo build --release --quiet --bin blockwatt
cargo build --release --quiet -p blockwatt-testkit --example coinmetrics_replay
. bench/lib.sh

# The replay, steered through a FIFO: a date moves its last day, any other
# line asks for its request count.
mkfifo "$tmp/ctl"
"$release/examples/coinmetrics_replay" "$shared/coinmetrics" 2020-07-26 <"$tmp/ctl" >"$tmp/replay.out" &
replay_pid=$!
exec 3>"$tmp/ctl"
for _ in $(seq 1 100); do [ -s "$tmp/replay.out" ] && break; sleep 0.1; done
url=$(head -1 "$tmp/replay.out")
count() { echo n >&3; sleep 0.3; tail -1 "$tmp/replay.out"; }

# Reference: the same request blockwatt sends first, every page, through
# curl; a JSON read of each page for its next_page_url only.
ref_start=$(date +%s.%N)
next="$url/timeseries/asset-metrics?assets=bch,btc,dash,doge,etc,eth,ltc,xmr,zec&metrics=HashRate,DiffMean,BlkCnt,TxCnt,BlkSizeMeanByte,PriceUSD,IssTotNtv,IssTotUSD,FeeTotNtv,FeeTotUSD&frequency=1d&paging_from=start&page_size=10000&end_time=2020-07-26&ignore_unsupported_errors=true&ignore_forbidden_errors=true"
pages=0
while [ -n "$next" ]; do
  curl -fsS "$next" -o "$tmp/page.json"; pages=$((pages + 1))
  next=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1])).get('next_page_url') or '')" "$tmp/page.json")
done
ref_s=$(python3 -c "print(round($(date +%s.%N) - $ref_start, 2))")
ref_requests=$(count)
echo "reference (curl, every page of the whole history): $pages pages in ${ref_s} s"

port=$(free_port)
export BLOCKWATT_DATABASE_URL="sqlite://$tmp/bw.db" BLOCKWATT_API__RATE_LIMIT_PER_MINUTE=0 RUST_LOG=info
export BLOCKWATT_SOURCES__COINMETRICS__URL="$url" BLOCKWATT_SOURCES__INTERVAL_S=2 BLOCKWATT_PUBLISH__DAILY=false
# This machine reaches no public endpoint: the shipped validator-count
# endpoints point at a closed loopback port, so they fail at once instead of
# after DNS and retries.
export BLOCKWATT_SOURCES__MEMPOOL__URL=http://127.0.0.1:9/api
# Every shipped [sources.node_counts.<chain>], read from the file itself.
for chain in $(python3 -c 'import tomllib; print(" ".join(tomllib.load(open("config/default.toml","rb"))["sources"]["node_counts"]))'); do
  export "BLOCKWATT_SOURCES__NODE_COUNTS__${chain^^}__URL=http://127.0.0.1:9"
done
start=$(date +%s.%N)
"$release/blockwatt" serve --addr "127.0.0.1:$port" >"$tmp/serve.log" 2>&1 &
pid=$!
trap 'kill $pid $replay_pid 2>/dev/null || true' EXIT
current() {
  curl -fsS "http://127.0.0.1:$port/v1/chains" 2>/dev/null | python3 -c "
import json,sys
want={'bitcoin','litecoin','dogecoin','bitcoin-cash','dash','zcash','monero','ethereum-classic','ethereum'}
d=json.load(sys.stdin)['chains']
print(sum(1 for c in d if c['slug'] in want and (c.get('coverage') or {}).get('last_day')==sys.argv[1]))" "$1" 2>/dev/null || echo 0
}
until [ "$(current 2020-07-26)" = 9 ]; do sleep 0.05; done
took=$(python3 -c "print(round($(date +%s.%N) - $start, 2))")
boot=$(( $(count) - ref_requests ))
echo "blockwatt serve: 9 chains from an empty store to 2020-07-26 (whole history) in ${took} s, ${boot} requests (the process start included)"
echo 2020-07-27 >&3
day_start=$(date +%s.%N)
until [ "$(current 2020-07-27)" = 9 ]; do sleep 0.05; done
day_s=$(python3 -c "print(round($(date +%s.%N) - $day_start, 2))")
sleep 2.5   # one more sync interval: requests once current
after=$(count)
echo "the next day: all 9 chains within ${day_s} s of the provider publishing it (sync every 2 s); $(( after - ref_requests - boot )) requests since the bootstrap, across the syncs in between"
echo "serve peak memory: $(awk '/VmHWM/ {print $2, $3}' /proc/$pid/status)"
rows=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from daily_metrics').fetchone()[0])" "$tmp/bw.db")
echo "rows stored: $rows"

#!/usr/bin/env bash
# Ingestion throughput on one local anvil chain, all tools in one run:
#   (a) the node's limit: the same JSON-RPC batches sent by parallel curls;
#   (b) ethereum-etl export_blocks_and_transactions (PyPI);
#   (c) blockwatt ingest into SQLite, (d) into ClickHouse.
# Wall time and CPU (user+sys of the client process tree) per run; RUNS
# paired runs, medians reported.
#
#   bench/ingest/run.sh [RUNS=5] [BLOCKS=300] [TXS=150]
# Needs: anvil (BLOCKWATT_ANVIL), ethereumetl (ETHEREUMETL, e.g. a venv with
# ethereum-etl and parsimonious==0.10.0), a ClickHouse at
# BLOCKWATT_TEST_CLICKHOUSE_URL (default http://127.0.0.1:8123), curl, python3.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-5}; blocks=${2:-300}; txs=${3:-150}
anvil=${BLOCKWATT_ANVIL:-/opt/anvil/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil}
ethetl=${ETHEREUMETL:-/opt/ethetl/bin/ethereumetl}
ch=${BLOCKWATT_TEST_CLICKHOUSE_URL:-http://127.0.0.1:8123}
batch=${BATCH:-25}
# Requests in flight, the same for every client.
inflight=${INFLIGHT:-8}
tmp=$(mktemp -d /tmp/blockwatt-ingest-bench.XXXXXX)

cargo build --release --quiet --bin blockwatt
bw=${CARGO_TARGET_DIR:-$PWD/target}/release/blockwatt

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port"
"$anvil" --port "$port" --chain-id 31337 --silent >"$tmp/anvil.log" 2>&1 &
anvil_pid=$!
trap 'kill $anvil_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -fsS -o /dev/null -H 'Content-Type: application/json' \
  --data '{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":[]}' "$url" && break; sleep 0.1; done
python3 bench/ingest/build_chain.py "$url" "$blocks" "$txs"
python3 bench/ingest/node_limit.py "$tmp/req" 1 "$blocks" "$batch" >/dev/null
python3 bench/ingest/node_limit.py "$tmp/req-receipts" 1 "$blocks" "$batch" --receipts >/dev/null

# measure LABEL CMD...: appends "label wall cpu maxrss_kib" to results
measure() {
  local label=$1; shift
  /usr/bin/time -f "%e %U %S %M" -o "$tmp/t" "$@" >"$tmp/out" 2>&1 || { cat "$tmp/out" >&2; exit 1; }
  read -r wall user sys rss <"$tmp/t"
  echo "$label $wall $(python3 -c "print(round($user+$sys,3))") $rss" >>"$tmp/results"
}
curl_all() { ls "$1"/*.json | xargs -P "$inflight" -I{} curl -fsS -o /dev/null -H 'Content-Type: application/json' --data-binary @{} "$url"; }

# Other work on the machine shows in every wall time: record the load.
echo "load before the runs: $(cut -d' ' -f1-3 /proc/loadavg)" >"$tmp/load"
for run in $(seq 1 "$runs"); do
  measure "a_node_limit_blocks+txs" bash -c "$(declare -f curl_all); url=$url; inflight=$inflight; curl_all $tmp/req"
  measure "a_node_limit_blocks+txs+receipts" bash -c "$(declare -f curl_all); url=$url; inflight=$inflight; curl_all $tmp/req-receipts"
  rm -f "$tmp"/*.csv
  measure "b_ethereum-etl_blocks+txs" "$ethetl" export_blocks_and_transactions --start-block 1 --end-block "$blocks" \
    --provider-uri "$url" --batch-size "$batch" --max-workers "$inflight" --blocks-output "$tmp/b.csv" --transactions-output "$tmp/t.csv"
  for receipts in false true; do
    label=$([ $receipts = true ] && echo "blocks+txs+receipts" || echo "blocks+txs")
    rm -rf "$tmp/sqlite"; mkdir -p "$tmp/sqlite"
    measure "c_blockwatt_sqlite_$label" env BLOCKWATT_DATABASE_URL="sqlite://$tmp/sqlite/bw.db" \
      BLOCKWATT_CHAINS__DEVNET__RECEIPTS=$receipts BLOCKWATT_CHAINS__DEVNET__BATCH_SIZE=$batch BLOCKWATT_CHAINS__DEVNET__MAX_IN_FLIGHT=$inflight \
      "$bw" ingest --chain devnet --rpc "$url" --from 1 --to "$blocks"
    db="bw_ingest_bench_$run"
    curl -fsS --data-binary "DROP DATABASE IF EXISTS $db" "$ch" >/dev/null
    measure "d_blockwatt_clickhouse_$label" env BLOCKWATT_DATABASE_URL="$ch/?database=$db" \
      BLOCKWATT_CHAINS__DEVNET__RECEIPTS=$receipts BLOCKWATT_CHAINS__DEVNET__BATCH_SIZE=$batch BLOCKWATT_CHAINS__DEVNET__MAX_IN_FLIGHT=$inflight \
      "$bw" ingest --chain devnet --rpc "$url" --from 1 --to "$blocks"
    curl -fsS --data-binary "DROP DATABASE IF EXISTS $db" "$ch" >/dev/null
  done
done

echo "load after the runs: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$tmp/load"
cat "$tmp/load"
echo "$blocks blocks x $txs transactions, batches of $batch blocks, $inflight requests in flight, $runs paired runs (medians):"
python3 - "$tmp/results" <<'PY'
import statistics, sys, collections
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    label, wall, cpu, rss = line.split()
    rows[label].append((float(wall), float(cpu), int(rss)))
print(f"{'client':<44} {'wall s':>8} {'(min-max)':>11} {'cpu s':>8} {'max RSS MiB':>12}")
for label in sorted(rows):
    walls = [r[0] for r in rows[label]]
    w = statistics.median(walls); c = statistics.median(r[1] for r in rows[label])
    m = statistics.median(r[2] for r in rows[label]) / 1024
    print(f"{label:<44} {w:>8.2f} {min(walls):>5.2f}-{max(walls):<5.2f} {c:>8.2f} {m:>12.0f}")
PY

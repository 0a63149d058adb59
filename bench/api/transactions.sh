#!/usr/bin/env bash
# Per-transaction lookups through the HTTP API on a store of full-history
# size (issue 16): GET /v1/chains/{chain}/transactions/{txid}/footprint
# for random stored txids, a different one each request, against a release
# `blockwatt serve` on a ClickHouse database that store/benches/history.rs
# kept (BENCH_KEEP=1). Side by side in the same run, a minimal axum
# hello-world (api/examples/bench_serve.rs) at the same pacing: what HTTP
# alone costs. Latency p50/p90/p99 from wrk:
#   - one connection, one request at a time (no queueing), twice: the
#     first pass computes each day's shared inputs, the second reuses them;
#   - 8 connections paced to RATE req/s in all.
#   bench/api/transactions.sh CLICKHOUSE_HTTP_URL DATABASE [SECONDS=30] [RATE=100] [TXIDS=20000]
# CHAIN=bitcoin for a database of BENCH_SHAPE=bitcoin (default ethereum).
set -euo pipefail
cd "$(dirname "$0")/../.."
endpoint=${1:?ClickHouse HTTP URL, e.g. http://127.0.0.1:8123}
db=${2:?database kept by the history bench}
secs=${3:-30}; rate=${4:-100}; count=${5:-20000}
chain=${CHAIN:-ethereum}
tmp=$(mktemp -d /tmp/blockwatt-tx-bench.XXXXXX)
cargo build --release --quiet --bin blockwatt
cargo build --release --quiet -p blockwatt-api --example bench_serve
. bench/lib.sh

rows=$(curl -fsS "$endpoint/" --data-binary "SELECT count() FROM $db.block_transactions")
# A spread sample of stored txids (a hash of the txid picks them), shuffled.
curl -fsS "$endpoint/" --data-binary \
  "SELECT concat(if(hex_0x = 1, '0x', ''), lower(hex(txid))) FROM $db.block_transactions \
   WHERE is_deleted = 0 AND cityHash64(txid) % $(( rows / count + 1 )) = 0 LIMIT $count FORMAT TSV" \
  | shuf --random-source=<(yes) >"$tmp/txids"
echo "$rows transactions stored; $(wc -l <"$tmp/txids") txids sampled"

# The route answers with the day's footprint share, from the day's inputs
# that ingestion writes beside the blocks (daily counts, source "blocks",
# here summed from the stored blocks as ingest/src/daily.rs sums them) and
# what a deployment syncs from its sources and the generated history lacks,
# under source "bench": for Ethereum the catalogue's 6,000 nodes; for
# Bitcoin a hashrate and a price recorded by mempool.space
# (../shared/data/mempool-space-fixtures: `lastEstimatedHashrate` of
# api_mining_pools_1w.json, 7.86e20 H/s in 2025-04, and the USD conversion
# of mainnet_mempoolInfo.json, 69,880 on 2024-03-31), the generated blocks
# having no difficulty. What is measured is the lookup and the answer, not
# the figure.
curl -fsS "$endpoint/" --data-binary \
  "INSERT INTO $db.daily_metrics (chain, day, source, block_count, tx_count, block_size_mean_bytes, \
   fees_native, issuance_native, node_count, version, is_deleted) \
   SELECT chain, toDate(time) AS d, 'blocks', count(), sum(tx_count), avg(size_bytes), sum(fees_native), \
   sum(subsidy_native), CAST(NULL AS Nullable(UInt64)), 1, 0 FROM $db.blocks FINAL WHERE is_deleted = 0 \
   GROUP BY chain, d"
case "$chain" in
  ethereum) bench_inputs="node_count) SELECT chain, toDate(time) AS d, 'bench', 1, 0, 6000" ;;
  bitcoin) bench_inputs="hashrate_hs, price_usd) SELECT chain, toDate(time) AS d, 'bench', 1, 0, \
    786391245138648900000, 69880" ;;
  *) echo "CHAIN is ethereum or bitcoin, not $chain" >&2; exit 2 ;;
esac
curl -fsS "$endpoint/" --data-binary \
  "INSERT INTO $db.daily_metrics (chain, day, source, version, is_deleted, $bench_inputs \
   FROM $db.blocks GROUP BY chain, d"

export BLOCKWATT_DATABASE_URL="$endpoint/?database=$db" BLOCKWATT_API__RATE_LIMIT_PER_MINUTE=0 RUST_LOG=warn
start_api_and_hello "$tmp"
first=$(head -1 "$tmp/txids")
path="/v1/chains/$chain/transactions/$first/footprint"
code=$(curl -sS -o "$tmp/first.json" -w '%{http_code}' "http://127.0.0.1:$api_port$path")
echo "one answer ($code): $(head -c 300 "$tmp/first.json")"
[ "$code" = 200 ] || { echo "the route did not answer 200" >&2; exit 1; }

latency() { # URL PREFIX SUFFIX CONNS [RATE]
  TXIDS="$tmp/txids" PREFIX=$2 SUFFIX=$3 CONNS=$4 RATE=${5:-0} \
    wrk -t1 -c"$4" -d"${secs}s" --latency -s bench/api/txids.lua "$1" \
    | awk '/Latency Distribution/,/requests in/' | grep -E "50%|90%|99%|requests in|Non-2xx" | tr -s ' ' | paste -sd' '
}
echo "one connection, one request at a time:"
# The first pass computes each day's shared inputs once (service/src/day_contexts.rs);
# the second reads every day's from memory, as a running service does.
echo "  API transaction footprint, first pass:  $(latency "http://127.0.0.1:$api_port" "/v1/chains/$chain/transactions/" /footprint 1)"
echo "  API transaction footprint, second pass: $(latency "http://127.0.0.1:$api_port" "/v1/chains/$chain/transactions/" /footprint 1)"
echo "  hello-world:               $(latency "http://127.0.0.1:$hello_port" '/?tx=' '' 1)"
echo "8 connections paced to $rate req/s:"
echo "  API transaction footprint: $(latency "http://127.0.0.1:$api_port" "/v1/chains/$chain/transactions/" /footprint 8 "$rate")"
echo "  hello-world:               $(latency "http://127.0.0.1:$hello_port" '/?tx=' '' 8 "$rate")"

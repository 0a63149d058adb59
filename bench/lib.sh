# What the bench scripts share; sourced from the repository root.
# Where cargo puts release binaries (CARGO_TARGET_DIR is set on shared build machines).
release=${CARGO_TARGET_DIR:-target}/release
# A free loopback port.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# The median of the numbers given.
median() { python3 -c "import statistics,sys; print(statistics.median(map(float,sys.argv[1:])))" "$@"; }
# Starts a release `blockwatt serve --offline` (on BLOCKWATT_DATABASE_URL) and
# the axum hello-world, each on a free port, logs under $1; waits (bounded)
# until both answer, and stops both when the script exits. Sets api_port
# and hello_port.
start_api_and_hello() {
  api_port=$(free_port); hello_port=$(free_port)
  "$release/blockwatt" serve --offline --addr "127.0.0.1:$api_port" >"$1/serve.log" 2>&1 &
  api_pid=$!
  "$release/examples/bench_serve" hello "127.0.0.1:$hello_port" >"$1/hello.log" 2>&1 &
  hello_pid=$!
  trap 'kill $api_pid $hello_pid 2>/dev/null || true' EXIT
  for port in $api_port $hello_port; do
    for _ in $(seq 1 300); do
      curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null && break
      curl -fsS -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null && break
      sleep 0.1
    done
  done
}

# What the bench scripts share; sourced from the repository root.
# Where cargo puts release binaries (CARGO_TARGET_DIR is set on shared build machines).
release=${CARGO_TARGET_DIR:-target}/release
# A free loopback port.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# The median of the numbers given.
median() { python3 -c "import statistics,sys; print(statistics.median(map(float,sys.argv[1:])))" "$@"; }

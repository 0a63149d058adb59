# blockwatt: built in the Rust image, run on slim Debian, both pinned.
# The SQLite store lives on the /data volume unless BLOCKWATT_DATABASE_URL
# names another (docker-compose.yml points it at ClickHouse).
FROM rust:1.95.0-slim-bookworm AS build
WORKDIR /src

# Dependencies in a layer of their own: the manifests, and stub sources
# for every crate, so a change to blockwatt's code rebuilds only blockwatt.
COPY Cargo.toml Cargo.lock ./
COPY domain/Cargo.toml domain/
COPY analytics/Cargo.toml analytics/
COPY store/Cargo.toml store/
COPY ingest/Cargo.toml ingest/
COPY service/Cargo.toml service/
COPY api/Cargo.toml api/
COPY testkit/Cargo.toml testkit/
RUN set -eu; \
    for crate in domain analytics store ingest service api testkit; do \
      mkdir -p "$crate/src" "$crate/benches" && : > "$crate/src/lib.rs"; \
    done; \
    for bench in analytics/benches/estimates store/benches/block_inserts ingest/benches/evm_decode; do \
      echo 'fn main() {}' > "$bench.rs"; \
    done; \
    mkdir -p src && echo 'fn main() {}' > src/main.rs; \
    cargo build --release --locked --bin blockwatt; \
    rm -rf src ./*/src ./*/benches

COPY . .
# The stubs' build outputs are older than the real sources: touch them so
# cargo rebuilds the workspace crates (and only those).
RUN touch src/main.rs ./*/src/lib.rs \
    && cargo build --release --locked --bin blockwatt

FROM debian:12.12-slim
# ca-certificates for https:// sources; curl for the health check.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /var/lib/blockwatt --create-home blockwatt \
    && mkdir -p /data && chown 10001:10001 /data
COPY --from=build /src/target/release/blockwatt /usr/local/bin/blockwatt
USER 10001
WORKDIR /var/lib/blockwatt
ENV BLOCKWATT_ADDR=0.0.0.0:8080 \
    BLOCKWATT_DATABASE_URL=sqlite:///data/blockwatt.db
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD ["curl", "-fsS", "http://127.0.0.1:8080/healthz"]
ENTRYPOINT ["blockwatt"]
CMD ["serve"]

# blockwatt: build in the Rust image, run on slim Debian.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin blockwatt

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* && useradd --system --home /var/lib/blockwatt blockwatt
COPY --from=build /src/target/release/blockwatt /usr/local/bin/blockwatt
USER blockwatt
WORKDIR /var/lib/blockwatt
ENV BLOCKWATT_ADDR=0.0.0.0:8080
EXPOSE 8080
ENTRYPOINT ["blockwatt"]
CMD ["serve"]

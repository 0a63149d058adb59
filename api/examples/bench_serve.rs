//! Serves either the API (the real models over the tests' seeded temporary
//! SQLite store) or a minimal axum hello-world, for comparing
//! throughput with wrk on the same machine in the same run:
//!
//! ```text
//! cargo run --release -p blockwatt-api --example bench_serve -- api 127.0.0.1:18080
//! cargo run --release -p blockwatt-api --example bench_serve -- hello 127.0.0.1:18081
//! wrk -t2 -c64 -d10s http://127.0.0.1:18080/v1/chains/bitcoin/footprint
//! wrk -t2 -c64 -d10s http://127.0.0.1:18081/
//! ```
//!
//! The rate limit is disabled (one wrk client would hit it at once).

#[path = "../tests/common/mod.rs"]
mod common;

use std::net::SocketAddr;

use axum::routing::get;
use axum::Router;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "api".to_owned());
    let addr: SocketAddr = args
        .next()
        .unwrap_or_else(|| "127.0.0.1:18080".to_owned())
        .parse()?;
    let (router, _keep) = match mode.as_str() {
        "hello" => (
            Router::new().route("/", get(|| async { "Hello, World!" })),
            None,
        ),
        _ => {
            let t = common::app().await;
            (t.router.clone(), Some(t))
        }
    };
    let listener = tokio::net::TcpListener::bind(addr).await?;
    eprintln!("{mode} on http://{addr}");
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .await?;
    Ok(())
}

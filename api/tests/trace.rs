//! The request span and events (the guard layer replaced tower-http's
//! TraceLayer; this keeps what it logged).

mod common;

use common::*;

/// Every request gets a span naming its method, route template and URI,
/// with a debug event when it starts and one with the status when done.
#[tokio::test]
async fn requests_are_traced_with_their_route() {
    #[derive(Clone, Default)]
    struct Buf(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
    impl std::io::Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("log buffer").extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let t = app().await;
    let buf = Buf::default();
    let writer = buf.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    // The test runtime is single-threaded: the default holds for the
    // request. Alone in its test binary, because tracing caches each
    // callsite's interest process-wide and tests running beside it on
    // other threads (no subscriber) race with that cache.
    let _guard = tracing::subscriber::set_default(subscriber);
    get(&t.router, "/v1/chains/bitcoin/footprint?method=cbeci-v1").await;
    get(&t.router, "/v1/chains/nochain/footprint").await;
    let log = String::from_utf8(buf.0.lock().expect("log buffer").clone()).expect("utf-8");
    assert!(
        log.contains(r#"route="/v1/chains/{chain}/footprint""#)
            && log.contains("uri=/v1/chains/bitcoin/footprint?method=cbeci-v1")
            && log.contains("started processing request")
            && log.contains("finished processing request status=200")
            && log.contains("status=404"),
        "{log}"
    );
}

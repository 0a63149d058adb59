//! Ingest progress on `/metrics`: the [`IngestCollector`] reads the
//! ingest board's counters at scrape time, so nothing is copied or
//! counted twice.

use std::sync::Arc;

use blockwatt_service::{ChainCounters, IngestBoard};

use prometheus::core::{Collector, Desc};
use prometheus::proto::MetricFamily;
use prometheus::{IntCounterVec, IntGaugeVec, Opts};

const LABELS: &[&str] = &["chain", "source"];

/// A gauge and how to read it (`None`: no sample, e.g. no write yet).
type GaugeOf = (IntGaugeVec, fn(&ChainCounters) -> Option<u64>);
type CounterOf = (IntCounterVec, fn(&ChainCounters) -> u64);

/// Fresh metric vectors per scrape: the values are the counters' current
/// values, so there is nothing to keep between scrapes.
struct Families {
    gauges: [GaugeOf; 4],
    counters: [CounterOf; 5],
}

impl Families {
    fn new() -> Result<Self, prometheus::Error> {
        let gauge = |name: &str, help: &str| IntGaugeVec::new(Opts::new(name, help), LABELS);
        let counter = |name: &str, help: &str| IntCounterVec::new(Opts::new(name, help), LABELS);
        Ok(Families {
            gauges: [
                (
                    gauge(
                        "blockwatt_ingest_height",
                        "Highest block height durably written",
                    )?,
                    |s| Some(s.counters.height),
                ),
                (
                    gauge("blockwatt_ingest_tip", "Source tip height seen last")?,
                    |s| Some(s.counters.tip),
                ),
                (
                    gauge(
                        "blockwatt_ingest_lag_blocks",
                        "Source tip minus the height written",
                    )?,
                    |s| Some(s.counters.lag),
                ),
                (
                    gauge(
                        "blockwatt_ingest_last_write_timestamp_seconds",
                        "Unix time of the last batch durably written (absent before the first)",
                    )?,
                    |s| s.counters.last_write_unix,
                ),
            ],
            counters: [
                (
                    counter(
                        "blockwatt_ingest_requests_total",
                        "HTTP requests sent to the source (a JSON-RPC batch counts once)",
                    )?,
                    |s| s.counters.requests,
                ),
                (
                    counter(
                        "blockwatt_ingest_errors_total",
                        "Failed requests to the source, retried or not",
                    )?,
                    |s| s.counters.errors,
                ),
                (
                    counter(
                        "blockwatt_ingest_retries_total",
                        "Requests retried after a transient failure",
                    )?,
                    |s| s.counters.retries,
                ),
                (
                    counter(
                        "blockwatt_ingest_blocks_written_total",
                        "Blocks durably written",
                    )?,
                    |s| s.counters.blocks_written,
                ),
                (
                    counter("blockwatt_ingest_reorgs_total", "Reorganisations repaired")?,
                    |s| s.counters.reorgs,
                ),
            ],
        })
    }

    fn fill(&self, samples: &[ChainCounters]) {
        for s in samples {
            let labels = [s.chain.as_str(), s.source.as_str()];
            for (vec, value) in &self.gauges {
                if let Some(v) = value(s) {
                    vec.with_label_values(&labels)
                        .set(i64::try_from(v).unwrap_or(i64::MAX));
                }
            }
            for (vec, value) in &self.counters {
                vec.with_label_values(&labels).inc_by(value(s));
            }
        }
    }

    fn descs(&self) -> Vec<&Desc> {
        let gauges = self.gauges.iter().flat_map(|(v, _)| v.desc());
        gauges
            .chain(self.counters.iter().flat_map(|(v, _)| v.desc()))
            .collect()
    }

    fn collect(&self) -> Vec<MetricFamily> {
        let gauges = self.gauges.iter().flat_map(|(v, _)| v.collect());
        gauges
            .chain(self.counters.iter().flat_map(|(v, _)| v.collect()))
            // A vector with no sample yet (no chain) renders nothing.
            .filter(|f| !f.get_metric().is_empty())
            .collect()
    }
}

/// A [`Collector`] reading the ingest counters at scrape time.
pub struct IngestCollector {
    board: Arc<IngestBoard>,
    /// Only for [`Collector::desc`], which the registry checks once.
    template: Families,
}

impl IngestCollector {
    pub fn new(board: Arc<IngestBoard>) -> Result<Self, prometheus::Error> {
        Ok(IngestCollector {
            board,
            template: Families::new()?,
        })
    }
}

impl Collector for IngestCollector {
    fn desc(&self) -> Vec<&Desc> {
        self.template.descs()
    }

    fn collect(&self) -> Vec<MetricFamily> {
        // Same names and help as the template, which was built already:
        // this cannot fail, and a scrape must not panic if it ever did.
        let Ok(families) = Families::new() else {
            tracing::error!("cannot build the ingest metric families");
            return Vec::new();
        };
        families.fill(&self.board.snapshot());
        families.collect()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering;

    use prometheus::{Encoder, Registry, TextEncoder};

    use super::*;

    fn render(board: Arc<IngestBoard>) -> String {
        let registry = Registry::new();
        registry
            .register(Box::new(IngestCollector::new(board).expect("collector")))
            .expect("register");
        let mut buf = Vec::new();
        TextEncoder::new()
            .encode(&registry.gather(), &mut buf)
            .expect("encode");
        String::from_utf8(buf).expect("utf-8")
    }

    #[test]
    fn every_counter_is_exported_per_chain_and_source() {
        let board = Arc::new(IngestBoard::default());
        let devnet = board.counters("devnet", "evm", true);
        for (counter, value) in [
            (&devnet.height, 40),
            (&devnet.tip, 42),
            (&devnet.requests, 17),
            (&devnet.errors, 3),
            (&devnet.retries, 2),
            (&devnet.blocks_written, 41),
            (&devnet.reorgs, 1),
            (&devnet.last_write_unix, 1_764_000_000),
        ] {
            counter.store(value, Ordering::Relaxed);
        }
        board
            .counters("bitcoin", "esplora", false)
            .tip
            .store(900_000, Ordering::Relaxed);
        let text = render(board);
        for line in [
            r#"blockwatt_ingest_height{chain="devnet",source="evm"} 40"#,
            r#"blockwatt_ingest_tip{chain="devnet",source="evm"} 42"#,
            r#"blockwatt_ingest_lag_blocks{chain="devnet",source="evm"} 2"#,
            r#"blockwatt_ingest_requests_total{chain="devnet",source="evm"} 17"#,
            r#"blockwatt_ingest_errors_total{chain="devnet",source="evm"} 3"#,
            r#"blockwatt_ingest_retries_total{chain="devnet",source="evm"} 2"#,
            r#"blockwatt_ingest_blocks_written_total{chain="devnet",source="evm"} 41"#,
            r#"blockwatt_ingest_reorgs_total{chain="devnet",source="evm"} 1"#,
            r#"blockwatt_ingest_last_write_timestamp_seconds{chain="devnet",source="evm"} 1764000000"#,
            r#"blockwatt_ingest_lag_blocks{chain="bitcoin",source="esplora"} 900000"#,
            "# TYPE blockwatt_ingest_requests_total counter",
            "# TYPE blockwatt_ingest_height gauge",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "missing {line:?} in\n{text}"
            );
        }
        // Nothing written yet: no timestamp rather than a 1970 one.
        assert!(
            !text.contains(r#"last_write_timestamp_seconds{chain="bitcoin""#),
            "{text}"
        );
    }

    #[test]
    fn values_are_read_at_each_scrape() {
        let board = Arc::new(IngestBoard::default());
        let devnet = board.counters("devnet", "evm", true);
        devnet.height.store(1, Ordering::Relaxed);
        let collector = IngestCollector::new(Arc::clone(&board)).expect("collector");
        let height = |c: &IngestCollector| {
            c.collect()
                .iter()
                .find(|f| f.name() == "blockwatt_ingest_height")
                .map(|f| f.get_metric()[0].get_gauge().get_value())
        };
        assert_eq!(height(&collector), Some(1.0));
        devnet.height.store(5, Ordering::Relaxed);
        assert_eq!(height(&collector), Some(5.0));
    }

    #[test]
    fn no_chain_renders_no_ingest_metric() {
        assert_eq!(render(Arc::default()), "");
    }
}

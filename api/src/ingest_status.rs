//! Ingest progress on `/metrics` and in `/readyz`. The binary owns the
//! counters (they live in the ingest crate, which this crate does not
//! depend on) and hands the API an [`IngestProbe`] that reads them; the
//! [`IngestCollector`] calls it at scrape time, so nothing is copied or
//! counted twice.

use std::sync::Arc;

use prometheus::core::{Collector, Desc};
use prometheus::proto::MetricFamily;
use prometheus::{IntCounterVec, IntGaugeVec, Opts};

/// One chain's ingest counters, read now.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IngestSample {
    pub chain: String,
    /// The source kind (`evm`, `bitcoin-rpc`, `esplora`).
    pub source: String,
    /// Followed by this server (readiness applies) rather than backfilled.
    pub followed: bool,
    pub height: u64,
    pub tip: u64,
    pub lag_blocks: u64,
    pub requests: u64,
    pub errors: u64,
    pub retries: u64,
    pub blocks_written: u64,
    pub reorgs: u64,
    /// Unix seconds of the last durable write; `None` before the first.
    pub last_write_unix: Option<u64>,
}

/// Reads every chain's counters; called per scrape and per `/readyz`.
pub type IngestProbe = Arc<dyn Fn() -> Vec<IngestSample> + Send + Sync>;

const LABELS: &[&str] = &["chain", "source"];

/// A gauge and how to read it (`None`: no sample, e.g. no write yet).
type GaugeOf = (IntGaugeVec, fn(&IngestSample) -> Option<u64>);
type CounterOf = (IntCounterVec, fn(&IngestSample) -> u64);

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
                    |s| Some(s.height),
                ),
                (
                    gauge("blockwatt_ingest_tip", "Source tip height seen last")?,
                    |s| Some(s.tip),
                ),
                (
                    gauge(
                        "blockwatt_ingest_lag_blocks",
                        "Source tip minus the height written",
                    )?,
                    |s| Some(s.lag_blocks),
                ),
                (
                    gauge(
                        "blockwatt_ingest_last_write_timestamp_seconds",
                        "Unix time of the last batch durably written (absent before the first)",
                    )?,
                    |s| s.last_write_unix,
                ),
            ],
            counters: [
                (
                    counter(
                        "blockwatt_ingest_requests_total",
                        "HTTP requests sent to the source (a JSON-RPC batch counts once)",
                    )?,
                    |s| s.requests,
                ),
                (
                    counter(
                        "blockwatt_ingest_errors_total",
                        "Failed requests to the source, retried or not",
                    )?,
                    |s| s.errors,
                ),
                (
                    counter(
                        "blockwatt_ingest_retries_total",
                        "Requests retried after a transient failure",
                    )?,
                    |s| s.retries,
                ),
                (
                    counter(
                        "blockwatt_ingest_blocks_written_total",
                        "Blocks durably written",
                    )?,
                    |s| s.blocks_written,
                ),
                (
                    counter("blockwatt_ingest_reorgs_total", "Reorganisations repaired")?,
                    |s| s.reorgs,
                ),
            ],
        })
    }

    fn fill(&self, samples: &[IngestSample]) {
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
    probe: IngestProbe,
    /// Only for [`Collector::desc`], which the registry checks once.
    template: Families,
}

impl IngestCollector {
    pub fn new(probe: IngestProbe) -> Result<Self, prometheus::Error> {
        Ok(IngestCollector {
            probe,
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
        families.fill(&(self.probe)());
        families.collect()
    }
}

#[cfg(test)]
mod tests {
    use prometheus::{Encoder, Registry, TextEncoder};

    use super::*;

    fn render(samples: Vec<IngestSample>) -> String {
        let registry = Registry::new();
        let probe: IngestProbe = Arc::new(move || samples.clone());
        registry
            .register(Box::new(IngestCollector::new(probe).expect("collector")))
            .expect("register");
        let mut buf = Vec::new();
        TextEncoder::new()
            .encode(&registry.gather(), &mut buf)
            .expect("encode");
        String::from_utf8(buf).expect("utf-8")
    }

    #[test]
    fn every_counter_is_exported_per_chain_and_source() {
        let text = render(vec![
            IngestSample {
                chain: "devnet".into(),
                source: "evm".into(),
                followed: true,
                height: 40,
                tip: 42,
                lag_blocks: 2,
                requests: 17,
                errors: 3,
                retries: 2,
                blocks_written: 41,
                reorgs: 1,
                last_write_unix: Some(1_764_000_000),
            },
            IngestSample {
                chain: "bitcoin".into(),
                source: "esplora".into(),
                tip: 900_000,
                lag_blocks: 900_000,
                ..IngestSample::default()
            },
        ]);
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
        let n = Arc::new(std::sync::atomic::AtomicU64::new(1));
        let seen = Arc::clone(&n);
        let probe: IngestProbe = Arc::new(move || {
            vec![IngestSample {
                chain: "devnet".into(),
                source: "evm".into(),
                height: seen.load(std::sync::atomic::Ordering::Relaxed),
                ..IngestSample::default()
            }]
        });
        let collector = IngestCollector::new(probe).expect("collector");
        let height = |c: &IngestCollector| {
            c.collect()
                .iter()
                .find(|f| f.name() == "blockwatt_ingest_height")
                .map(|f| f.get_metric()[0].get_gauge().get_value())
        };
        assert_eq!(height(&collector), Some(1.0));
        n.store(5, std::sync::atomic::Ordering::Relaxed);
        assert_eq!(height(&collector), Some(5.0));
    }

    #[test]
    fn no_chain_renders_no_ingest_metric() {
        assert_eq!(render(Vec::new()), "");
    }
}

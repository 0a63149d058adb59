//! Where our own figures and a provider's disagree, on `/metrics`: the
//! [`AgreementCollector`] reads the service's agreement board at scrape
//! time (the newest compared day per chain, field and provider).

use std::sync::Arc;

use blockwatt_service::inputs::AgreementBoard;
use prometheus::core::{Collector, Desc};
use prometheus::proto::MetricFamily;
use prometheus::{GaugeVec, Opts};

const LABELS: &[&str] = &["chain", "field", "source"];

fn families() -> Result<(GaugeVec, GaugeVec), prometheus::Error> {
    Ok((
        GaugeVec::new(
            Opts::new(
                "blockwatt_source_relative_difference",
                "(provider − ours) / ours for a daily input both our blocks and the provider gave, on the newest day compared",
            ),
            LABELS,
        )?,
        GaugeVec::new(
            Opts::new(
                "blockwatt_source_compared_day_timestamp_seconds",
                "Unix time of the UTC day the relative difference is of",
            ),
            LABELS,
        )?,
    ))
}

pub struct AgreementCollector {
    board: Arc<AgreementBoard>,
    /// Only for [`Collector::desc`].
    template: (GaugeVec, GaugeVec),
}

impl AgreementCollector {
    pub fn new(board: Arc<AgreementBoard>) -> Result<Self, prometheus::Error> {
        Ok(AgreementCollector {
            board,
            template: families()?,
        })
    }
}

impl Collector for AgreementCollector {
    fn desc(&self) -> Vec<&Desc> {
        self.template
            .0
            .desc()
            .into_iter()
            .chain(self.template.1.desc())
            .collect()
    }

    fn collect(&self) -> Vec<MetricFamily> {
        let Ok((rel, day)) = families() else {
            return Vec::new();
        };
        for a in self.board.snapshot() {
            let labels = [a.chain.as_str(), a.field.as_str(), a.source.as_str()];
            if let Some(r) = a.relative_difference {
                rel.with_label_values(&labels).set(r);
            }
            let midnight = a
                .day
                .and_hms_opt(0, 0, 0)
                .map(|t| t.and_utc().timestamp())
                .unwrap_or(0);
            day.with_label_values(&labels).set(midnight as f64);
        }
        rel.collect()
            .into_iter()
            .chain(day.collect())
            .filter(|f| !f.get_metric().is_empty())
            .collect()
    }
}

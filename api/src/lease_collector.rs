//! Whether this instance holds the store's lease (and so runs the
//! background work), on `/metrics` as `blockwatt_lease_held`, read from
//! the lease keeper at scrape time.

use prometheus::core::{Collector, Desc};
use prometheus::proto::MetricFamily;
use prometheus::{IntGauge, Opts};
use tokio::sync::watch;

fn gauge() -> Result<IntGauge, prometheus::Error> {
    IntGauge::with_opts(Opts::new(
        "blockwatt_lease_held",
        "1 while this instance holds the store's lease and runs the background work (following chains, syncing providers, publishing the daily index), else 0",
    ))
}

pub struct LeaseCollector {
    held: watch::Receiver<bool>,
    /// Only for [`Collector::desc`].
    template: IntGauge,
}

impl LeaseCollector {
    pub fn new(held: watch::Receiver<bool>) -> Result<Self, prometheus::Error> {
        Ok(LeaseCollector {
            held,
            template: gauge()?,
        })
    }
}

impl Collector for LeaseCollector {
    fn desc(&self) -> Vec<&Desc> {
        self.template.desc()
    }

    fn collect(&self) -> Vec<MetricFamily> {
        let Ok(g) = gauge() else {
            return Vec::new();
        };
        g.set(i64::from(*self.held.borrow()));
        g.collect()
    }
}

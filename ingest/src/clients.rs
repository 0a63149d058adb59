//! One client per configured chain source, built once by `serve` and
//! shared by everything that talks to that chain's node: the follower, the
//! transaction lookup and admin backfills.
//!
//! Each `HttpClient` owns a rate limiter, a bound on requests in flight and
//! a connection pool. Built separately per user, a followed chain's node
//! saw up to twice its `rate_limit_per_s` (follower + lookup); sharing the
//! source object shares all three.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::evm::EvmSource;
use crate::pipeline::{build_source, BuiltSource};
use crate::{ChainSourceConfig, IngestCounters, IngestOptions, Ingester, Source};

/// A chain's shared source, as the pipeline drives it and, for EVM chains,
/// typed for the transaction lookup.
pub struct ChainClient {
    pub ingester: Arc<Ingester>,
    pub evm: Option<Arc<EvmSource>>,
}

/// Per configured chain: its client, or why it could not be built (say,
/// an EVM chain without chain_id), which its users report.
pub struct ChainClients {
    chains: BTreeMap<String, Result<ChainClient, String>>,
}

impl ChainClients {
    /// `counters` names where each chain's requests are counted (`serve`
    /// passes its ingest board's for followed chains).
    pub fn new(
        chains: &BTreeMap<String, ChainSourceConfig>,
        counters: impl Fn(&str, &ChainSourceConfig) -> Arc<IngestCounters>,
    ) -> Self {
        let chains = chains
            .iter()
            .map(|(chain, cfg)| {
                let client = build(chain, cfg, counters(chain, cfg));
                if let Err(e) = &client {
                    tracing::warn!(%chain, error = %e, "no client for this chain: not followed, not looked up");
                }
                (chain.clone(), client)
            })
            .collect();
        ChainClients { chains }
    }

    /// The chain's client; `Err` says why there is none.
    pub fn get(&self, chain: &str) -> Result<&ChainClient, String> {
        match self.chains.get(chain) {
            Some(Ok(c)) => Ok(c),
            Some(Err(e)) => Err(e.clone()),
            None => Err(format!(
                "chain {chain:?} has no source in the configuration"
            )),
        }
    }

    /// What followers, admin backfills and benches run.
    pub fn ingester(&self, chain: &str) -> Result<Arc<Ingester>, String> {
        self.get(chain).map(|c| Arc::clone(&c.ingester))
    }

    /// EVM chains whose client could be built, for the transaction lookup.
    pub fn evm_sources(&self) -> impl Iterator<Item = (&str, &Arc<EvmSource>)> {
        self.chains.iter().filter_map(|(chain, c)| {
            c.as_ref()
                .ok()
                .and_then(|c| c.evm.as_ref())
                .map(|evm| (chain.as_str(), evm))
        })
    }
}

fn build(
    chain: &str,
    cfg: &ChainSourceConfig,
    counters: Arc<IngestCounters>,
) -> Result<ChainClient, String> {
    let built = build_source(cfg, chain, Arc::clone(&counters)).map_err(|e| e.to_string())?;
    let (source, evm): (Arc<dyn Source>, _) = match built {
        BuiltSource::Evm(evm) => (evm.clone(), Some(evm)),
        BuiltSource::Other(source) => (source, None),
    };
    Ok(ChainClient {
        ingester: Arc::new(Ingester::new(
            source,
            IngestOptions::from_config(cfg),
            counters,
        )),
        evm,
    })
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;
    use crate::SourceKind;

    fn devnet(url: &str, per_s: u32) -> BTreeMap<String, ChainSourceConfig> {
        let mut cfg = ChainSourceConfig::new(SourceKind::Evm, url);
        cfg.chain_id = Some(31337);
        cfg.rate_limit_per_s = per_s;
        BTreeMap::from([("devnet".to_owned(), cfg)])
    }

    fn same_object(a: &Arc<dyn Source>, b: &Arc<EvmSource>) -> bool {
        std::ptr::addr_eq(Arc::as_ptr(a), Arc::as_ptr(b))
    }

    #[test]
    fn follower_and_lookup_share_one_source() {
        let mut chains = devnet("http://127.0.0.1:9", 5);
        let mut bad = ChainSourceConfig::new(SourceKind::Evm, "http://127.0.0.1:9");
        bad.chain_id = None;
        chains.insert("nochainid".into(), bad);
        let clients = ChainClients::new(&chains, |_, _| Arc::default());
        let follower = clients.ingester("devnet").unwrap().source();
        let evm: Vec<_> = clients.evm_sources().collect();
        assert_eq!(evm.len(), 1, "the chain without chain_id has no client");
        assert_eq!(evm[0].0, "devnet");
        assert!(same_object(&follower, evm[0].1));
        // Asked twice, the registry hands out the same object, not a copy.
        assert!(same_object(
            &clients.ingester("devnet").unwrap().source(),
            evm[0].1
        ));
        let why = clients.ingester("nochainid").err().unwrap();
        assert!(why.contains("chain_id"), "{why}");
    }

    /// One request per second for the chain, whoever asks: three requests,
    /// two through the typed EVM client (the lookup's) and one from the
    /// follower's source, cannot all
    /// be sent within less than two seconds. (Separate limiters would let
    /// all three go at once.) A lower bound only: a slow machine cannot
    /// make it fail.
    #[tokio::test]
    async fn the_rate_limit_holds_across_users() {
        let Some(mut anvil) = blockwatt_testkit::AnvilNode::start(
            "ingest::clients::the_rate_limit_holds_across_users",
            None,
        ) else {
            return;
        };
        let url = anvil.url.clone();
        let clients = ChainClients::new(&devnet(&url, 1), |_, _| Arc::default());
        let (_, evm) = clients.evm_sources().next().unwrap();
        let evm = Arc::clone(evm);
        let follower = clients.ingester("devnet").unwrap().source();
        let txid = format!("0x{}", "ab".repeat(32));
        let started = Instant::now();
        let (a, b, c) = tokio::join!(
            evm.transaction(&txid),
            evm.transaction(&txid),
            follower.check(),
        );
        let elapsed = started.elapsed();
        anvil.kill();
        assert!(a.unwrap().is_none() && b.unwrap().is_none());
        c.unwrap();
        assert!(
            elapsed >= Duration::from_millis(1_900),
            "3 requests at 1/s took {elapsed:?}: the limiter is not shared"
        );
    }
}

//! Transactions the store lacks, looked up at the chain's configured node
//! for `GET /v1/chains/{chain}/transactions/{txid}/footprint` (the API then
//! keeps them in the store).

use std::collections::BTreeMap;
use std::sync::Arc;

use blockwatt_domain::Transaction;
use blockwatt_ingest::evm::EvmSource;
use blockwatt_ingest::ChainClients;

/// The EVM clients of [`ChainClients`]: the same objects (rate limit,
/// connection pool) the followers use. Chains with another kind of source
/// (Esplora, Bitcoin Core RPC) are not looked up: [`ChainLookup::covers`]
/// says so, and the API answers that no source is configured, until those
/// sources grow a lookup.
#[derive(Default)]
pub struct ChainLookup {
    evm: BTreeMap<String, Arc<EvmSource>>,
}

impl ChainLookup {
    /// Chains whose client could not be built are left out: `serve` warns
    /// about them once, and ingest reports them.
    pub fn new(clients: &ChainClients) -> Self {
        let evm = clients
            .evm_sources()
            .map(|(chain, source)| (chain.to_owned(), Arc::clone(source)))
            .collect();
        ChainLookup { evm }
    }

    /// Whether `chain` has a source transactions can be looked up at.
    pub fn covers(&self, chain: &str) -> bool {
        self.evm.contains_key(chain)
    }

    /// The chain's EVM node, for reads the service composes itself (block
    /// headers, receipts); `None` when no EVM source covers the chain.
    pub(crate) fn source(&self, chain: &str) -> Option<&Arc<EvmSource>> {
        self.evm.get(chain)
    }

    /// The transaction from the chain's node: `Ok(None)` when the node
    /// does not know it, or no source covers the chain.
    pub async fn transaction(
        &self,
        chain: &str,
        txid: &str,
    ) -> Result<Option<Transaction>, LookupError> {
        let Some(source) = self.evm.get(chain) else {
            return Ok(None);
        };
        let Some(txid) = evm_txid(txid) else {
            return Ok(None);
        };
        source
            .transaction(&txid)
            .await
            .map_err(|e| LookupError(e.to_string()))
    }
}

impl ChainLookup {
    /// The transactions of blocks `from ..= to` that made `contract` log,
    /// counted at the chain's node (`eth_getLogs`); `Ok(None)` when no EVM
    /// source covers the chain.
    pub async fn contract_txs(
        &self,
        chain: &str,
        contract: &str,
        from: u64,
        to: u64,
    ) -> Result<Option<Vec<blockwatt_ingest::contract_logs::ContractTx>>, LookupError> {
        let Some(source) = self.evm.get(chain) else {
            return Ok(None);
        };
        source
            .contract_txs(contract, from, to)
            .await
            .map(Some)
            .map_err(|e| LookupError(e.to_string()))
    }
}

/// The chain's source failed; the client may retry.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("transaction source: {0}")]
pub struct LookupError(pub String);

/// The API accepts 64 hex digits with or without `0x` (and base58 ids for
/// other chains); an EVM node only knows the `0x` form, and a base58 id
/// cannot name an EVM transaction at all.
fn evm_txid(txid: &str) -> Option<String> {
    let hex = txid.strip_prefix("0x").unwrap_or(txid);
    (hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| format!("0x{}", hex.to_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use blockwatt_ingest::{ChainSourceConfig, SourceKind};

    use super::*;

    /// The lookup holds the very client the follower drives (its rate
    /// limit and pool), not a copy.
    #[test]
    fn the_lookup_shares_the_followers_client() {
        let mut cfg = ChainSourceConfig::new(SourceKind::Evm, "http://127.0.0.1:9");
        cfg.chain_id = Some(31337);
        let clients = ChainClients::new(&BTreeMap::from([("devnet".into(), cfg)]), |_, _| {
            Arc::default()
        });
        let follower = clients.ingester("devnet").unwrap().source();
        let lookup = ChainLookup::new(&clients);
        let typed = lookup.source("devnet").unwrap();
        assert!(std::ptr::addr_eq(
            Arc::as_ptr(&follower),
            Arc::as_ptr(typed)
        ));
        assert!(lookup.covers("devnet") && !lookup.covers("bitcoin"));
    }

    #[test]
    fn only_hex_ids_reach_an_evm_node() {
        let hex = "ab".repeat(32);
        assert_eq!(evm_txid(&hex), Some(format!("0x{hex}")));
        assert_eq!(
            evm_txid(&format!("0x{}", hex.to_uppercase())),
            Some(format!("0x{hex}"))
        );
        assert_eq!(evm_txid("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"), None);
        assert_eq!(evm_txid("0x12"), None);
    }
}

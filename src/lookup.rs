//! Transactions the store lacks, looked up at the chain's configured node
//! for `GET /v1/chains/{chain}/transactions/{txid}/footprint` (the API then
//! keeps them in the store).

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use blockwatt_api::{SourceError, TransactionSource};
use blockwatt_domain::Transaction;
use blockwatt_ingest::evm::EvmSource;

use crate::clients::ChainClients;

/// The EVM clients of [`ChainClients`]: the same objects (rate limit,
/// connection pool) the followers use. Chains with another kind of source
/// (Esplora, Bitcoin Core RPC) are not looked up:
/// [`TransactionSource::transaction`] answers `Ok(None)` for them, which the
/// API reports as a 404 "not ingested", until those sources grow a lookup.
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

    #[cfg(test)]
    pub fn source(&self, chain: &str) -> Option<&Arc<EvmSource>> {
        self.evm.get(chain)
    }
}

/// The API accepts 64 hex digits with or without `0x` (and base58 ids for
/// other chains); an EVM node only knows the `0x` form, and a base58 id
/// cannot name an EVM transaction at all.
fn evm_txid(txid: &str) -> Option<String> {
    let hex = txid.strip_prefix("0x").unwrap_or(txid);
    (hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| format!("0x{}", hex.to_ascii_lowercase()))
}

#[async_trait]
impl TransactionSource for ChainLookup {
    async fn transaction(
        &self,
        chain: &str,
        txid: &str,
    ) -> Result<Option<Transaction>, SourceError> {
        let Some(source) = self.evm.get(chain) else {
            return Ok(None);
        };
        let Some(txid) = evm_txid(txid) else {
            return Ok(None);
        };
        source
            .transaction(&txid)
            .await
            .map_err(|e| SourceError(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::evm_txid;

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

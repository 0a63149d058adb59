//! Transactions the store lacks, looked up at the chain's configured node
//! for `GET /v1/chains/{chain}/transactions/{txid}/footprint` (the API then
//! keeps them in the store).

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use blockwatt_api::{SourceError, TransactionSource};
use blockwatt_domain::Transaction;
use blockwatt_ingest::evm::EvmSource;
use blockwatt_ingest::{IngestCounters, SourceKind};

use crate::config::Settings;

/// One EVM client per configured chain whose source is `evm`. Chains with
/// another kind of source (Esplora, Bitcoin Core RPC) are not looked up:
/// [`TransactionSource::transaction`] answers `Ok(None)` for them, which the
/// API reports as a 404 "not ingested", until those sources grow a lookup.
pub struct ChainLookup {
    evm: BTreeMap<String, EvmSource>,
}

impl ChainLookup {
    /// Chains whose client cannot be built (say, no chain_id) are left out
    /// with a warning rather than stopping `serve`: ingest reports them.
    pub fn from_settings(settings: &Settings) -> Self {
        // Lookups are not ingestion: their counters stay out of /metrics.
        let counters = Arc::new(IngestCounters::default());
        let mut evm = BTreeMap::new();
        for (chain, cfg) in &settings.chains {
            if cfg.kind != SourceKind::Evm {
                continue;
            }
            match EvmSource::new(chain, cfg, Arc::clone(&counters)) {
                Ok(source) => {
                    evm.insert(chain.clone(), source);
                }
                Err(e) => tracing::warn!(%chain, error = %e, "no transaction lookup"),
            }
        }
        ChainLookup { evm }
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

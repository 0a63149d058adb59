use serde::{Deserialize, Serialize};

/// The last block a source has durably written for a chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub chain: String,
    /// Which ingester wrote it (`evm`, `bitcoin-rpc`, `esplora`): two sources
    /// may follow one chain independently.
    pub source: String,
    pub height: u64,
    pub hash: String,
}

//! The supported chains as every interface lists them: from the
//! catalogue, read once.

use blockwatt_analytics::{chain_profiles, Catalogues, Consensus};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One supported chain. Coverage and freshness come from the store, not
/// from here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ChainInfo {
    /// Lower-case slug (`bitcoin`, `ethereum-classic`).
    pub slug: String,
    /// Human name (`Bitcoin`).
    pub name: String,
    /// The chain's consensus today.
    pub consensus: Consensus,
    /// Mining algorithm for proof of work (`sha256`), absent otherwise.
    pub algorithm: Option<String>,
    /// The method used when a request names none.
    pub default_method: String,
    /// Every method valid on some day of the chain's history, the default included.
    pub methods: Vec<String>,
    /// The chain's first UTC day (genesis); no figure exists before it.
    pub launched: Option<chrono::NaiveDate>,
    /// Listed in `/v1/chains`, compared and published. False for a local
    /// test chain (devnet) unless the configuration's `public_chains`
    /// names it.
    pub public: bool,
}

impl ChainInfo {
    /// `requested` if the chain has it, else the default; an unknown
    /// method is an error naming the ones that work.
    pub fn method<'a>(
        &'a self,
        requested: Option<&'a str>,
    ) -> Result<&'a str, crate::ServiceError> {
        match requested {
            None => Ok(&self.default_method),
            Some(m) if self.methods.iter().any(|x| x == m) => Ok(m),
            Some(m) => Err(crate::ServiceError::UnknownMethod {
                chain: self.slug.clone(),
                method: m.to_owned(),
                valid: self.methods.clone(),
            }),
        }
    }
}

/// Every chain of the catalogue, in catalogue order.
pub fn chains(catalogues: &Catalogues) -> Vec<ChainInfo> {
    chain_profiles(catalogues)
        .into_iter()
        .map(|p| ChainInfo {
            consensus: p.consensus,
            slug: p.chain,
            name: p.name,
            algorithm: p.algorithm.map(str::to_owned),
            default_method: p.default_method,
            methods: p.methods.into_iter().map(str::to_owned).collect(),
            launched: p.launched,
            public: p.public,
        })
        .collect()
}

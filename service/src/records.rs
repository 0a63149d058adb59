//! Stored records as the interfaces read them: blocks, transactions (the
//! store's, else the chain's node's), coverage and published indices. The
//! API reaches the store only through here, so requests run one way:
//! interface → service → store.

use blockwatt_domain::{Block, IndexSnapshot, Transaction};
use blockwatt_store::IndexListing;
use chrono::NaiveDate;

use crate::{ChainLookup, Footprints, ServiceError};

/// What the chain's node said of a transaction the store lacks.
#[derive(Debug, Clone, PartialEq)]
pub enum LookedUp {
    /// Known to the node; now kept in the store too.
    Found(Transaction),
    /// Not known to the node.
    Unknown,
    /// No node is configured to look the chain's transactions up at.
    NoSource,
}

impl Footprints {
    /// `sqlite` or `clickhouse`.
    pub fn backend(&self) -> &'static str {
        self.store().backend()
    }

    /// A cheap round trip proving the store answers.
    pub async fn ping(&self) -> Result<(), ServiceError> {
        Ok(self.store().ping().await?)
    }

    /// First and last day with daily metrics of `chain`.
    pub async fn coverage(
        &self,
        chain: &str,
    ) -> Result<Option<(NaiveDate, NaiveDate)>, ServiceError> {
        Ok(self.store().daily_coverage(chain).await?)
    }

    /// The highest stored block of `chain`.
    pub async fn tip(&self, chain: &str) -> Result<Option<Block>, ServiceError> {
        Ok(self.store().tip(chain).await?)
    }

    pub async fn block_at(&self, chain: &str, height: u64) -> Result<Option<Block>, ServiceError> {
        Ok(self.store().block(chain, height).await?)
    }

    /// The stored block `tx` names (`Store::block_of`): read by height,
    /// a key range; by hash the store would scan the chain's blocks.
    pub async fn block_of(&self, tx: &Transaction) -> Result<Option<Block>, ServiceError> {
        Ok(self.store().block_of(tx).await?)
    }

    pub async fn block_by_hash(
        &self,
        chain: &str,
        hash: &str,
    ) -> Result<Option<Block>, ServiceError> {
        Ok(self.store().block_by_hash(chain, hash).await?)
    }

    /// A stored transaction and its block (see [`Footprints::block_of`]),
    /// read side by side where the store can.
    pub async fn stored_transaction_with_block(
        &self,
        chain: &str,
        txid: &str,
    ) -> Result<Option<(Transaction, Option<Block>)>, ServiceError> {
        Ok(self.store().transaction_with_block(chain, txid).await?)
    }

    /// A transaction the store lacks, from the chain's node through
    /// `lookup`; one found is kept, so the next request is served from the
    /// store.
    pub async fn look_up_transaction(
        &self,
        chain: &str,
        txid: &str,
        lookup: Option<&ChainLookup>,
    ) -> Result<LookedUp, ServiceError> {
        let Some(lookup) = lookup.filter(|l| l.covers(chain)) else {
            return Ok(LookedUp::NoSource);
        };
        let Some(tx) = lookup
            .transaction(chain, txid)
            .await
            .map_err(|e| ServiceError::Unavailable(e.to_string()))?
        else {
            return Ok(LookedUp::Unknown);
        };
        if tx.chain != chain {
            return Err(ServiceError::Internal(format!(
                "the source of {chain} returned a transaction of {}",
                tx.chain
            )));
        }
        // The answer stands even if keeping it fails; the next request
        // looks it up again.
        if let Err(e) = self
            .store()
            .write_transactions(std::slice::from_ref(&tx))
            .await
        {
            tracing::warn!(error = %e, %txid, "could not keep a looked-up transaction");
        }
        Ok(LookedUp::Found(tx))
    }

    /// Every published (date, version), without bodies.
    pub async fn published_indices(&self) -> Result<Vec<IndexListing>, ServiceError> {
        Ok(self.store().indices().await?)
    }

    /// One published index; `version: None` is the day's latest.
    pub async fn published_index(
        &self,
        date: NaiveDate,
        version: Option<u32>,
    ) -> Result<Option<IndexSnapshot>, ServiceError> {
        Ok(self.store().index(date, version).await?)
    }
}

//! MiCA sustainability disclosures (Delegated Regulation (EU) 2025/422) of
//! a crypto-asset over a period: every field of the Annex, from the stored
//! estimates. A chain's native coin carries its chain's footprint; a token
//! carries, on each host chain and each day, the chain's footprint times
//! the token's share of the day's transactions (the transactions that make
//! its contract log, counted at the chain's node) or gas, summed over its
//! hosts. Days whose blocks are not stored take the share of a sample of
//! the node's blocks, with its interval (`contract_sample`).

use std::collections::{BTreeMap, BTreeSet};

use blockwatt_analytics::mica::HostNotCounted;
use blockwatt_analytics::node_hardware::{embodied_t_per_year, set_embodied_t_per_year};
use blockwatt_analytics::{Asset, Disclosure, Params, Period};
use blockwatt_domain::{DailyMetrics, Estimate};
use chrono::NaiveDate;

use crate::contracts::{allocate, ContractAllocation};
use crate::lookup::ChainLookup;
use crate::{EstimateParams, Footprints, ServiceError};

impl Footprints {
    /// The disclosure of `asset` (a chain's slug for its native coin, or a
    /// listed token's id) for `period`, or for the last full calendar year
    /// before `today` when `period` is `None`. A token's transactions are
    /// counted from the logs stored with its host chains' blocks, and at
    /// the chains' nodes in `lookup` for what the store does not hold.
    pub async fn mica(
        &self,
        asset: &str,
        period: Option<Period>,
        today: NaiveDate,
        allocation: Option<&str>,
        lookup: Option<&ChainLookup>,
    ) -> Result<Disclosure, ServiceError> {
        let period = period.unwrap_or_else(|| Period::last_full_year(today));
        // Checked for a native coin too, though the whole chain is its own:
        // a misspelt key is refused wherever it is sent.
        let allocation = ContractAllocation::parse(allocation)?;
        let listings = self.token(asset);
        if listings.is_empty() {
            let slug = match self.chain(asset) {
                Ok(c) => c.slug.clone(),
                Err(ServiceError::UnknownChain(_)) => {
                    return Err(ServiceError::UnknownAsset(asset.to_owned()))
                }
                Err(e) => return Err(e),
            };
            return self.native_disclosure(&slug, period).await;
        }
        let mut hosts = Vec::new();
        let mut estimates: Vec<Estimate> = Vec::new();
        let mut days: Vec<DailyMetrics> = Vec::new();
        let mut not_counted: Vec<HostNotCounted> = Vec::new();
        // Whether the token was seen at all: its logs are the only trace of
        // it, and a contract that logged nothing in the period may not have
        // been deployed yet, which must not read as a disclosure of zero.
        let mut seen = false;
        // A host that cannot be counted (no data for the chain, no node to
        // count the token's transactions at) is named in the disclosure
        // when the token has other hosts; a token of one host says why.
        let several = listings.len() > 1;
        let mut uncounted = |chain: &str, e: ServiceError| match e {
            ServiceError::NoData { detail, .. } if several => {
                not_counted.push(HostNotCounted {
                    chain: chain.to_owned(),
                    reason: detail,
                });
                Ok(())
            }
            e => Err(e),
        };
        // A period must start on a day one of the hosts existed (a host
        // of no launch day is taken to have always existed).
        let first = listings
            .iter()
            .filter_map(|t| self.catalogues().chain(&t.chain).ok())
            .min_by_key(|p| p.launched);
        if let Some(p) = first {
            crate::footprints::check_launched(p, period.start)?;
        }
        // Every host goes to the disclosure, which names those it could
        // not count; the model is asked only for the days a host existed.
        for t in &listings {
            let profile = self
                .catalogues()
                .chain(&t.chain)
                .map_err(|e| ServiceError::from_model(&t.chain, e))?;
            hosts.push(profile);
            let from = match profile.launched {
                Some(l) if period.end < l => continue,
                Some(l) => l.max(period.start),
                None => period.start,
            };
            let chain_estimates = match self
                .series(&t.chain, from, period.end, None, &EstimateParams::default())
                .await
            {
                Ok(e) => e,
                Err(e) => {
                    uncounted(&t.chain, e)?;
                    continue;
                }
            };
            let wanted: BTreeSet<NaiveDate> = chain_estimates.iter().map(|e| e.date).collect();
            if wanted.is_empty() {
                continue;
            }
            let counts = match self
                .contract_days(lookup, &t.chain, &t.contract, &wanted, allocation)
                .await
            {
                Ok(c) => c,
                Err(e) => {
                    uncounted(&t.chain, e)?;
                    continue;
                }
            };
            let chain_txs: BTreeMap<NaiveDate, Option<u64>> = self
                .metrics_range(&t.chain, period.start, period.end)
                .await?
                .into_iter()
                .map(|m| (m.day, m.tx_count))
                .collect();
            for e in chain_estimates {
                let Some(count) = counts.per_day.get(&e.date) else {
                    continue;
                };
                let Some(share) = count.share(allocation) else {
                    continue;
                };
                // Observed, not merely within a sample's interval: a
                // sample that found none still has an upper bound above 0.
                seen |= share.best > 0.0;
                let mut part = e.clone();
                part.energy_twh_per_year = allocate(e.energy_twh_per_year, share);
                part.co2e_t_per_year = allocate(e.co2e_t_per_year, share);
                part.water_m3_per_year = allocate(e.water_m3_per_year, share);
                part.ewaste_t_per_year = allocate(e.ewaste_t_per_year, share);
                if let Some(made) = embodied_t_per_year(&e.inputs) {
                    set_embodied_t_per_year(&mut part.inputs, allocate(made, share));
                }
                part.power_w = allocate(e.power_w, share);
                part.per_tx = None;
                let mut day = DailyMetrics::empty(&t.chain, e.date, "contract-logs");
                day.tx_count =
                    count.contract_transactions(chain_txs.get(&e.date).copied().flatten());
                days.push(day);
                estimates.push(part);
            }
        }
        let chains = listings
            .iter()
            .map(|t| t.chain.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        if estimates.is_empty() && !not_counted.is_empty() {
            let reasons = not_counted
                .iter()
                .map(|n| n.reason.as_str())
                .collect::<Vec<_>>()
                .join("; ");
            return Err(ServiceError::no_data(
                asset,
                format!(
                    "none of {asset}'s host chains can be counted from {} to {}: {reasons}",
                    period.start, period.end
                ),
            ));
        }
        if estimates.is_empty() {
            // Without this the model would refuse an asset of no host, a
            // message about our inputs rather than the caller's period.
            return Err(ServiceError::no_data(
                &chains,
                format!(
                    "no day from {} to {} has an estimate of {asset}'s host chain{} ({chains}), so none of it can be allocated to {asset}: import or ingest the chain's daily metrics for the period",
                    period.start,
                    period.end,
                    if listings.len() == 1 { "" } else { "s" },
                ),
            ));
        }
        if !seen {
            return Err(ServiceError::no_data(
                &chains,
                format!(
                    "{asset}'s contract made no transaction on {chains} from {} to {} that the counts found, so no figure is given: it may not have been deployed yet, and a token with no use in the period has nothing to allocate",
                    period.start, period.end
                ),
            ));
        }
        let name = listings.first().map(|t| t.name.clone()).unwrap_or_default();
        let asset = Asset {
            id: asset,
            name: &name,
            hosts,
            allocation: Some(allocation.describe().to_owned()),
            not_counted,
        };
        self.disclose(&asset, period, &estimates, &days)
    }

    async fn native_disclosure(
        &self,
        slug: &str,
        period: Period,
    ) -> Result<Disclosure, ServiceError> {
        let profile = self
            .catalogues()
            .chain(slug)
            .map_err(|e| ServiceError::from_model(slug, e))?;
        crate::footprints::check_launched(profile, period.start)?;
        let estimates = self
            .series(
                slug,
                period.start,
                period.end,
                None,
                &EstimateParams::default(),
            )
            .await?;
        let days = self.metrics_range(slug, period.start, period.end).await?;
        let asset = Asset {
            id: slug,
            name: &profile.name,
            hosts: vec![profile],
            allocation: None,
            not_counted: vec![],
        };
        self.disclose(&asset, period, &estimates, &days)
    }

    /// The model's disclosure, with this service's discloser (S.1, S.2).
    fn disclose(
        &self,
        asset: &Asset<'_>,
        period: Period,
        estimates: &[Estimate],
        days: &[DailyMetrics],
    ) -> Result<Disclosure, ServiceError> {
        blockwatt_analytics::disclosure(
            self.catalogues(),
            asset,
            self.discloser(),
            period,
            estimates,
            days,
            &Params::default(),
        )
        .map_err(|e| ServiceError::from_model(asset.id, e))
    }
}

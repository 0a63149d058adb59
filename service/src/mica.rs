//! MiCA sustainability disclosures (Delegated Regulation (EU) 2025/422) of
//! a crypto-asset over a period: every field of the Annex, from the stored
//! estimates.

use blockwatt_analytics::{AnalyticsError, Asset, Disclosure, Params, Period};
use chrono::NaiveDate;

use crate::{Footprints, ServiceError};

impl Footprints {
    /// The disclosure of `asset` (a chain's native coin, by the chain's
    /// slug) for `period`, or for the last full calendar year before
    /// `today` when `period` is `None`.
    pub async fn mica(
        &self,
        asset: &str,
        period: Option<Period>,
        today: NaiveDate,
    ) -> Result<Disclosure, ServiceError> {
        let slug = self.chain(asset)?.slug.clone();
        let profile = self
            .catalogues()
            .chain(&slug)
            .map_err(|e| ServiceError::from_model(&slug, e))?;
        let period = period.unwrap_or_else(|| Period::last_full_year(today));
        if let Some(launched) = profile.launched.filter(|l| period.start < *l) {
            let e = AnalyticsError::BeforeLaunch {
                chain: slug.clone(),
                day: period.start,
                launched,
            };
            return Err(ServiceError::from_model(&slug, e));
        }
        let estimates = self
            .series(
                &slug,
                period.start,
                period.end,
                None,
                &crate::EstimateParams::default(),
            )
            .await?;
        let days = self.metrics_range(&slug, period.start, period.end).await?;
        let asset = Asset {
            id: &slug,
            name: &profile.name,
            chain: profile,
        };
        blockwatt_analytics::disclosure(
            self.catalogues(),
            asset,
            self.discloser(),
            period,
            &estimates,
            &days,
            &Params::default(),
        )
        .map_err(|e| ServiceError::from_model(&slug, e))
    }
}

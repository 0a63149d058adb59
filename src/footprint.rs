//! Footprints from stored daily metrics: the one place that joins the store
//! and the analytics models, used by `blockwatt estimate` and the API.

use std::sync::Arc;

use blockwatt_analytics::{AnalyticsError, Catalogues, Method, Params};
use blockwatt_domain::{merge_sources, DailyMetrics, Estimate};
use blockwatt_store::{Store, StoreError};
use chrono::{Days, NaiveDate};

/// Which source's figure wins when several describe the same day: our own
/// block-derived aggregates first, then imports.
pub const SOURCE_PREFERENCE: &[&str] = &["blocks", "price", "coinmetrics"];

#[derive(Debug, thiserror::Error)]
pub enum FootprintError {
    #[error(transparent)]
    Model(#[from] AnalyticsError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("no daily metrics stored for {0}: import some first (blockwatt import coinmetrics --chain {0} --file …)")]
    NoData(String),
    #[error("the range {from} .. {to} is empty: from must not be after to")]
    EmptyRange { from: NaiveDate, to: NaiveDate },
}

#[derive(Clone)]
pub struct Footprints {
    store: Arc<dyn Store>,
    catalogues: &'static Catalogues,
}

impl Footprints {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Footprints {
            store,
            catalogues: Catalogues::embedded(),
        }
    }

    /// Days of history the models need before the first estimated day: the
    /// threshold window feeds the smoothing window.
    fn lookback(params: &Params) -> u64 {
        (params.threshold_window_days + params.smoothing_window_days) as u64 + 1
    }

    /// The merged rows the models read for `from ..= to`, look-back included.
    pub async fn history(
        &self,
        chain: &str,
        from: NaiveDate,
        to: NaiveDate,
        params: &Params,
    ) -> Result<Vec<DailyMetrics>, FootprintError> {
        let start = from
            .checked_sub_days(Days::new(Self::lookback(params)))
            .unwrap_or(NaiveDate::MIN);
        let rows = self.store.daily_metrics(chain, start, to).await?;
        Ok(merge_sources(rows, SOURCE_PREFERENCE)
            .into_iter()
            .map(DailyMetrics::derive_usd)
            .collect())
    }

    /// The last day with stored metrics; with none, today (UTC), which the
    /// models estimate from the catalogue's dated fallback inputs and say so.
    pub async fn latest_day(&self, chain: &str) -> Result<NaiveDate, FootprintError> {
        self.catalogues.chain(chain)?;
        match self.store.daily_coverage(chain).await? {
            Some((_, last)) => Ok(last),
            None => Ok(chrono::Utc::now().date_naive()),
        }
    }

    /// One day's estimate (`date: None` = the latest stored day).
    pub async fn day(
        &self,
        chain: &str,
        date: Option<NaiveDate>,
        method: Option<Method>,
        params: &Params,
    ) -> Result<Estimate, FootprintError> {
        params.validate()?;
        self.catalogues.chain(chain)?;
        let date = match date {
            Some(d) => d,
            None => self.latest_day(chain).await?,
        };
        let history = self.history(chain, date, date, params).await?;
        Ok(blockwatt_analytics::estimate_day(
            self.catalogues,
            chain,
            date,
            &history,
            params,
            method,
        )?)
    }

    /// The merged daily metrics of one day, if any source stored some.
    pub async fn day_metrics(
        &self,
        chain: &str,
        day: NaiveDate,
    ) -> Result<Option<DailyMetrics>, FootprintError> {
        let rows = self.store.daily_metrics(chain, day, day).await?;
        Ok(merge_sources(rows, SOURCE_PREFERENCE).into_iter().next())
    }

    /// The daily metrics of `from ..= to`, one merged row per day.
    pub async fn metrics_range(
        &self,
        chain: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<DailyMetrics>, FootprintError> {
        Ok(merge_sources(
            self.store.daily_metrics(chain, from, to).await?,
            SOURCE_PREFERENCE,
        ))
    }

    /// Stored blocks whose time falls on `day` (UTC).
    pub async fn blocks_of_day(
        &self,
        chain: &str,
        day: NaiveDate,
    ) -> Result<Vec<blockwatt_domain::Block>, FootprintError> {
        let start = day
            .and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc().timestamp())
            .unwrap_or(0);
        Ok(self
            .store
            .blocks_in_time(chain, start, start + 86_400)
            .await?)
    }

    /// Daily estimates for `from ..= to`; days lacking the method's inputs
    /// are left out (the models say which inputs each needs).
    pub async fn series(
        &self,
        chain: &str,
        from: NaiveDate,
        to: NaiveDate,
        method: Option<Method>,
        params: &Params,
    ) -> Result<Vec<Estimate>, FootprintError> {
        if from > to {
            return Err(FootprintError::EmptyRange { from, to });
        }
        params.validate()?;
        self.catalogues.chain(chain)?;
        let history = self.history(chain, from, to, params).await?;
        if history.is_empty() {
            return Err(FootprintError::NoData(chain.to_owned()));
        }
        let mut all =
            blockwatt_analytics::estimate_series(self.catalogues, chain, &history, params, method)?;
        all.retain(|e| e.date >= from && e.date <= to);
        Ok(all)
    }
}

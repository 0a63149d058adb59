//! Footprints from stored daily metrics: the one place that joins the
//! store and the analytics models. The API, the CLI, the publisher and the
//! MiCA report all ask here, so they cannot disagree.

use std::sync::Arc;
use std::time::Duration;

use blockwatt_analytics::{
    AnalyticsError, Catalogues, Distribution, FleetDays, Method, Params, Pue, SensitivityRow,
};
use blockwatt_domain::{merge_sources, Basis, DailyMetrics, Estimate};
use blockwatt_store::Store;
use chrono::{Days, NaiveDate};

use crate::chains::{chains, ChainInfo};
use crate::inputs::{AgreementBoard, DayInputs};
use crate::ServiceError;

/// Which source's figure wins when several describe the same day: our own
/// block-derived aggregates first, then imports.
pub const SOURCE_PREFERENCE: &[&str] = &["blocks", "price", "coinmetrics"];

/// How many days a day's figures may stand for the days after it, until
/// the sources publish those: a daily source publishes yesterday in the
/// morning, and a weekend or an outage should not blank a widget.
pub const CARRY_FORWARD_MAX_DAYS: i64 = 7;

/// What a caller may change about an estimate. `None` is the method's own
/// default; only all-`None` estimates are cached by the API.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct EstimateParams {
    /// Electricity price paid by miners, USD per kWh, within
    /// [`blockwatt_analytics::ELECTRICITY_PRICE_RANGE`].
    pub price_usd_per_kwh: Option<f64>,
    /// Power usage effectiveness, best guess, within
    /// [`blockwatt_analytics::PUE_RANGE`].
    pub pue: Option<f64>,
}

impl EstimateParams {
    pub fn is_default(&self) -> bool {
        self.price_usd_per_kwh.is_none() && self.pue.is_none()
    }

    /// The model parameters, checked. A `pue` sets the best guess; the
    /// bounds widen to include it, so lower <= best <= upper still holds.
    pub fn to_model(self) -> Result<Params, ServiceError> {
        let mut params = Params::default();
        if let Some(p) = self.price_usd_per_kwh {
            params = params.with_price(p);
        }
        if let Some(best) = self.pue {
            let d = Pue::default();
            params = params.with_pue(Pue {
                lower: d.lower.min(best),
                best,
                upper: d.upper.max(best),
            });
        }
        params.validate().map_err(ServiceError::from_params)?;
        Ok(params)
    }
}

/// A day that has not ended anywhere yet has no data: asked for, it is a
/// `NoData` error, the same for every interface (the CLI, the API, MiCA).
fn not_after_today(chain: &str, day: NaiveDate) -> Result<(), ServiceError> {
    let today = chrono::Utc::now().date_naive();
    if day > today {
        return Err(ServiceError::no_data(
            chain,
            format!("{chain} on {day}: that day is after today ({today}, UTC), so there is no data for it"),
        ));
    }
    Ok(())
}

/// A day before the chain existed has no figure, of any kind: asked for,
/// it is a `NoData` error naming the chain's first day.
pub(crate) fn check_launched(
    profile: &blockwatt_analytics::ChainProfile,
    day: NaiveDate,
) -> Result<(), ServiceError> {
    match profile.launched.filter(|first| day < *first) {
        Some(launched) => Err(ServiceError::from_model(
            &profile.slug,
            blockwatt_analytics::AnalyticsError::BeforeLaunch {
                chain: profile.slug.clone(),
                day,
                launched,
            },
        )),
        None => Ok(()),
    }
}

#[derive(Clone)]
pub struct Footprints {
    store: Arc<dyn Store>,
    catalogues: &'static Catalogues,
    chains: Arc<[ChainInfo]>,
    agreement: Arc<AgreementBoard>,
    /// Who the MiCA disclosures name in S.1 and S.2.
    discloser: Arc<blockwatt_analytics::Discloser>,
    /// Tokens and their host chains: the catalogue's, then the configuration's.
    tokens: Arc<[blockwatt_analytics::assets::TokenListing]>,
    /// Days' shared inputs of block and transaction footprints.
    pub(crate) day_contexts: Arc<crate::day_contexts::DayContexts<crate::allocation::DayContext>>,
}

impl Footprints {
    /// Over the compiled-in catalogues.
    pub fn new(store: Arc<dyn Store>) -> Self {
        let catalogues = Catalogues::embedded();
        Footprints {
            store,
            catalogues,
            chains: chains(catalogues).into(),
            agreement: Arc::default(),
            discloser: Arc::default(),
            tokens: catalogues.tokens.clone().into(),
            day_contexts: Arc::default(),
        }
    }

    /// How long the days' shared inputs of block and transaction
    /// footprints are kept: today's and yesterday's, and a closed day's
    /// (the API passes its estimate cache's TTLs, so both caches agree).
    pub fn with_day_context_ttls(mut self, live: Duration, closed: Duration) -> Self {
        self.day_contexts = Arc::new(crate::day_contexts::DayContexts::new(live, closed));
        self
    }

    /// Stored data changed (an import, a sync): nothing kept from the old
    /// data is used again.
    pub fn data_changed(&self) {
        self.day_contexts.clear();
    }

    /// Adds tokens (from the configuration) to the catalogue's; a listing
    /// that fails the catalogue's checks, or repeats an (asset, chain), is
    /// refused naming it.
    pub fn with_tokens(
        mut self,
        extra: Vec<blockwatt_analytics::assets::TokenListing>,
    ) -> Result<Self, ServiceError> {
        let mut all = self.tokens.to_vec();
        for t in extra {
            blockwatt_analytics::assets::check_listing(&t, &self.catalogues.chains)
                .map_err(|m| ServiceError::invalid("assets", m))?;
            if all.iter().any(|o| o.asset == t.asset && o.chain == t.chain) {
                return Err(ServiceError::invalid(
                    "assets",
                    format!("{} on {} is listed twice", t.asset, t.chain),
                ));
            }
            all.push(t);
        }
        self.tokens = all.into();
        Ok(self)
    }

    /// Every token listing: the catalogue's, then the configuration's.
    pub fn tokens(&self) -> &[blockwatt_analytics::assets::TokenListing] {
        &self.tokens
    }

    /// The listings of a token (empty for anything else).
    pub fn token(&self, asset: &str) -> Vec<&blockwatt_analytics::assets::TokenListing> {
        self.tokens.iter().filter(|t| t.asset == asset).collect()
    }

    /// The person or service provider MiCA disclosures name (S.1, S.2).
    pub fn with_discloser(mut self, discloser: blockwatt_analytics::Discloser) -> Self {
        self.discloser = Arc::new(discloser);
        self
    }

    pub fn discloser(&self) -> &blockwatt_analytics::Discloser {
        &self.discloser
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub fn catalogues(&self) -> &'static Catalogues {
        self.catalogues
    }

    /// Where our figures and the providers' disagree, newest day each.
    pub fn agreement(&self) -> &Arc<AgreementBoard> {
        &self.agreement
    }

    /// A day's inputs per source and their comparison; a day no source
    /// stored is [`ServiceError::NoData`]. `date: None` is the latest day.
    pub async fn inputs(
        &self,
        chain: &str,
        date: Option<NaiveDate>,
    ) -> Result<DayInputs, ServiceError> {
        self.chain(chain)?;
        let date = match date {
            Some(d) => d,
            None => self.latest_day(chain).await?,
        };
        self.check_launched(chain, date)?;
        crate::inputs::day_inputs(self.store.as_ref(), &self.agreement, chain, date)
            .await?
            .ok_or_else(|| {
                ServiceError::no_data(
                    chain,
                    format!("no daily metrics stored for {chain} on {date}"),
                )
            })
    }

    /// Every supported chain, in catalogue order, local test chains included.
    pub fn chains(&self) -> &[ChainInfo] {
        &self.chains
    }

    /// The chains listed, compared and published: the catalogue's public
    /// ones and those the configuration made public.
    pub fn public_chains(&self) -> impl Iterator<Item = &ChainInfo> {
        self.chains.iter().filter(|c| c.public)
    }

    /// Makes these catalogue chains public too (`public_chains` in the
    /// configuration: a devnet shown on a demo server). Unknown names are
    /// an error naming them.
    pub fn with_public_chains(mut self, slugs: &[String]) -> Result<Self, ServiceError> {
        let mut chains = self.chains.to_vec();
        for slug in slugs {
            let chain = chains
                .iter_mut()
                .find(|c| &c.slug == slug)
                .ok_or_else(|| ServiceError::UnknownChain(slug.clone()))?;
            chain.public = true;
        }
        self.chains = chains.into();
        Ok(self)
    }

    /// [`check_launched`] for a chain of the catalogue by its slug.
    pub(crate) fn check_launched(&self, chain: &str, day: NaiveDate) -> Result<(), ServiceError> {
        let profile = self
            .catalogues
            .chain(chain)
            .map_err(|e| ServiceError::from_model(chain, e))?;
        check_launched(profile, day)
    }

    /// The chain, or [`ServiceError::UnknownChain`].
    pub fn chain(&self, slug: &str) -> Result<&ChainInfo, ServiceError> {
        self.chains
            .iter()
            .find(|c| c.slug == slug)
            .ok_or_else(|| ServiceError::UnknownChain(slug.to_owned()))
    }

    /// The chain's method by name (its default for `None`), checked.
    fn method(&self, chain: &str, method: Option<&str>) -> Result<Option<Method>, ServiceError> {
        let info = self.chain(chain)?;
        match method {
            None => Ok(None),
            Some(m) => {
                let name = info.method(Some(m))?;
                Method::parse(name)
                    .map(Some)
                    .map_err(|e| ServiceError::from_model(chain, e))
            }
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
    ) -> Result<Vec<DailyMetrics>, ServiceError> {
        self.history_back(chain, from, to, Self::lookback(params))
            .await
    }

    async fn history_back(
        &self,
        chain: &str,
        from: NaiveDate,
        to: NaiveDate,
        lookback_days: u64,
    ) -> Result<Vec<DailyMetrics>, ServiceError> {
        let start = from
            .checked_sub_days(Days::new(lookback_days))
            .unwrap_or(NaiveDate::MIN);
        let rows = self.store.daily_metrics(chain, start, to).await?;
        Ok(merge_sources(rows, SOURCE_PREFERENCE)
            .into_iter()
            .map(DailyMetrics::derive_usd)
            .collect())
    }

    /// Runs `estimate` over a history whose look-back widens (×4 each time,
    /// up to everything stored) while `complete` says days before the
    /// window may change the answer. The hardware models carry the last
    /// profitable basket forward over days when no model is profitable, and
    /// that basket can lie further back than the smoothing windows; with a
    /// fixed look-back a day's figure would depend on how much history the
    /// request happened to load (one day vs a range), and a published index
    /// would not match the history route. Only a `from` day with stored
    /// metrics widens the look-back.
    async fn with_enough_history<T>(
        &self,
        chain: &str,
        from: NaiveDate,
        to: NaiveDate,
        params: &Params,
        estimate: impl Fn(&[DailyMetrics], &FleetDays<'_>) -> Result<T, AnalyticsError>,
        complete: impl Fn(&Result<T, AnalyticsError>) -> bool,
    ) -> Result<(T, Vec<DailyMetrics>), ServiceError> {
        // Read only when the first window falls short: the common case
        // (a basket within the smoothing windows) costs one query.
        let mut first_stored: Option<Option<NaiveDate>> = None;
        let mut lookback = Self::lookback(params);
        loop {
            let history = self.history_back(chain, from, to, lookback).await?;
            // A merge-mined chain's figure needs its fleet partners' days.
            let mut partners = Vec::new();
            for partner in self.catalogues.fleet_partners(chain) {
                let rows = self.history_back(partner, from, to, lookback).await?;
                partners.push((partner, rows));
            }
            let fleet: Vec<(&str, &[DailyMetrics])> = partners
                .iter()
                .map(|(c, rows)| (*c, rows.as_slice()))
                .collect();
            let result = estimate(&history, &fleet);
            // A day with no stored row is estimated from the catalogue's
            // fallback inputs alone, never from whatever history lies
            // before a gap.
            let stored = history.iter().any(|d| d.day == from);
            if complete(&result) || !stored {
                return Ok((
                    result.map_err(|e| ServiceError::from_model(chain, e))?,
                    history,
                ));
            }
            let first = match first_stored {
                Some(first) => first,
                None => {
                    *first_stored.insert(self.store.daily_coverage(chain).await?.map(|(f, _)| f))
                }
            };
            let window_start = from.checked_sub_days(Days::new(lookback));
            let more_stored = matches!((first, window_start), (Some(f), Some(s)) if f < s);
            if !more_stored {
                return Ok((
                    result.map_err(|e| ServiceError::from_model(chain, e))?,
                    history,
                ));
            }
            lookback = lookback.saturating_mul(4);
        }
    }

    /// The last day with stored metrics; with none, today (UTC), which the
    /// models estimate from the catalogue's dated fallback inputs and say so.
    pub async fn latest_day(&self, chain: &str) -> Result<NaiveDate, ServiceError> {
        self.chain(chain)?;
        match self.store.daily_coverage(chain).await? {
            Some((_, last)) => Ok(last),
            None => Ok(chrono::Utc::now().date_naive()),
        }
    }

    /// One day's estimate (`date: None` = the latest stored day) by the
    /// named method (`None` = the chain's default).
    pub async fn day(
        &self,
        chain: &str,
        date: Option<NaiveDate>,
        method: Option<&str>,
        params: &EstimateParams,
    ) -> Result<Estimate, ServiceError> {
        let method = self.method(chain, method)?;
        let params = params.to_model()?;
        self.day_by(chain, date, method, &params).await
    }

    /// A day's estimate with its parameters ranked by how much each moves
    /// the figure it acts on ([`blockwatt_analytics::sensitivity`]).
    pub async fn sensitivity(
        &self,
        chain: &str,
        date: Option<NaiveDate>,
        method: Option<&str>,
        params: &EstimateParams,
    ) -> Result<(Estimate, Vec<SensitivityRow>), ServiceError> {
        self.explained(chain, date, method, params, |history, fleet, on, p, m| {
            blockwatt_analytics::sensitivity(self.catalogues, chain, on, history, fleet, p, m)
                .map(|s| s.ranked)
        })
        .await
    }

    /// A day's estimate with the percentiles of a seeded Monte Carlo over
    /// its parameters' ranges ([`blockwatt_analytics::monte_carlo`]).
    pub async fn distribution(
        &self,
        chain: &str,
        date: Option<NaiveDate>,
        method: Option<&str>,
        params: &EstimateParams,
    ) -> Result<(Estimate, Distribution), ServiceError> {
        self.explained(chain, date, method, params, |history, fleet, on, p, m| {
            blockwatt_analytics::monte_carlo(
                self.catalogues,
                chain,
                on,
                history,
                fleet,
                p,
                m,
                blockwatt_analytics::monte_carlo::DEFAULT_DRAWS,
                blockwatt_analytics::monte_carlo::DEFAULT_SEED,
            )
            .map(|(_, d)| d)
        })
        .await
    }

    /// The day's estimate, as [`Footprints::day`] gives it, and `explain`
    /// run on the day whose data it uses (`as_of`: a day served carried
    /// forward is explained on the day it was carried from).
    async fn explained<T>(
        &self,
        chain: &str,
        date: Option<NaiveDate>,
        method: Option<&str>,
        params: &EstimateParams,
        explain: impl Fn(
            &[DailyMetrics],
            &FleetDays<'_>,
            NaiveDate,
            &Params,
            Option<Method>,
        ) -> Result<T, AnalyticsError>,
    ) -> Result<(Estimate, T), ServiceError> {
        let method = self.method(chain, method)?;
        let params = params.to_model()?;
        let estimate = self.day_by(chain, date, method, &params).await?;
        let on = estimate.as_of;
        let (explained, _) = self
            .with_enough_history(
                chain,
                on,
                on,
                &params,
                |history, fleet| explain(history, fleet, on, &params, method),
                |result| !matches!(result, Err(AnalyticsError::MissingInput { .. })),
            )
            .await?;
        Ok((estimate, explained))
    }

    /// [`Footprints::day`] with the model's own method and parameters.
    pub(crate) async fn day_by(
        &self,
        chain: &str,
        date: Option<NaiveDate>,
        method: Option<Method>,
        params: &Params,
    ) -> Result<Estimate, ServiceError> {
        self.chain(chain)?;
        let date = match date {
            Some(d) => d,
            None => self.latest_day(chain).await?,
        };
        not_after_today(chain, date)?;
        if let Some(carried) = self.carried_forward(chain, date, method, params).await? {
            return Ok(carried);
        }
        let (estimate, _) = self
            .with_enough_history(
                chain,
                date,
                date,
                params,
                |history, fleet| {
                    blockwatt_analytics::estimate_day_in_fleet(
                        self.catalogues,
                        chain,
                        date,
                        history,
                        fleet,
                        params,
                        method,
                    )
                },
                |result| !matches!(result, Err(AnalyticsError::MissingInput { .. })),
            )
            .await?;
        Ok(estimate)
    }

    /// A day after the newest stored one, within
    /// [`CARRY_FORWARD_MAX_DAYS`] of it (today, before the sources have
    /// published yesterday): the newest day's figures, said to be carried
    /// forward from it. `None` for any other day.
    async fn carried_forward(
        &self,
        chain: &str,
        date: NaiveDate,
        method: Option<Method>,
        params: &Params,
    ) -> Result<Option<Estimate>, ServiceError> {
        let Some((_, last)) = self.store.daily_coverage(chain).await? else {
            return Ok(None);
        };
        let gap = (date - last).num_days();
        if gap <= 0 || gap > CARRY_FORWARD_MAX_DAYS {
            return Ok(None);
        }
        let mut estimate = Box::pin(self.day_by(chain, Some(last), method, params)).await?;
        estimate.date = date;
        // A fallback stays a fallback; anything measured is now older.
        if estimate.basis == Basis::Measured {
            estimate.basis = Basis::CarriedForward;
        }
        estimate
            .inputs
            .insert("estimated_day".into(), serde_json::json!(last));
        Ok(Some(estimate))
    }

    /// The merged daily metrics of one day, if any source stored some.
    pub async fn day_metrics(
        &self,
        chain: &str,
        day: NaiveDate,
    ) -> Result<Option<DailyMetrics>, ServiceError> {
        let rows = self.store.daily_metrics(chain, day, day).await?;
        Ok(merge_sources(rows, SOURCE_PREFERENCE).into_iter().next())
    }

    /// The daily metrics of `from ..= to`, one merged row per day.
    pub async fn metrics_range(
        &self,
        chain: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<DailyMetrics>, ServiceError> {
        Ok(merge_sources(
            self.store.daily_metrics(chain, from, to).await?,
            SOURCE_PREFERENCE,
        ))
    }

    /// Totals of the stored blocks whose time falls on `day` (UTC).
    pub async fn day_block_totals(
        &self,
        chain: &str,
        day: NaiveDate,
    ) -> Result<blockwatt_store::BlockTotals, ServiceError> {
        let start = day
            .and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc().timestamp())
            .unwrap_or(0);
        Ok(self
            .store
            .block_totals_in_time(chain, start, start + 86_400)
            .await?)
    }

    /// Daily estimates for `from ..= to` by the named method (`None` = the
    /// chain's default); days lacking the method's inputs are left out (the
    /// models say which inputs each needs).
    pub async fn series(
        &self,
        chain: &str,
        from: NaiveDate,
        to: NaiveDate,
        method: Option<&str>,
        params: &EstimateParams,
    ) -> Result<Vec<Estimate>, ServiceError> {
        let method = self.method(chain, method)?;
        let params = params.to_model()?;
        self.series_by(chain, from, to, method, &params).await
    }

    pub(crate) async fn series_by(
        &self,
        chain: &str,
        from: NaiveDate,
        to: NaiveDate,
        method: Option<Method>,
        params: &Params,
    ) -> Result<Vec<Estimate>, ServiceError> {
        if from > to {
            return Err(ServiceError::invalid(
                "from",
                format!("the range {from} .. {to} is empty: from must not be after to"),
            ));
        }
        self.chain(chain)?;
        not_after_today(chain, to)?;
        // Complete once the range's first day is estimated: a later day
        // without an estimate lacks inputs of its own, since a basket found
        // on an earlier day would have been carried forward to it.
        let (mut all, history) = self
            .with_enough_history(
                chain,
                from,
                to,
                params,
                |history, fleet| {
                    blockwatt_analytics::estimate_series_in_fleet(
                        self.catalogues,
                        chain,
                        history,
                        fleet,
                        params,
                        method,
                    )
                },
                |result| match result {
                    Ok(all) => all.iter().any(|e| e.date == from),
                    Err(_) => true,
                },
            )
            .await?;
        if history.is_empty() {
            return Err(ServiceError::no_data(
                chain,
                format!("no daily metrics stored for {chain} up to {to}"),
            ));
        }
        all.retain(|e| e.date >= from && e.date <= to);
        Ok(all)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 60 days on which mining pays, then 120 on which no catalogued model
    /// covers its electricity: the hardware models carry the last
    /// profitable basket forward, from further back than the smoothing
    /// windows reach.
    async fn unprofitable_spell() -> (Footprints, tempfile::TempDir) {
        let (store, dir) = blockwatt_testkit::temp_sqlite().await;
        let start = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
        let rows: Vec<DailyMetrics> = (0..180u64)
            .map(|i| {
                let mut d = DailyMetrics::empty("bitcoin", start + Days::new(i), "coinmetrics");
                d.hashrate_hs = Some(1e20);
                // 2e7 USD/day puts the break-even near 170 J/TH; 1e6, near
                // 8 J/TH, below every catalogued model.
                d.issuance_usd = Some(if i < 60 { 2e7 } else { 1e6 });
                d.fees_usd = Some(0.0);
                d
            })
            .collect();
        store.write_daily_metrics(&rows).await.unwrap();
        (Footprints::new(store), dir)
    }

    #[tokio::test]
    async fn a_day_equals_the_same_day_of_a_long_series_whatever_history_it_loads() {
        let (footprints, _dir) = unprofitable_spell().await;
        let params = EstimateParams::default();
        let day = NaiveDate::from_ymd_opt(2020, 5, 30).unwrap();
        let alone = footprints
            .day("bitcoin", Some(day), Some("hardware"), &params)
            .await
            .expect("the basket of March is carried forward to May 30");
        assert_eq!(alone.inputs["carried_forward"], serde_json::json!(true));
        let from = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
        let series = footprints
            .series("bitcoin", from, day, Some("hardware"), &params)
            .await
            .unwrap();
        let in_series = series.iter().find(|e| e.date == day).unwrap();
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs();
        assert!(close(alone.power_w.best, in_series.power_w.best));
        assert!(close(alone.power_w.lower, in_series.power_w.lower));
        assert!(close(alone.power_w.upper, in_series.power_w.upper));
        // A range starting inside the spell finds the same figure too.
        let late = footprints
            .series("bitcoin", day, day, Some("hardware"), &params)
            .await
            .unwrap();
        assert_eq!(late.len(), 1);
        assert!(close(late[0].power_w.best, in_series.power_w.best));
    }
}

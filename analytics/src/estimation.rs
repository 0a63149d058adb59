//! From daily metrics to `Estimate`s: picks the method per day, runs it,
//! smooths, then adds carbon, water, e-waste and per-transaction figures.

use std::collections::{BTreeMap, BTreeSet};

use blockwatt_domain::{Basis, Bounds, DailyMetrics, Estimate, PerTransaction};
use chrono::{Datelike, NaiveDate};
use serde_json::json;

use crate::catalogue::{year_of, Algorithm, Catalogues, ChainProfile, HardwareModel};
use crate::cbeci::{cbeci_v1_core, CbeciInput};
use crate::error::{AnalyticsError, Result};
use crate::hardware::{basket_on, hardware_core, threshold_j_per_h, PowInput};
use crate::location::{location_weighted, plausible_locations, widen};
use crate::methods::Method;
use crate::mining_intensity::{mining_intensity_on, MiningIntensity};
use crate::node_hardware::set_embodied_t_per_year;
use crate::params::Params;
use crate::pos::{node_fleet, NODE_LIFETIME_YEARS};
use crate::smoothing::trailing_mean_dense;
use crate::units::{
    twh_per_year_to_kwh_per_day, twh_per_year_to_watts, watts_to_twh_per_year, DAYS_PER_YEAR,
};
use crate::{carbon, economic, ewaste, water, Inputs};

/// One day's power from a method, before footprint and smoothing.
struct DayPower {
    index: usize,
    method: Method,
    /// The day's own power, W.
    power_w: Bounds,
    /// Set when the method smooths itself (cbeci-v1); otherwise filled by `smooth`.
    energy_twh_per_year: Option<Bounds>,
    fleet_mass_kg: Option<Bounds>,
    /// Manufacture and transport of the fleet, kgCO2e (validator nodes
    /// only: mining machines have no such data here).
    fleet_embodied_kgco2e: Option<Bounds>,
    lifetime_years: f64,
    inputs: Inputs,
}

/// Daily metrics of the chains a merge-mined chain shares its fleet with
/// (`Catalogues::fleet_partners`), by chain; each ascending by day.
pub type FleetDays<'a> = [(&'a str, &'a [DailyMetrics])];

/// Estimates for every day of `days` (one chain, ascending dates) that has
/// the inputs its method needs. `method = None` uses the chain's default,
/// switching per day for a chain that changed consensus (Ethereum: hardware
/// until 2022-09-15, pos-nodes after). A merge-mined chain needs its fleet
/// partners' days too: [`estimate_series_in_fleet`].
pub fn estimate_series(
    catalogues: &Catalogues,
    chain: &str,
    days: &[DailyMetrics],
    params: &Params,
    method: Option<Method>,
) -> Result<Vec<Estimate>> {
    estimate_series_in_fleet(catalogues, chain, days, &[], params, method)
}

/// [`estimate_series`] for a chain merge-mined with others (Dogecoin with
/// Litecoin): the hardware method computes the shared fleet once, from the
/// fleet's hashrate and revenue on each day, and gives the chain its share
/// of the fleet's revenue. A day without every partner's revenue has no
/// hardware figure: splitting is impossible, and the whole fleet on each
/// chain would count its machines twice.
pub fn estimate_series_in_fleet(
    catalogues: &Catalogues,
    chain: &str,
    days: &[DailyMetrics],
    fleet: &FleetDays<'_>,
    params: &Params,
    method: Option<Method>,
) -> Result<Vec<Estimate>> {
    params.validate()?;
    let profile = catalogues.chain(chain)?;
    check_days(chain, days)?;
    // No figure for a day before the chain existed: those days are left
    // out (the days are in order, so they are a prefix).
    let days = match profile.launched {
        Some(first) => &days[days.partition_point(|d| d.day < first)..],
        None => days,
    };
    let mut methods = Vec::with_capacity(days.len());
    for d in days {
        methods.push(resolve_method(profile, d.day, method)?);
    }
    let mut powers: Vec<DayPower> = Vec::with_capacity(days.len());
    // A segment is one method and, for proof of work, one algorithm: a
    // chain that changed its algorithm changed its whole fleet, so the
    // windows start again.
    let algorithm = |i: usize| catalogues.algorithm_on(profile, days[i].day);
    let mut start = 0;
    while start < days.len() {
        let m = methods[start];
        let a = algorithm(start);
        let end = (start..days.len())
            .find(|i| methods[*i] != m || algorithm(*i) != a)
            .unwrap_or(days.len());
        let mut segment = match m {
            Method::CbeciV1 => cbeci_segment(catalogues, profile, days, start, params)?,
            Method::Hardware => {
                hardware_segment(catalogues, profile, days, fleet, start..end, params)?
            }
            Method::Economic => economic_segment(catalogues, profile, days, start..end, params),
            Method::PosNodes => pos_segment(catalogues, profile, days, start..end, params),
        };
        if m == Method::CbeciV1 {
            segment.retain(|p| p.index < end);
        }
        smooth(&mut segment, days, params.smoothing_window_days);
        powers.extend(segment);
        start = end;
    }
    let mut locations = LocationCache::new(catalogues, profile, params.location_uncertainty_share);
    powers
        .into_iter()
        .map(|p| {
            let index = p.index;
            let day = &days[index];
            let place = locations
                .for_day(day.day)
                .ok_or_else(|| AnalyticsError::MissingInput {
                    chain: profile.slug.clone(),
                    day: day.day,
                    input: "grid or water intensity",
                })?;
            finish(p, day, profile, place, params)
        })
        .collect()
}

/// One day's estimate from the history up to it. A day missing from
/// `history` is estimated from fallback inputs where the chain has them.
pub fn estimate_day(
    catalogues: &Catalogues,
    chain: &str,
    date: NaiveDate,
    history: &[DailyMetrics],
    params: &Params,
    method: Option<Method>,
) -> Result<Estimate> {
    estimate_day_in_fleet(catalogues, chain, date, history, &[], params, method)
}

/// [`estimate_day`] with the fleet partners' days of a merge-mined chain
/// (see [`estimate_series_in_fleet`]).
pub fn estimate_day_in_fleet(
    catalogues: &Catalogues,
    chain: &str,
    date: NaiveDate,
    history: &[DailyMetrics],
    fleet: &FleetDays<'_>,
    params: &Params,
    method: Option<Method>,
) -> Result<Estimate> {
    let profile = catalogues.chain(chain)?;
    if let Some(launched) = profile.launched.filter(|first| date < *first) {
        return Err(AnalyticsError::BeforeLaunch {
            chain: chain.to_owned(),
            day: date,
            launched,
        });
    }
    let mut rows: Vec<DailyMetrics> = history.iter().filter(|d| d.day < date).cloned().collect();
    let today = history
        .iter()
        .find(|d| d.day == date)
        .cloned()
        .unwrap_or_else(|| DailyMetrics::empty(chain, date, "fallback"));
    rows.push(today);
    let resolved = resolve_method(profile, date, method)?;
    let merged = catalogues.merge_mined_with(chain, date).is_some();
    estimate_series_in_fleet(catalogues, chain, &rows, fleet, params, method)?
        .into_iter()
        .find(|e| e.date == date)
        .ok_or_else(|| AnalyticsError::MissingInput {
            chain: chain.to_owned(),
            day: date,
            input: match resolved {
                Method::PosNodes => "node_count",
                Method::Economic => "miner revenue (issuance_usd)",
                Method::Hardware if merged => {
                    "hashrate_hs and the miner revenue of every chain of its merge-mined fleet"
                }
                _ => "hashrate_hs and miner revenue",
            },
        })
}

/// `cbeci-v1` over a Bitcoin history.
pub fn cbeci_v1_series(
    days: &[DailyMetrics],
    catalogues: &Catalogues,
    params: &Params,
) -> Result<Vec<Estimate>> {
    let chain = days.first().map(|d| d.chain.as_str()).unwrap_or("bitcoin");
    estimate_series(catalogues, chain, days, params, Some(Method::CbeciV1))
}

/// `cbeci-v1` for one day of a Bitcoin history.
pub fn cbeci_v1_day(
    history: &[DailyMetrics],
    date: NaiveDate,
    catalogues: &Catalogues,
    params: &Params,
) -> Result<Estimate> {
    estimate_day(
        catalogues,
        "bitcoin",
        date,
        history,
        params,
        Some(Method::CbeciV1),
    )
}

fn check_days(chain: &str, days: &[DailyMetrics]) -> Result<()> {
    let mut previous: Option<NaiveDate> = None;
    for d in days {
        if d.chain != chain || previous.is_some_and(|p| d.day <= p) {
            return Err(AnalyticsError::UnorderedDays {
                chain: chain.to_owned(),
                day: d.day,
            });
        }
        previous = Some(d.day);
    }
    Ok(())
}

/// The method for one day, checking that a requested one applies.
pub fn resolve_method(
    profile: &ChainProfile,
    day: NaiveDate,
    requested: Option<Method>,
) -> Result<Method> {
    let pow = profile.is_pow_on(day);
    let not_applicable = |method: Method, why| AnalyticsError::MethodNotApplicable {
        method: method.name(),
        chain: profile.slug.clone(),
        day,
        why,
    };
    match requested {
        None if pow => Ok(Method::parse(&profile.default_method)
            .ok()
            .filter(|m| m.is_pow())
            .unwrap_or(Method::Hardware)),
        None => Ok(Method::PosNodes),
        Some(m) if m.is_pow() && !pow => Err(not_applicable(
            m,
            "the chain was not proof of work on that day",
        )),
        Some(Method::PosNodes) if pow => Err(not_applicable(
            Method::PosNodes,
            "the chain was proof of work on that day",
        )),
        Some(Method::CbeciV1) if profile.slug != "bitcoin" => Err(not_applicable(
            Method::CbeciV1,
            "cbeci-v1 models Bitcoin's hardware list only",
        )),
        Some(m) => Ok(m),
    }
}

/// How far from its own date a catalogue fallback may serve: a figure of
/// one date says little about the network half a year later, and nothing
/// about its past (hashrates grow by orders of magnitude, node counts
/// change), so before its date and beyond this distance there is no figure.
pub const FALLBACK_MAX_AGE_DAYS: u64 = 180;

/// The date `day` may take the chain's fallback as of, if it may use it.
/// A local test chain's undated fallback defines the chain, so it serves
/// any day as of that day (the catalogue refuses undated public ones).
fn fallback_date_for(profile: &ChainProfile, day: NaiveDate) -> Option<NaiveDate> {
    let Some(since) = profile.fallback_date else {
        return (!profile.public).then_some(day);
    };
    let until = since.checked_add_days(chrono::Days::new(FALLBACK_MAX_AGE_DAYS))?;
    (since..=until).contains(&day).then_some(since)
}

/// How an input taken from the catalogue says so in `inputs`.
fn fallback_note(profile: &ChainProfile, since: NaiveDate) -> serde_json::Value {
    json!({"fallback": true, "as_of": since.to_string(), "source": profile.source,
           "valid_days": FALLBACK_MAX_AGE_DAYS})
}

/// Hashrate from the daily metrics, else the chain's dated fallback within
/// [`FALLBACK_MAX_AGE_DAYS`] after its date, with where it came from.
fn hashrate(profile: &ChainProfile, d: &DailyMetrics) -> Option<(f64, serde_json::Value)> {
    if let Some(h) = d.hashrate_hs.filter(|h| *h > 0.0) {
        return Some((h, json!("daily_metrics")));
    }
    let h = profile.fallback_hashrate_hs?;
    let since = fallback_date_for(profile, d.day)?;
    Some((h, fallback_note(profile, since)))
}

/// Miner revenue in USD: issuance + fees in USD, else in coins × price.
fn revenue_usd(d: &DailyMetrics) -> Option<f64> {
    d.miner_revenue_usd()
        .or_else(|| Some((d.issuance_native? + d.fees_native.unwrap_or(0.0)) * d.price_usd?))
}

/// The hardware list of the algorithm the chain was mined with on `day`
/// (Monero: CryptoNight until 2019-11-29, RandomX after).
fn pow_models<'a>(
    catalogues: &'a Catalogues,
    profile: &ChainProfile,
    day: NaiveDate,
) -> (&'a [HardwareModel], Algorithm) {
    let algorithm = catalogues
        .algorithm_on(profile, day)
        .unwrap_or(Algorithm::Sha256);
    (catalogues.hardware_for(algorithm), algorithm)
}

fn pow_lifetime(params: &Params, algorithm: Algorithm) -> f64 {
    params
        .hardware_lifetime_years
        .unwrap_or_else(|| algorithm.default_lifetime_years())
}

/// Fleet mass for methods that do not pick machines themselves (cbeci-v1's
/// list has no masses; economic has no list): the hardware method's basket
/// for the day's own threshold, so e-waste agrees across methods; every
/// recent model when the day has no revenue or nothing is profitable.
fn pow_fleet_mass(
    models: &[HardwareModel],
    d: &DailyMetrics,
    hashrate_hs: f64,
    params: &Params,
) -> Option<Bounds> {
    let threshold = revenue_usd(d)
        .filter(|_| hashrate_hs > 0.0)
        .map(|r| threshold_j_per_h(r, hashrate_hs, params.electricity_price_usd_per_kwh));
    threshold
        .and_then(|t| basket_on(models, d.day, Some(t), params))
        .or_else(|| basket_on(models, d.day, None, params))
        .map(|b| ewaste::fleet_mass_kg(hashrate_hs, b.mass_kg_per_hs))
}

fn bounds_json(b: Bounds) -> serde_json::Value {
    json!({"lower": b.lower, "best": b.best, "upper": b.upper})
}

/// cbeci-v1 from the start of the history (its windows need the earlier
/// days) up to the end; the caller keeps the rows of its segment.
fn cbeci_segment(
    catalogues: &Catalogues,
    profile: &ChainProfile,
    days: &[DailyMetrics],
    from: usize,
    params: &Params,
) -> Result<Vec<DayPower>> {
    let (models, algorithm) = pow_models(catalogues, profile, days[from].day);
    let sources: Vec<Option<(f64, serde_json::Value)>> =
        days.iter().map(|d| hashrate(profile, d)).collect();
    // A cold start: the windows see nothing before that day.
    let first = params
        .cold_start
        .map_or(0, |cold| days.partition_point(|d| d.day < cold));
    let inputs: Vec<CbeciInput> = days
        .iter()
        .zip(&sources)
        .skip(first)
        .map(|(d, h)| CbeciInput {
            day_unix: d
                .day
                .and_hms_opt(0, 0, 0)
                .map(|t| t.and_utc().timestamp())
                .unwrap_or(0),
            hashrate_th_s: h.as_ref().map(|h| h.0 / 1e12),
            revenue_usd: revenue_usd(d),
        })
        .collect();
    let out = cbeci_v1_core(&inputs, &catalogues.cbeci_v1, params)?;
    let mut powers = Vec::new();
    for (k, day) in out.into_iter().enumerate() {
        let index = first + k;
        let Some(day) = day.filter(|_| index >= from) else {
            continue;
        };
        let d = &days[index];
        let mut inputs = Inputs::new();
        if let Some((h, from)) = &sources[index] {
            inputs.insert("hashrate_hs".into(), json!(h));
            inputs.insert("hashrate_from".into(), from.clone());
        }
        inputs.insert("revenue_usd".into(), json!(revenue_usd(d)));
        inputs.insert("threshold_j_per_gh".into(), json!(day.threshold_j_per_gh));
        inputs.insert("profitable_models".into(), json!(day.profitable_models));
        inputs.insert("carried_forward".into(), json!(day.profitable_models == 0));
        inputs.insert(
            "efficiency_j_per_gh".into(),
            bounds_json(day.efficiency_j_per_gh),
        );
        inputs.insert(
            "hardware_list".into(),
            json!("cbeci_v1_hardware.csv (CCAF CBECI v1, 2020)"),
        );
        if let Some(cold) = params.cold_start {
            inputs.insert("cold_start".into(), json!(cold.to_string()));
        }
        let hashrate_hs = sources[index].as_ref().map(|h| h.0).unwrap_or(0.0);
        powers.push(DayPower {
            index,
            method: Method::CbeciV1,
            power_w: day.power_w,
            energy_twh_per_year: Some(day.energy_twh_per_year),
            fleet_mass_kg: pow_fleet_mass(models, d, hashrate_hs, params),
            fleet_embodied_kgco2e: None,
            lifetime_years: pow_lifetime(params, algorithm),
            inputs,
        });
    }
    Ok(powers)
}

/// A merge-mined chain's day: the fleet it shares, and its part of it.
struct FleetShare {
    fleet: String,
    chains: Vec<String>,
    hashrate_hs: f64,
    revenue_usd: f64,
    /// The chain's own revenue ÷ the fleet's: its share of the fleet's power.
    share: f64,
}

/// The fleet's hashrate and revenue on `d`'s day, or why they are unknown
/// (`Err`): a partner's or the chain's own revenue is missing.
fn fleet_share(
    catalogues: &Catalogues,
    profile: &ChainProfile,
    d: &DailyMetrics,
    own_hashrate: Option<f64>,
    fleet: &FleetDays<'_>,
) -> Option<std::result::Result<FleetShare, ()>> {
    let (name, partners) = catalogues.merge_mined_with(&profile.slug, d.day)?;
    let own_revenue = revenue_usd(d).filter(|r| r.is_finite() && *r >= 0.0);
    let mut hashrate_hs = own_hashrate.unwrap_or(0.0);
    let Some(mut revenue) = own_revenue else {
        return Some(Err(()));
    };
    let mut chains = vec![profile.slug.clone()];
    for partner in partners {
        let row = fleet
            .iter()
            .find(|(c, _)| *c == partner)
            .and_then(|(_, rows)| {
                let i = rows.partition_point(|r| r.day < d.day);
                rows.get(i).filter(|r| r.day == d.day)
            });
        let Some(r) = row.and_then(|r| revenue_usd(r).map(|v| (r, v))) else {
            return Some(Err(()));
        };
        if !(r.1.is_finite() && r.1 >= 0.0) {
            return Some(Err(()));
        }
        revenue += r.1;
        // The fleet is at least as large as the largest hashrate any of
        // its chains sees (a chain can count only machines of the fleet).
        hashrate_hs = hashrate_hs.max(r.0.hashrate_hs.unwrap_or(0.0));
        chains.push(partner.to_owned());
    }
    if revenue <= 0.0 || hashrate_hs <= 0.0 {
        return Some(Err(()));
    }
    Some(Ok(FleetShare {
        fleet: name.to_owned(),
        chains,
        hashrate_hs,
        revenue_usd: revenue,
        share: own_revenue.unwrap_or(0.0) / revenue,
    }))
}

fn hardware_segment(
    catalogues: &Catalogues,
    profile: &ChainProfile,
    days: &[DailyMetrics],
    fleet: &FleetDays<'_>,
    range: std::ops::Range<usize>,
    params: &Params,
) -> Result<Vec<DayPower>> {
    let (models, algorithm) = pow_models(catalogues, profile, days[range.start].day);
    let sources: Vec<Option<(f64, serde_json::Value)>> = days[range.clone()]
        .iter()
        .map(|d| hashrate(profile, d))
        .collect();
    let shares: Vec<Option<std::result::Result<FleetShare, ()>>> = days[range.clone()]
        .iter()
        .zip(&sources)
        .map(|(d, h)| fleet_share(catalogues, profile, d, h.as_ref().map(|h| h.0), fleet))
        .collect();
    // A merge-mined day runs the model on the whole fleet; one that cannot
    // be split gets no input, so no figure.
    let inputs: Vec<PowInput> = days[range.clone()]
        .iter()
        .zip(&sources)
        .zip(&shares)
        .map(|((d, h), share)| match share {
            None => PowInput {
                day: d.day,
                hashrate_hs: h.as_ref().map(|h| h.0),
                revenue_usd: revenue_usd(d),
            },
            Some(Ok(f)) => PowInput {
                day: d.day,
                hashrate_hs: Some(f.hashrate_hs),
                revenue_usd: Some(f.revenue_usd),
            },
            Some(Err(())) => PowInput {
                day: d.day,
                hashrate_hs: None,
                revenue_usd: None,
            },
        })
        .collect();
    let out = hardware_core(&inputs, models, params)?;
    let mut powers = Vec::new();
    for (k, day) in out.into_iter().enumerate() {
        let Some(mut day) = day else { continue };
        let index = range.start + k;
        let mut inputs = Inputs::new();
        // The part of the model's fleet (its power, its machines) that is
        // this chain's.
        let mut attributed = 1.0;
        match &shares[k] {
            None => {}
            Some(Err(())) => continue,
            Some(Ok(f)) => {
                inputs.insert(
                    "merge_mining".into(),
                    json!({
                        "fleet": f.fleet,
                        "chains": f.chains,
                        "fleet_hashrate_hs": f.hashrate_hs,
                        "fleet_revenue_usd": f.revenue_usd,
                        "fleet_power_w": bounds_json(day.power_w),
                        "revenue_share": f.share,
                        "rule": "one fleet's power, split between its chains by their share of its revenue; see merge_mining.csv",
                    }),
                );
                day.power_w = day.power_w.scale(f.share);
                attributed = f.share;
            }
        }
        inputs.insert("hashrate_hs".into(), json!(day.hashrate_hs));
        if let Some((_, from)) = &sources[k] {
            inputs.insert("hashrate_from".into(), from.clone());
        }
        inputs.insert("algorithm".into(), json!(algorithm.as_str()));
        inputs.insert("revenue_usd".into(), json!(revenue_usd(&days[index])));
        inputs.insert("threshold_j_per_h".into(), json!(day.threshold_j_per_h));
        inputs.insert(
            "profitability_filter".into(),
            json!(day.basket.profitability_filter),
        );
        inputs.insert("basket_models".into(), json!(day.basket.models));
        inputs.insert(
            "basket_undocumented_share".into(),
            json!(day.basket.undocumented_share),
        );
        inputs.insert("carried_forward".into(), json!(day.carried_forward));
        inputs.insert(
            "efficiency_j_per_h".into(),
            bounds_json(day.basket.efficiency_j_per_h),
        );
        if day.basket.board_share > 0.0 {
            // Only where board figures were scaled, so the factor's source
            // is named where it acted.
            inputs.insert("basket_board_share".into(), json!(day.basket.board_share));
            inputs.insert("rig_factor".into(), json!(params.rig_factor));
        }
        inputs.insert(
            "shipping_delay_months".into(),
            json!(params.shipping_delay_months),
        );
        powers.push(DayPower {
            index,
            method: Method::Hardware,
            power_w: day.power_w,
            energy_twh_per_year: None,
            fleet_mass_kg: Some(ewaste::fleet_mass_kg(
                day.hashrate_hs * attributed,
                day.basket.mass_kg_per_hs,
            )),
            fleet_embodied_kgco2e: None,
            lifetime_years: pow_lifetime(params, algorithm),
            inputs,
        });
    }
    Ok(powers)
}

fn economic_segment(
    catalogues: &Catalogues,
    profile: &ChainProfile,
    days: &[DailyMetrics],
    range: std::ops::Range<usize>,
    params: &Params,
) -> Vec<DayPower> {
    let (models, algorithm) = pow_models(catalogues, profile, days[range.start].day);
    let mut powers = Vec::new();
    for index in range {
        let d = &days[index];
        let Some(revenue) = revenue_usd(d).filter(|r| r.is_finite() && *r >= 0.0) else {
            continue;
        };
        let mut inputs = Inputs::new();
        inputs.insert("revenue_usd".into(), json!(revenue));
        inputs.insert(
            "revenue_share".into(),
            bounds_json(economic::share_bounds(params.revenue_share)),
        );
        let source = hashrate(profile, d);
        let fleet = source
            .as_ref()
            .and_then(|(h, _)| pow_fleet_mass(models, d, *h, params));
        if let Some((h, from)) = source {
            inputs.insert("hashrate_hs".into(), json!(h));
            inputs.insert("hashrate_from".into(), from);
        }
        powers.push(DayPower {
            index,
            method: Method::Economic,
            power_w: economic::economic_power_w(
                revenue,
                params.revenue_share,
                params.electricity_price_usd_per_kwh,
            ),
            energy_twh_per_year: None,
            fleet_mass_kg: fleet,
            fleet_embodied_kgco2e: None,
            lifetime_years: pow_lifetime(params, algorithm),
            inputs,
        });
    }
    powers
}

fn pos_segment(
    catalogues: &Catalogues,
    profile: &ChainProfile,
    days: &[DailyMetrics],
    range: std::ops::Range<usize>,
    params: &Params,
) -> Vec<DayPower> {
    let Some(classes) = profile.node_power_w else {
        return Vec::new();
    };
    let spread = crate::pos::node_spread(classes, params.pue);
    let mut powers = Vec::new();
    for index in range {
        let d = &days[index];
        let fallback = profile
            .fallback_node_count
            .zip(fallback_date_for(profile, d.day));
        let (nodes, from) = match (d.node_count, fallback) {
            (Some(n), _) => (n, json!("daily_metrics")),
            (None, Some((n, since))) => (n, fallback_note(profile, since)),
            (None, None) => continue,
        };
        let mut inputs = Inputs::new();
        inputs.insert("node_count".into(), json!(nodes));
        inputs.insert("node_count_from".into(), from);
        inputs.insert(
            "node_power_w".into(),
            json!({"low": classes[0], "medium": classes[1], "high": classes[2]}),
        );
        inputs.insert("class_weights".into(), json!(crate::pos::CLASS_WEIGHTS));
        inputs.insert(
            "bounds_rule".into(),
            json!(format!(
                "5th and 95th percentiles of node count (±25%) × power per node (low class .. mix .. high class) × PUE, each triangular around its best: {:.2}× and {:.2}× the best figure",
                spread.p5, spread.p95
            )),
        );
        let n = nodes as f64;
        powers.push(DayPower {
            index,
            method: Method::PosNodes,
            power_w: spread.power_w(n),
            energy_twh_per_year: None,
            fleet_mass_kg: Some(node_fleet(n, catalogues.node_hardware.weight_kg)),
            fleet_embodied_kgco2e: Some(node_fleet(n, catalogues.node_hardware.embodied_kgco2e)),
            lifetime_years: params
                .hardware_lifetime_years
                .unwrap_or(NODE_LIFETIME_YEARS),
            inputs,
        });
    }
    powers
}

/// Trailing mean of the annualised power over the segment's days, within
/// the window's calendar days.
fn smooth(segment: &mut [DayPower], days: &[DailyMetrics], window: usize) {
    if segment.iter().all(|p| p.energy_twh_per_year.is_some()) {
        return;
    }
    let day_numbers: Vec<i64> = segment
        .iter()
        .map(|p| i64::from(days[p.index].day.num_days_from_ce()))
        .collect();
    let series = |pick: fn(&Bounds) -> f64| -> Vec<f64> {
        trailing_mean_dense(
            &day_numbers,
            &segment
                .iter()
                .map(|p| watts_to_twh_per_year(pick(&p.power_w)))
                .collect::<Vec<_>>(),
            window,
        )
    };
    let (lower, best, upper) = (series(|b| b.lower), series(|b| b.best), series(|b| b.upper));
    for (k, p) in segment.iter_mut().enumerate() {
        p.energy_twh_per_year = Some(Bounds::new(lower[k], best[k], upper[k]));
    }
}

/// Location-weighted grid and water intensities per calendar year: a
/// history has a few distinct years and thousands of days.
struct LocationCache<'a> {
    catalogues: &'a Catalogues,
    chain: &'a ChainProfile,
    plausible: BTreeSet<&'a str>,
    uncertainty: f64,
    by_year: BTreeMap<i32, Option<YearIntensities<'a>>>,
}

/// The location vintage used and its grid (gCO2e/kWh) and water (L/kWh) intensities.
#[derive(Clone, Copy)]
struct YearIntensities<'a> {
    vintage: &'a str,
    grid: Bounds,
    water_l: Bounds,
    /// No published location: the world average, with bounds as wide as
    /// where mining or nodes are known to be.
    world_average: bool,
    /// Share of the mix the bounds move to the cleanest / dirtiest place.
    uncertainty: f64,
    /// Set when `grid` is the month's published mining intensity instead
    /// of the profile's.
    mining: Option<&'a MiningIntensity>,
}

/// Where a chain's machines are, when nobody has published it: anywhere
/// mining or nodes are known to be, so the bounds move the whole mix.
pub const UNKNOWN_LOCATION_UNCERTAINTY: f64 = 1.0;

impl<'a> LocationCache<'a> {
    fn new(catalogues: &'a Catalogues, chain: &'a ChainProfile, uncertainty: f64) -> Self {
        LocationCache {
            catalogues,
            chain,
            plausible: plausible_locations(catalogues),
            uncertainty,
            by_year: BTreeMap::new(),
        }
    }

    /// The year's intensities, with the grid's taken from where the
    /// chain's blocks were mined when a study placed the day's miners.
    fn for_day(&mut self, day: NaiveDate) -> Option<YearIntensities<'a>> {
        let year = year_of(day);
        let place = self.for_year(year)?;
        if !self.chain.is_pow_on(day) {
            return Some(place);
        }
        let Some(mining) =
            mining_intensity_on(&self.catalogues.mining_intensity, &self.chain.slug, day)
        else {
            return Some(place);
        };
        Some(YearIntensities {
            grid: widen(
                mining.gco2e_per_kwh,
                &self.plausible,
                &self.catalogues.grid_intensity,
                year,
                self.uncertainty,
            ),
            mining: Some(mining),
            ..place
        })
    }

    fn for_year(&mut self, year: i32) -> Option<YearIntensities<'a>> {
        let c = self.catalogues;
        let (profile, u) = (self.chain.location_profile.as_str(), self.uncertainty);
        let plausible = &self.plausible;
        *self.by_year.entry(year).or_insert_with(|| {
            let (vintage, shares) = c.location_for(profile, year)?;
            let world_average = shares.iter().all(|s| s.iso3 == "WLD");
            let u = if world_average {
                UNKNOWN_LOCATION_UNCERTAINTY
            } else {
                u
            };
            Some(YearIntensities {
                vintage,
                grid: location_weighted(shares, plausible, &c.grid_intensity, year, u)?,
                water_l: location_weighted(shares, plausible, &c.water_l_per_kwh, year, u)?,
                world_average,
                uncertainty: u,
                mining: None,
            })
        })
    }
}

fn finish(
    p: DayPower,
    d: &DailyMetrics,
    profile: &ChainProfile,
    place: YearIntensities<'_>,
    params: &Params,
) -> Result<Estimate> {
    let (grid, water_l) = (place.grid, place.water_l);
    let energy = p
        .energy_twh_per_year
        .unwrap_or_else(|| p.power_w.scale(watts_to_twh_per_year(1.0)));
    let co2e = carbon::co2e_t_per_year(energy, grid);
    let fleet = p.fleet_mass_kg.unwrap_or(Bounds::new(0.0, 0.0, 0.0));
    let per_tx = d.tx_count.filter(|n| *n > 0).map(|n| {
        let n = n as f64;
        PerTransaction {
            energy_kwh: Bounds::new(
                twh_per_year_to_kwh_per_day(energy.lower) / n,
                twh_per_year_to_kwh_per_day(energy.best) / n,
                twh_per_year_to_kwh_per_day(energy.upper) / n,
            ),
            co2e_kg: co2e.scale(1000.0 / DAYS_PER_YEAR / n),
        }
    });
    let mut inputs = p.inputs;
    params.record(&mut inputs);
    inputs.insert("power_w_day".into(), bounds_json(p.power_w));
    inputs.insert("location_profile".into(), json!(place.vintage));
    inputs.insert(
        "location_basis".into(),
        json!(location_basis(&place, params)),
    );
    if let Some(m) = place.mining {
        inputs.insert(
            "mining_intensity".into(),
            json!({
                "month": m.month_label(),
                "days": m.days,
                "gco2e_per_kwh": m.gco2e_per_kwh,
                "source": m.source,
            }),
        );
    }
    inputs.insert("grid_gco2e_per_kwh".into(), bounds_json(grid));
    inputs.insert("water_l_per_kwh".into(), bounds_json(water_l));
    inputs.insert(
        "fleet_mass_kg".into(),
        p.fleet_mass_kg.map(bounds_json).into(),
    );
    inputs.insert("lifetime_years".into(), json!(p.lifetime_years));
    if let Some(made) = p.fleet_embodied_kgco2e {
        set_embodied_t_per_year(&mut inputs, made.scale(1.0 / p.lifetime_years / 1000.0));
    }
    inputs.insert("tx_count".into(), json!(d.tx_count));
    inputs.insert("metrics_source".into(), json!(d.source));
    let (basis, as_of) = basis_of(&inputs, d.day);
    Ok(Estimate {
        chain: profile.slug.clone(),
        date: d.day,
        basis,
        as_of,
        method: p.method.name().to_owned(),
        methodology_version: p.method.methodology_version().to_owned(),
        power_w: Bounds::new(
            twh_per_year_to_watts(energy.lower),
            twh_per_year_to_watts(energy.best),
            twh_per_year_to_watts(energy.upper),
        ),
        energy_twh_per_year: energy,
        co2e_t_per_year: co2e,
        water_m3_per_year: water::water_m3_per_year(energy, water_l),
        ewaste_t_per_year: ewaste::ewaste_t_per_year(fleet, p.lifetime_years),
        per_tx,
        inputs,
    })
}

/// How the day's place was found, for carbon and then for water.
fn location_basis(place: &YearIntensities<'_>, params: &Params) -> String {
    let bounded = if place.mining.is_some() {
        "water"
    } else {
        "carbon and water"
    };
    let profile = if place.world_average {
        format!("world average: no published location for this chain; the {bounded} bounds span the cleanest to the dirtiest country where mining or nodes are known to be")
    } else {
        format!(
            "published location profile {}; the bounds move {}% of its mix to the cleanest or dirtiest country where mining or nodes are known to be",
            place.vintage,
            (place.uncertainty * 100.0).round()
        )
    };
    match place.mining {
        None => profile,
        Some(m) => format!(
            "published mining intensity {} {}: {} gCO2e/kWh, from where that month's blocks were mined ({}); the carbon bounds move {}% of it to the cleanest or dirtiest country where mining or nodes are known to be. Water: {profile}",
            m.chain,
            m.month_label(),
            m.gco2e_per_kwh,
            m.source,
            (params.location_uncertainty_share * 100.0).round(),
        ),
    }
}

/// `fallback` with the oldest fallback's date when any input is one (they
/// are marked where they are taken), else `measured` as of the day itself.
fn basis_of(inputs: &Inputs, day: NaiveDate) -> (Basis, NaiveDate) {
    let oldest_fallback = inputs
        .values()
        .filter(|v| v.get("fallback").and_then(serde_json::Value::as_bool) == Some(true))
        .filter_map(|v| v.get("as_of")?.as_str()?.parse::<NaiveDate>().ok())
        .min();
    match oldest_fallback {
        Some(since) => (Basis::Fallback, since),
        None => (Basis::Measured, day),
    }
}

//! MiCA sustainability indicators as Commission Delegated Regulation (EU)
//! 2025/422 defines them: every field of its Annex (S.1 … S.36), filled
//! from our daily estimates for one crypto-asset over a period, written in
//! the Annex's formats, with our lower and upper bounds beside each number.
//!
//! A field our models do not cover is given as not computed, with the
//! reason, never as a zero. The one zero is S.12 (Scope 1), zero by a
//! stated accounting rule that puts all emissions in S.13.

pub mod annex;
pub mod format;

use std::collections::BTreeSet;

use blockwatt_domain::{Basis, Bounds, DailyMetrics, Estimate};
use chrono::{Datelike, NaiveDate};
use serde::Serialize;

pub use annex::{AnnexField, AnnexTable, Checked, FieldFormat, ENERGY_THRESHOLD_KWH};
pub use format::{format_decimal, format_significant};

/// S.12 is zero by an accounting rule, not by measurement: every kWh of S.8
/// is counted as electricity bought from the grid and priced at the
/// location's grid intensity in S.13. No published data says how much of a
/// chain's energy its nodes generate themselves, or from what fuel, so that
/// part cannot be moved to Scope 1; kept in S.13, it is neither lost nor
/// counted twice. Published disclosures report S.12 the same way.
const SCOPE_1_RULE: &str = "zero by rule, not measured: the models count every kWh of S.8 as electricity bought from the grid and put all of its emissions in S.13 at the location's grid intensity, including electricity a miner or validator generates on site (off-grid generators), whose fuel and share no published data gives; S.12 + S.13 is the whole estimate, nothing left out and nothing counted twice";

/// Significant digits of every number disclosed: our bounds span a factor
/// of two or more, so more digits would only show float noise.
pub const SIGNIFICANT_DIGITS: u8 = 6;

use crate::catalogue::{Catalogues, ChainProfile, Consensus, CountrySeries, LocationShare};
use crate::error::{AnalyticsError, Result};
use crate::estimation::UNKNOWN_LOCATION_UNCERTAINTY;
use crate::location::{location_weighted, plausible_locations};
use crate::methods::{methodology, Method};
use crate::node_hardware::embodied_t_per_year;
use crate::params::Params;
use crate::pos::NODE_LIFETIME_YEARS;
use crate::units::DAYS_PER_YEAR;

/// Who discloses (S.1, S.2): the white paper's author or the service
/// provider, as configured. Absent values are reported as missing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Discloser {
    pub name: Option<String>,
    pub lei: Option<String>,
}

/// The crypto-asset disclosed: a chain's native coin (one host), or a token
/// on one or more host chains, whose estimates are then the token's
/// allocated parts of each host's (a token on several chains sums them).
#[derive(Debug, Clone)]
pub struct Asset<'a> {
    pub id: &'a str,
    /// S.3, as the white paper names it.
    pub name: &'a str,
    pub hosts: Vec<&'a ChainProfile>,
    /// For a token: how its part of each host chain was measured (said in
    /// S.9 and beside the fields). `None` for a chain's native coin, which
    /// is the whole chain.
    pub allocation: Option<String>,
    /// Hosts the caller could not count the token on (no node to count its
    /// transactions at, no data to estimate the chain), each with why;
    /// the disclosure names them beside those it finds without estimates.
    pub not_counted: Vec<HostNotCounted>,
}

/// The reporting period, both days included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Period {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl Period {
    pub fn days(self) -> usize {
        usize::try_from((self.end - self.start).num_days() + 1).unwrap_or(0)
    }

    /// The last full calendar year before `today`, as disclosures use.
    pub fn last_full_year(today: NaiveDate) -> Period {
        let y = today.year() - 1;
        Period {
            start: NaiveDate::from_ymd_opt(y, 1, 1).unwrap_or(today),
            end: NaiveDate::from_ymd_opt(y, 12, 31).unwrap_or(today),
        }
    }

    /// The period a request names: none given is the last full calendar
    /// year; `from` alone runs to the end of its year; `to` alone starts on
    /// 1 January of its year.
    pub fn resolve(from: Option<NaiveDate>, to: Option<NaiveDate>, today: NaiveDate) -> Period {
        let jan1 = |d: NaiveDate| NaiveDate::from_ymd_opt(d.year(), 1, 1).unwrap_or(d);
        let dec31 = |d: NaiveDate| NaiveDate::from_ymd_opt(d.year(), 12, 31).unwrap_or(d);
        match (from, to) {
            (None, None) => Period::last_full_year(today),
            (Some(f), None) => Period {
                start: f,
                end: dec31(f),
            },
            (None, Some(t)) => Period {
                start: jan1(t),
                end: t,
            },
            (Some(f), Some(t)) => Period { start: f, end: t },
        }
    }

    fn is_calendar_year(self) -> bool {
        self.start.year() == self.end.year()
            && (self.start.month(), self.start.day()) == (1, 1)
            && (self.end.month(), self.end.day()) == (12, 31)
    }
}

/// Whether Table 3 must be given (Article 5).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Threshold {
    /// S.8's best estimate, kWh a year.
    pub energy_kwh: f64,
    pub limit_kwh: f64,
    /// True when S.8 exceeds the limit: Table 3 is then mandatory for a
    /// service provider providing the services of Article 3(16)(b), (c) or
    /// (d) of MiCA, and for white papers.
    pub table3_mandatory: bool,
    /// True when the limit lies between S.8's lower and upper bounds.
    pub within_bounds: bool,
    pub rule: &'static str,
}

/// One field as disclosed. Numbers are written in the field's format;
/// `lower` and `upper` (our addition, outside the regulated fields) in
/// the same format.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DisclosureField {
    pub code: String,
    pub table: u8,
    pub section: String,
    pub name: String,
    pub unit: String,
    pub format: String,
    /// None when not computed (`note` says why), or when the field is
    /// given in `parts`.
    pub value: Option<String>,
    pub lower: Option<String>,
    pub upper: Option<String>,
    pub note: Option<String>,
    /// A field the Annex gives per item (S.17's energy mix: one share per
    /// primary source), each in the field's unit and format.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<FieldPart>,
}

/// One item of a field given in parts.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldPart {
    /// What the item is (S.17: `coal`, `gas`, …, `other_renewable`).
    pub part: String,
    pub value: String,
    pub lower: String,
    pub upper: String,
}

/// Days of the period by how their estimate was obtained (for a token on
/// several chains, each host's days).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BasisDays {
    pub measured: usize,
    pub carried_forward: usize,
    pub fallback: usize,
}

/// The disclosure of one crypto-asset for one period.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Disclosure {
    pub asset: String,
    /// S.3.
    pub asset_name: String,
    /// The chains the asset lives on.
    pub chains: Vec<String>,
    /// Host chains whose part is not in the figures, each with why: one
    /// that did not exist yet in the period (it held none of the asset), or
    /// one with no estimate, data or node to count the token at (its part
    /// is missing, so the figures are the counted hosts' only, as the notes
    /// of S.8 and the other totals say).
    pub not_counted: Vec<HostNotCounted>,
    /// For a token: how its part of each host chain was measured.
    pub allocation: Option<String>,
    pub period: Period,
    /// Days of the period with an estimate (the figures scale these to a
    /// year when they are fewer than the period's).
    pub days_with_estimates: usize,
    /// The weakest basis of any day: measured, carried-forward or fallback.
    pub basis: Basis,
    pub basis_days: BasisDays,
    /// The newest data the figures rest on.
    pub as_of: NaiveDate,
    pub methodology_versions: Vec<String>,
    pub threshold: Threshold,
    /// Codes of fields that must be given (Table 2, and Table 3 above the
    /// threshold) but are not computed here.
    pub missing_required: Vec<String>,
    pub fields: Vec<DisclosureField>,
}

/// A host chain left out of a disclosure's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HostNotCounted {
    pub chain: String,
    pub reason: String,
}

/// Sums (bounds) of the estimates' daily figures.
#[derive(Clone, Copy)]
struct Sums {
    energy_kwh: Bounds,
    co2e_t: Bounds,
    weee_t: Bounds,
    water_m3: Bounds,
    /// The fleet's manufacture and transport, when every day's estimate
    /// has it (validator nodes; never mining machines).
    embodied_t: Option<Bounds>,
}

/// The period's totals, for ratios (per transaction, per kWh), and the
/// same per calendar year, each host's days scaled to the part of the year
/// it existed.
struct Totals {
    period: Sums,
    year: Sums,
    transactions: Option<u64>,
}

/// How one host's daily figures become its part of a calendar year: the
/// days it has estimates for stand for the days of the period it existed.
/// In a calendar year, a host estimated on every day it existed is summed
/// as it is.
fn host_to_year(period: Period, launched: Option<NaiveDate>, estimated_days: usize) -> f64 {
    let existing = match launched.filter(|l| *l > period.start) {
        Some(l) => usize::try_from((period.end - l).num_days() + 1).unwrap_or(0),
        None => period.days(),
    };
    if estimated_days == 0 {
        0.0
    } else if period.is_calendar_year() && estimated_days == existing {
        1.0
    } else {
        DAYS_PER_YEAR * existing as f64 / (estimated_days as f64 * period.days() as f64)
    }
}

/// `to_year` gives each estimate's weight in the calendar year (its
/// host's [`host_to_year`]).
fn totals(
    estimates: &[&Estimate],
    days: &[DailyMetrics],
    to_year: &dyn Fn(&Estimate) -> f64,
) -> Totals {
    let sums = |weight: &dyn Fn(&Estimate) -> f64| {
        let day_share =
            |e: &Estimate, b: Bounds, unit: f64| b.scale(weight(e) * unit / DAYS_PER_YEAR);
        // Every day's figure, or nothing when a day lacks it.
        let sum = |f: &dyn Fn(&Estimate) -> Option<Bounds>| {
            estimates
                .iter()
                .try_fold(Bounds::new(0.0, 0.0, 0.0), |acc, e| {
                    let b = f(e)?;
                    Some(Bounds::new(
                        acc.lower + b.lower,
                        acc.best + b.best,
                        acc.upper + b.upper,
                    ))
                })
        };
        let total = |f: &dyn Fn(&Estimate) -> Bounds| {
            sum(&|e| Some(f(e))).unwrap_or(Bounds::new(0.0, 0.0, 0.0))
        };
        Sums {
            energy_kwh: total(&|e| day_share(e, e.energy_twh_per_year, 1e9)),
            co2e_t: total(&|e| day_share(e, e.co2e_t_per_year, 1.0)),
            weee_t: total(&|e| day_share(e, e.ewaste_t_per_year, 1.0)),
            water_m3: total(&|e| day_share(e, e.water_m3_per_year, 1.0)),
            embodied_t: sum(&|e| embodied_t_per_year(&e.inputs).map(|b| day_share(e, b, 1.0))),
        }
    };
    let transactions = estimates
        .iter()
        .map(|e| {
            days.iter()
                .find(|d| d.day == e.date && d.chain == e.chain)
                .and_then(|d| d.tx_count)
        })
        .sum::<Option<u64>>()
        .filter(|n| *n > 0);
    Totals {
        period: sums(&|_| 1.0),
        year: sums(to_year),
        transactions,
    }
}

/// A value of a field before it is written.
enum Value {
    Text(String),
    Date(NaiveDate),
    Number(Bounds),
    /// One number per named item, in the field's format.
    Parts(Vec<(&'static str, Bounds)>),
    /// Not computed: why.
    Missing(String),
}

/// Every field of the Annex for `asset` over `period`, from its daily
/// `estimates` (one chain, any order) and the `days` that carry its
/// transaction counts.
pub fn disclosure(
    catalogues: &Catalogues,
    asset: &Asset<'_>,
    discloser: &Discloser,
    period: Period,
    estimates: &[Estimate],
    days: &[DailyMetrics],
    params: &Params,
) -> Result<Disclosure> {
    let Some(chain) = asset.hosts.first().copied() else {
        return Err(AnalyticsError::InvalidInput {
            name: "hosts",
            value: 0.0,
            why: "an asset needs at least one host chain",
        });
    };
    if period.end < period.start {
        return Err(AnalyticsError::InvalidInput {
            name: "period",
            value: (period.end - period.start).num_days() as f64,
            why: "the period ends before it starts",
        });
    }
    // No figure for a day before the asset existed: a period must start
    // on a day one of its hosts existed. A token's later hosts join from
    // their launch.
    let exists_at_start = |h: &&ChainProfile| h.launched.is_none_or(|l| l <= period.start);
    if !asset.hosts.iter().any(exists_at_start) {
        if let Some((host, launched)) = asset
            .hosts
            .iter()
            .filter_map(|h| Some((h, h.launched?)))
            .min_by_key(|(_, l)| *l)
        {
            return Err(AnalyticsError::BeforeLaunch {
                chain: host.slug.clone(),
                day: period.start,
                launched,
            });
        }
    }
    let on_host = |e: &&Estimate| asset.hosts.iter().any(|h| h.slug == e.chain);
    let mut estimates: Vec<&Estimate> = estimates
        .iter()
        .filter(|e| on_host(e) && period.start <= e.date && e.date <= period.end)
        .collect();
    estimates.sort_by(|a, b| (a.date, &a.chain).cmp(&(b.date, &b.chain)));
    estimates.dedup_by(|a, b| a.date == b.date && a.chain == b.chain);
    let Some(newest) = estimates.iter().max_by_key(|e| e.as_of).copied() else {
        return Err(AnalyticsError::NoEstimates {
            chain: asset
                .hosts
                .iter()
                .map(|h| h.slug.as_str())
                .collect::<Vec<_>>()
                .join("+"),
            from: period.start,
            to: period.end,
        });
    };
    let estimated_days = |h: &ChainProfile| {
        let mut dates: Vec<NaiveDate> = estimates
            .iter()
            .filter(|e| e.chain == h.slug)
            .map(|e| e.date)
            .collect();
        dates.dedup();
        dates.len()
    };
    let mut counted: Vec<&ChainProfile> = Vec::new();
    let mut not_counted: Vec<HostNotCounted> = Vec::new();
    for host in &asset.hosts {
        let given = asset.not_counted.iter().find(|n| n.chain == host.slug);
        let reason = match (given, host.launched.filter(|l| period.end < *l)) {
            (Some(n), _) => n.reason.clone(),
            (None, Some(l)) => format!("{} launched on {l}, after the period: none of the asset was on it", host.name),
            (None, None) if estimated_days(host) == 0 => format!(
                "no estimate of {} on any day from {} to {}: the asset's part there is missing from every figure, which are the other hosts' only",
                host.name, period.start, period.end
            ),
            (None, None) => {
                counted.push(host);
                continue;
            }
        };
        not_counted.push(HostNotCounted {
            chain: host.slug.clone(),
            reason,
        });
    }
    let chain = counted.first().copied().unwrap_or(chain);
    let to_year: Vec<(&str, f64)> = counted
        .iter()
        .map(|h| {
            (
                h.slug.as_str(),
                host_to_year(period, h.launched, estimated_days(h)),
            )
        })
        .collect();
    let t = totals(&estimates, days, &|e| {
        to_year
            .iter()
            .find(|(slug, _)| *slug == e.chain)
            .map_or(0.0, |(_, f)| *f)
    });
    let owned: Vec<Estimate> = estimates.iter().map(|e| (*e).clone()).collect();
    let energy = t.year.energy_kwh;

    let mut basis_days = BasisDays::default();
    for e in &owned {
        match e.basis {
            Basis::Measured => basis_days.measured += 1,
            Basis::CarriedForward => basis_days.carried_forward += 1,
            Basis::Fallback => basis_days.fallback += 1,
        }
    }
    let basis = owned
        .iter()
        .map(|e| e.basis)
        .max_by_key(|b| basis_rank(*b))
        .unwrap_or(Basis::Measured);
    let mut versions: Vec<String> = owned
        .iter()
        .map(|e| e.methodology_version.clone())
        .collect();
    versions.sort();
    versions.dedup();
    let methods: Vec<Method> = {
        let mut m: Vec<Method> = owned
            .iter()
            .filter_map(|e| Method::parse(&e.method).ok())
            .collect();
        m.sort_by_key(|m| m.name());
        m.dedup();
        m
    };

    let threshold = Threshold {
        energy_kwh: energy.best,
        limit_kwh: ENERGY_THRESHOLD_KWH,
        table3_mandatory: energy.best > ENERGY_THRESHOLD_KWH,
        within_bounds: energy.lower <= ENERGY_THRESHOLD_KWH && ENERGY_THRESHOLD_KWH <= energy.upper,
        rule: "Article 5: Table 3 is mandatory when S.8 exceeds 500,000 kWh a year (for a service provider, when it also provides the services of Article 3(16)(b), (c) or (d) of MiCA); decided on S.8's best estimate",
    };

    let year = period.end.year();
    // A share of the hosts' electricity (renewable, or one source's): each
    // host's location-weighted share, weighted by its part of the energy.
    let electricity_share = |series: &CountrySeries| -> Option<Bounds> {
        let mut weighted: Option<(Bounds, f64)> = None;
        for host in &counted {
            let weight: f64 = estimates
                .iter()
                .filter(|e| e.chain == host.slug)
                .map(|e| e.energy_twh_per_year.best)
                .sum();
            let Some(r) = location_share(catalogues, host, year, params, series) else {
                continue;
            };
            let (sum, w) = weighted.unwrap_or((Bounds::new(0.0, 0.0, 0.0), 0.0));
            weighted = Some((
                Bounds::new(
                    sum.lower + r.lower * weight,
                    sum.best + r.best * weight,
                    sum.upper + r.upper * weight,
                ),
                w + weight,
            ));
        }
        weighted
            .filter(|(_, w)| *w > 0.0)
            .map(|(b, w)| b.scale(1.0 / w))
    };
    let renewable = electricity_share(&catalogues.renewable_share);
    let mix: Option<Vec<(&'static str, Bounds)>> = catalogues
        .generation_mix
        .iter()
        .map(|(source, series)| electricity_share(series).map(|b| (*source, b.scale(100.0))))
        .collect();
    // The vintage each host's location takes in the period's year (a dated
    // profile may be the world average before its first published year).
    let profiles = counted
        .iter()
        .map(|h| match location_used(catalogues, h, year, params) {
            Some((vintage, _, moved)) => format!(
                "{vintage}, its bounds moving {}% of the mix",
                (moved * 100.0).round() as i64
            ),
            None => h.location_profile.clone(),
        })
        .collect::<Vec<_>>()
        .join("; ");
    // Days whose carbon came from where the chain's blocks were mined
    // rather than from the profile (Ethereum's mining days).
    let mined_months: BTreeSet<String> = owned
        .iter()
        .filter_map(|e| e.inputs.get("mining_intensity")?.get("month")?.as_str())
        .map(str::to_owned)
        .collect();
    let mining_text = match (mined_months.first(), mined_months.last()) {
        (Some(first), Some(last)) => format!(
            " On the period's mining days ({first} to {last}), the grid intensity is instead each month's where the chain's blocks were mined, as published from their mining pools and extraData (mining_intensity.csv), with the same bounds rule."
        ),
        _ => String::new(),
    };
    let per_host = |text: &dyn Fn(&ChainProfile) -> String| {
        if counted.len() == 1 {
            text(chain)
        } else {
            counted
                .iter()
                .map(|h| format!("On {}: {}", h.name, text(h)))
                .collect::<Vec<_>>()
                .join(" ")
        }
    };

    let scaled_note = to_year.iter().any(|(_, f)| *f != 1.0).then(|| {
        let count = |n: i64| if n == 1 { "1 day".to_owned() } else { format!("{n} days") };
        let days = |h: &ChainProfile| {
            let n = estimated_days(h);
            match h.launched.filter(|l| period.start < *l) {
                Some(l) => format!("{n} estimated of the {} from its launch on {l}", count((period.end - l).num_days() + 1)),
                None => format!("{n} estimated of the period's {}", count(period.days() as i64)),
            }
        };
        if counted.len() == 1 {
            format!("per calendar year: the {} scaled to 365.25 days", days(chain))
        } else {
            format!(
                "per calendar year: each host's estimated days scaled to its part of 365.25 days ({})",
                counted
                    .iter()
                    .map(|h| format!("{}: {}", h.name, days(h)))
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        }
    });
    // Where a host's part is not in the figures, every total says so.
    let scaled_note = match (scaled_note, not_counted.is_empty()) {
        (note, true) => note,
        (note, false) => Some(
            note.into_iter()
                .chain(std::iter::once(format!(
                    "not counted: {}",
                    not_counted
                        .iter()
                        .map(|n| n.reason.as_str())
                        .collect::<Vec<_>>()
                        .join("; ")
                )))
                .collect::<Vec<_>>()
                .join("; "),
        ),
    };
    let per_tx = |total: Bounds, unit: f64| match t.transactions {
        Some(n) => Value::Number(total.scale(unit / n as f64)),
        None => Value::Missing("not computed: a day of the period has no transaction count".into()),
    };
    let not_modelled = |what: &str| Value::Missing(format!("not computed: {what}"));
    let method_text: String = methods
        .iter()
        .map(|m| {
            format!(
                "{} ({}): {}",
                m.name(),
                m.methodology_version(),
                methodology(*m)
            )
        })
        .collect::<Vec<_>>()
        .join(" ");
    // A token on several chains has one estimate per host and day.
    let estimated = match counted.len() {
        1 => format!("{} days", owned.len()),
        n => format!("{} days of its {n} host chains", owned.len()),
    };
    let basis_text = format!(
        "Period {} to {}: {estimated} estimated ({} measured, {} carried forward, {} from dated catalogue fallbacks); data as of {}.",
        period.start,
        period.end,
        basis_days.measured,
        basis_days.carried_forward,
        basis_days.fallback,
        newest.as_of
    );

    let value_of = |code: &str| -> (Value, Option<String>) {
        match code {
            "S.1" => (
                discloser.name.clone().map_or_else(
                    || Value::Missing("not configured: set [mica] name to the person drawing up the white paper or the service provider".into()),
                    Value::Text,
                ),
                None,
            ),
            "S.2" => (
                discloser.lei.clone().map_or_else(
                    || Value::Missing("not configured: set [mica] lei to the legal entity identifier of S.1".into()),
                    Value::Text,
                ),
                None,
            ),
            "S.3" => (Value::Text(asset.name.to_owned()), None),
            "S.4" => (Value::Text(per_host(&|h| consensus_text(h, period))), Some("a description by consensus family from blockwatt's chain catalogue; align it with the white paper's".into())),
            "S.5" => (Value::Text(per_host(&|h| incentive_text(h, period))), Some("a description by consensus family; align it with the white paper's".into())),
            "S.6" => (Value::Date(period.start), None),
            "S.7" => (Value::Date(period.end), None),
            "S.8" => (Value::Number(energy), scaled_note.clone()),
            "S.9" => (
                Value::Text(match &asset.allocation {
                    Some(rule) => format!("{basis_text} {rule} {method_text}"),
                    None => format!("{basis_text} {method_text}"),
                }),
                None,
            ),
            "S.10" => (
                renewable.map_or_else(
                    || Value::Missing("not computed: no generation mix for the chain's location".into()),
                    |r| Value::Number(r.scale(100.0)),
                ),
                Some(format!("share of renewable sources in the electricity consumed in the location profile ({profiles}) in {year}: {RENEWABLE_SOURCES}, weighted by each host's energy")),
            ),
            "S.11" => (per_tx(t.period.energy_kwh, 1.0), Some("kWh per validated transaction: the period's energy over its on-chain transactions".into())),
            "S.12" => (Value::Number(Bounds::new(0.0, 0.0, 0.0)), Some(SCOPE_1_RULE.into())),
            "S.13" => (Value::Number(t.year.co2e_t), Some(format!("location-based: energy × the grid intensity of the chain's location profile{}{}", if mined_months.is_empty() { "" } else { ", or on mining days of where the chain's blocks were mined (S.16)" }, scaled_note.as_ref().map(|n| format!("; {n}")).unwrap_or_default()))),
            "S.14" => (per_tx(t.period.co2e_t, 1000.0), Some("S.12 plus S.13 per validated transaction; S.12 is zero by rule, so S.13's emissions alone".into())),
            "S.15" => (
                Value::Text(format!(
                    "Renewable energy consumption (S.10): the renewable share of the electricity consumed in the location profile ({}) in {year}: {RENEWABLE_SOURCES}; the bounds move that part of the mix to the cleanest or dirtiest country where mining or nodes are known to be. Energy intensity (S.11): the period's energy (S.8, before scaling to a year) divided by the on-chain transactions of the period's days.",
                    profiles,
                )),
                None,
            ),
            "S.16" => (
                Value::Text(format!(
                    "Scope 2 (S.13), location-based: energy × the grid carbon intensity of the location profile ({}), from Ember and the Energy Institute via Our World in Data, with the same bounds rule as S.10.{} Scope 1 (S.12): zero by rule, every kWh being counted in S.13 as bought electricity, including electricity a node generates on site. GHG intensity (S.14): S.12 and S.13's period emissions divided by the period's on-chain transactions.",
                    profiles, mining_text
                )),
                None,
            ),
            "S.17" => (
                mix.clone().map_or_else(
                    || Value::Missing("not computed: no generation mix for the chain's location".into()),
                    Value::Parts,
                ),
                Some(format!("in parts, one per primary source: its share in the electricity generation of the location profile ({profiles}) for {year}, each country's generation as of its latest year in the catalogue (mostly 2022 or 2023), weighted by each host's energy; the parts sum to 100 %, and the renewable ones (hydro, wind, solar, bioenergy, other_renewable) are the renewable share of that generation, which S.10 replaces with the share consumed in the period's year where Electricity Maps gives it. The range of each part is the spread of the countries its location could be, so the lower bounds do not sum to 100 %")),
            ),
            "S.18" | "S.21" | "S.28" | "S.30" => (Value::Missing("not applicable: targets are the discloser's commitments, not a measurement".into()), None),
            "S.19" => (
                Value::Number(Bounds::new(
                    ratio(t.period.co2e_t.lower * 1000.0, t.period.energy_kwh.lower),
                    ratio(t.period.co2e_t.best * 1000.0, t.period.energy_kwh.best),
                    ratio(t.period.co2e_t.upper * 1000.0, t.period.energy_kwh.upper),
                )),
                Some(format!("S.13 over S.8: the location-weighted grid intensity{}", if mined_months.is_empty() { "" } else { ", or on mining days that of where the chain's blocks were mined (S.16)" })),
            ),
            "S.20" => match t.year.embodied_t {
                Some(made) => (
                    Value::Number(made),
                    Some(format!("the validator nodes' machines only: their manufacture and transport (GHG Protocol scope 3, category 2, capital goods), from the manufacturers' product carbon footprints of models standing for each node class (node_hardware.csv), spread over the {NODE_LIFETIME_YEARS} years of use those footprints assume; the other categories (the electricity's upstream emissions among them) are not included{}", scaled_note.as_ref().map(|n| format!("; {n}")).unwrap_or_default())),
                ),
                None => (not_modelled("the manufacture of mining machines is not modelled: no life-cycle data for them could be read (validator nodes' machines are, for proof-of-stake days)"), None),
            },
            "S.22" => (Value::Number(t.year.weee_t), Some(format!("the fleet's hardware mass retired per year (mass ÷ lifetime){}", scaled_note.as_ref().map(|n| format!("; {n}")).unwrap_or_default()))),
            "S.23" => match catalogues.non_recycled_weee_share() {
                Some((share, year)) => (
                    Value::Number(share.scale(100.0)),
                    Some(format!("the share of e-waste not documented as formally recycled in {year} (Global E-waste Monitor 2024): the world's as the best estimate, the highest and lowest regional rates as the bounds; no rate is published for mining or validating hardware itself")),
                ),
                None => (not_modelled("no e-waste recycling rate in the catalogue"), None),
            },
            "S.24" => (not_modelled("hazardous waste is not separated from WEEE"), None),
            "S.25" => (not_modelled("only WEEE is modelled (S.22)"), None),
            "S.26" => (not_modelled("only WEEE is modelled (S.22)"), None),
            "S.27" => (
                not_modelled("only WEEE is modelled (S.22)"),
                match per_tx(t.period.weee_t, 1e6) {
                    Value::Number(b) => Some(format!("WEEE alone is {:.3} g per validated transaction", b.best)),
                    _ => None,
                },
            ),
            "S.29" => (Value::Text("The electricity used draws on water at the power plants (S.31, consumptive use by generation source); the raw materials of the hardware are not modelled.".into()), None),
            "S.31" => (Value::Number(t.year.water_m3), Some(format!("consumptive water use of the electricity's generation mix{}", scaled_note.as_ref().map(|n| format!("; {n}")).unwrap_or_default()))),
            "S.32" => (not_modelled("no water recycling data applies to electricity generation"), None),
            "S.33" => (Value::Text("Energy mix (S.17): the electricity generation by primary source of each country (Our World in Data's compilation of Ember and the Energy Institute, through codecarbon's global_energy_mix.json; the latest year per country, mostly 2022 or 2023), weighted by the chain's location profile (hashrate-by-country data for Bitcoin, node-by-country data for Ethereum, Polygon and Solana from 2025 and for Avalanche from 2022, the world average otherwise) and by each host's energy. The electricity used is assumed to be drawn from the grid; off-grid and on-site generation are not modelled. S.18 (targets) is the discloser's commitment, not a measurement.".into()), None),
            "S.34" => (Value::Text("Carbon intensity (S.19): S.13 over S.8, the location-weighted grid intensity (Ember and the Energy Institute via Our World in Data). Scope 3 (S.20), value chain: for validator nodes, the manufacture and transport of their machines (GHG Protocol category 2, capital goods), from the manufacturers' product carbon footprints of the models standing for each node class (Boavizta's dataset of manufacturers' PCFs: node_hardware.csv), the class medians weighted as node power's classes and the bounds all nodes of the lightest or the heaviest class, divided by the 4 years of use the footprints assume; for mining machines it is not modelled, and the electricity's upstream emissions are not included for either.".into()), None),
            "S.35" => (Value::Text("WEEE (S.22): the fleet's hardware mass divided by its lifetime (1.29 years for SHA-256 ASICs, de Vries & Stoll 2021; 4 years for validator nodes), from the hardware catalogue's unit masses for mining machines and the weights of node_hardware.csv's models for validator nodes. Non-recycled WEEE ratio (S.23): one minus the share of e-waste documented as formally collected and recycled (Global E-waste Monitor 2024, ITU and UNITAR: world 22.3% in 2022 as the best estimate; Europe 42.8% and Africa under 1% as the bounds), since no rate is published for mining or validating hardware; documented recycling counts formal, recorded recycling only, so the ratio is an upper estimate.".into()), None),
            "S.36" => (Value::Text("Water (S.31): energy × the consumptive water use of the generation mix (codecarbon mix × Meldrum et al. 2013 factors).".into()), None),
            _ => (Value::Missing("not computed".into()), None),
        }
    };

    let mut fields = Vec::with_capacity(catalogues.mica_annex.len());
    let mut missing_required = Vec::new();
    for f in &catalogues.mica_annex {
        let (value, note) = value_of(&f.code);
        let required = f.table == AnnexTable::Mandatory
            || (f.table == AnnexTable::Supplementary && threshold.table3_mandatory);
        let field = write(f, value, note)?;
        if field.value.is_none() && required {
            missing_required.push(f.code.clone());
        }
        fields.push(field);
    }
    let mut dates: Vec<NaiveDate> = owned.iter().map(|e| e.date).collect();
    dates.dedup();
    Ok(Disclosure {
        asset: asset.id.to_owned(),
        asset_name: asset.name.to_owned(),
        chains: asset.hosts.iter().map(|h| h.slug.clone()).collect(),
        not_counted,
        allocation: asset.allocation.clone(),
        period,
        days_with_estimates: dates.len(),
        basis,
        basis_days,
        as_of: newest.as_of,
        methodology_versions: versions,
        threshold,
        missing_required,
        fields,
    })
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 {
        a / b
    } else {
        0.0
    }
}

fn basis_rank(b: Basis) -> u8 {
    match b {
        Basis::Measured => 0,
        Basis::CarriedForward => 1,
        Basis::Fallback => 2,
    }
}

/// Where S.10's country shares come from (`Catalogues::renewable_share`).
const RENEWABLE_SOURCES: &str = "each country's share of the year in Electricity Maps' yearly data (imports traced to the mix they were made from; 2021 to 2025, the nearest of those years outside them), or, for a country it does not cover whole (Russia, Chile, Ukraine), its share of renewables in generation in Our World in Data's latest year (via codecarbon), the world average likewise from both";

/// A location-weighted share of the chain's electricity, 0..1 (the
/// renewable share, or one primary source's), with the same bounds rule
/// as the grid intensity.
fn location_share(
    catalogues: &Catalogues,
    chain: &ChainProfile,
    year: i32,
    params: &Params,
    series: &CountrySeries,
) -> Option<Bounds> {
    let (_, shares, u) = location_used(catalogues, chain, year, params)?;
    location_weighted(shares, &plausible_locations(catalogues), series, year, u)
}

/// The location vintage `chain` takes in `year`, its country shares, and
/// the share of its mix the bounds move: all of it for the world average
/// (no published location), the parameter's share otherwise.
fn location_used<'c>(
    catalogues: &'c Catalogues,
    chain: &ChainProfile,
    year: i32,
    params: &Params,
) -> Option<(&'c str, &'c [LocationShare], f64)> {
    let (vintage, shares) = catalogues.location_for(&chain.location_profile, year)?;
    let world = shares.iter().all(|s| s.iso3 == "WLD");
    let moved = if world {
        UNKNOWN_LOCATION_UNCERTAINTY
    } else {
        params.location_uncertainty_share
    };
    Some((vintage, shares, moved))
}

fn pow_days(chain: &ChainProfile, period: Period) -> (bool, bool) {
    (chain.is_pow_on(period.start), chain.is_pow_on(period.end))
}

fn consensus_text(chain: &ChainProfile, period: Period) -> String {
    let pow = |alg: &str| {
        format!("Proof of work ({alg}): miners repeat a hash computation until one finds a block whose hash meets the difficulty target; nodes follow the chain with the most accumulated work.")
    };
    let pos = "Proof of stake: validators, selected in proportion to the stake they lock, propose blocks and attest to them; blocks become final once enough stake has attested.";
    let alg = chain
        .algorithm
        .map(|a| a.as_str())
        .unwrap_or("unknown algorithm");
    match (chain.consensus, pow_days(chain, period)) {
        (Consensus::Pow, _) => pow(alg),
        (Consensus::Pos, (true, true)) => pow(alg),
        (Consensus::Pos, (true, false)) => format!(
            "{} Until {}: {}",
            pos,
            chain.pow_until.map(|d| d.to_string()).unwrap_or_default(),
            pow(alg)
        ),
        (Consensus::Pos, _) => pos.to_owned(),
    }
}

fn incentive_text(chain: &ChainProfile, period: Period) -> String {
    let pow = "Miners receive the protocol's block subsidy and the transaction fees of the blocks they mine.";
    let pos = "Validators receive protocol rewards for proposing and attesting blocks and the transaction fees paid to them; stake can be slashed for provable misbehaviour.";
    match (chain.consensus, pow_days(chain, period)) {
        (Consensus::Pow, _) | (Consensus::Pos, (true, true)) => pow.to_owned(),
        (Consensus::Pos, (true, false)) => {
            format!("{pos} Before the switch to proof of stake: {pow}")
        }
        (Consensus::Pos, _) => pos.to_owned(),
    }
}

/// A field's value written in its format.
fn write(f: &AnnexField, value: Value, note: Option<String>) -> Result<DisclosureField> {
    let mut out = DisclosureField {
        code: f.code.clone(),
        table: f.table.number(),
        section: f.section.clone(),
        name: f.name.clone(),
        unit: f.unit.clone(),
        format: f.format.label(),
        value: None,
        lower: None,
        upper: None,
        note,
        parts: Vec::new(),
    };
    match (value, f.format) {
        (Value::Missing(why), _) => {
            out.note = Some(match out.note.take() {
                Some(n) => format!("{why}; {n}"),
                None => why,
            })
        }
        (Value::Text(s), FieldFormat::FreeText) => out.value = Some(s),
        (Value::Date(d), FieldFormat::Date) => out.value = Some(d.format("%Y-%m-%d").to_string()),
        (Value::Number(b), FieldFormat::Decimal { digits, fraction }) => {
            let write = |v: f64| format_significant(v, digits, fraction, SIGNIFICANT_DIGITS);
            out.value = Some(write(b.best)?);
            out.lower = Some(write(b.lower)?);
            out.upper = Some(write(b.upper)?);
        }
        (Value::Parts(parts), FieldFormat::Decimal { digits, fraction }) => {
            let write = |v: f64| format_significant(v, digits, fraction, SIGNIFICANT_DIGITS);
            for (part, b) in parts {
                out.parts.push(FieldPart {
                    part: part.to_owned(),
                    value: write(b.best)?,
                    lower: write(b.lower)?,
                    upper: write(b.upper)?,
                });
            }
        }
        // A value of the wrong kind for the Annex's format is a defect here.
        _ => {
            return Err(AnalyticsError::Catalogue {
                catalogue: "mica_annex",
                line: 0,
                message: format!(
                    "{}: value does not match format {}",
                    f.code,
                    f.format.label()
                ),
            })
        }
    }
    Ok(out)
}

impl Disclosure {
    /// One row per field, in the Annex's order (a field given in parts, a
    /// row per part); the period, basis and data age repeat on every row
    /// so a row stands alone.
    pub fn to_csv(&self) -> std::result::Result<Vec<u8>, csv::Error> {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record([
            "asset",
            "period_start",
            "period_end",
            "basis",
            "as_of",
            "code",
            "table",
            "section",
            "name",
            "unit",
            "format",
            "value",
            "lower",
            "upper",
            "note",
            "part",
        ])?;
        let (start, end, as_of) = (
            self.period.start.to_string(),
            self.period.end.to_string(),
            self.as_of.to_string(),
        );
        for f in &self.fields {
            // A field given in parts is a row per part, `part` naming it.
            let rows: Vec<(&str, &str, &str, &str)> = if f.parts.is_empty() {
                vec![(
                    f.value.as_deref().unwrap_or(""),
                    f.lower.as_deref().unwrap_or(""),
                    f.upper.as_deref().unwrap_or(""),
                    "",
                )]
            } else {
                f.parts
                    .iter()
                    .map(|p| {
                        (
                            p.value.as_str(),
                            p.lower.as_str(),
                            p.upper.as_str(),
                            p.part.as_str(),
                        )
                    })
                    .collect()
            };
            for (value, lower, upper, part) in rows {
                w.write_record([
                    self.asset.as_str(),
                    &start,
                    &end,
                    self.basis.as_str(),
                    &as_of,
                    &f.code,
                    &f.table.to_string(),
                    &f.section,
                    &f.name,
                    &f.unit,
                    &f.format,
                    value,
                    lower,
                    upper,
                    f.note.as_deref().unwrap_or(""),
                    part,
                ])?;
            }
        }
        w.into_inner().map_err(|e| e.into_error().into())
    }
}

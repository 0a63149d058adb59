//! What the OpenAPI document says each parameter accepts, taken from the
//! same constants and lists the handlers check against (the models' price
//! and PUE ranges, the catalogue's chains and methods, the hash and height
//! shapes the parsers take, the configured limits), so the document cannot
//! promise a value the server refuses, nor leave out one it takes.
//! schemathesis checks both directions in CI.

use blockwatt_service::{Allocation, ContractAllocation, ELECTRICITY_PRICE_RANGE, PUE_RANGE};
use serde_json::Value;
use utoipa::openapi::path::{Parameter, ParameterIn};
use utoipa::openapi::schema::{Object, Schema};
use utoipa::openapi::{OpenApi, RefOr};

use crate::config::ApiConfig;
use crate::extract::{BLOCK_REF_PATTERN, HASH_PATTERN};
use crate::respond::FORMATS;
use blockwatt_web::METRICS;

/// One constraint on a parameter's schema.
enum Constraint {
    Range(f64, f64),
    OneOf(Vec<String>),
    Pattern(String),
}

/// Sets every constrained parameter of every operation in `doc`.
pub(crate) fn apply(doc: &mut OpenApi, config: &ApiConfig) {
    let catalogues = blockwatt_service::Catalogues::embedded();
    let chains: Vec<String> = blockwatt_service::chains::chains(catalogues)
        .into_iter()
        .map(|c| c.slug)
        .collect();
    let methods: Vec<String> = blockwatt_service::methodology::methodology(catalogues)
        .into_iter()
        .map(|m| m.name)
        .collect();
    let slug = "[a-z0-9]+(-[a-z0-9]+)*";
    let more = config.max_compare_chains.saturating_sub(1);
    let rules = |path: &str, location: &ParameterIn, name: &str| -> Option<Constraint> {
        // A token's or a contract's part of its chain has its own keys.
        let shares_a_chain = path.contains("/contracts/") || path.starts_with("/v1/mica/");
        Some(match (location, name) {
            (ParameterIn::Query, "allocation") if shares_a_chain => Constraint::OneOf(
                ContractAllocation::NAMES
                    .iter()
                    .map(|a| (*a).to_owned())
                    .collect(),
            ),
            (ParameterIn::Query, "price") => {
                Constraint::Range(ELECTRICITY_PRICE_RANGE.0, ELECTRICITY_PRICE_RANGE.1)
            }
            (ParameterIn::Query, "pue") => Constraint::Range(PUE_RANGE.0, PUE_RANGE.1),
            (ParameterIn::Query, "format") => {
                Constraint::OneOf(FORMATS.iter().map(|f| (*f).to_owned()).collect())
            }
            (ParameterIn::Query | ParameterIn::Path, "method") => {
                Constraint::OneOf(methods.clone())
            }
            (ParameterIn::Query, "metric") => Constraint::OneOf(
                METRICS
                    .iter()
                    .map(|(name, _)| (*name).to_owned())
                    // The name before `per-tx`, still read.
                    .chain(["energy-per-tx".to_owned()])
                    .collect(),
            ),
            (ParameterIn::Query, "theme") => {
                Constraint::OneOf(["light", "dark", "auto"].map(str::to_owned).to_vec())
            }
            (ParameterIn::Query, "explain") => Constraint::OneOf(vec!["sensitivity".to_owned()]),
            (ParameterIn::Query, "period") => {
                Constraint::OneOf(["30d", "1y", "all"].map(str::to_owned).to_vec())
            }
            (ParameterIn::Query, "allocation") => Constraint::OneOf(
                Allocation::ALL
                    .iter()
                    .map(|a| a.as_str().to_owned())
                    .collect(),
            ),
            (ParameterIn::Path, "chain") => Constraint::OneOf(chains.clone()),
            (ParameterIn::Path, "txid") => Constraint::Pattern(HASH_PATTERN.to_owned()),
            (ParameterIn::Path, "height_or_hash") => {
                Constraint::Pattern(BLOCK_REF_PATTERN.to_owned())
            }
            (ParameterIn::Query, "chains") => {
                Constraint::Pattern(format!("^ *{slug} *(, *{slug} *){{0,{more}}}$"))
            }
            _ => return None,
        })
    };
    for (path, item) in doc.paths.paths.iter_mut() {
        let ops = [
            item.get.as_mut(),
            item.post.as_mut(),
            item.put.as_mut(),
            item.delete.as_mut(),
        ];
        for op in ops.into_iter().flatten() {
            for param in op.parameters.iter_mut().flatten() {
                if let Some(rule) = rules(path, &param.parameter_in, &param.name) {
                    constrain(param, rule);
                }
                let values = examples(path, &param.parameter_in, &param.name);
                if !values.is_empty() {
                    if let Some(RefOr::T(Schema::Object(object))) = param.schema.as_mut() {
                        object.examples = values
                            .iter()
                            .map(|v| Value::String((*v).to_owned()))
                            .collect();
                    }
                }
            }
        }
    }
}

/// Values of a parameter that reach data a fresh install can hold: the
/// Coin Metrics community files (`blockwatt import coinmetrics`) end on
/// 2020-07-27. For readers of the document, and for schemathesis, whose
/// generated values mostly fall on days or chains without data.
fn examples(path: &str, location: &ParameterIn, name: &str) -> &'static [&'static str] {
    match (location, name) {
        // Contracts live on EVM chains.
        (ParameterIn::Path, "chain") if path.contains("/contracts/") => &["ethereum"],
        (ParameterIn::Path, "chain") => &["bitcoin"],
        (ParameterIn::Path | ParameterIn::Query, "date") => &["2020-06-01"],
        (ParameterIn::Query, "from") => &["2020-06-01"],
        (ParameterIn::Query, "to") => &["2020-06-30"],
        (ParameterIn::Query, "chains") => &["bitcoin,ethereum"],
        // Bitcoin's third halving block (2020-05-11).
        (ParameterIn::Path, "height_or_hash") => &["630000"],
        // The first known purchase with bitcoin (2010-05-22).
        (ParameterIn::Path, "txid") => {
            &["a1075db55d416d3ca199f55b6084e2115b9345e16c5cf302fc80e9d5fbf5d48d"]
        }
        // Tether's Ethereum contract, as the asset registry lists it.
        (ParameterIn::Path, "address") => &["0xdac17f958d2ee523a2206206994597c13d831ec7"],
        // A token, and a native coin whose disclosure the Coin Metrics
        // files alone can answer (a token's needs its chain's node).
        (ParameterIn::Path, "asset") => &["usdt", "bitcoin"],
        _ => &[],
    }
}

fn constrain(param: &mut Parameter, rule: Constraint) {
    let Some(RefOr::T(Schema::Object(object))) = param.schema.as_mut() else {
        return;
    };
    set(object, rule);
}

fn set(object: &mut Object, rule: Constraint) {
    match rule {
        Constraint::Range(min, max) => {
            object.minimum = Some(min.into());
            object.maximum = Some(max.into());
        }
        Constraint::OneOf(values) => {
            object.enum_values = Some(values.into_iter().map(Value::String).collect());
        }
        Constraint::Pattern(pattern) => object.pattern = Some(pattern),
    }
}

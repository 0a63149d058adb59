//! What each method computes, in words, formulas, parameters and sources:
//! the methodology every estimate links to.

use blockwatt_analytics::{
    chain_profiles, methodology as method_text, methods, Catalogues, Method, Params,
    ELECTRICITY_PRICE_RANGE,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One tunable of a method, with its bounds and where they come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ParameterInfo {
    pub name: String,
    pub unit: String,
    pub lower: f64,
    pub best: f64,
    pub upper: f64,
    pub source: String,
}

/// A catalogue a method reads (hardware, grid intensity...), with its source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CatalogueInfo {
    pub name: String,
    pub version: String,
    pub source: String,
}

/// How a method computes, in words and formulas.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MethodDescription {
    /// Stable id used in `?method=` (`cbeci-v1`).
    pub name: String,
    pub title: String,
    pub version: String,
    /// The chains it applies to on some day of their history.
    pub applies_to: Vec<String>,
    pub summary: String,
    pub formulas: Vec<String>,
    pub parameters: Vec<ParameterInfo>,
    pub catalogues: Vec<CatalogueInfo>,
    pub references: Vec<String>,
}

/// The CSV text of a shipped catalogue by the name methods list it under
/// (`hardware`, `grid_intensity`, …): every row with its source column.
pub fn catalogue_csv(name: &str) -> Option<&'static str> {
    let c = blockwatt_analytics::CatalogueSources::embedded();
    Some(match name {
        "cbeci_v1_hardware" => c.cbeci_v1_hardware,
        "hardware" => c.hardware,
        "chains" => c.chains,
        "grid_intensity" => c.grid_intensity,
        "energy_mix" => c.energy_mix,
        "renewable_consumption" => c.renewable_consumption,
        "mining_map" => c.mining_map,
        "merge_mining" => c.merge_mining,
        "published_figures" => c.published_figures,
        "algorithm_eras" => c.algorithm_eras,
        "mica_annex" => c.mica_annex,
        "assets" => c.assets,
        "ewaste_recycling" => c.ewaste_recycling,
        "mining_intensity" => c.mining_intensity,
        "node_hardware" => c.node_hardware,
        "references" => c.references,
        _ => return None,
    })
}

/// One method by its id.
pub fn method(catalogues: &Catalogues, name: &str) -> Option<MethodDescription> {
    methodology(catalogues).into_iter().find(|m| m.name == name)
}

fn method_title(method: Method) -> &'static str {
    match method {
        Method::CbeciV1 => "Cambridge Bitcoin Electricity Consumption Index, v1 reproduction",
        Method::Hardware => "Profitable hardware, per algorithm, weighted by age",
        Method::Economic => "Economic: miner revenue spent on electricity",
        Method::PosNodes => "Proof of stake: validator nodes by hardware class",
    }
}

/// Every method, for `/v1/methodology` and the method pages.
pub fn methodology(catalogues: &Catalogues) -> Vec<MethodDescription> {
    let profiles = chain_profiles(catalogues);
    let d = Params::default();
    let parameters = vec![
        ParameterInfo {
            name: "price".into(),
            unit: "USD/kWh".into(),
            lower: ELECTRICITY_PRICE_RANGE.0,
            best: d.electricity_price_usd_per_kwh,
            upper: ELECTRICITY_PRICE_RANGE.1,
            source: "CBECI v1 default electricity price".into(),
        },
        ParameterInfo {
            name: "pue".into(),
            unit: "ratio".into(),
            lower: d.pue.lower,
            best: d.pue.best,
            upper: d.pue.upper,
            source: "CBECI v1 PUE bounds".into(),
        },
        ParameterInfo {
            name: "rig_factor".into(),
            unit: "ratio".into(),
            lower: d.rig_factor.lower,
            best: d.rig_factor.best,
            upper: d.rig_factor.upper,
            source: "hardware method, for machines listed by board power (GPUs, CPUs): McDonald 2022's rig overhead over power-supply efficiency, 1.01/0.95, 1.03/0.90 and 1.06/0.80 [mcdonald-ethereum-emissions]".into(),
        },
        ParameterInfo {
            name: "revenue_share".into(),
            unit: "share".into(),
            lower: 0.01,
            best: d.revenue_share,
            upper: 1.0,
            source: "economic method default (de Vries 2018)".into(),
        },
        ParameterInfo {
            name: "hybrid_holdings_share".into(),
            unit: "share".into(),
            lower: 0.0,
            best: d.hybrid_holdings_share,
            upper: 1.0,
            source: "stated split of the hybrid allocation".into(),
        },
    ];
    let catalogue_list: Vec<CatalogueInfo> = [
        (
            "references",
            "the documents (URL or DOI, dated) and stated assumptions every other catalogue cites by [key]",
        ),
        ("cbeci_v1_hardware", "CCAF CBECI v1 hardware list (2020)"),
        ("hardware", "per-algorithm mining hardware, each row cited"),
        (
            "chains",
            "consensus, method and dated fallback inputs per chain, each cited",
        ),
        (
            "grid_intensity",
            "Ember / Our World in Data grid carbon intensity (CC BY 4.0)",
        ),
        (
            "energy_mix",
            "generation mix (OWID via codecarbon) and per-source water use (Meldrum et al. 2013)",
        ),
        (
            "renewable_consumption",
            "renewable share of the electricity each country consumed, by year 2021-2025 (Electricity Maps via co2.js, ODbL 1.0), for MiCA S.10",
        ),
        (
            "mining_map",
            "mining location shares (CCAF mining map), each cited",
        ),
        (
            "node_hardware",
            "models standing for each validator-node class, with weight and the manufacturer's product carbon footprint (Boavizta's dataset of manufacturers' PCFs), for e-waste and the value chain's hardware emissions (MiCA S.20)",
        ),
        (
            "mining_intensity",
            "a chain's miners' grid intensity by month where a study placed them from the chain's blocks (McDonald 2022 for Ethereum's mining), each cited",
        ),
        (
            "merge_mining",
            "chains mined by one shared fleet (merged mining), each cited",
        ),
        (
            "algorithm_eras",
            "earlier proof-of-work algorithms (Monero's CryptoNight years), each cited",
        ),
        (
            "published_figures",
            "other indices' published figures (CBECI's releases, Digiconomist, CCRI, McDonald, Krause & Tolaymat), each cited, for /reconcile",
        ),
        (
            "assets",
            "tokens and their host chains' contracts, each cited (native coins are their chain's)",
        ),
        (
            "mica_annex",
            "the fields S.1 to S.36 of the Annex to Delegated Regulation (EU) 2025/422, with table, unit, format and where each was read",
        ),
        (
            "ewaste_recycling",
            "the share of e-waste documented as formally recycled, world and regions (Global E-waste Monitor 2024), for MiCA's non-recycled WEEE ratio (S.23)",
        ),
    ]
    .into_iter()
    .map(|(name, source)| CatalogueInfo {
        name: name.into(),
        version: env!("CARGO_PKG_VERSION").into(),
        source: source.into(),
    })
    .collect();
    methods()
        .into_iter()
        .filter_map(|m| {
            let method = Method::parse(m.name).ok()?;
            let text = method_text(method);
            Some(MethodDescription {
                name: m.name.into(),
                title: method_title(method).to_owned(),
                version: m.methodology_version.into(),
                applies_to: profiles
                    .iter()
                    .filter(|p| p.methods.contains(&m.name))
                    .map(|p| p.chain.clone())
                    .collect(),
                summary: m.summary.into(),
                formulas: text
                    .split("\n\n")
                    .map(|p| p.trim().to_owned())
                    .filter(|p| !p.is_empty())
                    .collect(),
                parameters: parameters.clone(),
                catalogues: catalogue_list.clone(),
                references: vec!["https://ccaf.io/cbnsi/cbeci/methodology".into()],
            })
        })
        .collect()
}

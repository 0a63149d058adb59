//! The named estimation methods, their methodology versions and texts, and
//! what each chain uses (`blockwatt chains` prints `chain_profiles()`).

use serde::{Deserialize, Serialize};

use crate::catalogue::{Catalogues, Consensus};
use crate::error::{AnalyticsError, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Method {
    #[serde(rename = "cbeci-v1")]
    CbeciV1,
    #[serde(rename = "hardware")]
    Hardware,
    #[serde(rename = "economic")]
    Economic,
    #[serde(rename = "pos-nodes")]
    PosNodes,
}

impl Method {
    pub const ALL: [Method; 4] = [
        Method::CbeciV1,
        Method::Hardware,
        Method::Economic,
        Method::PosNodes,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Method::CbeciV1 => "cbeci-v1",
            Method::Hardware => "hardware",
            Method::Economic => "economic",
            Method::PosNodes => "pos-nodes",
        }
    }

    pub fn parse(name: &str) -> Result<Method> {
        Method::ALL
            .into_iter()
            .find(|m| m.name() == name)
            .ok_or_else(|| AnalyticsError::UnknownMethod(name.to_owned()))
    }

    /// Bumped whenever the method's results change (formula, default
    /// parameter or catalogue), so a stored estimate says what made it.
    pub fn methodology_version(self) -> &'static str {
        match self {
            // .2: the threshold and smoothing windows are calendar days
            // (they counted stored rows, so a gap stretched them back).
            // .3: a chain without a published location has carbon and
            // water bounds over every plausible country; hardware also
            // splits merge-mined fleets and uses Monero's CryptoNight era;
            // pos-nodes bounds are percentiles of the spreads, not the
            // stacked extremes.
            // .4 (hardware, pos-nodes): every catalogue row cites a
            // reference; SHA-256 machines to 2020 take CBECI's release day
            // and J/GH, unsourced machines were dropped or flagged, and
            // node power classes are CCRI's metered 22 / 48 / 155 W.
            // hardware.5, pos-nodes.5, economic.4, cbeci-v1.3: Ethereum's,
            // Polygon's and Solana's nodes are located from 2025 (crawls,
            // validators.app); their countries join those the bounds range
            // over, so every chain's water bounds (France's nuclear
            // cooling) and MiCA renewable shares (Hong Kong) reach further.
            // Solana's fallback node count is validators.app's 955 active
            // validators of 2025-10-06 (was an unarchived 1,300), Cardano's
            // Koios's 3,094 pools of 2024-04-19 (was an unarchived 3,000),
            // Avalanche's 1,438 validators of 2025-01-01 (was 1,400), whose
            // countries locate it from 2022.
            // hardware.6, economic.5, cbeci-v1.4, pos-nodes.6: Ethereum's
            // mining days take the grid intensity of where each month's
            // blocks were mined (McDonald 2022), for every method's carbon;
            // the Ethash list is every card McDonald benchmarked, at the
            // medians of his benchmarks, which every method's e-waste
            // reads; hardware counts cards and processors (listed by board
            // power) at the wall, times the rig factor; validator nodes'
            // e-waste weighs node_hardware.csv's machines (pos-nodes).
            // hardware.7, economic.6: RandomX machines are the CPUs the
            // algorithm's authors measured, hashrate and processor power
            // (tevador's design notes of 2026), in place of figures entered
            // without a kept page, for Monero's energy and every method's
            // e-waste.
            Method::CbeciV1 => "cbeci-v1.4",
            Method::Hardware => "hardware.7",
            Method::Economic => "economic.6",
            Method::PosNodes => "pos-nodes.6",
        }
    }

    /// Whether the method estimates proof-of-work mining.
    pub fn is_pow(self) -> bool {
        !matches!(self, Method::PosNodes)
    }

    /// The daily-metrics fields the method reads.
    pub fn live_inputs(self) -> &'static [&'static str] {
        match self {
            Method::CbeciV1 => &["hashrate_hs", "issuance_usd", "fees_usd"],
            Method::Hardware => &["hashrate_hs", "issuance_usd", "fees_usd"],
            Method::Economic => &["issuance_usd", "fees_usd"],
            Method::PosNodes => &["node_count"],
        }
    }

    pub fn summary(self) -> &'static str {
        match self {
            Method::CbeciV1 => "Cambridge Bitcoin Electricity Consumption Index v1: profitable models of the index's 2020 hardware list × hashrate × PUE (1.01/1.10/1.20), 14-day threshold and 7-day smoothing",
            Method::Hardware => "profitable, age-weighted models of a per-algorithm hardware catalogue through 2025 × hashrate × PUE",
            Method::Economic => "share of miner revenue spent on electricity ÷ electricity price",
            Method::PosNodes => "node count × power per node by hardware class (low/medium/high, best 0.25/0.5/0.25) × PUE",
        }
    }
}

/// Full methodology text for a method (for the API, the CLI and MiCA reports).
pub fn methodology(method: Method) -> &'static str {
    match method {
        Method::CbeciV1 => CBECI_TEXT,
        Method::Hardware => HARDWARE_TEXT,
        Method::Economic => ECONOMIC_TEXT,
        Method::PosNodes => POS_TEXT,
    }
}

const COMMON: &str = "Carbon: energy × location-weighted grid intensity (gCO2e/kWh; Ember and Energy Institute via Our World in Data, CC BY 4.0) using the chain's location profile (the CCAF Bitcoin Mining Map for Bitcoin; from 2025, the countries of Ethereum's and Polygon's nodes in a crawl of 2025-11-22 and of Solana's validators in validators.app's list of 2025-10; from 2022, Avalanche's validators on 1 January of each year); on Ethereum's mining days, each month's grid intensity from where its blocks were mined (McDonald 2022: regions named in blocks' extraData and mining pools' regions; mining_intensity.csv), water keeping the profile; bounds move 20% of the mix to the cleanest / dirtiest plausible country (one where mining or nodes are known to be). A chain without a published location uses the world average, says so in its inputs (location_basis), and its bounds span the whole range from the cleanest to the dirtiest plausible country. Water: energy × consumptive water use of the same mix (codecarbon generation mix × Meldrum et al. 2013 per-source factors). E-waste: fleet mass ÷ hardware lifetime (1.29 years for SHA-256 ASICs, de Vries & Stoll 2021 [de-vries-stoll-2021]; for validator nodes the weights of node_hardware.csv's models over the 4 years of use their manufacturers' carbon footprints assume [boavizta-efd-2023], whose manufacture and transport emissions, spread over the same years, are recorded as hardware_embodied_co2e_t_per_year). Every catalogue number cites references.csv by [key].";

const CBECI_TEXT: &str = "cbeci-v1 reproduces the Cambridge Bitcoin Electricity Consumption Index as computed in 2019-2021. For each UTC day: profitability threshold (J/GH) = (miner revenue USD/day ÷ (hashrate TH/s × 86400)) ÷ (electricity price USD/kWh ÷ 3.6e6) ÷ 1000, averaged over the trailing 14 calendar days; a model of the index's 2020 hardware list is profitable when released before the day and more efficient than the threshold; power (W) = efficiency (J/GH) × hashrate (TH/s) × 1000 × PUE with the most efficient profitable model and PUE 1.01 (lower), the mean efficiency and PUE 1.10 (best), the least efficient and PUE 1.20 (upper); a day without a profitable model carries the previous values forward; annualised energy (TWh/yr) = W × 24 × 365.25 ÷ 1e12, averaged over the trailing 7 calendar days. Both windows run over the whole stored history (min_periods=1 as in the index's pandas code), so they are full from the 20th day of data; a cold start on a day D (the analytics `cold_start` parameter) ignores every earlier day, as the published series did on its first day, and meets the full-window series exactly from D + 20 days.";

const HARDWARE_TEXT: &str = "hardware applies the cbeci-v1 threshold idea to every proof-of-work chain with a per-algorithm catalogue (SHA-256, Scrypt, Ethash/Etchash, Equihash, X11, CryptoNight, RandomX) through 2025, each machine citing references.csv: threshold (J/H) from revenue, hashrate and electricity price over the trailing 14 calendar days; models count two months after release; a machine listed by its card's or processor's own draw (power_at = board: GPUs and CPUs) is counted at the wall, times the rig factor (McDonald 2022 [mcdonald-ethereum-emissions]: the rest of the rig over power-supply efficiency, 1.01/0.95, 1.03/0.90 and 1.06/0.80 for lower, best and upper), in the threshold too, and the inputs state basket_board_share and rig_factor; lower = most efficient profitable model × PUE 1.01, upper = least efficient × PUE 1.20, best = mean efficiency weighted by age since shipping (1.0, 0.8, 0.6, 0.4, 0.2, then 0 from five years) × PUE 1.10; without revenue data every model younger than five years counts; smoothing over the trailing 7 calendar days. Merge-mined chains (merge_mining.csv: Litecoin and Dogecoin from 2014-09-11) share one fleet: it is computed once from the fleet's hashrate (the largest of its chains') and revenue (theirs together), and each chain carries the fleet's power times its share of that revenue, so the parts sum to the fleet and no machine is counted twice; a day without every member's revenue has no figure. Chains that only share an algorithm (Bitcoin, Bitcoin Cash) are not merged: each chain's hashrate counts its own machines. A chain that changed its algorithm (algorithm_eras.csv: Monero, CryptoNight until 2019-11-29, RandomX after) is estimated with each era's hardware list, and the windows restart at the switch. The inputs state basket_undocumented_share: the basket's age-weighted share of machines whose figures were entered without a kept document ([bw-unarchived-2025]).";

const ECONOMIC_TEXT: &str = "economic: energy (kWh/day) = miner revenue (USD/day) × share spent on electricity (default 0.6; bounds 2/3 of it and halfway to 1) ÷ electricity price (default 0.05 USD/kWh); 7-day smoothing. An independent cross-check of the hardware methods.";

const POS_TEXT: &str = "pos-nodes: power (W) = node or validator count × wall power per node × PUE, with low / medium / high hardware classes per chain (best = 0.25/0.5/0.25 mix with PUE 1.10; lower and upper = the 5th and 95th percentiles of node count ±25% × power per node from the low to the high class × PUE 1.01–1.20, each triangular around its best, on a deterministic quantile grid, rather than every factor's extreme stacked; the estimate's bounds_rule input gives the factors); node counts from ingestion, or a dated figure from the chain catalogue until ingestion supplies one (the estimate's inputs say which).";

/// The common tail of every methodology text.
pub fn footprint_methodology() -> &'static str {
    COMMON
}

/// One method as `methods()` lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MethodInfo {
    pub name: &'static str,
    pub methodology_version: &'static str,
    pub summary: &'static str,
    pub live_inputs: &'static [&'static str],
}

pub fn methods() -> Vec<MethodInfo> {
    Method::ALL
        .into_iter()
        .map(|m| MethodInfo {
            name: m.name(),
            methodology_version: m.methodology_version(),
            summary: m.summary(),
            live_inputs: m.live_inputs(),
        })
        .collect()
}

/// What `blockwatt chains` prints for one chain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChainMethods {
    pub chain: String,
    pub name: String,
    /// False for a local test chain (see `ChainProfile::public`).
    pub public: bool,
    pub consensus: Consensus,
    pub algorithm: Option<&'static str>,
    pub default_method: String,
    /// Methods that apply on some day of the chain's history.
    pub methods: Vec<&'static str>,
    /// For a chain that changed consensus: the last proof-of-work day.
    pub pow_until: Option<chrono::NaiveDate>,
    /// The chain's first day: no figure exists before it.
    pub launched: Option<chrono::NaiveDate>,
    /// Daily-metrics fields the default method reads.
    pub live_inputs: Vec<&'static str>,
    /// The dated figure used when ingestion has none, with its source.
    pub fallback: Option<String>,
    pub location_profile: String,
    pub source: String,
}

/// Every chain of the catalogue with its method and inputs.
pub fn chain_profiles(catalogues: &Catalogues) -> Vec<ChainMethods> {
    catalogues
        .chains
        .iter()
        .map(|c| {
            let mut methods = Vec::new();
            let was_pow = c.consensus == Consensus::Pow || c.pow_until.is_some();
            if c.slug == "bitcoin" {
                methods.push(Method::CbeciV1.name());
            }
            if was_pow {
                methods.extend([Method::Hardware.name(), Method::Economic.name()]);
            }
            if c.consensus == Consensus::Pos {
                methods.push(Method::PosNodes.name());
            }
            let default = Method::parse(&c.default_method).unwrap_or(Method::Hardware);
            let mut live_inputs: Vec<&'static str> = default.live_inputs().to_vec();
            if c.pow_until.is_some() {
                live_inputs.extend(Method::Hardware.live_inputs());
            }
            live_inputs.push("tx_count");
            let date = match c.fallback_date {
                Some(d) => {
                    let until = d + chrono::Days::new(crate::FALLBACK_MAX_AGE_DAYS);
                    format!("as of {d}, serving {d} .. {until}")
                }
                None => "any day (defines the test chain)".to_owned(),
            };
            let fallback = match (c.fallback_hashrate_hs, c.fallback_node_count) {
                (Some(h), _) => Some(format!("hashrate {h:e} H/s {date}")),
                (None, Some(n)) => Some(format!("{n} nodes {date}")),
                (None, None) => None,
            };
            ChainMethods {
                chain: c.slug.clone(),
                name: c.name.clone(),
                public: c.public,
                consensus: c.consensus,
                algorithm: c.algorithm.map(|a| a.as_str()),
                default_method: c.default_method.clone(),
                methods,
                pow_until: c.pow_until,
                launched: c.launched,
                live_inputs,
                fallback,
                location_profile: c.location_profile.clone(),
                source: c.source.clone(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DESIGN_SLUGS: [&str; 20] = [
        "bitcoin",
        "litecoin",
        "dogecoin",
        "bitcoin-cash",
        "dash",
        "zcash",
        "monero",
        "ethereum",
        "ethereum-classic",
        "cardano",
        "solana",
        "polkadot",
        "tezos",
        "algorand",
        "avalanche",
        "cosmos",
        "tron",
        "polygon",
        "bnb",
        "devnet",
    ];

    #[test]
    fn every_design_chain_has_a_profile_with_a_method_and_a_fallback() {
        let profiles = chain_profiles(Catalogues::embedded());
        for slug in DESIGN_SLUGS {
            let p = profiles
                .iter()
                .find(|p| p.chain == slug)
                .unwrap_or_else(|| panic!("{slug}"));
            assert!(p.methods.contains(&p.default_method.as_str()), "{slug}");
            assert!(p.fallback.is_some(), "{slug} has no fallback input");
            assert!(!p.source.is_empty());
        }
        assert_eq!(profiles.len(), DESIGN_SLUGS.len());
    }

    #[test]
    fn method_names_round_trip() {
        for m in Method::ALL {
            assert_eq!(Method::parse(m.name()), Ok(m));
            assert!(!methodology(m).is_empty());
        }
        assert!(matches!(
            Method::parse("magic"),
            Err(AnalyticsError::UnknownMethod(_))
        ));
        assert_eq!(methods().len(), 4);
    }
}

//! Catalogues: the facts the models read (hardware, chains, grid intensity,
//! energy mix, mining map), each parsed from CSV text with a source per row.
//! The defaults are compiled in from `config/catalogues/`, so the crate
//! never reads a file at run time.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use blockwatt_domain::Bounds;
use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::bibliography::References;
use crate::error::{AnalyticsError, Result};

/// Proof-of-work algorithm families of the hardware catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Algorithm {
    Sha256,
    Scrypt,
    /// Ethash and Etchash (ETC's variant): same hardware, same efficiency.
    Ethash,
    Equihash,
    X11,
    /// RandomX on CPUs (Monero from 2019-11-30).
    Randomx,
    /// CryptoNight and its variants on CPUs and GPUs (Monero until
    /// 2019-11-29; `algorithm_eras.csv`).
    Cryptonight,
}

impl Algorithm {
    pub const ALL: [Algorithm; 7] = [
        Algorithm::Sha256,
        Algorithm::Scrypt,
        Algorithm::Ethash,
        Algorithm::Equihash,
        Algorithm::X11,
        Algorithm::Randomx,
        Algorithm::Cryptonight,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Sha256 => "sha256",
            Algorithm::Scrypt => "scrypt",
            Algorithm::Ethash => "ethash",
            Algorithm::Equihash => "equihash",
            Algorithm::X11 => "x11",
            Algorithm::Randomx => "randomx",
            Algorithm::Cryptonight => "cryptonight",
        }
    }

    pub fn parse(s: &str) -> Option<Algorithm> {
        Algorithm::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// Default hardware lifetime for e-waste, years. SHA-256: de Vries &
    /// Stoll (2021) "Bitcoin's growing e-waste problem", 1.29 y. Other ASIC
    /// families are assumed to age like SHA-256 ones (same vendors, same
    /// difficulty race); GPUs and CPUs resell into general use, so 4 y.
    pub fn default_lifetime_years(self) -> f64 {
        match self {
            Algorithm::Sha256 | Algorithm::Scrypt | Algorithm::Equihash | Algorithm::X11 => 1.29,
            Algorithm::Ethash | Algorithm::Randomx | Algorithm::Cryptonight => 4.0,
        }
    }
}

/// `pow` (proof of work) or `pos` (proof of stake), as the catalogue and
/// the API spell it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Consensus {
    Pow,
    Pos,
}

impl Consensus {
    /// As serialised: `pow` or `pos`.
    pub fn as_str(self) -> &'static str {
        match self {
            Consensus::Pow => "pow",
            Consensus::Pos => "pos",
        }
    }
}

/// One row of the CBECI v1 hardware list: only what the index used.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CbeciModel {
    pub model: String,
    /// Release instant, Unix seconds: CBECI compares the day's timestamp to it.
    pub released_unix: i64,
    pub efficiency_j_per_gh: f64,
    pub source: String,
}

/// One mining machine of the per-algorithm catalogue, in SI units.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HardwareModel {
    pub algorithm: Algorithm,
    pub model: String,
    pub released: NaiveDate,
    /// Hashes (or Equihash solutions) per second.
    pub hashrate_hs: f64,
    pub power_w: f64,
    /// Where `power_w` is measured.
    pub power_at: PowerAt,
    pub mass_kg: f64,
    /// Cites what gives `released`, `hashrate_hs` and `power_w`.
    pub source: String,
    /// Cites what gives `mass_kg` (e-waste only).
    pub mass_source: String,
    /// Whether `source` rests on documents (`References::rests_on_documents`):
    /// false for figures entered without a kept document.
    pub documented: bool,
}

/// Where a machine's listed power is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PowerAt {
    /// At the socket: a complete machine's specification (ASICs).
    Wall,
    /// The card's or processor's own draw (GPU-reported power, board power,
    /// TDP): the rig around it and its power supply's losses come on top.
    Board,
}

impl HardwareModel {
    /// Joules per hash, as listed (`power_at` says where).
    pub fn efficiency_j_per_h(&self) -> f64 {
        self.power_w / self.hashrate_hs
    }

    /// Joules per hash at the socket: a board figure times `rig_factor`
    /// (wall ÷ board power, `Params::rig_factor`), a wall figure as listed.
    pub fn wall_efficiency_j_per_h(&self, rig_factor: f64) -> f64 {
        match self.power_at {
            PowerAt::Wall => self.efficiency_j_per_h(),
            PowerAt::Board => self.efficiency_j_per_h() * rig_factor,
        }
    }

    pub fn mass_kg_per_hs(&self) -> f64 {
        self.mass_kg / self.hashrate_hs
    }

    /// The first day the model counts as deployed.
    pub fn shipped(&self, delay_months: u32) -> NaiveDate {
        self.released
            .checked_add_months(Months::new(delay_months))
            .unwrap_or(self.released)
    }
}

/// What we know about one chain and how we estimate it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChainProfile {
    pub slug: String,
    pub name: String,
    /// False for a local test chain (devnet): listed, compared and
    /// published only when the configuration makes it public. Its fallback
    /// inputs may be undated: they define the test chain rather than
    /// measure a network, so they serve any day.
    pub public: bool,
    pub consensus: Consensus,
    /// The PoW algorithm (also set for a chain that was PoW, like Ethereum).
    pub algorithm: Option<Algorithm>,
    pub default_method: String,
    /// The chain's first UTC day (genesis, or its own first block after a
    /// fork); no estimate exists for an earlier day.
    pub launched: Option<NaiveDate>,
    /// Where `launched` comes from.
    pub launched_source: String,
    /// Last day of proof of work for a chain that moved to proof of stake.
    pub pow_until: Option<NaiveDate>,
    pub fallback_hashrate_hs: Option<f64>,
    pub fallback_node_count: Option<u64>,
    pub fallback_date: Option<NaiveDate>,
    /// W per node for the low / medium / high hardware classes.
    pub node_power_w: Option<[f64; 3]>,
    /// Key into the mining map (`bitcoin-2020`, `world`).
    pub location_profile: String,
    pub source: String,
}

impl ChainProfile {
    /// Whether the chain ran proof of work on `day`.
    pub fn is_pow_on(&self, day: NaiveDate) -> bool {
        match self.consensus {
            Consensus::Pow => true,
            Consensus::Pos => self.pow_until.is_some_and(|last| day <= last),
        }
    }
}

/// Per-country figures by year, looked up with the nearest earlier year.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CountrySeries {
    /// iso3 → (year, value) sorted by year.
    by_country: BTreeMap<String, Vec<(i32, f64)>>,
}

impl CountrySeries {
    fn push(&mut self, iso3: &str, year: i32, value: f64) {
        let rows = self.by_country.entry(iso3.to_owned()).or_default();
        rows.push((year, value));
        rows.sort_by_key(|r| r.0);
    }

    /// The value for `year`, or the latest earlier year, or the earliest
    /// year we have (a 2012 day in a country whose series starts in 2015).
    pub fn get(&self, iso3: &str, year: i32) -> Option<(i32, f64)> {
        let rows = self.by_country.get(iso3)?;
        rows.iter()
            .rev()
            .find(|r| r.0 <= year)
            .or_else(|| rows.first())
            .copied()
    }

    pub fn len(&self) -> usize {
        self.by_country.len()
    }

    /// This series with every country `over` has taken from `over` (its
    /// years replacing ours), the others kept.
    fn overlaid(mut self, over: CountrySeries) -> Self {
        self.by_country.extend(over.by_country);
        self
    }

    pub fn is_empty(&self) -> bool {
        self.by_country.is_empty()
    }
}

/// One country's share in a location profile.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LocationShare {
    pub iso3: String,
    pub share: f64,
}

/// The CSV texts a `Catalogues` is built from.
#[derive(Debug, Clone, Copy)]
pub struct CatalogueSources<'a> {
    /// The bibliography the other catalogues cite by `[key]`.
    pub references: &'a str,
    pub cbeci_v1_hardware: &'a str,
    pub hardware: &'a str,
    pub chains: &'a str,
    pub grid_intensity: &'a str,
    pub energy_mix: &'a str,
    pub renewable_consumption: &'a str,
    pub mining_map: &'a str,
    pub merge_mining: &'a str,
    pub published_figures: &'a str,
    pub algorithm_eras: &'a str,
    pub mica_annex: &'a str,
    pub assets: &'a str,
    pub ewaste_recycling: &'a str,
    pub mining_intensity: &'a str,
    pub node_hardware: &'a str,
}

impl CatalogueSources<'static> {
    /// The catalogues shipped in `config/catalogues/`.
    pub fn embedded() -> Self {
        CatalogueSources {
            references: include_str!("../../config/catalogues/references.csv"),
            cbeci_v1_hardware: include_str!("../../config/catalogues/cbeci_v1_hardware.csv"),
            hardware: include_str!("../../config/catalogues/hardware.csv"),
            chains: include_str!("../../config/catalogues/chains.csv"),
            grid_intensity: include_str!("../../config/catalogues/grid_intensity.csv"),
            energy_mix: include_str!("../../config/catalogues/energy_mix.csv"),
            renewable_consumption: include_str!(
                "../../config/catalogues/renewable_consumption.csv"
            ),
            mining_map: include_str!("../../config/catalogues/mining_map.csv"),
            merge_mining: include_str!("../../config/catalogues/merge_mining.csv"),
            published_figures: include_str!("../../config/catalogues/published_figures.csv"),
            algorithm_eras: include_str!("../../config/catalogues/algorithm_eras.csv"),
            mica_annex: include_str!("../../config/catalogues/mica_annex.csv"),
            assets: include_str!("../../config/catalogues/assets.csv"),
            ewaste_recycling: include_str!("../../config/catalogues/ewaste_recycling.csv"),
            mining_intensity: include_str!("../../config/catalogues/mining_intensity.csv"),
            node_hardware: include_str!("../../config/catalogues/node_hardware.csv"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Catalogues {
    /// Sorted by release, then efficiency.
    pub cbeci_v1: Vec<CbeciModel>,
    /// Sorted by algorithm, then release.
    pub hardware: Vec<HardwareModel>,
    pub chains: Vec<ChainProfile>,
    /// gCO2e/kWh of electricity generation.
    pub grid_intensity: CountrySeries,
    /// Share of the electricity consumed that is renewable (0..1), by year:
    /// `renewable_consumption.csv` (Electricity Maps, 2021-2025) for the
    /// countries it has, the generation share of `energy_mix.csv` (its
    /// latest year) for the others.
    pub renewable_share: CountrySeries,
    /// Share of generation from renewables (0..1), `energy_mix.csv`'s: the
    /// renewable parts of `generation_mix` summed.
    pub renewable_generation_share: CountrySeries,
    /// Share of generation from each primary source (0..1), in
    /// [`GENERATION_SOURCES`] order: the nine sum to 1.
    pub generation_mix: Vec<(&'static str, CountrySeries)>,
    /// Consumptive water use of generation, L/kWh.
    pub water_l_per_kwh: CountrySeries,
    /// profile → shares summing to about 1.
    pub locations: BTreeMap<String, Vec<LocationShare>>,
    /// Merge-mined chains, by fleet.
    pub merge_mining: Vec<MergeMined>,
    /// Other indices' published figures, for reconciliation.
    pub published: Vec<PublishedFigure>,
    /// Earlier proof-of-work algorithms of chains that changed theirs.
    pub algorithm_eras: Vec<AlgorithmEra>,
    /// Tokens and their host chains.
    pub tokens: Vec<crate::assets::TokenListing>,
    /// The fields of the MiCA sustainability annex (S.1 … S.36).
    pub mica_annex: Vec<crate::mica::AnnexField>,
    /// Documented e-waste recycling rates, by region.
    pub ewaste_recycling: Vec<RecyclingRate>,
    /// Chains' miners' grid intensity by month, where a study placed them.
    pub mining_intensity: Vec<crate::mining_intensity::MiningIntensity>,
    /// The machines standing for each validator-node class.
    pub node_hardware: crate::node_hardware::NodeHardware,
    /// What every row cites.
    pub references: References,
}

/// The share of a region's e-waste documented as formally collected and
/// recycled in a year (`ewaste_recycling.csv`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecyclingRate {
    /// `world`, or a region of the source.
    pub region: String,
    pub year: i32,
    /// 0..=1.
    pub recycled_share: f64,
    pub source: String,
}

/// A chain's proof-of-work algorithm up to a day, when it later changed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlgorithmEra {
    pub chain: String,
    /// Last day mined with `algorithm`.
    pub until: NaiveDate,
    pub algorithm: Algorithm,
    pub source: String,
}

/// A figure another index published for a chain and a day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublishedFigure {
    /// `cbeci`, `digiconomist`, `ccri`, …
    pub index: String,
    pub release: String,
    pub chain: String,
    pub date: NaiveDate,
    /// `energy_twh_per_year` or `co2e_t_per_year`.
    pub figure: String,
    pub value: f64,
    /// The network hashrate (H/s) the figure rests on, where the index
    /// publishes it.
    pub network_hashrate_hs: Option<f64>,
    /// Our method following the same approach, if any.
    pub comparable_method: Option<crate::Method>,
    /// How the index got its figure.
    pub method_note: String,
    pub source: String,
}

/// The figures a published value may be.
pub const PUBLISHED_FIGURES: [&str; 2] = ["energy_twh_per_year", "co2e_t_per_year"];

/// A chain mined by a fleet it shares with other chains (merged mining).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MergeMined {
    /// The fleet's name; the chains with the same name share it.
    pub fleet: String,
    pub chain: String,
    /// First day the chain accepted the fleet's work.
    pub since: NaiveDate,
    pub source: String,
}

impl Catalogues {
    /// The compiled-in catalogues, parsed once. They are checked by this
    /// crate's tests, so a parse failure here is a build defect, not input.
    pub fn embedded() -> &'static Catalogues {
        static EMBEDDED: OnceLock<Catalogues> = OnceLock::new();
        EMBEDDED.get_or_init(|| {
            Catalogues::parse(CatalogueSources::embedded())
                .expect("the embedded catalogues parse (checked by tests)")
        })
    }

    pub fn parse(src: CatalogueSources<'_>) -> Result<Catalogues> {
        let refs = References::parse(src.references)?;
        let mut cbeci_v1 = parse_cbeci_v1(src.cbeci_v1_hardware, &refs)?;
        cbeci_v1.sort_by(|a, b| {
            a.released_unix
                .cmp(&b.released_unix)
                .then(a.efficiency_j_per_gh.total_cmp(&b.efficiency_j_per_gh))
        });
        let mut hardware = parse_hardware(src.hardware, &refs)?;
        hardware.sort_by_key(|m| (m.algorithm, m.released));
        let chains = parse_chains(src.chains, &refs)?;
        let grid_intensity = parse_grid(src.grid_intensity, &refs)?;
        let EnergyMix {
            renewable_share: renewable_generation_share,
            generation_mix,
            water_l_per_kwh,
        } = parse_energy_mix(src.energy_mix, &refs)?;
        let renewable_share =
            renewable_generation_share
                .clone()
                .overlaid(parse_renewable_consumption(
                    src.renewable_consumption,
                    &refs,
                )?);
        let locations = parse_mining_map(src.mining_map, &refs)?;
        let merge_mining = parse_merge_mining(src.merge_mining, &chains, &refs)?;
        let published = parse_published(src.published_figures, &chains, &refs)?;
        let algorithm_eras = parse_algorithm_eras(src.algorithm_eras, &chains, &refs)?;
        let mica_annex = crate::mica::annex::parse_annex(src.mica_annex, &refs)?;
        let tokens = crate::assets::parse_assets(src.assets, &chains, &refs)?;
        let ewaste_recycling = parse_recycling(src.ewaste_recycling, &refs)?;
        let mining_intensity =
            crate::mining_intensity::parse_mining_intensity(src.mining_intensity, &chains, &refs)?;
        let node_hardware = crate::node_hardware::parse_node_hardware(src.node_hardware, &refs)?;
        for chain in &chains {
            if resolve_location(&locations, &chain.location_profile, i32::MAX).is_none() {
                return Err(AnalyticsError::Catalogue {
                    catalogue: "chains",
                    line: 0,
                    message: format!(
                        "{}: location profile {:?} is not in the mining map",
                        chain.slug, chain.location_profile
                    ),
                });
            }
        }
        Ok(Catalogues {
            cbeci_v1,
            hardware,
            chains,
            grid_intensity,
            renewable_share,
            renewable_generation_share,
            generation_mix,
            water_l_per_kwh,
            locations,
            merge_mining,
            published,
            algorithm_eras,
            tokens,
            mica_annex,
            ewaste_recycling,
            mining_intensity,
            node_hardware,
            references: refs,
        })
    }

    /// The share of retired hardware not recycled, from the latest year of
    /// `ewaste_recycling.csv`: one minus the world's documented rate, the
    /// bounds one minus the highest and the lowest regional rates (no
    /// rate is published for mining or validating hardware), and the year.
    pub fn non_recycled_weee_share(&self) -> Option<(Bounds, i32)> {
        let year = self.ewaste_recycling.iter().map(|r| r.year).max()?;
        let of_year = || self.ewaste_recycling.iter().filter(|r| r.year == year);
        let world = of_year().find(|r| r.region == "world")?.recycled_share;
        let highest = of_year().map(|r| r.recycled_share).fold(world, f64::max);
        let lowest = of_year().map(|r| r.recycled_share).fold(world, f64::min);
        Some((Bounds::new(1.0 - highest, 1.0 - world, 1.0 - lowest), year))
    }

    /// The other chains `chain` shares its fleet with on `day` (empty for
    /// a chain mined alone that day), with the fleet's name.
    pub fn merge_mined_with(&self, chain: &str, day: NaiveDate) -> Option<(&str, Vec<&str>)> {
        let own = self
            .merge_mining
            .iter()
            .find(|m| m.chain == chain && m.since <= day)?;
        let others: Vec<&str> = self
            .merge_mining
            .iter()
            .filter(|m| m.fleet == own.fleet && m.chain != chain && m.since <= day)
            .map(|m| m.chain.as_str())
            .collect();
        (!others.is_empty()).then_some((own.fleet.as_str(), others))
    }

    /// The proof-of-work algorithm `profile` was mined with on `day`: an
    /// earlier era's (`algorithm_eras.csv`) when the chain changed its
    /// algorithm after that day, else the chain's own.
    pub fn algorithm_on(&self, profile: &ChainProfile, day: NaiveDate) -> Option<Algorithm> {
        self.algorithm_eras
            .iter()
            .filter(|e| e.chain == profile.slug && day <= e.until)
            .min_by_key(|e| e.until)
            .map(|e| e.algorithm)
            .or(profile.algorithm)
    }

    /// Every chain that is ever merge-mined with `chain`.
    pub fn fleet_partners(&self, chain: &str) -> Vec<&str> {
        let fleets: Vec<&str> = self
            .merge_mining
            .iter()
            .filter(|m| m.chain == chain)
            .map(|m| m.fleet.as_str())
            .collect();
        self.merge_mining
            .iter()
            .filter(|m| fleets.contains(&m.fleet.as_str()) && m.chain != chain)
            .map(|m| m.chain.as_str())
            .collect()
    }

    pub fn chain(&self, slug: &str) -> Result<&ChainProfile> {
        self.chains
            .iter()
            .find(|c| c.slug == slug)
            .ok_or_else(|| AnalyticsError::UnknownChain(slug.to_owned()))
    }

    /// The hardware rows of one algorithm, in release order.
    pub fn hardware_for(&self, algorithm: Algorithm) -> &[HardwareModel] {
        let start = self.hardware.partition_point(|m| m.algorithm < algorithm);
        let end = self.hardware.partition_point(|m| m.algorithm <= algorithm);
        &self.hardware[start..end]
    }

    pub fn location(&self, profile: &str) -> &[LocationShare] {
        self.locations
            .get(profile)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// The location mix of `profile` for `year`: the profile itself, or its
    /// latest vintage `profile-YYYY` with YYYY <= year (the earliest before
    /// the first vintage). Returns the vintage's key with the shares.
    pub fn location_for(&self, profile: &str, year: i32) -> Option<(&str, &[LocationShare])> {
        resolve_location(&self.locations, profile, year)
    }
}

fn reader(text: &str) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes())
}

/// Deserialises every row, turning a csv error into a catalogue error with
/// its line number.
pub(crate) fn rows<T: for<'de> Deserialize<'de>>(
    catalogue: &'static str,
    text: &str,
) -> Result<Vec<(u64, T)>> {
    let mut rdr = reader(text);
    let headers = rdr
        .headers()
        .map_err(|e| bad(catalogue, 1, e.to_string()))?
        .clone();
    let mut out = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| {
            bad(
                catalogue,
                e.position().map(|p| p.line()).unwrap_or(0),
                e.to_string(),
            )
        })?;
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        let row = rec
            .deserialize(Some(&headers))
            .map_err(|e| bad(catalogue, line, e.to_string()))?;
        out.push((line, row));
    }
    Ok(out)
}

/// A catalogue error naming the catalogue and the line.
pub(crate) fn bad(
    catalogue: &'static str,
    line: u64,
    message: impl Into<String>,
) -> AnalyticsError {
    AnalyticsError::Catalogue {
        catalogue,
        line,
        message: message.into(),
    }
}

pub(crate) fn positive(catalogue: &'static str, line: u64, name: &str, v: f64) -> Result<f64> {
    if v.is_finite() && v > 0.0 {
        Ok(v)
    } else {
        Err(bad(
            catalogue,
            line,
            format!("{name} must be positive, got {v}"),
        ))
    }
}

fn date(catalogue: &'static str, line: u64, s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|e| bad(catalogue, line, format!("bad date {s:?}: {e}")))
}

fn opt_date(catalogue: &'static str, line: u64, s: &str) -> Result<Option<NaiveDate>> {
    if s.is_empty() {
        Ok(None)
    } else {
        date(catalogue, line, s).map(Some)
    }
}

#[derive(Deserialize)]
struct CbeciRow {
    model: String,
    released_unix: i64,
    released_utc: String,
    efficiency_j_per_gh: f64,
    source: String,
}

fn parse_cbeci_v1(text: &str, refs: &References) -> Result<Vec<CbeciModel>> {
    const C: &str = "cbeci_v1_hardware";
    rows::<CbeciRow>(C, text)?
        .into_iter()
        .map(|(line, r)| {
            refs.check(C, line, "source", &r.source)?;
            let d = date(C, line, &r.released_utc)?;
            let from_unix = chrono::DateTime::from_timestamp(r.released_unix, 0)
                .map(|t| t.date_naive())
                .ok_or_else(|| bad(C, line, "released_unix out of range"))?;
            if d != from_unix {
                return Err(bad(C, line, "released_utc disagrees with released_unix"));
            }
            Ok(CbeciModel {
                efficiency_j_per_gh: positive(
                    C,
                    line,
                    "efficiency_j_per_gh",
                    r.efficiency_j_per_gh,
                )?,
                model: r.model,
                released_unix: r.released_unix,
                source: r.source,
            })
        })
        .collect()
}

#[derive(Deserialize)]
struct HardwareRow {
    algorithm: String,
    model: String,
    released: String,
    hashrate: f64,
    unit: String,
    power_w: f64,
    power_at: String,
    mass_kg: f64,
    source: String,
    mass_source: String,
}

/// Hashrate unit → factor to H/s. An Equihash solution counts as one hash:
/// Coin Metrics and the pools report Zcash in Sol/s.
pub fn hashrate_unit_factor(unit: &str) -> Option<f64> {
    let prefix = unit
        .strip_suffix("H/s")
        .or_else(|| unit.strip_suffix("Sol/s"))?;
    Some(match prefix {
        "" => 1.0,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        _ => return None,
    })
}

fn parse_hardware(text: &str, refs: &References) -> Result<Vec<HardwareModel>> {
    const C: &str = "hardware";
    rows::<HardwareRow>(C, text)?
        .into_iter()
        .map(|(line, r)| {
            refs.check(C, line, "source", &r.source)?;
            refs.check(C, line, "mass_source", &r.mass_source)?;
            let algorithm = Algorithm::parse(&r.algorithm)
                .ok_or_else(|| bad(C, line, format!("unknown algorithm {:?}", r.algorithm)))?;
            let factor = hashrate_unit_factor(&r.unit)
                .ok_or_else(|| bad(C, line, format!("unknown hashrate unit {:?}", r.unit)))?;
            let power_at = match r.power_at.as_str() {
                "wall" => PowerAt::Wall,
                "board" => PowerAt::Board,
                other => {
                    return Err(bad(
                        C,
                        line,
                        format!("power_at {other:?}: expected wall or board"),
                    ))
                }
            };
            Ok(HardwareModel {
                algorithm,
                released: date(C, line, &r.released)?,
                hashrate_hs: positive(C, line, "hashrate", r.hashrate)? * factor,
                power_w: positive(C, line, "power_w", r.power_w)?,
                power_at,
                mass_kg: positive(C, line, "mass_kg", r.mass_kg)?,
                model: r.model,
                documented: refs.rests_on_documents(&r.source),
                source: r.source,
                mass_source: r.mass_source,
            })
        })
        .collect()
}

#[derive(Deserialize)]
struct ChainRow {
    slug: String,
    name: String,
    public: bool,
    consensus: String,
    algorithm: String,
    default_method: String,
    launched: String,
    launched_source: String,
    pow_until: String,
    fallback_hashrate_hs: Option<f64>,
    fallback_node_count: Option<u64>,
    fallback_date: String,
    node_power_low_w: Option<f64>,
    node_power_medium_w: Option<f64>,
    node_power_high_w: Option<f64>,
    location_profile: String,
    source: String,
}

fn parse_chains(text: &str, refs: &References) -> Result<Vec<ChainProfile>> {
    const C: &str = "chains";
    rows::<ChainRow>(C, text)?
        .into_iter()
        .map(|(line, r)| {
            refs.check(C, line, "source", &r.source)?;
            blockwatt_domain::validate_chain_slug(&r.slug)
                .map_err(|e| bad(C, line, e.to_string()))?;
            let consensus = match r.consensus.as_str() {
                "pow" => Consensus::Pow,
                "pos" => Consensus::Pos,
                other => return Err(bad(C, line, format!("unknown consensus {other:?}"))),
            };
            let algorithm =
                if r.algorithm.is_empty() {
                    None
                } else {
                    Some(Algorithm::parse(&r.algorithm).ok_or_else(|| {
                        bad(C, line, format!("unknown algorithm {:?}", r.algorithm))
                    })?)
                };
            crate::Method::parse(&r.default_method).map_err(|e| bad(C, line, e.to_string()))?;
            let node_power_w = match (
                r.node_power_low_w,
                r.node_power_medium_w,
                r.node_power_high_w,
            ) {
                (Some(l), Some(m), Some(h)) if 0.0 < l && l <= m && m <= h => Some([l, m, h]),
                (None, None, None) => None,
                _ => {
                    return Err(bad(
                        C,
                        line,
                        "node power classes need 0 < low <= medium <= high",
                    ))
                }
            };
            if consensus == Consensus::Pow && algorithm.is_none() {
                return Err(bad(C, line, "a proof-of-work chain needs an algorithm"));
            }
            let launched = opt_date(C, line, &r.launched)?;
            if launched.is_some() && r.launched_source.trim().is_empty() {
                return Err(bad(C, line, "launched needs its launched_source"));
            }
            let fallback_date = opt_date(C, line, &r.fallback_date)?;
            let has_fallback = r.fallback_hashrate_hs.is_some() || r.fallback_node_count.is_some();
            if r.public && has_fallback && fallback_date.is_none() {
                return Err(bad(
                    C,
                    line,
                    "a public chain's fallback inputs need their fallback_date",
                ));
            }
            if consensus == Consensus::Pos && node_power_w.is_none() {
                return Err(bad(
                    C,
                    line,
                    "a proof-of-stake chain needs node power classes",
                ));
            }
            Ok(ChainProfile {
                slug: r.slug,
                name: r.name,
                public: r.public,
                consensus,
                algorithm,
                default_method: r.default_method,
                launched,
                launched_source: r.launched_source,
                pow_until: opt_date(C, line, &r.pow_until)?,
                fallback_hashrate_hs: r.fallback_hashrate_hs,
                fallback_node_count: r.fallback_node_count,
                fallback_date,
                node_power_w,
                location_profile: r.location_profile,
                source: r.source,
            })
        })
        .collect()
}

#[derive(Deserialize)]
struct EraRow {
    chain: String,
    until: String,
    algorithm: String,
    source: String,
}

fn parse_algorithm_eras(
    text: &str,
    chains: &[ChainProfile],
    refs: &References,
) -> Result<Vec<AlgorithmEra>> {
    const C: &str = "algorithm_eras";
    let mut out = Vec::new();
    for (line, r) in rows::<EraRow>(C, text)? {
        refs.check(C, line, "source", &r.source)?;
        let Some(profile) = chains.iter().find(|c| c.slug == r.chain) else {
            return Err(bad(C, line, format!("unknown chain {:?}", r.chain)));
        };
        let algorithm = Algorithm::parse(&r.algorithm)
            .ok_or_else(|| bad(C, line, format!("unknown algorithm {:?}", r.algorithm)))?;
        if profile.algorithm == Some(algorithm) {
            return Err(bad(
                C,
                line,
                "an earlier era needs another algorithm than the chain's",
            ));
        }
        let until =
            opt_date(C, line, &r.until)?.ok_or_else(|| bad(C, line, "until is required"))?;
        out.push(AlgorithmEra {
            chain: r.chain,
            until,
            algorithm,
            source: r.source,
        });
    }
    Ok(out)
}

#[derive(Deserialize)]
struct RecyclingRow {
    region: String,
    year: i32,
    recycled_share: f64,
    source: String,
}

fn parse_recycling(text: &str, refs: &References) -> Result<Vec<RecyclingRate>> {
    const C: &str = "ewaste_recycling";
    let mut out: Vec<RecyclingRate> = Vec::new();
    for (line, r) in rows::<RecyclingRow>(C, text)? {
        refs.check(C, line, "source", &r.source)?;
        if !(0.0..=1.0).contains(&r.recycled_share) {
            return Err(bad(
                C,
                line,
                format!(
                    "recycled_share {} is not a share (0 to 1)",
                    r.recycled_share
                ),
            ));
        }
        if out.iter().any(|o| o.region == r.region && o.year == r.year) {
            return Err(bad(C, line, format!("{} {} twice", r.region, r.year)));
        }
        out.push(RecyclingRate {
            region: r.region,
            year: r.year,
            recycled_share: r.recycled_share,
            source: r.source,
        });
    }
    if !out.iter().any(|o| o.region == "world") {
        return Err(bad(C, 0, "no world rate"));
    }
    Ok(out)
}

#[derive(Deserialize)]
struct PublishedRow {
    index: String,
    release: String,
    chain: String,
    date: String,
    figure: String,
    value: f64,
    network_hashrate_hs: String,
    comparable_method: String,
    method_note: String,
    source: String,
}

fn parse_published(
    text: &str,
    chains: &[ChainProfile],
    refs: &References,
) -> Result<Vec<PublishedFigure>> {
    const C: &str = "published_figures";
    let mut out = Vec::new();
    for (line, r) in rows::<PublishedRow>(C, text)? {
        refs.check(C, line, "source", &r.source)?;
        let Some(profile) = chains.iter().find(|c| c.slug == r.chain) else {
            return Err(bad(C, line, format!("unknown chain {:?}", r.chain)));
        };
        let date = opt_date(C, line, &r.date)?.ok_or_else(|| bad(C, line, "date is required"))?;
        if profile.launched.is_some_and(|l| date < l) {
            return Err(bad(
                C,
                line,
                format!("{date} is before {} launched", r.chain),
            ));
        }
        if !PUBLISHED_FIGURES.contains(&r.figure.as_str()) {
            return Err(bad(
                C,
                line,
                format!("figure {:?} is not one of {PUBLISHED_FIGURES:?}", r.figure),
            ));
        }
        if !(r.value.is_finite() && r.value > 0.0) {
            return Err(bad(C, line, "value must be a positive number"));
        }
        if r.method_note.trim().is_empty() {
            return Err(bad(C, line, "method_note: how the index got its figure"));
        }
        let comparable_method = match r.comparable_method.trim() {
            "" => None,
            m => Some(crate::Method::parse(m).map_err(|e| bad(C, line, e.to_string()))?),
        };
        let network_hashrate_hs = match r.network_hashrate_hs.trim() {
            "" => None,
            h => Some(
                h.parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite() && *v > 0.0)
                    .ok_or_else(|| {
                        bad(
                            C,
                            line,
                            format!("network_hashrate_hs {h:?} is not a positive number of H/s"),
                        )
                    })?,
            ),
        };
        out.push(PublishedFigure {
            index: r.index,
            release: r.release,
            chain: r.chain,
            date,
            figure: r.figure,
            value: r.value,
            network_hashrate_hs,
            comparable_method,
            method_note: r.method_note,
            source: r.source,
        });
    }
    Ok(out)
}

#[derive(Deserialize)]
struct MergeRow {
    fleet: String,
    chain: String,
    since: String,
    source: String,
}

fn parse_merge_mining(
    text: &str,
    chains: &[ChainProfile],
    refs: &References,
) -> Result<Vec<MergeMined>> {
    const C: &str = "merge_mining";
    let mut out: Vec<MergeMined> = Vec::new();
    for (line, r) in rows::<MergeRow>(C, text)? {
        refs.check(C, line, "source", &r.source)?;
        let Some(profile) = chains.iter().find(|c| c.slug == r.chain) else {
            return Err(bad(C, line, format!("unknown chain {:?}", r.chain)));
        };
        if profile.consensus != Consensus::Pow {
            return Err(bad(C, line, format!("{} is not proof of work", r.chain)));
        }
        if out.iter().any(|m| m.chain == r.chain) {
            return Err(bad(C, line, format!("{} is in two rows", r.chain)));
        }
        let since = opt_date(C, line, &r.since)?
            .ok_or_else(|| bad(C, line, "since: the day the chain joined the fleet"))?;
        // One fleet, one algorithm: its machines compute one kind of hash.
        if let Some(other) = out.iter().find(|m| m.fleet == r.fleet) {
            let algorithm =
                |slug: &str| chains.iter().find(|c| c.slug == slug).map(|c| c.algorithm);
            if algorithm(&other.chain) != Some(profile.algorithm) {
                return Err(bad(
                    C,
                    line,
                    format!("{} and {} use different algorithms", r.chain, other.chain),
                ));
            }
        }
        out.push(MergeMined {
            fleet: r.fleet,
            chain: r.chain,
            since,
            source: r.source,
        });
    }
    for m in &out {
        if out.iter().filter(|o| o.fleet == m.fleet).count() < 2 {
            return Err(bad(C, 0, format!("fleet {} has one chain", m.fleet)));
        }
    }
    Ok(out)
}

#[derive(Deserialize)]
struct GridRow {
    iso3: String,
    year: i32,
    gco2e_per_kwh: f64,
    source: String,
}

fn parse_grid(text: &str, refs: &References) -> Result<CountrySeries> {
    const C: &str = "grid_intensity";
    let mut out = CountrySeries::default();
    for (line, r) in rows::<GridRow>(C, text)? {
        refs.check(C, line, "source", &r.source)?;
        if !(r.gco2e_per_kwh.is_finite() && r.gco2e_per_kwh >= 0.0) {
            return Err(bad(C, line, "gco2e_per_kwh must be >= 0"));
        }
        out.push(&r.iso3, r.year, r.gco2e_per_kwh);
    }
    Ok(out)
}

/// The primary sources of electricity generation, as `energy_mix.csv`
/// names its columns and a disclosure's energy mix (S.17) lists them.
pub const GENERATION_SOURCES: [&str; 9] = [
    "coal",
    "gas",
    "oil",
    "nuclear",
    "hydro",
    "wind",
    "solar",
    "bioenergy",
    "other_renewable",
];

/// Rounded to 4 decimals each, nine shares may miss 1 by this much.
const MIX_SUM_TOLERANCE: f64 = 0.001;

#[derive(Deserialize)]
struct MixRow {
    iso3: String,
    year: i32,
    renewable_share: f64,
    water_l_per_kwh: f64,
    coal: f64,
    gas: f64,
    oil: f64,
    nuclear: f64,
    hydro: f64,
    wind: f64,
    solar: f64,
    bioenergy: f64,
    other_renewable: f64,
    source: String,
}

impl MixRow {
    /// In [`GENERATION_SOURCES`] order.
    fn shares(&self) -> [f64; 9] {
        [
            self.coal,
            self.gas,
            self.oil,
            self.nuclear,
            self.hydro,
            self.wind,
            self.solar,
            self.bioenergy,
            self.other_renewable,
        ]
    }
}

struct EnergyMix {
    renewable_share: CountrySeries,
    generation_mix: Vec<(&'static str, CountrySeries)>,
    water_l_per_kwh: CountrySeries,
}

fn parse_energy_mix(text: &str, refs: &References) -> Result<EnergyMix> {
    const C: &str = "energy_mix";
    let mut renewable = CountrySeries::default();
    let mut water = CountrySeries::default();
    let mut mix: Vec<(&'static str, CountrySeries)> = GENERATION_SOURCES
        .iter()
        .map(|s| (*s, CountrySeries::default()))
        .collect();
    for (line, r) in rows::<MixRow>(C, text)? {
        refs.check(C, line, "source", &r.source)?;
        if !(0.0..=1.0).contains(&r.renewable_share)
            || !r.water_l_per_kwh.is_finite()
            || r.water_l_per_kwh < 0.0
        {
            return Err(bad(
                C,
                line,
                "renewable_share must be in [0,1] and water_l_per_kwh >= 0",
            ));
        }
        let shares = r.shares();
        if let Some(i) = shares.iter().position(|v| !(0.0..=1.0).contains(v)) {
            return Err(bad(
                C,
                line,
                format!(
                    "{}: {} is not a share in [0,1]",
                    GENERATION_SOURCES[i], shares[i]
                ),
            ));
        }
        let sum: f64 = shares.iter().sum();
        if (sum - 1.0).abs() > MIX_SUM_TOLERANCE {
            return Err(bad(
                C,
                line,
                format!("{}: the nine source shares sum to {sum}, not 1", r.iso3),
            ));
        }
        renewable.push(&r.iso3, r.year, r.renewable_share);
        water.push(&r.iso3, r.year, r.water_l_per_kwh);
        for ((_, series), share) in mix.iter_mut().zip(shares) {
            series.push(&r.iso3, r.year, share);
        }
    }
    Ok(EnergyMix {
        renewable_share: renewable,
        generation_mix: mix,
        water_l_per_kwh: water,
    })
}

#[derive(Deserialize)]
struct RenewableRow {
    iso3: String,
    year: i32,
    renewable_share: f64,
    source: String,
}

/// `renewable_consumption.csv`: one share per country and year, in [0,1],
/// no year given twice.
fn parse_renewable_consumption(text: &str, refs: &References) -> Result<CountrySeries> {
    const C: &str = "renewable_consumption";
    let mut series = CountrySeries::default();
    let mut seen = std::collections::BTreeSet::new();
    for (line, r) in rows::<RenewableRow>(C, text)? {
        refs.check(C, line, "source", &r.source)?;
        if !(0.0..=1.0).contains(&r.renewable_share) {
            return Err(bad(
                C,
                line,
                format!(
                    "renewable_share {} is not a share in [0,1]",
                    r.renewable_share
                ),
            ));
        }
        if !seen.insert((r.iso3.clone(), r.year)) {
            return Err(bad(C, line, format!("{} {} given twice", r.iso3, r.year)));
        }
        series.push(&r.iso3, r.year, r.renewable_share);
    }
    Ok(series)
}

#[derive(Deserialize)]
struct MapRow {
    profile: String,
    iso3: String,
    share: f64,
    source: String,
}

fn parse_mining_map(text: &str, refs: &References) -> Result<BTreeMap<String, Vec<LocationShare>>> {
    const C: &str = "mining_map";
    let mut out: BTreeMap<String, Vec<LocationShare>> = BTreeMap::new();
    for (line, r) in rows::<MapRow>(C, text)? {
        refs.check(C, line, "source", &r.source)?;
        if !(0.0..=1.0).contains(&r.share) {
            return Err(bad(C, line, "share must be in [0,1]"));
        }
        out.entry(r.profile).or_default().push(LocationShare {
            iso3: r.iso3,
            share: r.share,
        });
    }
    for (profile, shares) in &out {
        let total: f64 = shares.iter().map(|s| s.share).sum();
        if (total - 1.0).abs() > 0.01 {
            return Err(bad(
                C,
                0,
                format!("profile {profile}: shares sum to {total}, not 1"),
            ));
        }
    }
    Ok(out)
}

fn resolve_location<'a>(
    locations: &'a BTreeMap<String, Vec<LocationShare>>,
    profile: &str,
    year: i32,
) -> Option<(&'a str, &'a [LocationShare])> {
    if let Some((key, shares)) = locations.get_key_value(profile) {
        return Some((key.as_str(), shares.as_slice()));
    }
    let prefix = format!("{profile}-");
    let vintages: Vec<(i32, &String, &Vec<LocationShare>)> = locations
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix(&prefix)?.parse::<i32>().ok()?, k, v)))
        .collect();
    let chosen = vintages
        .iter()
        .filter(|v| v.0 <= year)
        .max_by_key(|v| v.0)
        .or_else(|| vintages.iter().min_by_key(|v| v.0))?;
    Some((chosen.1.as_str(), chosen.2.as_slice()))
}

/// The calendar year of a day, for yearly country series.
pub(crate) fn year_of(day: NaiveDate) -> i32 {
    day.year()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_catalogues_parse_and_cover_every_algorithm() {
        let c = Catalogues::parse(CatalogueSources::embedded()).unwrap();
        // The index's list (miners.csv @bd0f9e2) has 90 models; the "89" miscounts.
        assert_eq!(c.cbeci_v1.len(), 90);
        for a in Algorithm::ALL {
            let rows = c.hardware_for(a);
            assert!(rows.iter().all(|m| m.algorithm == a));
            // An algorithm no chain mines any more (Monero's CryptoNight)
            // needs machines of its era only, all released before it ended.
            if let Some(era) = c.algorithm_eras.iter().find(|e| e.algorithm == a) {
                assert!(!c.chains.iter().any(|ch| ch.algorithm == Some(a)));
                assert!(rows.len() >= 3, "{a:?} has {} rows", rows.len());
                assert!(rows.iter().all(|m| m.released < era.until), "{a:?}");
                continue;
            }
            assert!(rows.len() >= 5, "{a:?} has {} rows", rows.len());
            assert!(
                rows.iter().any(|m| m.released.year() >= 2023),
                "{a:?} stops early"
            );
        }
        assert!(c.grid_intensity.get("CHN", 2020).is_some());
        assert!(c.water_l_per_kwh.get("WLD", 2023).is_some());
        // Bitcoin's mining map by vintage: the 2020 map before 2022, the 2022 one after.
        assert_eq!(c.location_for("bitcoin", 2019).unwrap().0, "bitcoin-2020");
        assert_eq!(c.location_for("bitcoin", 2021).unwrap().0, "bitcoin-2020");
        assert_eq!(c.location_for("bitcoin", 2026).unwrap().0, "bitcoin-2022");
        assert_eq!(c.location_for("world", 2026).unwrap().0, "world");
        // Node geography from the crawl of 2025-11-22, from 2025 only:
        // Ethereum's mining and earlier nodes keep the world average as
        // their profile (its mining days take their carbon from
        // `mining_intensity.csv` instead).
        assert_eq!(c.location_for("ethereum", 2019).unwrap().0, "ethereum-2015");
        assert_eq!(c.location_for("ethereum", 2024).unwrap().0, "ethereum-2015");
        assert_eq!(c.location_for("ethereum", 2025).unwrap().0, "ethereum-2025");
        assert_eq!(c.location_for("polygon", 2021).unwrap().0, "polygon-2020");
        assert_eq!(c.location_for("polygon", 2026).unwrap().0, "polygon-2025");
        assert_eq!(c.location_for("solana", 2024).unwrap().0, "solana-2020");
        assert_eq!(c.location_for("solana", 2025).unwrap().0, "solana-2025");
        assert_eq!(
            c.location_for("avalanche", 2021).unwrap().0,
            "avalanche-2020"
        );
        assert_eq!(
            c.location_for("avalanche", 2023).unwrap().0,
            "avalanche-2023"
        );
        assert_eq!(
            c.location_for("avalanche", 2026).unwrap().0,
            "avalanche-2025"
        );
        assert!(c.location_for("mars", 2026).is_none());
    }

    #[test]
    fn units_normalise_to_hashes_per_second() {
        assert_eq!(hashrate_unit_factor("TH/s"), Some(1e12));
        assert_eq!(hashrate_unit_factor("kSol/s"), Some(1e3));
        assert_eq!(hashrate_unit_factor("H/s"), Some(1.0));
        assert_eq!(hashrate_unit_factor("TW"), None);
        let c = Catalogues::embedded();
        let s19 = c
            .hardware
            .iter()
            .find(|m| m.model == "Bitmain Antminer S19 Pro (110Th)")
            .unwrap();
        assert_eq!(s19.hashrate_hs, 110e12);
        // 3250.5 W / 110 TH/s = 0.02955 J/GH, the CBECI list's figure.
        assert!((s19.efficiency_j_per_h() * 1e9 - 0.02955).abs() < 1e-9);
    }

    #[test]
    fn a_row_without_a_citation_is_rejected_with_its_line() {
        let refs = References::parse(
            "key,kind,title,publisher,date,url,licence,seen,note\n\
             vendor-sheet,document,Sheet,Vendor,2020-01,https://example.org,none,a copy,specs\n",
        )
        .unwrap();
        let head =
            "algorithm,model,released,hashrate,unit,power_w,power_at,mass_kg,source,mass_source\n";
        let ok = "sha256,A,2020-01-01,1,TH/s,100,wall,5,[vendor-sheet],[vendor-sheet]\n";
        assert!(parse_hardware(&format!("{head}{ok}"), &refs).is_ok());
        let err = |row: &str| parse_hardware(&format!("{head}{ok}{row}"), &refs).unwrap_err();
        assert_eq!(
            err("sha256,B,2020-01-01,1,TH/s,100,wall,5,,[vendor-sheet]\n"),
            AnalyticsError::Catalogue {
                catalogue: "hardware",
                line: 3,
                message: "every row needs a source".into()
            }
        );
        assert!(
            err("sha256,B,2020-01-01,1,TH/s,100,wall,5,vendor sheet,[vendor-sheet]\n")
                .to_string()
                .contains("line 3: source cites no reference")
        );
        assert!(
            err("sha256,B,2020-01-01,1,TH/s,100,wall,5,[vendor-sheet],\n")
                .to_string()
                .contains("line 3: every row needs a mass_source")
        );
        assert!(
            err("sha256,B,2020-01-01,1,TW,100,wall,5,[vendor-sheet],[vendor-sheet]\n")
                .to_string()
                .contains("unit")
        );
        // Where the power is measured must be said, in one of two words.
        assert!(
            err("sha256,B,2020-01-01,1,TH/s,100,dc,5,[vendor-sheet],[vendor-sheet]\n")
                .to_string()
                .contains("line 3: power_at \"dc\": expected wall or board")
        );
    }

    #[test]
    fn renewable_consumption_refuses_a_share_out_of_range_or_a_year_twice() {
        let refs = References::parse(
            "key,kind,title,publisher,date,url,licence,seen,note\n\
             em-yearly,document,Yearly,Maps,2026-02-04,https://example.org,ODbL,a copy,shares\n",
        )
        .unwrap();
        let head = "iso3,zone,year,renewable_share,source\n";
        let ok = "DEU,DE,2024,0.6,[em-yearly]\n";
        let series = parse_renewable_consumption(&format!("{head}{ok}"), &refs).unwrap();
        assert_eq!(series.get("DEU", 2030), Some((2024, 0.6)));
        let err = |row: &str| {
            parse_renewable_consumption(&format!("{head}{ok}{row}"), &refs)
                .unwrap_err()
                .to_string()
        };
        assert!(err("FRA,FR,2024,60,[em-yearly]\n")
            .contains("line 3: renewable_share 60 is not a share"));
        assert!(err("DEU,DE,2024,0.5,[em-yearly]\n").contains("line 3: DEU 2024 given twice"));
        assert!(err("FRA,FR,2024,0.5,\n").contains("line 3"));
    }

    #[test]
    fn a_countrys_consumed_shares_replace_its_generation_share() {
        let mut generation = CountrySeries::default();
        generation.push("DEU", 2023, 0.5);
        generation.push("RUS", 2023, 0.2);
        let mut consumed = CountrySeries::default();
        consumed.push("DEU", 2021, 0.4);
        consumed.push("DEU", 2025, 0.6);
        let s = generation.overlaid(consumed);
        // Germany's years are Electricity Maps', the nearest for 2019;
        // Russia, without them, keeps its generation share.
        assert_eq!(s.get("DEU", 2023), Some((2021, 0.4)));
        assert_eq!(s.get("DEU", 2019), Some((2021, 0.4)));
        assert_eq!(s.get("DEU", 2025), Some((2025, 0.6)));
        assert_eq!(s.get("RUS", 2025), Some((2023, 0.2)));
    }

    #[test]
    fn country_series_uses_nearest_earlier_year() {
        let mut s = CountrySeries::default();
        s.push("X", 2015, 1.0);
        s.push("X", 2020, 2.0);
        assert_eq!(s.get("X", 2019), Some((2015, 1.0)));
        assert_eq!(s.get("X", 2024), Some((2020, 2.0)));
        assert_eq!(s.get("X", 2010), Some((2015, 1.0)));
        assert_eq!(s.get("Y", 2010), None);
    }
}

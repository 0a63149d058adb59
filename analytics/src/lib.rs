//! Pure footprint models (no I/O, no async): consensus and hardware to
//! power and energy, then carbon, water, e-waste and per-transaction
//! figures, always lower / best / upper and always naming the method.
//!
//! Entry points for the binary and the API:
//! - [`Catalogues::embedded`] — the compiled-in catalogues of `config/catalogues/`;
//! - [`estimate_series`], [`estimate_day`] — estimates from daily metrics;
//! - [`cbeci_v1_series`], [`cbeci_v1_day`] — the Cambridge index reproduction;
//! - [`chain_profiles`], [`methods`], [`methodology`] — what each chain uses;
//! - [`allocate`] — per-transaction allocation; [`mica`] — MiCA indicators;
//! - [`Params`] — every caller-adjustable parameter, range-checked.

pub mod allocation;
pub mod assets;
pub mod bibliography;
pub mod carbon;
pub mod catalogue;
pub mod cbeci;
pub mod economic;
pub mod error;
pub mod estimation;
pub mod ewaste;
pub mod hardware;
pub mod location;
pub mod methods;
pub mod mica;
pub mod mining_intensity;
pub mod monte_carlo;
pub mod node_hardware;
pub mod params;
pub mod pos;
pub mod reference;
pub mod sensitivity;
pub mod share_sample;
pub mod smoothing;
pub mod units;
pub mod water;

/// Named inputs recorded in an estimate.
pub type Inputs = std::collections::BTreeMap<String, serde_json::Value>;

/// A lower / best / upper figure an estimate recorded in its inputs.
pub fn input_bounds(inputs: &Inputs, key: &str) -> Option<blockwatt_domain::Bounds> {
    serde::Deserialize::deserialize(inputs.get(key)?).ok()
}

pub use allocation::{allocate, AllocationInput, AllocationMethod};
pub use bibliography::{Reference, ReferenceKind, References};
pub use catalogue::{
    Algorithm, CatalogueSources, Catalogues, ChainProfile, Consensus, MergeMined, PublishedFigure,
};
pub use error::AnalyticsError;
pub use estimation::{
    cbeci_v1_day, cbeci_v1_series, estimate_day, estimate_day_in_fleet, estimate_series,
    estimate_series_in_fleet, FleetDays, FALLBACK_MAX_AGE_DAYS,
};
pub use methods::{chain_profiles, methodology, methods, ChainMethods, Method, MethodInfo};
pub use mica::{disclosure, Asset, Discloser, Disclosure, DisclosureField, FieldPart, Period};
pub use monte_carlo::{monte_carlo, Distribution, DrawnParameter, Percentiles};
pub use params::{Params, Pue, ELECTRICITY_PRICE_RANGE, PUE_RANGE};
pub use sensitivity::{sensitivity, Sensitivity, SensitivityRow};

//! The one error type of the crate. Every variant names what was wrong, so
//! the CLI and the API can show it without guessing.

use chrono::NaiveDate;
use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq)]
pub enum AnalyticsError {
    /// A caller-supplied parameter outside its documented range. We never
    /// clamp silently: a price of 5 USD/kWh is a typo, not a scenario.
    #[error("parameter {name} = {value} is out of range [{min}, {max}]")]
    ParameterOutOfRange {
        name: &'static str,
        value: f64,
        min: f64,
        max: f64,
    },
    /// Parameters that are each in range but inconsistent together.
    #[error("parameters {name}: {why}")]
    InconsistentParameters {
        name: &'static str,
        why: &'static str,
    },
    /// A catalogue row that does not parse.
    #[error("catalogue {catalogue}, line {line}: {message}")]
    Catalogue {
        catalogue: &'static str,
        line: u64,
        message: String,
    },
    #[error("unknown chain {0:?}")]
    UnknownChain(String),
    #[error("unknown method {0:?} (known: cbeci-v1, hardware, economic, pos-nodes)")]
    UnknownMethod(String),
    #[error("unknown allocation method {0:?} (known: per-tx, size, gas, hybrid)")]
    UnknownAllocation(String),
    #[error("method {method} does not apply to {chain} on {day}: {why}")]
    MethodNotApplicable {
        method: &'static str,
        chain: String,
        day: NaiveDate,
        why: &'static str,
    },
    /// The day is before the chain's first: no figure exists for it.
    #[error("{chain} did not exist on {day}: its first day is {launched}")]
    BeforeLaunch {
        chain: String,
        day: NaiveDate,
        launched: NaiveDate,
    },
    /// An input the method needs is absent and no fallback exists.
    #[error(
        "{chain} on {day}: no {input}: none stored for that day, and the catalogue's dated fallback \
         serves only the {} days from its own date",
        crate::estimation::FALLBACK_MAX_AGE_DAYS
    )]
    MissingInput {
        chain: String,
        day: NaiveDate,
        input: &'static str,
    },
    /// A number that cannot be right (negative hashrate, NaN price).
    #[error("input {name} = {value} is invalid: {why}")]
    InvalidInput {
        name: &'static str,
        value: f64,
        why: &'static str,
    },
    /// No estimate exists in a period asked for as a whole (a disclosure).
    #[error("no estimate for {chain} between {from} and {to}")]
    NoEstimates {
        chain: String,
        from: NaiveDate,
        to: NaiveDate,
    },
    /// Series functions need one chain's days in strictly ascending order.
    #[error("daily metrics must be for chain {chain} in strictly ascending date order; {day} is out of order or for another chain")]
    UnorderedDays { chain: String, day: NaiveDate },
}

pub type Result<T, E = AnalyticsError> = std::result::Result<T, E>;

/// Checks that `value` is finite and within `[min, max]`.
pub(crate) fn check_range(name: &'static str, value: f64, min: f64, max: f64) -> Result<()> {
    if value.is_finite() && value >= min && value <= max {
        Ok(())
    } else {
        Err(AnalyticsError::ParameterOutOfRange {
            name,
            value,
            min,
            max,
        })
    }
}

/// Checks that an input is finite and not negative.
pub(crate) fn check_non_negative(name: &'static str, value: f64) -> Result<()> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(AnalyticsError::InvalidInput {
            name,
            value,
            why: "must be finite and not negative",
        })
    }
}

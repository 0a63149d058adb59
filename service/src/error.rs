//! The one error every footprint question can end in. Each variant keeps
//! what the question was about (the chain, the parameter), so the API can
//! name it in its RFC 9457 problem without rebuilding the context.

use blockwatt_analytics::AnalyticsError;
use blockwatt_store::StoreError;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Error)]
pub enum ServiceError {
    /// The chain is not in the catalogue.
    #[error("unknown chain {0:?}")]
    UnknownChain(String),
    /// Neither a chain's native coin nor a listed token.
    #[error("unknown asset {0:?}: a chain's slug names its native coin, and /methodology/catalogues/assets lists the tokens")]
    UnknownAsset(String),
    /// The method exists nowhere, or does not apply to the chain.
    #[error("method {method:?} is not available for {chain}{}", if valid.is_empty() { String::new() } else { format!("; use one of {}", valid.join(", ")) })]
    UnknownMethod {
        chain: String,
        method: String,
        /// The chain's methods, to tell the caller what would work.
        valid: Vec<String>,
    },
    /// The method exists and fits the chain, but not that day (proof of
    /// stake before the Merge); the detail says why.
    #[error("{detail}")]
    MethodNotApplicable { chain: String, detail: String },
    /// A caller-set value is outside what the models accept. `parameter`
    /// is the name the caller used (`price`, `pue`, `from`, `allocation`).
    #[error("{parameter}: {reason}")]
    InvalidParameter { parameter: String, reason: String },
    /// The inputs for that day or period are not stored.
    #[error("{detail}")]
    NoData { chain: String, detail: String },
    /// A dependency (the store) failed; retrying may help.
    #[error("{0}")]
    Unavailable(String),
    /// A bug, or a catalogue that does not hold together.
    #[error("{0}")]
    Internal(String),
}

impl ServiceError {
    pub(crate) fn no_data(chain: &str, detail: impl Into<String>) -> Self {
        ServiceError::NoData {
            chain: chain.to_owned(),
            detail: detail.into(),
        }
    }

    pub(crate) fn invalid(parameter: &str, reason: impl Into<String>) -> Self {
        ServiceError::InvalidParameter {
            parameter: parameter.to_owned(),
            reason: reason.into(),
        }
    }

    /// A model error for `chain`, in the caller's terms.
    pub(crate) fn from_model(chain: &str, e: AnalyticsError) -> Self {
        match e {
            AnalyticsError::UnknownChain(c) => ServiceError::UnknownChain(c),
            AnalyticsError::UnknownMethod(method) => ServiceError::UnknownMethod {
                chain: chain.to_owned(),
                method,
                valid: Vec::new(),
            },
            AnalyticsError::MethodNotApplicable { .. } => ServiceError::MethodNotApplicable {
                chain: chain.to_owned(),
                detail: e.to_string(),
            },
            AnalyticsError::ParameterOutOfRange { .. }
            | AnalyticsError::InconsistentParameters { .. } => ServiceError::from_params(e),
            AnalyticsError::UnknownAllocation(_) => {
                ServiceError::invalid("allocation", e.to_string())
            }
            // Their text names the chain and the day already.
            AnalyticsError::MissingInput { .. }
            | AnalyticsError::InvalidInput { .. }
            | AnalyticsError::BeforeLaunch { .. }
            | AnalyticsError::NoEstimates { .. } => ServiceError::no_data(chain, e.to_string()),
            AnalyticsError::Catalogue { .. } | AnalyticsError::UnorderedDays { .. } => {
                ServiceError::Internal(e.to_string())
            }
        }
    }

    /// A caller's parameter the models refuse, named as the caller set it.
    pub(crate) fn from_params(e: AnalyticsError) -> Self {
        match e {
            AnalyticsError::ParameterOutOfRange { name, .. }
            | AnalyticsError::InconsistentParameters { name, .. } => {
                ServiceError::invalid(caller_parameter(name), e.to_string())
            }
            other => ServiceError::Internal(other.to_string()),
        }
    }

    /// Whether the error only says the day has no estimate (the publisher
    /// leaves such a chain out; anything else stops it).
    pub fn is_no_estimate(&self) -> bool {
        matches!(
            self,
            ServiceError::NoData { .. } | ServiceError::MethodNotApplicable { .. }
        )
    }
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        ServiceError::Unavailable(format!("store: {e}"))
    }
}

/// The name a caller sets a model parameter by (`?price=`, `--pue`).
fn caller_parameter(model_name: &str) -> &str {
    match model_name {
        "electricity_price_usd_per_kwh" => "price",
        n if n.starts_with("pue") => "pue",
        n => n,
    }
}

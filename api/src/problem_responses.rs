//! The problem responses every operation can give, documented once: any
//! request can meet the rate limit (429) and the deadline or an outage of
//! a dependency (503). Handlers list them as `LimitsAndOutages` beside the
//! responses of their own.

use std::collections::BTreeMap;

use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::{ContentBuilder, Ref, RefOr};

use crate::error::PROBLEM_JSON;

pub(crate) struct LimitsAndOutages;

impl utoipa::IntoResponses for LimitsAndOutages {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        [
            ("429", "Rate limit exceeded; see Retry-After"),
            ("503", "Timed out, or a dependency is unavailable"),
        ]
        .into_iter()
        .map(|(status, description)| (status.to_owned(), problem(description)))
        .collect()
    }
}

/// A response whose body is an RFC 9457 problem document.
fn problem(description: &str) -> RefOr<Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            PROBLEM_JSON,
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build()
        .into()
}

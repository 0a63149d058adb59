//! The bounds of numeric query parameters in the OpenAPI document, taken
//! from the constants the handlers check against, so the document cannot
//! promise a value the server refuses (schemathesis's positive-data check
//! runs on what it says).

use blockwatt_service::{ELECTRICITY_PRICE_RANGE, PUE_RANGE};
use utoipa::openapi::schema::Schema;
use utoipa::openapi::{OpenApi, RefOr};

/// Query parameter name → inclusive (minimum, maximum).
pub(crate) const QUERY_LIMITS: [(&str, (f64, f64)); 2] =
    [("price", ELECTRICITY_PRICE_RANGE), ("pue", PUE_RANGE)];

/// Sets `minimum` and `maximum` of every query parameter named in
/// [`QUERY_LIMITS`], on every operation that has one.
pub(crate) fn apply(doc: &mut OpenApi) {
    for item in doc.paths.paths.values_mut() {
        let ops = [
            item.get.as_mut(),
            item.post.as_mut(),
            item.put.as_mut(),
            item.delete.as_mut(),
        ];
        for op in ops.into_iter().flatten() {
            for param in op.parameters.iter_mut().flatten() {
                let Some((_, (min, max))) = QUERY_LIMITS.iter().find(|(n, _)| *n == param.name)
                else {
                    continue;
                };
                if let Some(RefOr::T(Schema::Object(object))) = param.schema.as_mut() {
                    object.minimum = Some((*min).into());
                    object.maximum = Some((*max).into());
                }
            }
        }
    }
}

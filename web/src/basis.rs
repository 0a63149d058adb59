//! The words and the pill for how a figure was obtained.

use blockwatt_domain::{Basis, Estimate};
use maud::{html, Markup};

/// "measured", "carried forward from 2026-11-20", "fallback: catalogue
/// figure of 2026-06-01".
pub fn basis_words(e: &Estimate) -> String {
    match e.basis {
        Basis::Measured => "measured".to_owned(),
        Basis::CarriedForward => format!("carried forward from {}", e.as_of),
        Basis::Fallback => format!("fallback: catalogue figure of {}", e.as_of),
    }
}

/// The pill, with the words as its text (not colour alone).
pub fn basis_pill(e: &Estimate) -> Markup {
    html! { span class=(format!("basis {}", e.basis.as_str())) { (basis_words(e)) } }
}

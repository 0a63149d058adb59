//! Chain identifiers are lower-case slugs (`bitcoin`, `ethereum-classic`).

use thiserror::Error;

#[derive(Debug, Error, PartialEq, Eq)]
#[error("invalid chain id {0:?}: expected a lower-case slug of letters, digits and '-' (1 to 40 characters)")]
pub struct InvalidChainSlug(pub String);

/// Checks the slug shape only; whether the chain is *known* is the
/// configuration's business.
pub fn validate_chain_slug(slug: &str) -> Result<(), InvalidChainSlug> {
    let ok = !slug.is_empty()
        && slug.len() <= 40
        && !slug.starts_with('-')
        && !slug.ends_with('-')
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(InvalidChainSlug(slug.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_design_slugs_and_rejects_others() {
        for good in ["bitcoin", "ethereum-classic", "bnb", "devnet"] {
            assert_eq!(validate_chain_slug(good), Ok(()));
        }
        for bad in [
            "",
            "Bitcoin",
            "bit coin",
            "-btc",
            "btc-",
            "eth_classic",
            "x/../y",
        ] {
            assert!(validate_chain_slug(bad).is_err(), "{bad} accepted");
        }
    }
}

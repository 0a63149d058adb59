//! Tokens and the chains they live on (`assets.csv`, extendable by
//! configuration): what a MiCA disclosure or a contract footprint of a
//! token needs to find its transactions.

use serde::{Deserialize, Serialize};

use crate::bibliography::References;
use crate::catalogue::ChainProfile;
use crate::error::{AnalyticsError, Result};

/// One token on one host chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenListing {
    /// The asset id (`usdc`): lower-case letters, digits and '-', never a
    /// chain's slug (those name native coins).
    pub asset: String,
    pub name: String,
    /// `erc20`.
    pub kind: String,
    pub chain: String,
    /// `0x` and 40 lower-case hex digits.
    pub contract: String,
    pub decimals: u8,
    pub issuer: String,
    /// ISO 17442, when known.
    pub lei: Option<String>,
    pub source: String,
}

#[derive(Deserialize)]
struct Row {
    asset: String,
    name: String,
    kind: String,
    chain: String,
    contract: String,
    decimals: u8,
    issuer: String,
    lei: String,
    source: String,
}

const C: &str = "assets";

/// The checks every listing passes, from the catalogue or the
/// configuration alike; `what` names where it came from in errors.
pub fn check_listing(t: &TokenListing, chains: &[ChainProfile]) -> std::result::Result<(), String> {
    blockwatt_domain::validate_chain_slug(&t.asset)
        .map_err(|_| format!("asset id {:?}: lower-case letters, digits and '-'", t.asset))?;
    if chains.iter().any(|c| c.slug == t.asset) {
        return Err(format!(
            "asset id {:?} is a chain's slug, which names its native coin",
            t.asset
        ));
    }
    if t.kind != "erc20" {
        return Err(format!("{}: kind {:?} is not erc20", t.asset, t.kind));
    }
    if !chains.iter().any(|c| c.slug == t.chain) {
        return Err(format!(
            "{}: chain {:?} is not in the catalogue",
            t.asset, t.chain
        ));
    }
    let hex = t.contract.strip_prefix("0x").unwrap_or("");
    if hex.len() != 40
        || !hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return Err(format!(
            "{}: contract {:?} is not 0x and 40 lower-case hex digits",
            t.asset, t.contract
        ));
    }
    if t.decimals > 36 {
        return Err(format!("{}: {} decimals", t.asset, t.decimals));
    }
    if t.name.trim().is_empty() {
        return Err(format!("{}: needs a name", t.asset));
    }
    if let Some(lei) = &t.lei {
        blockwatt_domain::validate_lei(lei)
            .map_err(|e| format!("{}: LEI {lei:?}: {e}", t.asset))?;
    }
    Ok(())
}

/// The shipped listings: every row cited, each (asset, chain) once, and one
/// name and issuer per asset.
pub fn parse_assets(
    text: &str,
    chains: &[ChainProfile],
    refs: &References,
) -> Result<Vec<TokenListing>> {
    let mut rdr = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut out: Vec<TokenListing> = Vec::new();
    for (i, rec) in rdr.deserialize::<Row>().enumerate() {
        let line = i as u64 + 1;
        let r = rec.map_err(|e| bad(line, e.to_string()))?;
        refs.check(C, line, "source", &r.source)?;
        let t = TokenListing {
            asset: r.asset,
            name: r.name,
            kind: r.kind,
            chain: r.chain,
            contract: r.contract,
            decimals: r.decimals,
            issuer: r.issuer,
            lei: Some(r.lei).filter(|l| !l.is_empty()),
            source: r.source,
        };
        check_listing(&t, chains).map_err(|m| bad(line, m))?;
        if out.iter().any(|o| o.asset == t.asset && o.chain == t.chain) {
            return Err(bad(
                line,
                format!("{} on {} is listed twice", t.asset, t.chain),
            ));
        }
        if out
            .iter()
            .any(|o| o.asset == t.asset && (o.name != t.name || o.issuer != t.issuer))
        {
            return Err(bad(
                line,
                format!("{}: one name and issuer per asset", t.asset),
            ));
        }
        out.push(t);
    }
    Ok(out)
}

fn bad(line: u64, message: impl Into<String>) -> AnalyticsError {
    crate::catalogue::bad(C, line, message)
}

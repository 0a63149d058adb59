//! Daily USD prices from a CoinGecko-compatible `/simple/price` endpoint,
//! so block-derived coin amounts become the USD revenue the models need.
//! A row of source `price` carries only `price_usd`; the footprint layer
//! multiplies it into issuance and fees (`DailyMetrics::derive_usd`).

use std::sync::Arc;
use std::time::Duration;

use blockwatt_domain::DailyMetrics;
use blockwatt_store::Store;
use chrono::NaiveDate;
use thiserror::Error;

/// The `source` of stored price rows.
pub const SOURCE: &str = "price";

/// CoinGecko's public API; any server answering the same route works.
pub const DEFAULT_URL: &str = "https://api.coingecko.com/api/v3";

#[derive(Debug, Error)]
pub enum PriceError {
    #[error("invalid coin id {0:?}: lower-case letters, digits and '-'")]
    BadCoinId(String),
    #[error("price source {url}: {reason}")]
    Transport { url: String, reason: String },
    #[error("price source {url} answered HTTP {status}")]
    Status { url: String, status: u16 },
    #[error("price source {url}: malformed answer: {reason}")]
    Malformed { url: String, reason: String },
    #[error("price source {url} has no USD price for {coin}")]
    Missing { url: String, coin: String },
    #[error(transparent)]
    Store(#[from] blockwatt_store::StoreError),
}

/// The CoinGecko id of a chain's coin, where it differs from the slug or
/// the slug alone would be ambiguous.
pub fn coin_id(chain: &str) -> &str {
    match chain {
        "avalanche" => "avalanche-2",
        "polygon" => "polygon-ecosystem-token",
        "bnb" => "binancecoin",
        other => other,
    }
}

/// Today's USD price of `coin` from `base_url` (`…/simple/price?ids=…&vs_currencies=usd`).
pub async fn fetch_usd_price(
    base_url: &str,
    coin: &str,
    timeout: Duration,
) -> Result<f64, PriceError> {
    if coin.is_empty()
        || !coin
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(PriceError::BadCoinId(coin.to_owned()));
    }
    let shown = crate::config::redact_url(base_url);
    let url = format!(
        "{}/simple/price?ids={coin}&vs_currencies=usd",
        base_url.trim_end_matches('/')
    );
    let transport = |e: reqwest::Error| PriceError::Transport {
        url: shown.clone(),
        reason: crate::config::reqwest_reason(e),
    };
    let client = reqwest::Client::builder()
        .timeout(timeout)
        .build()
        .map_err(transport)?;
    let response = client
        .get(&url)
        .header("accept", "application/json")
        .send()
        .await
        .map_err(transport)?;
    let status = response.status();
    if !status.is_success() {
        return Err(PriceError::Status {
            url: shown,
            status: status.as_u16(),
        });
    }
    let body = response.bytes().await.map_err(transport)?;
    let doc: serde_json::Value =
        serde_json::from_slice(&body).map_err(|e| PriceError::Malformed {
            url: shown.clone(),
            reason: e.to_string(),
        })?;
    match doc.get(coin).and_then(|c| c.get("usd")) {
        None => Err(PriceError::Missing {
            url: shown,
            coin: coin.to_owned(),
        }),
        Some(v) => match v.as_f64() {
            Some(p) if p.is_finite() && p > 0.0 => Ok(p),
            _ => Err(PriceError::Malformed {
                url: shown,
                reason: format!("usd price {v} is not a positive number"),
            }),
        },
    }
}

/// Stores `price` as `chain`'s USD price on `day`.
pub async fn record_price(
    store: &Arc<dyn Store>,
    chain: &str,
    day: NaiveDate,
    price: f64,
) -> Result<(), PriceError> {
    let row = DailyMetrics {
        price_usd: Some(price),
        ..DailyMetrics::empty(chain, day, SOURCE)
    };
    store.write_daily_metrics(&[row]).await?;
    Ok(())
}

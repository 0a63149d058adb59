//! Test scaffolding for the HTTP layer: an arithmetic stand-in for the
//! analytics models (`ArithmeticEstimator`, never shipped), a seeded SQLite
//! store in a temporary directory, and request helpers using `oneshot`
//! (no socket).

#![allow(dead_code)] // each test binary uses a different subset

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use axum::Router;
use blockwatt_api::{
    Allocated, Allocation, ApiConfig, AppState, CatalogueInfo, ChainInfo, EstimateError,
    EstimateParams, Estimator, MethodInfo, MicaIndicator, MicaReport, ParameterInfo,
};
use blockwatt_domain::{
    Block, BlockBatch, Bounds, Checkpoint, DailyMetrics, Estimate, PerTransaction, Transaction,
};
use blockwatt_store::sqlite::SqliteStore;
use blockwatt_store::Store;
use bytes::Bytes;
use chrono::{Datelike, NaiveDate};
use http_body_util::BodyExt;
use tower::ServiceExt;

pub const BLOCK_HASH: &str = "00000000000000000002a7c4c1e48d76c5a37902165a270156b7a8d72728a054";
pub const TXID: &str = "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b";
pub const BLOCK_HEIGHT: u64 = 800_000;
/// 2024-06-01T12:00:00Z
pub const BLOCK_TIME: i64 = 1_717_243_200;

pub fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
}

pub fn first_day() -> NaiveDate {
    day("2020-01-01")
}

pub fn last_day() -> NaiveDate {
    day("2024-06-30")
}

/// Footprints from plain numbers: bitcoin draws 15 GW (+1 MW per day of
/// year) at 0.05 USD/kWh and PUE 1.1, scaled by the parameters; ethereum
/// draws 2 MW. Bounds are -20% / +30%. Data exists 2020-01-01..2024-06-30.
#[derive(Default)]
pub struct ArithmeticEstimator {
    pub footprint_calls: AtomicUsize,
    /// When set, `footprint` never completes (to exercise the deadline).
    pub hang: AtomicBool,
}

const HOURS_PER_YEAR: f64 = 8766.0;

impl ArithmeticEstimator {
    fn power_w(chain: &str, date: NaiveDate, params: &EstimateParams) -> f64 {
        let base = match chain {
            "bitcoin" => 15e9 + 1e6 * f64::from(date.ordinal()),
            _ => 2e6,
        };
        let price = params.price_usd_per_kwh.unwrap_or(0.05);
        let pue = params.pue.unwrap_or(1.1);
        base * (0.05 / price.max(1e-6)) * (pue / 1.1)
    }

    fn estimate(chain: &str, date: NaiveDate, method: &str, params: &EstimateParams) -> Estimate {
        let p = Self::power_w(chain, date, params);
        let b = |best: f64| Bounds::new(best * 0.8, best, best * 1.3);
        let twh = p * HOURS_PER_YEAR / 1e12;
        let tx_per_year = 400_000.0 * 365.25;
        let mut inputs = BTreeMap::new();
        inputs.insert("power_w".to_owned(), serde_json::json!(p));
        Estimate {
            chain: chain.to_owned(),
            date,
            method: method.to_owned(),
            methodology_version: "test-1".to_owned(),
            power_w: b(p),
            energy_twh_per_year: b(twh),
            co2e_t_per_year: b(twh * 1e9 * 0.4 / 1000.0),
            water_m3_per_year: b(twh * 1e9 * 0.002),
            ewaste_t_per_year: b(p / 1e6),
            per_tx: Some(PerTransaction {
                energy_kwh: b(twh * 1e9 / tx_per_year),
                co2e_kg: b(twh * 1e9 * 0.4 / tx_per_year),
            }),
            inputs,
        }
    }

    fn check(&self, chain: &str, method: Option<&str>) -> Result<String, EstimateError> {
        let info = self
            .chains()
            .into_iter()
            .find(|c| c.slug == chain)
            .ok_or_else(|| EstimateError::UnknownChain(chain.to_owned()))?;
        let m = method.unwrap_or(&info.default_method).to_owned();
        if !info.methods.contains(&m) {
            return Err(EstimateError::UnknownMethod {
                chain: chain.to_owned(),
                method: m,
            });
        }
        Ok(m)
    }

    fn covered(chain: &str, date: NaiveDate) -> Result<(), EstimateError> {
        if date < first_day() || date > last_day() {
            return Err(EstimateError::NoData(format!(
                "no daily metrics for {chain} on {date}"
            )));
        }
        Ok(())
    }

    fn allocate(
        block_time: i64,
        method: &str,
        allocation: Option<Allocation>,
        share: f64,
    ) -> Result<Allocated, EstimateError> {
        let allocation = allocation.unwrap_or(Allocation::PerTx);
        if matches!(allocation, Allocation::Gas | Allocation::Hybrid) {
            return Err(EstimateError::InvalidParameter {
                name: "allocation".into(),
                reason: format!("{} does not apply to bitcoin", allocation.as_str()),
            });
        }
        let date = chrono::DateTime::from_timestamp(block_time, 0)
            .map(|t| t.date_naive())
            .ok_or_else(|| EstimateError::Internal("bad block time".into()))?;
        let p = Self::power_w("bitcoin", date, &EstimateParams::default());
        // A block is 1/144 of a day.
        let kwh = p * 24.0 / 1000.0 / 144.0 * share;
        let b = |best: f64| Bounds::new(best * 0.8, best, best * 1.3);
        let mut inputs = BTreeMap::new();
        inputs.insert("share".to_owned(), serde_json::json!(share));
        Ok(Allocated {
            method: method.to_owned(),
            methodology_version: "test-1".to_owned(),
            allocation,
            date,
            energy_kwh: b(kwh),
            co2e_kg: b(kwh * 0.4),
            water_l: b(kwh * 2.0),
            inputs,
        })
    }
}

#[async_trait]
impl Estimator for ArithmeticEstimator {
    fn chains(&self) -> Vec<ChainInfo> {
        vec![
            ChainInfo {
                slug: "bitcoin".into(),
                name: "Bitcoin".into(),
                consensus: "proof-of-work".into(),
                algorithm: Some("sha256d".into()),
                default_method: "hardware".into(),
                methods: vec!["hardware".into(), "cbeci-v1".into(), "economic".into()],
            },
            ChainInfo {
                slug: "ethereum".into(),
                name: "Ethereum".into(),
                consensus: "proof-of-stake".into(),
                algorithm: None,
                default_method: "pos-nodes".into(),
                methods: vec!["pos-nodes".into()],
            },
        ]
    }

    async fn footprint(
        &self,
        chain: &str,
        date: Option<NaiveDate>,
        method: Option<&str>,
        params: &EstimateParams,
    ) -> Result<Estimate, EstimateError> {
        self.footprint_calls.fetch_add(1, Ordering::SeqCst);
        if self.hang.load(Ordering::SeqCst) {
            std::future::pending::<()>().await;
        }
        let method = self.check(chain, method)?;
        let date = date.unwrap_or_else(last_day);
        Self::covered(chain, date)?;
        Ok(Self::estimate(chain, date, &method, params))
    }

    async fn history(
        &self,
        chain: &str,
        from: NaiveDate,
        to: NaiveDate,
        method: Option<&str>,
        params: &EstimateParams,
    ) -> Result<Vec<Estimate>, EstimateError> {
        let method = self.check(chain, method)?;
        Ok(from
            .iter_days()
            .take_while(|d| *d <= to)
            .filter(|d| Self::covered(chain, *d).is_ok())
            .map(|d| Self::estimate(chain, d, &method, params))
            .collect())
    }

    async fn block_footprint(
        &self,
        block: &Block,
        method: Option<&str>,
        allocation: Option<Allocation>,
    ) -> Result<Allocated, EstimateError> {
        let method = self.check(&block.chain, method)?;
        Self::allocate(block.time, &method, allocation, 1.0)
    }

    async fn transaction_footprint(
        &self,
        tx: &Transaction,
        block: Option<&Block>,
        method: Option<&str>,
        allocation: Option<Allocation>,
    ) -> Result<Allocated, EstimateError> {
        let method = self.check(&tx.chain, method)?;
        let block = block.ok_or_else(|| EstimateError::NoData("block not stored".into()))?;
        Self::allocate(
            block.time,
            &method,
            allocation,
            1.0 / f64::from(block.tx_count.max(1)),
        )
    }

    async fn mica(
        &self,
        chain: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<MicaReport, EstimateError> {
        let series = self
            .history(chain, from, to, None, &EstimateParams::default())
            .await?;
        if series.is_empty() {
            return Err(EstimateError::NoData(format!(
                "no data for {chain} in {from}..{to}"
            )));
        }
        let kwh: f64 = series.iter().map(|e| e.power_w.best * 24.0 / 1000.0).sum();
        Ok(MicaReport {
            chain: chain.to_owned(),
            from,
            to,
            method: series[0].method.clone(),
            methodology_version: "test-1".into(),
            indicators: vec![
                MicaIndicator {
                    key: "energy_consumption_kwh".into(),
                    name: "Energy consumption".into(),
                    unit: "kWh".into(),
                    mandatory: true,
                    value: Some(Bounds::new(kwh * 0.8, kwh, kwh * 1.3)),
                    note: None,
                },
                MicaIndicator {
                    key: "renewable_energy_share".into(),
                    name: "Renewable energy consumption".into(),
                    unit: "%".into(),
                    mandatory: true,
                    value: None,
                    note: Some("grid mix not in the test catalogue".into()),
                },
            ],
        })
    }

    fn methodology(&self) -> Vec<MethodInfo> {
        ["hardware", "cbeci-v1", "economic", "pos-nodes"]
            .into_iter()
            .map(|name| MethodInfo {
                name: name.into(),
                title: format!("{name} (test)"),
                version: "test-1".into(),
                applies_to: vec!["proof-of-work".into()],
                summary: "test method".into(),
                formulas: vec!["P = H * e * PUE".into()],
                parameters: vec![ParameterInfo {
                    name: "pue".into(),
                    unit: "1".into(),
                    lower: 1.01,
                    best: 1.1,
                    upper: 1.2,
                    source: "test".into(),
                }],
                catalogues: vec![CatalogueInfo {
                    name: "hardware".into(),
                    version: "test".into(),
                    source: "test".into(),
                }],
                references: vec![],
            })
            .collect()
    }
}

pub struct TestApp {
    pub router: Router,
    pub estimator: Arc<ArithmeticEstimator>,
    pub state: AppState,
    _dir: tempfile::TempDir,
}

/// Rate limit off unless a test asks: tests share one client key.
pub fn test_config() -> ApiConfig {
    ApiConfig {
        rate_limit_per_minute: 0,
        ..ApiConfig::default()
    }
}

pub async fn app() -> TestApp {
    app_with(test_config()).await
}

pub async fn app_with(config: ApiConfig) -> TestApp {
    app_full(config, None).await
}

pub async fn app_full(
    config: ApiConfig,
    admin: Option<Arc<dyn blockwatt_api::AdminActions>>,
) -> TestApp {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = SqliteStore::open(&dir.path().join("t.db"))
        .await
        .expect("open store");
    store.migrate().await.expect("migrate");
    seed(&store).await;
    let estimator = Arc::new(ArithmeticEstimator::default());
    let mut state = AppState::new(Arc::new(store), estimator.clone(), config).expect("state");
    if let Some(a) = admin {
        state = state.with_admin(a);
    }
    TestApp {
        router: blockwatt_api::router(state.clone()),
        estimator,
        state,
        _dir: dir,
    }
}

async fn seed(store: &SqliteStore) {
    let block = Block {
        chain: "bitcoin".into(),
        height: BLOCK_HEIGHT,
        hash: BLOCK_HASH.into(),
        parent_hash: "00000000000000000001b4b3d5b2a1ed0f7c1d5a8d5c7f1e0a9b8c7d6e5f4a3b".into(),
        time: BLOCK_TIME,
        tx_count: 2000,
        size_bytes: 1_500_000,
        weight: 3_990_000,
        gas_used: 0,
        gas_limit: 0,
        difficulty: 8.3e13,
        fees_native: 0.2,
        subsidy_native: 3.125,
        provisional: false,
    };
    let tx = Transaction {
        chain: "bitcoin".into(),
        txid: TXID.into(),
        block_height: BLOCK_HEIGHT,
        block_hash: BLOCK_HASH.into(),
        position: 1,
        size_bytes: 250,
        vsize: 141,
        gas_used: 0,
        fee_native: 0.0001,
    };
    store
        .write_batch(&BlockBatch {
            blocks: vec![block],
            transactions: vec![tx],
            checkpoint: Checkpoint {
                chain: "bitcoin".into(),
                source: "test".into(),
                height: BLOCK_HEIGHT,
                hash: BLOCK_HASH.into(),
            },
        })
        .await
        .expect("seed batch");
    let rows = [first_day(), last_day()].map(|d| DailyMetrics {
        hashrate_hs: Some(6e20),
        ..DailyMetrics::empty("bitcoin", d, "test")
    });
    store
        .write_daily_metrics(&rows)
        .await
        .expect("seed metrics");
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: header::HeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts an RFC 9457 problem of `status` and `type` slug; returns it.
    #[track_caller]
    pub fn problem(&self, status: u16, slug: &str) -> serde_json::Value {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.text());
        assert_eq!(
            self.header(header::CONTENT_TYPE),
            Some("application/problem+json")
        );
        let p = self.json();
        assert_eq!(
            p["type"],
            format!("https://blockwatt.dev/problems/{slug}"),
            "{p}"
        );
        assert_eq!(p["status"], status);
        assert!(p["title"].is_string(), "{p}");
        assert!(p["detail"].is_string(), "{p}");
        assert!(
            p["instance"].as_str().is_some_and(|i| i.starts_with('/')),
            "{p}"
        );
        p
    }
}

pub async fn send(router: &Router, req: Request<Body>) -> Reply {
    let resp = router
        .clone()
        .oneshot(req)
        .await
        .expect("infallible router");
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = resp.into_body().collect().await.expect("body").to_bytes();
    Reply {
        status,
        headers,
        body,
    }
}

pub async fn get(router: &Router, uri: &str) -> Reply {
    send(
        router,
        Request::get(uri).body(Body::empty()).expect("request"),
    )
    .await
}

//! A stand-in for Coin Metrics API v4's `timeseries/asset-metrics`, which
//! cannot be reached from tests. It replays real data: the Coin Metrics
//! community files in `../shared/data/coinmetrics` (CC BY-NC 4.0; origin
//! in that folder's README), in the answer's documented shape (the
//! provider's own examples, `ingest/tests/recorded/coinmetrics-api/`):
//!
//! * rows ordered by asset, then time; `time` as `YYYY-MM-DDT00:00:00.000000000Z`;
//! * values as strings; an empty cell of the file is `null` ("no data"),
//!   a metric the file has no column for is absent ("not supported");
//! * `page_size` (default 100, at most 10,000), `next_page_token` and a
//!   `next_page_url` to fetch unmodified; errors as
//!   `{"error": {"type", "message"}}` with status 400.
//!
//! Tests steer it: which days exist yet ([`CoinMetricsReplay::serve_through`]),
//! a value the provider got wrong ([`CoinMetricsReplay::set_value`]), a
//! day left out ([`CoinMetricsReplay::drop_day`]), an outage
//! ([`CoinMetricsReplay::fail_with`]); it counts requests.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Map, Value};

/// Asset id → file of `../shared/data/coinmetrics`.
pub const FILES: &[(&str, &str)] = &[
    ("btc", "btc.csv"),
    ("ltc", "ltc.csv"),
    ("doge", "doge.csv"),
    ("bch", "bch.csv"),
    ("dash", "dash.csv"),
    ("zec", "zec.csv"),
    ("xmr", "xmr.csv"),
    ("etc", "etc.csv"),
    ("eth", "eth.csv"),
];

/// One asset's days: (day, column → cell text).
type Series = Vec<(String, HashMap<String, String>)>;

struct Replay {
    base: Mutex<String>,
    series: BTreeMap<String, Series>,
    through: Mutex<String>,
    overrides: Mutex<Vec<(String, String, String, Value)>>,
    dropped: Mutex<Vec<(String, String)>>,
    failure: Mutex<Option<u16>>,
    requests: AtomicU64,
}

/// A running replay; it stops with the test process.
#[derive(Clone)]
pub struct CoinMetricsReplay {
    /// The base the API's paths hang from: `http://127.0.0.1:PORT/v4`.
    pub url: String,
    state: Arc<Replay>,
}

impl CoinMetricsReplay {
    /// Serves the files of `dir` (`../shared/data/coinmetrics`) through
    /// `through` (YYYY-MM-DD) on a loopback port, from its own thread, so
    /// synchronous tests can use it too.
    pub fn start(dir: &Path, through: &str) -> CoinMetricsReplay {
        let mut series = BTreeMap::new();
        for (asset, file) in FILES {
            let text = std::fs::read_to_string(dir.join(file))
                .unwrap_or_else(|e| panic!("{}: {e}", dir.join(file).display()));
            series.insert((*asset).to_owned(), parse(&text));
        }
        let state = Arc::new(Replay {
            base: Mutex::new(String::new()),
            series,
            through: Mutex::new(through.to_owned()),
            overrides: Mutex::new(Vec::new()),
            dropped: Mutex::new(Vec::new()),
            failure: Mutex::new(None),
            requests: AtomicU64::new(0),
        });
        let (tx, rx) = std::sync::mpsc::channel();
        let for_thread = Arc::clone(&state);
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime for the replay");
            runtime.block_on(async move {
                let app = Router::new()
                    .route("/v4/timeseries/asset-metrics", get(asset_metrics))
                    .with_state(for_thread);
                let url = crate::serve_router(app).await;
                let _ = tx.send(url);
                std::future::pending::<()>().await;
            });
        });
        let root = rx.recv().expect("the replay's address");
        let url = format!("{root}/v4");
        *lock(&state.base) = url.clone();
        CoinMetricsReplay { url, state }
    }

    /// Days after `day` do not exist yet.
    pub fn serve_through(&self, day: &str) {
        *lock(&self.state.through) = day.to_owned();
    }

    /// The provider sends `value` for `metric` of `asset` on `day`.
    pub fn set_value(&self, asset: &str, day: &str, metric: &str, value: Value) {
        lock(&self.state.overrides).push((asset.into(), day.into(), metric.into(), value));
    }

    /// The provider's answer leaves out `asset`'s `day`.
    pub fn drop_day(&self, asset: &str, day: &str) {
        lock(&self.state.dropped).push((asset.into(), day.into()));
    }

    /// Every request answered with this status (`None`: answered again).
    pub fn fail_with(&self, status: Option<u16>) {
        *lock(&self.state.failure) = status;
    }

    /// Requests received so far.
    pub fn requests(&self) -> u64 {
        self.state.requests.load(Ordering::Relaxed)
    }

    /// The last day of `asset` in its file.
    pub fn last_day(&self, asset: &str) -> Option<String> {
        self.state.series.get(asset)?.last().map(|(d, _)| d.clone())
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn parse(text: &str) -> Series {
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
    lines
        .filter(|l| !l.is_empty())
        .map(|line| {
            let cells: Vec<&str> = line.split(',').collect();
            let mut row = HashMap::new();
            for (name, cell) in header.iter().zip(cells.iter()).skip(1) {
                row.insert((*name).to_owned(), (*cell).to_owned());
            }
            (cells.first().copied().unwrap_or_default().to_owned(), row)
        })
        .collect()
}

fn bad_parameter(message: String) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"error": {"type": "bad_parameter", "message": message}})),
    )
        .into_response()
}

async fn asset_metrics(
    State(r): State<Arc<Replay>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    r.requests.fetch_add(1, Ordering::Relaxed);
    if let Some(status) = *lock(&r.failure) {
        let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        return (
            code,
            Json(json!({"error": {"type": "unavailable", "message": "replayed outage"}})),
        )
            .into_response();
    }
    let param = |name: &str| q.get(name).map(String::as_str);
    let Some(assets) = param("assets") else {
        return bad_parameter("Bad parameter 'assets'. Must be specified.".into());
    };
    let Some(metrics) = param("metrics") else {
        return bad_parameter("Bad parameter 'metrics'. Must be specified.".into());
    };
    if param("frequency").unwrap_or("1d") != "1d" {
        return bad_parameter("Bad parameter 'frequency'. The replay serves 1d only.".into());
    }
    // The API's default is `end`; the replay serves what blockwatt asks.
    if param("paging_from") != Some("start") {
        return bad_parameter("Bad parameter 'paging_from'. The replay serves start only.".into());
    }
    let page_size: usize = match param("page_size").map(str::parse).unwrap_or(Ok(100)) {
        Ok(n) if (1..=10_000).contains(&n) => n,
        _ => return bad_parameter("Bad parameter 'page_size'. Must be 1..10000.".into()),
    };
    let offset: usize = param("next_page_token")
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    let day_of = |v: Option<&str>| v.map(|t| t.get(..10).unwrap_or(t).to_owned());
    let start = day_of(param("start_time"));
    let through = lock(&r.through).clone();
    let end = day_of(param("end_time"))
        .map(|e| e.min(through.clone()))
        .unwrap_or(through);
    let mut wanted: Vec<&str> = assets.split(',').collect();
    wanted.sort_unstable();
    wanted.dedup();
    let overrides = lock(&r.overrides).clone();
    let dropped = lock(&r.dropped).clone();
    let mut rows: Vec<Value> = Vec::new();
    for asset in wanted {
        let Some(series) = r.series.get(asset) else {
            return bad_parameter(format!(
                "Bad parameter 'assets'. Value '{asset}' is not supported."
            ));
        };
        for (day, cells) in series {
            if start.as_ref().is_some_and(|s| day < s) || *day > end {
                continue;
            }
            if dropped.iter().any(|(a, d)| a == asset && d == day) {
                continue;
            }
            let mut row = Map::new();
            row.insert("asset".into(), json!(asset));
            row.insert("time".into(), json!(format!("{day}T00:00:00.000000000Z")));
            for metric in metrics.split(',') {
                let Some(cell) = cells.get(metric) else {
                    continue;
                };
                let value = if cell.is_empty() {
                    Value::Null
                } else {
                    json!(cell)
                };
                row.insert(metric.to_owned(), value);
            }
            for (a, d, m, v) in &overrides {
                if a == asset && d == day {
                    row.insert(m.clone(), v.clone());
                }
            }
            rows.push(Value::Object(row));
        }
    }
    let page: Vec<Value> = rows.iter().skip(offset).take(page_size).cloned().collect();
    let mut body = json!({ "data": page });
    if offset + page_size < rows.len() {
        let next = offset + page_size;
        let mut query: Vec<String> = q
            .iter()
            .filter(|(k, _)| k.as_str() != "next_page_token")
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        query.sort();
        let base = lock(&r.base).clone();
        body["next_page_token"] = json!(next.to_string());
        body["next_page_url"] = json!(format!(
            "{base}/timeseries/asset-metrics?{}&next_page_token={next}",
            query.join("&")
        ));
    }
    Json(body).into_response()
}

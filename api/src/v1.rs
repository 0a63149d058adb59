//! The `/v1` resources. Each handler validates its inputs into typed
//! values (400/422 naming the parameter), resolves the chain (404), then
//! asks the service layer ([`Footprints`](blockwatt_service::Footprints))
//! or the store.

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use chrono::{Days, NaiveDate, Utc};
use serde::Deserialize;

use blockwatt_service::inputs::DayInputs;
use blockwatt_service::{
    Allocated, Allocation, ChainInfo, EstimateParams, LookedUp, MethodDescription,
    ELECTRICITY_PRICE_RANGE, PUE_RANGE,
};
use blockwatt_service::{ContractFootprint, Disclosure, Period};

use crate::cache::CachedEstimate;
use crate::dto::{
    chains_csv, contract_csv, estimates_csv, mica_csv, AllocatedBody, ChainEntry, ChainsBody,
    CompareBody, Coverage, ExplainedEstimate, Freshness as Fresh, HistoryBody, MethodologyBody,
    ReconcileBody,
};
use crate::error::{ApiError, Problem};
use crate::extract::{
    parse_block_ref, parse_f64_in, parse_hash, parse_opt_date, BlockRef, Path, Query,
};
use crate::problem_responses::LimitsAndOutages;
use crate::respond::{
    cached, etag_of, json_bytes, negotiate, table, CondHeaders, Format, Freshness, JSON,
};
use crate::AppState;

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

impl AppState {
    /// 404 unless the chain is supported.
    pub(crate) fn chain(&self, slug: &str) -> Result<&ChainInfo, ApiError> {
        Ok(self.footprints.chain(slug)?)
    }
}

/// The requested method if the chain supports it (422 otherwise), else the default.
fn resolve_method<'a>(
    info: &'a ChainInfo,
    requested: Option<&'a str>,
) -> Result<&'a str, ApiError> {
    Ok(info.method(requested)?)
}

/// `price` and `pue` as the models accept them (422 naming the parameter).
fn estimate_params(price: Option<&str>, pue: Option<&str>) -> Result<EstimateParams, ApiError> {
    let (min_price, max_price) = ELECTRICITY_PRICE_RANGE;
    let (min_pue, max_pue) = PUE_RANGE;
    Ok(EstimateParams {
        price_usd_per_kwh: parse_f64_in("price", price, min_price, max_price)?,
        pue: parse_f64_in("pue", pue, min_pue, max_pue)?,
    })
}

fn parse_allocation(raw: Option<&str>) -> Result<Option<Allocation>, ApiError> {
    raw.map(|r| {
        Allocation::parse(r).ok_or_else(|| {
            ApiError::invalid(
                "allocation",
                format!("allocation: {r:?} is not one of per-tx, size, gas, hybrid"),
            )
        })
    })
    .transpose()
}

/// `from..=to` with defaults (`days_back` days ending at `default_to`),
/// order and size checked.
fn date_range(
    from: Option<&str>,
    to: Option<&str>,
    default_to: NaiveDate,
    days_back: u64,
    max_days: u32,
) -> Result<(NaiveDate, NaiveDate), ApiError> {
    let to = parse_opt_date("to", to)?.unwrap_or(default_to);
    let from = parse_opt_date("from", from)?
        .unwrap_or_else(|| to.checked_sub_days(Days::new(days_back)).unwrap_or(to));
    if from > to {
        return Err(ApiError::invalid(
            "from",
            format!("from: {from} is after to ({to})"),
        ));
    }
    let days = (to - from).num_days() + 1;
    if days > i64::from(max_days) {
        return Err(ApiError::RangeTooLarge {
            parameter: "from".into(),
            detail: format!(
                "the range {from}..{to} spans {days} days; the limit is {max_days} days"
            ),
            limit: u64::from(max_days),
        });
    }
    Ok((from, to))
}

/// The default-parameter estimate, from the cache or computed and cached.
///
/// `method: None` is the chain's own method for the day (the one rule the
/// CLI and the publisher use too: Ethereum by `hardware` before the Merge,
/// `pos-nodes` after); naming the default instead would refuse pre-Merge
/// days.
pub(crate) async fn default_estimate(
    state: &AppState,
    chain: &str,
    date: Option<NaiveDate>,
    method: Option<&str>,
) -> Result<Arc<CachedEstimate>, ApiError> {
    // No method is called "default": the key cannot collide with a named one.
    let key = method.unwrap_or("default");
    if let Some(hit) = state.cache.get(chain, date, key) {
        return Ok(hit);
    }
    let estimate = match state
        .footprints
        .day(chain, date, method, &EstimateParams::default())
        .await
    {
        Ok(e) => e,
        Err(e) => {
            state.cache.remove(chain, date, key);
            return Err(e.into());
        }
    };
    let json = json_bytes(&estimate)?;
    let entry = Arc::new(CachedEstimate {
        etag: etag_of(&json),
        gzip: crate::respond::gzip(&json),
        json,
        estimate,
    });
    let live = date.is_none_or(|d| Freshness::of_day(d) == Freshness::Live);
    state
        .cache
        .insert(chain, date, key, Arc::clone(&entry), live);
    Ok(entry)
}

// ---- chains ----------------------------------------------------------------

#[derive(Debug, Deserialize)]
pub(crate) struct FormatQuery {
    format: Option<String>,
}

/// Supported chains with data coverage and freshness.
#[utoipa::path(get, path = "/v1/chains", tag = "chains",
    params(("format" = Option<String>, Query, description = "`json` (default) or `csv`; `Accept: text/csv` also selects CSV")),
    responses(
        (status = 200, description = "The supported chains", content((ChainsBody = "application/json"), (String = "text/csv"))),
        (status = 400, description = "Malformed query", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown format", body = Problem, content_type = "application/problem+json"),
        LimitsAndOutages,
    ))]
pub(crate) async fn chains(
    State(state): State<AppState>,
    Query(q): Query<FormatQuery>,
    CondHeaders(headers): CondHeaders,
) -> Result<Response, ApiError> {
    let format = negotiate(q.format.as_deref(), &headers)?;
    let body = chains_body(&state).await?;
    table(
        &headers,
        format,
        body.as_ref(),
        || chains_csv(&body.chains),
        Freshness::Live,
    )
}

/// The chain list with coverage and freshness, rebuilt at most once per
/// live TTL (a `lag_s` stale by up to that long is acceptable).
async fn chains_body(state: &AppState) -> Result<Arc<ChainsBody>, ApiError> {
    let ttl = std::time::Duration::from_secs(state.config.latest_cache_ttl_s);
    {
        let cached = state.chains_body.read().unwrap_or_else(|p| p.into_inner());
        if let Some((at, body)) = cached.as_ref() {
            if at.elapsed() < ttl {
                return Ok(Arc::clone(body));
            }
        }
    }
    let now = Utc::now().timestamp();
    let mut entries = Vec::with_capacity(state.footprints.chains().len());
    // A local test chain (devnet) is not listed unless configured public.
    for info in state.footprints.public_chains() {
        let (info, slug) = (info.clone(), &info.slug);
        let coverage = state
            .footprints
            .coverage(slug)
            .await?
            .map(|(first_day, last_day)| Coverage {
                first_day,
                last_day,
                data_age_days: (Utc::now().date_naive() - last_day).num_days(),
            });
        let freshness = state.footprints.tip(slug).await?.map(|b| Fresh {
            tip_height: b.height,
            tip_time: b.time,
            lag_s: now - b.time,
        });
        entries.push(ChainEntry {
            info,
            coverage,
            freshness,
        });
    }
    let body = Arc::new(ChainsBody { chains: entries });
    *state.chains_body.write().unwrap_or_else(|p| p.into_inner()) =
        Some((std::time::Instant::now(), Arc::clone(&body)));
    Ok(body)
}

// ---- footprint -------------------------------------------------------------

#[derive(Debug, Deserialize)]
pub(crate) struct FootprintQuery {
    date: Option<String>,
    method: Option<String>,
    price: Option<String>,
    pue: Option<String>,
    format: Option<String>,
    explain: Option<String>,
}

/// One day's footprint of a chain, with lower / best / upper bounds.
#[utoipa::path(get, path = "/v1/chains/{chain}/footprint", tag = "footprint",
    params(
        ("chain" = String, Path, description = "Chain slug, e.g. `bitcoin`"),
        ("date" = Option<String>, Query, format = Date, description = "UTC day (YYYY-MM-DD); the latest day with data when absent"),
        ("method" = Option<String>, Query, description = "Method id (see /v1/methodology); the chain's default when absent"),
        ("price" = Option<f64>, Query, description = "Electricity price, USD per kWh (its bounds come from the models)"),
        ("pue" = Option<f64>, Query, description = "Power usage effectiveness (its bounds come from the models)"),
        ("format" = Option<String>, Query, description = "`json` (default) or `csv`; `Accept: text/csv` also selects CSV"),
        ("explain" = Option<String>, Query, description = "`sensitivity`: add each parameter (electricity price, PUE, hardware mix, node count, node power, grid intensity, lifetime) moved across its stated range with the others at their best, ranked by how much it moves the best figure it acts on; as CSV, those rows. `distribution`: add the percentiles (5, 25, 50, 75, 95) of energy and CO2e from a seeded Monte Carlo (10,000 draws, seed 1) over the same ranges, each parameter triangular with its best value as the mode; as CSV, one row per figure"),
    ),
    responses(
        (status = 200, description = "The estimate (with `sensitivity` or `distribution` when explained)", content((ExplainedEstimate = "application/json"), (String = "text/csv"))),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 400, description = "Malformed parameter", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown chain or no data for the day", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Parameter out of range", body = Problem, content_type = "application/problem+json"),
        LimitsAndOutages,
    ))]
pub(crate) async fn footprint(
    State(state): State<AppState>,
    Path(chain): Path<String>,
    Query(q): Query<FootprintQuery>,
    CondHeaders(headers): CondHeaders,
) -> Result<Response, ApiError> {
    let info = state.chain(&chain)?;
    let format = negotiate(q.format.as_deref(), &headers)?;
    let date = parse_opt_date("date", q.date.as_deref())?;
    // Checked here (an unknown method names the valid ones); `None` stays
    // `None`, so the day picks the chain's method.
    let method = match q.method.as_deref() {
        Some(m) => Some(resolve_method(info, Some(m))?),
        None => None,
    };
    let params = estimate_params(q.price.as_deref(), q.pue.as_deref())?;
    let freshness = date.map_or(Freshness::Live, Freshness::of_day);
    if let Some(explain) = q.explain.as_deref() {
        let (body, csv) = match explain {
            "sensitivity" => {
                let (estimate, rows) = state
                    .footprints
                    .sensitivity(&chain, date, method, &params)
                    .await?;
                let csv = crate::dto::sensitivity_csv(&estimate, &rows)?;
                let body = ExplainedEstimate {
                    estimate,
                    sensitivity: Some(rows),
                    distribution: None,
                };
                (body, csv)
            }
            "distribution" => {
                let (estimate, d) = state
                    .footprints
                    .distribution(&chain, date, method, &params)
                    .await?;
                let csv = crate::dto::distribution_csv(&estimate, &d)?;
                let body = ExplainedEstimate {
                    estimate,
                    sensitivity: None,
                    distribution: Some(d),
                };
                (body, csv)
            }
            other => {
                return Err(ApiError::invalid(
                    "explain",
                    format!("explain: {other:?} is not one of: sensitivity, distribution"),
                ))
            }
        };
        return table(&headers, format, &body, || Ok(csv), freshness);
    }
    if params.is_default() {
        let hit = default_estimate(&state, &chain, date, method).await?;
        if format == Format::Json {
            return Ok(crate::respond::cached_precompressed(
                &headers,
                &hit.json,
                hit.gzip.as_ref(),
                JSON,
                hit.etag.clone(),
                freshness,
            ));
        }
        let estimate = &hit.estimate;
        return table(
            &headers,
            format,
            estimate,
            || estimates_csv(std::slice::from_ref(estimate)),
            freshness,
        );
    }
    let estimate = state.footprints.day(&chain, date, method, &params).await?;
    table(
        &headers,
        format,
        &estimate,
        || estimates_csv(std::slice::from_ref(&estimate)),
        freshness,
    )
}

/// `?date=`: one day, or the latest / every one when absent (inputs, reconcile).
#[derive(Debug, Deserialize)]
pub(crate) struct DayQuery {
    date: Option<String>,
}

/// A day's inputs as each source stored them (our own block-derived
/// figures, each provider's), the row the models read, and where our
/// figures and a provider's disagree.
#[utoipa::path(get, path = "/v1/chains/{chain}/inputs", tag = "footprint",
    params(
        ("chain" = String, Path, description = "Chain slug"),
        ("date" = Option<String>, Query, format = Date, description = "The day (UTC); the chain's latest day with data when absent"),
    ),
    responses(
        (status = 200, description = "The day's inputs per source", body = DayInputs),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 400, description = "Malformed date", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown chain, or no data stored for the day", body = Problem, content_type = "application/problem+json"),
        LimitsAndOutages,
    ))]
pub(crate) async fn inputs(
    State(state): State<AppState>,
    Path(chain): Path<String>,
    Query(q): Query<DayQuery>,
    CondHeaders(headers): CondHeaders,
) -> Result<Response, ApiError> {
    state.chain(&chain)?;
    let date = parse_opt_date("date", q.date.as_deref())?;
    let body = state.footprints.inputs(&chain, date).await?;
    let freshness = date.map_or(Freshness::Live, Freshness::of_day);
    Ok(cached(&headers, json_bytes(&body)?, JSON, None, freshness))
}

/// blockwatt's figures beside the Cambridge index's, Digiconomist's and
/// CCRI's published ones (`published_figures` catalogue), with each gap
/// explained as inputs, method, or both.
#[utoipa::path(get, path = "/v1/chains/{chain}/reconcile", tag = "footprint",
    params(
        ("chain" = String, Path, description = "Chain slug"),
        ("date" = Option<String>, Query, format = Date, description = "Only the figures published for this day; every published figure of the chain when absent"),
    ),
    responses(
        (status = 200, description = "Published figures beside ours (empty when none is catalogued for the chain or day)", body = ReconcileBody),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 400, description = "Malformed date", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown chain, or a day before the chain existed", body = Problem, content_type = "application/problem+json"),
        LimitsAndOutages,
    ))]
pub(crate) async fn reconcile(
    State(state): State<AppState>,
    Path(chain): Path<String>,
    Query(q): Query<DayQuery>,
    CondHeaders(headers): CondHeaders,
) -> Result<Response, ApiError> {
    state.chain(&chain)?;
    let date = parse_opt_date("date", q.date.as_deref())?;
    let figures = state.footprints.reconcile(&chain, date).await?;
    let body = ReconcileBody { chain, figures };
    Ok(cached(
        &headers,
        json_bytes(&body)?,
        JSON,
        None,
        Freshness::Live,
    ))
}

#[derive(Debug, Deserialize)]
pub(crate) struct HistoryQuery {
    from: Option<String>,
    to: Option<String>,
    method: Option<String>,
    price: Option<String>,
    pue: Option<String>,
    format: Option<String>,
}

/// The daily series of a chain's footprint (days without data are left out).
#[utoipa::path(get, path = "/v1/chains/{chain}/footprint/history", tag = "footprint",
    params(
        ("chain" = String, Path, description = "Chain slug"),
        ("from" = Option<String>, Query, format = Date, description = "First day (inclusive); 365 days before `to` when absent"),
        ("to" = Option<String>, Query, format = Date, description = "Last day (inclusive); the chain's latest day with data when absent"),
        ("method" = Option<String>, Query, description = "Method id; the chain's default when absent"),
        ("price" = Option<f64>, Query, description = "Electricity price, USD per kWh (its bounds come from the models)"),
        ("pue" = Option<f64>, Query, description = "Power usage effectiveness (its bounds come from the models)"),
        ("format" = Option<String>, Query, description = "`json` (default) or `csv`"),
    ),
    responses(
        (status = 200, description = "The series; the range is limited to `max_history_days` (default 3660)", content((HistoryBody = "application/json"), (String = "text/csv"))),
        (status = 400, description = "Malformed parameter", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown chain", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Parameter out of range, or range too large", body = Problem, content_type = "application/problem+json"),
        LimitsAndOutages,
    ))]
pub(crate) async fn history(
    State(state): State<AppState>,
    Path(chain): Path<String>,
    Query(q): Query<HistoryQuery>,
    CondHeaders(headers): CondHeaders,
) -> Result<Response, ApiError> {
    let info = state.chain(&chain)?;
    let format = negotiate(q.format.as_deref(), &headers)?;
    let max_days = state.config.max_history_days;
    // Without `to`, the window ends on the chain's latest day with data:
    // the last 365 calendar days may hold none (an import of old history).
    let default_to = match q.to {
        Some(_) => today(),
        None => state.footprints.latest_day(&chain).await?.min(today()),
    };
    let (from, to) = date_range(
        q.from.as_deref(),
        q.to.as_deref(),
        default_to,
        364,
        max_days,
    )?;
    let method = resolve_method(info, q.method.as_deref())?;
    let params = estimate_params(q.price.as_deref(), q.pue.as_deref())?;
    let estimates = state
        .footprints
        .series(&chain, from, to, Some(method), &params)
        .await?;
    let body = HistoryBody {
        chain: chain.clone(),
        method: method.to_owned(),
        from,
        to,
        max_days,
        estimates,
    };
    table(
        &headers,
        format,
        &body,
        || estimates_csv(&body.estimates),
        Freshness::of_day(to),
    )
}

// ---- blocks and transactions ------------------------------------------------

#[derive(Debug, Deserialize)]
pub(crate) struct AllocationQuery {
    allocation: Option<String>,
    method: Option<String>,
}

fn allocated_body(
    block_height: u64,
    block_hash: String,
    chain: &str,
    txid: Option<String>,
    a: Allocated,
) -> AllocatedBody {
    let Allocated {
        method,
        methodology_version,
        allocation,
        date,
        basis,
        as_of,
        energy_kwh,
        co2e_kg,
        water_l,
        inputs,
    } = a;
    AllocatedBody {
        chain: chain.to_owned(),
        subject: if txid.is_some() {
            "transaction"
        } else {
            "block"
        }
        .to_owned(),
        block_height,
        block_hash,
        txid,
        date,
        basis,
        as_of,
        method,
        methodology_version,
        allocation,
        energy_kwh,
        co2e_kg,
        water_l,
        inputs,
    }
}

/// The footprint share of one ingested block.
#[utoipa::path(get, path = "/v1/chains/{chain}/blocks/{height_or_hash}/footprint", tag = "allocation",
    params(
        ("chain" = String, Path, description = "Chain slug"),
        ("height_or_hash" = String, Path, description = "Block height (decimal) or block hash (64 hex digits, optionally 0x-prefixed, or base58)"),
        ("allocation" = Option<String>, Query, description = "`per-tx`, `size`, `gas` or `hybrid`; the chain's default when absent"),
        ("method" = Option<String>, Query, description = "Method id; the chain's default when absent"),
    ),
    responses(
        (status = 200, description = "The block's share", body = AllocatedBody),
        (status = 400, description = "Malformed height or hash", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown chain, or block not ingested", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown allocation or method", body = Problem, content_type = "application/problem+json"),
        LimitsAndOutages,
    ))]
pub(crate) async fn block_footprint(
    State(state): State<AppState>,
    Path((chain, block_ref)): Path<(String, String)>,
    Query(q): Query<AllocationQuery>,
    CondHeaders(headers): CondHeaders,
) -> Result<Response, ApiError> {
    let info = state.chain(&chain)?;
    let block_ref = parse_block_ref(&block_ref)?;
    let allocation = parse_allocation(q.allocation.as_deref())?;
    let method = resolve_method(info, q.method.as_deref())?;
    let block = match &block_ref {
        BlockRef::Height(h) => state.footprints.block_at(&chain, *h).await?,
        BlockRef::Hash(h) => state.footprints.block_by_hash(&chain, h).await?,
    };
    let block = block.ok_or_else(|| {
        let what = match &block_ref {
            BlockRef::Height(h) => format!("height {h}"),
            BlockRef::Hash(h) => format!("hash {h}"),
        };
        ApiError::NotIngested(format!("block {what} of {chain} is not ingested"))
    })?;
    let a = state
        .footprints
        .block_footprint(&block, Some(method), allocation)
        .await?;
    let freshness = if block.provisional {
        Freshness::Live
    } else {
        Freshness::of_day(a.date)
    };
    let body = allocated_body(block.height, block.hash.clone(), &chain, None, a);
    Ok(cached(&headers, json_bytes(&body)?, JSON, None, freshness))
}

/// The footprint share of one transaction, from the store or, when a source
/// is configured, looked up there and then kept in the store.
#[utoipa::path(get, path = "/v1/chains/{chain}/transactions/{txid}/footprint", tag = "allocation",
    params(
        ("chain" = String, Path, description = "Chain slug"),
        ("txid" = String, Path, description = "Transaction id (64 hex digits, optionally 0x-prefixed, or base58)"),
        ("allocation" = Option<String>, Query, description = "`per-tx`, `size`, `gas` or `hybrid`; the chain's default when absent"),
        ("method" = Option<String>, Query, description = "Method id; the chain's default when absent"),
    ),
    responses(
        (status = 200, description = "The transaction's share", body = AllocatedBody),
        (status = 400, description = "Malformed txid", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown chain; transaction neither ingested nor known to the source; or its block not ingested yet", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown allocation or method", body = Problem, content_type = "application/problem+json"),
        LimitsAndOutages,
    ))]
pub(crate) async fn transaction_footprint(
    State(state): State<AppState>,
    Path((chain, txid)): Path<(String, String)>,
    Query(q): Query<AllocationQuery>,
    CondHeaders(headers): CondHeaders,
) -> Result<Response, ApiError> {
    let info = state.chain(&chain)?;
    let txid = parse_hash("txid", &txid)?;
    let allocation = parse_allocation(q.allocation.as_deref())?;
    let method = resolve_method(info, q.method.as_deref())?;
    let (tx, block) = match state
        .footprints
        .stored_transaction_with_block(&chain, &txid)
        .await?
    {
        Some(found) => found,
        None => {
            let tx = look_up_transaction(&state, &chain, &txid).await?;
            let block = state.footprints.block_of(&tx).await?;
            (tx, block)
        }
    };
    let a = state
        .footprints
        .transaction_footprint(&tx, block.as_ref(), Some(method), allocation)
        .await?;
    let provisional = block.as_ref().is_none_or(|b| b.provisional);
    let freshness = if provisional {
        Freshness::Live
    } else {
        Freshness::of_day(a.date)
    };
    let body = allocated_body(
        tx.block_height,
        tx.block_hash.clone(),
        &chain,
        Some(tx.txid.clone()),
        a,
    );
    Ok(cached(&headers, json_bytes(&body)?, JSON, None, freshness))
}

/// Asks the chain's node for a transaction the store lacks (the service
/// keeps one it finds). A txid the node did not know is remembered for
/// `unknown_tx_ttl_s`, so repeats do not reach the node.
async fn look_up_transaction(
    state: &AppState,
    chain: &str,
    txid: &str,
) -> Result<blockwatt_domain::Transaction, ApiError> {
    let unknown = || ApiError::UnknownTransaction {
        detail: format!(
            "transaction {txid} of {chain} is neither ingested nor known to the chain's source"
        ),
        max_age_s: state.unknown_txs.ttl().as_secs(),
    };
    if state.unknown_txs.contains(chain, txid) {
        return Err(unknown());
    }
    match state
        .footprints
        .look_up_transaction(chain, txid, state.lookup.as_deref())
        .await?
    {
        LookedUp::Found(tx) => Ok(tx),
        LookedUp::Unknown => {
            state.unknown_txs.insert(chain, txid);
            Err(unknown())
        }
        LookedUp::NoSource => Err(ApiError::NotIngested(format!(
            "transaction {txid} of {chain} is not ingested, and no source is configured to look it up"
        ))),
    }
}

// ---- compare, MiCA ---------------------------------------------------------

#[derive(Debug, Deserialize)]
pub(crate) struct CompareQuery {
    chains: Option<String>,
    date: Option<String>,
    format: Option<String>,
}

/// Several chains side by side (default methods), per year and per transaction.
#[utoipa::path(get, path = "/v1/compare", tag = "footprint",
    params(
        ("chains" = String, Query, description = "Comma-separated chain slugs, e.g. `bitcoin,ethereum`"),
        ("date" = Option<String>, Query, format = Date, description = "UTC day; each chain's latest day when absent"),
        ("format" = Option<String>, Query, description = "`json` (default) or `csv`"),
    ),
    responses(
        (status = 200, description = "One estimate per chain, in the order asked", content((CompareBody = "application/json"), (String = "text/csv"))),
        (status = 400, description = "Missing or malformed parameter", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "A chain is unknown, or has no data for the day", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Too many chains, or parameter out of range", body = Problem, content_type = "application/problem+json"),
        LimitsAndOutages,
    ))]
pub(crate) async fn compare(
    State(state): State<AppState>,
    Query(q): Query<CompareQuery>,
    CondHeaders(headers): CondHeaders,
) -> Result<Response, ApiError> {
    let format = negotiate(q.format.as_deref(), &headers)?;
    let raw = q.chains.as_deref().ok_or_else(|| {
        ApiError::malformed("chains", "chains: required, e.g. chains=bitcoin,ethereum")
    })?;
    let mut slugs: Vec<&str> = Vec::new();
    for s in raw.split(',').map(str::trim) {
        if s.is_empty() {
            return Err(ApiError::malformed(
                "chains",
                "chains: empty entry in the list",
            ));
        }
        if !slugs.contains(&s) {
            slugs.push(s);
        }
    }
    let max = state.config.max_compare_chains;
    if slugs.len() > max as usize {
        return Err(ApiError::RangeTooLarge {
            parameter: "chains".into(),
            detail: format!("{} chains asked; the limit is {max}", slugs.len()),
            limit: u64::from(max),
        });
    }
    let asked = parse_opt_date("date", q.date.as_deref())?;
    for slug in &slugs {
        if !state.chain(slug)?.public {
            return Err(ApiError::invalid(
                "chains",
                format!(
                    "chains: {slug} is a local test chain and is not compared; \
                     list it in the configuration's public_chains to compare it"
                ),
            ));
        }
    }
    // Side by side means the same day: without one asked, the newest day
    // every chain has data for (the oldest of their latest days).
    let date = match asked {
        Some(d) => d,
        None => {
            let mut common: Option<NaiveDate> = None;
            for slug in &slugs {
                let latest = state.footprints.latest_day(slug).await?;
                common = Some(common.map_or(latest, |c| c.min(latest)));
            }
            common.unwrap_or_else(|| Utc::now().date_naive())
        }
    };
    let mut rows = Vec::with_capacity(slugs.len());
    for slug in slugs {
        let hit = default_estimate(&state, slug, Some(date), None).await?;
        rows.push(hit.estimate.clone());
    }
    let body = CompareBody { date, chains: rows };
    let freshness = asked.map_or(Freshness::Live, Freshness::of_day);
    table(
        &headers,
        format,
        &body,
        || estimates_csv(&body.chains),
        freshness,
    )
}

/// The footprint of a contract's activity (a token, an NFT collection)
/// over a period: the chain's daily footprint times the contract's share of
/// the day's transactions, counted in the stored blocks.
#[utoipa::path(get, path = "/v1/chains/{chain}/contracts/{address}/footprint", tag = "footprint",
    params(
        ("chain" = String, Path, description = "An EVM chain slug with a configured node"),
        ("address" = String, Path, pattern = "^0[xX][0-9a-fA-F]{40}$", description = "The contract: 0x and 40 hex digits"),
        ("from" = Option<String>, Query, format = Date, description = "First day (inclusive); 29 days before `to` when absent"),
        ("to" = Option<String>, Query, format = Date, description = "Last day (inclusive); yesterday when absent"),
        ("format" = Option<String>, Query, description = "`json` (default) or `csv` (one row per day)"),
        ("allocation" = Option<String>, Query, description = "`transactions` (default: the contract's share of each day's transactions) or `gas` (of each day's gas)"),
    ),
    responses(
        (status = 200, description = "The contract's footprint, its transactions and the chain's beside them, per day and in total", content((ContractFootprint = "application/json"), (String = "text/csv"))),
        (status = 400, description = "Malformed date", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown chain, no node to count at, or no stored blocks and estimate in the period", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Malformed address, or range invalid or too large", body = Problem, content_type = "application/problem+json"),
        LimitsAndOutages,
    ))]
pub(crate) async fn contract_footprint(
    State(state): State<AppState>,
    Path((chain, address)): Path<(String, String)>,
    Query(q): Query<PeriodQuery>,
    CondHeaders(headers): CondHeaders,
) -> Result<Response, ApiError> {
    state.chain(&chain)?;
    let format = negotiate(q.format.as_deref(), &headers)?;
    let allocation = blockwatt_service::ContractAllocation::parse(q.allocation.as_deref())?;
    let yesterday = today().checked_sub_days(Days::new(1)).unwrap_or_else(today);
    let (from, to) = date_range(
        q.from.as_deref(),
        q.to.as_deref(),
        yesterday,
        29,
        state.config.max_history_days,
    )?;
    let body = state
        .footprints
        .contract_footprint(
            state.lookup.as_deref(),
            &chain,
            &address,
            from,
            to,
            allocation,
        )
        .await?;
    table(
        &headers,
        format,
        &body,
        || contract_csv(&body),
        Freshness::of_day(to),
    )
}

/// MiCA sustainability disclosure of a crypto-asset for a period: every
/// field of the Annex to Delegated Regulation (EU) 2025/422 (S.1 … S.36).
#[utoipa::path(get, path = "/v1/mica/{asset}", tag = "mica",
    params(
        ("asset" = String, Path, description = "The crypto-asset: a chain's native coin by the chain's slug (`bitcoin`), or a listed token (`usdc`; /methodology/catalogues/assets)"),
        ("from" = Option<String>, Query, format = Date, description = "First day (inclusive). With `to` absent too: the last full calendar year, as disclosures use"),
        ("to" = Option<String>, Query, format = Date, description = "Last day (inclusive); 31 December of `from`'s year when only `from` is given"),
        ("format" = Option<String>, Query, description = "`json` (default) or `csv` (one row per field)"),
        ("allocation" = Option<String>, Query, description = "How a token's part of each host chain is measured: `transactions` (the default: its share of each day's transactions, those that make its contract log, counted at the chain's node) or `gas` (its share of each day's gas)"),
    ),
    responses(
        (status = 200, description = "The disclosure: each field's code, table, name, unit, format and value as the Annex writes it, our lower and upper bounds beside each number, and which tables apply", content((Disclosure = "application/json"), (String = "text/csv"))),
        (status = 400, description = "Malformed date", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown asset, a period before it existed, or a period without estimates", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Range invalid or too large", body = Problem, content_type = "application/problem+json"),
        LimitsAndOutages,
    ))]
pub(crate) async fn mica(
    State(state): State<AppState>,
    Path(asset): Path<String>,
    Query(q): Query<PeriodQuery>,
    CondHeaders(headers): CondHeaders,
) -> Result<Response, ApiError> {
    let format = negotiate(q.format.as_deref(), &headers)?;
    let period = mica_period(
        q.from.as_deref(),
        q.to.as_deref(),
        state.config.max_history_days,
    )?;
    let body: Disclosure = state
        .footprints
        .mica(
            &asset,
            period,
            today(),
            q.allocation.as_deref(),
            state.lookup.as_deref(),
        )
        .await?;
    let to = body.period.end;
    table(
        &headers,
        format,
        &body,
        || mica_csv(&body),
        Freshness::of_day(to),
    )
}

/// A period, a format and how a contract's or token's part of its chain
/// is measured.
#[derive(Debug, Deserialize)]
pub(crate) struct PeriodQuery {
    from: Option<String>,
    to: Option<String>,
    format: Option<String>,
    allocation: Option<String>,
}

/// The disclosure's period (`Period::resolve`), checked like every range.
pub(crate) fn mica_period(
    from: Option<&str>,
    to: Option<&str>,
    max_days: u32,
) -> Result<Option<Period>, ApiError> {
    let from_day = parse_opt_date("from", from)?;
    let to_day = parse_opt_date("to", to)?;
    if from_day.is_none() && to_day.is_none() {
        return Ok(None);
    }
    let p = Period::resolve(from_day, to_day, today());
    let (start, end) = date_range(
        Some(&p.start.to_string()),
        Some(&p.end.to_string()),
        p.end,
        364,
        max_days,
    )?;
    Ok(Some(Period { start, end }))
}

// ---- methodology -------------------------------------------------------------

/// Every method: formulas, parameters with bounds and sources, catalogues.
#[utoipa::path(get, path = "/v1/methodology", tag = "methodology",
    responses(
        (status = 200, description = "All methods", body = MethodologyBody),
        LimitsAndOutages,
    ))]
pub(crate) async fn methodology(
    State(state): State<AppState>,
    CondHeaders(headers): CondHeaders,
) -> Result<Response, ApiError> {
    let body = MethodologyBody {
        methods: blockwatt_service::methodology::methodology(state.footprints.catalogues()),
    };
    Ok(cached(
        &headers,
        json_bytes(&body)?,
        JSON,
        None,
        Freshness::Static,
    ))
}

/// One method.
#[utoipa::path(get, path = "/v1/methodology/{method}", tag = "methodology",
    params(("method" = String, Path, description = "Method id, e.g. `cbeci-v1`")),
    responses(
        (status = 200, description = "The method", body = MethodDescription),
        (status = 404, description = "Unknown method", body = Problem, content_type = "application/problem+json"),
        LimitsAndOutages,
    ))]
pub(crate) async fn method(
    State(state): State<AppState>,
    Path(name): Path<String>,
    CondHeaders(headers): CondHeaders,
) -> Result<Response, ApiError> {
    let info = blockwatt_service::methodology::method(state.footprints.catalogues(), &name)
        .ok_or_else(|| {
            ApiError::NotFound(format!("unknown method {name:?}; see /v1/methodology"))
        })?;
    Ok(cached(
        &headers,
        json_bytes(&info)?,
        JSON,
        None,
        Freshness::Static,
    ))
}

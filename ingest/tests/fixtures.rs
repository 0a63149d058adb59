//! Recorded mainnet responses (../shared/data) replayed by a local fake
//! node: the parsers must read them exactly.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use axum::Router;
use blockwatt_ingest::bitcoin_rpc::parse_block;
use blockwatt_ingest::{run_ingest, ChainSourceConfig, IngestRange, SourceKind};
use blockwatt_store::Store;
use common::temp_store;
use serde_json::{json, Value};

/// Changes a recorded response's result before it is sent: how a test makes
/// a real block carry one malformed value.
type Tamper = fn(&str, &mut Value);

/// File name → contents of every recorded response under the given dirs.
struct Replay {
    files: BTreeMap<String, String>,
    tamper: Option<Tamper>,
}

fn arg_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl Replay {
    fn load(dirs: &[PathBuf]) -> Replay {
        let mut files = BTreeMap::new();
        for d in dirs {
            for e in std::fs::read_dir(d).expect("fixture dir").flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if name.starts_with("rpc_response_") || name.starts_with("web3_response.") {
                    files.insert(
                        name,
                        std::fs::read_to_string(e.path()).expect("fixture file"),
                    );
                }
            }
        }
        Replay {
            files,
            tamper: None,
        }
    }

    /// Highest height among recorded getblockhash / eth_getBlockByNumber files.
    fn max_height(&self) -> u64 {
        self.files
            .keys()
            .filter_map(|n| {
                if let Some(h) = n.strip_prefix("rpc_response_getblockhash_") {
                    h.trim_end_matches(".json").parse().ok()
                } else {
                    let h = n
                        .strip_prefix("web3_response.eth_getBlockByNumber_0x")?
                        .split('_')
                        .next()?;
                    u64::from_str_radix(h, 16).ok()
                }
            })
            .max()
            .unwrap_or(0)
    }

    fn answer(&self, call: &Value) -> Value {
        let id = call["id"].clone();
        let method = call["method"].as_str().unwrap_or_default();
        let args: Vec<String> = call["params"]
            .as_array()
            .map(|a| a.iter().map(arg_text).collect())
            .unwrap_or_default();
        let synthetic = match method {
            "getblockcount" => Some(json!(self.max_height())),
            "getblockchaininfo" => Some(json!({"chain": "main", "blocks": self.max_height()})),
            "eth_blockNumber" => Some(json!(format!("{:#x}", self.max_height()))),
            "eth_chainId" => Some(json!("0x1")),
            _ => None,
        };
        if let Some(result) = synthetic {
            return json!({"jsonrpc": "2.0", "id": id, "result": result});
        }
        // bitcoin-etl recorded Python's `True`, and getrawtransaction by txid alone.
        let args: Vec<String> = match method {
            "getrawtransaction" => args.into_iter().take(1).collect(),
            m if m.starts_with("eth_") => args,
            _ => args
                .into_iter()
                .map(|a| if a == "true" { "True".to_owned() } else { a })
                .collect(),
        };
        // A node whose getblock takes only a boolean (Dogecoin Core 1.14).
        if method == "getblock" && args.get(1).map(String::as_str) == Some("2") {
            let bool_only = format!("rpc_response_getblock_{}_True.json", args[0]);
            if self.files.contains_key(&bool_only) {
                return json!({"jsonrpc": "2.0", "id": id, "error": {"code": -1, "message": "JSON value is not a boolean as expected"}});
            }
        }
        let suffix = if args.is_empty() {
            String::new()
        } else {
            format!("_{}", args.join("_"))
        };
        if let Some(text) = self
            .files
            .get(&format!("rpc_response_{method}{suffix}.json"))
        {
            let mut result: Value = serde_json::from_str(text).expect("fixture is JSON");
            if let Some(tamper) = self.tamper {
                tamper(method, &mut result);
            }
            return json!({"jsonrpc": "2.0", "id": id, "result": result});
        }
        if let Some(text) = self
            .files
            .get(&format!("web3_response.{method}{suffix}.json"))
        {
            let mut envelope: Value = serde_json::from_str(text).expect("fixture is JSON");
            envelope["id"] = id;
            // As a pre-London node answers: no effectiveGasPrice, so the
            // fee must come from the transaction's gas price.
            if let Some(r) = envelope["result"].as_object_mut() {
                r.remove("effectiveGasPrice");
            }
            if let Some(tamper) = self.tamper {
                tamper(method, &mut envelope["result"]);
            }
            return envelope;
        }
        json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32601, "message": format!("Method not found: {method}{suffix}")}})
    }
}

async fn handle(State(replay): State<Arc<Replay>>, body: Bytes) -> String {
    let v: Value = serde_json::from_slice(&body).expect("JSON request");
    let out = match v {
        Value::Array(calls) => Value::Array(calls.iter().map(|c| replay.answer(c)).collect()),
        call => replay.answer(&call),
    };
    out.to_string()
}

async fn serve(dirs: &[PathBuf]) -> String {
    serve_tampered(dirs, None).await
}

async fn serve_tampered(dirs: &[PathBuf], tamper: Option<Tamper>) -> String {
    let mut replay = Replay::load(dirs);
    replay.tamper = tamper;
    let app = Router::new()
        .route("/", post(handle))
        .with_state(Arc::new(replay));
    let url = blockwatt_testkit::serve_router(app).await;
    url
}

/// JSON lines or one JSON array.
fn read_json_records(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).expect("expected file");
    if let Ok(Value::Array(a)) = serde_json::from_str(&text) {
        return a;
    }
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect()
}

fn read_csv_records(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(path).expect("csv");
    r.deserialize().map(|row| row.expect("csv row")).collect()
}

fn cfg(kind: SourceKind, url: &str) -> ChainSourceConfig {
    let mut c = ChainSourceConfig::new(kind, url);
    c.chain_id = Some(1);
    c.batch_size = 2;
    c.confirmations = 0;
    c.max_retries = 0;
    c.rate_limit_per_s = 1000;
    c
}

/// One pass over `from ..= to` of `chain` from `c` into `store`.
async fn ingest_range(
    c: &ChainSourceConfig,
    chain: &str,
    store: &Arc<dyn Store>,
    from: u64,
    to: u64,
) -> Result<blockwatt_ingest::IngestReport, blockwatt_ingest::IngestError> {
    run_ingest(
        c,
        chain,
        store.clone(),
        IngestRange { from, to: Some(to) },
        false,
        std::future::pending(),
    )
    .await
}

async fn ingest(c: &ChainSourceConfig, chain: &str, store: &Arc<dyn Store>, from: u64, to: u64) {
    let report = ingest_range(c, chain, store, from, to)
        .await
        .unwrap_or_else(|e| panic!("{chain} {from}..={to}: {e}"));
    assert_eq!(report.blocks_written, to - from + 1);
}

async fn check_bitcoin_expected(store: &Arc<dyn Store>, chain: &str, dir: &Path) -> usize {
    let mut checked = 0;
    for exp in read_json_records(&dir.join("expected_blocks.json")) {
        let h = exp["number"].as_u64().expect("number");
        let b = store
            .block(chain, h)
            .await
            .expect("read")
            .unwrap_or_else(|| panic!("{chain} block {h} stored"));
        assert_eq!(b.hash, exp["hash"].as_str().expect("hash"), "{chain} {h}");
        assert_eq!(
            u64::from(b.tx_count),
            exp["transaction_count"].as_u64().expect("count"),
            "{chain} {h}"
        );
        assert_eq!(
            b.time,
            exp["timestamp"].as_i64().expect("time"),
            "{chain} {h}"
        );
        assert_eq!(
            b.size_bytes,
            exp["size"].as_u64().expect("size"),
            "{chain} {h}"
        );
        if let Some(w) = exp["weight"].as_u64() {
            assert_eq!(b.weight, w, "{chain} {h}");
        }
        assert!(b.difficulty > 0.0 && b.fees_native >= 0.0);
        checked += 1;
    }
    for exp in read_json_records(&dir.join("expected_transactions.json")) {
        let txid = exp["hash"].as_str().expect("txid");
        let t = store
            .transaction(chain, txid)
            .await
            .expect("read")
            .unwrap_or_else(|| panic!("{chain} tx {txid} stored"));
        assert_eq!(
            t.block_height,
            exp["block_number"].as_u64().expect("number")
        );
        assert_eq!(u64::from(t.position), exp["index"].as_u64().expect("index"));
        // bitcoin-etl leaves the size out for some forks (zcash).
        if let Some(size) = exp["size"].as_u64() {
            assert_eq!(t.size_bytes, size, "{txid}");
        }
        checked += 1;
    }
    checked
}

#[tokio::test]
async fn bitcoin_family_rpc_fixtures_are_read_exactly() {
    let Some(data) = blockwatt_testkit::shared_data("bitcoin_family_rpc_fixtures_are_read_exactly")
    else {
        return;
    };
    let root = data.join("bitcoin-etl-fixtures/test_export_blocks_job");
    let cases: [(&str, &[&str], u64, u64); 4] = [
        ("bitcoin", &["bitcoin/block_0", "bitcoin/block_1"], 0, 1),
        (
            "bitcoin",
            &[
                "bitcoin/block_without_transactions",
                "bitcoin/block_with_transactions",
            ],
            50_000,
            50_002,
        ),
        ("zcash", &["zcash/block_0"], 0, 0),
        ("zcash", &["zcash/block_with_shielded_addresses"], 508, 508),
    ];
    let (_dir, store) = temp_store().await;
    let mut checked = 0;
    for (chain, dirs, from, to) in cases {
        let dirs: Vec<PathBuf> = dirs.iter().map(|d| root.join(d)).collect();
        let url = serve(&dirs).await;
        ingest(&cfg(SourceKind::BitcoinRpc, &url), chain, &store, from, to).await;
        for d in &dirs {
            checked += check_bitcoin_expected(&store, chain, d).await;
        }
    }
    // A zcash block above the others, as its own run.
    let dir = root.join("zcash/block_with_value_balance");
    let url = serve(std::slice::from_ref(&dir)).await;
    ingest(
        &cfg(SourceKind::BitcoinRpc, &url),
        "zcash",
        &store,
        462_085,
        462_085,
    )
    .await;
    checked += check_bitcoin_expected(&store, "zcash", &dir).await;
    assert!(checked >= 20, "checked {checked} records");

    // Block 1 of bitcoin: subsidy 50, and 50001's coinbase is all subsidy + fees.
    let b1 = store
        .block("bitcoin", 1)
        .await
        .expect("read")
        .expect("block 1");
    assert_eq!(b1.subsidy_native, 50.0);
    assert_eq!(b1.fees_native, 0.0);
    // Old nodes give no per-transaction fee at verbosity 2: fees are what
    // the coinbase claims beyond the subsidy (50001: exactly 50 BTC).
    assert_eq!(
        store
            .block("bitcoin", 50_001)
            .await
            .expect("read")
            .expect("block")
            .fees_native,
        0.0
    );
    // Zcash 462085: coinbase 12.50068515 ZEC (founders' reward included) − 12.5.
    let z = store
        .block("zcash", 462_085)
        .await
        .expect("read")
        .expect("block");
    assert_eq!(z.subsidy_native, 12.5);
    assert!(
        (z.fees_native - 0.000_685_15).abs() < 1e-9,
        "{}",
        z.fees_native
    );
    assert_eq!(
        b1.parent_hash,
        store
            .block("bitcoin", 0)
            .await
            .expect("read")
            .expect("genesis")
            .hash
    );
}

#[test]
fn verbosity_one_blocks_of_forks_parse() {
    let Some(data) = blockwatt_testkit::shared_data("verbosity_one_blocks_of_forks_parse") else {
        return;
    };
    let root = data.join("bitcoin-etl-fixtures/test_export_blocks_job");
    for (chain, dir) in [
        ("bitcoin-cash", "bitcoin_cash/block_with_duplicate_txid"),
        ("dogecoin", "dogecoin/block_without_transactions"),
    ] {
        let dir = root.join(dir);
        let exp = &read_json_records(&dir.join("expected_blocks.json"))[0];
        let h = exp["number"].as_u64().expect("number");
        let hash = exp["hash"].as_str().expect("hash");
        let text =
            std::fs::read_to_string(dir.join(format!("rpc_response_getblock_{hash}_True.json")))
                .expect("fixture");
        let fb = parse_block(chain, h, &text, None).expect("parses");
        assert_eq!(fb.block.hash, hash);
        assert_eq!(
            u64::from(fb.block.tx_count),
            exp["transaction_count"].as_u64().expect("count")
        );
        assert_eq!(fb.block.size_bytes, exp["size"].as_u64().expect("size"));
        assert_eq!(
            fb.transactions.len() as u64,
            exp["transaction_count"].as_u64().expect("count")
        );
        // A block asked for at another height is refused.
        assert!(parse_block(chain, h + 1, &text, None).is_err());
        assert!(parse_block(chain, h, &text[..text.len() / 2], None).is_err());
        assert_eq!(
            parse_block(chain, h, "null", None),
            Err(blockwatt_ingest::SourceErrorKind::NotFound)
        );
    }
}

/// The Equihash model's 2^13 solutions per unit of difficulty, checked
/// against recorded Zcash blocks: the expected work of a block is
/// 2^256 / (target + 1) with the target from its `bits`, which is what
/// zcashd's chainwork (and so `getnetworksolps`) adds up.
#[test]
fn zcash_difficulty_times_2_pow_13_is_the_recorded_work() {
    let Some(data) =
        blockwatt_testkit::shared_data("zcash_difficulty_times_2_pow_13_is_the_recorded_work")
    else {
        return;
    };
    let root = data.join("bitcoin-etl-fixtures/test_export_blocks_job/zcash");
    let per_difficulty = blockwatt_ingest::daily::HashrateModel::for_chain("zcash")
        .hashes_per_difficulty()
        .expect("zcash has a hashrate model");
    let mut checked = 0;
    for entry in std::fs::read_dir(&root).expect("zcash fixtures") {
        let dir = entry.expect("entry").path();
        let exp = &read_json_records(&dir.join("expected_blocks.json"))[0];
        let (h, hash) = (
            exp["number"].as_u64().expect("number"),
            exp["hash"].as_str().expect("hash"),
        );
        let text =
            std::fs::read_to_string(dir.join(format!("rpc_response_getblock_{hash}_2.json")))
                .expect("fixture");
        let fb = parse_block("zcash", h, &text, None).expect("parses");
        let raw: Value = serde_json::from_str(&text).expect("json");
        let raw = raw.get("result").unwrap_or(&raw);
        let bits = u32::from_str_radix(raw["bits"].as_str().expect("bits"), 16).expect("hex");
        let target = f64::from(bits & 0x00ff_ffff) * 256f64.powi((bits >> 24) as i32 - 3);
        let work = 2f64.powi(256) / (target + 1.0);
        let modelled = fb.block.difficulty * per_difficulty;
        // The compact powLimit is 0x07ffff·2^224, a hair under 2^243.
        assert!(
            (modelled - work).abs() / work < 1e-5,
            "height {h}: difficulty {} × {per_difficulty} = {modelled}, work {work}",
            fb.block.difficulty
        );
        if h == 0 {
            // Genesis: difficulty 1, chainwork 0x2000.
            let chainwork = u64::from_str_radix(
                raw["chainwork"]
                    .as_str()
                    .expect("chainwork")
                    .trim_start_matches('0'),
                16,
            )
            .expect("hex");
            assert_eq!(chainwork as f64, per_difficulty);
        }
        checked += 1;
    }
    assert!(checked >= 3, "only {checked} recorded Zcash blocks");
}

#[tokio::test]
async fn ethereum_mainnet_blocks_are_read_exactly() {
    let Some(data) = blockwatt_testkit::shared_data("ethereum_mainnet_blocks_are_read_exactly")
    else {
        return;
    };
    let root = data.join("ethereum-etl-fixtures");
    let (_dir, store) = temp_store().await;
    let mut checked = 0;
    let csv_cases = [
        (
            "test_export_blocks_job/block_without_transactions",
            0u64,
            0u64,
        ),
        (
            "test_export_blocks_job/blocks_with_transactions",
            47_218,
            47_219,
        ),
        ("test_export_blocks_job/block_with_logs", 483_920, 483_920),
    ];
    for (dir, from, to) in csv_cases {
        let dir = root.join(dir);
        let url = serve(std::slice::from_ref(&dir)).await;
        let mut c = cfg(SourceKind::Evm, &url);
        // These recordings hold no receipts.
        c.receipts = false;
        ingest(&c, "ethereum", &store, from, to).await;
        for exp in read_csv_records(&dir.join("expected_blocks.csv")) {
            let h: u64 = exp["number"].parse().expect("number");
            let b = store
                .block("ethereum", h)
                .await
                .expect("read")
                .expect("stored");
            assert_eq!(b.hash, exp["hash"]);
            assert_eq!(b.parent_hash, exp["parent_hash"]);
            assert_eq!(b.time.to_string(), exp["timestamp"]);
            assert_eq!(b.gas_used.to_string(), exp["gas_used"]);
            assert_eq!(b.gas_limit.to_string(), exp["gas_limit"]);
            assert_eq!(b.size_bytes.to_string(), exp["size"]);
            assert_eq!(b.tx_count.to_string(), exp["transaction_count"]);
            let difficulty: f64 = exp["difficulty"].parse().expect("difficulty");
            assert!(
                (b.difficulty - difficulty).abs() <= difficulty * 1e-15,
                "{h}"
            );
            checked += 1;
        }
        for exp in read_csv_records(&dir.join("expected_transactions.csv")) {
            let t = store
                .transaction("ethereum", &exp["hash"])
                .await
                .expect("read")
                .expect("tx stored");
            assert_eq!(t.block_hash, exp["block_hash"]);
            assert_eq!(t.position.to_string(), exp["transaction_index"]);
            checked += 1;
        }
    }
    // With receipts: the node has no eth_getBlockReceipts, so the source
    // falls back to eth_getTransactionReceipt.
    let dir = root.join("test_stream/blocks_1755634_1755635");
    let url = serve(std::slice::from_ref(&dir)).await;
    ingest(
        &cfg(SourceKind::Evm, &url),
        "ethereum",
        &store,
        1_755_634,
        1_755_635,
    )
    .await;
    for exp in read_json_records(&dir.join("expected_blocks.json")) {
        let h = exp["number"].as_u64().expect("number");
        let b = store
            .block("ethereum", h)
            .await
            .expect("read")
            .expect("stored");
        assert_eq!(b.hash, exp["hash"].as_str().expect("hash"));
        assert_eq!(
            u64::from(b.tx_count),
            exp["transaction_count"].as_u64().expect("count")
        );
        assert_eq!(b.gas_used, exp["gas_used"].as_u64().expect("gas"));
        checked += 1;
    }
    let mut gas_total = 0;
    for exp in read_json_records(&dir.join("expected_transactions.json")) {
        let txid = exp["hash"].as_str().expect("hash");
        let t = store
            .transaction("ethereum", txid)
            .await
            .expect("read")
            .expect("tx stored");
        let receipt: Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join(format!(
                "web3_response.eth_getTransactionReceipt_{txid}.json"
            )))
            .expect("receipt"),
        )
        .expect("JSON");
        let gas = u64::from_str_radix(
            receipt["result"]["gasUsed"]
                .as_str()
                .expect("gas")
                .trim_start_matches("0x"),
            16,
        )
        .expect("hex");
        let price = exp["gas_price"].as_u64().expect("price");
        assert_eq!(t.gas_used, gas);
        // Pre-London: the effective price is the gas price.
        let fee = (u128::from(gas) * u128::from(price)) as f64 / 1e18;
        assert!(
            (t.fee_native - fee).abs() <= fee * 1e-12,
            "{txid}: {} vs {fee}",
            t.fee_native
        );
        gas_total += gas;
        checked += 1;
    }
    assert!(gas_total > 0);
    // The contracts that emitted logs, as ethereum-etl extracted them from
    // the same receipts: each contract's transactions and their gas are
    // stored with the block, read back without the node.
    let mut expected: BTreeMap<String, (std::collections::BTreeSet<String>, u64)> = BTreeMap::new();
    for log in read_json_records(&dir.join("expected_logs.json")) {
        let txid = log["transaction_hash"].as_str().expect("hash").to_owned();
        let gas = store
            .transaction("ethereum", &txid)
            .await
            .expect("read")
            .expect("tx stored")
            .gas_used;
        let e = expected
            .entry(log["address"].as_str().expect("address").to_owned())
            .or_default();
        if e.0.insert(txid) {
            e.1 += gas;
        }
    }
    assert_eq!(expected.len(), 2, "{expected:?}");
    for (address, (txs, gas)) in &expected {
        let u = store
            .contract_uses("ethereum", address, 1_755_634, 1_755_635)
            .await
            .expect("read");
        assert_eq!(u.recorded_blocks, 2, "{address}");
        let stored: (u64, u64) = u.uses.iter().fold((0, 0), |(t, g), x| {
            (t + u64::from(x.transactions), g + x.gas_used)
        });
        assert_eq!(stored, (txs.len() as u64, *gas), "{address}");
        checked += 1;
    }
    assert!(checked >= 10, "checked {checked}");
}

/// mempool.space blocks (with `extras`) served as an Esplora API; with
/// `strip_extras` the server acts as plain Esplora and answers the
/// coinbase from the recorded reward instead.
struct EsploraReplay {
    blocks: Vec<Value>,
    strip_extras: bool,
    /// Recorded mainnet transactions (`/api/tx/:txid` answers): the
    /// transaction pages are built from them (see `txs_page`).
    templates: Vec<Value>,
    /// Serve every page one transaction short (a truncated upstream).
    short_pages: bool,
}

/// The synthetic txid of transaction `i` of block `h`.
fn esplora_txid(h: u64, i: u64) -> String {
    format!("{h:08x}{i:056x}")
}

/// `/block/:hash/txs/:start`. The recordings hold no transaction pages,
/// so a page is built from the recorded transaction objects: each entry
/// is a recorded transaction (all its fields as recorded: size, weight,
/// fee…) under the block's synthetic txid; entry 0 is the coinbase, whose
/// inputs are marked `is_coinbase` and whose outputs pay the block's
/// recorded reward, with fee 0 as Esplora reports for a coinbase.
fn txs_page(r: &EsploraReplay, block: &Value, start: u64) -> Value {
    let n = block["tx_count"].as_u64().unwrap_or(0);
    let h = block["height"].as_u64().unwrap_or(0);
    let reward = block["extras"]["reward"].as_u64().unwrap_or(0);
    let page: Vec<Value> = (start..n.min(start + 25))
        .map(|i| {
            let mut t = r.templates[(i as usize) % r.templates.len()].clone();
            t["txid"] = json!(esplora_txid(h, i));
            if i == 0 {
                t["vin"] = json!([{"is_coinbase": true}]);
                t["vout"] = json!([{"value": reward - 1000}, {"value": 1000}]);
                t["fee"] = json!(0);
            }
            t
        })
        .collect();
    let mut page = page;
    if r.short_pages {
        page.pop();
    }
    json!(page)
}

/// What the pages of a block serve, per transaction: (size, vsize, fee).
fn esplora_expected_tx(r: &EsploraReplay, i: u64) -> (u64, u64, u64) {
    let t = &r.templates[(i as usize) % r.templates.len()];
    let weight = t["weight"].as_u64().expect("weight");
    let fee = if i == 0 {
        0
    } else {
        t["fee"].as_u64().expect("fee")
    };
    (t["size"].as_u64().expect("size"), weight.div_ceil(4), fee)
}

async fn esplora_handle(
    State(r): State<Arc<EsploraReplay>>,
    uri: axum::http::Uri,
) -> (axum::http::StatusCode, String) {
    use axum::http::StatusCode;
    let path = uri.path();
    let by_hash = |id: &str| r.blocks.iter().find(|b| b["id"] == id);
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match parts.as_slice() {
        ["blocks", "tip", "height"] => {
            let tip = r
                .blocks
                .iter()
                .filter_map(|b| b["height"].as_u64())
                .max()
                .unwrap_or(0);
            (StatusCode::OK, tip.to_string())
        }
        ["block-height", h] => match r
            .blocks
            .iter()
            .find(|b| b["height"].as_u64().map(|x| x.to_string()).as_deref() == Some(*h))
        {
            Some(b) => (
                StatusCode::OK,
                b["id"].as_str().unwrap_or_default().to_owned(),
            ),
            None => (StatusCode::NOT_FOUND, "Block not found".into()),
        },
        ["block", id] => match by_hash(id) {
            Some(b) => {
                let mut b = b.clone();
                if r.strip_extras {
                    if let Some(o) = b.as_object_mut() {
                        o.remove("extras");
                    }
                }
                (StatusCode::OK, b.to_string())
            }
            None => (StatusCode::NOT_FOUND, "Block not found".into()),
        },
        ["block", id, "txids"] => match by_hash(id) {
            // The recordings hold no txid lists: synthetic ids, one per transaction.
            Some(b) => {
                let n = b["tx_count"].as_u64().unwrap_or(0);
                let h = b["height"].as_u64().unwrap_or(0);
                let ids: Vec<String> = (0..n).map(|i| esplora_txid(h, i)).collect();
                (StatusCode::OK, json!(ids).to_string())
            }
            None => (StatusCode::NOT_FOUND, "Block not found".into()),
        },
        ["block", id, "txs", start] => match (by_hash(id), start.parse::<u64>()) {
            (Some(b), Ok(start)) if start % 25 == 0 => {
                (StatusCode::OK, txs_page(&r, b, start).to_string())
            }
            _ => (StatusCode::NOT_FOUND, "Block not found".into()),
        },
        _ => (StatusCode::NOT_FOUND, "unknown".into()),
    }
}

#[tokio::test]
async fn esplora_mempool_space_blocks_are_read_exactly() {
    let Some(data) =
        blockwatt_testkit::shared_data("esplora_mempool_space_blocks_are_read_exactly")
    else {
        return;
    };
    let dir = data.join("mempool-space-fixtures");
    let ws: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("tx01_ws_blocks_01.json")).expect("fixture"),
    )
    .expect("JSON");
    let one: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("tx02_ws_block.json")).expect("fixture"),
    )
    .expect("JSON");
    let mut blocks: Vec<Value> = ws["blocks"].as_array().expect("blocks").clone();
    blocks.push(one["block"].clone());
    assert_eq!(blocks.len(), 9);
    let templates: Vec<Value> = ["tx02_api_tx.json", "mainnet_tx_cached.json"]
        .iter()
        .map(|f| {
            serde_json::from_str(&std::fs::read_to_string(dir.join(f)).expect("fixture"))
                .expect("JSON")
        })
        .collect();
    for (strip_extras, tx_detail) in [(false, false), (true, false), (false, true), (true, true)] {
        let replay = Arc::new(EsploraReplay {
            blocks: blocks.clone(),
            strip_extras,
            templates: templates.clone(),
            short_pages: false,
        });
        let app = Router::new()
            .fallback(esplora_handle)
            .with_state(replay.clone());
        let url = blockwatt_testkit::serve_router(app).await;
        let (_dir, store) = temp_store().await;
        let mut c = cfg(SourceKind::Esplora, &url);
        c.tx_detail = Some(tx_detail);
        ingest(&c, "bitcoin", &store, 890_440, 890_448).await;
        for exp in &blocks {
            let h = exp["height"].as_u64().expect("height");
            let b = store
                .block("bitcoin", h)
                .await
                .expect("read")
                .expect("stored");
            assert_eq!(b.hash, exp["id"].as_str().expect("id"));
            assert_eq!(
                b.parent_hash,
                exp["previousblockhash"].as_str().expect("parent")
            );
            assert_eq!(b.time, exp["timestamp"].as_i64().expect("time"));
            assert_eq!(
                u64::from(b.tx_count),
                exp["tx_count"].as_u64().expect("count")
            );
            assert_eq!(b.size_bytes, exp["size"].as_u64().expect("size"));
            assert_eq!(b.weight, exp["weight"].as_u64().expect("weight"));
            assert_eq!(
                b.difficulty,
                exp["difficulty"].as_f64().expect("difficulty")
            );
            // The recorded reward is exactly the 3.125 BTC subsidy plus the fees.
            let fees = exp["extras"]["totalFees"].as_u64().expect("fees");
            assert_eq!(exp["extras"]["reward"].as_u64(), Some(312_500_000 + fees));
            assert_eq!(b.subsidy_native, 3.125);
            let n = exp["tx_count"].as_u64().expect("count");
            // Without extras, the detailed pages' fees add up to the block's.
            let page_fees: u64 = (0..n).map(|i| esplora_expected_tx(&replay, i).2).sum();
            let fees = if tx_detail && strip_extras {
                page_fees
            } else {
                fees
            };
            assert!(
                (b.fees_native - fees as f64 / 1e8).abs() < 1e-12,
                "{h} strip={strip_extras} detail={tx_detail}"
            );
            // Page boundaries and the last transaction, at its position.
            for i in [0, 1, 2, 24, 25, 26, n - 1] {
                let t = store
                    .transaction("bitcoin", &esplora_txid(h, i))
                    .await
                    .expect("read")
                    .unwrap_or_else(|| panic!("{h} tx {i} stored"));
                assert_eq!((t.block_height, u64::from(t.position)), (h, i));
                let (size, vsize, fee) = if tx_detail {
                    esplora_expected_tx(&replay, i)
                } else {
                    (0, 0, 0)
                };
                assert_eq!(
                    (t.size_bytes, t.vsize, t.fee_native),
                    (size, vsize, fee as f64 / 1e8),
                    "{h} tx {i} detail={tx_detail}"
                );
            }
        }
    }
}

/// A transaction page shorter than the block's count says is an error
/// naming the page, and nothing of the block is stored.
#[tokio::test]
async fn esplora_short_transaction_page_is_an_error() {
    let Some(data) = blockwatt_testkit::shared_data("esplora_short_transaction_page_is_an_error")
    else {
        return;
    };
    let dir = data.join("mempool-space-fixtures");
    let one: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("tx02_ws_block.json")).expect("fixture"),
    )
    .expect("JSON");
    let template: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("tx02_api_tx.json")).expect("fixture"),
    )
    .expect("JSON");
    let app = Router::new()
        .fallback(esplora_handle)
        .with_state(Arc::new(EsploraReplay {
            blocks: vec![one["block"].clone()],
            strip_extras: false,
            templates: vec![template],
            short_pages: true,
        }));
    let url = blockwatt_testkit::serve_router(app).await;
    expect_refused(
        &cfg(SourceKind::Esplora, &url),
        "bitcoin",
        890_448,
        890_448,
        &["transactions, expected 25 of 2229", "890448"],
    )
    .await;
}

#[tokio::test]
async fn dogecoin_node_with_boolean_getblock_is_read_exactly() {
    let Some(data) =
        blockwatt_testkit::shared_data("dogecoin_node_with_boolean_getblock_is_read_exactly")
    else {
        return;
    };
    let dir = data
        .join("bitcoin-etl-fixtures/test_export_blocks_job/dogecoin/block_without_transactions");
    let url = serve(std::slice::from_ref(&dir)).await;
    let (_dir, store) = temp_store().await;
    ingest(&cfg(SourceKind::BitcoinRpc, &url), "dogecoin", &store, 2, 2).await;
    let exp = &read_json_records(&dir.join("expected_blocks.json"))[0];
    let b = store
        .block("dogecoin", 2)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(b.hash, exp["hash"].as_str().expect("hash"));
    assert_eq!(
        u64::from(b.tx_count),
        exp["transaction_count"].as_u64().expect("count")
    );
    assert_eq!(b.size_bytes, exp["size"].as_u64().expect("size"));
    assert_eq!(b.time, exp["timestamp"].as_i64().expect("time"));
    // Random-reward era: the recorded coinbase (729 752 DOGE) is all subsidy.
    assert_eq!((b.subsidy_native, b.fees_native), (729_752.0, 0.0));
}

/// A real mainnet block with one value no node should send: refused with
/// an error naming the chain, the height and the field, and nothing of the
/// batch stored.
#[tokio::test]
async fn malformed_block_values_are_refused_not_stored() {
    let Some(data) =
        blockwatt_testkit::shared_data("malformed_block_values_are_refused_not_stored")
    else {
        return;
    };
    let dir = data.join("ethereum-etl-fixtures/test_export_blocks_job/blocks_with_transactions");
    let cases: [(Tamper, &str); 4] = [
        (
            |method, block| {
                if method == "eth_getBlockByNumber" {
                    block["timestamp"] = json!("0xffffffffffffffff");
                }
            },
            "is not a time",
        ),
        (
            |method, block| {
                if method == "eth_getBlockByNumber" {
                    if let Some(b) = block.as_object_mut() {
                        b.remove("size");
                    }
                }
            },
            "no size",
        ),
        (
            |method, block| {
                if method == "eth_getBlockByNumber" {
                    if let Some(tx) = block["transactions"][0].as_object_mut() {
                        tx.remove("gas");
                    }
                }
            },
            "(index 0): transaction: missing field `gas`",
        ),
        (
            // Decimal where the specification says hex: refused, not
            // read as 0x21000.
            |method, block| {
                if method == "eth_getBlockByNumber" {
                    if let Some(tx) = block["transactions"][0].as_object_mut() {
                        tx.insert("gas".into(), json!("21000"));
                    }
                }
            },
            "quantity \"21000\" is not 0x-prefixed hex",
        ),
    ];
    for (tamper, says) in cases {
        let url = serve_tampered(std::slice::from_ref(&dir), Some(tamper)).await;
        let mut c = cfg(SourceKind::Evm, &url);
        c.receipts = false;
        expect_refused(&c, "ethereum", 47_218, 47_219, &[says, "47218", "ethereum"]).await;
    }
}

/// A real Bitcoin block (50 001, three transactions) with one thing no node
/// should send: refused with an error naming the block or the transaction,
/// and nothing of the batch stored.
#[tokio::test]
async fn malformed_bitcoin_blocks_are_refused_not_stored() {
    let Some(data) =
        blockwatt_testkit::shared_data("malformed_bitcoin_blocks_are_refused_not_stored")
    else {
        return;
    };
    let dir =
        data.join("bitcoin-etl-fixtures/test_export_blocks_job/bitcoin/block_with_transactions");
    let second_tx = |block: &Value| {
        block["tx"][1]["txid"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    let recorded: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join(
            "rpc_response_getblock_000000001c920d495e1eeef2452b6d1c6c229a919b28196c103ecffebabee141_2.json",
        ))
        .expect("recorded block"),
    )
    .expect("JSON");
    let txid = second_tx(&recorded);
    let cases: [(Tamper, String); 3] = [
        (
            // The list is shorter than the block's own count.
            |method, block| {
                if method == "getblock" {
                    if let Some(txs) = block["tx"].as_array_mut() {
                        txs.pop();
                    }
                }
            },
            "lists 2 of its 3 transactions".to_owned(),
        ),
        (
            |method, block| {
                if method == "getblock" && block["tx"].as_array().is_some_and(|t| t.len() > 1) {
                    block["tx"][1]["fee"] = json!(-0.0001);
                }
            },
            format!("transaction {txid} (index 1) of block"),
        ),
        (
            |method, block| {
                if method == "getblock" && block["tx"].as_array().is_some_and(|t| t.len() > 1) {
                    block["tx"][1]["size"] = json!("large");
                }
            },
            format!("transaction {txid} (index 1)"),
        ),
    ];
    for (tamper, says) in cases {
        let url = serve_tampered(std::slice::from_ref(&dir), Some(tamper)).await;
        let c = cfg(SourceKind::BitcoinRpc, &url);
        expect_refused(&c, "bitcoin", 50_001, 50_002, &[&says, "50001", "bitcoin"]).await;
    }
}

/// Ingests `from ..= to` of `chain` from `c` into a fresh store and
/// expects a refusal whose text holds every one of `says`, with nothing of
/// the batch stored; returns the error's text.
async fn expect_refused(
    c: &ChainSourceConfig,
    chain: &str,
    from: u64,
    to: u64,
    says: &[&str],
) -> String {
    let (_dir, store) = temp_store().await;
    let err = ingest_range(c, chain, &store, from, to)
        .await
        .expect_err("refused");
    let text = err.to_string();
    for s in says {
        assert!(text.contains(s), "{s:?} in {text}");
    }
    assert!(
        store
            .blocks(chain, 0, u64::MAX / 2)
            .await
            .expect("read")
            .is_empty(),
        "nothing stored: {text}"
    );
    text
}

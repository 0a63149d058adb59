//! Proof-of-stake validator counts sampled once a UTC day, with every
//! endpoint `config/default.toml` ships, each served by a local stand-in
//! that answers what the provider documents or was recorded answering:
//! Solana's `getVoteAccounts` (`tests/recorded/solana-docs/`), AvalancheGo's
//! `platform.getCurrentValidators` (`avalanchego-docs/`), the Cosmos SDK's
//! staking validators (`cosmos-sdk-docs/`), TronGrid's `listwitnesses`
//! (`trongrid-blockatlas/`), Koios's `pool_list` (`koios-docs/`), the
//! Algorand indexer's `accounts` (`algorand-sdk-testing/`), Substrate API
//! Sidecar's staking validators (`sidecar/`) and TzKT's
//! `delegates/count` (documented as a bare JSON number). Implausible
//! samples and lists that never end are refused, named.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::extract::Query;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use blockwatt_domain::DailyMetrics;
use blockwatt_ingest::nodes::{NodeCountConfig, NODE_COUNT_SOURCE};
use blockwatt_ingest::sources::node_counts::sample_node_counts;
use common::{day, recorded};
use figment::providers::{Format, Toml};
use figment::Figment;
use serde_json::Value;

/// `[sources.node_counts]` as shipped, each endpoint's scheme and host
/// replaced by `stand_in` (its path, query and body kept).
fn shipped_node_counts(stand_in: &str) -> BTreeMap<String, NodeCountConfig> {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/default.toml");
    let shipped: BTreeMap<String, Value> = Figment::from(Toml::file(file))
        .extract_inner("sources.node_counts")
        .expect("config/default.toml has [sources.node_counts]");
    shipped
        .into_iter()
        .map(|(chain, mut cfg)| {
            let url = cfg["url"].as_str().expect("a url").to_owned();
            let after_scheme = url.split_once("://").expect("an absolute URL").1;
            let rest = after_scheme
                .find(['/', '?'])
                .map_or("", |i| &after_scheme[i..]);
            cfg["url"] = Value::from(format!("{stand_in}{rest}"));
            let parsed = serde_json::from_value(cfg).expect("a node-count table");
            (chain, parsed)
        })
        .collect()
}

#[tokio::test]
async fn one_sample_a_day_from_each_shipped_endpoint() {
    let calls = Arc::new(AtomicU64::new(0));
    let counted = Arc::clone(&calls);
    let answer = recorded("solana-docs/getVoteAccounts.json");
    let app = Router::new()
        .route(
            "/",
            post(move || {
                counted.fetch_add(1, Ordering::Relaxed);
                let answer = answer.clone();
                async move { Json(answer) }
            }),
        )
        .route(
            "/v1/delegates/count",
            get(|q: Query<BTreeMap<String, String>>| async move {
                // Active bakers only.
                if q.get("active").map(String::as_str) != Some("true") {
                    return Err(StatusCode::BAD_REQUEST);
                }
                Ok(Json(Value::from(287)))
            }),
        )
        .route(
            "/ext/bc/P",
            post(|body: String| async move {
                // The shipped body asks for every current validator.
                let call: Value = serde_json::from_str(&body).unwrap_or_default();
                if call["method"] != "platform.getCurrentValidators" {
                    return Err(StatusCode::BAD_REQUEST);
                }
                Ok(Json(recorded("avalanchego-docs/getCurrentValidators.json")))
            }),
        )
        .route(
            "/cosmos/staking/v1beta1/validators",
            get(|q: Query<BTreeMap<String, String>>| async move {
                // The bonded set, with its total counted (the LCD leaves
                // `pagination.total` at 0 unless asked).
                let arg = |k: &str| q.get(k).map(String::as_str);
                if arg("status") != Some("BOND_STATUS_BONDED")
                    || arg("pagination.count_total") != Some("true")
                {
                    return Err(StatusCode::BAD_REQUEST);
                }
                Ok(Json(recorded("cosmos-sdk-docs/validators.json")))
            }),
        )
        .route(
            "/wallet/listwitnesses",
            get(|| async { Json(recorded("trongrid-blockatlas/listwitnesses.json")) }),
        )
        .route(
            "/api/v1/pool_list",
            get(|q: Query<BTreeMap<String, String>>| async move {
                // Registered pools, the first page of 1000.
                let arg = |k: &str| q.get(k).map(String::as_str);
                if arg("pool_status") != Some("eq.registered")
                    || arg("limit") != Some("1000")
                    || arg("offset") != Some("0")
                {
                    return Err(StatusCode::BAD_REQUEST);
                }
                Ok(Json(recorded("koios-docs/pool_list.json")))
            }),
        )
        .route(
            "/pallets/staking/validators",
            get(|| async { Json(recorded("sidecar/staking-validators-789629.json")) }),
        )
        .route(
            "/v2/accounts",
            get(|q: Query<BTreeMap<String, String>>| async move {
                if q.get("online-only").map(String::as_str) != Some("true") {
                    return Err(StatusCode::BAD_REQUEST);
                }
                Ok(Json(recorded(
                    "algorand-sdk-testing/searchForAccounts_0.json",
                )))
            }),
        );
    let url = blockwatt_testkit::serve_router(app).await;
    // EVM contract calls are answered by a real node (the test below).
    let configs: BTreeMap<_, _> = shipped_node_counts(&url)
        .into_iter()
        .filter(|(_, c)| !matches!(c, NodeCountConfig::EvmCall { .. }))
        .collect();
    assert_eq!(
        configs.keys().map(String::as_str).collect::<Vec<_>>(),
        [
            "algorand",
            "avalanche",
            "cardano",
            "cosmos",
            "polkadot",
            "solana",
            "tezos",
            "tron"
        ],
        "a shipped endpoint needs a recorded answer here"
    );
    let (store, _dir) = blockwatt_testkit::temp_sqlite().await;
    let today = day("2026-11-29");
    let out = sample_node_counts(store.as_ref(), &configs, None, today, &|_| ()).await;
    for o in &out {
        let s = o
            .result
            .as_ref()
            .unwrap_or_else(|e| panic!("{}: {e}", o.chain));
        assert_eq!((s.days, s.through), (1, Some(today)), "{}", o.chain);
    }
    let node_count = |chain: &'static str| {
        let store = Arc::clone(&store);
        async move { store.daily_metrics(chain, today, today).await.unwrap()[0].node_count }
    };
    // The documented answer has one current vote account, none delinquent.
    assert_eq!(node_count("solana").await, Some(1));
    assert_eq!(node_count("tezos").await, Some(287));
    // The documented answer lists one validator.
    assert_eq!(node_count("avalanche").await, Some(1));
    // The documented page counts 2 (its pagination total, a string).
    assert_eq!(node_count("cosmos").await, Some(2));
    // 27 of the 253 recorded witnesses were producing blocks.
    assert_eq!(node_count("tron").await, Some(27));
    // One documented pool row, one recorded online account: each list
    // ends on its first, short page.
    assert_eq!(node_count("cardano").await, Some(1));
    assert_eq!(node_count("algorand").await, Some(1));
    // 297 of Polkadot's 921 recorded validators were in the active set.
    assert_eq!(node_count("polkadot").await, Some(297));
    // Once a day: a second sync the same day asks nothing.
    let again = sample_node_counts(store.as_ref(), &configs, None, today, &|_| ()).await;
    assert!(again
        .iter()
        .all(|o| matches!(&o.result, Ok(s) if s.days == 0)));
    assert_eq!(calls.load(Ordering::Relaxed), 1);

    // Yesterday's set had 1,300 validators: a sample of 1 is no day's step.
    let mut big = DailyMetrics::empty("solana", day("2026-11-30"), NODE_COUNT_SOURCE);
    big.node_count = Some(1_300);
    store.write_daily_metrics(&[big]).await.unwrap();
    let next = day("2026-12-01");
    let only = ["solana".to_owned()];
    let out = sample_node_counts(store.as_ref(), &configs, Some(&only), next, &|_| ()).await;
    let err = out[0]
        .result
        .as_ref()
        .expect_err("a 1,300× drop")
        .to_string();
    assert!(
        err.contains("solana on 2026-12-01: node_count") && err.contains("1300"),
        "{err}"
    );
    assert!(store
        .daily_metrics("solana", next, next)
        .await
        .unwrap()
        .is_empty());
}

/// Runtime code that answers `selector` with `answer` (ABI-encoded return
/// data) and reverts on any other call, as a compiled view function does.
fn contract_answering(selector: &str, answer: &[[u8; 32]]) -> String {
    // CALLDATALOAD(0) >> 224 == selector ? jump to 0x13 : revert
    let mut code = format!("60003560e01c63{selector}14601357600080fd5b");
    for (i, word) in answer.iter().enumerate() {
        // PUSH32 word, PUSH1 offset, MSTORE
        code.push_str(&format!(
            "7f{}60{:02x}52",
            alloy_primitives::hex::encode(word),
            i * 32
        ));
    }
    // PUSH1 size, PUSH1 0, RETURN
    code.push_str(&format!("60{:02x}6000f3", answer.len() * 32));
    format!("0x{code}")
}

fn word(n: u64) -> [u8; 32] {
    alloy_primitives::U256::from(n).to_be_bytes()
}

/// Polygon's and BNB Smart Chain's shipped contract calls, sent to a real
/// EVM node (anvil) where each contract's address holds code answering
/// the shipped function's selector in the contract's ABI: a `uint256`
/// (Polygon's StakeManager) and an `address[]` (BSC's validator set). The
/// selectors are the ones Polygon's and BSC's own ABI bindings name
/// (0x7f952d95, 0xb7ab4db5), so a wrong signature or encoding reverts here.
#[tokio::test]
async fn contract_calls_count_through_a_real_evm_node() {
    let Some(anvil) =
        blockwatt_testkit::AnvilNode::start("contract_calls_count_through_a_real_evm_node", None)
    else {
        return;
    };
    let all = shipped_node_counts(&anvil.url);
    let set_code = |to: &str, code: String| {
        anvil
            .rpc("anvil_setCode", serde_json::json!([to, code]))
            .expect("anvil_setCode");
    };
    set_code(
        "0x5e3Ef299fDDf15eAa0432E6e66473ace8c13D908",
        contract_answering("7f952d95", &[word(105)]),
    );
    let validators = [word(0x20), word(3), word(0x11), word(0x22), word(0x33)];
    set_code(
        "0x0000000000000000000000000000000000001000",
        contract_answering("b7ab4db5", &validators),
    );
    let evm: BTreeMap<String, NodeCountConfig> = all
        .into_iter()
        .filter(|(_, c)| matches!(c, NodeCountConfig::EvmCall { .. }))
        .collect();
    assert_eq!(
        evm.keys().map(String::as_str).collect::<Vec<_>>(),
        ["bnb", "polygon"]
    );
    let (store, _dir) = blockwatt_testkit::temp_sqlite().await;
    let today = day("2026-11-29");
    let out = sample_node_counts(store.as_ref(), &evm, None, today, &|_| ()).await;
    for o in &out {
        let s = o
            .result
            .as_ref()
            .unwrap_or_else(|e| panic!("{}: {e}", o.chain));
        assert_eq!(s.days, 1, "{}", o.chain);
    }
    let count = |chain: &'static str| {
        let store = Arc::clone(&store);
        async move { store.daily_metrics(chain, today, today).await.unwrap()[0].node_count }
    };
    assert_eq!(count("polygon").await, Some(105));
    assert_eq!(count("bnb").await, Some(3));

    // An answer that claims 3 addresses and carries 2 is no count.
    set_code(
        "0x0000000000000000000000000000000000001000",
        contract_answering("b7ab4db5", &validators[..4]),
    );
    let err = blockwatt_ingest::nodes::fetch_node_count(&evm["bnb"])
        .await
        .expect_err("truncated")
        .to_string();
    assert!(
        err.contains("getValidators()") && err.contains("needs 160 bytes, got 128"),
        "{err}"
    );
    // A function the contract does not have reverts, and says which.
    let NodeCountConfig::EvmCall {
        url, to, returns, ..
    } = evm["polygon"].clone()
    else {
        unreachable!()
    };
    let wrong = NodeCountConfig::EvmCall {
        url,
        to,
        function: "validatorCount()".into(),
        returns,
        auth_header: None,
    };
    let err = blockwatt_ingest::nodes::fetch_node_count(&wrong)
        .await
        .expect_err("reverts")
        .to_string();
    assert!(
        err.contains("validatorCount()") && err.contains("refused the call"),
        "{err}"
    );
}

/// Paging, with the recorded pages: an offset list is read until a short
/// page; a cursor is followed until an answer has none; a cursor that
/// sends back to a page already read, and a list longer than any
/// validator set, are refused instead of followed for ever.
#[tokio::test]
async fn paged_lists_are_read_to_their_end_and_no_further() {
    let asked = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let log = Arc::clone(&asked);
    let app = Router::new()
        .route(
            "/api/v1/pool_list",
            get(move |q: Query<BTreeMap<String, String>>| {
                let log = Arc::clone(&log);
                async move {
                    let offset = q.get("offset").cloned().unwrap_or_default();
                    log.lock().unwrap().push(offset.clone());
                    // Pages of one row: the documented row twice, then none.
                    match offset.as_str() {
                        "0" | "1" => Json(recorded("koios-docs/pool_list.json")),
                        _ => Json(Value::Array(Vec::new())),
                    }
                }
            }),
        )
        .route(
            "/v2/accounts",
            get(|q: Query<BTreeMap<String, String>>| async move {
                // The recorded page, with a fault injected: it names itself
                // as the next page (or, with `endless`, a fresh token
                // every time, so the list never ends).
                let mut page = recorded("algorand-sdk-testing/searchForAccounts_0.json");
                let next = if q.contains_key("endless") {
                    format!("{}x", q.get("next").map_or("", String::as_str))
                } else {
                    "same".to_owned()
                };
                page["next-token"] = Value::from(next);
                Json(page)
            }),
        );
    let url = blockwatt_testkit::serve_router(app).await;
    let cfg = |json: Value| -> NodeCountConfig { serde_json::from_value(json).expect("config") };

    let koios = cfg(serde_json::json!({
        "kind": "http-count", "url": format!("{url}/api/v1/pool_list?pool_status=eq.registered"),
        "pointer": "", "length": true, "pages": {"by": "offset", "size": 1}
    }));
    let n = blockwatt_ingest::nodes::fetch_node_count(&koios)
        .await
        .expect("three pages");
    assert_eq!(n, 2);
    assert_eq!(*asked.lock().unwrap(), ["0", "1", "2"]);

    let cursor = |query: &str| {
        cfg(serde_json::json!({
            "kind": "http-count", "url": format!("{url}/v2/accounts?online-only=true{query}"),
            "pointer": "/accounts", "length": true,
            "pages": {"by": "cursor", "cursor": "/next-token", "param": "next"}
        }))
    };
    let err = blockwatt_ingest::nodes::fetch_node_count(&cursor(""))
        .await
        .expect_err("a page naming itself")
        .to_string();
    assert!(
        err.contains("already read") && err.contains("\"same\""),
        "{err}"
    );
    let err = blockwatt_ingest::nodes::fetch_node_count(&cursor("&endless=1"))
        .await
        .expect_err("an endless list")
        .to_string();
    assert!(err.contains("runs past 20 pages"), "{err}");

    // Paging a POST, or a number, is a configuration error, said before
    // anything is asked.
    let err = blockwatt_ingest::nodes::fetch_node_count(&cfg(serde_json::json!({
        "kind": "http-count", "url": format!("{url}/v2/accounts"), "pointer": "/n",
        "pages": {"by": "offset", "size": 10}
    })))
    .await
    .expect_err("a number has no pages")
    .to_string();
    assert!(err.contains("`pages` follows a GET list"), "{err}");
}

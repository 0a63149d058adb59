//! `blockwatt ingest` from a real node (anvil), and transactions looked up at it.

mod common;

use common::*;

/// `blockwatt ingest` from a real node, resumed, then the block and
/// transaction footprints served from what it stored.
#[test]
fn ingest_from_anvil_then_footprints_over_http() {
    let Some(anvil) = Anvil::start("cli::ingest_from_anvil_then_footprints_over_http", None) else {
        return;
    };
    // One transfer a block: blocks 1 to 3.
    let txids: Vec<String> = (1..=3)
        .map(|value| anvil.send_transfer(value).expect("a transfer on anvil"))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let ingest = || {
        blockwatt(dir.path())
            .args(["ingest", "--chain", "devnet", "--rpc", &anvil.url])
            .output()
            .unwrap()
    };
    let first = ingest();
    assert!(first.status.success(), "{}", stderr(&first));
    let said = String::from_utf8_lossy(&first.stdout).into_owned();
    assert!(
        said.contains("wrote 4 blocks (0..3) and 3 transactions")
            && said.contains("1 days aggregated"),
        "{said}"
    );
    let again = ingest();
    assert!(
        String::from_utf8_lossy(&again.stdout).contains("wrote 0 blocks"),
        "resume re-wrote blocks"
    );

    let server = Server::start(dir.path());
    let (status, body) = server.get("/v1/chains/devnet/blocks/2/footprint");
    assert_eq!(status, 200, "{body}");
    let (status, body) = server.get(&format!(
        "/v1/chains/devnet/transactions/{}/footprint?allocation=gas",
        txids[1]
    ));
    assert_eq!(status, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["allocation"], "gas", "{body}");
    assert!(v["energy_kwh"]["best"].as_f64().unwrap() > 0.0, "{body}");
    let (status, body) = server.get("/v1/chains/devnet/blocks/99/footprint");
    assert_eq!(status, 404, "{body}");
    // Size and gas shares: the day's totals the store sums must equal the
    // per-block sum of what anvil reports (blocks 0..=3, one day).
    let mut sizes = Vec::new();
    for h in 0..=3 {
        let b = anvil
            .rpc(
                "eth_getBlockByNumber",
                json_params(&format!(r#"["0x{h:x}", false]"#)),
            )
            .unwrap();
        let size = b["size"].as_str().unwrap().trim_start_matches("0x");
        sizes.push(u64::from_str_radix(size, 16).unwrap());
    }
    let day_size: u64 = sizes.iter().sum();
    for (allocation, numerator, denominator) in
        [("gas", 21_000, 63_000), ("size", sizes[2], day_size)]
    {
        let (status, body) = server.get(&format!(
            "/v1/chains/devnet/blocks/2/footprint?allocation={allocation}"
        ));
        assert_eq!(status, 200, "{body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["inputs"]["day_blocks_stored"], 4, "{body}");
        assert_eq!(v["inputs"]["share_denominator"], denominator, "{body}");
        assert_eq!(v["inputs"]["share_numerator"], numerator, "{body}");
    }

    let bad = blockwatt(dir.path())
        .args(["ingest", "--chain", "devnet", "--rpc", "ftp://x"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        stderr(&bad).contains("--rpc: url: must start with http://"),
        "{}",
        stderr(&bad)
    );
}

/// Transactions the store lacks are looked up at the chain's node, kept in
/// the store, and shared out once their block is ingested.
#[test]
fn transactions_not_ingested_are_looked_up_at_the_node() {
    let Some(mut anvil) = Anvil::start(
        "cli::transactions_not_ingested_are_looked_up_at_the_node",
        None,
    ) else {
        return;
    };
    let ingested = anvil.send_transfer(1).unwrap(); // block 1
    let dir = tempfile::tempdir().unwrap();
    ingest_devnet_to(dir.path(), &anvil, 1);
    let later = anvil.send_transfer(2).unwrap(); // block 2, ingested below
    let never = anvil.send_transfer(3).unwrap(); // block 3, never ingested
    let url = anvil.url.clone();
    let node = [("BLOCKWATT_CHAINS__DEVNET__URL", url.as_str())];
    let tx = |id: &str| format!("/v1/chains/devnet/transactions/{id}/footprint");

    let server = Server::start_with(dir.path(), &node);
    let (status, body) = server.get(&tx(&ingested));
    assert_eq!(status, 200, "{body}");
    // Known to the node, but its block is not stored: nothing to share
    // out yet, said as a 404 naming the block, never a 500.
    for (id, height) in [(&later, 2), (&never, 3)] {
        let (status, body) = server.get(&tx(id));
        assert_eq!(status, 404, "{body}");
        assert!(
            body.contains("problems/no-data") && body.contains(&format!("block {height} of")),
            "{body}"
        );
    }
    let unknown = format!("0x{}", "0".repeat(63) + "1");
    let (status, body) = server.get(&tx(&unknown));
    assert_eq!(status, 404, "{body}");
    assert!(
        body.contains("problems/not-ingested") && body.contains("source"),
        "{body}"
    );
    let (status, body) = server.get(&tx("0x12zz"));
    assert_eq!(status, 400, "{body}");
    assert!(body.contains(r#""parameter":"txid""#), "{body}");
    // No token configured: the admin routes do not exist.
    let (status, body) = server.post(
        "/v1/admin/backfill",
        Some("0123456789abcdef"),
        r#"{"chain":"devnet","from":0,"to":3}"#,
    );
    assert_eq!(status, 404, "{body}");
    drop(server);

    ingest_devnet_to(dir.path(), &anvil, 2);
    anvil.kill();
    // The node is gone: everything below is served from the store.
    let server = Server::start_with(dir.path(), &node);
    let (status, body) = server.get(&format!("{}?allocation=gas", tx(&later)));
    assert_eq!(status, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["block_height"], 2, "{body}");
    assert!(v["energy_kwh"]["best"].as_f64().unwrap() > 0.0, "{body}");
    // Looked up once while the node was there: kept, so still a 404 about
    // the block rather than a 503 about the unreachable node.
    let (status, body) = server.get(&tx(&never));
    assert_eq!(status, 404, "{body}");
    assert!(body.contains("block 3 of"), "{body}");
}

/// A txid the node does not know is remembered for `unknown_tx_ttl_s`:
/// repeating it answers 404 (cacheable for that long) without reaching the
/// node, and once the TTL is over a transaction that appeared meanwhile is
/// found.
#[test]
fn unknown_transactions_do_not_reach_the_node_again_within_the_ttl() {
    const TTL_S: u64 = 3;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("anvil.log");
    let Some(anvil) = Anvil::start(
        "cli::unknown_transactions_do_not_reach_the_node_again_within_the_ttl",
        Some(&log),
    ) else {
        return;
    };
    let lookups = || {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .lines()
            .filter(|l| l.trim() == "eth_getTransactionByHash")
            .count()
    };
    // Pending (not mined) transactions are unknown to the lookup: the txid
    // exists now, and becomes findable when we mine it.
    anvil
        .rpc("evm_setAutomine", json_params("[false]"))
        .unwrap();
    let pending = anvil.send_pending_transfer(1).unwrap();
    ingest_devnet_to(dir.path(), &anvil, 0);
    let node = [
        ("BLOCKWATT_CHAINS__DEVNET__URL", anvil.url.as_str()),
        ("BLOCKWATT_API__UNKNOWN_TX_TTL_S", &TTL_S.to_string()),
    ];
    let server = Server::start_with(dir.path(), &node);
    let path = format!("/v1/chains/devnet/transactions/{pending}/footprint");
    let before = lookups();

    let out = Command::new("curl")
        .args(["-sS", "-i", &format!("{}{path}", server.base)])
        .output()
        .unwrap();
    let answer = String::from_utf8_lossy(&out.stdout).to_ascii_lowercase();
    assert!(answer.starts_with("http/1.1 404"), "{answer}");
    assert!(answer.contains("problems/not-ingested"), "{answer}");
    assert!(
        answer.contains(&format!("cache-control: public, max-age={TTL_S}")),
        "{answer}"
    );
    assert_eq!(lookups(), before + 1, "the first request asks the node");

    let asked_at = std::time::Instant::now();
    for _ in 0..3 {
        let (status, body) = server.get(&path);
        assert_eq!(status, 404, "{body}");
        assert!(body.contains("problems/not-ingested"), "{body}");
    }
    // Only meaningful while the first answer stands (a machine so loaded
    // that three local requests take the whole TTL would re-ask, rightly).
    if asked_at.elapsed() < Duration::from_secs(TTL_S) {
        assert_eq!(lookups(), before + 1, "repeats must not reach the node");
    }
    anvil.rpc("evm_mine", json_params("[]")).unwrap();
    // A fresh answer within the TTL is the remembered one, so at most the
    // requests after the TTL ran out (on a slow machine) reach the node.
    let found = wait_until(Duration::from_secs(20), || {
        server.get(&path).1.contains("problems/no-data")
    });
    assert!(found, "the mined transaction was never found after the TTL");
    let (status, body) = server.get(&path);
    assert_eq!(status, 404, "{body}");
    assert!(
        body.contains("block 1 of"),
        "found at the node, block not ingested: {body}"
    );
    drop(server);
}

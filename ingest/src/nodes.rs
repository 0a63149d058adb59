//! Node and validator counts for proof-of-stake models: a declarative
//! "HTTP JSON count" (URL + JSON pointer), Solana's getVoteAccounts, and the
//! Ethereum beacon API's active validators, counted while streaming.
//!
//! Beacon: `/eth/v1/beacon/states/head/validators?status=active` is
//! hundreds of MB on mainnet. We stream it and count entries without
//! parsing or holding it (memory stays at one HTTP chunk), rather than
//! rely on client-specific "light" endpoints that not every node serves.

use std::sync::Arc;

use blockwatt_domain::DailyMetrics;
use blockwatt_store::Store;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::error::{IngestError, SourceError, SourceErrorKind};
use crate::rpc::HttpClient;

/// How to count.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum NodeCountConfig {
    /// GET `url` (or POST `body`), then read the value at `pointer`
    /// (RFC 6901): a number, or with `length = true` an array's length;
    /// `only` then counts just the elements it matches (TRON lists every
    /// witness candidate, of which only the elected ones produce blocks).
    HttpCount {
        url: String,
        pointer: String,
        #[serde(default)]
        length: bool,
        #[serde(default)]
        only: Option<ElementMatch>,
        #[serde(default)]
        body: Option<Value>,
        /// The list spans several pages: read them all (GET only).
        #[serde(default)]
        pages: Option<Paging>,
        #[serde(default)]
        auth_header: Option<String>,
    },
    /// Solana JSON-RPC `getVoteAccounts`: current (not delinquent) voters.
    SolanaVoteAccounts {
        url: String,
        #[serde(default)]
        auth_header: Option<String>,
    },
    /// An EVM `eth_call` of a view function without arguments on a staking
    /// contract (`function` as its signature, `currentValidatorSetSize()`),
    /// read as one `uint256` or as the length of an `address[]`.
    EvmCall {
        url: String,
        to: String,
        function: String,
        returns: EvmReturn,
        #[serde(default)]
        auth_header: Option<String>,
    },
    /// Ethereum beacon API (`url` is the node's base URL).
    BeaconValidators {
        url: String,
        #[serde(default)]
        auth_header: Option<String>,
    },
}

/// How a list served a page at a time is read to its end.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Paging {
    /// PostgREST's `offset` and `limit` (Koios): pages of `size` rows
    /// until one comes back shorter.
    Offset { size: u64 },
    /// A continuation token (the Algorand indexer's `next-token`): the
    /// value at `cursor` goes back as the query parameter `param`, until
    /// an answer has none.
    Cursor { cursor: String, param: String },
}

/// A list longer than this many pages is refused rather than followed:
/// the largest sets counted here (Cardano's ~3,000 pools) fill a few
/// pages of 1000.
pub const MAX_PAGES: usize = 20;

/// How an `eth_call` result holds the count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EvmReturn {
    /// One `uint256`: the count itself.
    Uint256,
    /// A dynamic `address[]`: the count is its length.
    AddressArray,
}

/// An array element counts when the value at `pointer` inside it equals
/// `equals`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ElementMatch {
    pub pointer: String,
    pub equals: Value,
}

impl NodeCountConfig {
    /// The endpoint, for messages (shown as its host only).
    pub fn url(&self) -> &str {
        match self {
            NodeCountConfig::HttpCount { url, .. }
            | NodeCountConfig::SolanaVoteAccounts { url, .. }
            | NodeCountConfig::EvmCall { url, .. }
            | NodeCountConfig::BeaconValidators { url, .. } => url,
        }
    }
}

/// Where the count rows are written in `daily_metrics`.
pub const NODE_COUNT_SOURCE: &str = "node-count";

fn client(
    url: &str,
    auth_header: &Option<String>,
    kind: &str,
) -> Result<(HttpClient, String), IngestError> {
    HttpClient::for_url(
        kind,
        url,
        auth_header.clone(),
        std::time::Duration::from_secs(30),
    )
    .map_err(IngestError::Config)
}

/// Reads the count named by `cfg`.
pub async fn fetch_node_count(cfg: &NodeCountConfig) -> Result<u64, IngestError> {
    match cfg {
        NodeCountConfig::HttpCount {
            url,
            pointer,
            length,
            only,
            body,
            pages,
            auth_header,
        } => {
            let misconfigured = |what: &str| {
                IngestError::Config(format!(
                    "node count at {}: {what}",
                    crate::config::redact_url(url)
                ))
            };
            if only.is_some() && !length {
                return Err(misconfigured(
                    "`only` counts array elements and needs `length = true`",
                ));
            }
            if pages.is_some() && (!length || body.is_some()) {
                return Err(misconfigured(
                    "`pages` follows a GET list and needs `length = true` and no `body`",
                ));
            }
            let (c, path) = client(url, auth_header, "http-count")?;
            let counting = match (length, only) {
                (_, Some(m)) => Counting::Matching(m),
                (true, None) => Counting::Length,
                (false, None) => Counting::Number,
            };
            if let Some(paging) = pages {
                return Ok(count_pages(&c, &path, pointer, counting, paging).await?);
            }
            let bytes = match body {
                Some(b) => c.post(&path, b.to_string().as_bytes(), "POST").await?,
                None => c.get(&path, None).await?,
            };
            let answer = parse(&c, &bytes, pointer)?;
            Ok(count_in(&c, &answer, pointer, &counting)?.counted)
        }
        NodeCountConfig::SolanaVoteAccounts { url, auth_header } => {
            let (c, path) = client(url, auth_header, "solana")?;
            let body = json!({"jsonrpc": "2.0", "id": 1, "method": "getVoteAccounts", "params": [{"commitment": "finalized"}]});
            let bytes = c
                .post(&path, body.to_string().as_bytes(), "getVoteAccounts")
                .await?;
            let pointer = "/result/current";
            let answer = parse(&c, &bytes, pointer)?;
            Ok(count_in(&c, &answer, pointer, &Counting::Length)?.counted)
        }
        NodeCountConfig::EvmCall {
            url,
            to,
            function,
            returns,
            auth_header,
        } => {
            let data = call_data(to, function).map_err(IngestError::Config)?;
            let (c, path) = client(url, auth_header, "eth_call")?;
            let body = json!({"jsonrpc": "2.0", "id": 1, "method": "eth_call",
                "params": [{"to": to, "data": data}, "latest"]});
            let bytes = c
                .post(&path, body.to_string().as_bytes(), "eth_call")
                .await?;
            Ok(decode_call_result(&bytes, *returns).map_err(|detail| {
                c.error(
                    "eth_call",
                    None,
                    SourceErrorKind::Malformed(format!("{function} at {to}: {detail}")),
                )
            })?)
        }
        NodeCountConfig::BeaconValidators { url, auth_header } => {
            let (c, path) = client(url, auth_header, "beacon")?;
            let path = format!(
                "{}/eth/v1/beacon/states/head/validators?status=active",
                path.trim_end_matches('/')
            );
            let mut counter = EntryCounter::default();
            c.get_streamed(&path, |chunk| counter.feed(chunk)).await?;
            if !counter.saw_data {
                return Err(c
                    .error(
                        &path,
                        None,
                        SourceErrorKind::Malformed("no \"data\" array in the response".into()),
                    )
                    .into());
            }
            Ok(counter.count)
        }
    }
}

/// The call's input: the function's 4-byte selector (Keccak-256 of its
/// signature). Only functions without arguments are read.
fn call_data(to: &str, function: &str) -> Result<String, String> {
    to.parse::<alloy_primitives::Address>()
        .map_err(|e| format!("node count: `to` = {to:?} is not an address: {e}"))?;
    let well_formed = function.strip_suffix("()").is_some_and(|name| {
        !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    });
    if !well_formed {
        return Err(format!(
            "node count: `function` = {function:?} must be the signature of a view function without arguments, like \"currentValidatorSetSize()\""
        ));
    }
    let selector = &alloy_primitives::keccak256(function.as_bytes())[..4];
    Ok(format!("0x{}", alloy_primitives::hex::encode(selector)))
}

/// The count in a JSON-RPC `eth_call` answer.
fn decode_call_result(body: &[u8], returns: EvmReturn) -> Result<u64, String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?;
    if let Some(err) = v.get("error") {
        return Err(format!("the node refused the call: {err}"));
    }
    let hex = v
        .get("result")
        .and_then(Value::as_str)
        .ok_or("no \"result\" string in the answer")?;
    let raw = alloy_primitives::hex::decode(hex).map_err(|e| format!("result is not hex: {e}"))?;
    let word = |at: usize| -> Result<u64, String> {
        let w = raw.get(at..at + 32).ok_or_else(|| {
            format!(
                "result has {} bytes, needs {} (is `to` the contract?)",
                raw.len(),
                at + 32
            )
        })?;
        let n = alloy_primitives::U256::from_be_slice(w);
        u64::try_from(n).map_err(|_| format!("{n} is not a count"))
    };
    match returns {
        EvmReturn::Uint256 => word(0),
        EvmReturn::AddressArray => {
            let offset = usize::try_from(word(0)?).map_err(|e| e.to_string())?;
            let len = word(offset)?;
            // The elements must be there too: a truncated answer is no count.
            let end = offset as u64 + 32 + len.saturating_mul(32);
            if (raw.len() as u64) < end {
                return Err(format!(
                    "an address[] of {len} needs {end} bytes, got {}",
                    raw.len()
                ));
            }
            Ok(len)
        }
    }
}

/// What is read at the pointer.
enum Counting<'a> {
    Number,
    Length,
    Matching(&'a ElementMatch),
}

fn parse(c: &HttpClient, bytes: &[u8], pointer: &str) -> Result<Value, SourceError> {
    serde_json::from_slice(bytes)
        .map_err(|e| c.error(pointer, None, SourceErrorKind::Malformed(e.to_string())))
}

/// What one answer holds: the count, and for a list the number of rows
/// it carried before `only` filtered them (a short page ends the list).
struct Counted {
    counted: u64,
    rows: u64,
}

fn count_in(
    c: &HttpClient,
    answer: &Value,
    pointer: &str,
    counting: &Counting<'_>,
) -> Result<Counted, SourceError> {
    let at = answer.pointer(pointer).ok_or_else(|| {
        c.error(
            pointer,
            None,
            SourceErrorKind::Malformed(format!("nothing at {pointer:?}")),
        )
    })?;
    let counted = match counting {
        Counting::Length | Counting::Matching(_) => at.as_array().map(|a| {
            let counted = match counting {
                Counting::Matching(m) => a
                    .iter()
                    .filter(|e| e.pointer(&m.pointer) == Some(&m.equals))
                    .count(),
                _ => a.len(),
            };
            Counted {
                counted: counted as u64,
                rows: a.len() as u64,
            }
        }),
        Counting::Number => at
            .as_u64()
            .or_else(|| at.as_str().and_then(|s| s.parse().ok()))
            .map(|n| Counted {
                counted: n,
                rows: 1,
            }),
    };
    counted.ok_or_else(|| {
        c.error(
            pointer,
            None,
            SourceErrorKind::Malformed(format!("{pointer:?} is not a count: {at}")),
        )
    })
}

/// Reads every page of a list and counts across them.
async fn count_pages(
    c: &HttpClient,
    path: &str,
    pointer: &str,
    counting: Counting<'_>,
    paging: &Paging,
) -> Result<u64, SourceError> {
    let malformed = |detail: String| c.error(path, None, SourceErrorKind::Malformed(detail));
    let with = |params: &[(&str, &str)]| {
        let query = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params)
            .finish();
        let sep = if path.contains('?') { '&' } else { '?' };
        format!("{path}{sep}{query}")
    };
    let mut total = 0u64;
    let mut next: Option<String> = None;
    for page in 0..MAX_PAGES {
        let page_path = match paging {
            Paging::Offset { size } => with(&[
                ("limit", &size.to_string()),
                ("offset", &(page as u64 * size).to_string()),
            ]),
            Paging::Cursor { param, .. } => match &next {
                Some(token) => with(&[(param, token)]),
                None => path.to_owned(),
            },
        };
        let answer = parse(c, &c.get(&page_path, None).await?, pointer)?;
        let counted = count_in(c, &answer, pointer, &counting)?;
        total += counted.counted;
        match paging {
            Paging::Offset { size } => {
                if counted.rows > *size {
                    return Err(malformed(format!(
                        "page {page} holds {} rows, more than the {size} asked for",
                        counted.rows
                    )));
                }
                if counted.rows < *size {
                    return Ok(total);
                }
            }
            Paging::Cursor { cursor, .. } => {
                let token = match answer.pointer(cursor) {
                    None | Some(Value::Null) => return Ok(total),
                    Some(Value::String(t)) if t.is_empty() => return Ok(total),
                    Some(Value::String(t)) => t.clone(),
                    Some(other) => {
                        return Err(malformed(format!(
                            "{cursor:?} is not a continuation token: {other}"
                        )))
                    }
                };
                // An empty page with a token, or the same token again,
                // would go round for ever.
                if counted.rows == 0 || next.as_deref() == Some(token.as_str()) {
                    return Err(malformed(format!(
                        "page {page} sends back to a page already read ({cursor:?} = {token:?})"
                    )));
                }
                next = Some(token);
            }
        }
    }
    Err(malformed(format!(
        "the list runs past {MAX_PAGES} pages; no validator set is that long"
    )))
}

/// Counts the objects directly inside the top-level `"data"` array of a
/// beacon response without parsing it: a JSON tokenizer that tracks only
/// strings and nesting depth.
#[derive(Debug, Default)]
struct EntryCounter {
    depth: u32,
    in_string: bool,
    escaped: bool,
    /// Depth of the `data` array once entered.
    data_depth: Option<u32>,
    /// The last string closed at depth 1 (a top-level key).
    last_key: Vec<u8>,
    current: Vec<u8>,
    count: u64,
    saw_data: bool,
}

impl EntryCounter {
    fn feed(&mut self, chunk: &[u8]) {
        for &b in chunk {
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                } else if b == b'\\' {
                    self.escaped = true;
                } else if b == b'"' {
                    self.in_string = false;
                    if self.depth == 1 {
                        self.last_key = std::mem::take(&mut self.current);
                    }
                } else if self.depth == 1 && self.current.len() < 16 {
                    self.current.push(b);
                }
                continue;
            }
            match b {
                b'"' => {
                    self.in_string = true;
                    self.current.clear();
                }
                b'{' | b'[' => {
                    self.depth += 1;
                    if b == b'[' && self.depth == 2 && self.last_key == b"data" {
                        self.data_depth = Some(2);
                        self.saw_data = true;
                    } else if b == b'{' && self.data_depth.is_some_and(|d| self.depth == d + 1) {
                        self.count += 1;
                    }
                }
                b'}' | b']' => {
                    if self.data_depth == Some(self.depth) && b == b']' {
                        self.data_depth = None;
                    }
                    self.depth = self.depth.saturating_sub(1);
                }
                _ => {}
            }
        }
    }
}

/// Writes today's count as a `daily_metrics` row (source `node-count`).
pub async fn record_node_count(
    store: &Arc<dyn Store>,
    chain: &str,
    day: NaiveDate,
    count: u64,
) -> Result<DailyMetrics, IngestError> {
    let mut row = DailyMetrics::empty(chain, day, NODE_COUNT_SOURCE);
    row.node_count = Some(count);
    store
        .write_daily_metrics(std::slice::from_ref(&row))
        .await?;
    Ok(row)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_data_entries_across_chunk_boundaries() {
        let body = br#"{"execution_optimistic":false,"finalized":false,"data":[{"index":"1","balance":"32","status":"active_ongoing","validator":{"pubkey":"0x93","slashed":false,"note":"a \"}{[ tricky\\"}},{"index":"2","validator":{}},{"index":"3","validator":{"x":[{},{}]}}],"extra":[{}]}"#;
        for split in [1usize, 2, 7, 64, body.len()] {
            let mut c = EntryCounter::default();
            for chunk in body.chunks(split) {
                c.feed(chunk);
            }
            assert!(c.saw_data);
            assert_eq!(c.count, 3, "chunks of {split}");
        }
    }

    #[test]
    fn contract_calls_name_what_is_wrong_with_them() {
        let to = "0x5e3Ef299fDDf15eAa0432E6e66473ace8c13D908";
        assert_eq!(
            call_data(to, "currentValidatorSetSize()"),
            Ok("0x7f952d95".to_owned())
        );
        assert!(call_data("0x5e3E", "f()").is_err_and(|e| e.contains("not an address")));
        for f in ["getValidator(uint256)", "getValidators", "()", "f();drop"] {
            assert!(
                call_data(to, f).is_err_and(|e| e.contains("without arguments")),
                "{f}"
            );
        }
        let word = |n: u8| {
            let mut w = [0u8; 32];
            w[31] = n;
            alloy_primitives::hex::encode(w)
        };
        let answer = |hex: String| format!(r#"{{"jsonrpc":"2.0","id":1,"result":"0x{hex}"}}"#);
        let uint = answer(word(7));
        assert_eq!(
            decode_call_result(uint.as_bytes(), EvmReturn::Uint256),
            Ok(7)
        );
        let array = answer(format!("{}{}{}{}", word(32), word(2), word(1), word(2)));
        assert_eq!(
            decode_call_result(array.as_bytes(), EvmReturn::AddressArray),
            Ok(2)
        );
        assert!(
            decode_call_result(answer(String::new()).as_bytes(), EvmReturn::Uint256)
                .is_err_and(|e| e.contains("is `to` the contract"))
        );
        let refused =
            r#"{"jsonrpc":"2.0","id":1,"error":{"code":3,"message":"execution reverted"}}"#;
        assert!(decode_call_result(refused.as_bytes(), EvmReturn::Uint256)
            .is_err_and(|e| e.contains("execution reverted")));
    }

    #[test]
    fn node_count_config_is_declarative() {
        let c: NodeCountConfig = serde_json::from_str(
            r#"{"kind":"http-count","url":"http://127.0.0.1:1/nodes","pointer":"/data/count"}"#,
        )
        .expect("parses");
        assert!(matches!(
            c,
            NodeCountConfig::HttpCount { length: false, .. }
        ));
        assert!(serde_json::from_str::<NodeCountConfig>(
            r#"{"kind":"beacon-validators","url":"x","typo":1}"#
        )
        .is_err());
        let path = |url: &str| {
            HttpClient::for_url("t", url, None, std::time::Duration::from_secs(1)).map(|(_, p)| p)
        };
        assert_eq!(path("http://h:1/a/b?c=d"), Ok("/a/b?c=d".to_owned()));
        assert_eq!(path("http://h:1"), Ok(String::new()));
        assert!(path("no-scheme").is_err());
    }
}

//! Lean decoding of `eth_getBlockByNumber(n, true)` and
//! `eth_getTransactionByHash` results: only the fields we store, read in one
//! pass straight from the response text.
//!
//! alloy's typed `Transaction` nests several `#[serde(flatten)]` layers and
//! a type-tagged envelope, so serde buffers every transaction object into an
//! owned intermediate tree two or three times before building it; on a
//! backfill that was most of the ingester's CPU (bench/README.md). Here each
//! transaction is one flat struct whose hex fields are parsed by
//! `alloy-primitives`/`alloy-serde`, and whose only derived figure, the
//! EIP-2718 encoded size, is computed from field lengths with `alloy-rlp`
//! instead of building the typed transaction. The checks alloy made on the
//! fields we depend on are kept (required fields per type, legacy EIP-155
//! `v`, signature parity), and `ingest/tests/evm_decode.rs` compares every
//! figure with alloy's decoding of the same recorded mainnet blocks.

use alloy_primitives::{Address, B256, U256};
use alloy_rlp::{length_of_length, Encodable};
use serde::Deserialize;

/// A block with the fields the store keeps.
#[derive(Debug, Clone, PartialEq)]
pub struct EvmBlock {
    pub number: u64,
    pub hash: B256,
    pub parent_hash: B256,
    pub timestamp: u64,
    pub gas_used: u64,
    pub gas_limit: u64,
    pub difficulty: U256,
    pub size: Option<U256>,
    pub transactions: Vec<EvmTransaction>,
}

/// A transaction with the fields the store keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvmTransaction {
    pub hash: B256,
    pub block_hash: Option<B256>,
    pub block_number: Option<u64>,
    pub transaction_index: Option<u64>,
    /// `gasPrice` as the node reports it: the price of a legacy or EIP-2930
    /// transaction, the effective price of a mined EIP-1559 one. The fee
    /// falls back to it when the receipt has no `effectiveGasPrice`.
    pub gas_price: Option<u128>,
    /// Length of the EIP-2718 encoding (type byte + RLP, or RLP alone for
    /// legacy): what alloy's `encode_2718_len` returns for the same
    /// transaction. 0 for a [system](Self::system) transaction.
    pub size: u64,
    /// A transaction no user signed and nobody paid for: Polygon PoS's
    /// state-sync transaction (see [`StateSync`]). It uses no gas and pays
    /// no fee, and some nodes have no receipt for it.
    pub system: bool,
}

/// Polygon PoS (Bor) appends one state-sync transaction to each block that
/// executed bridge events from Ethereum. Bor has rendered it in two ways:
/// - before PIP-74, as a legacy-looking transaction from and to the zero
///   address with gas 0, gas price 0 and an all-zero signature, which is
///   not in the block body at all (`tests/recorded/bor/`);
/// - from PIP-74's hard fork, as type `0x7f`: "typed, system transaction;
///   not user-signed", "zero gas/fees", empty data (PIP-74, Specification
///   1, forum.polygon.technology/t/21331).
///
/// Either way it has no fee and no user bytes: it is stored with gas 0,
/// fee 0 and size 0 (the block's own `size` still counts the post-fork
/// encoding, whose event list the RPC answer does not carry).
struct StateSync;

impl StateSync {
    const TYPE: u8 = 0x7f;

    /// The pre-PIP-74 rendering. Gas 0 is below any user transaction's
    /// intrinsic 21,000, so with the all-zero signature it cannot be
    /// mistaken for one.
    fn is_legacy_rendering(raw: &RawTx<'_>) -> bool {
        raw.gas == 0
            && raw.gas_price.unwrap_or(0) == 0
            && [raw.v, raw.r, raw.s]
                .iter()
                .all(|x| x.is_none_or(|x| x.is_zero()))
    }
}

/// Why a response could not be read; the caller adds source and height.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DecodeError(pub String);

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawBlock {
    #[serde(with = "hex_quantity")]
    number: u64,
    hash: B256,
    parent_hash: B256,
    #[serde(with = "hex_quantity")]
    timestamp: u64,
    #[serde(with = "hex_quantity")]
    gas_used: u64,
    #[serde(with = "hex_quantity")]
    gas_limit: u64,
    /// Required as alloy required it: a PoW chain's hashrate comes from it,
    /// so a missing one must not read as zero.
    #[serde(deserialize_with = "quantity_u256::de")]
    difficulty: U256,
    #[serde(default, deserialize_with = "quantity_u256::de_opt")]
    size: Option<U256>,
    transactions: Vec<TxItem>,
}

/// A block's transaction list: full objects, or hashes when the node
/// ignored the `true` of `eth_getBlockByNumber`. Told apart element by
/// element with `deserialize_any` rather than `#[serde(untagged)]`, which
/// would buffer every transaction into an owned tree first.
enum TxItem {
    /// Finished as it is read, so no list of raw transactions is built.
    Full(Result<EvmTransaction, DecodeError>),
    Hash,
}

impl<'de> Deserialize<'de> for TxItem {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Item;
        impl<'de> serde::de::Visitor<'de> for Item {
            type Value = TxItem;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a transaction object or hash")
            }
            fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<Self::Value, E> {
                Ok(TxItem::Hash)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<Self::Value, A::Error> {
                let raw = RawTx::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                Ok(TxItem::Full(raw.finish()))
            }
        }
        d.deserialize_any(Item)
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawTx<'a> {
    hash: B256,
    #[serde(default, rename = "type", with = "hex_quantity::opt")]
    tx_type: Option<u8>,
    #[serde(default)]
    block_hash: Option<B256>,
    #[serde(default, with = "hex_quantity::opt")]
    block_number: Option<u64>,
    #[serde(default, with = "hex_quantity::opt")]
    transaction_index: Option<u64>,
    #[serde(default, with = "hex_quantity::opt")]
    chain_id: Option<u64>,
    #[serde(with = "hex_quantity")]
    nonce: u64,
    #[serde(with = "hex_quantity")]
    gas: u64,
    #[serde(default, with = "hex_quantity::opt")]
    gas_price: Option<u128>,
    #[serde(default, with = "hex_quantity::opt")]
    max_fee_per_gas: Option<u128>,
    #[serde(default, with = "hex_quantity::opt")]
    max_priority_fee_per_gas: Option<u128>,
    #[serde(default, with = "hex_quantity::opt")]
    max_fee_per_blob_gas: Option<u128>,
    /// `null` or absent for contract creations.
    #[serde(default)]
    to: Option<Address>,
    #[serde(deserialize_with = "quantity_u256::de")]
    value: U256,
    /// Only its length and first byte matter: kept as text, checked as hex.
    #[serde(borrow, alias = "data")]
    input: &'a str,
    #[serde(default, deserialize_with = "quantity_u256::de_opt")]
    v: Option<U256>,
    #[serde(default, deserialize_with = "quantity_u256::de_opt")]
    y_parity: Option<U256>,
    /// Optional only for Polygon's unsigned state-sync type; every signed
    /// type requires both (checked in `finish`).
    #[serde(default, deserialize_with = "quantity_u256::de_opt")]
    r: Option<U256>,
    #[serde(default, deserialize_with = "quantity_u256::de_opt")]
    s: Option<U256>,
    #[serde(default)]
    access_list: Option<Vec<AccessListItem>>,
    #[serde(default)]
    blob_versioned_hashes: Option<Vec<B256>>,
    #[serde(default)]
    authorization_list: Option<Vec<Authorization>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AccessListItem {
    address: Address,
    storage_keys: Vec<B256>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Authorization {
    chain_id: U256,
    address: Address,
    #[serde(with = "hex_quantity")]
    nonce: u64,
    #[serde(alias = "v", with = "hex_quantity")]
    y_parity: u8,
    r: U256,
    s: U256,
}

/// `U256` quantities without ruint's general `FromStr`, which was the
/// largest single item (7%) of a backfill's CPU profile: `0x` and up to 64
/// hex digits are decoded by const-hex; anything else (decimal strings, JSON
/// numbers, bad input) is left to ruint's own deserializer, so what is
/// accepted and the errors are unchanged.
/// Quantities as the Ethereum JSON-RPC specification writes them: `0x`
/// and hex digits, nothing else. A decimal string (`"21000"`) or a JSON
/// number is refused, naming the value: read as hex, `"21000"` would be
/// 0x21000 and change the fee and the computed size without a word; read
/// as decimal, it would be a guess at what a nonconforming node meant.
pub(crate) mod hex_quantity {
    use std::borrow::Cow;

    use serde::de::{Deserialize, Deserializer, Error};

    fn parse<T: TryFrom<u128>>(s: &str) -> Result<T, String> {
        let digits = s
            .strip_prefix("0x")
            .ok_or_else(|| format!("quantity {s:?} is not 0x-prefixed hex"))?;
        if digits.is_empty() || digits.len() > 32 {
            return Err(format!("quantity {s:?} is not a hex quantity"));
        }
        let v = u128::from_str_radix(digits, 16)
            .map_err(|_| format!("quantity {s:?} is not a hex quantity"))?;
        T::try_from(v).map_err(|_| format!("quantity {s} is out of range"))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>, T: TryFrom<u128>>(
        d: D,
    ) -> Result<T, D::Error> {
        let s = <Cow<'de, str>>::deserialize(d)?;
        parse(&s).map_err(D::Error::custom)
    }

    pub(crate) mod opt {
        use std::borrow::Cow;

        use serde::de::{Deserialize, Deserializer, Error};

        pub(crate) fn deserialize<'de, D: Deserializer<'de>, T: TryFrom<u128>>(
            d: D,
        ) -> Result<Option<T>, D::Error> {
            match <Option<Cow<'de, str>>>::deserialize(d)? {
                None => Ok(None),
                Some(s) => super::parse(&s).map(Some).map_err(D::Error::custom),
            }
        }
    }
}

mod quantity_u256 {
    use alloy_primitives::U256;
    use serde::de::{Deserialize, Deserializer, Error, IntoDeserializer, Visitor};

    pub fn parse_hex(s: &str) -> Option<U256> {
        let digits = s.strip_prefix("0x")?;
        if digits.is_empty() || digits.len() > 64 {
            return None;
        }
        // Left-padded to 64 digits, then decoded by const-hex (SIMD).
        let mut padded = [b'0'; 64];
        padded[64 - digits.len()..].copy_from_slice(digits.as_bytes());
        let mut bytes = [0u8; 32];
        alloy_primitives::hex::decode_to_slice(padded, &mut bytes).ok()?;
        Some(U256::from_be_bytes(bytes))
    }

    struct Quantity;

    impl<'de> Visitor<'de> for Quantity {
        type Value = U256;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a 32 byte hex string")
        }
        fn visit_str<E: Error>(self, v: &str) -> Result<U256, E> {
            match parse_hex(v) {
                Some(n) => Ok(n),
                None => U256::deserialize(v.into_deserializer()),
            }
        }
        fn visit_u64<E: Error>(self, v: u64) -> Result<U256, E> {
            U256::deserialize(v.into_deserializer())
        }
        fn visit_u128<E: Error>(self, v: u128) -> Result<U256, E> {
            U256::deserialize(v.into_deserializer())
        }
    }

    pub fn de<'de, D: Deserializer<'de>>(d: D) -> Result<U256, D::Error> {
        d.deserialize_any(Quantity)
    }

    pub fn de_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<U256>, D::Error> {
        struct Opt;
        impl<'de> Visitor<'de> for Opt {
            type Value = Option<U256>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("null or a 32 byte hex string")
            }
            fn visit_none<E: Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_unit<E: Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                de(d).map(Some)
            }
        }
        d.deserialize_option(Opt)
    }
}

/// Decodes a full block (`eth_getBlockByNumber(n, true)`'s result).
pub fn decode_block(json: &str) -> Result<EvmBlock, DecodeError> {
    let raw: RawBlock = serde_json::from_str(json).map_err(|e| locate_bad_transaction(json, &e))?;
    let transactions = raw
        .transactions
        .into_iter()
        .map(|t| match t {
            TxItem::Full(tx) => tx,
            TxItem::Hash => Err(DecodeError("transactions are not full objects".into())),
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(EvmBlock {
        number: raw.number,
        hash: raw.hash,
        parent_hash: raw.parent_hash,
        timestamp: raw.timestamp,
        gas_used: raw.gas_used,
        gas_limit: raw.gas_limit,
        difficulty: raw.difficulty,
        size: raw.size,
        transactions,
    })
}

/// Decodes one transaction (`eth_getTransactionByHash`'s result).
/// Which transaction of a block does not read, and why: serde names a
/// column of the whole answer, which tells a reader nothing. Run only once
/// the whole block failed, so the common case pays nothing.
fn locate_bad_transaction(json: &str, whole: &serde_json::Error) -> DecodeError {
    let block = || DecodeError(format!("block: {whole}"));
    let Ok(v) = serde_json::from_str::<serde_json::Value>(json) else {
        return block();
    };
    let txs = v.get("transactions").and_then(|t| t.as_array());
    for (i, tx) in txs.into_iter().flatten().enumerate() {
        if tx.is_string() {
            continue;
        }
        if let Err(DecodeError(why)) = decode_transaction(&tx.to_string()) {
            let hash = tx
                .get("hash")
                .and_then(|h| h.as_str())
                .unwrap_or("without a hash");
            return DecodeError(format!("transaction {hash} (index {i}): {why}"));
        }
    }
    block()
}

pub fn decode_transaction(json: &str) -> Result<EvmTransaction, DecodeError> {
    let raw: RawTx<'_> =
        serde_json::from_str(json).map_err(|e| DecodeError(format!("transaction: {e}")))?;
    raw.finish()
}

/// RLP length of a string of `len` bytes whose first byte is `first`.
fn bytes_len(len: usize, first: Option<u8>) -> usize {
    match (len, first) {
        (1, Some(b)) if b < 0x80 => 1,
        _ => length_of_length(len) + len,
    }
}

/// RLP length of a list whose items take `payload` bytes.
fn list_len(payload: usize) -> usize {
    length_of_length(payload) + payload
}

impl RawTx<'_> {
    fn finish(self) -> Result<EvmTransaction, DecodeError> {
        let hash = self.hash;
        let bad = |why: String| DecodeError(format!("transaction {hash:#x}: {why}"));
        let missing = |field: &str, ty: u8| bad(format!("type {ty} transaction without {field}"));
        let ty = self.tx_type.unwrap_or(0);
        if ty == StateSync::TYPE || (ty == 0 && StateSync::is_legacy_rendering(&self)) {
            if self.gas != 0 || self.gas_price.unwrap_or(0) != 0 {
                return Err(bad(format!(
                    "a Polygon state-sync transaction (type {ty:#x}) with gas {} at price {}: \
                     they are defined gas-free",
                    self.gas,
                    self.gas_price.unwrap_or(0)
                )));
            }
            return Ok(EvmTransaction {
                hash,
                block_hash: self.block_hash,
                block_number: self.block_number,
                transaction_index: self.transaction_index,
                gas_price: Some(0),
                size: 0,
                system: true,
            });
        }
        let r = self.r.ok_or_else(|| missing("r", ty))?;
        let s = self.s.ok_or_else(|| missing("s", ty))?;
        let input_len = {
            let hex = self
                .input
                .strip_prefix("0x")
                .ok_or_else(|| bad("input is not 0x-prefixed hex".into()))?;
            if hex.len() % 2 != 0 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(bad("input is not 0x-prefixed hex".into()));
            }
            let first = hex.get(..2).and_then(|h| u8::from_str_radix(h, 16).ok());
            bytes_len(hex.len() / 2, first)
        };
        let to_len = |ty: u8| -> Result<usize, DecodeError> {
            match self.to {
                Some(a) => Ok(a.length()),
                // EIP-4844 and EIP-7702 transactions cannot create contracts.
                None if ty >= 3 => Err(missing("to", ty)),
                None => Ok(1),
            }
        };
        let access_list_len = |ty: u8| -> Result<usize, DecodeError> {
            let items = self
                .access_list
                .as_ref()
                .ok_or_else(|| missing("accessList", ty))?;
            Ok(list_len(
                items
                    .iter()
                    .map(|i| {
                        list_len(
                            i.address.length()
                                + list_len(i.storage_keys.iter().map(Encodable::length).sum()),
                        )
                    })
                    .sum(),
            ))
        };
        // The signature of a typed transaction: one parity byte, r, s.
        let typed_signature_len = |ty: u8| -> Result<usize, DecodeError> {
            let parity = self
                .y_parity
                .or(self.v)
                .ok_or_else(|| missing("yParity", ty))?;
            let ok = [0u64, 1, 27, 28].iter().any(|p| parity == U256::from(*p));
            if !ok {
                return Err(bad(format!("invalid signature parity {parity}")));
            }
            Ok(1 + r.length() + s.length())
        };
        let chain_id = |ty: u8| self.chain_id.ok_or_else(|| missing("chainId", ty));
        let fee_caps = |ty: u8| -> Result<usize, DecodeError> {
            let prio = self
                .max_priority_fee_per_gas
                .ok_or_else(|| missing("maxPriorityFeePerGas", ty))?;
            let max = self
                .max_fee_per_gas
                .ok_or_else(|| missing("maxFeePerGas", ty))?;
            Ok(prio.length() + max.length())
        };
        // Fields every type shares, in their RLP order: nonce, (prices),
        // gas, to, value, input.
        let common = self.nonce.length() + self.gas.length() + self.value.length() + input_len;
        let size = match ty {
            0 => {
                let gas_price = self.gas_price.ok_or_else(|| missing("gasPrice", ty))?;
                let v = self.v.ok_or_else(|| missing("v", ty))?;
                legacy_v_check(v, r, s, self.chain_id).map_err(bad)?;
                list_len(
                    common
                        + gas_price.length()
                        + to_len(ty)?
                        + v.length()
                        + r.length()
                        + s.length(),
                )
            }
            1 => {
                let gas_price = self.gas_price.ok_or_else(|| missing("gasPrice", ty))?;
                1 + list_len(
                    chain_id(ty)?.length()
                        + common
                        + gas_price.length()
                        + to_len(ty)?
                        + access_list_len(ty)?
                        + typed_signature_len(ty)?,
                )
            }
            2 => {
                1 + list_len(
                    chain_id(ty)?.length()
                        + common
                        + fee_caps(ty)?
                        + to_len(ty)?
                        + access_list_len(ty)?
                        + typed_signature_len(ty)?,
                )
            }
            3 => {
                let blob_fee = self
                    .max_fee_per_blob_gas
                    .ok_or_else(|| missing("maxFeePerBlobGas", ty))?;
                let blobs = self
                    .blob_versioned_hashes
                    .as_ref()
                    .ok_or_else(|| missing("blobVersionedHashes", ty))?;
                1 + list_len(
                    chain_id(ty)?.length()
                        + common
                        + fee_caps(ty)?
                        + to_len(ty)?
                        + access_list_len(ty)?
                        + blob_fee.length()
                        + list_len(blobs.iter().map(Encodable::length).sum())
                        + typed_signature_len(ty)?,
                )
            }
            4 => {
                let auths = self
                    .authorization_list
                    .as_ref()
                    .ok_or_else(|| missing("authorizationList", ty))?;
                let auths_len = list_len(
                    auths
                        .iter()
                        .map(|a| {
                            list_len(
                                a.chain_id.length()
                                    + a.address.length()
                                    + a.nonce.length()
                                    + a.y_parity.length()
                                    + a.r.length()
                                    + a.s.length(),
                            )
                        })
                        .sum(),
                );
                1 + list_len(
                    chain_id(ty)?.length()
                        + common
                        + fee_caps(ty)?
                        + to_len(ty)?
                        + access_list_len(ty)?
                        + auths_len
                        + typed_signature_len(ty)?,
                )
            }
            other => return Err(bad(format!("unsupported transaction type {other:#x}"))),
        };
        Ok(EvmTransaction {
            hash,
            block_hash: self.block_hash,
            block_number: self.block_number,
            transaction_index: self.transaction_index,
            gas_price: self.gas_price,
            size: size as u64,
            system: false,
        })
    }
}

/// alloy's rule for a legacy `v`: 27/28, or EIP-155's `35 + 2 × chain id +
/// parity` agreeing with `chainId` when both are given; all-zero
/// signatures are pre-Bedrock Optimism system transactions.
fn legacy_v_check(v: U256, r: U256, s: U256, chain_id: Option<u64>) -> Result<(), String> {
    if v.is_zero() && r.is_zero() && s.is_zero() {
        return Ok(());
    }
    let v: u128 = v
        .try_into()
        .map_err(|_| format!("invalid EIP-155 signature value v {v}"))?;
    match v {
        27 | 28 => Ok(()),
        35.. => {
            let from_v = (v - 35) / 2;
            match chain_id {
                Some(id) if u128::from(id) != from_v => Err(format!(
                    "chain id {id} disagrees with the signature's {from_v}"
                )),
                _ => Ok(()),
            }
        }
        _ => Err(format!("invalid EIP-155 signature value v {v}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[derive(Deserialize)]
    struct Q {
        #[serde(deserialize_with = "quantity_u256::de")]
        n: U256,
        #[serde(default, deserialize_with = "quantity_u256::de_opt")]
        o: Option<U256>,
    }

    fn q(json: &str) -> Result<(U256, Option<U256>), String> {
        serde_json::from_str::<Q>(json)
            .map(|q| (q.n, q.o))
            .map_err(|e| e.to_string())
    }

    #[test]
    fn quantities_read_as_ruint_reads_them() {
        let n = U256::from;
        assert_eq!(q(r#"{"n":"0x0"}"#), Ok((n(0), None)));
        assert_eq!(q(r#"{"n":"0x1F","o":null}"#), Ok((n(31), None)));
        assert_eq!(q(r#"{"n":"0x00ff","o":"0x2"}"#), Ok((n(255), Some(n(2)))));
        // Not the fast path, still what ruint accepts.
        assert_eq!(q(r#"{"n":"31"}"#), Ok((n(31), None)));
        assert_eq!(q(r#"{"n":31}"#), Ok((n(31), None)));
        assert_eq!(
            q(&format!(r#"{{"n":"{:#x}"}}"#, U256::MAX)),
            Ok((U256::MAX, None))
        );
        for bad in [r#""0xg1""#, r#""0x+1""#, r#""-1""#, "true", "[]"] {
            assert!(q(&format!(r#"{{"n":{bad}}}"#)).is_err(), "{bad} accepted");
        }
        let too_wide = format!(r#"{{"n":"0x1{}"}}"#, "0".repeat(64));
        assert!(q(&too_wide).is_err());
    }

    proptest! {
        #[test]
        fn the_hex_fast_path_agrees_with_ruint(limbs in any::<[u64; 4]>(), upper in any::<bool>(),
                                               zeros in 0usize..4) {
            let v = U256::from_limbs(limbs);
            let hex = format!("{v:x}");
            let hex = if upper { hex.to_uppercase() } else { hex };
            let text = format!("0x{}{hex}", "0".repeat(zeros));
            let expect: Option<U256> = text.parse().ok().filter(|_| text.len() <= 66);
            prop_assert_eq!(quantity_u256::parse_hex(&text), expect);
        }
    }

    #[test]
    fn rlp_string_lengths() {
        assert_eq!(bytes_len(0, None), 1);
        assert_eq!(bytes_len(1, Some(0x7f)), 1);
        assert_eq!(bytes_len(1, Some(0x80)), 2);
        assert_eq!(bytes_len(55, Some(0)), 56);
        assert_eq!(bytes_len(56, Some(0)), 58);
    }

    #[test]
    fn legacy_v_rules() {
        let one = U256::from(1);
        assert!(legacy_v_check(U256::from(27), one, one, None).is_ok());
        assert!(legacy_v_check(U256::from(37), one, one, Some(1)).is_ok());
        assert!(legacy_v_check(U256::from(37), one, one, Some(5)).is_err());
        assert!(legacy_v_check(U256::from(30), one, one, None).is_err());
        assert!(legacy_v_check(U256::ZERO, U256::ZERO, U256::ZERO, None).is_ok());
    }
}

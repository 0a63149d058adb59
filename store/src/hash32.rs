//! 32-byte hashes (transaction ids, block hashes) as the ClickHouse
//! backend stores them: the bytes, and whether the text carried `0x`.
//!
//! Every chain blockwatt ingests names blocks and transactions by 32-byte
//! hashes: bare hex on Bitcoin and its forks, `0x`-prefixed hex on EVM
//! chains. Kept as hex text a txid costs 64+ bytes of near-random text per
//! row; as `FixedString(32)` it costs its 32 bytes.

use crate::{Result, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hash32 {
    pub bytes: [u8; 32],
    /// The text form began with `0x`.
    pub prefixed: bool,
}

impl Hash32 {
    /// Parses 64 hex digits, optionally after `0x`, in either case.
    pub fn parse(text: &str) -> Option<Hash32> {
        let (digits, prefixed) = match text.strip_prefix("0x") {
            Some(rest) => (rest, true),
            None => (text, false),
        };
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(digits, &mut bytes).ok()?;
        Some(Hash32 { bytes, prefixed })
    }

    /// Like [`Hash32::parse`], for data about to be stored: anything else
    /// is refused with an error naming it.
    pub fn require(what: &str, text: &str) -> Result<Hash32> {
        Hash32::parse(text).ok_or_else(|| {
            StoreError::Invalid(format!(
                "{what} {text:?} is not a 32-byte hash (64 hex digits, optionally after 0x)"
            ))
        })
    }

    /// The text form, in lower case as ingestion writes it.
    pub fn text(bytes: &[u8; 32], prefixed: bool) -> String {
        let digits = hex::encode(bytes);
        if prefixed {
            format!("0x{digits}")
        } else {
            digits
        }
    }

    /// The key of the txid lookup table (`txid_blocks`): the first 5
    /// bytes (migration 13), as `substring(txid, 1, 5)` reads them in SQL.
    pub fn prefix_of(bytes: &[u8; 32]) -> [u8; 5] {
        let mut first = [0u8; 5];
        first.copy_from_slice(&bytes[..5]);
        first
    }

    /// [`Hash32::prefix_of`] as hex digits, for `unhex(?)` in a query.
    pub fn prefix_digits(&self) -> String {
        hex::encode(Hash32::prefix_of(&self.bytes))
    }

    /// A transaction's txid and block hash, refused unless both are
    /// hashes of the same form (both with `0x` or neither: one flag keeps
    /// the form of both).
    pub fn of_transaction(t: &blockwatt_domain::Transaction) -> Result<(Hash32, Hash32)> {
        let txid = Hash32::require("txid", &t.txid)?;
        let block_hash = Hash32::require("block hash", &t.block_hash)?;
        if txid.prefixed != block_hash.prefixed {
            return Err(StoreError::Invalid(format!(
                "transaction {}: its txid and its block hash {} differ in form (one has 0x, the other not)",
                t.txid, t.block_hash
            )));
        }
        Ok((txid, block_hash))
    }

    /// The digits without `0x`, for `unhex(?)` in a query.
    pub fn digits(&self) -> String {
        hex::encode(self.bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_forms_round_trip_and_other_text_is_refused() {
        let evm = "0x88df016429689c079f3b2f6ad39fa052532c56795b733da78a91ebe6a713944b";
        let h = Hash32::parse(evm).expect("evm hash");
        assert!(h.prefixed);
        assert_eq!(Hash32::text(&h.bytes, h.prefixed), evm);
        let btc = "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b";
        let h = Hash32::parse(&btc.to_uppercase()).expect("upper case");
        assert_eq!(Hash32::text(&h.bytes, h.prefixed), btc);
        assert_eq!(h.prefix_digits(), "4a5e1e4baa");
        for bad in ["", "0x", "atx4-1", &btc[..62], &format!("{btc}00"), "0X4a"] {
            assert!(Hash32::parse(bad).is_none(), "{bad}");
        }
        let e = Hash32::require("txid", "atx4-1").unwrap_err().to_string();
        assert!(e.contains("txid \"atx4-1\" is not a 32-byte hash"), "{e}");
    }
}

//! Daily aggregation of stored blocks into `DailyMetrics` (source `blocks`).

use std::sync::Arc;

use blockwatt_domain::{Block, DailyMetrics};
use blockwatt_store::Store;
use chrono::{DateTime, Days, NaiveDate};

use crate::error::IngestError;

/// How difficulty turns into hashes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashrateModel {
    /// Proof of stake: no hashrate.
    None,
    /// Bitcoin family: a block at difficulty D takes D × 2^32 hashes on average.
    BitcoinFamily,
    /// EVM proof of work (Ethash): a block at difficulty D takes D hashes.
    EvmPow,
    /// Zcash (Equihash): difficulty is relative to powLimit `0x0007ffff…`
    /// (compact `0x1f07ffff`, about 2^243), so a block at difficulty D is
    /// 2^256 / target ≈ D × 2^13 expected solutions: the chainwork zcashd's
    /// `getnetworksolps` divides by time (the genesis block, at difficulty
    /// 1, carries chainwork 0x2000). The hashrate is in Sol/s, the unit the
    /// Coin Metrics import stores for Zcash (GSol/s × 1e9) and analytics'
    /// Equihash catalogue reads.
    Equihash,
}

impl HashrateModel {
    /// The model for a chain slug: Bitcoin-family chains use the 2^32
    /// convention; Ethereum (before the merge) and Ethereum Classic count
    /// difficulty in hashes; everything else has no hashrate.
    pub fn for_chain(chain: &str) -> Self {
        match chain {
            "bitcoin" | "litecoin" | "dogecoin" | "bitcoin-cash" | "bitcoin-sv" | "dash" => {
                HashrateModel::BitcoinFamily
            }
            "ethereum" | "ethereum-classic" => HashrateModel::EvmPow,
            "zcash" => HashrateModel::Equihash,
            _ => HashrateModel::None,
        }
    }

    /// Expected hashes (solutions for Equihash) per unit of difficulty.
    pub fn hashes_per_difficulty(self) -> Option<f64> {
        match self {
            HashrateModel::None => None,
            HashrateModel::BitcoinFamily => Some(4_294_967_296.0),
            HashrateModel::EvmPow => Some(1.0),
            HashrateModel::Equihash => Some(8192.0),
        }
    }
}

pub const DAILY_SOURCE: &str = "blocks";

fn day_of(time: i64) -> Option<NaiveDate> {
    DateTime::from_timestamp(time, 0).map(|t| t.date_naive())
}

/// Aggregates `blocks` (ascending by height, contiguous) per UTC day.
///
/// Hashrate = Σ work ÷ seconds covered, where a block's work was done in
/// the interval since its parent. With `predecessor` (the block before the
/// first one) every block counts over `last.time − predecessor.time`;
/// without it the first block's work is left out, since its interval is
/// unknown, and the span is `last.time − first.time`.
pub fn aggregate_daily(
    chain: &str,
    model: HashrateModel,
    blocks: &[Block],
    predecessor: Option<&Block>,
) -> Vec<DailyMetrics> {
    let mut out = Vec::new();
    let mut prev_time = predecessor.map(|b| b.time);
    let mut i = 0;
    while i < blocks.len() {
        let Some(day) = day_of(blocks[i].time) else {
            i += 1;
            continue;
        };
        let mut j = i;
        while j < blocks.len() && day_of(blocks[j].time) == Some(day) {
            j += 1;
        }
        let group = &blocks[i..j];
        let mut m = DailyMetrics::empty(chain, day, DAILY_SOURCE);
        let n = group.len() as f64;
        m.block_count = Some(group.len() as u64);
        m.tx_count = Some(group.iter().map(|b| u64::from(b.tx_count)).sum());
        m.block_size_mean_bytes = Some(group.iter().map(|b| b.size_bytes as f64).sum::<f64>() / n);
        m.fees_native = Some(group.iter().map(|b| b.fees_native).sum());
        let subsidy: f64 = group.iter().map(|b| b.subsidy_native).sum();
        if subsidy > 0.0 || model == HashrateModel::BitcoinFamily {
            m.issuance_native = Some(subsidy);
        }
        if let Some(per_diff) = model.hashes_per_difficulty() {
            m.difficulty_mean = Some(group.iter().map(|b| b.difficulty).sum::<f64>() / n);
            let last = group[group.len() - 1].time;
            let (start, counted) = match prev_time {
                Some(t) => (t, group),
                None => (group[0].time, &group[1..]),
            };
            let seconds = (last - start) as f64;
            let work: f64 = counted.iter().map(|b| b.difficulty * per_diff).sum();
            // Zero work means a proof-of-stake day (Ethereum after the
            // merge): no hashrate, rather than a hashrate of 0.
            if seconds > 0.0 && work > 0.0 {
                m.hashrate_hs = Some(work / seconds);
            }
        }
        prev_time = Some(group[group.len() - 1].time);
        out.push(m);
        i = j;
    }
    out
}

/// Reads the blocks of `from..=to` (UTC days) from the store, aggregates
/// them and writes the rows. Returns the rows written.
pub async fn aggregate_and_store(
    store: &Arc<dyn Store>,
    chain: &str,
    model: HashrateModel,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<DailyMetrics>, IngestError> {
    let start = from
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc().timestamp())
        .unwrap_or(0);
    let end = to
        .checked_add_days(Days::new(1))
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc().timestamp())
        .unwrap_or(i64::MAX);
    let blocks = store.blocks_in_time(chain, start, end).await?;
    let predecessor = match blocks.first() {
        Some(b) if b.height > 0 => store.block(chain, b.height - 1).await?,
        _ => None,
    };
    let rows = aggregate_daily(chain, model, &blocks, predecessor.as_ref());
    store.write_daily_metrics(&rows).await?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(height: u64, time: i64, difficulty: f64) -> Block {
        Block {
            chain: "bitcoin".into(),
            height,
            hash: format!("{height:064x}"),
            parent_hash: format!("{:064x}", height.saturating_sub(1)),
            time,
            tx_count: 2,
            size_bytes: 1000,
            weight: 0,
            gas_used: 0,
            gas_limit: 0,
            difficulty,
            fees_native: 0.5,
            subsidy_native: 3.125,
            provisional: false,
        }
    }

    #[test]
    fn bitcoin_hashrate_is_work_over_covered_seconds() {
        // 2024-01-01 00:00:00 UTC = 1704067200. Blocks every 600 s.
        let day = 1_704_067_200;
        let pred = block(9, day - 600, 1e12);
        let blocks: Vec<Block> = (0..144)
            .map(|i| block(10 + i, day + i as i64 * 600, 1e12))
            .collect();
        let rows = aggregate_daily(
            "bitcoin",
            HashrateModel::BitcoinFamily,
            &blocks,
            Some(&pred),
        );
        assert_eq!(rows.len(), 1);
        let r = &rows[0];
        assert_eq!(r.block_count, Some(144));
        assert_eq!(r.tx_count, Some(288));
        let expected = 144.0 * 1e12 * 4_294_967_296.0 / (144.0 * 600.0);
        let got = r.hashrate_hs.expect("hashrate");
        assert!(
            (got - expected).abs() / expected < 1e-12,
            "{got} vs {expected}"
        );
        assert_eq!(r.issuance_native, Some(144.0 * 3.125));
        // Without a predecessor the first block's work is left out.
        let rows = aggregate_daily("bitcoin", HashrateModel::BitcoinFamily, &blocks, None);
        let got = rows[0].hashrate_hs.expect("hashrate");
        assert!((got - expected).abs() / expected < 1e-12);
    }

    #[test]
    fn evm_pow_and_pos_and_day_split() {
        let day = 1_704_067_200;
        let blocks = vec![
            block(1, day - 20, 100.0),
            block(2, day - 10, 100.0),
            block(3, day + 10, 300.0),
        ];
        let rows = aggregate_daily("ethereum-classic", HashrateModel::EvmPow, &blocks, None);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].hashrate_hs, Some(10.0)); // 100 H over 10 s
        assert_eq!(rows[1].hashrate_hs, Some(15.0)); // 300 H over 20 s
        let post_merge: Vec<Block> = blocks
            .iter()
            .map(|b| Block {
                difficulty: 0.0,
                ..b.clone()
            })
            .collect();
        let rows = aggregate_daily("ethereum", HashrateModel::EvmPow, &post_merge, None);
        assert_eq!(rows[0].hashrate_hs, None);
        assert_eq!(
            HashrateModel::for_chain("dogecoin"),
            HashrateModel::BitcoinFamily
        );
        assert_eq!(HashrateModel::for_chain("solana"), HashrateModel::None);
        assert_eq!(HashrateModel::for_chain("zcash"), HashrateModel::Equihash);
        let rows = aggregate_daily("ethereum", HashrateModel::None, &blocks, None);
        assert_eq!(rows[0].hashrate_hs, None);
        assert_eq!(rows[0].difficulty_mean, None);
    }

    #[test]
    fn zcash_hashrate_is_solutions_per_second() {
        // Worked example: Zcash's 75 s target, 1152 blocks a day at
        // difficulty 50 000 000 → 50e6 × 8192 Sol per 75 s ≈ 5.46 GSol/s,
        // the order of magnitude Coin Metrics reported for early 2019.
        let day = 1_546_300_800; // 2019-01-01
        let pred = block(99, day - 75, 5e7);
        let blocks: Vec<Block> = (0..1152)
            .map(|i| block(100 + i, day + i as i64 * 75, 5e7))
            .collect();
        let rows = aggregate_daily("zcash", HashrateModel::Equihash, &blocks, Some(&pred));
        let got = rows[0].hashrate_hs.expect("hashrate");
        let expected = 5e7 * 8192.0 / 75.0;
        assert!((got - expected).abs() / expected < 1e-12, "{got}");
        assert!((5.4e9..5.5e9).contains(&got), "{got}");
    }
}

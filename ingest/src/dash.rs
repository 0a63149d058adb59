//! Dash's block reward (mainnet), after dashcore's `GetBlockSubsidy` and
//! `GetMasternodePayment` (src/validation.cpp, src/masternode/payments.cpp,
//! parameters from src/chainparams.cpp).
//!
//! Unlike Bitcoin's, the base reward is a function of the *previous*
//! block's difficulty (its `bits`), clamped per era, then cut by 1/14 every
//! 210 240 blocks. Of that subsidy a share goes to the treasury (paid in
//! superblocks, not in the block's coinbase) and a share to masternodes.
//!
//! What we store as a Dash block's `subsidy_native` is the **miner's
//! share**: subsidy − treasury part − masternode payment. The economic
//! models compare mining revenue with mining costs, and masternodes and
//! the treasury are not paid for hashing. (Masternodes also take their
//! share of fees; `fees_native` stays the block's whole fees — at a few
//! thousandths of a DASH per block against about 1 DASH to the miner, the
//! difference is below the models' resolution, and the fees stay a fact
//! about the block for per-transaction allocations.)

const COIN: i64 = 100_000_000;
const SUBSIDY_DECREASE_INTERVAL: u64 = 210_240;
const BUDGET_PAYMENTS_START: u64 = 328_008;
const MN_PAYMENTS_INCREASE_BLOCK: u64 = 158_000;
const MN_PAYMENTS_INCREASE_PERIOD: u64 = 576 * 30;
const SUPERBLOCK_CYCLE: u64 = 16_616;
/// Block reward reallocation (masternodes 50 % → 60 % in 19 steps).
const BRR_HEIGHT: u64 = 1_374_912;
/// From v20 the base subsidy is fixed at 5 DASH (mainnet difficulty had
/// long kept it at the 5 DASH floor anyway).
const V20_HEIGHT: u64 = 1_987_776;
/// Masternode reward reallocation: treasury 20 %, masternodes 3/4 of the
/// rest (60 % of the subsidy).
const MN_RR_HEIGHT: u64 = 2_128_896;

/// dashcore's `ConvertBitsToDouble`: the difficulty a compact target
/// stands for, relative to `0x1d00ffff`.
fn bits_to_difficulty(bits: u32) -> f64 {
    let mut shift = (bits >> 24) & 0xff;
    let mut diff = f64::from(0x0000_ffff) / f64::from((bits & 0x00ff_ffff).max(1));
    while shift < 29 {
        diff *= 256.0;
        shift += 1;
    }
    while shift > 29 {
        diff /= 256.0;
        shift -= 1;
    }
    diff
}

/// The block reward paid in the coinbase of the block after
/// (`prev_bits`, `prev_height`), in duffs: the subsidy without the
/// treasury part (dashcore's `GetBlockSubsidy`).
pub fn coinbase_subsidy_duffs(prev_bits: u32, prev_height: u64) -> i64 {
    let height = prev_height + 1;
    let diff = if prev_height <= 4500 {
        // Early mainnet computed the difficulty without the exponent; the
        // consensus rule keeps that bug.
        f64::from(0x0000_ffff) / f64::from((prev_bits & 0x00ff_ffff).max(1))
    } else {
        bits_to_difficulty(prev_bits)
    };
    // The base is an integer number of coins: dashcore assigns the
    // double to a CAmount, truncating.
    let base: i64 = if height >= V20_HEIGHT {
        5
    } else if prev_height < 5465 {
        ((1111.0 / (diff + 1.0).powi(2)) as i64).clamp(1, 500)
    } else if prev_height < 17_000 || (diff <= 75.0 && prev_height < 24_000) {
        ((11111.0 / ((diff + 51.0) / 6.0).powi(2)) as i64).clamp(25, 500)
    } else {
        ((2_222_222.0 / ((diff + 2600.0) / 9.0).powi(2)) as i64).clamp(5, 25)
    };
    let mut subsidy = base * COIN;
    let decreases = prev_height / SUBSIDY_DECREASE_INTERVAL;
    for _ in 0..decreases {
        subsidy -= subsidy / 14;
    }
    let treasury = if prev_height > BUDGET_PAYMENTS_START {
        subsidy / if height >= MN_RR_HEIGHT { 5 } else { 10 }
    } else {
        0
    };
    subsidy - treasury
}

/// The masternodes' part of `block_value` (duffs) at `height`.
pub fn masternode_payment_duffs(height: u64, block_value: i64) -> i64 {
    let mut ret = block_value / 5;
    let step = |n: u64| height > MN_PAYMENTS_INCREASE_BLOCK + MN_PAYMENTS_INCREASE_PERIOD * n;
    for (n, part) in [
        (0, 20),
        (1, 20),
        (2, 20),
        (3, 40),
        (4, 40),
        (5, 40),
        (6, 40),
        (7, 40),
        (9, 40),
    ] {
        if step(n) {
            ret += block_value / part;
        }
    }
    if height < BRR_HEIGHT {
        return ret;
    }
    let realloc_start = BRR_HEIGHT - BRR_HEIGHT % SUPERBLOCK_CYCLE + SUPERBLOCK_CYCLE;
    if height < realloc_start {
        return ret;
    }
    if height >= MN_RR_HEIGHT {
        return block_value * 3 / 4;
    }
    const PERIODS: [i64; 19] = [
        513, 526, 533, 540, 546, 552, 557, 562, 567, 572, 577, 582, 585, 588, 591, 594, 597, 599,
        600,
    ];
    let period = ((height - realloc_start) / (SUPERBLOCK_CYCLE * 3)).min(PERIODS.len() as u64 - 1);
    block_value * PERIODS[period as usize] / 1000
}

/// (coinbase subsidy, miner's share of it) in DASH for the block after
/// (`prev_bits`, `prev_height`).
pub fn subsidy(prev_bits: u32, prev_height: u64) -> (f64, f64) {
    let coinbase = coinbase_subsidy_duffs(prev_bits, prev_height);
    let miner = coinbase - masternode_payment_duffs(prev_height + 1, coinbase);
    (coinbase as f64 / COIN as f64, miner as f64 / COIN as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cases of dashcore's src/test/subsidy_tests.cpp
    /// (`block_subsidy_test`, mainnet): previous block's bits and height,
    /// expected `GetBlockSubsidy` in duffs.
    #[test]
    fn dashcore_subsidy_test_vectors() {
        for (prev_bits, prev_height, duffs) in [
            (0x1c4a_47c4, 4249, 50_000_000_000),
            (0x1c4a_47c4, 4501, 5_600_000_000),
            (0x1c29_ec00, 5464, 2_100_000_000),
            (0x1c29_ec00, 5465, 12_200_000_000),
            (0x1c08_ba34, 17_588, 6_100_000_000),
            (0x1b10_cf42, 99_999, 500_000_000),
            (0x1b11_548e, 210_239, 500_000_000),
            // The first 1/14 decrease.
            (0x1b10_d50b, 210_240, 464_285_715),
        ] {
            assert_eq!(
                coinbase_subsidy_duffs(prev_bits, prev_height),
                duffs,
                "after block {prev_height}"
            );
        }
    }

    #[test]
    fn treasury_and_masternode_shares() {
        // Modern mainnet difficulty keeps the base at its 5 DASH floor.
        let hard = 0x1924_0000;
        // 2 000 000 (after v20, before MN_RR): 9 decreases of 1/14, 10 %
        // treasury, masternodes 58.5 % (BRR period 13: (2 000 000 −
        // 1 379 128) / 49 848 = 12 whole periods past the start).
        let mut s = 5 * COIN;
        for _ in 0..9 {
            s -= s / 14;
        }
        let coinbase = s - s / 10;
        assert_eq!(coinbase_subsidy_duffs(hard, 1_999_999), coinbase);
        let (cb, miner) = subsidy(hard, 1_999_999);
        assert_eq!(cb, coinbase as f64 / 1e8);
        let miner_duffs = coinbase - coinbase * 585 / 1000;
        assert_eq!(miner, miner_duffs as f64 / 1e8);
        // After MN_RR: treasury 20 %, masternodes 3/4 of the rest, so the
        // miner keeps 20 % of the subsidy.
        let mut s = 5 * COIN;
        for _ in 0..10 {
            s -= s / 14;
        }
        let coinbase = s - s / 5;
        let (cb, miner) = subsidy(hard, 2_200_000);
        assert_eq!(cb, coinbase as f64 / 1e8);
        assert_eq!(miner, (coinbase - coinbase * 3 / 4) as f64 / 1e8);
        // 2015: masternodes took 20 % rising to 50 % (by 313 520).
        assert_eq!(masternode_payment_duffs(100_000, 1000), 200);
        assert_eq!(masternode_payment_duffs(158_001, 1000), 250);
        assert_eq!(masternode_payment_duffs(400_000, 1000), 500);
        // The first BRR period starts in the superblock cycle after 1 374 912.
        assert_eq!(masternode_payment_duffs(1_379_127, 1000), 500);
        assert_eq!(masternode_payment_duffs(1_379_128, 1000), 513);
    }

    #[test]
    fn difficulty_from_bits_matches_the_bitcoin_convention() {
        assert_eq!(bits_to_difficulty(0x1d00_ffff), 1.0);
        let d = bits_to_difficulty(0x1b04_04cb);
        assert!((d - 16_307.420_938_523_983).abs() < 1e-6, "{d}");
    }
}

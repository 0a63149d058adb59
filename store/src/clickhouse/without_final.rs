//! When a sum over `blocks` or `contract_blocks` can do without `FINAL`.
//!
//! `FINAL` makes a read see one row per key, the newest, by merging the
//! versions as it reads. 18.16 does that on one thread, and does it even
//! where there is nothing to merge: over a BNB Smart Chain-sized year of
//! blocks in one merged part, the sums per day took 6.7–8.3 s with
//! `FINAL` and 2.3–2.5 s without (bench/README.md). On the 2×2 cluster,
//! where each shard merges half the rows, 3.2–3.7 s and 2.5 s. Most of a
//! chain's history is in parts that merges have made, where each key is
//! held once; `FINAL` only changes an answer where a key has two rows.
//!
//! A key has at most one row among rows read without `FINAL` when:
//! - each part they come from was made by a merge (its level, the name's
//!   fourth field, above 0): a `ReplacingMergeTree` merge keeps one row
//!   per key, where a part straight from an insert keeps what it was given;
//! - no two of those parts hold rows at a common height: their heights,
//!   lowest to highest, do not overlap. (Every key here has a height.)
//!   On a cluster this is asked of each shard's parts: a shard's heights
//!   interleave with the others', but never share a key with them.
//!
//! Both are read from the same statement that sums the rows (`_part`), so
//! a merge or an insert between a check and a read cannot slip in. A
//! merge that ends while the statement runs is no matter: it reads the
//! parts it started with.

use std::collections::BTreeMap;

use super::rows::{BlockDayRow, BlockPartDayRow, ContractDayRow, ContractPartDayRow};

/// Whether rows read without `FINAL`, given as (kind, shard, part,
/// lowest height, highest height) per group, hold each key once. Rows of
/// two kinds never share a key (a contract's rows and the marks of
/// recorded blocks), nor do two shards' rows (a key and the rows that
/// replace it are sent to one shard: each table's sharding key is taken
/// from its sorting key), so only the heights of one shard's parts of one
/// kind must not overlap. Were a shard not told apart (`''`), its parts
/// would be checked with the others': a stricter check, never a looser one.
fn each_key_once<'r>(groups: impl IntoIterator<Item = (u8, &'r str, &'r str, u64, u64)>) -> bool {
    let mut parts: BTreeMap<(u8, &str, &str), (u64, u64)> = BTreeMap::new();
    for (kind, shard, part, low, high) in groups {
        let span = parts.entry((kind, shard, part)).or_insert((low, high));
        span.0 = span.0.min(low);
        span.1 = span.1.max(high);
    }
    if parts
        .keys()
        .any(|(_, _, part)| merged_level(part).is_none())
    {
        return false;
    }
    let mut spans: Vec<(u8, &str, u64, u64)> = parts
        .into_iter()
        .map(|((kind, shard, _), (low, high))| (kind, shard, low, high))
        .collect();
    spans.sort_unstable();
    !spans
        .windows(2)
        .any(|w| (w[0].0, w[0].1) == (w[1].0, w[1].1) && w[1].2 <= w[0].3)
}

/// The live blocks of a run per UTC day within the period, from
/// [`super::sql::select_block_days_by_part`]'s rows, when no height among
/// them has two rows; `None` when one might, for the caller to read with
/// `FINAL`.
pub fn live_block_days(rows: &[BlockPartDayRow]) -> Option<Vec<BlockDayRow>> {
    if !each_key_once(rows.iter().map(|r| {
        (
            0,
            r.shard.as_str(),
            r.part.as_str(),
            r.day.first_height,
            r.day.last_height,
        )
    })) {
        return None;
    }
    let live = rows
        .iter()
        .filter(|r| r.in_time == 1 && r.is_deleted == 0)
        .map(|r| r.day.clone())
        .collect();
    Some(super::merge_block_days(vec![live]))
}

/// A contract's days over a run, from
/// [`super::sql::select_contract_part_days_by_writes`]'s rows, when no
/// key among them has two rows; `None` when one might.
pub fn contract_days(rows: &[ContractPartDayRow]) -> Option<Vec<ContractDayRow>> {
    if !each_key_once(
        rows.iter()
            .map(|r| (r.mark, r.shard.as_str(), r.part.as_str(), r.low, r.high)),
    ) {
        return None;
    }
    let mut days: BTreeMap<(u32, u8), ContractDayRow> = BTreeMap::new();
    for r in rows {
        let day = days
            .entry((r.day_number, r.mark))
            .or_insert(ContractDayRow {
                day_number: r.day_number,
                mark: r.mark,
                blocks: 0,
                transactions: 0,
                gas_used: 0,
            });
        day.blocks += r.blocks;
        day.transactions += r.transactions;
        day.gas_used += r.gas_used;
    }
    Some(days.into_values().collect())
}

/// The level of a part a merge made: the fourth field of its name
/// (`partition_min_max_level`, and `_mutation` after a mutation), above
/// 0. `None` for a part straight from an insert (level 0), or a name of
/// another form.
fn merged_level(part: &str) -> Option<u32> {
    let fields: Vec<&str> = part.split('_').collect();
    if !(4..=5).contains(&fields.len()) {
        return None;
    }
    fields[3].parse::<u32>().ok().filter(|level| *level > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(part: &str, day: u32, heights: (u64, u64)) -> BlockPartDayRow {
        BlockPartDayRow {
            shard: String::new(),
            part: part.into(),
            in_time: 1,
            is_deleted: 0,
            day: BlockDayRow {
                day_number: day,
                blocks: heights.1 - heights.0 + 1,
                first_height: heights.0,
                last_height: heights.1,
                transactions: 10 * (heights.1 - heights.0 + 1),
                gas_used: 7,
                blocks_version: 3,
                first_version: 3,
            },
        }
    }

    #[test]
    fn merged_parts_that_share_no_height_are_summed_per_day_without_final() {
        // Day 100 spans two parts; a tombstone and a block outside the
        // period are left out of the sums but still checked.
        let mut tombstone = row("all_31_40_2", 101, (250, 250));
        tombstone.is_deleted = 1;
        tombstone.day.blocks_version = 9;
        let mut late = row("all_31_40_2", 102, (251, 260));
        late.in_time = 0;
        let mut other_write = row("all_31_40_2", 101, (201, 249));
        other_write.day.blocks_version = 5;
        other_write.day.first_version = 5;
        let rows = vec![
            row("all_1_30_3", 100, (0, 149)),
            row("all_31_40_2", 100, (150, 200)),
            other_write,
            tombstone,
            late,
        ];
        let days = live_block_days(&rows).expect("no height has two rows");
        assert_eq!(days.len(), 2);
        let (d100, d101) = (&days[0], &days[1]);
        assert_eq!(
            (
                d100.day_number,
                d100.blocks,
                d100.first_height,
                d100.last_height
            ),
            (100, 201, 0, 200)
        );
        assert_eq!(d100.transactions, 2010);
        assert_eq!(d100.gas_used, 14);
        assert_eq!(
            (
                d101.day_number,
                d101.blocks,
                d101.first_height,
                d101.last_height
            ),
            (101, 49, 201, 249)
        );
        assert_eq!((d101.blocks_version, d101.first_version), (5, 5));
    }

    #[test]
    fn a_part_from_an_insert_or_two_parts_at_one_height_need_final() {
        let merged = row("all_1_30_3", 100, (0, 149));
        // Straight from an insert: its rows were never merged.
        assert!(live_block_days(&[merged.clone(), row("all_41_41_0", 100, (150, 150))]).is_none());
        // A height written again, in a later part, before the two merge.
        assert!(live_block_days(&[merged.clone(), row("all_31_40_1", 101, (149, 160))]).is_none());
        // Another part's heights lie wholly inside this part's range.
        assert!(live_block_days(&[merged.clone(), row("all_31_40_1", 100, (20, 30))]).is_none());
        // A part's rows on two days still make one range of heights.
        assert!(live_block_days(&[
            merged.clone(),
            row("all_31_40_1", 100, (150, 160)),
            row("all_1_30_3", 101, (161, 170)),
        ])
        .is_none());
        // A mutation keeps the level of the part it rewrote.
        assert!(live_block_days(&[row("all_1_30_3_45", 100, (0, 10))]).is_some());
        assert!(live_block_days(&[row("all_1_1_0_45", 100, (0, 10))]).is_none());
        assert!(live_block_days(&[row("not a part", 100, (0, 10))]).is_none());
        // Nothing stored at the heights: nothing to sum.
        assert_eq!(live_block_days(&[]).map(|d| d.len()), Some(0));
    }

    #[test]
    fn each_shards_parts_are_checked_on_their_own() {
        // Two shards' parts of one name, their heights interleaved (rows
        // are spread by a hash of the key): each shard holds each of its
        // keys once, and the sums add both.
        let on = |shard: &str, part: &str, heights: (u64, u64)| {
            let mut r = row(part, 100, heights);
            r.shard = shard.into();
            r
        };
        let rows = [
            on("1", "all_0_5_1", (0, 98)),
            on("1", "all_6_9_1", (101, 199)),
            on("2", "all_0_5_1", (1, 99)),
            on("2", "all_6_7_1", (100, 198)),
        ];
        let days = live_block_days(&rows).expect("each shard's parts are apart");
        assert_eq!(days[0].blocks, 99 + 99 + 99 + 99);
        assert_eq!((days[0].first_height, days[0].last_height), (0, 199));
        // Within one shard, two parts at a common height still need FINAL.
        let mut overlapping = rows.to_vec();
        overlapping.push(on("2", "all_8_8_1", (150, 150)));
        assert!(live_block_days(&overlapping).is_none());
        // Read without the shards told apart, the same rows are refused:
        // the parts of one name make one span, and the shards' spans meet.
        let untold: Vec<BlockPartDayRow> = rows
            .iter()
            .cloned()
            .map(|mut r| {
                r.shard.clear();
                r
            })
            .collect();
        assert!(live_block_days(&untold).is_none());
    }

    fn contract_row(part: &str, day: u32, mark: u8, heights: (u64, u64)) -> ContractPartDayRow {
        ContractPartDayRow {
            shard: String::new(),
            part: part.into(),
            day_number: day,
            mark,
            blocks: heights.1 - heights.0 + 1,
            transactions: 2,
            gas_used: 5,
            low: heights.0,
            high: heights.1,
        }
    }

    #[test]
    fn a_contracts_rows_and_the_marks_of_recorded_blocks_are_checked_apart() {
        // The contract's rows and the marks of recorded blocks share
        // heights, never a key: in parts of their own they stand.
        let rows = [
            contract_row("all_1_9_1", 100, 0, (10, 20)),
            contract_row("all_10_19_1", 100, 1, (10, 20)),
            contract_row("all_10_19_1", 101, 1, (21, 30)),
        ];
        let days = contract_days(&rows).expect("no key has two rows");
        let sums: Vec<(u32, u8, u64, u64)> = days
            .iter()
            .map(|d| (d.day_number, d.mark, d.blocks, d.transactions))
            .collect();
        assert_eq!(
            sums,
            vec![(100, 0, 11, 2), (100, 1, 11, 2), (101, 1, 10, 2)]
        );
        // The contract's rows at one height in two parts: a copy.
        let copied = [
            contract_row("all_1_9_1", 100, 0, (10, 20)),
            contract_row("all_10_19_1", 100, 0, (20, 20)),
        ];
        assert!(contract_days(&copied).is_none());
    }
}

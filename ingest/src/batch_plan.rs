//! How one pass splits its range into fetches.
//!
//! A backfill is full batches, except at its two ends:
//!
//! * **The first window is small** (a batch / 8 each). A node that is idle
//!   serves the first request to arrive alone: anvil (tokio) polls for
//!   the next sockets only when the worker that took the first one is done,
//!   so with 25-block batches one of its two cores sat idle for the first
//!   0.7 s of every bench run (bench/README.md, "ingestion: the ramp"). A
//!   small first wave bounds that to the time of a few blocks; by the time
//!   it is served, the full batches behind it are all waiting and every
//!   worker takes one.
//! * **The end is small** (a batch / 4 each, for the last two windows'
//!   worth). The pass ends when its slowest request does, and a node serves
//!   what is queued in no fixed order: when the last requests are small, the
//!   node's workers finish together and the last store write is small.
//!
//! A range of at most one window of full batches (follow mode, a short
//! catch-up) is plain batches: there is no long tail to balance; nor is
//! anything with one request in flight, where the node serves one at a
//! time anyway.

/// The fetches of one pass, `(from, to)` inclusive, in height order.
#[derive(Debug, Clone)]
pub struct BatchPlan {
    next: u64,
    to: u64,
    batch: u64,
    /// Small requests still to hand out at the start.
    lead_left: usize,
    lead: u64,
    /// From this height on, requests are `tail` blocks (None: no ramp).
    tail_from: Option<u64>,
    tail: u64,
    done: bool,
}

impl BatchPlan {
    /// Splits `from..=to` for `window` requests in flight of at most
    /// `batch` blocks each. An empty range (`from > to`) yields nothing.
    pub fn new(from: u64, to: u64, batch: usize, window: usize) -> Self {
        let batch = (batch as u64).max(1);
        let window = window.max(1);
        let len = if from > to {
            0
        } else {
            (to - from).saturating_add(1)
        };
        let ramp = window > 1 && len > batch.saturating_mul(window as u64);
        let lead = (batch / 8).max(1);
        let tail = (batch / 4).max(1);
        let tail_len = tail.saturating_mul(2 * window as u64);
        BatchPlan {
            next: from,
            to,
            batch,
            lead_left: if ramp { window } else { 0 },
            lead,
            tail_from: ramp.then(|| to.saturating_add(1).saturating_sub(tail_len)),
            tail,
            done: from > to,
        }
    }
}

impl Iterator for BatchPlan {
    type Item = (u64, u64);

    fn next(&mut self) -> Option<(u64, u64)> {
        if self.done {
            return None;
        }
        let from = self.next;
        let size = if self.lead_left > 0 {
            self.lead_left -= 1;
            self.lead
        } else {
            match self.tail_from {
                Some(t) if from >= t => self.tail,
                // A full batch, cut at the start of the tail.
                Some(t) => self.batch.min(t - from),
                None => self.batch,
            }
        };
        let end = from.saturating_add(size - 1).min(self.to);
        if end == self.to {
            self.done = true;
        } else {
            self.next = end + 1;
        }
        Some((from, end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sizes(from: u64, to: u64, batch: usize, window: usize) -> Vec<u64> {
        BatchPlan::new(from, to, batch, window)
            .map(|(a, b)| b + 1 - a)
            .collect()
    }

    #[test]
    fn a_backfill_ramps_up_and_down() {
        // The bench's shape: 300 blocks, batches of 25, 8 in flight.
        let s = sizes(1, 300, 25, 8);
        assert_eq!(&s[..8], &[3; 8], "first window small");
        assert_eq!(&s[s.len() - 16..], &[6; 16], "last two windows small");
        let middle = &s[8..s.len() - 16];
        assert!(middle.iter().all(|&n| n <= 25), "{middle:?}");
        assert_eq!(middle.iter().filter(|&&n| n == 25).count(), 7, "{s:?}");
        assert_eq!(s.iter().sum::<u64>(), 300);
    }

    #[test]
    fn a_short_range_is_plain_batches() {
        assert_eq!(sizes(10, 109, 25, 8), vec![25, 25, 25, 25]);
        assert_eq!(sizes(5, 5, 25, 8), vec![1]);
        assert_eq!(sizes(0, 9, 3, 8), vec![3, 3, 3, 1]);
        assert!(sizes(6, 5, 25, 8).is_empty());
    }

    #[test]
    fn tiny_batches_never_shrink_to_zero() {
        assert_eq!(sizes(0, 9, 4, 1), vec![4, 4, 2], "one in flight: no ramp");
        let s = sizes(0, 99, 1, 2);
        assert!(s.iter().all(|&n| n == 1));
        assert_eq!(s.len(), 100);
    }

    #[test]
    fn the_end_of_the_height_range_does_not_overflow() {
        let plan: Vec<_> = BatchPlan::new(u64::MAX - 2, u64::MAX, 25, 8).collect();
        assert_eq!(plan, vec![(u64::MAX - 2, u64::MAX)]);
    }

    proptest! {
        /// Whatever the shape, the fetches cover the range exactly once, in
        /// order, each within the configured batch.
        #[test]
        fn covers_the_range_in_order(from in 0u64..1_000, len in 0u64..5_000,
                                     batch in 1usize..200, window in 1usize..16) {
            let to = from + len;
            let mut expect = from;
            for (a, b) in BatchPlan::new(from, to, batch, window) {
                prop_assert_eq!(a, expect);
                prop_assert!(b >= a);
                prop_assert!(b - a < batch as u64);
                expect = b + 1;
            }
            prop_assert_eq!(expect, to + 1);
        }
    }
}

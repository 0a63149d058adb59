//! Trailing means over a window of calendar days, incremental (O(1) per
//! row). Rows carry day numbers (ascending); a gap in the stored days
//! shortens the window instead of stretching it back in time, so "14 days"
//! always means the 14 calendar days ending on the row's day.

/// Mean of the `values[j]`, `j ≤ i`, whose `day[j] > day[i] - window`, for
/// every `i` (fewer rows at the start and after a gap). `None` entries are
/// left out of both sum and count, so a missing value does not drag the
/// mean to zero. `day` and `values` have the same length.
pub fn trailing_mean(day: &[i64], values: &[Option<f64>], window: usize) -> Vec<Option<f64>> {
    debug_assert_eq!(day.len(), values.len());
    let window = window.max(1) as i64;
    let mut out = Vec::with_capacity(values.len());
    let (mut sum, mut count, mut start) = (0.0, 0usize, 0usize);
    for (i, (d, v)) in day.iter().zip(values).enumerate() {
        if let Some(x) = v {
            sum += x;
            count += 1;
        }
        while start < i && day[start] <= d - window {
            if let Some(old) = values[start] {
                sum -= old;
                count -= 1;
            }
            start += 1;
        }
        if count == 0 {
            // No residue from the subtractions carries into the next value.
            sum = 0.0;
        }
        out.push((count > 0).then(|| sum / count as f64));
    }
    out
}

/// The same for a dense series: every row has a value.
pub fn trailing_mean_dense(day: &[i64], values: &[f64], window: usize) -> Vec<f64> {
    debug_assert_eq!(day.len(), values.len());
    let window = window.max(1) as i64;
    let mut out = Vec::with_capacity(values.len());
    let (mut sum, mut start) = (0.0, 0usize);
    for (i, (d, x)) in day.iter().zip(values).enumerate() {
        sum += x;
        while start < i && day[start] <= d - window {
            sum -= values[start];
            start += 1;
        }
        out.push(sum / (i + 1 - start) as f64);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn dense_mean_uses_fewer_rows_at_start() {
        let m = trailing_mean_dense(&[0, 1, 2, 3], &[1.0, 2.0, 3.0, 4.0], 2);
        assert_eq!(m, vec![1.0, 1.5, 2.5, 3.5]);
    }

    #[test]
    fn sparse_mean_skips_missing() {
        let m = trailing_mean(
            &[0, 1, 2, 3, 4],
            &[Some(2.0), None, Some(4.0), None, None],
            2,
        );
        assert_eq!(m, vec![Some(2.0), Some(2.0), Some(4.0), Some(4.0), None]);
    }

    #[test]
    fn a_gap_in_the_days_shortens_the_window() {
        // Days 0..=2, then nothing stored until day 10: a 7-day window on
        // day 10 holds day 10 alone, not the three rows before the gap.
        let days = [0, 1, 2, 10, 11];
        let dense = trailing_mean_dense(&days, &[1.0, 2.0, 3.0, 10.0, 20.0], 7);
        assert_eq!(dense, vec![1.0, 1.5, 2.0, 10.0, 15.0]);
        let sparse = trailing_mean(
            &days,
            &[Some(1.0), Some(2.0), Some(3.0), None, Some(20.0)],
            7,
        );
        assert_eq!(
            sparse,
            vec![Some(1.0), Some(1.5), Some(2.0), None, Some(20.0)]
        );
    }

    proptest! {
        /// Against the definition, computed from scratch for every row.
        #[test]
        fn matches_the_definition(steps in prop::collection::vec((1i64..5, prop::option::of(0.0f64..1e6)), 1..60),
                                  window in 1usize..20) {
            let mut day = Vec::new();
            let mut d = 0;
            for (step, _) in &steps {
                d += step;
                day.push(d);
            }
            let values: Vec<Option<f64>> = steps.iter().map(|(_, v)| *v).collect();
            let fast = trailing_mean(&day, &values, window);
            let dense_values: Vec<f64> = values.iter().map(|v| v.unwrap_or(1.0)).collect();
            let fast_dense = trailing_mean_dense(&day, &dense_values, window);
            for i in 0..day.len() {
                let inside: Vec<usize> = (0..=i).filter(|&j| day[j] > day[i] - window as i64).collect();
                let present: Vec<f64> = inside.iter().filter_map(|&j| values[j]).collect();
                let expect = (!present.is_empty()).then(|| present.iter().sum::<f64>() / present.len() as f64);
                match (fast[i], expect) {
                    (Some(a), Some(b)) => prop_assert!((a - b).abs() <= 1e-6 * b.abs().max(1.0), "{a} vs {b}"),
                    (a, b) => prop_assert_eq!(a, b),
                }
                let expect_dense = inside.iter().map(|&j| dense_values[j]).sum::<f64>() / inside.len() as f64;
                prop_assert!((fast_dense[i] - expect_dense).abs() <= 1e-6 * expect_dense.abs().max(1.0));
            }
        }
    }
}

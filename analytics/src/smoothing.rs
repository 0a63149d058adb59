//! Trailing means over a fixed number of rows, incremental (O(1) per row).

/// Mean of `values[i + 1 - window ..= i]` for every `i` (fewer rows at the
/// start). `None` entries are left out of both sum and count, so a missing
/// day does not drag the mean to zero.
pub fn trailing_mean(values: &[Option<f64>], window: usize) -> Vec<Option<f64>> {
    let window = window.max(1);
    let mut out = Vec::with_capacity(values.len());
    let mut sum = 0.0;
    let mut count = 0usize;
    for (i, v) in values.iter().enumerate() {
        if let Some(x) = v {
            sum += x;
            count += 1;
        }
        if i >= window {
            if let Some(old) = values[i - window] {
                sum -= old;
                count -= 1;
            }
        }
        out.push(if count > 0 {
            Some(sum / count as f64)
        } else {
            None
        });
    }
    out
}

/// The same for a dense series.
pub fn trailing_mean_dense(values: &[f64], window: usize) -> Vec<f64> {
    let window = window.max(1);
    let mut out = Vec::with_capacity(values.len());
    let mut sum = 0.0;
    for (i, x) in values.iter().enumerate() {
        sum += x;
        if i >= window {
            sum -= values[i - window];
        }
        out.push(sum / (i + 1).min(window) as f64);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dense_mean_uses_fewer_rows_at_start() {
        let m = trailing_mean_dense(&[1.0, 2.0, 3.0, 4.0], 2);
        assert_eq!(m, vec![1.0, 1.5, 2.5, 3.5]);
    }

    #[test]
    fn sparse_mean_skips_missing() {
        let m = trailing_mean(&[Some(2.0), None, Some(4.0), None, None], 2);
        assert_eq!(m, vec![Some(2.0), Some(2.0), Some(4.0), Some(4.0), None]);
    }
}

//! Writing a number as Table 1 of the Annex says: `{DECIMAL-n/m}`, up to n
//! digits of which up to m after a '.', '-' for negatives, rounded (half
//! away from zero), never truncated.

use crate::error::{AnalyticsError, Result};

/// `value` in `{DECIMAL-digits/fraction}`: as many fraction digits as fit
/// (at most `fraction`), trailing zeros dropped. An error when the integer
/// part alone needs more than `digits` digits, or the value is not finite.
pub fn format_decimal(value: f64, digits: u8, fraction: u8) -> Result<String> {
    if !value.is_finite() {
        return Err(invalid(value, "not a finite number"));
    }
    let integer_digits = {
        let whole = value.abs().trunc();
        if whole < 1.0 {
            1
        } else {
            // Counted on the printed integer: log10 is off by one at powers of ten.
            format!("{whole:.0}").len()
        }
    };
    if integer_digits > usize::from(digits) {
        return Err(invalid(value, "more integer digits than the format allows"));
    }
    let places = usize::from(fraction).min(usize::from(digits) - integer_digits);
    // Rust's {:.N} rounds half to even on the binary value; round half away
    // from zero on the decimal digits instead, as "rounded" is read here.
    let scale = 10f64.powi(places as i32);
    let rounded = (value.abs() * scale).round() / scale;
    let mut s = format!("{rounded:.places$}");
    // Rounding up can add an integer digit (9.999 → 10.00).
    if s.split('.').next().map_or(0, str::len) > usize::from(digits) {
        return Err(invalid(value, "more integer digits than the format allows"));
    }
    if s.contains('.') {
        while s.ends_with('0') {
            s.pop();
        }
        if s.ends_with('.') {
            s.pop();
        }
    }
    if value < 0.0 && s.chars().any(|c| c != '0' && c != '.') {
        s.insert(0, '-');
    }
    Ok(s)
}

/// `value` to `significant` significant digits, then in
/// `{DECIMAL-digits/fraction}`: the Annex allows up to `fraction` digits
/// after the point, and an estimate does not deserve more than a few
/// significant ones (float noise in the fifth decimal of a kWh total would
/// read as precision we do not have).
pub fn format_significant(value: f64, digits: u8, fraction: u8, significant: u8) -> Result<String> {
    if !value.is_finite() {
        return Err(invalid(value, "not a finite number"));
    }
    if value == 0.0 || significant == 0 {
        return format_decimal(value, digits, fraction);
    }
    let magnitude = value.abs().log10().floor() as i32;
    let places = i32::from(significant) - 1 - magnitude;
    if places >= 0 {
        let places = u8::try_from(places).unwrap_or(u8::MAX).min(fraction);
        format_decimal(value, digits, places)
    } else {
        let unit = 10f64.powi(-places);
        format_decimal((value / unit).round() * unit, digits, 0)
    }
}

fn invalid(value: f64, why: &'static str) -> AnalyticsError {
    AnalyticsError::InvalidInput {
        name: "MiCA decimal",
        value,
        why,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rounds_not_truncates_and_fits_the_digits() {
        assert_eq!(format_decimal(1.234566, 18, 5).unwrap(), "1.23457");
        assert_eq!(format_decimal(2.5, 1, 0).unwrap(), "3");
        assert_eq!(format_decimal(-2.5, 1, 0).unwrap(), "-3");
        assert_eq!(format_decimal(1234.0, 18, 5).unwrap(), "1234");
        assert_eq!(format_decimal(0.000001, 18, 5).unwrap(), "0");
        assert_eq!(format_decimal(-0.000001, 18, 5).unwrap(), "0");
        // 11 digits: 45.xxx keeps 9 fraction digits, not 10.
        assert_eq!(
            format_decimal(45.123456789012, 11, 10).unwrap(),
            "45.123456789"
        );
        assert_eq!(format_decimal(100.0, 11, 10).unwrap(), "100");
        assert!(format_decimal(1e18, 18, 5).is_err());
        assert!(format_decimal(f64::NAN, 18, 5).is_err());
        assert!(format_decimal(99.9999999, 2, 5).is_err());
    }

    #[test]
    fn significant_digits_hide_float_noise() {
        assert_eq!(
            format_significant(365_249_999_999.999_94, 18, 5, 6).unwrap(),
            "365250000000"
        );
        assert_eq!(
            format_significant(50_687_556_806.582, 18, 5, 6).unwrap(),
            "50687600000"
        );
        assert_eq!(format_significant(423.35155, 18, 5, 6).unwrap(), "423.352");
        assert_eq!(
            format_significant(0.000_123_456_78, 18, 5, 6).unwrap(),
            "0.00012"
        );
        assert_eq!(
            format_significant(27.501010101, 11, 10, 6).unwrap(),
            "27.501"
        );
        assert_eq!(format_significant(0.0, 18, 5, 6).unwrap(), "0");
    }

    proptest! {
        /// Whatever fits is written with at most n digits, at most m after
        /// the point, and reads back within half a unit of the last place.
        #[test]
        fn output_fits_and_reads_back(v in -1e12f64..1e12, m in 0u8..8) {
            let s = format_decimal(v, 18, m).unwrap();
            let digits = s.chars().filter(char::is_ascii_digit).count();
            prop_assert!(digits <= 18, "{s}");
            let frac = s.split('.').nth(1).map_or(0, str::len);
            prop_assert!(frac <= usize::from(m), "{s}");
            let back: f64 = s.parse().unwrap();
            prop_assert!((back - v).abs() <= 0.5 * 10f64.powi(-i32::from(m)) + v.abs() * 1e-12, "{v} -> {s}");
        }
    }
}

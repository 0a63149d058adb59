//! The Retry-After header (RFC 9110 §10.2.3): delta-seconds or an
//! HTTP-date. `httpdate` reads all three date forms the RFC requires a
//! recipient to accept (IMF-fixdate, the obsolete RFC 850 and asctime).

use std::time::{Duration, SystemTime};

use tracing::warn;

/// How long a server asks us to wait, relative to `now`, capped at `max`.
///
/// A date in the past means "retry now" (zero). A value beyond `max` (a
/// server asking for an hour, or a clock far off) is capped and logged, so
/// a misbehaving server cannot park a follower. `None` when the header is
/// neither form: the caller falls back to its own backoff.
pub fn retry_after_delay(value: &str, now: SystemTime, max: Duration) -> Option<Duration> {
    let value = value.trim();
    let wanted = if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // All digits but too long for u64 is still "very long".
        Duration::from_secs(value.parse::<u64>().unwrap_or(u64::MAX))
    } else {
        let at = httpdate::parse_http_date(value).ok()?;
        at.duration_since(now).unwrap_or(Duration::ZERO)
    };
    if wanted > max {
        warn!(
            retry_after = value,
            cap_ms = max.as_millis() as u64,
            "Retry-After beyond the maximum backoff; waiting the maximum instead"
        );
        return Some(max);
    }
    Some(wanted)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAX: Duration = Duration::from_secs(60);

    /// 1994-11-06 08:49:37 UTC, the example instant of RFC 9110 §5.6.7.
    fn rfc_instant() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777)
    }

    #[test]
    fn delta_seconds() {
        let now = SystemTime::now();
        assert_eq!(
            retry_after_delay("7", now, MAX),
            Some(Duration::from_secs(7))
        );
        assert_eq!(retry_after_delay(" 0 ", now, MAX), Some(Duration::ZERO));
        assert_eq!(retry_after_delay("3600", now, MAX), Some(MAX));
        assert_eq!(
            retry_after_delay("99999999999999999999999", now, MAX),
            Some(MAX)
        );
    }

    #[test]
    fn each_http_date_form_is_relative_to_now() {
        let now = rfc_instant() - Duration::from_secs(5);
        for form in [
            "Sun, 06 Nov 1994 08:49:37 GMT",  // IMF-fixdate
            "Sunday, 06-Nov-94 08:49:37 GMT", // obsolete RFC 850
            "Sun Nov  6 08:49:37 1994",       // ANSI C asctime()
        ] {
            assert_eq!(
                retry_after_delay(form, now, MAX),
                Some(Duration::from_secs(5)),
                "{form}"
            );
        }
    }

    #[test]
    fn past_date_means_now_and_far_future_is_capped() {
        let later = rfc_instant() + Duration::from_secs(86_400);
        assert_eq!(
            retry_after_delay("Sun, 06 Nov 1994 08:49:37 GMT", later, MAX),
            Some(Duration::ZERO)
        );
        let earlier = rfc_instant() - Duration::from_secs(86_400);
        assert_eq!(
            retry_after_delay("Sun, 06 Nov 1994 08:49:37 GMT", earlier, MAX),
            Some(MAX)
        );
    }

    #[test]
    fn garbage_falls_back_to_backoff() {
        let now = SystemTime::now();
        for bad in ["", "soon", "-5", "1.5", "Sun, 32 Nov 1994 08:49:37 GMT"] {
            assert_eq!(retry_after_delay(bad, now, MAX), None, "{bad:?}");
        }
    }
}

//! The retry policy: which failures are retried, and how long to wait before each retry.
//!
//! - Reads (GET) are retried on connection failures, timeouts, 408, 429 and 5xx.
//! - Actions (POST) are not known to be idempotent and the API takes no idempotency key, so they
//!   are retried only when the request provably never reached the server (the connection could
//!   not be made) or the server said 429 (it refused the request without acting on it); never
//!   after a timeout, a dropped connection or a 5xx, where the action may have happened.
//! - The server's `x-should-retry` header comes first, as in the official SDKs: `false` forbids
//!   a retry, and `true` allows one, even of an action (the server knows it did not act).
//! - The delay before retry `n` (0-based) is `min(0.5 s · 2ⁿ, 8 s)` scaled by a random factor in
//!   `(0.75, 1]`, as the official SDKs do, unless the server sent `retry-after-ms` or
//!   `Retry-After` of at most [`MAX_RETRY_AFTER`], which is then waited exactly.

use std::time::{Duration, SystemTime};

use backon::ExponentialBuilder;
use reqwest::header::HeaderMap;

use crate::Error;

/// The delay before the first retry, before jitter.
pub(crate) const INITIAL_RETRY_DELAY: Duration = Duration::from_millis(500);
/// The longest delay between two retries, before jitter.
pub(crate) const MAX_RETRY_DELAY: Duration = Duration::from_secs(8);
/// The longest `Retry-After` honoured; a longer one falls back to the computed delay, and the
/// caller sees the server's value in [`Error::retry_after`] if the retries run out.
pub(crate) const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// Whether repeating a request can repeat its effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Safety {
    /// A read (GET): safe to repeat.
    Read,
    /// An action (POST): repeating it may repeat its effect.
    Action,
}

/// Whether the client retries `error` for a request of this kind.
pub(crate) fn should_retry(error: &Error, safety: Safety) -> bool {
    if let Some(server_says) = error.server_says_retry() {
        return server_says;
    }
    match safety {
        Safety::Read => error.is_retryable(),
        Safety::Action => matches!(error, Error::Connect { .. }) || error.status() == Some(429),
    }
}

/// The exponential schedule, without jitter (added in [`delay_before_retry`]).
pub(crate) fn schedule(max_retries: u32) -> ExponentialBuilder {
    ExponentialBuilder::default()
        .with_min_delay(INITIAL_RETRY_DELAY)
        .with_max_delay(MAX_RETRY_DELAY)
        .with_factor(2.0)
        .with_max_times(max_retries as usize)
}

/// The server's `Retry-After` when it is short enough to honour, or else the scheduled delay
/// with jitter.
pub(crate) fn delay_before_retry(error: &Error, scheduled: Duration) -> Duration {
    match error.retry_after() {
        Some(asked) if asked <= MAX_RETRY_AFTER => asked,
        _ => scheduled.mul_f64(1.0 - 0.25 * fastrand::f64()),
    }
}

/// What the server's `x-should-retry` header says: `true` or `false` (any case), or `None`
/// when it is absent or says anything else.
pub(crate) fn parse_should_retry(headers: &HeaderMap) -> Option<bool> {
    let value = headers.get("x-should-retry")?.to_str().ok()?.trim();
    if value.eq_ignore_ascii_case("true") {
        Some(true)
    } else if value.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// How long the server asked the client to wait: `retry-after-ms` (milliseconds, may be
/// fractional) first, then `Retry-After` (seconds, may be fractional, or an HTTP-date).
pub(crate) fn parse_retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    if let Some(ms) = header("retry-after-ms").and_then(|v| v.parse::<f64>().ok()) {
        return Duration::try_from_secs_f64(ms / 1000.0).ok();
    }
    let value = header("retry-after")?;
    if let Ok(seconds) = value.parse::<f64>() {
        return Duration::try_from_secs_f64(seconds).ok();
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).expect("valid header"));
        }
        map
    }

    #[test]
    fn retry_after_in_its_three_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let parse = |pairs: &[(&'static str, &str)]| parse_retry_after(&headers(pairs), now);
        assert_eq!(parse(&[("retry-after", "3")]), Some(Duration::from_secs(3)));
        assert_eq!(
            parse(&[("retry-after", "1.5")]),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            parse(&[("retry-after-ms", "250"), ("retry-after", "9")]),
            Some(Duration::from_millis(250))
        );
        let date = httpdate::fmt_http_date(now + Duration::from_secs(7));
        assert_eq!(
            parse(&[("retry-after", &date)]),
            Some(Duration::from_secs(7))
        );
        let past = httpdate::fmt_http_date(now - Duration::from_secs(7));
        assert_eq!(parse(&[("retry-after", &past)]), Some(Duration::ZERO));
        assert_eq!(parse(&[("retry-after", "-1")]), None);
        assert_eq!(parse(&[("retry-after", "soon")]), None);
        assert_eq!(parse(&[]), None);
    }

    #[test]
    fn the_schedule_doubles_from_half_a_second_to_eight() {
        let delays: Vec<Duration> = backon::BackoffBuilder::build(schedule(6)).collect();
        let secs: Vec<f64> = delays.iter().map(Duration::as_secs_f64).collect();
        assert_eq!(secs, [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]);
        assert_eq!(backon::BackoffBuilder::build(schedule(0)).count(), 0);
    }

    #[test]
    fn jitter_only_shortens_by_up_to_a_quarter() {
        let error = Error::Timeout {
            method: "GET",
            path: "/".into(),
            timeout: Duration::ZERO,
            source: crate::error::message_source("timed out"),
        };
        for _ in 0..200 {
            let d = delay_before_retry(&error, Duration::from_secs(1));
            assert!(
                d > Duration::from_millis(750) && d <= Duration::from_secs(1),
                "{d:?}"
            );
        }
    }

    #[test]
    fn actions_are_retried_only_when_they_cannot_have_happened() {
        let connect = Error::Connect {
            method: "POST",
            path: "/".into(),
            base_url: "x".into(),
            timed_out: false,
            source: crate::error::message_source("refused"),
        };
        let timeout = Error::Timeout {
            method: "POST",
            path: "/".into(),
            timeout: Duration::ZERO,
            source: crate::error::message_source("timed out"),
        };
        let transport = Error::Transport {
            method: "POST",
            path: "/".into(),
            source: crate::error::message_source("reset"),
        };
        assert!(should_retry(&connect, Safety::Action));
        assert!(!should_retry(&timeout, Safety::Action));
        assert!(!should_retry(&transport, Safety::Action));
        assert!(should_retry(&timeout, Safety::Read));
        assert!(should_retry(&transport, Safety::Read));
    }
}

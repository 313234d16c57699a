//! When to retry and how long to wait.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use http::header::RETRY_AFTER;
use http::{Method, StatusCode};

use crate::error::Result;
use crate::request::Request;
use crate::response::RawResponse;

/// The header that makes a POST or PATCH safe to retry: the server uses it to recognise a
/// repeated request.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";

type Predicate = Arc<dyn Fn(&Request, &Result<RawResponse>) -> bool + Send + Sync>;

/// What [`RetryInterceptor`](super::RetryInterceptor) retries, how often, and how long it
/// waits in between.
///
/// Defaults: 3 attempts in all; exponential backoff from 200 ms, doubling, capped at 20 s,
/// with full jitter (each wait is uniform between zero and the backoff); a `Retry-After` of up
/// to 60 s is honoured on 429 and 503; connection failures, connect and receive timeouts, and
/// the statuses 408, 429, 500, 502, 503 and 504 are retried.
///
/// Only idempotent requests are retried: GET, HEAD, OPTIONS, PUT, DELETE (and TRACE); POST and
/// PATCH only when they carry an `Idempotency-Key` header (the same key goes out on every
/// attempt) or their endpoint is marked `#[idempotent]`.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use ferrofit::retry::RetryPolicy;
///
/// let policy = RetryPolicy::new()
///     .max_attempts(5)
///     .backoff(Duration::from_millis(100), 2.0, Duration::from_secs(5))
///     .max_retry_after(Duration::from_secs(30));
/// # let _ = policy;
/// ```
#[derive(Clone)]
pub struct RetryPolicy {
    pub(crate) max_attempts: u32,
    base: Duration,
    factor: f64,
    max_delay: Duration,
    pub(crate) max_retry_after: Duration,
    jitter: bool,
    predicate: Option<Predicate>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            base: Duration::from_millis(200),
            factor: 2.0,
            max_delay: Duration::from_secs(20),
            max_retry_after: Duration::from_secs(60),
            jitter: true,
            predicate: None,
        }
    }
}

impl RetryPolicy {
    /// The default policy.
    pub fn new() -> Self {
        Self::default()
    }

    /// Attempts in all, the first included (at least 1). An endpoint's `#[retry(max = N)]`
    /// overrides it.
    #[must_use]
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Backoff before retry *n*: `base × factor^(n-1)`, at most `max`.
    #[must_use]
    pub fn backoff(mut self, base: Duration, factor: f64, max: Duration) -> Self {
        self.base = base;
        self.factor = factor.max(1.0);
        self.max_delay = max;
        self
    }

    /// The longest `Retry-After` that is waited for. A server asking for a longer wait gets
    /// its answer now, as the call's error, rather than an early retry it said not to send.
    #[must_use]
    pub fn max_retry_after(mut self, max: Duration) -> Self {
        self.max_retry_after = max;
        self
    }

    /// Waits the full backoff instead of a random part of it (full jitter is the default, so
    /// that clients failing together do not retry together).
    #[must_use]
    pub fn without_jitter(mut self) -> Self {
        self.jitter = false;
        self
    }

    /// Decides what is worth retrying, instead of the default list. Idempotency, the budget,
    /// cancellation and the attempt limit still apply.
    #[must_use]
    pub fn retry_if(
        mut self,
        predicate: impl Fn(&Request, &Result<RawResponse>) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.predicate = Some(Arc::new(predicate));
        self
    }

    /// Whether the outcome of an attempt is worth another.
    pub(crate) fn should_retry(&self, request: &Request, outcome: &Result<RawResponse>) -> bool {
        if let Some(predicate) = &self.predicate {
            return predicate(request, outcome);
        }
        match outcome {
            Ok(response) => crate::error::is_retryable_status(response.status()),
            Err(error) => error.is_retryable(),
        }
    }

    /// Whether sending the request twice is safe.
    pub(crate) fn is_idempotent(request: &Request) -> bool {
        let safe_method = matches!(
            *request.method(),
            Method::GET
                | Method::HEAD
                | Method::OPTIONS
                | Method::PUT
                | Method::DELETE
                | Method::TRACE
        );
        safe_method
            || request.headers().contains_key(IDEMPOTENCY_KEY)
            || request.endpoint().is_some_and(|e| e.is_idempotent())
    }

    /// The backoff before retry number `retry` (1 for the first retry).
    pub(crate) fn backoff_delay(&self, retry: u32) -> Duration {
        let exponent = i32::try_from(retry.saturating_sub(1)).unwrap_or(i32::MAX);
        // `Duration::mul_f64` panics on overflow; a huge base or factor saturates instead.
        let ceiling =
            Duration::try_from_secs_f64(self.base.as_secs_f64() * self.factor.powi(exponent))
                .unwrap_or(Duration::MAX)
                .min(self.max_delay);
        if self.jitter {
            ceiling.mul_f64(fastrand::f64())
        } else {
            ceiling
        }
    }
}

/// The wait a 429 or 503 asks for in `Retry-After`, as delta-seconds or an HTTP date.
pub(crate) fn retry_after(response: &RawResponse) -> Option<Duration> {
    if !matches!(
        response.status(),
        StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE
    ) {
        return None;
    }
    let value = response.headers().get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(SystemTime::now()).unwrap_or_default())
}

impl fmt::Debug for RetryPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryPolicy")
            .field("max_attempts", &self.max_attempts)
            .field("base", &self.base)
            .field("factor", &self.factor)
            .field("max_delay", &self.max_delay)
            .field("max_retry_after", &self.max_retry_after)
            .field("jitter", &self.jitter)
            .field("custom_predicate", &self.predicate.is_some())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_retry_after(status: u16, value: &str) -> RawResponse {
        let mut response = RawResponse::new(StatusCode::from_u16(status).unwrap(), "");
        response
            .headers_mut()
            .insert(RETRY_AFTER, value.parse().unwrap());
        response
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let policy = RetryPolicy::new()
            .backoff(Duration::from_millis(100), 2.0, Duration::from_millis(500))
            .without_jitter();
        let delays: Vec<u128> = (1..=5)
            .map(|n| policy.backoff_delay(n).as_millis())
            .collect();
        assert_eq!(delays, [100, 200, 400, 500, 500]);
    }

    #[test]
    fn full_jitter_spreads_waits_over_the_whole_backoff() {
        let policy = RetryPolicy::new();
        let delays: Vec<Duration> = (0..1000).map(|_| policy.backoff_delay(2)).collect();
        let ceiling = Duration::from_millis(400);
        assert!(delays.iter().all(|d| *d <= ceiling));
        // Uniform over [0, 400 ms): 1000 draws all above 100 ms (or all below 300 ms) have a
        // chance of 0.75^1000.
        let (min, max) = (delays.iter().min().unwrap(), delays.iter().max().unwrap());
        assert!(*min < Duration::from_millis(100), "{min:?}");
        assert!(*max > Duration::from_millis(300), "{max:?}");
        let unjittered = RetryPolicy::new().without_jitter();
        assert!((0..10).all(|_| unjittered.backoff_delay(2) == ceiling));
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        assert_eq!(
            retry_after(&with_retry_after(429, "7")),
            Some(Duration::from_secs(7))
        );
        let in_a_minute = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(60));
        let wait = retry_after(&with_retry_after(503, &in_a_minute)).unwrap();
        assert!(
            wait > Duration::from_secs(55) && wait <= Duration::from_secs(60),
            "{wait:?}"
        );
        let past = httpdate::fmt_http_date(SystemTime::now() - Duration::from_secs(60));
        assert_eq!(
            retry_after(&with_retry_after(503, &past)),
            Some(Duration::ZERO)
        );
        assert_eq!(
            retry_after(&with_retry_after(500, "7")),
            None,
            "only 429 and 503"
        );
        assert_eq!(retry_after(&with_retry_after(429, "soon")), None);
    }
}

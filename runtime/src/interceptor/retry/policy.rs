//! When to retry and how long to wait.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use http::header::{HeaderName, HeaderValue};
use http::{Method, StatusCode};

use crate::error::Result;
use crate::interceptor::rate_limit::signals;
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
/// with full jitter (each wait is uniform between zero and the backoff); connection failures,
/// connect and receive timeouts, the statuses 408, 429, 500, 502, 503 and 504, and a 403 that
/// says it is a rate limit (GitHub's secondary limit: a `Retry-After`, or rate-limit fields
/// with nothing remaining) are retried.
///
/// The wait before a retry is what the server asked for when it did — `Retry-After` on any
/// status retried, else the reset of a used-up quota in the IETF `RateLimit` fields or
/// `X-RateLimit-Remaining: 0` / `X-RateLimit-Reset` — up to 60 s; a server asking for longer
/// gets its answer returned now. Otherwise it is the backoff.
///
/// Only idempotent requests are retried: GET, HEAD, OPTIONS, PUT, DELETE (and TRACE); POST and
/// PATCH only when they carry an `Idempotency-Key` header (the same key goes out on every
/// attempt), their endpoint is marked `#[idempotent]`, or the policy
/// [adds keys](Self::idempotency_keys).
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
    /// Response headers whose `true`/`false` overrides the decision.
    hints: Vec<HeaderName>,
    pub(crate) idempotency_keys: bool,
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
            hints: Vec::new(),
            idempotency_keys: false,
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

    /// Follows a provider's explicit retry hint: when a response carries header `name` with
    /// `true` the attempt is retried (a Stripe 409 with `Stripe-Should-Retry: true`), with
    /// `false` it is not (a 503 with `Stripe-Should-Retry: false`), whatever the status and
    /// [`retry_if`](Self::retry_if) say. Idempotency, the budget and the attempt limit still
    /// apply. Call it once per header: `Stripe-Should-Retry`, `X-Should-Retry` (OpenAI,
    /// Anthropic). Other values are ignored.
    ///
    /// # Examples
    ///
    /// ```
    /// let policy = ferrofit::retry::RetryPolicy::new()
    ///     .retry_hint("Stripe-Should-Retry")
    ///     .retry_hint("X-Should-Retry");
    /// # let _ = policy;
    /// ```
    ///
    /// # Panics
    ///
    /// If `name` is not a valid header name (it is a constant of the provider's API).
    #[must_use]
    pub fn retry_hint(mut self, name: &str) -> Self {
        let name = HeaderName::try_from(name)
            .unwrap_or_else(|_| panic!("`{name}` is not a valid header name"));
        self.hints.push(name);
        self
    }

    /// Adds a random `Idempotency-Key` to each POST and PATCH that has none, the same key on
    /// every attempt of one call, so that they are retried like idempotent requests (Stripe
    /// and others recognise a repeated request by it). Off by default: an API that does not
    /// know the header would run a repeated POST twice.
    ///
    /// # Examples
    ///
    /// ```
    /// let policy = ferrofit::retry::RetryPolicy::new().idempotency_keys();
    /// # let _ = policy;
    /// ```
    #[must_use]
    pub fn idempotency_keys(mut self) -> Self {
        self.idempotency_keys = true;
        self
    }

    /// Whether the outcome of an attempt is worth another.
    pub(crate) fn should_retry(&self, request: &Request, outcome: &Result<RawResponse>) -> bool {
        if let Ok(response) = outcome
            && let Some(hint) = self.hint(response)
        {
            return hint;
        }
        if let Some(predicate) = &self.predicate {
            return predicate(request, outcome);
        }
        match outcome {
            Ok(response) => {
                crate::error::is_retryable_status(response.status())
                    || (response.status() == StatusCode::FORBIDDEN
                        && signals::wait(response.headers(), SystemTime::now()).is_some())
            }
            Err(error) => error.is_retryable(),
        }
    }

    /// The first retry hint the response carries, as a decision.
    fn hint(&self, response: &RawResponse) -> Option<bool> {
        self.hints.iter().find_map(|name| {
            let value = response.headers().get(name)?.to_str().ok()?.trim();
            if value.eq_ignore_ascii_case("true") {
                Some(true)
            } else if value.eq_ignore_ascii_case("false") {
                Some(false)
            } else {
                None
            }
        })
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

/// Gives a POST or PATCH without an `Idempotency-Key` a random one (a UUID v4), which every
/// attempt of the call then carries. Bodies that cannot be sent twice are left alone: they are
/// not retried anyway.
pub(crate) fn add_idempotency_key(request: &mut Request) {
    let needs_key = matches!(*request.method(), Method::POST | Method::PATCH)
        && !request.headers().contains_key(IDEMPOTENCY_KEY)
        && request.body().is_replayable();
    if needs_key {
        let key = uuid_v4(fastrand::u128(..));
        request.headers_mut().insert(
            IDEMPOTENCY_KEY,
            HeaderValue::from_str(&key).expect("hex digits and dashes"),
        );
    }
}

/// `bits` as a version 4, variant 1 UUID in its hyphenated form.
fn uuid_v4(bits: u128) -> String {
    let bits = (bits & !(0xF << 76) | (0x4 << 76)) & !(0x3 << 62) | (0x2 << 62);
    let hex = format!("{bits:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// The wait the server asked for before the next attempt: `Retry-After` on any status, else
/// the reset of a used-up quota.
pub(crate) fn server_wait(response: &RawResponse) -> Option<Duration> {
    signals::wait(response.headers(), SystemTime::now())
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
            .field("hints", &self.hints)
            .field("idempotency_keys", &self.idempotency_keys)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(status: u16, headers: &[(&'static str, &str)]) -> RawResponse {
        let mut response = RawResponse::new(StatusCode::from_u16(status).unwrap(), "");
        for (name, value) in headers {
            response.headers_mut().insert(*name, value.parse().unwrap());
        }
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
    fn idempotency_keys_are_version_4_uuids() {
        assert_eq!(uuid_v4(0), "00000000-0000-4000-8000-000000000000");
        assert_eq!(uuid_v4(u128::MAX), "ffffffff-ffff-4fff-bfff-ffffffffffff");
        let mut post = Request::new(http::Method::POST, "https://api.test/".parse().unwrap());
        add_idempotency_key(&mut post);
        let key = post.headers()[IDEMPOTENCY_KEY].clone();
        add_idempotency_key(&mut post);
        assert_eq!(
            post.headers()[IDEMPOTENCY_KEY],
            key,
            "a key the call has is kept"
        );
        let mut get = Request::new(http::Method::GET, "https://api.test/".parse().unwrap());
        add_idempotency_key(&mut get);
        assert!(!get.headers().contains_key(IDEMPOTENCY_KEY));
    }

    #[test]
    fn retry_after_counts_on_any_status_and_hints_override_the_status() {
        assert_eq!(
            server_wait(&with(500, &[("retry-after", "7")])),
            Some(Duration::from_secs(7))
        );
        let request = Request::new(http::Method::GET, "https://api.test/".parse().unwrap());
        let policy = RetryPolicy::new().retry_hint("Stripe-Should-Retry");
        let decide = |status, headers: &[(&'static str, &str)]| {
            policy.should_retry(&request, &Ok(with(status, headers)))
        };
        assert!(decide(409, &[("stripe-should-retry", "true")]));
        assert!(!decide(503, &[("stripe-should-retry", "false")]));
        assert!(
            decide(503, &[("stripe-should-retry", "maybe")]),
            "other values are ignored"
        );
        assert!(
            !decide(409, &[("x-should-retry", "true")]),
            "a header it was not told"
        );
        assert!(
            decide(403, &[("retry-after", "2")]),
            "GitHub's secondary limit"
        );
        assert!(decide(
            403,
            &[("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", "5")]
        ));
        assert!(
            !decide(403, &[("x-ratelimit-remaining", "12")]),
            "a plain 403"
        );
    }
}

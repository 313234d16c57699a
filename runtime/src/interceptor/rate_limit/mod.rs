//! Pacing calls per host, before the server refuses them.
//!
//! A [`RateLimitInterceptor`] keeps each origin (scheme, host and port) under two limits:
//!
//! - the client's own pace, set with [`per_host`](RateLimitInterceptor::per_host): a GCRA
//!   limiter (`governor`), so calls spread out evenly instead of bunching at a window's start;
//! - what the server said: after a 429, 503 or 403 with `Retry-After`, or a response whose
//!   rate-limit fields (`RateLimit`, `RateLimit-Remaining`/`-Reset`, GitHub's
//!   `X-RateLimit-Remaining`/`-Reset`) say nothing is left, no call goes to that origin until
//!   the reset.
//!
//! A call that would wait at most [`max_wait`](RateLimitInterceptor::max_wait) waits (on
//! tokio's clock); one that would wait longer, or past its total timeout, fails at once with
//! [`Error::RateLimited`], which says when to try again. Nothing is sent then.
//!
//! Put it after a [`RetryInterceptor`](crate::retry::RetryInterceptor), so that every attempt
//! is paced.

mod clock;
#[cfg(feature = "redis")]
mod redis_pace;
mod shared;
pub(crate) mod signals;

#[cfg(feature = "redis")]
pub use redis_pace::RedisRateLimit;
pub use shared::SharedPace;

use std::collections::HashMap;
use std::fmt;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use governor::middleware::NoOpMiddleware;
use governor::state::keyed::HashMapStateStore;
use governor::{Quota, RateLimiter};
use http::StatusCode;
use tokio::time::Instant;

use self::clock::{TokioClock, TokioInstant};
use crate::BoxFuture;
use crate::error::{Error, Result};
use crate::interceptor::{Interceptor, Next};
use crate::request::Request;
use crate::response::RawResponse;

/// The longest wait a server's headers can impose: a hostile or broken server cannot block
/// an origin for longer.
const MAX_SERVER_WAIT: Duration = Duration::from_secs(24 * 60 * 60);

/// Origins tracked at most: past it, the ones no longer limited are forgotten, then the one
/// whose block ends first.
const PRUNE_AT: usize = 1024;

type Limiter =
    RateLimiter<String, HashMapStateStore<String>, TokioClock, NoOpMiddleware<TokioInstant>>;

/// Paces calls per origin and respects the limits servers announce; see the
/// [module docs](self).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use ferrofit::rate_limit::RateLimitInterceptor;
/// use ferrofit::retry::{RetryInterceptor, RetryPolicy};
///
/// let client = ferrofit::Client::builder()
///     .base_url("https://api.github.com")
///     .interceptor(RetryInterceptor::new(RetryPolicy::new()))
///     // At most 10 calls a second, and never more than 5 s of waiting for a slot.
///     .interceptor(
///         RateLimitInterceptor::new()
///             .per_host(10, Duration::from_secs(1))
///             .max_wait(Duration::from_secs(5)),
///     )
///     .build()?;
/// # let _ = client;
/// # Ok::<(), ferrofit::Error>(())
/// ```
#[derive(Clone)]
pub struct RateLimitInterceptor {
    pace: Option<Arc<Limiter>>,
    /// The fleet's pace, shared with other processes.
    shared: Option<Arc<dyn SharedPace>>,
    max_wait: Duration,
    /// Until when each origin said to send nothing.
    blocked: Arc<Mutex<HashMap<String, Instant>>>,
}

impl Default for RateLimitInterceptor {
    fn default() -> Self {
        Self::new()
    }
}

impl RateLimitInterceptor {
    /// An interceptor that follows what servers say, with no pace of its own, waiting at most
    /// 10 s.
    pub fn new() -> Self {
        Self {
            pace: None,
            shared: None,
            max_wait: Duration::from_secs(10),
            blocked: Arc::default(),
        }
    }

    /// Sends at most `requests` calls per `period` to each origin, evenly spaced, with bursts
    /// of up to `requests` after a quiet period. `requests` of 0 is taken as 1; a zero
    /// `period` turns pacing off.
    #[must_use]
    pub fn per_host(mut self, requests: u32, period: Duration) -> Self {
        let requests = NonZeroU32::new(requests).unwrap_or(NonZeroU32::MIN);
        self.pace = Quota::with_period(period / requests.get()).map(|quota| {
            Arc::new(Limiter::hashmap_with_clock(
                quota.allow_burst(requests),
                TokioClock,
            ))
        });
        self
    }

    /// Also takes a slot of `pace`, shared with other processes (a [`RedisRateLimit`] with the
    /// `redis` feature), before every call: the fleet together stays under the limit. When
    /// the shared pace cannot be reached, this process goes on under its own
    /// [`per_host`](Self::per_host) pace alone, with a warning.
    #[must_use]
    pub fn shared(mut self, pace: impl SharedPace) -> Self {
        self.shared = Some(Arc::new(pace));
        self
    }

    /// The longest a call waits for its turn; past it the call fails with
    /// [`Error::RateLimited`]. Default: 10 s.
    #[must_use]
    pub fn max_wait(mut self, wait: Duration) -> Self {
        self.max_wait = wait;
        self
    }

    async fn handle(&self, request: Request, next: Next<'_>) -> Result<RawResponse> {
        let origin = request.url().origin().ascii_serialization();
        loop {
            let wait = self
                .server_wait(&origin)
                .or_else(|| self.pace_wait(&origin));
            let wait = match wait {
                Some(wait) => Some(wait),
                None => self.shared_wait(&origin).await,
            };
            let Some(wait) = wait else { break };
            self.check_wait(&request, wait)?;
            tokio::time::sleep(wait).await;
        }
        let response = next.run(request).await?;
        self.learn(&origin, &response);
        Ok(response)
    }

    /// What is left of the wait the origin's server asked for.
    fn server_wait(&self, origin: &str) -> Option<Duration> {
        let blocked = self.blocked.lock().unwrap_or_else(PoisonError::into_inner);
        let until = *blocked.get(origin)?;
        let now = Instant::now();
        (until > now).then(|| until - now)
    }

    /// How long until the client's own pace lets a call go; `None` takes the slot.
    fn pace_wait(&self, origin: &str) -> Option<Duration> {
        let pace = self.pace.as_ref()?;
        if pace.len() > PRUNE_AT {
            pace.retain_recent();
        }
        let not_until = pace.check_key(&origin.to_owned()).err()?;
        Some(not_until.wait_time_from(TokioInstant(Instant::now())))
    }

    /// How long until the fleet's shared pace lets a call go; `None` took the slot, or the
    /// shared pace could not be reached (this process then goes on alone).
    async fn shared_wait(&self, origin: &str) -> Option<Duration> {
        let shared = self.shared.as_ref()?;
        match shared.take(origin).await {
            Ok(wait) => wait,
            Err(error) => {
                tracing::warn!(%error, "ferrofit: the shared rate limit cannot be reached; this process paces alone");
                None
            }
        }
    }

    /// Fails now if `wait` is longer than allowed or would pass the call's deadline.
    fn check_wait(&self, request: &Request, wait: Duration) -> Result<()> {
        let past_deadline = request.deadline().is_some_and(|deadline| {
            Instant::now()
                .checked_add(wait)
                .is_none_or(|resume| resume >= deadline)
        });
        if wait <= self.max_wait && !past_deadline {
            return Ok(());
        }
        let now = SystemTime::now();
        Err(Error::RateLimited {
            retry_after: wait,
            reset_at: now.checked_add(wait).unwrap_or(now),
        })
    }

    /// Blocks the origin until the reset a response announces.
    fn learn(&self, origin: &str, response: &RawResponse) {
        let headers = response.headers();
        let now = SystemTime::now();
        let refused = matches!(
            response.status(),
            StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE | StatusCode::FORBIDDEN
        );
        let asked = refused
            .then(|| signals::retry_after(headers, now))
            .flatten()
            .or_else(|| {
                signals::quota(headers, now)
                    .filter(|q| q.remaining == 0)
                    .map(|q| q.reset)
            });
        let Some(wait) = asked.filter(|wait| !wait.is_zero()) else {
            return;
        };
        let until = Instant::now() + wait.min(MAX_SERVER_WAIT);
        let mut blocked = self.blocked.lock().unwrap_or_else(PoisonError::into_inner);
        if blocked.len() >= PRUNE_AT && !blocked.contains_key(origin) {
            let now = Instant::now();
            blocked.retain(|_, until| *until > now);
            // Still full (servers on many origins all said to wait): the block that ends
            // first goes, so the map stays bounded whatever servers say.
            if blocked.len() >= PRUNE_AT
                && let Some(soonest) = blocked
                    .iter()
                    .min_by_key(|(_, until)| **until)
                    .map(|(origin, _)| origin.clone())
            {
                blocked.remove(&soonest);
            }
        }
        let entry = blocked.entry(origin.to_owned()).or_insert(until);
        *entry = (*entry).max(until);
    }
}

impl Interceptor for RateLimitInterceptor {
    fn intercept<'a>(
        &'a self,
        request: Request,
        next: Next<'a>,
    ) -> BoxFuture<'a, Result<RawResponse>> {
        Box::pin(self.handle(request, next))
    }
}

impl fmt::Debug for RateLimitInterceptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimitInterceptor")
            .field("paced", &self.pace.is_some())
            .field("shared", &self.shared.is_some())
            .field("max_wait", &self.max_wait)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn servers_on_many_origins_cannot_grow_the_blocks_without_bound() {
        let limiter = RateLimitInterceptor::new();
        let mut refused = RawResponse::new(StatusCode::TOO_MANY_REQUESTS, "");
        refused
            .headers_mut()
            .insert(http::header::RETRY_AFTER, "3600".parse().unwrap());
        for i in 0..(PRUNE_AT + 100) {
            limiter.learn(&format!("https://h{i}.test"), &refused);
        }
        let blocked = limiter.blocked.lock().unwrap();
        assert_eq!(blocked.len(), PRUNE_AT);
        assert!(blocked.contains_key(&format!("https://h{}.test", PRUNE_AT + 99)));
    }
}

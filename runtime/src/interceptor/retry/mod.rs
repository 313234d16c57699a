//! Retries with exponential backoff, `Retry-After`, idempotency rules and a retry budget.
//!
//! Add a [`RetryInterceptor`] to a client. Per endpoint, `#[retry(max = N)]` sets the number
//! of attempts (the first included), `#[retry(never)]` turns retries off, and `#[idempotent]`
//! allows retrying a POST or PATCH.
//!
//! What it guarantees:
//! - only idempotent requests are sent twice (see [`RetryPolicy`]);
//! - a request whose body cannot be sent twice ([`Body::is_replayable`](crate::Body::is_replayable)
//!   false, as streamed uploads will be) passes through once, unretried;
//! - cancelling a call stops it at once, in a backoff wait too (the client drops the whole
//!   chain), so a cancelled call is never retried;
//! - if a wait would pass the call's total timeout, the call fails now with the last error;
//! - a [`RetryBudget`] shared by the client caps retries at `capacity + ratio × calls`;
//! - the final error (or response) says how many attempts were made
//!   ([`Error::attempts`](crate::Error::attempts));
//! - a wait the server asks for — `Retry-After` on any retried status, or a used-up
//!   `RateLimit` / `X-RateLimit-*` quota until its reset — replaces the backoff, up to
//!   [`RetryPolicy::max_retry_after`]; a provider's hint header
//!   ([`RetryPolicy::retry_hint`]) overrides the status but never the idempotency rules.
//!
//! Put it after an [`AuthInterceptor`](crate::auth::AuthInterceptor) so that a replay after a
//! token refresh is not counted as a retry, and before a
//! [`LogInterceptor`](crate::log::LogInterceptor) to log every attempt (or after it to log each
//! call once, with its attempt count).

mod budget;
mod policy;

pub use budget::RetryBudget;
pub use policy::{IDEMPOTENCY_KEY, RetryPolicy};

use std::fmt;
use std::sync::Arc;

use crate::BoxFuture;
use crate::error::Result;
use crate::interceptor::{Interceptor, Next};
use crate::request::Request;
use crate::response::RawResponse;

/// Retries failed attempts according to a [`RetryPolicy`] and a shared [`RetryBudget`].
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use ferrofit::retry::{RetryBudget, RetryInterceptor, RetryPolicy};
///
/// let client = ferrofit::Client::builder()
///     .base_url("https://api.example.com")
///     .interceptor(
///         RetryInterceptor::new(RetryPolicy::new().max_attempts(4))
///             .with_budget(Arc::new(RetryBudget::new(0.1, 20))),
///     )
///     .build()?;
/// # let _ = client;
/// # Ok::<(), ferrofit::Error>(())
/// ```
#[derive(Clone)]
pub struct RetryInterceptor {
    policy: RetryPolicy,
    budget: Arc<RetryBudget>,
}

impl RetryInterceptor {
    /// An interceptor with this policy and a default budget of its own.
    pub fn new(policy: RetryPolicy) -> Self {
        Self {
            policy,
            budget: Arc::new(RetryBudget::default()),
        }
    }

    /// Uses `budget`, which may be shared with other clients.
    #[must_use]
    pub fn with_budget(mut self, budget: Arc<RetryBudget>) -> Self {
        self.budget = budget;
        self
    }

    /// The budget in use.
    pub fn budget(&self) -> &Arc<RetryBudget> {
        &self.budget
    }

    async fn handle(&self, mut request: Request, next: Next<'_>) -> Result<RawResponse> {
        self.budget.deposit();
        if self.policy.idempotency_keys {
            policy::add_idempotency_key(&mut request);
        }
        let max_attempts = request
            .endpoint()
            .and_then(|e| e.max_attempts())
            .unwrap_or(self.policy.max_attempts);
        if max_attempts <= 1
            || !RetryPolicy::is_idempotent(&request)
            || !request.body().is_replayable()
        {
            return next.run(request).await;
        }
        let mut attempt = 1;
        loop {
            let outcome = next.run(request.clone()).await;
            let done = attempt >= max_attempts || !self.policy.should_retry(&request, &outcome);
            if done {
                return finish(outcome, attempt);
            }
            let delay = match &outcome {
                Ok(response) => match policy::server_wait(response) {
                    Some(wait) if wait > self.policy.max_retry_after => {
                        return finish(outcome, attempt);
                    }
                    Some(wait) => wait,
                    None => self.policy.backoff_delay(attempt),
                },
                Err(_) => self.policy.backoff_delay(attempt),
            };
            // A wait too long to add to now (a huge Retry-After) passes any deadline.
            let past_deadline = request.deadline().is_some_and(|deadline| {
                tokio::time::Instant::now()
                    .checked_add(delay)
                    .is_none_or(|resume| resume >= deadline)
            });
            if past_deadline || !self.budget.try_withdraw() {
                return finish(outcome, attempt);
            }
            tracing::debug!(
                attempt,
                delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                "ferrofit: retrying"
            );
            // No need to watch for cancellation here: the client races the whole chain against
            // the call's tokens and drops it, this sleep included, the moment one fires.
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }
}

impl Default for RetryInterceptor {
    fn default() -> Self {
        Self::new(RetryPolicy::default())
    }
}

impl Interceptor for RetryInterceptor {
    fn intercept<'a>(
        &'a self,
        request: Request,
        next: Next<'a>,
    ) -> BoxFuture<'a, Result<RawResponse>> {
        Box::pin(self.handle(request, next))
    }
}

/// The last outcome, marked with how many attempts led to it.
fn finish(outcome: Result<RawResponse>, attempts: u32) -> Result<RawResponse> {
    match outcome {
        Ok(mut response) => {
            response.set_attempts(attempts);
            Ok(response)
        }
        Err(error) => Err(error.with_attempts(attempts)),
    }
}

impl fmt::Debug for RetryInterceptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryInterceptor")
            .field("policy", &self.policy)
            .field("budget", &self.budget)
            .finish()
    }
}

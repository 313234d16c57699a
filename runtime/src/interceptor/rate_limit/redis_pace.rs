//! A GCRA limit in Redis, shared by every process of a namespace (feature `redis`).

use std::num::NonZeroU32;
use std::time::Duration;

use redis::Script;
use redis::aio::ConnectionManager;

use super::shared::SharedPace;
use crate::BoxFuture;
use crate::error::{BoxError, Error, Result};

/// GCRA in one script, on Redis's clock (so the processes' clocks need not agree): the key
/// holds the theoretical arrival time of the next call, in milliseconds. Returns 0 and moves
/// it on when a call may go now, or the milliseconds to wait.
const GCRA: &str = r"
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local emission = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
local wait = tat - tolerance - now
if wait > 0 then return wait end
local next_tat = tat + emission
redis.call('SET', KEYS[1], next_tat, 'PX', math.max(1, next_tat - now))
return 0
";

/// How long a slot may take to get before the interceptor paces alone.
const TIMEOUT: Duration = Duration::from_millis(250);

/// At most `requests` calls per `period` to each origin from all processes of a namespace
/// together, evenly spaced with bursts of up to `requests` (GCRA, as the in-process pace).
/// Give it to [`RateLimitInterceptor::shared`](super::RateLimitInterceptor::shared).
///
/// When Redis cannot be reached within 250 ms, the interceptor paces this process alone (its
/// own [`per_host`](super::RateLimitInterceptor::per_host), if set) and calls go on.
///
/// # Examples
///
/// ```no_run
/// # async fn run() -> ferrofit::Result<()> {
/// use std::time::Duration;
/// use ferrofit::rate_limit::{RateLimitInterceptor, RedisRateLimit};
///
/// // GitHub's 5,000 requests an hour, for every worker of the app together.
/// let fleet = RedisRateLimit::connect("redis://127.0.0.1:6379", "my-app", 5000, Duration::from_secs(3600)).await?;
/// let client = ferrofit::Client::builder()
///     .base_url("https://api.github.com")
///     .interceptor(RateLimitInterceptor::new().shared(fleet))
///     .build()?;
/// # let _ = client; Ok(()) }
/// ```
pub struct RedisRateLimit {
    connection: ConnectionManager,
    prefix: String,
    script: Script,
    /// Milliseconds between calls at the steady pace.
    emission: u64,
    /// Milliseconds a burst may run ahead of the pace.
    tolerance: u64,
    /// Skips Redis for a second after a command failed: each process paces alone meanwhile.
    breaker: crate::redis_connection::Breaker,
}

impl RedisRateLimit {
    /// Connects to Redis at `url` for a limit of `requests` per `period` under `namespace`.
    /// `requests` of 0 is taken as 1.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when the URL or namespace cannot be used or the period is under a
    /// millisecond a call, [`Error::Network`] when Redis does not answer within 2 s.
    pub async fn connect(
        url: &str,
        namespace: &str,
        requests: u32,
        period: Duration,
    ) -> Result<Self> {
        if namespace.is_empty() || namespace.contains(char::is_whitespace) {
            return Err(Error::config(format!(
                "`{namespace}` cannot be a Redis namespace"
            )));
        }
        let requests = NonZeroU32::new(requests).unwrap_or(NonZeroU32::MIN).get();
        let emission = u64::try_from(period.as_millis() / u128::from(requests)).unwrap_or(u64::MAX);
        if emission == 0 {
            return Err(Error::config(
                "a shared rate limit paces in milliseconds: give at least 1 ms per request",
            ));
        }
        let connection = crate::redis_connection::connect(url, namespace).await?;
        Ok(Self {
            connection,
            prefix: format!("{namespace}:ratelimit:"),
            script: Script::new(GCRA),
            emission,
            tolerance: emission.saturating_mul(u64::from(requests - 1)),
            breaker: crate::redis_connection::Breaker::default(),
        })
    }
}

impl RedisRateLimit {
    /// How many calls may go at once after a quiet spell (default: `requests`, as the
    /// in-process pace). A provider that counts any sliding `period` wants less: with a burst
    /// of `b`, at most `requests + b` calls pass in the first `period`. 0 is taken as 1.
    #[must_use]
    pub fn burst(mut self, calls: u32) -> Self {
        self.tolerance = self.emission.saturating_mul(u64::from(calls.max(1) - 1));
        self
    }
}

impl SharedPace for RedisRateLimit {
    fn take<'a>(&'a self, origin: &'a str) -> BoxFuture<'a, Result<Option<Duration>, BoxError>> {
        Box::pin(async move {
            let mut connection = self.connection.clone();
            let key = format!("{}{origin}", self.prefix);
            let mut invocation = self.script.key(key);
            invocation.arg(self.emission).arg(self.tolerance);
            let wait: u64 = self
                .breaker
                .run(TIMEOUT, invocation.invoke_async(&mut connection))
                .await?;
            Ok((wait > 0).then(|| Duration::from_millis(wait)))
        })
    }
}

impl std::fmt::Debug for RedisRateLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisRateLimit")
            .field("prefix", &self.prefix)
            .field("emission_ms", &self.emission)
            .field("tolerance_ms", &self.tolerance)
            .finish_non_exhaustive()
    }
}

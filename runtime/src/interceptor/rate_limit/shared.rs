//! A pace shared by several processes: the fleet's calls to one host together stay under the
//! provider's limit, not each process on its own.

use std::time::Duration;

use crate::BoxFuture;
use crate::error::BoxError;

/// A limit several processes take slots of, such as [`RedisRateLimit`](super::RedisRateLimit)
/// (feature `redis`). [`RateLimitInterceptor::shared`](super::RateLimitInterceptor::shared)
/// asks it before every call.
///
/// # Examples
///
/// A pace that never waits, for a test:
///
/// ```
/// use std::time::Duration;
/// use ferrofit::rate_limit::SharedPace;
/// use ferrofit::{BoxError, BoxFuture};
///
/// struct Unlimited;
///
/// impl SharedPace for Unlimited {
///     fn take<'a>(&'a self, _origin: &'a str) -> BoxFuture<'a, Result<Option<Duration>, BoxError>> {
///         Box::pin(async { Ok(None) })
///     }
/// }
/// ```
pub trait SharedPace: Send + Sync + 'static {
    /// Takes a slot for a call to `origin` (`https://api.example.com`): `None` when the call
    /// may go now, or how long until a slot frees (nothing is taken then).
    ///
    /// # Errors
    ///
    /// When the shared state cannot be reached: the interceptor then paces this process
    /// alone, as if the pace were not shared.
    fn take<'a>(&'a self, origin: &'a str) -> BoxFuture<'a, Result<Option<Duration>, BoxError>>;
}

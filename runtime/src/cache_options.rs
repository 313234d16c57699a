//! What an endpoint or a call asks of the cache interceptor: a policy and a maximum staleness.
//! At the bottom of the crate because endpoints (built by generated code) and the cache
//! interceptor both use them.

use std::time::Duration;

/// How the [`CacheInterceptor`](crate::cache::CacheInterceptor) treats a request, in Dio's
/// vocabulary. `no-store` is honoured by every policy: a response marked so is never written.
///
/// # Examples
///
/// ```
/// use ferrofit::cache::CachePolicy;
///
/// assert_eq!(CachePolicy::default(), CachePolicy::Standard);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CachePolicy {
    /// RFC 9111 as a private client cache: a fresh stored response is served; a stale one is
    /// revalidated (`If-None-Match` / `If-Modified-Since`), and a `304` refreshes its headers
    /// and serves its body; responses are stored when their headers allow it.
    #[default]
    Standard,
    /// Always ask the network; store the response when its headers allow it.
    Refresh,
    /// Serve any stored response, however stale (within `max_stale`); on a miss, ask the
    /// network and store a successful response even without cache headers.
    ForceCache,
    /// Always ask the network; store every successful response, even without cache headers.
    RefreshForceCache,
    /// Never read or write the cache, and delete what is stored for the request.
    NoCache,
    /// Never ask the network: serve what is stored (within `max_stale`), or fail with
    /// [`Error::CacheMiss`](crate::Error::CacheMiss).
    OnlyIfCached,
}

/// Per-endpoint or per-call cache settings. An endpoint gets them from `#[cache(..)]`; a call
/// passes them as an `#[extra]` parameter, which wins over the endpoint's.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use ferrofit::cache::{CacheOptions, CachePolicy};
///
/// #[ferrofit::rest_api]
/// trait Feed {
///     #[get("/feed")]
///     #[cache(policy = "force_cache", max_stale = "7d")]
///     async fn feed(&self) -> ferrofit::Result<Vec<String>>;
///
///     #[get("/feed")]
///     async fn feed_with(&self, #[extra] cache: CacheOptions) -> ferrofit::Result<Vec<String>>;
/// }
///
/// let pull_to_refresh = CacheOptions::new().policy(CachePolicy::Refresh);
/// let offline = CacheOptions::new().policy(CachePolicy::OnlyIfCached).max_stale(Duration::from_secs(86_400));
/// # let _ = (pull_to_refresh, offline);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheOptions {
    policy: Option<CachePolicy>,
    max_stale: Option<Duration>,
}

impl CacheOptions {
    /// No override: the interceptor's settings apply.
    pub const fn new() -> Self {
        Self {
            policy: None,
            max_stale: None,
        }
    }

    /// Uses `policy` for this endpoint or call.
    #[must_use]
    pub const fn policy(mut self, policy: CachePolicy) -> Self {
        self.policy = Some(policy);
        self
    }

    /// Serves nothing that has been stale for longer than `max_stale` (and purges it), except
    /// what the server's `stale-if-error` allows to answer a failed exchange.
    #[must_use]
    pub const fn max_stale(mut self, max_stale: Duration) -> Self {
        self.max_stale = Some(max_stale);
        self
    }

    /// The policy, if set.
    pub fn get_policy(&self) -> Option<CachePolicy> {
        self.policy
    }

    /// The maximum staleness, if set.
    pub fn get_max_stale(&self) -> Option<Duration> {
        self.max_stale
    }

    /// These settings, with `fallback`'s where these have none.
    pub(crate) fn or(self, fallback: Self) -> Self {
        Self {
            policy: self.policy.or(fallback.policy),
            max_stale: self.max_stale.or(fallback.max_stale),
        }
    }
}

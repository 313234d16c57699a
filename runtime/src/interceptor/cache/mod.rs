//! An offline-first HTTP cache: RFC 9111 as a **private** client cache, Dio's policies, and
//! pluggable stores ([`MemoryStore`], and `RedbStore` on disk with the `redb` feature).
//!
//! The freshness, validation and `Vary` rules come from the `http-cache-semantics` crate,
//! configured as a private cache (so `private` and `Authorization` responses are stored and
//! `s-maxage` is ignored). On top of it this module adds what an app needs:
//!
//! - **Policies** ([`CachePolicy`]): `Standard` (the RFC), `Refresh`, `ForceCache`,
//!   `RefreshForceCache`, `NoCache` and `OnlyIfCached`, per interceptor, per endpoint
//!   (`#[cache(policy = "force_cache", max_stale = "7d")]`, `#[cache(never)]`) or per call (an
//!   `#[extra]` [`CacheOptions`]).
//! - **Offline fallback**: when the network fails (connection refused, timeout) or answers
//!   with a status in [`hit_cache_on_error_codes`](CacheInterceptor::hit_cache_on_error_codes)
//!   (500, 502, 503, 504 by default; 401 and 403 never), a stale stored response is served if
//!   it is within `max_stale` or its `stale-if-error` (RFC 5861), and neither
//!   `must-revalidate` nor `no-cache` forbids it.
//! - **`max_stale`**: the client's limit; an entry stale for longer is never served and is
//!   purged — unless the server's `stale-if-error` still lets it answer an error.
//! - **Partitions**: entries are keyed by partition + URL, so one user's data is never served
//!   to another. In a client with an [`AuthInterceptor`](crate::auth::AuthInterceptor), the
//!   partition comes from its token store (the user's [`subject`](crate::auth::Tokens::subject),
//!   else a hash of the refresh token) and the request's other credentials, whatever order
//!   the builder calls came in; without one, from the credentials the request carries (every
//!   header the client's redaction policy calls secret, and the URL's user name and password).
//!   [`partition_by_tokens`](CacheInterceptor::partition_by_tokens) and
//!   [`partition_with`](CacheInterceptor::partition_with) choose otherwise. Only requests
//!   without any credential share a partition, and a response is never stored there if the
//!   request turned out to carry one (an interceptor behind the cache added it), nor if it
//!   varies on a header the cache did not see, nor if the session changed during the call.
//! - **No secret at rest**: keys and entries hold keyed hashes (HMAC-SHA-256 under a key of
//!   the store's, see [`CacheStore::hashing_key`]) of credentials, secret query values and
//!   secret headers a response varies on, never the values; a URL's user name and password,
//!   secret response headers (`Set-Cookie`, `Proxy-Authenticate`, `Proxy-Authentication-Info`
//!   and any other the redaction policy names) and request headers the rules do not need are
//!   not stored at all.
//! - **Invalidation**: a successful POST, PUT, PATCH or DELETE removes the entries for its URL
//!   (and its `Location` and `Content-Location` on the same origin).
//! - **Where the value came from**: [`Response::source`](crate::Response::source).
//!
//! # Order in the chain
//!
//! Put the cache **first** (outermost), so a hit is served without waking auth, retry or the
//! network: [`ClientBuilder::cache`](crate::ClientBuilder::cache) does that whatever the
//! order of the builder calls. The `Authorization` header is not on the request yet when the
//! cache sees it, so the cache partitions by the auth interceptor's token store (the builder
//! wires it; naming the store yourself, as here, does the same):
//!
//! ```
//! use std::sync::Arc;
//! use ferrofit::auth::{AuthInterceptor, MemoryTokenStore, Tokens};
//! use ferrofit::cache::{CacheInterceptor, MemoryStore};
//!
//! let tokens = Arc::new(MemoryTokenStore::new());
//! let client = ferrofit::Client::builder()
//!     .base_url("https://api.example.com")
//!     .interceptor(AuthInterceptor::new(tokens.clone(), |t: Tokens| async move { Ok(t) }))
//!     .cache(CacheInterceptor::new(MemoryStore::default()).partition_by_tokens(tokens.clone()))
//!     .build()?;
//! # let _ = client;
//! # Ok::<(), ferrofit::Error>(())
//! ```

mod coalesce;
mod entry;
mod flow;
mod keys;
#[cfg(feature = "redis")]
pub(crate) use keys::random_key;
mod lookup;
mod partition;
#[cfg(feature = "redb")]
mod redb_store;
#[cfg(feature = "redis")]
mod redis_store;
mod rules;
mod store;
mod storing;
mod view;

pub use crate::cache_options::{CacheOptions, CachePolicy};
pub use crate::response::ResponseSource;
#[cfg(feature = "redb")]
pub use redb_store::{DEFAULT_REDB_CAPACITY, RedbStore};
#[cfg(feature = "redis")]
pub use redis_store::{DEFAULT_REDIS_MAX_ENTRY, RedisCacheStore};
pub use store::{CacheStore, MemoryStore};

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use self::keys::Hasher;
use self::partition::{Partition, token_part};
use crate::BoxFuture;
use crate::error::Result;
use crate::interceptor::auth::{ClientAuth, TokenStore, Tokens};
use crate::interceptor::{Interceptor, Next};
use crate::request::Request;
use crate::response::RawResponse;

type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// The cache interceptor. Cheap to clone: clones share the store and settings, so keep one to
/// [`clear`](Self::clear) the cache later.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use ferrofit::cache::{CacheInterceptor, CachePolicy, MemoryStore};
///
/// let cache = CacheInterceptor::new(MemoryStore::default())
///     .policy(CachePolicy::Standard)
///     .max_stale(Duration::from_secs(7 * 24 * 3600));
/// let client = ferrofit::Client::builder()
///     .base_url("https://api.example.com")
///     .cache(cache.clone())
///     .build()?;
/// # let _ = client;
/// # Ok::<(), ferrofit::Error>(())
/// ```
#[derive(Clone)]
pub struct CacheInterceptor {
    inner: Arc<Settings>,
}

#[derive(Clone)]
struct Settings {
    store: Arc<dyn CacheStore>,
    defaults: CacheOptions,
    error_codes: Vec<u16>,
    partition: Partition,
    clock: Clock,
    /// Hashes credentials under the store's key.
    hasher: Hasher,
    /// Misses in flight, shared by every clone (they share the store).
    misses: Arc<coalesce::Misses>,
}

impl CacheInterceptor {
    /// A cache on `store`: policy `Standard`, no `max_stale` limit, fallback on 500, 502, 503
    /// and 504, partitioned by the client's auth interceptor's tokens if it has one, else by the
    /// request's credentials.
    pub fn new(store: impl CacheStore) -> Self {
        let hasher = Hasher::for_store(&store);
        Self {
            inner: Arc::new(Settings {
                store: Arc::new(store),
                defaults: CacheOptions::new(),
                error_codes: vec![500, 502, 503, 504],
                partition: Partition::Credentials,
                clock: Arc::new(SystemTime::now),
                hasher,
                misses: Arc::default(),
            }),
        }
    }

    /// The settings to change; a clone that shares them gets its own copy (the store stays
    /// shared).
    fn settings(&mut self) -> &mut Settings {
        Arc::make_mut(&mut self.inner)
    }

    /// The policy for requests whose endpoint and call say none.
    #[must_use]
    pub fn policy(mut self, policy: CachePolicy) -> Self {
        let settings = self.settings();
        settings.defaults = settings.defaults.policy(policy);
        self
    }

    /// Entries stale for longer than this are never served and are purged, unless their
    /// `stale-if-error` (the server's word) still lets them answer a failed exchange.
    #[must_use]
    pub fn max_stale(mut self, max_stale: Duration) -> Self {
        let settings = self.settings();
        settings.defaults = settings.defaults.max_stale(max_stale);
        self
    }

    /// Statuses that count as "the server failed": a stale entry may be served instead
    /// (default 500, 502, 503, 504). 401 and 403 are ignored: an auth failure is never hidden
    /// behind cached data.
    #[must_use]
    pub fn hit_cache_on_error_codes(mut self, codes: &[u16]) -> Self {
        self.settings().error_codes = codes
            .iter()
            .copied()
            .filter(|c| !matches!(c, 401 | 403))
            .collect();
        self
    }

    /// Partitions entries by the tokens in `store` — the store the
    /// [`AuthInterceptor`](crate::auth::AuthInterceptor) uses — by their
    /// [`subject`](crate::auth::Tokens::subject), or a hash of the refresh (else access) token,
    /// together with the request's other credentials. Without tokens or credentials, requests
    /// share the anonymous partition. A client with an auth interceptor does this with its
    /// store unless told otherwise.
    #[must_use]
    pub fn partition_by_tokens(mut self, store: impl TokenStore) -> Self {
        self.settings().partition = Partition::Auth(ClientAuth {
            tokens: Some(Arc::new(store)),
            statics: Vec::new(),
        });
        self
    }

    /// The cache as a client with the auth interceptors `auth` behind it uses it: partitioned
    /// by their tokens and credentials, unless another partition was chosen (static
    /// credentials still join a partition by tokens).
    pub(crate) fn with_default_auth(mut self, auth: &ClientAuth) -> Self {
        match &self.inner.partition {
            Partition::Credentials => self.settings().partition = Partition::Auth(auth.clone()),
            Partition::Auth(chosen) => {
                let mut chosen = chosen.clone();
                chosen.statics.extend(auth.statics.iter().cloned());
                self.settings().partition = Partition::Auth(chosen);
            }
            Partition::Custom(_) => {}
        }
        self
    }

    /// Partitions entries by what `partition` says of each request (a tenant, say). The name is
    /// stored as a keyed hash. It replaces the partition by credentials: requests it puts in
    /// one partition share their entries, whoever sends them.
    #[must_use]
    pub fn partition_with(
        mut self,
        partition: impl Fn(&Request) -> String + Send + Sync + 'static,
    ) -> Self {
        self.settings().partition = Partition::Custom(Arc::new(partition));
        self
    }

    /// Reads the time from `clock` instead of the system clock (for tests of freshness).
    #[must_use]
    pub fn clock(mut self, clock: impl Fn() -> SystemTime + Send + Sync + 'static) -> Self {
        self.settings().clock = Arc::new(clock);
        self
    }

    /// Removes every entry.
    ///
    /// # Errors
    ///
    /// [`Error::Network`](crate::Error::Network) with kind `Other` when the store fails.
    pub async fn clear(&self) -> Result<()> {
        self.inner
            .store
            .remove_prefix("")
            .await
            .map_err(store_error)
    }

    /// Removes every entry of the partitions `tokens` belong to (call it when a session ends).
    ///
    /// # Errors
    ///
    /// [`Error::Network`](crate::Error::Network) with kind `Other` when the store fails.
    pub async fn clear_partition_of(&self, tokens: &Tokens) -> Result<()> {
        // Partition names of these tokens start with their part, which has a fixed length.
        let Some(prefix) = token_part(Some(tokens), &self.inner.hasher) else {
            return Ok(());
        };
        self.inner
            .store
            .remove_prefix(&prefix)
            .await
            .map_err(store_error)
    }
}

fn store_error(error: crate::error::BoxError) -> crate::Error {
    crate::Error::network(crate::NetworkKind::Other, error)
}

impl Interceptor for CacheInterceptor {
    fn intercept<'a>(
        &'a self,
        request: Request,
        next: Next<'a>,
    ) -> BoxFuture<'a, Result<RawResponse>> {
        Box::pin(flow::handle(self, request, next))
    }
}

impl fmt::Debug for CacheInterceptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CacheInterceptor")
            .field("defaults", &self.inner.defaults)
            .field("error_codes", &self.inner.error_codes)
            .field("partition", &self.inner.partition)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configuring_a_clone_leaves_the_original_alone() {
        let original = CacheInterceptor::new(MemoryStore::default());
        let tuned = original.clone().policy(CachePolicy::ForceCache);
        assert_eq!(original.inner.defaults.get_policy(), None);
        assert_eq!(
            tuned.inner.defaults.get_policy(),
            Some(CachePolicy::ForceCache)
        );
        assert!(
            Arc::ptr_eq(&original.inner.store, &tuned.inner.store),
            "one store"
        );
    }
}

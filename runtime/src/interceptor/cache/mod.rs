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
//! - **Partitions**: entries are keyed by partition + URL. By default the partition comes
//!   from the request's credentials (`Authorization`, `Cookie`); with
//!   [`partition_by_tokens`](CacheInterceptor::partition_by_tokens) it comes from the auth
//!   interceptor's token store, so one user's data is never served to another after a
//!   logout and login.
//! - **Invalidation**: a successful POST, PUT, PATCH or DELETE removes the entries for its URL
//!   (and its `Location` and `Content-Location` on the same origin).
//! - **Where the value came from**: [`Response::source`](crate::Response::source).
//!
//! # Order in the chain
//!
//! Put the cache **first** (outermost), so a hit is served without waking auth, retry or the
//! network: [`ClientBuilder::cache`](crate::ClientBuilder::cache) does that whatever the
//! order of the builder calls. Partition it by the token store the auth interceptor uses,
//! because the `Authorization` header is not on the request yet when the cache sees it:
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

mod entry;
mod flow;
#[cfg(feature = "redb")]
mod redb_store;
mod rules;
mod store;

pub use crate::cache_options::{CacheOptions, CachePolicy};
pub use crate::response::ResponseSource;
#[cfg(feature = "redb")]
pub use redb_store::RedbStore;
pub use store::{CacheStore, MemoryStore};

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use http::HeaderMap;
use sha2::{Digest, Sha256};

use crate::BoxFuture;
use crate::error::Result;
use crate::interceptor::auth::{TokenStore, Tokens};
use crate::interceptor::{Interceptor, Next};
use crate::request::Request;
use crate::response::RawResponse;

type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;
type PartitionFn = Arc<dyn Fn(&Request) -> String + Send + Sync>;

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
}

#[derive(Clone)]
enum Partition {
    /// From the request's `Authorization` and `Cookie` headers.
    Credentials,
    /// From the auth interceptor's current tokens.
    Tokens(Arc<dyn TokenStore>),
    Custom(PartitionFn),
}

impl CacheInterceptor {
    /// A cache on `store`: policy `Standard`, no `max_stale` limit, fallback on 500, 502, 503
    /// and 504, partitioned by the request's credentials.
    pub fn new(store: impl CacheStore) -> Self {
        Self {
            inner: Arc::new(Settings {
                store: Arc::new(store),
                defaults: CacheOptions::new(),
                error_codes: vec![500, 502, 503, 504],
                partition: Partition::Credentials,
                clock: Arc::new(SystemTime::now),
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
    /// [`subject`](crate::auth::Tokens::subject), or a hash of the refresh (else access) token.
    /// Without tokens, requests share the anonymous partition.
    #[must_use]
    pub fn partition_by_tokens(mut self, store: impl TokenStore) -> Self {
        self.settings().partition = Partition::Tokens(Arc::new(store));
        self
    }

    /// Partitions entries by what `partition` says of each request (a tenant, say).
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

    /// Removes every entry of the partition `tokens` belong to (call it when a session ends).
    ///
    /// # Errors
    ///
    /// [`Error::Network`](crate::Error::Network) with kind `Other` when the store fails.
    pub async fn clear_partition_of(&self, tokens: &Tokens) -> Result<()> {
        let prefix = format!("{}|", token_partition(Some(tokens)));
        self.inner
            .store
            .remove_prefix(&prefix)
            .await
            .map_err(store_error)
    }

    /// The partition `request` falls in.
    fn partition_of(&self, request: &Request) -> String {
        match &self.inner.partition {
            Partition::Credentials => credentials_partition(request.headers()),
            Partition::Tokens(store) => token_partition(store.get().as_deref()),
            Partition::Custom(partition) => format!("c:{}", partition(request)),
        }
    }
}

fn store_error(error: crate::error::BoxError) -> crate::Error {
    crate::Error::network(crate::NetworkKind::Other, error)
}

/// A short, stable, one-way name for a secret: stored keys outlive the process and must not
/// reveal the credential.
fn digest(secret: &[u8]) -> String {
    let hash = Sha256::digest(secret);
    hash[..12].iter().map(|b| format!("{b:02x}")).collect()
}

fn credentials_partition(headers: &HeaderMap) -> String {
    let mut secret = Vec::new();
    for name in [http::header::AUTHORIZATION, http::header::COOKIE] {
        for value in headers.get_all(name) {
            secret.extend_from_slice(value.as_bytes());
            secret.push(b'\n');
        }
    }
    if secret.is_empty() {
        "anon".to_owned()
    } else {
        format!("h:{}", digest(&secret))
    }
}

fn token_partition(tokens: Option<&Tokens>) -> String {
    match tokens {
        None => "anon".to_owned(),
        Some(tokens) => match tokens.subject() {
            Some(subject) => format!("s:{}", digest(subject.as_bytes())),
            None => {
                let secret = tokens.refresh_token().unwrap_or(tokens.access_token());
                format!("t:{}", digest(secret.as_bytes()))
            }
        },
    }
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

    #[test]
    fn partitions_hide_credentials_and_tell_users_apart() {
        let mut headers = HeaderMap::new();
        assert_eq!(credentials_partition(&headers), "anon");
        headers.insert("authorization", "Bearer secret-1".parse().unwrap());
        let first = credentials_partition(&headers);
        headers.insert("authorization", "Bearer secret-2".parse().unwrap());
        let second = credentials_partition(&headers);
        assert_ne!(first, second);
        assert!(!first.contains("secret"));
        let alice = Tokens::new("a1").with_refresh("r1").with_subject("alice");
        let alice_later = Tokens::new("a2").with_refresh("r2").with_subject("alice");
        assert_eq!(
            token_partition(Some(&alice)),
            token_partition(Some(&alice_later))
        );
        assert_ne!(
            token_partition(Some(&Tokens::new("a1"))),
            token_partition(Some(&Tokens::new("a2")))
        );
        assert_eq!(token_partition(None), "anon");
    }
}

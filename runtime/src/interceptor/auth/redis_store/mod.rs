//! A token store in Redis shared by the processes of a fleet (feature `redis`), which also
//! decides which of them refreshes.

mod follow;
mod lease;
mod record;
mod scripts;
mod state;

pub use record::TokenKey;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::fleet::RefreshCoordinator;
use super::tokens::{TokenStore, Tokens};
use crate::error::{Error, NetworkKind, Result};
use state::Shared;

/// How long a refresh lease lives without renewal by default: a holder that dies frees it
/// this long after its last renewal.
const DEFAULT_LEASE: Duration = Duration::from_secs(10);
/// How long a Redis command may take by default before it counts as failed.
const DEFAULT_TIMEOUT: Duration = Duration::from_millis(250);
/// How often the store reads the session from Redis by default, when pub/sub is quiet or
/// down: the longest its tokens in memory lag behind the fleet's.
const DEFAULT_STALENESS: Duration = Duration::from_secs(2);

/// A [`TokenStore`] in Redis, shared by every process of a fleet that signs in as one
/// session, and the [`RefreshCoordinator`] that lets only one of them refresh at a time.
///
/// - **Reads are from memory.** [`get`](TokenStore::get) never waits on Redis: the store
///   keeps the session's last known tokens in memory, updated by pub/sub as soon as another
///   process writes them, and read again from Redis at least every 2 s
///   ([`staleness`](RedisTokenStoreBuilder::staleness)).
/// - **One refresh for the fleet.** Before a refresh, a process takes the session's lease
///   (`SET NX PX` with a fencing number, renewed while the refresh runs); the others wait
///   for its result (pub/sub, polling as the fallback) instead of refreshing. The holder's
///   result is written only if no successor took over its lease (a fenced compare-and-set in
///   one Lua script), so a holder that stalled never wins late. A holder that dies frees the
///   lease when it runs out (10 s by default, [`lease`](RedisTokenStoreBuilder::lease)), and
///   one survivor refreshes instead: one fenced retry with the same refresh token (a
///   provider with a rotation grace period takes it), never more — should that holder
///   vanish too, the session ends for the fleet (the store is emptied everywhere, calls fail
///   with `Unauthorized`) until a new sign-in. A refresh that fails (the token endpoint is down)
///   fails the calls waiting for it in every process, and no process tries again for a
///   second, so a fleet never takes turns at a failing endpoint.
/// - **Redis down or slow.** A command fails after 250 ms
///   ([`timeout`](RedisTokenStoreBuilder::timeout); the steps of a refresh wait 4 times as
///   long, at least 1 s, since a process that gives up on a slow Redis refreshes alone) and,
///   for a second after a failure, the store does not try Redis before a refresh: calls go
///   on with the tokens in memory,
///   refreshes run within this process alone (with a warning), and their tokens are written
///   back with a compare-and-set from the ones they replaced when Redis answers again,
///   before this process's next fleet refresh.
/// - **A Redis that lost its data** is not a sign-out: a sign-out leaves a tombstone (a
///   newer generation with no tokens), so a missing key is restored from memory by the
///   first process that notices, and never ends the session.
/// - **What Redis holds**: `<namespace>:tokens:<session>` (a hash of generation, session id
///   and the tokens), `…:lease`, `…:fence`, and messages on the channel of the same name.
///   Without an [`encryption_key`](RedisTokenStoreBuilder::encryption_key) the tokens are
///   **in clear**: anyone who can read that Redis (or its backups) holds the session's
///   bearer and refresh tokens. With one, values and messages are sealed with
///   XChaCha20-Poly1305, bound to their key, generation and session id, and a value in clear
///   is refused.
///
/// # Examples
///
/// ```no_run
/// # async fn run() -> ferrofit::Result<()> {
/// use ferrofit::auth::{AuthInterceptor, RedisTokenStore, TokenKey, Tokens};
///
/// let key = TokenKey::from_bytes([42; 32]); // from the application's secret manager
/// let store = RedisTokenStore::builder("redis://127.0.0.1:6379", "my-app", "service-account")
///     .encryption_key(key)
///     .connect()
///     .await?;
/// let refresher = |tokens: Tokens| async move { Ok(tokens) }; // calls the token endpoint
/// let client = ferrofit::Client::builder()
///     .base_url("https://api.example.com")
///     .interceptor(AuthInterceptor::new(store, refresher))
///     .build()?;
/// # let _ = client; Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisTokenStore {
    shared: Arc<Shared>,
}

/// Settings of a [`RedisTokenStore`]; [`connect`](Self::connect) opens it.
///
/// # Examples
///
/// ```no_run
/// # async fn run() -> ferrofit::Result<()> {
/// use std::time::Duration;
/// use ferrofit::auth::{RedisTokenStore, Tokens};
///
/// let store = RedisTokenStore::builder("redis://127.0.0.1:6379", "my-app", "user-42")
///     .lease(Duration::from_secs(5)) // a dead holder delays the fleet 5 s at most
///     .timeout(Duration::from_millis(100))
///     .staleness(Duration::from_secs(1))
///     .connect()
///     .await?;
/// store.sign_in(Tokens::new("access").with_refresh("refresh")).await?;
/// # Ok(()) }
/// ```
pub struct RedisTokenStoreBuilder {
    url: String,
    namespace: String,
    session: String,
    key: Option<TokenKey>,
    lease: Duration,
    timeout: Duration,
    staleness: Duration,
}

impl RedisTokenStore {
    /// Settings for the session named `session` (one user, or one service account) of the
    /// application `namespace`, in the Redis at `url` (`redis://host:port/db`, `rediss://`
    /// for TLS).
    pub fn builder(url: &str, namespace: &str, session: &str) -> RedisTokenStoreBuilder {
        RedisTokenStoreBuilder {
            url: url.to_owned(),
            namespace: namespace.to_owned(),
            session: session.to_owned(),
            key: None,
            lease: DEFAULT_LEASE,
            timeout: DEFAULT_TIMEOUT,
            staleness: DEFAULT_STALENESS,
        }
    }

    /// Signs in: stores `tokens` as a new session for the whole fleet.
    ///
    /// # Errors
    ///
    /// [`Error::Network`] when Redis did not take them; this process holds them anyway and
    /// writes them when Redis answers.
    pub async fn sign_in(&self, tokens: Tokens) -> Result<()> {
        self.set(tokens);
        self.shared.sync_once().await;
        self.shared.written()
    }

    /// Signs the fleet out (leaving a tombstone, so a Redis that loses its data later does
    /// not bring the session back).
    ///
    /// # Errors
    ///
    /// As for [`sign_in`](Self::sign_in).
    pub async fn sign_out(&self) -> Result<()> {
        self.clear();
        self.shared.sync_once().await;
        self.shared.written()
    }

    /// Replaces `current` with `new` in Redis if the fleet still holds `current`; returns
    /// whether it did. Unlike [`TokenStore::compare_and_set`], which this process answers
    /// from memory, this asks Redis.
    ///
    /// # Errors
    ///
    /// [`Error::Network`] when Redis does not answer.
    pub async fn replace(&self, current: &Tokens, new: Tokens) -> Result<bool> {
        self.shared.replace(current, new).await
    }

    /// Reads the session from Redis now; returns what the store holds after it.
    ///
    /// # Errors
    ///
    /// [`Error::Network`] when Redis does not answer.
    pub async fn reload(&self) -> Result<Option<Arc<Tokens>>> {
        self.shared.reload().await?;
        Ok(self.get())
    }
}

impl RedisTokenStoreBuilder {
    /// Encrypts the tokens in Redis and in pub/sub messages with `key` (every process of the
    /// fleet needs the same one).
    #[must_use]
    pub fn encryption_key(mut self, key: TokenKey) -> Self {
        self.key = Some(key);
        self
    }

    /// How long a refresh lease lasts without renewal (default 10 s, at least 100 ms): how
    /// long the fleet waits after a holder died before another process refreshes.
    #[must_use]
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease.max(Duration::from_millis(100));
        self
    }

    /// How long one Redis command may take before it counts as failed (default 250 ms).
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How often the session is read from Redis when no pub/sub message came (default 2 s).
    #[must_use]
    pub fn staleness(mut self, staleness: Duration) -> Self {
        self.staleness = staleness.max(Duration::from_millis(10));
        self
    }

    /// Connects, reads the session's tokens, and starts following the fleet's changes.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for a URL, namespace or session name that cannot be used (a
    /// session name is 1 to 256 characters, none of them a control character);
    /// [`Error::Network`] when Redis does not answer within 2 s.
    pub async fn connect(self) -> Result<RedisTokenStore> {
        if self.session.is_empty()
            || self.session.len() > 256
            || self.session.chars().any(char::is_control)
        {
            return Err(Error::config(
                "a Redis session name is 1 to 256 characters, none of them a control character",
            ));
        }
        let (client, connection) =
            crate::redis_connection::connect_client(&self.url, &self.namespace).await?;
        let shared = Shared::new(
            client,
            connection,
            &format!("{}:tokens:{}", self.namespace, self.session),
            self.key.as_ref(),
            state::Timing {
                lease: self.lease,
                timeout: self.timeout,
                staleness: self.staleness,
            },
        );
        shared.reload().await?;
        follow::start(&shared);
        Ok(RedisTokenStore { shared })
    }
}

impl TokenStore for RedisTokenStore {
    fn get(&self) -> Option<Arc<Tokens>> {
        self.shared.held()
    }

    fn set(&self, tokens: Tokens) {
        self.shared.sign_in_here(tokens);
    }

    fn clear(&self) {
        self.shared.sign_out_here();
    }

    fn compare_and_set(&self, current: &Tokens, new: Tokens) -> bool {
        self.shared.replace_here(current, Some(new))
    }

    fn compare_and_clear(&self, current: &Tokens) -> bool {
        self.shared.replace_here(current, None)
    }

    fn coordinator(&self) -> Option<Arc<dyn RefreshCoordinator>> {
        Some(Arc::new(lease::Fleet(self.shared.clone())))
    }
}

impl fmt::Debug for RedisTokenStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisTokenStore")
            .field("key", &self.shared.keys.record)
            .field("signed_in", &self.get().is_some())
            .field("encrypted", &self.shared.sealer.encrypts())
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for RedisTokenStoreBuilder {
    // Not the URL: it may hold Redis's password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisTokenStoreBuilder")
            .field("namespace", &self.namespace)
            .field("session", &self.session)
            .field("encrypted", &self.key.is_some())
            .field("lease", &self.lease)
            .field("timeout", &self.timeout)
            .field("staleness", &self.staleness)
            .finish_non_exhaustive()
    }
}

/// The error of a write Redis did not take.
fn not_written() -> Error {
    Error::network(
        NetworkKind::Connect,
        "Redis did not take the tokens: this process keeps them and writes them when Redis answers",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_print_without_the_urls_password_or_the_key() {
        let builder = RedisTokenStore::builder("redis://:hunter2@127.0.0.1:6379", "app", "ann")
            .encryption_key(TokenKey::from_bytes([0x5a; 32]));
        let printed = format!("{builder:?}");
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(printed.contains("encrypted: true"), "{printed}");
    }

    #[test]
    fn the_store_is_send_sync_and_clone() {
        fn assert_impls<T: Send + Sync + Clone + 'static>() {}
        assert_impls::<RedisTokenStore>();
        assert_impls::<TokenKey>();
    }

    #[tokio::test]
    async fn a_session_name_that_cannot_be_a_key_is_refused_before_connecting() {
        for name in [String::new(), "a\nb".to_owned(), "x".repeat(257)] {
            let error = RedisTokenStore::builder("redis://127.0.0.1:1", "app", &name)
                .connect()
                .await
                .unwrap_err();
            assert!(matches!(error, Error::Config { .. }), "{name:?}: {error:?}");
        }
    }
}

//! A cache store in Redis, shared by every process of a fleet (feature `redis`).

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use redis::aio::ConnectionManager;

use super::store::CacheStore;
use crate::BoxFuture;
use crate::error::{BoxError, Error, Result};

/// The largest entry stored by default: responses past it go to the network every time.
pub const DEFAULT_REDIS_MAX_ENTRY: usize = 1024 * 1024;

/// How long a command may take by default before the cache counts it as failed (and the
/// network answers): Redis next door answers in well under a millisecond.
const DEFAULT_TIMEOUT: Duration = Duration::from_millis(250);

/// How long an entry that may serve a revalidation at any time (no freshness horizon) is kept.
const DEFAULT_MAX_TTL: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// Keys a scan hands back per round trip when a partition is cleared.
const SCAN_BATCH: usize = 500;

/// A [`CacheStore`] in Redis: every process with the same namespace reads what any of them
/// stored, and a user's partition cleared by one is gone for all.
///
/// - Keys are `<namespace>:cache:<cache key>`; the cache's keys hold no credential (only
///   HMAC digests under a key the fleet shares, kept at `<namespace>:cache-hashing-key`), and
///   entries hold no secret header, as in every store.
/// - Each entry expires when it stops being of use (past its freshness and every stale
///   allowance), or after 7 days when it may always serve a revalidation
///   ([`max_ttl`](Self::max_ttl)); entries over 1 MiB are not stored
///   ([`max_entry_size`](Self::max_entry_size)).
/// - Clearing a partition is a `SCAN` of its prefix (with `*`, `?`, `[`, `]` and `\`
///   escaped) and `UNLINK`.
/// - A Redis that is down or slow fails a command after 250 ms ([`timeout`](Self::timeout)):
///   the cache then lets the network answer, as it does for any store error, and skips
///   Redis for a second before it tries again.
///
/// # Examples
///
/// ```no_run
/// # async fn run() -> ferrofit::Result<()> {
/// use ferrofit::cache::{CacheInterceptor, RedisCacheStore};
///
/// let store = RedisCacheStore::connect("redis://127.0.0.1:6379", "my-app").await?;
/// let client = ferrofit::Client::builder()
///     .base_url("https://api.example.com")
///     .cache(CacheInterceptor::new(store))
///     .build()?;
/// # let _ = client; Ok(()) }
/// ```
pub struct RedisCacheStore {
    connection: ConnectionManager,
    /// `<namespace>:cache:`.
    prefix: String,
    hashing_key: [u8; 32],
    max_entry: usize,
    max_ttl: Duration,
    timeout: Duration,
    /// Skips Redis for a second after a command failed: the network answers meanwhile.
    breaker: crate::redis_connection::Breaker,
}

impl RedisCacheStore {
    /// Connects to Redis at `url` (`redis://host:port/db`, `rediss://` for TLS) and reads the
    /// fleet's hashing key under `namespace`, making it if no process has yet.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when `url` or `namespace` cannot be used (a namespace holds no
    /// space, `*`, `?`, `[`, `]` or `\`), [`Error::Network`] when Redis does not answer
    /// within 2 s.
    pub async fn connect(url: &str, namespace: &str) -> Result<Self> {
        let mut connection = crate::redis_connection::connect(url, namespace).await?;
        let hashing_key = shared_hashing_key(&mut connection, namespace).await?;
        Ok(Self {
            connection,
            prefix: format!("{namespace}:cache:"),
            hashing_key,
            max_entry: DEFAULT_REDIS_MAX_ENTRY,
            max_ttl: DEFAULT_MAX_TTL,
            timeout: DEFAULT_TIMEOUT,
            breaker: crate::redis_connection::Breaker::default(),
        })
    }

    /// The largest entry stored, in bytes (default 1 MiB).
    #[must_use]
    pub fn max_entry_size(mut self, bytes: usize) -> Self {
        self.max_entry = bytes;
        self
    }

    /// How long an entry with no end of use is kept (default 7 days), and the longest any
    /// entry is kept.
    #[must_use]
    pub fn max_ttl(mut self, ttl: Duration) -> Self {
        self.max_ttl = ttl.max(Duration::from_millis(1));
        self
    }

    /// How long one command may take before it counts as failed (default 250 ms).
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    /// Runs `cmd`, failing after the store's timeout.
    async fn run<T: redis::FromRedisValue>(&self, cmd: &redis::Cmd) -> Result<T, BoxError> {
        let mut connection = self.connection.clone();
        self.breaker
            .run(self.timeout, cmd.query_async(&mut connection))
            .await
    }

    fn ttl(&self, useless_after: Option<SystemTime>) -> Duration {
        let until = useless_after
            .map(|at| at.duration_since(SystemTime::now()).unwrap_or_default())
            .unwrap_or(self.max_ttl);
        until.clamp(Duration::from_millis(1), self.max_ttl)
    }
}

impl CacheStore for RedisCacheStore {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Bytes>, BoxError>> {
        Box::pin(async move {
            let value: Option<Vec<u8>> = self.run(redis::cmd("GET").arg(self.key(key))).await?;
            Ok(value.map(Bytes::from))
        })
    }

    fn put<'a>(&'a self, key: &'a str, value: Bytes) -> BoxFuture<'a, Result<(), BoxError>> {
        self.put_expiring(key, value, None)
    }

    fn put_expiring<'a>(
        &'a self,
        key: &'a str,
        value: Bytes,
        useless_after: Option<SystemTime>,
    ) -> BoxFuture<'a, Result<(), BoxError>> {
        Box::pin(async move {
            if value.len() > self.max_entry {
                // Too large to share: an older, smaller copy must not be served either.
                return self.run(redis::cmd("UNLINK").arg(self.key(key))).await;
            }
            let ttl = u64::try_from(self.ttl(useless_after).as_millis()).unwrap_or(u64::MAX);
            self.run(
                redis::cmd("SET")
                    .arg(self.key(key))
                    .arg(value.as_ref())
                    .arg("PX")
                    .arg(ttl),
            )
            .await
        })
    }

    fn remove<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), BoxError>> {
        Box::pin(async move { self.run(redis::cmd("UNLINK").arg(self.key(key))).await })
    }

    fn remove_prefix<'a>(&'a self, prefix: &'a str) -> BoxFuture<'a, Result<(), BoxError>> {
        Box::pin(async move {
            let pattern = format!("{}*", glob_escaped(&self.key(prefix)));
            let mut cursor: u64 = 0;
            loop {
                let (next, keys): (u64, Vec<String>) = self
                    .run(
                        redis::cmd("SCAN")
                            .arg(cursor)
                            .arg("MATCH")
                            .arg(&pattern)
                            .arg("COUNT")
                            .arg(SCAN_BATCH),
                    )
                    .await?;
                if !keys.is_empty() {
                    self.run::<()>(redis::cmd("UNLINK").arg(&keys)).await?;
                }
                if next == 0 {
                    return Ok(());
                }
                cursor = next;
            }
        })
    }

    fn hashing_key(&self) -> Option<[u8; 32]> {
        Some(self.hashing_key)
    }
}

impl std::fmt::Debug for RedisCacheStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisCacheStore")
            .field("prefix", &self.prefix)
            .field("max_entry", &self.max_entry)
            .field("max_ttl", &self.max_ttl)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// The key every process of the namespace hashes credentials under: set once, by whichever
/// process comes first (`SET NX`), then read by all.
async fn shared_hashing_key(
    connection: &mut ConnectionManager,
    namespace: &str,
) -> Result<[u8; 32]> {
    let name = format!("{namespace}:cache-hashing-key");
    let candidate = super::keys::random_key();
    let _: Option<String> = redis::cmd("SET")
        .arg(&name)
        .arg(&candidate[..])
        .arg("NX")
        .query_async(connection)
        .await
        .map_err(crate::redis_connection::network)?;
    let stored: Vec<u8> = redis::cmd("GET")
        .arg(&name)
        .query_async(connection)
        .await
        .map_err(crate::redis_connection::network)?;
    stored.try_into().map_err(|_| {
        Error::config(format!(
            "`{name}` in Redis is not a 32-byte key; delete it and every process makes a new one"
        ))
    })
}

/// `text` with the characters a `SCAN MATCH` pattern gives a meaning escaped.
fn glob_escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "*?[]\\".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_characters_are_escaped() {
        assert_eq!(
            glob_escaped(r"app:cache:u[1]*?\"),
            r"app:cache:u\[1\]\*\?\\"
        );
        assert_eq!(glob_escaped("plain"), "plain");
    }
}

//! Where the cache keeps entries: the `CacheStore` seam and the in-memory LRU store.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, PoisonError};
use std::time::SystemTime;

use bytes::Bytes;

use crate::BoxFuture;
use crate::error::BoxError;

/// A key-value store for cache entries. Keys are text; values are opaque encoded entries
/// (the cache versions its own format). Methods are async, so a store shared by a fleet of
/// processes (Redis, say) can implement it without blocking.
///
/// A failing store never fails a call: the cache logs a warning and asks the network.
///
/// # Examples
///
/// ```
/// use ferrofit::cache::CacheStore;
/// use ferrofit::{BoxFuture, Bytes};
///
/// /// Stores nothing: every lookup misses.
/// struct Forgetful;
///
/// impl CacheStore for Forgetful {
///     fn get<'a>(&'a self, _key: &'a str) -> BoxFuture<'a, Result<Option<Bytes>, ferrofit::BoxError>> {
///         Box::pin(async { Ok(None) })
///     }
///     fn put<'a>(&'a self, _key: &'a str, _value: Bytes) -> BoxFuture<'a, Result<(), ferrofit::BoxError>> {
///         Box::pin(async { Ok(()) })
///     }
///     fn remove<'a>(&'a self, _key: &'a str) -> BoxFuture<'a, Result<(), ferrofit::BoxError>> {
///         Box::pin(async { Ok(()) })
///     }
///     fn remove_prefix<'a>(&'a self, _prefix: &'a str) -> BoxFuture<'a, Result<(), ferrofit::BoxError>> {
///         Box::pin(async { Ok(()) })
///     }
/// }
/// ```
pub trait CacheStore: Send + Sync + 'static {
    /// The value stored under `key`.
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Bytes>, BoxError>>;

    /// Stores `value` under `key`, replacing what was there.
    fn put<'a>(&'a self, key: &'a str, value: Bytes) -> BoxFuture<'a, Result<(), BoxError>>;

    /// Stores `value` under `key`, as [`put`](Self::put) does, saying when it stops being of
    /// any use (past its freshness and every stale allowance; `None`: it may serve a
    /// revalidation whenever asked). A bounded store purges such entries before it evicts
    /// others. The default ignores the time and calls `put`.
    ///
    /// # Examples
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// use std::time::{Duration, SystemTime};
    /// use ferrofit::cache::{CacheStore, MemoryStore};
    ///
    /// let store = MemoryStore::default();
    /// let until = SystemTime::now() + Duration::from_secs(60);
    /// store.put_expiring("k", "v".into(), Some(until)).await?;
    /// assert_eq!(store.get("k").await?.as_deref(), Some(&b"v"[..]));
    /// # Ok::<(), ferrofit::BoxError>(()) }).unwrap();
    /// ```
    fn put_expiring<'a>(
        &'a self,
        key: &'a str,
        value: Bytes,
        useless_after: Option<SystemTime>,
    ) -> BoxFuture<'a, Result<(), BoxError>> {
        let _ = useless_after;
        self.put(key, value)
    }

    /// Removes `key`.
    fn remove<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), BoxError>>;

    /// Removes every key that starts with `prefix` (all of them for `""`): a partition purge
    /// or a clear.
    fn remove_prefix<'a>(&'a self, prefix: &'a str) -> BoxFuture<'a, Result<(), BoxError>>;

    /// The secret key the cache hashes credentials under (HMAC-SHA-256) in the keys and
    /// entries it writes here. A store that outlives the process should keep one and return it
    /// every time, or its entries of signed-in users are unreachable after a restart (they
    /// are misses, never wrong answers). The default, `None`, is a random key for the life of
    /// the process: right for stores in memory.
    ///
    /// # Examples
    ///
    /// A store shared by a fleet keeps one key where its entries are, so every process hashes
    /// alike (here, a key given at construction, for brevity):
    ///
    /// ```
    /// use ferrofit::cache::{CacheStore, MemoryStore};
    /// use ferrofit::{BoxError, BoxFuture, Bytes};
    ///
    /// struct Keyed { inner: MemoryStore, key: [u8; 32] }
    ///
    /// impl CacheStore for Keyed {
    ///     fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Bytes>, BoxError>> { self.inner.get(key) }
    ///     fn put<'a>(&'a self, key: &'a str, value: Bytes) -> BoxFuture<'a, Result<(), BoxError>> { self.inner.put(key, value) }
    ///     fn remove<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), BoxError>> { self.inner.remove(key) }
    ///     fn remove_prefix<'a>(&'a self, prefix: &'a str) -> BoxFuture<'a, Result<(), BoxError>> { self.inner.remove_prefix(prefix) }
    ///     fn hashing_key(&self) -> Option<[u8; 32]> { Some(self.key) }
    /// }
    /// # let _ = Keyed { inner: MemoryStore::default(), key: [7; 32] };
    /// ```
    fn hashing_key(&self) -> Option<[u8; 32]> {
        None
    }
}

/// An in-memory store bounded by total size, evicting the least recently used entries, with a
/// limit per entry (larger responses are not stored). Clones share nothing; share one store
/// between clients by wrapping it in an `Arc`.
///
/// # Examples
///
/// ```
/// use ferrofit::cache::{CacheInterceptor, MemoryStore};
///
/// let store = MemoryStore::new(32 * 1024 * 1024).max_entry_size(2 * 1024 * 1024);
/// let cache = CacheInterceptor::new(store);
/// # let _ = cache;
/// ```
pub struct MemoryStore {
    capacity: u64,
    max_entry: u64,
    state: Mutex<Lru>,
}

#[derive(Default)]
struct Lru {
    entries: HashMap<String, (Bytes, u64)>,
    /// Use order: tick → key, oldest first.
    order: BTreeMap<u64, String>,
    tick: u64,
    size: u64,
}

impl Lru {
    fn touch(&mut self, key: &str) -> Option<Bytes> {
        self.tick += 1;
        let tick = self.tick;
        let (value, used) = self.entries.get_mut(key)?;
        let old = std::mem::replace(used, tick);
        let value = value.clone();
        if let Some(k) = self.order.remove(&old) {
            self.order.insert(tick, k);
        }
        Some(value)
    }

    fn remove(&mut self, key: &str) {
        if let Some((value, used)) = self.entries.remove(key) {
            self.order.remove(&used);
            self.size -= value.len() as u64;
        }
    }
}

impl MemoryStore {
    /// A store holding at most `capacity` bytes of entries; one entry may take up to a
    /// quarter of it unless [`max_entry_size`](Self::max_entry_size) says otherwise.
    pub fn new(capacity: u64) -> Self {
        Self {
            capacity,
            max_entry: capacity / 4,
            state: Mutex::new(Lru::default()),
        }
    }

    /// The largest entry stored; larger responses pass through uncached.
    #[must_use]
    pub fn max_entry_size(mut self, bytes: u64) -> Self {
        self.max_entry = bytes.min(self.capacity);
        self
    }

    /// The bytes held now.
    pub fn size(&self) -> u64 {
        self.lock().size
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Lru> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn put_now(&self, key: &str, value: Bytes) {
        let len = value.len() as u64;
        let mut lru = self.lock();
        lru.remove(key);
        if len > self.max_entry {
            return;
        }
        while lru.size + len > self.capacity {
            let Some((_, oldest)) = lru.order.pop_first() else {
                break;
            };
            if let Some((evicted, _)) = lru.entries.remove(&oldest) {
                lru.size -= evicted.len() as u64;
            }
        }
        lru.tick += 1;
        let tick = lru.tick;
        lru.order.insert(tick, key.to_owned());
        lru.entries.insert(key.to_owned(), (value, tick));
        lru.size += len;
    }
}

impl Default for MemoryStore {
    /// 16 MiB, 4 MiB per entry.
    fn default() -> Self {
        Self::new(16 * 1024 * 1024)
    }
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let lru = self.lock();
        f.debug_struct("MemoryStore")
            .field("entries", &lru.entries.len())
            .field("size", &lru.size)
            .field("capacity", &self.capacity)
            .finish()
    }
}

impl CacheStore for MemoryStore {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Bytes>, BoxError>> {
        let found = self.lock().touch(key);
        Box::pin(std::future::ready(Ok(found)))
    }

    fn put<'a>(&'a self, key: &'a str, value: Bytes) -> BoxFuture<'a, Result<(), BoxError>> {
        self.put_now(key, value);
        Box::pin(std::future::ready(Ok(())))
    }

    fn remove<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), BoxError>> {
        self.lock().remove(key);
        Box::pin(std::future::ready(Ok(())))
    }

    fn remove_prefix<'a>(&'a self, prefix: &'a str) -> BoxFuture<'a, Result<(), BoxError>> {
        let mut lru = self.lock();
        let doomed: Vec<String> = lru
            .entries
            .keys()
            .filter(|k| k.starts_with(prefix))
            .cloned()
            .collect();
        for key in doomed {
            lru.remove(&key);
        }
        Box::pin(std::future::ready(Ok(())))
    }
}

impl<S: CacheStore> CacheStore for std::sync::Arc<S> {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Bytes>, BoxError>> {
        (**self).get(key)
    }

    fn put<'a>(&'a self, key: &'a str, value: Bytes) -> BoxFuture<'a, Result<(), BoxError>> {
        (**self).put(key, value)
    }

    fn put_expiring<'a>(
        &'a self,
        key: &'a str,
        value: Bytes,
        useless_after: Option<SystemTime>,
    ) -> BoxFuture<'a, Result<(), BoxError>> {
        (**self).put_expiring(key, value, useless_after)
    }

    fn remove<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), BoxError>> {
        (**self).remove(key)
    }

    fn remove_prefix<'a>(&'a self, prefix: &'a str) -> BoxFuture<'a, Result<(), BoxError>> {
        (**self).remove_prefix(prefix)
    }

    fn hashing_key(&self) -> Option<[u8; 32]> {
        (**self).hashing_key()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(len: usize) -> Bytes {
        Bytes::from(vec![0_u8; len])
    }

    #[tokio::test]
    async fn the_least_recently_used_entries_go_first_and_size_stays_bounded() {
        let store = MemoryStore::new(100).max_entry_size(60);
        store.put("a", value(40)).await.unwrap();
        store.put("b", value(40)).await.unwrap();
        assert!(
            store.get("a").await.unwrap().is_some(),
            "a is now the most recent"
        );
        store.put("c", value(40)).await.unwrap();
        assert!(
            store.get("b").await.unwrap().is_none(),
            "b was the least recent"
        );
        assert!(store.get("a").await.unwrap().is_some());
        assert!(store.get("c").await.unwrap().is_some());
        assert_eq!(store.size(), 80);
        store.put("huge", value(61)).await.unwrap();
        assert!(
            store.get("huge").await.unwrap().is_none(),
            "over the entry limit"
        );
        store.put("a", value(10)).await.unwrap();
        assert_eq!(store.size(), 50, "a replaced, not added");
    }

    #[tokio::test]
    async fn a_prefix_purge_removes_only_its_keys() {
        let store = MemoryStore::default();
        for key in ["u1|x", "u1|y", "u2|x"] {
            store.put(key, value(1)).await.unwrap();
        }
        store.remove_prefix("u1|").await.unwrap();
        assert!(store.get("u1|x").await.unwrap().is_none());
        assert!(store.get("u1|y").await.unwrap().is_none());
        assert!(store.get("u2|x").await.unwrap().is_some());
        store.remove_prefix("").await.unwrap();
        assert_eq!(store.size(), 0);
    }
}

//! `RedbStore`: cache entries in a redb file, an embedded, crash-safe key-value database.

mod budget;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::SystemTime;

use self::budget::{Budget, RECORDS, Record, millis};

use bytes::Bytes;
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};

use super::store::CacheStore;
use crate::BoxFuture;
use crate::error::{BoxError, Error, Result};

/// The entries, under a name that carries the store's layout version: a file written by
/// another layout is simply a file without this table.
const ENTRIES: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("ferrofit-cache-v2");

/// Version 1's entries held credentials in clear (request headers, URLs): dropped at open.
const OLD_ENTRIES: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("ferrofit-cache-v1");

/// The store's own settings; `hashing-key` is the key the cache hashes credentials under.
const META: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("ferrofit-cache-meta");

const HASHING_KEY: &str = "hashing-key";

/// Default [`RedbStore::capacity`]: 256 MiB.
pub const DEFAULT_REDB_CAPACITY: u64 = 256 * 1024 * 1024;

/// Entries larger than this are read on the blocking pool: copying them out of the file would
/// hold an async worker too long.
const INLINE_READ: u64 = 256 * 1024;

/// Databases open in this process, by canonical path: redb locks a file to one `Database`,
/// and every store opened on the same path shares it.
static OPEN: Mutex<Option<HashMap<PathBuf, Weak<Database>>>> = Mutex::new(None);

/// A persistent cache store in one file, on redb (pure Rust, ACID, copy-on-write B-trees:
/// a process killed mid-write leaves the last committed state, which opens).
///
/// - Opening a path a store of this process already has open shares that database, so several
///   clients (and clones) in one process use one file.
/// - A file that is not a redb database, or is damaged beyond repair, is set aside (renamed
///   `<name>.corrupt`) and a fresh store is created: a cache never fails to open over it.
/// - Entries written in another format version are dropped when read, not reported as errors;
///   those of the first layout, which held credentials in clear, are deleted when the file is
///   opened.
/// - Each write is committed durably (on the blocking pool) before the response is returned.
///   Reads of small entries run inline, being a few cached pages; entries over 256 KiB are
///   read on the blocking pool.
/// - The file is bounded: at most [`capacity`](Self::capacity) bytes of entries (default
///   [`DEFAULT_REDB_CAPACITY`], 256 MiB), none over [`max_entry_size`](Self::max_entry_size)
///   (a quarter of the capacity unless set). A write that takes it over first purges entries
///   past their use (past freshness and every stale allowance the cache has), then the least
///   recently used. Freed pages are reused by later writes, so the file stops growing, and a
///   file that holds much less than its size is compacted when it is opened.
///
/// # Examples
///
/// ```no_run
/// use ferrofit::cache::{CacheInterceptor, RedbStore};
///
/// let store = RedbStore::open("/var/cache/my-app/http.redb")?;
/// let client = ferrofit::Client::builder()
///     .base_url("https://api.example.com")
///     .cache(CacheInterceptor::new(store))
///     .build()?;
/// # let _ = client;
/// # Ok::<(), ferrofit::Error>(())
/// ```
#[derive(Clone)]
pub struct RedbStore {
    db: Arc<Database>,
    path: PathBuf,
    hashing_key: [u8; 32],
    budget: Arc<Budget>,
}

impl RedbStore {
    /// Opens (or creates) the store at `path`; its directory must exist.
    ///
    /// # Errors
    ///
    /// [`Error::File`] when the file can be neither opened nor created (permissions, a
    /// missing directory).
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let canonical = canonical(path);
        let mut open = OPEN.lock().unwrap_or_else(PoisonError::into_inner);
        let open = open.get_or_insert_with(HashMap::new);
        if let Some(db) = open.get(&canonical).and_then(Weak::upgrade) {
            let hashing_key = hashing_key(&db).map_err(|e| file_error(path, &e))?;
            return Ok(Self {
                db,
                path: canonical,
                hashing_key,
                budget: default_budget(),
            });
        }
        let mut db = create(path)?;
        drop_old_entries(&mut db).map_err(|e| file_error(path, &e))?;
        let live = prepare_records(&db).map_err(|e| file_error(path, &e))?;
        compact_if_sparse(&mut db, path, live).map_err(|e| file_error(path, &e))?;
        let hashing_key = hashing_key(&db).map_err(|e| file_error(path, &e))?;
        let db = Arc::new(db);
        open.retain(|_, db| db.strong_count() > 0);
        open.insert(canonical.clone(), Arc::downgrade(&db));
        Ok(Self {
            db,
            path: canonical,
            hashing_key,
            budget: default_budget(),
        })
    }

    /// At most `bytes` of entries in the file (default [`DEFAULT_REDB_CAPACITY`]); the
    /// largest entry becomes a quarter of it unless [`max_entry_size`](Self::max_entry_size)
    /// says otherwise.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// let store = ferrofit::cache::RedbStore::open("http.redb")?
    ///     .capacity(64 * 1024 * 1024)
    ///     .max_entry_size(4 * 1024 * 1024);
    /// # let _ = store;
    /// # Ok::<(), ferrofit::Error>(())
    /// ```
    #[must_use]
    pub fn capacity(mut self, bytes: u64) -> Self {
        self.budget = Arc::new(Budget::new(bytes, bytes / 4));
        self
    }

    /// The largest entry stored; larger responses pass through uncached.
    #[must_use]
    pub fn max_entry_size(mut self, bytes: u64) -> Self {
        self.budget = Arc::new(Budget::new(self.budget.capacity, bytes));
        self
    }

    /// The file the store lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `work` on the blocking pool: redb's calls do file I/O.
    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Database) -> std::result::Result<T, redb::Error> + Send + 'static,
    ) -> std::result::Result<T, BoxError> {
        let db = self.db.clone();
        match tokio::task::spawn_blocking(move || work(&db)).await {
            Ok(result) => result.map_err(Into::into),
            Err(join) => Err(join.into()),
        }
    }
}

/// The path as the registry knows it: canonical when the file exists (or its directory does).
fn canonical(path: &Path) -> PathBuf {
    if let Ok(path) = path.canonicalize() {
        return path;
    }
    match (
        path.parent().and_then(|p| p.canonicalize().ok()),
        path.file_name(),
    ) {
        (Some(dir), Some(name)) => dir.join(name),
        _ => path.to_owned(),
    }
}

/// Opens or creates the database; a file that is not a usable database is set aside.
fn create(path: &Path) -> Result<Database> {
    match Database::create(path) {
        Ok(db) => Ok(db),
        Err(
            error @ (redb::DatabaseError::DatabaseAlreadyOpen
            | redb::DatabaseError::LockProtocolMismatch),
        ) => Err(Error::File {
            path: path.to_owned(),
            kind: std::io::ErrorKind::ResourceBusy,
            message: format!("another process holds the cache: {error}"),
        }),
        // redb reports a file that is not a database (or a truncated one) as invalid data.
        Err(redb::DatabaseError::Storage(redb::StorageError::Io(io)))
            if !matches!(
                io.kind(),
                std::io::ErrorKind::InvalidData | std::io::ErrorKind::UnexpectedEof
            ) =>
        {
            Err(Error::file(path, &io))
        }
        Err(error) => {
            let aside = path.with_extension("corrupt");
            tracing::warn!(
                path = %path.display(),
                error = %error,
                "ferrofit: the cache file cannot be opened; it is set aside and a new one created"
            );
            std::fs::rename(path, &aside).map_err(|e| Error::file(path, &e))?;
            Database::create(path).map_err(|e| Error::File {
                path: path.to_owned(),
                kind: std::io::ErrorKind::Other,
                message: e.to_string(),
            })
        }
    }
}

fn file_error(path: &Path, error: &redb::Error) -> Error {
    Error::File {
        path: path.to_owned(),
        kind: std::io::ErrorKind::Other,
        message: error.to_string(),
    }
}

fn default_budget() -> Arc<Budget> {
    Arc::new(Budget::new(
        DEFAULT_REDB_CAPACITY,
        DEFAULT_REDB_CAPACITY / 4,
    ))
}

/// Gives every entry a record (entries written before records were kept get one that makes
/// them the first to go), drops records without an entry, and returns the bytes the entries
/// hold.
fn prepare_records(db: &Database) -> std::result::Result<u64, redb::Error> {
    let txn = db.begin_write()?;
    let mut live = 0_u64;
    {
        let entries = txn.open_table(ENTRIES)?;
        let mut records = txn.open_table(RECORDS)?;
        for row in entries.iter()? {
            let (key, value) = row?;
            let size = value.value().len() as u64;
            live = live.saturating_add(size);
            if records.get(key.value())?.is_none() {
                let record = Record {
                    size,
                    last_used: 0,
                    useless_after: u64::MAX,
                };
                records.insert(key.value(), record.encode().as_slice())?;
            }
        }
        records.retain(|key, _| entries.get(key).is_ok_and(|found| found.is_some()))?;
    }
    txn.commit()?;
    Ok(live)
}

/// Compacts the file when it is more than twice what its entries hold (and over 4 MiB): the
/// pages of evicted entries are reused by writes, but only compaction gives them back.
fn compact_if_sparse(
    db: &mut Database,
    path: &Path,
    live: u64,
) -> std::result::Result<(), redb::Error> {
    let size = std::fs::metadata(path).map_or(0, |m| m.len());
    if size > 4 * 1024 * 1024 && size > live.saturating_mul(2) {
        // Each pass moves what it can; the last one has nothing left to move.
        while db.compact()? {}
    }
    Ok(())
}

/// Removes the entries of layout version 1, which held credentials in clear, and compacts the
/// file so that their pages are given back.
fn drop_old_entries(db: &mut Database) -> std::result::Result<(), redb::Error> {
    let txn = db.begin_write()?;
    let dropped = txn.delete_table(OLD_ENTRIES)?;
    txn.commit()?;
    if dropped {
        db.compact()?;
    }
    Ok(())
}

/// The file's hashing key, made (from the OS's secure random source) the first time.
fn hashing_key(db: &Database) -> std::result::Result<[u8; 32], redb::Error> {
    let read = db.begin_read()?;
    match read.open_table(META) {
        Ok(table) => {
            if let Some(key) = table.get(HASHING_KEY)?
                && let Ok(key) = <[u8; 32]>::try_from(key.value())
            {
                return Ok(key);
            }
        }
        Err(redb::TableError::TableDoesNotExist(_)) => {}
        Err(error) => return Err(error.into()),
    }
    drop(read);
    let txn = db.begin_write()?;
    let key = {
        let mut table = txn.open_table(META)?;
        // Another process may have written it since we looked.
        let existing = table
            .get(HASHING_KEY)?
            .and_then(|key| <[u8; 32]>::try_from(key.value()).ok());
        match existing {
            Some(key) => key,
            None => {
                let key = super::keys::random_key();
                table.insert(HASHING_KEY, key.as_slice())?;
                key
            }
        }
    };
    txn.commit()?;
    Ok(key)
}

/// The entry under `key`, unless it is over `inline_limit` bytes: then `Err(size)`, to be
/// read off the async threads.
fn read(
    db: &Database,
    key: &str,
    inline_limit: u64,
) -> std::result::Result<std::result::Result<Option<Bytes>, u64>, redb::Error> {
    let txn = db.begin_read()?;
    let table = match txn.open_table(ENTRIES) {
        Ok(table) => table,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Ok(None)),
        Err(error) => return Err(error.into()),
    };
    let Some(value) = table.get(key)? else {
        return Ok(Ok(None));
    };
    let size = value.value().len() as u64;
    if size > inline_limit {
        return Ok(Err(size));
    }
    Ok(Ok(Some(Bytes::copy_from_slice(value.value()))))
}

/// Removes entries and their records.
fn remove_entries<'k>(
    entries: &mut redb::Table<'_, &str, &[u8]>,
    records: &mut redb::Table<'_, &str, &[u8]>,
    keys: impl IntoIterator<Item = &'k str>,
) -> std::result::Result<(), redb::Error> {
    for key in keys {
        entries.remove(key)?;
        records.remove(key)?;
    }
    Ok(())
}

fn write(
    db: &Database,
    change: impl FnOnce(
        &mut redb::Table<'_, &str, &[u8]>,
        &mut redb::Table<'_, &str, &[u8]>,
    ) -> std::result::Result<(), redb::Error>,
) -> std::result::Result<(), redb::Error> {
    let txn = db.begin_write()?;
    {
        let mut entries = txn.open_table(ENTRIES)?;
        let mut records = txn.open_table(RECORDS)?;
        change(&mut entries, &mut records)?;
    }
    txn.commit()?;
    Ok(())
}

/// Stores one entry within `budget`: a too large one is not kept (nor an older value under its
/// key); otherwise it is written with its record, and whatever no longer fits is evicted.
fn put_within(
    db: &Database,
    budget: &Budget,
    key: &str,
    value: &[u8],
    useless_after: u64,
) -> std::result::Result<(), redb::Error> {
    let now = millis(SystemTime::now());
    write(db, |entries, records| {
        budget.record_uses(records)?;
        let size = value.len() as u64;
        if size > budget.max_entry {
            return remove_entries(entries, records, [key]);
        }
        entries.insert(key, value)?;
        let record = Record {
            size,
            last_used: now,
            useless_after,
        };
        records.insert(key, record.encode().as_slice())?;
        let evict = budget::to_evict(records, budget.capacity, now)?;
        remove_entries(entries, records, evict.iter().map(String::as_str))
    })
}

impl CacheStore for RedbStore {
    fn get<'a>(
        &'a self,
        key: &'a str,
    ) -> BoxFuture<'a, std::result::Result<Option<Bytes>, BoxError>> {
        self.budget.note_use(key, millis(SystemTime::now()));
        // A small entry is a few B-tree pages, mostly from redb's cache: microseconds, cheaper
        // inline than a trip through the blocking pool. A large one is copied there.
        match read(&self.db, key, INLINE_READ) {
            Ok(Ok(found)) => Box::pin(std::future::ready(Ok(found))),
            Ok(Err(_large)) => {
                let key = key.to_owned();
                Box::pin(async move {
                    match self.blocking(move |db| read(db, &key, u64::MAX)).await? {
                        Ok(found) => Ok(found),
                        Err(_) => Ok(None),
                    }
                })
            }
            Err(error) => Box::pin(std::future::ready(Err(error.into()))),
        }
    }

    fn put<'a>(
        &'a self,
        key: &'a str,
        value: Bytes,
    ) -> BoxFuture<'a, std::result::Result<(), BoxError>> {
        self.put_expiring(key, value, None)
    }

    fn put_expiring<'a>(
        &'a self,
        key: &'a str,
        value: Bytes,
        useless_after: Option<SystemTime>,
    ) -> BoxFuture<'a, std::result::Result<(), BoxError>> {
        let key = key.to_owned();
        let budget = self.budget.clone();
        let useless_after = useless_after.map_or(u64::MAX, millis);
        Box::pin(self.blocking(move |db| put_within(db, &budget, &key, &value, useless_after)))
    }

    fn remove<'a>(&'a self, key: &'a str) -> BoxFuture<'a, std::result::Result<(), BoxError>> {
        let key = key.to_owned();
        Box::pin(self.blocking(move |db| {
            write(db, |entries, records| {
                remove_entries(entries, records, [key.as_str()])
            })
        }))
    }

    fn remove_prefix<'a>(
        &'a self,
        prefix: &'a str,
    ) -> BoxFuture<'a, std::result::Result<(), BoxError>> {
        let prefix = prefix.to_owned();
        Box::pin(self.blocking(move |db| {
            write(db, |entries, records| {
                entries.retain(|key, _| !key.starts_with(prefix.as_str()))?;
                records.retain(|key, _| !key.starts_with(prefix.as_str()))?;
                Ok(())
            })
        }))
    }

    /// A random key kept in the file, so that partitions of signed-in users survive a restart.
    /// Whoever can read the file can read the key: the hashes keep credentials out of the file,
    /// not out of reach of guessing by someone who has it.
    fn hashing_key(&self) -> Option<[u8; 32]> {
        Some(self.hashing_key)
    }
}

impl std::fmt::Debug for RedbStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedbStore")
            .field("path", &self.path)
            .field("capacity", &self.budget.capacity)
            .field("max_entry_size", &self.budget.max_entry)
            .finish_non_exhaustive()
    }
}

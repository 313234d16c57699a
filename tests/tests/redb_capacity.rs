//! The redb store is bounded: total bytes and entry size, eviction of entries past their use
//! first and then of the least recently used, purging without waiting for a key to be asked
//! again, reads of large entries off the async threads, and compaction of a sparse file.

mod support;

use std::time::{Duration, SystemTime};

use axum::Router;
use axum::extract::Path;
use axum::routing::get;
use ferrofit::cache::{CacheInterceptor, CacheStore, RedbStore};
use ferrofit::{Bytes, Response, rest_api};

#[rest_api]
trait Pages {
    #[get("/pages/<n>")]
    async fn page(&self, n: u32) -> ferrofit::Result<Response<Bytes>>;
}

const PAGE: usize = 512 * 1024;

/// Distinct 512 KiB pages, each fresh for a minute.
async fn page_server() -> String {
    let router = Router::new().route(
        "/pages/{n}",
        get(|Path(n): Path<u32>| async move {
            let fill = u8::try_from(n % 251).unwrap();
            axum::response::Response::builder()
                .header("cache-control", "max-age=60")
                .body(axum::body::Body::from(vec![fill; PAGE]))
                .unwrap()
        }),
    );
    support::server::serve(router).await
}

fn file_size(path: &std::path::Path) -> u64 {
    std::fs::metadata(path).unwrap().len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_pages_stay_within_the_capacity_and_the_newest_are_kept() {
    let dir = support::TempDir::new();
    let path = dir.path().join("pages.redb");
    let capacity = 8 * 1024 * 1024;
    let store = RedbStore::open(&path).unwrap().capacity(capacity);
    let client = ferrofit::Client::builder()
        .base_url(page_server().await)
        .cache(CacheInterceptor::new(store.clone()).max_stale(Duration::from_secs(1)))
        .build()
        .unwrap();
    let pages = PagesClient::new(client);
    let mut halfway = 0;
    for n in 0..100 {
        assert_eq!(pages.page(n).await.unwrap().len(), PAGE);
        if n == 49 {
            halfway = file_size(&path);
        }
    }
    let size = file_size(&path);
    // 50 MiB went through. Copy-on-write pages and redb's regions take room above the
    // entries' own bytes, but the file stops growing: freed pages are reused.
    assert!(size < 5 * capacity, "the file grew to {size} bytes");
    assert!(
        size <= halfway,
        "still growing: {halfway} bytes at 50 pages, {size} at 100"
    );
    assert!(
        pages.page(99).await.unwrap().source().is_from_cache(),
        "the newest page is kept"
    );
    assert!(
        !pages.page(0).await.unwrap().source().is_from_cache(),
        "the oldest was evicted"
    );
}

fn bytes(len: usize) -> Bytes {
    Bytes::from(vec![7_u8; len])
}

/// Waits for the clock's millisecond to change, so the next use is strictly later.
async fn next_millisecond() {
    tokio::time::sleep(Duration::from_millis(3)).await;
}

#[tokio::test]
async fn the_least_recently_used_entry_goes_first() {
    let dir = support::TempDir::new();
    let store = RedbStore::open(dir.path().join("lru.redb"))
        .unwrap()
        .capacity(1000)
        .max_entry_size(1000);
    for key in ["a", "b", "c"] {
        store.put(key, bytes(300)).await.unwrap();
        next_millisecond().await;
    }
    assert!(store.get("a").await.unwrap().is_some());
    next_millisecond().await;
    store.put("d", bytes(300)).await.unwrap();
    assert!(
        store.get("a").await.unwrap().is_some(),
        "used recently: kept"
    );
    assert!(
        store.get("b").await.unwrap().is_none(),
        "least recently used: evicted"
    );
    assert!(store.get("c").await.unwrap().is_some());
    assert!(store.get("d").await.unwrap().is_some());
}

#[tokio::test]
async fn entries_past_their_use_are_purged_first_without_being_asked_for() {
    let dir = support::TempDir::new();
    let store = RedbStore::open(dir.path().join("expired.redb"))
        .unwrap()
        .capacity(1000)
        .max_entry_size(1000);
    let past = SystemTime::now() - Duration::from_secs(1);
    store.put("old-but-used", bytes(300)).await.unwrap();
    next_millisecond().await;
    store
        .put_expiring("useless", bytes(300), Some(past))
        .await
        .unwrap();
    store.put("other", bytes(10)).await.unwrap();
    assert!(
        store.get("useless").await.unwrap().is_none(),
        "purged by another write"
    );
    store.put("more", bytes(700)).await.unwrap();
    assert!(
        store.get("old-but-used").await.unwrap().is_none(),
        "then the least recently used"
    );
}

#[tokio::test]
async fn an_entry_over_the_entry_limit_is_not_kept() {
    let dir = support::TempDir::new();
    let store = RedbStore::open(dir.path().join("big.redb"))
        .unwrap()
        .capacity(4000);
    store.put("small", bytes(1000)).await.unwrap();
    store.put("small", bytes(1001)).await.unwrap();
    assert!(
        store.get("small").await.unwrap().is_none(),
        "over a quarter of the capacity: not kept, nor its older value"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_entries_are_read_whole_and_a_sparse_file_is_compacted_at_open() {
    let dir = support::TempDir::new();
    let path = dir.path().join("sparse.redb");
    {
        let store = RedbStore::open(&path).unwrap();
        for n in 0..40 {
            store.put(&format!("k{n}"), bytes(PAGE)).await.unwrap();
        }
        // Read off the async threads (over 256 KiB), and whole.
        assert_eq!(store.get("k39").await.unwrap().unwrap().len(), PAGE);
        store.remove_prefix("k1").await.unwrap();
        store.remove_prefix("k2").await.unwrap();
        store.remove_prefix("k3").await.unwrap();
    }
    let before = file_size(&path);
    let reopened = RedbStore::open(&path).unwrap();
    let after = file_size(&path);
    assert!(
        after + 1024 * 1024 < before,
        "not compacted: {before} bytes before, {after} after"
    );
    assert_eq!(reopened.get("k0").await.unwrap().unwrap().len(), PAGE);
    assert!(reopened.get("k15").await.unwrap().is_none());
}

#[rest_api]
trait Feed {
    #[get("/feed/<n>")]
    async fn feed(&self, n: u32) -> ferrofit::Result<Response<String>>;

    #[get("/feed/<n>")]
    #[cache(policy = "only_if_cached")]
    async fn stored(&self, n: u32) -> ferrofit::Result<Response<String>>;
}

#[tokio::test]
async fn the_cache_tells_the_store_when_an_entry_is_past_max_stale() {
    let dir = support::TempDir::new();
    let store = RedbStore::open(dir.path().join("max-stale.redb")).unwrap();
    let origin = support::origin::Origin::start().await;
    origin.reply(support::origin::Reply::ok(
        "page",
        &[("cache-control", "max-age=1")],
    ));
    let written_at = SystemTime::now();
    let client = |cache: CacheInterceptor| {
        FeedClient::new(
            ferrofit::Client::builder()
                .base_url(&origin.base_url)
                .cache(cache)
                .build()
                .unwrap(),
        )
    };
    // Fresh for 1 s, and no use once stale: past its use a second after it is written.
    let writer = client(CacheInterceptor::new(store.clone()).max_stale(Duration::ZERO));
    // Reads the store as of the moment of that write, with no `max_stale` of its own: it
    // serves whatever the store still holds.
    let reader = client(CacheInterceptor::new(store).clock(move || written_at));
    writer.feed(1).await.unwrap();
    assert!(reader.stored(1).await.is_ok(), "stored");
    // Real time must pass for the store's clock; nothing is asserted about how long.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    // Another entry's write purges the first without it being asked for.
    writer.feed(2).await.unwrap();
    assert!(
        reader.stored(1).await.is_err(),
        "purged: the cache told the store when the entry stops being of use"
    );
}

//! The cache interceptor against a scripted origin over loopback: freshness, revalidation,
//! `Vary`, `no-store`, `must-revalidate`, offline fallback, partitions, invalidation and each
//! policy. Time is a test clock, never a real sleep.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use ferrofit::auth::{AuthInterceptor, MemoryTokenStore, TokenStore, Tokens};
use ferrofit::cache::{CacheInterceptor, CacheOptions, CachePolicy, MemoryStore};
use ferrofit::{Error, Response, ResponseSource, rest_api};
use support::origin::{Origin, Reply};

#[rest_api]
trait Feed {
    #[get("/feed")]
    async fn feed(&self) -> ferrofit::Result<Response<String>>;

    #[get("/feed")]
    async fn feed_in(
        &self,
        #[header("Accept-Language")] language: &str,
    ) -> ferrofit::Result<Response<String>>;

    #[get("/feed")]
    async fn feed_with(&self, #[extra] cache: CacheOptions) -> ferrofit::Result<Response<String>>;

    #[get("/feed")]
    #[cache(policy = "only_if_cached", max_stale = "1h")]
    async fn feed_offline(&self) -> ferrofit::Result<Response<String>>;

    #[get("/feed")]
    #[cache(never)]
    async fn feed_uncached(&self) -> ferrofit::Result<Response<String>>;

    #[post("/feed")]
    async fn post(&self, #[body] item: &str) -> ferrofit::Result<()>;

    #[head("/feed")]
    async fn head(&self) -> ferrofit::Result<Response<()>>;
}

/// A clock the test moves by hand.
#[derive(Clone)]
struct TestClock {
    start: SystemTime,
    offset: Arc<AtomicU64>,
}

impl TestClock {
    fn new() -> Self {
        Self {
            start: SystemTime::now(),
            offset: Arc::default(),
        }
    }

    fn advance(&self, secs: u64) {
        self.offset.fetch_add(secs, Ordering::SeqCst);
    }

    fn now(&self) -> SystemTime {
        self.start + Duration::from_secs(self.offset.load(Ordering::SeqCst))
    }
}

struct Setup {
    origin: Origin,
    clock: TestClock,
    store: Arc<MemoryStore>,
    api: FeedClient,
}

fn cache(clock: &TestClock, store: &Arc<MemoryStore>) -> CacheInterceptor {
    let clock = clock.clone();
    CacheInterceptor::new(store.clone()).clock(move || clock.now())
}

async fn setup_with(configure: impl FnOnce(CacheInterceptor) -> CacheInterceptor) -> Setup {
    let origin = Origin::start().await;
    let clock = TestClock::new();
    let store = Arc::new(MemoryStore::default());
    let client = ferrofit::Client::builder()
        .base_url(&origin.base_url)
        .cache(configure(cache(&clock, &store)))
        .build()
        .unwrap();
    Setup {
        api: FeedClient::new(client),
        origin,
        clock,
        store,
    }
}

async fn setup() -> Setup {
    setup_with(|cache| cache).await
}

fn header<'a>(headers: &'a ferrofit::http::HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

#[tokio::test]
async fn a_fresh_response_is_served_from_the_store_until_max_age_passes() {
    let s = setup().await;
    s.origin
        .reply(Reply::ok("v1", &[("cache-control", "max-age=60")]));
    let first = s.api.feed().await.unwrap();
    assert_eq!(
        (first.as_str(), first.source()),
        ("v1", ResponseSource::Network)
    );
    s.clock.advance(30);
    let hit = s.api.feed().await.unwrap();
    assert_eq!((hit.as_str(), hit.source()), ("v1", ResponseSource::Cache));
    assert_eq!(header(hit.headers(), "age"), Some("30"));
    assert_eq!(s.origin.hits(), 1);
    s.clock.advance(31);
    s.origin
        .reply(Reply::ok("v2", &[("cache-control", "max-age=60")]));
    let after = s.api.feed().await.unwrap();
    assert_eq!(
        (after.as_str(), after.source()),
        ("v2", ResponseSource::Network)
    );
    assert_eq!(s.origin.hits(), 2);
}

#[tokio::test]
async fn expires_gives_freshness_too() {
    let s = setup().await;
    let expires = httpdate::fmt_http_date(s.clock.now() + Duration::from_secs(100));
    s.origin.reply(Reply::ok("v1", &[("expires", &expires)]));
    s.api.feed().await.unwrap();
    s.clock.advance(50);
    assert_eq!(s.api.feed().await.unwrap().source(), ResponseSource::Cache);
    s.clock.advance(60);
    s.api.feed().await.unwrap();
    assert_eq!(s.origin.hits(), 2);
}

#[tokio::test]
async fn a_stale_etag_is_revalidated_and_a_304_serves_the_stored_body() {
    let s = setup().await;
    s.origin
        .reply(Reply::ok(
            "body-1",
            &[("cache-control", "max-age=10"), ("etag", "\"e1\"")],
        ))
        .reply(Reply::status(
            304,
            "",
            &[("cache-control", "max-age=10"), ("etag", "\"e1\"")],
        ));
    s.api.feed().await.unwrap();
    s.clock.advance(20);
    let revalidated = s.api.feed().await.unwrap();
    assert_eq!(revalidated.as_str(), "body-1");
    assert_eq!(revalidated.source(), ResponseSource::Revalidated);
    assert_eq!(revalidated.status(), 200);
    let (_, _, headers) = s.origin.last();
    assert_eq!(header(&headers, "if-none-match"), Some("\"e1\""));
    // The 304 refreshed the entry: fresh again for 10 s.
    s.clock.advance(5);
    assert_eq!(s.api.feed().await.unwrap().source(), ResponseSource::Cache);
    assert_eq!(s.origin.hits(), 2);
}

#[tokio::test]
async fn last_modified_is_revalidated_with_if_modified_since() {
    let s = setup().await;
    let modified = httpdate::fmt_http_date(s.clock.now() - Duration::from_secs(3600));
    s.origin
        .reply(Reply::ok(
            "lm",
            &[("cache-control", "max-age=1"), ("last-modified", &modified)],
        ))
        .reply(Reply::status(
            304,
            "",
            &[("cache-control", "max-age=1"), ("last-modified", &modified)],
        ));
    s.api.feed().await.unwrap();
    s.clock.advance(5);
    let revalidated = s.api.feed().await.unwrap();
    assert_eq!(
        (revalidated.as_str(), revalidated.source()),
        ("lm", ResponseSource::Revalidated)
    );
    let (_, _, headers) = s.origin.last();
    assert_eq!(
        header(&headers, "if-modified-since"),
        Some(modified.as_str())
    );
}

#[tokio::test]
async fn vary_keeps_variants_apart() {
    let s = setup().await;
    s.origin
        .reply(Reply::ok(
            "english",
            &[("cache-control", "max-age=60"), ("vary", "Accept-Language")],
        ))
        .reply(Reply::ok(
            "deutsch",
            &[("cache-control", "max-age=60"), ("vary", "Accept-Language")],
        ));
    assert_eq!(s.api.feed_in("en").await.unwrap().as_str(), "english");
    assert_eq!(
        s.api.feed_in("en").await.unwrap().source(),
        ResponseSource::Cache
    );
    let german = s.api.feed_in("de").await.unwrap();
    assert_eq!(
        (german.as_str(), german.source()),
        ("deutsch", ResponseSource::Network)
    );
}

#[tokio::test]
async fn no_store_is_never_written() {
    let s = setup().await;
    s.origin.reply(Reply::ok(
        "secret",
        &[("cache-control", "no-store, max-age=60")],
    ));
    s.api.feed().await.unwrap();
    s.api.feed().await.unwrap();
    assert_eq!(s.origin.hits(), 2);
    assert_eq!(s.store.size(), 0);
}

#[tokio::test]
async fn offline_a_stale_entry_is_served_within_max_stale_and_not_beyond() {
    let mut s = setup_with(|c| c.max_stale(Duration::from_secs(3600))).await;
    s.origin
        .reply(Reply::ok("cached", &[("cache-control", "max-age=10")]));
    s.api.feed().await.unwrap();
    s.origin.stop().await;
    s.clock.advance(600);
    let offline = s.api.feed().await.unwrap();
    assert_eq!(
        (offline.as_str(), offline.source()),
        ("cached", ResponseSource::StaleFallback)
    );
    s.clock.advance(3600);
    let error = s.api.feed().await.unwrap_err();
    assert!(matches!(error, Error::Network { .. }), "{error:?}");
    assert_eq!(s.store.size(), 0, "an entry past max_stale is purged");
}

#[tokio::test]
async fn a_503_falls_back_to_the_stale_entry_but_must_revalidate_never_does() {
    let s = setup().await;
    s.origin
        .reply(Reply::ok("ok", &[("cache-control", "max-age=10")]))
        .reply(Reply::status(503, "down", &[]));
    s.api.feed().await.unwrap();
    s.clock.advance(60);
    let fallback = s.api.feed().await.unwrap();
    assert_eq!(
        (fallback.as_str(), fallback.source()),
        ("ok", ResponseSource::StaleFallback)
    );

    let s = setup().await;
    s.origin
        .reply(Reply::ok(
            "strict",
            &[("cache-control", "max-age=10, must-revalidate")],
        ))
        .reply(Reply::status(503, "down", &[]));
    s.api.feed().await.unwrap();
    s.clock.advance(60);
    assert_eq!(
        s.api.feed().await.unwrap_err().status(),
        Some(ferrofit::http::StatusCode::SERVICE_UNAVAILABLE)
    );
}

#[tokio::test]
async fn auth_failures_are_never_answered_from_the_cache() {
    let s = setup_with(|c| c.hit_cache_on_error_codes(&[401, 403, 500])).await;
    s.origin
        .reply(Reply::ok("mine", &[("cache-control", "max-age=10")]))
        .reply(Reply::status(401, "", &[]))
        .reply(Reply::status(403, "", &[("cache-control", "max-age=600")]));
    s.api.feed().await.unwrap();
    s.clock.advance(60);
    assert!(matches!(
        s.api.feed().await.unwrap_err(),
        Error::Unauthorized { .. }
    ));
    assert_eq!(
        s.api.feed().await.unwrap_err().status(),
        Some(ferrofit::http::StatusCode::FORBIDDEN)
    );
    assert_eq!(
        s.api.feed().await.unwrap_err().status(),
        Some(ferrofit::http::StatusCode::FORBIDDEN),
        "403 not stored"
    );
    assert_eq!(s.origin.hits(), 4);
}

#[tokio::test]
async fn two_users_see_two_views() {
    let origin = Origin::start().await;
    origin
        .reply(Reply::ok(
            "alice's feed",
            &[("cache-control", "max-age=600")],
        ))
        .reply(Reply::ok("bob's feed", &[("cache-control", "max-age=600")]));
    let clock = TestClock::new();
    let store = Arc::new(MemoryStore::default());
    let tokens = Arc::new(MemoryTokenStore::with_tokens(
        Tokens::new("a-1").with_subject("alice"),
    ));
    let client = ferrofit::Client::builder()
        .base_url(&origin.base_url)
        .interceptor(AuthInterceptor::new(
            tokens.clone(),
            |t: Tokens| async move { Ok(t) },
        ))
        .cache(cache(&clock, &store).partition_by_tokens(tokens.clone()))
        .build()
        .unwrap();
    let api = FeedClient::new(client);
    assert_eq!(api.feed().await.unwrap().as_str(), "alice's feed");
    // Logout, login as bob: the cached feed is alice's, and stays hers.
    tokens.set(Tokens::new("b-1").with_subject("bob"));
    let bob = api.feed().await.unwrap();
    assert_eq!(
        (bob.as_str(), bob.source()),
        ("bob's feed", ResponseSource::Network)
    );
    tokens.set(Tokens::new("a-2").with_subject("alice"));
    let alice = api.feed().await.unwrap();
    assert_eq!(
        (alice.as_str(), alice.source()),
        ("alice's feed", ResponseSource::Cache)
    );
    assert_eq!(origin.hits(), 2);
}

#[tokio::test]
async fn a_successful_post_invalidates_the_url() {
    let s = setup().await;
    s.origin
        .reply(Reply::ok("before", &[("cache-control", "max-age=600")]))
        .reply(Reply::status(201, "", &[]))
        .reply(Reply::ok("after", &[("cache-control", "max-age=600")]));
    s.api.feed().await.unwrap();
    assert_eq!(s.api.feed().await.unwrap().source(), ResponseSource::Cache);
    s.api.post("new item").await.unwrap();
    assert_eq!(s.api.feed().await.unwrap().as_str(), "after");
}

#[tokio::test]
async fn each_policy_does_what_it_says() {
    let s = setup().await;
    let plain: &[(&str, &str)] = &[];
    s.origin.reply(Reply::ok("n1", plain));
    let policy = |p| CacheOptions::new().policy(p);
    // Nothing storable by the RFC: Standard stores nothing, RefreshForceCache stores anyway.
    s.api
        .feed_with(policy(CachePolicy::Standard))
        .await
        .unwrap();
    assert!(matches!(
        s.api.feed_offline().await,
        Err(Error::CacheMiss { .. })
    ));
    s.origin.reply(Reply::ok("n2", plain));
    s.api
        .feed_with(policy(CachePolicy::RefreshForceCache))
        .await
        .unwrap();
    let only = s.api.feed_offline().await.unwrap();
    assert_eq!(only.as_str(), "n2");
    // ForceCache serves it, stale or not; Refresh asks the network anyway.
    s.clock.advance(10);
    assert_eq!(
        s.api
            .feed_with(policy(CachePolicy::ForceCache))
            .await
            .unwrap()
            .as_str(),
        "n2"
    );
    s.origin
        .reply(Reply::ok("n3", &[("cache-control", "max-age=60")]));
    let refreshed = s.api.feed_with(policy(CachePolicy::Refresh)).await.unwrap();
    assert_eq!(
        (refreshed.as_str(), refreshed.source()),
        ("n3", ResponseSource::Network)
    );
    assert_eq!(
        s.api.feed().await.unwrap().as_str(),
        "n3",
        "Refresh stored it"
    );
    // NoCache (`#[cache(never)]`) asks the network and deletes the entry.
    s.origin
        .reply(Reply::ok("n4", &[("cache-control", "max-age=60")]));
    assert_eq!(s.api.feed_uncached().await.unwrap().as_str(), "n4");
    assert!(matches!(
        s.api.feed_offline().await,
        Err(Error::CacheMiss { .. })
    ));
    assert_eq!(s.origin.hits(), 4);
}

#[tokio::test]
async fn only_if_cached_respects_its_max_stale_and_must_revalidate() {
    let s = setup().await;
    s.origin
        .reply(Reply::ok("x", &[("cache-control", "max-age=10")]));
    s.api.feed().await.unwrap();
    s.clock.advance(1800);
    let stale = s.api.feed_offline().await.unwrap();
    assert_eq!(stale.source(), ResponseSource::StaleFallback);
    s.clock.advance(3600);
    assert!(
        matches!(s.api.feed_offline().await, Err(Error::CacheMiss { .. })),
        "past the endpoint's 1h"
    );

    let s = setup().await;
    s.origin.reply(Reply::ok(
        "x",
        &[("cache-control", "max-age=10, must-revalidate")],
    ));
    s.api.feed().await.unwrap();
    s.clock.advance(60);
    assert!(matches!(
        s.api.feed_offline().await,
        Err(Error::CacheMiss { .. })
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_tasks_read_and_write_at_once() {
    let s = setup().await;
    s.origin
        .reply(Reply::ok("shared", &[("cache-control", "max-age=600")]));
    s.api.feed().await.unwrap();
    let api = s.api.clone();
    let tasks: Vec<_> = (0..64)
        .map(|i| {
            let api = api.clone();
            tokio::spawn(async move {
                if i % 8 == 0 {
                    api.feed_with(CacheOptions::new().policy(CachePolicy::Refresh))
                        .await
                } else {
                    api.feed().await
                }
            })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap().as_str(), "shared");
    }
    assert_eq!(s.api.feed().await.unwrap().source(), ResponseSource::Cache);
    assert_eq!(
        s.origin.hits(),
        1 + 8,
        "only the first call and the 8 refreshes went out"
    );
}

#[tokio::test]
async fn clear_cache_empties_the_store() {
    let s = setup().await;
    s.origin
        .reply(Reply::ok("x", &[("cache-control", "max-age=600")]));
    s.api.feed().await.unwrap();
    assert!(s.store.size() > 0);
    s.api.client().clear_cache().await.unwrap();
    assert_eq!(s.store.size(), 0);
}

#[tokio::test]
async fn a_304_refreshes_headers_but_never_the_stored_etag_or_date() {
    let s = setup().await;
    s.origin
        .reply(Reply::ok(
            "old",
            &[
                ("cache-control", "max-age=1"),
                ("etag", "\"a\""),
                ("x-version", "1"),
            ],
        ))
        .reply(Reply::status(
            304,
            "",
            &[
                ("cache-control", "max-age=100"),
                ("etag", "\"b\""),
                ("x-version", "2"),
            ],
        ));
    let first = s.api.feed().await.unwrap();
    s.clock.advance(5);
    let revalidated = s.api.feed().await.unwrap();
    assert_eq!(
        (revalidated.as_str(), revalidated.source()),
        ("old", ResponseSource::Revalidated)
    );
    assert_eq!(header(revalidated.headers(), "x-version"), Some("2"));
    assert_eq!(header(revalidated.headers(), "etag"), Some("\"a\""));
    assert_eq!(
        header(revalidated.headers(), "date"),
        header(first.headers(), "date")
    );
    s.clock.advance(50);
    assert_eq!(
        s.api.feed().await.unwrap().source(),
        ResponseSource::Cache,
        "fresh for the 304's max-age"
    );
}

#[tokio::test]
async fn the_log_interceptor_added_first_logs_where_responses_came_from() {
    use std::io::Write;
    #[derive(Clone, Default)]
    struct Lines(Arc<std::sync::Mutex<Vec<u8>>>);
    impl Write for Lines {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Lines {
        type Writer = Lines;
        fn make_writer(&'a self) -> Lines {
            self.clone()
        }
    }
    let origin = Origin::start().await;
    origin.reply(Reply::ok("x", &[("cache-control", "max-age=60")]));
    let clock = TestClock::new();
    let store = Arc::new(MemoryStore::default());
    let client = ferrofit::Client::builder()
        .base_url(&origin.base_url)
        .cache(cache(&clock, &store))
        .interceptor(ferrofit::log::LogInterceptor::new())
        .build()
        .unwrap();
    let api = FeedClient::new(client);
    let lines = Lines::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(lines.clone())
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .finish();
    {
        let _guard = tracing::subscriber::set_default(subscriber);
        api.feed().await.unwrap();
        api.feed().await.unwrap();
    }
    let text = String::from_utf8(lines.0.lock().unwrap().clone()).unwrap();
    let sources: Vec<&str> = text
        .lines()
        .filter_map(|l| l.split("source=\"").nth(1)?.split('"').next())
        .collect();
    assert_eq!(sources, ["network", "cache"], "{text}");
    assert_eq!(origin.hits(), 1);
}

#[tokio::test]
async fn a_head_is_answered_from_the_stored_get() {
    let s = setup().await;
    s.origin.reply(Reply::ok(
        "body",
        &[("cache-control", "max-age=60"), ("x-version", "7")],
    ));
    s.api.feed().await.unwrap();
    let head = s.api.head().await.unwrap();
    assert_eq!(head.source(), ResponseSource::Cache);
    assert_eq!(header(head.headers(), "x-version"), Some("7"));
    assert_eq!(s.origin.hits(), 1);
}

#[tokio::test]
async fn stale_if_error_extends_the_offline_window_past_max_stale() {
    let s = setup_with(|c| c.max_stale(Duration::from_secs(60))).await;
    s.origin
        .reply(Reply::ok(
            "sie",
            &[("cache-control", "max-age=10, stale-if-error=86400")],
        ))
        .reply(Reply::status(503, "", &[]));
    s.api.feed().await.unwrap();
    s.clock.advance(3600);
    // An hour stale: past the client's max_stale, within the server's stale-if-error.
    let fallback = s.api.feed().await.unwrap();
    assert_eq!(
        (fallback.as_str(), fallback.source()),
        ("sie", ResponseSource::StaleFallback)
    );
    // Only for errors: a policy that serves stale data by itself stays within max_stale.
    let forced = s
        .api
        .feed_with(CacheOptions::new().policy(CachePolicy::OnlyIfCached))
        .await;
    assert!(matches!(forced, Err(Error::CacheMiss { .. })), "{forced:?}");
}

#[tokio::test]
async fn a_partition_is_purged_alone() {
    let origin = Origin::start().await;
    origin.reply(Reply::ok("feed", &[("cache-control", "max-age=600")]));
    let clock = TestClock::new();
    let store = Arc::new(MemoryStore::default());
    let tokens = Arc::new(MemoryTokenStore::with_tokens(
        Tokens::new("a").with_subject("alice"),
    ));
    let cache = cache(&clock, &store).partition_by_tokens(tokens.clone());
    let client = ferrofit::Client::builder()
        .base_url(&origin.base_url)
        .cache(cache.clone())
        .build()
        .unwrap();
    let api = FeedClient::new(client);
    api.feed().await.unwrap();
    tokens.set(Tokens::new("b").with_subject("bob"));
    api.feed().await.unwrap();
    cache
        .clear_partition_of(&Tokens::new("x").with_subject("alice"))
        .await
        .unwrap();
    assert_eq!(
        api.feed().await.unwrap().source(),
        ResponseSource::Cache,
        "bob's entry stays"
    );
    tokens.set(Tokens::new("a").with_subject("alice"));
    assert_eq!(
        api.feed().await.unwrap().source(),
        ResponseSource::Network,
        "alice's is gone"
    );
    assert_eq!(origin.hits(), 3);
}

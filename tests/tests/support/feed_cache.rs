//! A feed API behind a cache interceptor with a test clock, for the cache tests.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use ferrofit::cache::{CacheInterceptor, CacheOptions, MemoryStore};
use ferrofit::{Response, rest_api};

use super::origin::Origin;

#[rest_api]
pub trait Feed {
    #[get("/feed")]
    async fn feed(&self) -> ferrofit::Result<Response<String>>;

    #[get("/feed")]
    async fn feed_in(
        &self,
        #[header("Accept-Language")] language: &str,
    ) -> ferrofit::Result<Response<String>>;

    #[get("/feed")]
    async fn feed_if_none_match(
        &self,
        #[header("If-None-Match")] etag: &str,
    ) -> ferrofit::Result<Response<String>>;

    #[get("/feed")]
    async fn feed_with(&self, #[extra] cache: CacheOptions) -> ferrofit::Result<Response<String>>;

    #[get("/feed")]
    #[cache(policy = "only_if_cached", max_stale = "1h")]
    async fn feed_offline(&self) -> ferrofit::Result<Response<String>>;

    #[get("/feed")]
    #[cache(policy = "only_if_cached", max_stale = "1h")]
    async fn feed_offline_unless(
        &self,
        #[extra] cache: CacheOptions,
    ) -> ferrofit::Result<Response<String>>;

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
pub struct TestClock {
    pub start: SystemTime,
    pub offset: Arc<AtomicU64>,
}

impl TestClock {
    pub fn new() -> Self {
        Self {
            start: SystemTime::now(),
            offset: Arc::default(),
        }
    }

    pub fn advance(&self, secs: u64) {
        self.offset.fetch_add(secs, Ordering::SeqCst);
    }

    pub fn now(&self) -> SystemTime {
        self.start + Duration::from_secs(self.offset.load(Ordering::SeqCst))
    }
}

pub struct Setup {
    pub origin: Origin,
    pub clock: TestClock,
    pub store: Arc<MemoryStore>,
    pub api: FeedClient,
}

pub fn cache(clock: &TestClock, store: &Arc<MemoryStore>) -> CacheInterceptor {
    let clock = clock.clone();
    CacheInterceptor::new(store.clone()).clock(move || clock.now())
}

pub async fn setup_with(configure: impl FnOnce(CacheInterceptor) -> CacheInterceptor) -> Setup {
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

pub async fn setup() -> Setup {
    setup_with(|cache| cache).await
}

pub fn header<'a>(headers: &'a ferrofit::http::HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

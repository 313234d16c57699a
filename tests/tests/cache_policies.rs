//! The cache interceptor's policies, per call and per endpoint; partitions per user; many
//! tasks at once; clearing; what the log interceptor says about cache hits.

mod support;

use std::sync::Arc;

use ferrofit::auth::{AuthInterceptor, MemoryTokenStore, TokenStore, Tokens};
use ferrofit::cache::{CacheOptions, CachePolicy, MemoryStore};
use ferrofit::{Error, ResponseSource};
use support::feed_cache::{Feed as _, FeedClient, TestClock, cache, setup};
use support::origin::{Origin, Reply};

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
async fn the_log_interceptor_added_first_logs_where_responses_came_from() {
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
    let lines = support::log_capture::Captured::default();
    {
        let _guard = tracing::subscriber::set_default(support::log_capture::subscriber(&lines));
        api.feed().await.unwrap();
        api.feed().await.unwrap();
    }
    let text = lines.text();
    let sources: Vec<&str> = text
        .lines()
        .filter_map(|l| l.split("source=\"").nth(1)?.split('"').next())
        .collect();
    assert_eq!(sources, ["network", "cache"], "{text}");
    assert_eq!(origin.hits(), 1);
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

#[tokio::test]
async fn a_custom_partition_keeps_tenants_apart() {
    let origin = Origin::start().await;
    origin
        .reply(Reply::ok("acme", &[("cache-control", "max-age=600")]))
        .reply(Reply::ok("globex", &[("cache-control", "max-age=600")]));
    let clock = TestClock::new();
    let store = Arc::new(MemoryStore::default());
    let tenant_cache = cache(&clock, &store).partition_with(|request| {
        request
            .headers()
            .get("x-tenant")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    });
    let for_tenant = |tenant: &'static str| {
        ferrofit::Client::builder()
            .base_url(&origin.base_url)
            .default_header("X-Tenant", tenant)
            .cache(tenant_cache.clone())
            .build()
            .map(FeedClient::new)
            .unwrap()
    };
    let (acme, globex) = (for_tenant("acme"), for_tenant("globex"));
    assert_eq!(acme.feed().await.unwrap().as_str(), "acme");
    let other = globex.feed().await.unwrap();
    assert_eq!(
        (other.as_str(), other.source()),
        ("globex", ResponseSource::Network)
    );
    assert_eq!(acme.feed().await.unwrap().source(), ResponseSource::Cache);
    assert_eq!(origin.hits(), 2);
}

#[tokio::test]
async fn a_calls_cache_options_win_over_the_endpoints_cache_attribute() {
    let s = setup().await;
    s.origin.reply(Reply::ok(
        "from the network",
        &[("cache-control", "max-age=600")],
    ));
    // The endpoint says `only_if_cached`: nothing is stored, so alone it is a miss.
    let standard = CacheOptions::new().policy(CachePolicy::Standard);
    assert!(matches!(
        s.api.feed_offline_unless(CacheOptions::new()).await,
        Err(Error::CacheMiss { .. })
    ));
    let response = s.api.feed_offline_unless(standard).await.unwrap();
    assert_eq!(
        (response.as_str(), response.source()),
        ("from the network", ResponseSource::Network),
        "the call's policy won"
    );
    assert_eq!(s.origin.hits(), 1);
}

/// Counts the requests that reach it.
struct Counting(Arc<std::sync::atomic::AtomicUsize>);

impl ferrofit::Interceptor for Counting {
    fn intercept<'a>(
        &'a self,
        request: ferrofit::Request,
        next: ferrofit::Next<'a>,
    ) -> ferrofit::BoxFuture<'a, ferrofit::Result<ferrofit::RawResponse>> {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        next.run(request)
    }
}

#[tokio::test]
async fn a_cache_hit_wakes_no_interceptor_added_before_the_cache() {
    let origin = Origin::start().await;
    origin.reply(Reply::ok("feed", &[("cache-control", "max-age=600")]));
    let clock = TestClock::new();
    let store = Arc::new(MemoryStore::default());
    let (woken, refreshed) = (
        Arc::default(),
        Arc::new(std::sync::atomic::AtomicUsize::new(0)),
    );
    let tokens = Arc::new(MemoryTokenStore::with_tokens(
        Tokens::new("t").with_subject("ann"),
    ));
    let refreshes = refreshed.clone();
    let client = ferrofit::Client::builder()
        .base_url(&origin.base_url)
        .interceptor(Counting(Arc::clone(&woken)))
        .interceptor(AuthInterceptor::new(tokens.clone(), move |t: Tokens| {
            refreshes.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            async move { Ok(t) }
        }))
        .interceptor(ferrofit::retry::RetryInterceptor::new(
            ferrofit::retry::RetryPolicy::new(),
        ))
        .cache(cache(&clock, &store).partition_by_tokens(tokens))
        .build()
        .unwrap();
    let api = FeedClient::new(client);
    api.feed().await.unwrap();
    assert_eq!(
        woken.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "the miss"
    );
    for _ in 0..3 {
        assert_eq!(api.feed().await.unwrap().source(), ResponseSource::Cache);
    }
    assert_eq!(
        woken.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "no hit reached the interceptors added before `.cache()`"
    );
    assert_eq!(origin.hits(), 1);
    assert_eq!(refreshed.load(std::sync::atomic::Ordering::SeqCst), 0);
}

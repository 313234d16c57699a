//! `RedisCacheStore` against a real `redis-server`: two stores with their own connections (two
//! processes of a fleet, as far as Redis can tell) share entries and partitions, entries expire
//! with their use, no secret reaches a Redis value, and a Redis that goes down costs hits, not
//! calls.

mod support;

use std::sync::atomic::Ordering;
use std::time::{Duration, SystemTime};

use ferrofit::auth::StaticAuth;
use ferrofit::cache::{CacheInterceptor, CacheStore, RedisCacheStore};
use ferrofit::{Response, ResponseSource, rest_api};
use support::hyper_server::{HyperServer, counting, ok};
use support::redis::Redis;
use support::tcp_gate::TcpGate;

#[rest_api]
trait Feed {
    #[get("/feed")]
    async fn feed(&self, #[query] access_token: &str) -> ferrofit::Result<Response<String>>;
}

/// A cacheable feed that hands out a cookie.
fn feed() -> hyper::Response<http_body_util::Full<ferrofit::Bytes>> {
    let mut response = ok("the feed");
    let headers = response.headers_mut();
    headers.insert("cache-control", "private, max-age=600".parse().unwrap());
    headers.insert("set-cookie", "sid=cookie-s3cr3t".parse().unwrap());
    response
}

fn client(server: &HyperServer, store: RedisCacheStore) -> FeedClient {
    let client = ferrofit::Client::builder()
        .base_url(&server.base_url)
        .interceptor(StaticAuth::bearer("token-s3cr3t"))
        .default_header("X-Api-Key", "key-s3cr3t")
        .cache(CacheInterceptor::new(store))
        .build()
        .unwrap();
    FeedClient::new(client)
}

/// A store with a timeout a busy machine cannot miss: the tests check sharing, not speed.
async fn connect(redis: &Redis) -> RedisCacheStore {
    RedisCacheStore::connect(&redis.url(), "fleet-test")
        .await
        .expect("Redis answers")
        .timeout(Duration::from_secs(10))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_one_process_stores_another_hits_and_no_secret_is_in_redis() {
    let Some(redis) = Redis::start() else {
        return;
    };
    let (server, served) = counting(feed).await;
    let first = client(&server, connect(&redis).await);
    let second = client(&server, connect(&redis).await);

    let stored = first.feed("qs-s3cr3t").await.unwrap();
    assert_eq!(stored.source(), ResponseSource::Network);
    let hit = second.feed("qs-s3cr3t").await.unwrap();
    assert_eq!(hit.source(), ResponseSource::Cache);
    assert_eq!(hit.as_str(), "the feed");
    assert!(!hit.headers().contains_key("set-cookie"));
    assert_eq!(
        served.load(Ordering::SeqCst),
        1,
        "the second process never asked the server"
    );

    let all = redis.everything().await;
    assert!(
        all.iter()
            .any(|(key, _)| key.starts_with("fleet-test:cache:")),
        "{all:?}"
    );
    for (key, value) in &all {
        let text = format!("{key} {}", String::from_utf8_lossy(value));
        for secret in ["token-s3cr3t", "key-s3cr3t", "qs-s3cr3t", "cookie-s3cr3t"] {
            assert!(
                !text.contains(secret),
                "`{secret}` at rest in Redis: {text}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partition_cleared_by_one_process_is_gone_for_all_and_globs_are_literal() {
    let Some(redis) = Redis::start() else {
        return;
    };
    let (one, two) = (connect(&redis).await, connect(&redis).await);
    for key in ["u1/a", "u1/b", "u1*x", "u2/a"] {
        one.put(key, key.into()).await.unwrap();
    }
    // `u1*` is a prefix of its own here, not a pattern that would take `u1/a` along.
    two.remove_prefix("u1*").await.unwrap();
    assert_eq!(one.get("u1*x").await.unwrap(), None);
    assert_eq!(
        one.get("u1/a").await.unwrap().as_deref(),
        Some(&b"u1/a"[..])
    );
    two.remove_prefix("u1/").await.unwrap();
    assert_eq!(one.get("u1/a").await.unwrap(), None);
    assert_eq!(one.get("u1/b").await.unwrap(), None);
    assert_eq!(
        one.get("u2/a").await.unwrap().as_deref(),
        Some(&b"u2/a"[..])
    );
    assert_eq!(
        one.hashing_key(),
        two.hashing_key(),
        "the fleet hashes alike"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entries_expire_with_their_use_and_large_ones_are_not_shared() {
    let Some(redis) = Redis::start() else {
        return;
    };
    let store = connect(&redis).await.max_entry_size(16);
    let until = SystemTime::now() + Duration::from_secs(30);
    store
        .put_expiring("k", "small".into(), Some(until))
        .await
        .unwrap();
    let client = redis::Client::open(redis.url()).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let ttl: i64 = redis::cmd("PTTL")
        .arg("fleet-test:cache:k")
        .query_async(&mut connection)
        .await
        .unwrap();
    assert!((1..=30_000).contains(&ttl), "{ttl}");
    store
        .put("k", "far more than sixteen bytes".into())
        .await
        .unwrap();
    assert_eq!(
        store.get("k").await.unwrap(),
        None,
        "the older copy went too"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_that_goes_down_costs_hits_not_calls() {
    let Some(mut redis) = Redis::start() else {
        return;
    };
    let (server, served) = counting(feed).await;
    let api = client(&server, connect(&redis).await);
    api.feed("x").await.unwrap();
    redis.stop();
    for _ in 0..3 {
        let response = api.feed("x").await.expect("the network answers");
        assert_eq!(response.source(), ResponseSource::Network);
    }
    assert_eq!(served.load(Ordering::SeqCst), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_that_is_down_is_skipped_for_a_second_after_a_failure() {
    let Some(redis) = Redis::start() else {
        return;
    };
    let (server, served) = counting(feed).await;
    let gate = TcpGate::start(redis.port()).await;
    let store = RedisCacheStore::connect(&format!("redis://127.0.0.1:{}", gate.port), "fleet-test")
        .await
        .expect("Redis answers");
    let api = client(&server, store);
    api.feed("x").await.unwrap();
    gate.shut();
    let before = gate.accepted();
    for _ in 0..20 {
        let response = api.feed("x").await.expect("the network answers");
        assert_eq!(response.source(), ResponseSource::Network);
    }
    assert_eq!(served.load(Ordering::SeqCst), 21);
    // One failed command opens the breaker; the calls after it do not try Redis for a
    // second (each command would otherwise reconnect). A busy machine may take a few
    // seconds for the 20 calls, and try once more each second.
    let tries = gate.accepted() - before;
    assert!(tries <= 8, "{tries} connection attempts for 20 calls");
}

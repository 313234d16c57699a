//! `RedisRateLimit` against a real `redis-server`: clients with their own connections (the
//! processes of a fleet, as far as Redis can tell) share one limit per host, counted, not
//! timed; a Redis that is down leaves each process pacing alone.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use ferrofit::rate_limit::{RateLimitInterceptor, RedisRateLimit};
use ferrofit::{Error, rest_api};
use support::hyper_server::{HyperServer, ok};
use support::redis::Redis;

#[rest_api]
trait Ping {
    #[get("/ping")]
    async fn ping(&self) -> ferrofit::Result<String>;
}

async fn counting_server() -> (HyperServer, Arc<AtomicUsize>) {
    let served = Arc::new(AtomicUsize::new(0));
    let count = served.clone();
    let server = HyperServer::start(move |_request| {
        let count = count.clone();
        async move {
            count.fetch_add(1, Ordering::SeqCst);
            ok("pong")
        }
    })
    .await;
    (server, served)
}

/// One process of the fleet: its own connection to Redis, failing fast when the fleet's
/// slots are taken.
async fn worker(redis: &Redis, server: &HyperServer) -> PingClient {
    // 10 calls per 100 s: one slot frees every 10 s, far longer than the test takes to run
    // its 30 calls even on a busy machine.
    let shared = RedisRateLimit::connect(&redis.url(), "fleet-test", 10, Duration::from_secs(100))
        .await
        .expect("Redis answers");
    let client = ferrofit::Client::builder()
        .base_url(&server.base_url)
        .interceptor(
            RateLimitInterceptor::new()
                .shared(shared)
                .max_wait(Duration::ZERO),
        )
        .build()
        .unwrap();
    PingClient::new(client)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_processes_together_stay_within_one_limit() {
    let Some(redis) = Redis::start() else {
        return;
    };
    let (server, served) = counting_server().await;
    let fleet = [
        worker(&redis, &server).await,
        worker(&redis, &server).await,
        worker(&redis, &server).await,
    ];
    let mut refused = 0;
    for round in 0..10 {
        for api in &fleet {
            match api.ping().await {
                Ok(_) => {}
                Err(Error::RateLimited { retry_after, .. }) => {
                    assert!(
                        retry_after <= Duration::from_secs(10),
                        "{retry_after:?} in round {round}"
                    );
                    refused += 1;
                }
                Err(other) => panic!("{other:?}"),
            }
        }
    }
    let sent = served.load(Ordering::SeqCst);
    // The burst of 10, and at most one slot more if 10 s passed.
    assert!((10..=11).contains(&sent), "{sent} calls reached the server");
    assert_eq!(sent + refused, 30);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_that_goes_down_leaves_each_process_pacing_alone() {
    let Some(mut redis) = Redis::start() else {
        return;
    };
    let (server, served) = counting_server().await;
    let api = worker(&redis, &server).await;
    api.ping().await.unwrap();
    redis.stop();
    for _ in 0..20 {
        api.ping()
            .await
            .expect("no shared limit to wait for: the call goes");
    }
    assert_eq!(served.load(Ordering::SeqCst), 21);
}

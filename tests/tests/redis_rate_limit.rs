//! `RedisRateLimit` against a real `redis-server`: clients with their own connections (the
//! processes of a fleet, as far as Redis can tell) share one limit per host, counted, not
//! timed; a Redis that is down leaves each process pacing alone.

mod support;

use std::sync::atomic::Ordering;
use std::time::Duration;

use ferrofit::rate_limit::{RateLimitInterceptor, RedisRateLimit};
use ferrofit::{Error, rest_api};
use support::hyper_server::{HyperServer, counting, ok};
use support::redis::Redis;

#[rest_api]
trait Ping {
    #[get("/ping")]
    async fn ping(&self) -> ferrofit::Result<String>;
}

fn pong() -> hyper::Response<http_body_util::Full<ferrofit::Bytes>> {
    ok("pong")
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
    let (server, served) = counting(pong).await;
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
    let (server, served) = counting(pong).await;
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

/// How long each worker process sends calls for.
const WORKER_SECONDS: u64 = 5;

/// One worker process: sends calls to the server for `WORKER_SECONDS`, as fast as the fleet's
/// limit (50 a second, bursts of 5) lets it. Run by its parent only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a child process of four_processes_together_send_what_one_limit_allows"]
async fn fleet_worker() {
    let given = support::child::value("fleet_worker");
    let (redis_url, base_url) = given.split_once(' ').expect("two URLs");
    let shared = RedisRateLimit::connect(redis_url, "fleet-test", 50, Duration::from_secs(1))
        .await
        .expect("Redis answers")
        .burst(5);
    let client = ferrofit::Client::builder()
        .base_url(base_url)
        .interceptor(RateLimitInterceptor::new().shared(shared))
        .build()
        .unwrap();
    let api = PingClient::new(client);
    let until = std::time::Instant::now() + Duration::from_secs(WORKER_SECONDS);
    while std::time::Instant::now() < until {
        api.ping().await.expect("a paced call goes");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_processes_together_send_what_one_limit_allows() {
    let Some(redis) = Redis::start() else {
        return;
    };
    let (server, served) = counting(pong).await;
    let given = format!("{} {}", redis.url(), server.base_url);
    let started = std::time::Instant::now();
    support::fleet::run_children("fleet_worker", 4, given).await;
    // Every call happened between the first start and the last exit: at 50 a second plus
    // one burst of 5, that window bounds the count however slowly the machine started the
    // workers. Alone, four processes would have sent four times as many.
    let window = started.elapsed().as_secs_f64();
    let sent = served.load(Ordering::SeqCst) as u64;
    // Two calls of slack for the millisecond rounding of Redis's clock in the script.
    let most = (50.0 * window).ceil() as u64 + 5 + 2;
    println!("{sent} calls reached the server in a window of {window:.2} s (at most {most})");
    assert!(
        sent <= most,
        "{sent} calls reached the server, at most {most} allowed"
    );
    assert!(sent >= 50, "the workers ran: {sent}");
}

//! `RedisTokenStore` against a real `redis-server` and a provider that rotates refresh tokens
//! and revokes the family on reuse: real child processes of this test binary, each with its
//! own client, connection pool and Redis connections, share one session and refresh it once.

mod support;

use std::time::Duration;

use ferrofit::auth::{TokenStore, Tokens};
use support::child;
use support::fleet::{Account as _, account, expired_session, run_children, store};
use support::redis::Redis;
use support::rotating_provider::{Counts, RotatingProvider};

/// Calls the API this many times in each process, all at once.
const CALLS: usize = 50;

/// One process of the fleet: 50 calls at once with the fleet's (expired) session.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a child process of eight_processes_with_an_expired_token_refresh_once"]
async fn fleet_member() {
    let given = child::value("fleet_member");
    let [redis_url, provider_url, namespace] = given.split(' ').collect::<Vec<_>>()[..] else {
        panic!("three values: {given}");
    };
    let api = account(provider_url, store(redis_url, namespace).await);
    let calls = (0..CALLS).map(|_| {
        let api = api.clone();
        tokio::spawn(async move { api.me().await })
    });
    for call in futures_util::future::join_all(calls).await {
        call.unwrap()
            .expect("the call succeeds with the fleet's refreshed token");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_processes_with_an_expired_token_refresh_once() {
    let Some(redis) = Redis::start() else {
        return;
    };
    let provider = RotatingProvider::start(Duration::ZERO).await;
    let mut seen = Vec::new();
    for round in 0..20 {
        provider.reset();
        let namespace = format!("fleet-{round}");
        store(&redis.url(), &namespace)
            .await
            .sign_in(expired_session())
            .await
            .unwrap();
        let given = format!("{} {} {namespace}", redis.url(), provider.base_url);
        run_children("fleet_member", 8, given).await;
        seen.push(provider.counts());
    }
    let expected = Counts {
        refreshes: 1,
        reuses: 0,
        successes: 8 * CALLS,
    };
    assert!(seen.iter().all(|c| *c == expected), "{seen:#?}");
}

/// One process adding 25 to the number the fleet's access token holds, by compare-and-set.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a child process of compare_and_set_from_eight_processes_loses_no_increment"]
async fn counting_member() {
    let given = child::value("counting_member");
    let (redis_url, namespace) = given.split_once(' ').expect("two values");
    let store = store(redis_url, namespace).await;
    for _ in 0..25 {
        loop {
            let current = store.reload().await.unwrap().expect("signed in");
            let n: u32 = current.access_token().parse().unwrap();
            if store
                .replace(&current, Tokens::new((n + 1).to_string()))
                .await
                .unwrap()
            {
                break;
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compare_and_set_from_eight_processes_loses_no_increment() {
    let Some(redis) = Redis::start() else {
        return;
    };
    let store = store(&redis.url(), "counting").await;
    store.sign_in(Tokens::new("0")).await.unwrap();
    run_children("counting_member", 8, format!("{} counting", redis.url())).await;
    let total = store.reload().await.unwrap().unwrap();
    assert_eq!(total.access_token(), "200");
    assert_eq!(store.get().unwrap().access_token(), "200");
}

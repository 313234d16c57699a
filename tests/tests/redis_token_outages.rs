//! `RedisTokenStore` when Redis goes away: calls go on from memory and refresh in-process,
//! the refreshed tokens are written back when Redis returns (empty, as a Redis that saves
//! nothing does), and a Redis that lost its data neither signs the fleet out nor brings
//! back a session that was signed out.

mod support;

use std::time::Duration;

use ferrofit::auth::{TokenStore, Tokens};
use support::fleet::{Account as _, account, expired_session, quick_store};
use support::redis::Redis;
use support::rotating_provider::{Counts, RotatingProvider};
use support::tcp_gate::TcpGate;

/// Polls `what` (reading memory only) for up to 20 s.
async fn eventually(what: &str, done: impl Fn() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(
            std::time::Instant::now() < deadline,
            "waited 20 s for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn access(store: &impl TokenStore) -> Option<String> {
    store.get().map(|t| t.access_token().to_owned())
}

/// The access token a process connecting to Redis finds first, waiting up to 10 s for one
/// (after a restart, until some process wrote the session back).
async fn first_written_back(redis: &Redis, namespace: &str) -> Option<String> {
    for _ in 0..100 {
        let found = access(&quick_store(&redis.url(), namespace).await);
        if found.is_some() {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_refreshed_while_redis_is_down_are_written_back_over_older_ones() {
    let Some(mut redis) = Redis::start() else {
        return;
    };
    let provider = RotatingProvider::start(Duration::ZERO).await;
    // This process reaches Redis through a gate the test shuts and opens.
    let gate = TcpGate::start(redis.port()).await;
    let here = quick_store(&format!("redis://127.0.0.1:{}", gate.port), "outage").await;
    here.sign_in(expired_session()).await.unwrap();
    let elsewhere = quick_store(&redis.url(), "outage").await;
    assert_eq!(access(&elsewhere).as_deref(), Some("a0"));

    redis.stop();
    gate.shut();
    let api = account(&provider.base_url, here.clone());
    for _ in 0..20 {
        api.me()
            .await
            .expect("a call that works without Redis works while it is down");
    }
    assert_eq!(provider.counts().refreshes, 1, "refreshed once, in-process");

    // Redis comes back empty, and the other process writes back the old tokens it knows.
    redis.restart();
    let seen = first_written_back(&redis, "outage").await;
    assert_eq!(
        seen.as_deref(),
        Some("a0"),
        "the other process wrote back a0"
    );
    // Then this process gets through: its refreshed tokens win over the older ones, and
    // the other process takes them instead of refreshing r0 again.
    gate.open();
    eventually("the other process to get the refreshed tokens", || {
        access(&elsewhere).as_deref() == Some("a1")
    })
    .await;
    let other_api = account(&provider.base_url, elsewhere.clone());
    for _ in 0..10 {
        other_api.me().await.expect("the fleet's tokens work");
    }
    let expected = Counts {
        refreshes: 1,
        reuses: 0,
        successes: 30,
    };
    assert_eq!(provider.counts(), expected);
    let newcomer = quick_store(&redis.url(), "outage").await;
    assert_eq!(access(&newcomer).as_deref(), Some("a1"), "Redis holds them");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_that_lost_its_data_keeps_the_session_and_keeps_a_sign_out() {
    let Some(mut redis) = Redis::start() else {
        return;
    };
    let one = quick_store(&redis.url(), "lost").await;
    one.sign_in(Tokens::new("t1").with_refresh("r1"))
        .await
        .unwrap();
    let two = quick_store(&redis.url(), "lost").await;

    redis.restart();
    let restored = first_written_back(&redis, "lost").await;
    assert_eq!(
        restored.as_deref(),
        Some("t1"),
        "written back, not signed out"
    );
    assert_eq!(access(&one).as_deref(), Some("t1"));
    assert_eq!(access(&two).as_deref(), Some("t1"));

    one.sign_out().await.unwrap();
    eventually("the sign-out to reach the other process", || {
        two.get().is_none()
    })
    .await;
    redis.restart();
    // Long enough for both processes to read Redis many times (every 200 ms).
    tokio::time::sleep(Duration::from_secs(2)).await;
    let newcomer = quick_store(&redis.url(), "lost").await;
    assert!(newcomer.get().is_none(), "the signed-out session stays out");
    assert!(one.get().is_none() && two.get().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_in_after_redis_lost_its_data_wins_over_what_a_cut_off_process_held() {
    let Some(mut redis) = Redis::start() else {
        return;
    };
    let gate = TcpGate::start(redis.port()).await;
    let cut_off = quick_store(&format!("redis://127.0.0.1:{}", gate.port), "relogin").await;
    cut_off
        .sign_in(Tokens::new("old-user").with_refresh("old-r"))
        .await
        .unwrap();
    gate.shut();
    // Cut off, the process changes the old session (a refresh of its own).
    let old = cut_off.get().unwrap();
    assert!(cut_off.compare_and_set(&old, Tokens::new("old-user-2").with_refresh("old-r2")));

    // Redis loses its data and a new user signs in: the count starts again at 1.
    redis.restart();
    let newcomer = quick_store(&redis.url(), "relogin").await;
    newcomer
        .sign_in(Tokens::new("new-user").with_refresh("new-r"))
        .await
        .unwrap();
    gate.open();
    eventually("the cut-off process to take the new sign-in", || {
        access(&cut_off).as_deref() == Some("new-user")
    })
    .await;
    let later = quick_store(&redis.url(), "relogin").await;
    assert_eq!(
        access(&later).as_deref(),
        Some("new-user"),
        "the old session's change did not overwrite the new sign-in"
    );
    assert_eq!(access(&newcomer).as_deref(), Some("new-user"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_redis_holds_no_call_and_a_refresh_goes_on_alone() {
    let Some(redis) = Redis::start() else {
        return;
    };
    let provider = RotatingProvider::start(Duration::ZERO).await;
    let store = quick_store(&redis.url(), "stalled").await;
    store.sign_in(expired_session()).await.unwrap();
    let api = account(&provider.base_url, store.clone());
    api.me().await.expect("refreshed through the fleet");

    redis.stall(30).await;
    for _ in 0..20 {
        api.me().await.expect("tokens come from memory");
    }
    // A refresh cannot reach the fleet: after its wait for Redis it goes on alone.
    provider.expire_access();
    api.me().await.expect("refreshed in this process");
    assert!(
        redis.is_stalled().await,
        "all of that while Redis was stalled"
    );
    let expected = Counts {
        refreshes: 2,
        reuses: 0,
        successes: 22,
    };
    assert_eq!(provider.counts(), expected);
}

//! The fleet's refresh lease when its holder fails: killed (SIGKILL) before its request left,
//! killed after the provider rotated the token, or stalled (SIGSTOP) until a successor took
//! over. Real child processes, a real `redis-server`, the rotating provider.

mod support;

use std::time::Duration;

use ferrofit::Error;
use ferrofit::auth::TokenStore;
use support::child;
use support::fleet::{Account as _, Pause, account_pausing, expired_session, spawn_holding, store};
use support::redis::Redis;
use support::rotating_provider::{Counts, RotatingProvider};

/// How long a survivor's refresh may take: the lease, and a few seconds for a busy machine.
const RECOVERY: Duration = Duration::from_secs(2 + 8);

/// A process that takes the lease and stops in its refresher (where its given pause says);
/// its parent kills or pauses it there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a child process of the lease tests"]
async fn lease_holder() {
    let given = child::value("lease_holder");
    let [redis_url, provider_url, namespace, pause] = given.split(' ').collect::<Vec<_>>()[..]
    else {
        panic!("four values: {given}");
    };
    let pause = match pause {
        "before" => Pause::BeforeSending,
        _ => Pause::AfterRotation(Duration::from_secs(1)),
    };
    let store = store(redis_url, namespace).await;
    let api = account_pausing(provider_url, store.clone(), pause, Duration::from_secs(60));
    // Paused and woken after a successor took over: its late result does not win, and
    // the call goes on with the successor's tokens.
    api.me()
        .await
        .expect("the call succeeds with the fleet's tokens");
    println!("ended with {}", store.get().unwrap().access_token());
}

/// A fleet whose session is expired, a provider with a `grace` period, and a holder started
/// with `pause` that has taken the lease.
async fn fleet_with_holder(
    redis: &Redis,
    grace: Duration,
    pause: &str,
) -> (
    RotatingProvider,
    child::Running,
    ferrofit::auth::RedisTokenStore,
) {
    let provider = RotatingProvider::start(grace).await;
    let survivor = store(&redis.url(), "leases").await;
    survivor.sign_in(expired_session()).await.unwrap();
    let given = format!("{} {} leases {pause}", redis.url(), provider.base_url);
    let holder = spawn_holding("lease_holder", given).await;
    (provider, holder, survivor)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_holder_killed_before_its_request_left_is_replaced_by_one_survivor() {
    let Some(redis) = Redis::start() else {
        return;
    };
    let (provider, holder, survivor) = fleet_with_holder(&redis, Duration::ZERO, "before").await;
    holder.kill();
    let api = account_pausing(&provider.base_url, survivor.clone(), Pause::Never, RECOVERY);
    api.me()
        .await
        .expect("a survivor refreshes once the lease ran out");
    let expected = Counts {
        refreshes: 1,
        reuses: 0,
        successes: 1,
    };
    assert_eq!(provider.counts(), expected);
    assert_eq!(
        survivor.reload().await.unwrap().unwrap().access_token(),
        "a1"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_holder_killed_after_the_rotation_gets_one_fenced_retry_within_the_grace_period() {
    let Some(redis) = Redis::start() else {
        return;
    };
    let (provider, holder, survivor) =
        fleet_with_holder(&redis, Duration::from_secs(60), "after").await;
    // The provider rotated r0 to r1, and the holder dies with r1.
    holder.kill();
    assert_eq!(provider.counts().refreshes, 1);
    let api = account_pausing(&provider.base_url, survivor.clone(), Pause::Never, RECOVERY);
    api.me()
        .await
        .expect("the retry with r0 is taken within the grace period");
    // A second survivor finds the session refreshed: no third refresh.
    let late = account_pausing(
        &provider.base_url,
        store(&redis.url(), "leases").await,
        Pause::Never,
        RECOVERY,
    );
    late.me().await.expect("the fleet's tokens work");
    let expected = Counts {
        refreshes: 2,
        reuses: 0,
        successes: 2,
    };
    assert_eq!(provider.counts(), expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_holder_woken_after_a_successor_took_over_does_not_win() {
    let Some(redis) = Redis::start() else {
        return;
    };
    let (provider, holder, survivor) =
        fleet_with_holder(&redis, Duration::from_secs(60), "after").await;
    // The provider rotated r0 to r1 for the holder, which stalls past its lease.
    holder.signal("STOP");
    let api = account_pausing(&provider.base_url, survivor.clone(), Pause::Never, RECOVERY);
    api.me().await.expect("a successor refreshes with r0");
    assert_eq!(survivor.get().unwrap().access_token(), "a2");
    holder.signal("CONT");
    assert!(
        holder.wait(),
        "the woken holder goes on with the successor's tokens"
    );
    assert_eq!(
        survivor.reload().await.unwrap().unwrap().access_token(),
        "a2",
        "the holder's late a1 did not overwrite the successor's a2"
    );
    assert_eq!(provider.counts().reuses, 0);
    assert_eq!(provider.counts().refreshes, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_strict_provider_the_fenced_retry_ends_the_session_once() {
    let Some(redis) = Redis::start() else {
        return;
    };
    let (provider, holder, survivor) = fleet_with_holder(&redis, Duration::ZERO, "after").await;
    holder.kill();
    let api = account_pausing(&provider.base_url, survivor.clone(), Pause::Never, RECOVERY);
    let error = api.me().await.unwrap_err();
    assert!(matches!(error, Error::Unauthorized { .. }), "{error:?}");
    assert!(survivor.get().is_none(), "signed out");
    // Another process sees the session ended: it presents nothing again.
    let other = store(&redis.url(), "leases").await;
    assert!(other.get().is_none());
    assert_eq!(provider.counts().reuses, 1, "one retry, never more");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_holder_and_its_one_retry_both_vanish_the_token_is_not_presented_again() {
    let Some(redis) = Redis::start() else {
        return;
    };
    let (provider, first, survivor) =
        fleet_with_holder(&redis, Duration::from_secs(60), "after").await;
    first.kill();
    // The one fenced retry, taken within the grace period, dies after the rotation too.
    let given = format!("{} {} leases after", redis.url(), provider.base_url);
    let second = spawn_holding("lease_holder", given).await;
    second.kill();
    assert_eq!(provider.counts().refreshes, 2);

    let api = account_pausing(&provider.base_url, survivor.clone(), Pause::Never, RECOVERY);
    let error = api.me().await.unwrap_err();
    assert!(matches!(error, Error::Unauthorized { .. }), "{error:?}");
    let expected = Counts {
        refreshes: 2,
        reuses: 0,
        successes: 0,
    };
    assert_eq!(
        provider.counts(),
        expected,
        "r0 was presented twice (once rotated, once as the retry), never a third time"
    );
    assert!(survivor.get().is_none(), "signed out");
    let newcomer = store(&redis.url(), "leases").await;
    assert!(newcomer.get().is_none(), "signed out for the whole fleet");
}

//! `RedisTokenStore` against a real `redis-server` and a provider that rotates refresh tokens
//! and revokes the family on reuse: real child processes of this test binary, each with its
//! own client, connection pool and Redis connections, share one session and refresh it once.

mod support;

use std::time::Duration;

use ferrofit::auth::{RedisTokenStore, TokenKey, TokenStore, Tokens};
use support::child;
use support::fleet::{Account as _, account, expired_session, run_children, store};
use support::hyper_server::{HyperServer, ok};
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
        println!("round {round}: {:?}", provider.counts());
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_key_no_token_is_in_redis_or_its_messages_and_forged_values_are_refused() {
    let Some(redis) = Redis::start() else {
        return;
    };
    let client = redis::Client::open(redis.url()).unwrap();
    let mut pubsub = client.get_async_pubsub().await.unwrap();
    pubsub.subscribe("secret:tokens:ann").await.unwrap();
    let messages = std::sync::Arc::new(std::sync::Mutex::new(Vec::<Vec<u8>>::new()));
    let heard = messages.clone();
    tokio::spawn(async move {
        let mut stream = pubsub.into_on_message();
        while let Some(message) = futures_util::StreamExt::next(&mut stream).await {
            heard
                .lock()
                .unwrap()
                .push(message.get_payload_bytes().to_vec());
        }
    });
    let key = TokenKey::from_bytes([9; 32]);
    let keyed = |key: TokenKey| async {
        RedisTokenStore::builder(&redis.url(), "secret", "ann")
            .encryption_key(key)
            .connect()
            .await
            .unwrap()
    };
    let one = keyed(key.clone()).await;
    one.sign_in(
        Tokens::new("acc-s3cr3t-1")
            .with_refresh("ref-s3cr3t-1")
            .with_subject("ann@example.com"),
    )
    .await
    .unwrap();
    let two = keyed(key.clone()).await;
    assert_eq!(two.get().unwrap().access_token(), "acc-s3cr3t-1");
    let current = one.get().unwrap();
    let next = Tokens::new("acc-s3cr3t-2").with_refresh("ref-s3cr3t-2");
    assert!(one.replace(&current, next).await.unwrap());
    support::wait_until("the other process to hear of the new tokens", || {
        two.get()
            .is_some_and(|t| t.access_token() == "acc-s3cr3t-2")
    })
    .await;

    let wrong_key = keyed(TokenKey::from_bytes([8; 32])).await;
    assert!(wrong_key.get().is_none(), "another key opens nothing");

    // Whoever can write to Redis but has no key cannot hand the fleet tokens, nor sign it
    // out with an empty value.
    let mut raw = client.get_multiplexed_async_connection().await.unwrap();
    for forged in [&br#"p1{"a":"forged"}"#[..], b""] {
        let _: () = redis::cmd("HSET")
            .arg("secret:tokens:ann")
            .arg(&["g", "99", "s", "attacker"][..])
            .arg("d")
            .arg(forged)
            .query_async(&mut raw)
            .await
            .unwrap();
        let held = two.reload().await.unwrap().unwrap();
        assert_eq!(held.access_token(), "acc-s3cr3t-2", "{forged:?} believed");
    }

    support::wait_until("two messages on the channel", || {
        messages.lock().unwrap().len() >= 2
    })
    .await;
    let mut everything: Vec<Vec<u8>> = messages.lock().unwrap().clone();
    everything.extend(redis.everything().await.into_iter().map(|(_, value)| value));
    for value in everything {
        let text = String::from_utf8_lossy(&value);
        for secret in ["s3cr3t", "example.com"] {
            assert!(!text.contains(secret), "`{secret}` in Redis: {text}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_token_endpoint_is_tried_once_by_the_fleet_not_by_each_process() {
    let Some(redis) = Redis::start() else {
        return;
    };
    let token_calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = token_calls.clone();
    let server = HyperServer::start(move |request: hyper::Request<hyper::body::Incoming>| {
        let count = count.clone();
        async move {
            let (status, body) = if request.uri().path() == "/token" {
                count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                (503, "token endpoint down")
            } else {
                (401, r#"{"error":"invalid_token"}"#)
            };
            let mut response = ok(body);
            *response.status_mut() = hyper::StatusCode::from_u16(status).unwrap();
            response
        }
    })
    .await;
    store(&redis.url(), "failing")
        .await
        .sign_in(expired_session())
        .await
        .unwrap();
    let mut fleet = Vec::new();
    for _ in 0..8 {
        fleet.push(account(
            &server.base_url,
            store(&redis.url(), "failing").await,
        ));
    }
    let calls = fleet.iter().map(|api| api.me());
    for result in futures_util::future::join_all(calls).await {
        let error = result.unwrap_err();
        assert!(
            !matches!(error, ferrofit::Error::Unauthorized { .. }),
            "a failure of the endpoint, not of the session: {error:?}"
        );
    }
    let tried = token_calls.load(std::sync::atomic::Ordering::SeqCst);
    // One try, and one more if a busy machine started a process after the pause.
    assert!(tried <= 2, "the token endpoint was tried {tried} times");
}

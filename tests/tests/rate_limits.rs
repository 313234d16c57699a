//! Rate limits as APIs send them: `Retry-After` on any retried status (GitHub's 403 secondary
//! limit), provider retry hints (`Stripe-Should-Retry`), automatic `Idempotency-Key`s, and a
//! `RateLimitInterceptor` that paces calls per host and stops before a used-up quota. Waits
//! run on tokio's paused clock with the in-memory mock transport (no socket makes the paused
//! clock jump); the fail-fast case runs over loopback.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use ferrofit::http::Method;
use ferrofit::rate_limit::RateLimitInterceptor;
use ferrofit::retry::{RetryInterceptor, RetryPolicy};
use ferrofit::testing::{MockReply, MockTransport};
use ferrofit::{Error, Request, rest_api};
use support::hyper_server::{HyperServer, ok};
use tokio::time::Instant;

#[rest_api]
trait Repos {
    #[get("/repos")]
    async fn list(&self) -> ferrofit::Result<String>;

    #[post("/charges")]
    async fn charge(&self) -> ferrofit::Result<String>;
}

/// The requests a scripted transport received, each with the moment it arrived.
type Arrivals = Arc<Mutex<Vec<(Instant, Request)>>>;

/// Replies with `replies` in turn (the last one for ever), noting when and what arrived.
fn scripted(replies: Vec<MockReply>) -> (MockTransport, Arrivals) {
    let mock = MockTransport::new();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let replies = Arc::new(replies);
    let reply = move |request: &Request| {
        let mut log = log.lock().unwrap();
        log.push((Instant::now(), request.clone()));
        replies[(log.len() - 1).min(replies.len() - 1)].clone()
    };
    mock.on(Method::GET, "/repos")
        .reply(MockReply::from_request(reply.clone()));
    mock.on(Method::POST, "/charges")
        .reply(MockReply::from_request(reply));
    (mock, seen)
}

fn client(
    mock: &MockTransport,
    policy: RetryPolicy,
    limit: Option<RateLimitInterceptor>,
) -> ReposClient {
    let mut builder = support::mock_builder("https://api.test", mock)
        .interceptor(RetryInterceptor::new(policy.without_jitter()));
    if let Some(limit) = limit {
        builder = builder.interceptor(limit);
    }
    ReposClient::new(builder.build().unwrap())
}

fn gaps(seen: &Mutex<Vec<(Instant, Request)>>) -> Vec<u64> {
    let seen = seen.lock().unwrap();
    seen.windows(2)
        .map(|pair| (pair[1].0 - pair[0].0).as_millis() as u64)
        .collect()
}

#[tokio::test(start_paused = true)]
async fn a_403_secondary_limit_is_retried_after_its_retry_after() {
    let (mock, seen) = scripted(vec![
        MockReply::status(403).header("retry-after", "2"),
        MockReply::status(403)
            .header("x-ratelimit-remaining", "0")
            .header("x-ratelimit-reset", "3"),
        MockReply::status(200).body("repos"),
    ]);
    let api = client(&mock, RetryPolicy::new(), None);
    assert_eq!(api.list().await.unwrap(), "repos");
    assert_eq!(gaps(&seen), [2000, 3000]);

    let (mock, seen) = scripted(vec![
        MockReply::status(500).header("retry-after", "1"),
        MockReply::status(200).body("repos"),
    ]);
    client(&mock, RetryPolicy::new(), None)
        .list()
        .await
        .unwrap();
    assert_eq!(gaps(&seen), [1000], "Retry-After counts on a 500 too");

    let (mock, seen) = scripted(vec![MockReply::status(403)]);
    assert!(
        client(&mock, RetryPolicy::new(), None)
            .list()
            .await
            .is_err()
    );
    assert_eq!(seen.lock().unwrap().len(), 1, "a plain 403 is not retried");
}

#[tokio::test(start_paused = true)]
async fn provider_retry_hints_decide_but_idempotency_still_rules() {
    let policy = || RetryPolicy::new().retry_hint("Stripe-Should-Retry");
    let (mock, seen) = scripted(vec![
        MockReply::status(409).header("stripe-should-retry", "true"),
        MockReply::status(200).body("repos"),
    ]);
    assert_eq!(client(&mock, policy(), None).list().await.unwrap(), "repos");
    assert_eq!(
        seen.lock().unwrap().len(),
        2,
        "a 409 the provider says to retry"
    );

    let (mock, seen) = scripted(vec![
        MockReply::status(503).header("stripe-should-retry", "false"),
    ]);
    assert!(client(&mock, policy(), None).list().await.is_err());
    assert_eq!(
        seen.lock().unwrap().len(),
        1,
        "a 503 the provider says not to retry"
    );

    let (mock, seen) = scripted(vec![
        MockReply::status(409).header("stripe-should-retry", "true"),
        MockReply::status(200).body("charged"),
    ]);
    assert!(client(&mock, policy(), None).charge().await.is_err());
    assert_eq!(
        seen.lock().unwrap().len(),
        1,
        "a POST without a key is never sent twice"
    );
}

#[tokio::test(start_paused = true)]
async fn an_automatic_idempotency_key_is_the_same_on_every_attempt_and_new_per_call() {
    let (mock, seen) = scripted(vec![
        MockReply::status(503),
        MockReply::status(502),
        MockReply::status(200).body("charged"),
    ]);
    let api = client(&mock, RetryPolicy::new().idempotency_keys(), None);
    assert_eq!(api.charge().await.unwrap(), "charged");
    api.charge().await.unwrap();
    let keys: Vec<String> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|(_, request)| {
            request.headers()["idempotency-key"]
                .to_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(keys.len(), 4);
    assert!(keys[0] == keys[1] && keys[1] == keys[2], "{keys:?}");
    assert_ne!(keys[2], keys[3], "a new call, a new key");
    assert_eq!(keys[0].len(), 36);
}

#[tokio::test(start_paused = true)]
async fn calls_are_paced_per_host_and_wait_for_a_used_up_quota_to_reset() {
    let (mock, seen) = scripted(vec![MockReply::status(200).body("repos")]);
    let limit = RateLimitInterceptor::new().per_host(2, Duration::from_secs(1));
    let api = client(&mock, RetryPolicy::new(), Some(limit));
    for _ in 0..5 {
        api.list().await.unwrap();
    }
    assert_eq!(
        gaps(&seen),
        [0, 500, 500, 500],
        "a burst of 2, then one every 500 ms"
    );

    let (mock, seen) = scripted(vec![
        MockReply::status(200)
            .body("last one")
            .header("ratelimit", r#""default";r=0;t=4"#),
        MockReply::status(200).body("repos"),
    ]);
    let api = client(&mock, RetryPolicy::new(), Some(RateLimitInterceptor::new()));
    api.list().await.unwrap();
    api.list().await.unwrap();
    assert_eq!(gaps(&seen), [4000], "the second call waited for the reset");
}

#[tokio::test]
async fn a_wait_beyond_the_cap_fails_fast_with_the_reset_time_and_sends_nothing() {
    let hits = Arc::new(Mutex::new(0));
    let count = hits.clone();
    let server = HyperServer::start(move |_| {
        *count.lock().unwrap() += 1;
        async {
            let mut response = ok("[]");
            let headers = response.headers_mut();
            headers.insert("x-ratelimit-remaining", "0".parse().unwrap());
            // An hour from now, as GitHub writes it: a Unix time.
            let reset = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs()
                + 3600;
            headers.insert("x-ratelimit-reset", reset.to_string().parse().unwrap());
            response
        }
    })
    .await;
    let api = ReposClient::new(
        ferrofit::Client::builder()
            .base_url(&server.base_url)
            .interceptor(RateLimitInterceptor::new().max_wait(Duration::from_secs(5)))
            .build()
            .unwrap(),
    );
    api.list().await.unwrap();
    let error = api.list().await.unwrap_err();
    assert!(!error.is_retryable(), "a retry would only be refused again");
    let Error::RateLimited {
        retry_after,
        reset_at,
        ..
    } = error
    else {
        panic!("{error:?}");
    };
    assert!(retry_after > Duration::from_secs(3500), "{retry_after:?}");
    assert!(reset_at > std::time::SystemTime::now() + Duration::from_secs(3500));
    assert_eq!(*hits.lock().unwrap(), 1, "nothing was sent");
}

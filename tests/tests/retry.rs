//! Retries: backoff on retryable failures, Retry-After, idempotency rules, per-endpoint limits,
//! the retry budget under an always-failing server, cancellation during backoff, deadlines,
//! and the attempt count on the final error.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ferrofit::http::{Method, StatusCode};
use ferrofit::retry::{RetryBudget, RetryInterceptor, RetryPolicy};
use ferrofit::testing::{MockReply, MockTransport};
use ferrofit::{CancelToken, Error, NetworkKind, rest_api};
use httpmock::prelude::*;
use serde_json::json;

#[rest_api]
trait Orders {
    #[get("/orders")]
    async fn list(&self) -> ferrofit::Result<serde_json::Value>;

    #[get("/orders")]
    async fn list_cancellable(
        &self,
        #[cancel] cancel: &CancelToken,
    ) -> ferrofit::Result<serde_json::Value>;

    #[post("/orders")]
    async fn create(&self, #[header("Idempotency-Key")] key: Option<&str>) -> ferrofit::Result<()>;

    #[post("/orders/retryable")]
    #[idempotent]
    async fn create_idempotent(&self) -> ferrofit::Result<()>;

    #[patch("/orders/1")]
    #[idempotent]
    async fn patch_idempotent(&self) -> ferrofit::Result<()>;

    #[patch("/orders/1")]
    async fn patch(&self) -> ferrofit::Result<()>;

    #[get("/orders")]
    #[retry(never)]
    async fn list_once(&self) -> ferrofit::Result<serde_json::Value>;

    #[get("/orders")]
    #[retry(max = 5)]
    async fn list_persistently(&self) -> ferrofit::Result<serde_json::Value>;
}

fn fast_policy() -> RetryPolicy {
    RetryPolicy::new().backoff(Duration::from_millis(100), 2.0, Duration::from_secs(2))
}

fn client_with(mock: &MockTransport, retry: RetryInterceptor) -> OrdersClient {
    let client = support::mock_builder("http://orders.test", mock)
        .interceptor(retry)
        .build()
        .unwrap();
    OrdersClient::new(client)
}

fn client(mock: &MockTransport) -> OrdersClient {
    client_with(mock, RetryInterceptor::new(fast_policy()))
}

/// `status` for the first `times` requests to `path`, then 200.
fn flaky(mock: &MockTransport, method: Method, path: &str, reply: MockReply, times: usize) {
    mock.on(method.clone(), path).times(times).reply(reply);
    mock.on(method, path)
        .reply(MockReply::json(200, &json!(["ok"])));
}

#[tokio::test]
async fn a_503_is_retried_until_it_succeeds_over_http() {
    let server = MockServer::start_async().await;
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = seen.clone();
    server
        .mock_async(move |when, then| {
            when.method(GET).path("/orders");
            then.respond_with(move |_| {
                let n = counter.fetch_add(1, Ordering::SeqCst);
                let status = if n < 2 { 503 } else { 200 };
                ferrofit::http::Response::builder()
                    .status(status)
                    .body(b"[1]".to_vec())
                    .unwrap()
                    .into()
            });
        })
        .await;
    let client = ferrofit::Client::builder()
        .base_url(server.base_url())
        .interceptor(RetryInterceptor::new(RetryPolicy::new().backoff(
            Duration::from_millis(1),
            2.0,
            Duration::from_millis(5),
        )))
        .build()
        .unwrap();
    assert_eq!(OrdersClient::new(client).list().await.unwrap(), json!([1]));
    assert_eq!(seen.load(Ordering::SeqCst), 3);
}

#[tokio::test(start_paused = true)]
async fn retry_after_seconds_are_waited_for() {
    let mock = MockTransport::new();
    flaky(
        &mock,
        Method::GET,
        "/orders",
        MockReply::status(429).header("retry-after", "7"),
        1,
    );
    let started = tokio::time::Instant::now();
    client(&mock).list().await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(7),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(mock.requests().len(), 2);
}

#[tokio::test(start_paused = true)]
async fn retry_after_dates_are_waited_for() {
    let mock = MockTransport::new();
    // From the next whole second, so the date loses no fraction when formatted: the wait
    // is then 30 s minus however long the test took to get to the retry (real time).
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    let date = httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(now.as_secs() + 1 + 30));
    flaky(
        &mock,
        Method::GET,
        "/orders",
        MockReply::status(503).header("retry-after", &date),
        1,
    );
    let started = tokio::time::Instant::now();
    client(&mock).list().await.unwrap();
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_secs(29) && waited <= Duration::from_secs(31),
        "{waited:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_retry_after_beyond_the_maximum_is_not_waited_for() {
    let mock = MockTransport::new();
    flaky(
        &mock,
        Method::GET,
        "/orders",
        MockReply::status(503).header("retry-after", "3600"),
        1,
    );
    let error = client(&mock).list().await.unwrap_err();
    assert_eq!(error.status().unwrap().as_u16(), 503);
    assert_eq!(mock.requests().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn post_is_retried_only_with_an_idempotency_key_or_when_marked() {
    let mock = MockTransport::new();
    mock.on(Method::POST, "/orders")
        .reply(MockReply::status(503));
    mock.on(Method::POST, "/orders/retryable")
        .reply(MockReply::status(503));
    let api = client(&mock);

    api.create(None).await.unwrap_err();
    assert_eq!(
        mock.requests().len(),
        1,
        "a POST without a key is sent once"
    );

    mock.reset();
    mock.on(Method::POST, "/orders")
        .reply(MockReply::status(503));
    let error = api.create(Some("key-42")).await.unwrap_err();
    assert_eq!(error.attempts(), 3);
    let keys: Vec<_> = mock
        .requests()
        .iter()
        .map(|r| r.headers()["idempotency-key"].to_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        keys,
        ["key-42", "key-42", "key-42"],
        "the same key on every attempt"
    );

    mock.reset();
    mock.on(Method::POST, "/orders/retryable")
        .reply(MockReply::status(503));
    api.create_idempotent().await.unwrap_err();
    assert_eq!(mock.requests().len(), 3);
}

#[tokio::test(start_paused = true)]
async fn endpoint_attributes_override_the_attempt_limit() {
    let mock = MockTransport::new();
    mock.on(Method::GET, "/orders")
        .reply(MockReply::status(500));
    let api = client(&mock);
    assert_eq!(api.list_once().await.unwrap_err().attempts(), 1);
    assert_eq!(api.list_persistently().await.unwrap_err().attempts(), 5);
    assert_eq!(api.list().await.unwrap_err().attempts(), 3);
    assert_eq!(mock.requests().len(), 1 + 5 + 3);
}

#[tokio::test(start_paused = true)]
async fn the_budget_bounds_extra_load_from_an_always_failing_server() {
    let mock = MockTransport::new();
    mock.on(Method::GET, "/orders")
        .reply(MockReply::status(503));
    let budget = Arc::new(RetryBudget::new(0.1, 10));
    let api = client_with(
        &mock,
        RetryInterceptor::new(fast_policy()).with_budget(budget.clone()),
    );
    const CALLS: usize = 1000;
    for _ in 0..CALLS {
        api.list().await.unwrap_err();
    }
    let attempts = mock.requests().len();
    // The documented bound: retries <= capacity + ratio × calls.
    let bound = CALLS + 10 + CALLS / 10;
    println!(
        "{CALLS} calls to an always-failing server: {attempts} attempts (bound {bound}; without a budget {})",
        CALLS * 3
    );
    assert!(attempts <= bound, "{attempts} attempts > {bound}");
    assert!(attempts > CALLS, "the budget still allows some retries");
}

#[tokio::test(start_paused = true)]
async fn cancelling_during_backoff_returns_at_once() {
    let mock = MockTransport::new();
    mock.on(Method::GET, "/orders")
        .reply(MockReply::status(503));
    let policy = RetryPolicy::new()
        .backoff(Duration::from_secs(60), 2.0, Duration::from_secs(60))
        .without_jitter();
    let api = client_with(&mock, RetryInterceptor::new(policy));
    let token = CancelToken::new();
    let started = tokio::time::Instant::now();
    let call = tokio::spawn({
        let (api, token) = (api.clone(), token.clone());
        async move { api.list_cancellable(&token).await }
    });
    tokio::time::sleep(Duration::from_secs(1)).await;
    token.cancel("user gave up");
    let error = call.await.unwrap().unwrap_err();
    assert!(error.is_cancelled(), "{error:?}");
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "did not wait out the backoff"
    );
    assert_eq!(mock.requests().len(), 1, "a cancelled call is not retried");
}

#[tokio::test(start_paused = true)]
async fn a_wait_past_the_total_timeout_fails_now_with_the_last_error() {
    let mock = MockTransport::new();
    flaky(
        &mock,
        Method::GET,
        "/orders",
        MockReply::status(503).header("retry-after", "10"),
        1,
    );
    let client = support::mock_builder("http://orders.test", &mock)
        .timeout(Duration::from_secs(5))
        .interceptor(RetryInterceptor::new(fast_policy()))
        .build()
        .unwrap();
    let started = tokio::time::Instant::now();
    let error = OrdersClient::new(client).list().await.unwrap_err();
    assert_eq!(error.status().unwrap().as_u16(), 503, "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(1), "failed at once");
}

#[tokio::test(start_paused = true)]
async fn the_final_error_says_how_many_attempts_were_made() {
    let mock = MockTransport::new();
    mock.on(Method::GET, "/orders")
        .reply(MockReply::connection_refused());
    let error = client(&mock).list().await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::Network {
                kind: NetworkKind::Connect,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(error.attempts(), 3);
    assert!(error.to_string().ends_with("(after 3 attempts)"), "{error}");
}

#[tokio::test(start_paused = true)]
async fn a_huge_retry_after_with_a_huge_maximum_does_not_overflow() {
    let mock = MockTransport::new();
    flaky(
        &mock,
        Method::GET,
        "/orders",
        MockReply::status(503).header("retry-after", "18446744073709551615"),
        1,
    );
    let client = support::mock_builder("http://orders.test", &mock)
        .timeout(Duration::from_secs(5))
        .interceptor(RetryInterceptor::new(
            fast_policy().max_retry_after(Duration::MAX),
        ))
        .build()
        .unwrap();
    let error = OrdersClient::new(client).list().await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(503), "{error:?}");
    assert_eq!(mock.requests().len(), 1, "the wait passes the deadline");
}

#[tokio::test(start_paused = true)]
async fn a_huge_backoff_saturates_instead_of_panicking() {
    let mock = MockTransport::new();
    flaky(&mock, Method::GET, "/orders", MockReply::status(503), 1);
    let policy = RetryPolicy::new()
        .backoff(Duration::MAX, f64::MAX, Duration::from_millis(10))
        .without_jitter();
    let reply = client_with(&mock, RetryInterceptor::new(policy))
        .list()
        .await
        .unwrap();
    assert_eq!(reply, json!(["ok"]));
}

#[tokio::test(start_paused = true)]
async fn a_total_timeout_reports_the_attempts_made_before_it() {
    let mock = MockTransport::new();
    mock.on(Method::GET, "/orders")
        .reply(MockReply::status(503).delay(Duration::from_millis(400)));
    let client = support::mock_builder("http://orders.test", &mock)
        .timeout(Duration::from_secs(1))
        .interceptor(RetryInterceptor::new(
            RetryPolicy::new()
                .max_attempts(10)
                .backoff(Duration::from_millis(10), 1.0, Duration::from_millis(10))
                .without_jitter(),
        ))
        .build()
        .unwrap();
    let error = OrdersClient::new(client).list().await.unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
    // Sent at 0, 410 and 820 ms; the third was still in flight at 1 s.
    assert_eq!(error.attempts(), 3, "{error:?}");
    assert_eq!(mock.requests().len(), 3);
}

#[tokio::test(start_paused = true)]
async fn a_patch_is_retried_only_when_marked_idempotent() {
    let mock = MockTransport::new();
    mock.on(Method::PATCH, "/orders/1")
        .reply(MockReply::status(503));
    let api = client(&mock);
    api.patch().await.unwrap_err();
    assert_eq!(
        mock.requests().len(),
        1,
        "PATCH is not idempotent by default"
    );
    mock.reset();
    mock.on(Method::PATCH, "/orders/1")
        .reply(MockReply::status(503));
    let error = api.patch_idempotent().await.unwrap_err();
    assert_eq!(
        error.status(),
        Some(StatusCode::SERVICE_UNAVAILABLE),
        "{error:?}"
    );
    assert_eq!(mock.requests().len(), 3, "#[idempotent] PATCH is retried");
}

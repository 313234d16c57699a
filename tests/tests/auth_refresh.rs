//! Bearer auth with single-flight refresh: one refresh for many concurrent 401s, no refresh
//! for late 401s, one replay at most, session expiry, cancellation of the refresh's leader,
//! `#[no_auth]`, proactive refresh, and transient refresh failures.

mod support;

use std::sync::Arc;
use std::time::Duration;

use ferrofit::auth::{AuthInterceptor, MemoryTokenStore, Refresher, TokenStore, Tokens};
use ferrofit::http::Method;
use ferrofit::testing::{MockReply, MockTransport};
use ferrofit::{CancelToken, Error, NetworkKind};
use httpmock::prelude::*;
use serde_json::json;
use support::auth::{Account, AccountClient, Counter, account_client as client, refused};

/// A refresher that counts its calls on `count`, checks it gets the stored tokens, waits
/// `delay` on tokio's clock, then returns what `result` gives.
fn refresher(
    count: &Counter,
    delay: Duration,
    result: fn() -> ferrofit::Result<Tokens>,
) -> impl Refresher {
    let count = count.clone();
    move |tokens: Tokens| {
        count.bump();
        assert_eq!(
            tokens.refresh_token(),
            Some("refresh-1"),
            "the refresher gets the stored tokens"
        );
        async move {
            tokio::time::sleep(delay).await;
            result()
        }
    }
}

fn new_tokens() -> ferrofit::Result<Tokens> {
    Ok(Tokens::new("new").with_refresh("refresh-2"))
}

fn unreachable_auth_server() -> ferrofit::Result<Tokens> {
    Err(Error::network(NetworkKind::Connect, "connection refused"))
}

fn old_store() -> Arc<MemoryTokenStore> {
    Arc::new(MemoryTokenStore::with_tokens(
        Tokens::new("old").with_refresh("refresh-1"),
    ))
}

/// A mock API that accepts only `Bearer new`.
fn api_accepting_new(mock: &MockTransport) {
    for path in ["/me", "/slow"] {
        mock.on(Method::GET, path)
            .header("authorization", "Bearer new")
            .reply(MockReply::json(200, &json!({"user": "ann"})));
    }
    mock.on(Method::GET, "/slow")
        .reply(MockReply::status(401).delay(Duration::from_secs(5)));
    mock.on(Method::GET, "/me").reply(MockReply::status(401));
    mock.on(Method::POST, "/login")
        .reply(MockReply::status(204));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_401s_trigger_one_refresh() {
    // Over real HTTP: the server accepts only the refreshed token.
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/me");
            then.respond_with(|request: &HttpMockRequest| {
                let ok = request
                    .headers()
                    .get("authorization")
                    .is_some_and(|v| v == "Bearer new");
                let status = if ok { 200 } else { 401 };
                ferrofit::http::Response::builder()
                    .status(status)
                    .header("content-type", "application/json")
                    .body(br#"{"user":"ann"}"#.to_vec())
                    .unwrap()
                    .into()
            });
        })
        .await;
    let refreshes = Counter::default();
    let store = old_store();
    let auth = AuthInterceptor::new(
        store.clone(),
        refresher(&refreshes, Duration::from_millis(50), new_tokens),
    );
    let client = ferrofit::Client::builder()
        .base_url(server.base_url())
        .interceptor(auth)
        .build()
        .unwrap();
    let api = AccountClient::new(client);
    let calls: Vec<_> = (0..100)
        .map(|_| {
            let api = api.clone();
            tokio::spawn(async move { api.me().await })
        })
        .collect();
    let mut successes = 0;
    for call in calls {
        if call.await.unwrap().is_ok() {
            successes += 1;
        }
    }
    assert_eq!(refreshes.get(), 1, "one refresh for all");
    assert_eq!(successes, 100);
    assert_eq!(store.get().unwrap().access_token(), "new");
}

#[tokio::test(start_paused = true)]
async fn a_late_401_replays_with_the_current_token_without_refreshing() {
    let mock = MockTransport::new();
    api_accepting_new(&mock);
    let refreshes = Counter::default();
    let api = client(
        &mock,
        AuthInterceptor::new(
            old_store(),
            refresher(&refreshes, Duration::ZERO, new_tokens),
        ),
    );
    // `slow` is sent with the old token and answered (401) only after `me` has refreshed.
    let slow = tokio::spawn({
        let api = api.clone();
        async move { api.slow().await }
    });
    tokio::task::yield_now().await;
    api.me().await.unwrap();
    assert_eq!(refreshes.get(), 1);
    slow.await.unwrap().unwrap();
    assert_eq!(refreshes.get(), 1, "the late 401 caused no second refresh");
    let slow_auth: Vec<String> = mock
        .requests()
        .iter()
        .filter(|r| r.url().path() == "/slow")
        .map(|r| r.headers()["authorization"].to_str().unwrap().to_owned())
        .collect();
    assert_eq!(slow_auth, ["Bearer old", "Bearer new"]);
}

#[tokio::test(start_paused = true)]
async fn a_refused_refresh_fails_every_caller_and_ends_the_session_once() {
    let mock = MockTransport::new();
    api_accepting_new(&mock);
    let refreshes = Counter::default();
    let expired = Counter::default();
    let store = old_store();
    let auth = AuthInterceptor::new(
        store.clone(),
        refresher(&refreshes, Duration::from_millis(100), refused),
    )
    .on_session_expired(expired.hook());
    let api = client(&mock, auth);
    let calls: Vec<_> = (0..10)
        .map(|_| {
            let api = api.clone();
            tokio::spawn(async move { api.me().await })
        })
        .collect();
    for call in calls {
        let error = call.await.unwrap().unwrap_err();
        assert!(matches!(error, Error::Unauthorized { .. }), "{error:?}");
    }
    assert_eq!(refreshes.get(), 1);
    assert_eq!(expired.get(), 1);
    assert!(store.get().is_none(), "the store was cleared");
}

#[tokio::test(start_paused = true)]
async fn a_rejected_refreshed_token_is_not_retried_forever() {
    let mock = MockTransport::new();
    mock.on(Method::GET, "/me").reply(MockReply::status(401));
    let refreshes = Counter::default();
    let api = client(
        &mock,
        AuthInterceptor::new(
            old_store(),
            refresher(&refreshes, Duration::ZERO, new_tokens),
        ),
    );
    let error = api.me().await.unwrap_err();
    assert!(matches!(error, Error::Unauthorized { .. }), "{error:?}");
    assert_eq!(refreshes.get(), 1);
    assert_eq!(mock.requests().len(), 2, "sent once, replayed once");
}

#[tokio::test(start_paused = true)]
async fn cancelling_the_caller_that_leads_the_refresh_leaves_the_others_going() {
    let mock = MockTransport::new();
    api_accepting_new(&mock);
    let refreshes = Counter::default();
    let api = client(
        &mock,
        AuthInterceptor::new(
            old_store(),
            refresher(&refreshes, Duration::from_secs(1), new_tokens),
        ),
    );
    let leader_token = CancelToken::new();
    let leader = tokio::spawn({
        let (api, token) = (api.clone(), leader_token.clone());
        async move { api.me_cancellable(&token).await }
    });
    support::wait_until("the refresh to start", || refreshes.get() > 0).await;
    let followers: Vec<_> = (0..5)
        .map(|_| {
            let api = api.clone();
            tokio::spawn(async move { api.me().await })
        })
        .collect();
    support::wait_until("six requests", || mock.requests().len() >= 6).await;
    leader_token.cancel("leader went away");
    assert!(leader.await.unwrap().unwrap_err().is_cancelled());
    for follower in followers {
        follower
            .await
            .unwrap()
            .expect("followers finish after the leader is gone");
    }
    assert_eq!(refreshes.get(), 1);
}

#[tokio::test]
async fn no_auth_endpoints_are_sent_without_a_token() {
    let mock = MockTransport::new();
    api_accepting_new(&mock);
    let refreshes = Counter::default();
    let api = client(
        &mock,
        AuthInterceptor::new(
            old_store(),
            refresher(&refreshes, Duration::ZERO, new_tokens),
        ),
    );
    api.login().await.unwrap();
    let sent = mock.requests();
    assert!(sent[0].headers().get("authorization").is_none());
    assert_eq!(refreshes.get(), 0);
}

#[tokio::test]
async fn tokens_about_to_expire_are_refreshed_before_sending() {
    let mock = MockTransport::new();
    api_accepting_new(&mock);
    let refreshes = Counter::default();
    let store = Arc::new(MemoryTokenStore::with_tokens(
        Tokens::new("old")
            .with_refresh("refresh-1")
            .with_issued_at(std::time::SystemTime::now() - Duration::from_secs(3600))
            .expiring_at(std::time::SystemTime::now() + Duration::from_secs(10)),
    ));
    let auth = AuthInterceptor::new(store, refresher(&refreshes, Duration::ZERO, new_tokens))
        .refresh_before_expiry(Duration::from_secs(60));
    let api = client(&mock, auth);
    api.me().await.unwrap();
    assert_eq!(refreshes.get(), 1);
    let sent = mock.requests();
    assert_eq!(sent.len(), 1, "no 401 round trip");
    assert_eq!(sent[0].headers()["authorization"], "Bearer new");
}

#[tokio::test]
async fn a_transient_refresh_failure_keeps_the_session() {
    let mock = MockTransport::new();
    api_accepting_new(&mock);
    let refreshes = Counter::default();
    let expired = Counter::default();
    let store = old_store();
    let auth = AuthInterceptor::new(
        store.clone(),
        refresher(&refreshes, Duration::ZERO, unreachable_auth_server),
    )
    .on_session_expired(expired.hook());
    let error = client(&mock, auth).me().await.unwrap_err();
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
    assert_eq!(store.get().unwrap().access_token(), "old");
    assert_eq!(expired.get(), 0);
}

#[tokio::test]
async fn a_401_on_a_no_auth_endpoint_is_returned_not_refreshed() {
    let mock = MockTransport::new();
    mock.on(Method::POST, "/login").reply(MockReply::json(
        401,
        &serde_json::json!({"error": "bad password"}),
    ));
    let refreshes = Counter::default();
    let store = old_store();
    let api = client(
        &mock,
        AuthInterceptor::new(
            store.clone(),
            refresher(&refreshes, Duration::ZERO, new_tokens),
        ),
    );
    let error = api.login().await.unwrap_err();
    assert!(matches!(error, Error::Unauthorized { .. }), "{error:?}");
    assert_eq!(
        refreshes.get(),
        0,
        "no refresh for an endpoint that sends no token"
    );
    assert_eq!(mock.requests().len(), 1, "sent once");
    assert_eq!(
        store.get().unwrap().access_token(),
        "old",
        "the session is untouched"
    );
}

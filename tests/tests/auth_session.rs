//! The life of a session under the auth interceptor: it ends once, a refresh outlives the
//! calls that wait for it, a late result stays in its own session, a panicking refresher does
//! not break auth for good, and only a refusal signs the user out. One test runs against an
//! OAuth-style provider over HTTP that rotates refresh tokens and revokes on reuse.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use ferrofit::auth::{AuthInterceptor, MemoryTokenStore, Refresher, TokenStore, Tokens};
use ferrofit::http::Method;
use ferrofit::testing::{MockReply, MockTransport};
use ferrofit::{CancelToken, Error, rest_api};
use httpmock::prelude::*;
use serde_json::json;
use support::auth::{
    Account, AccountClient, Counter, account_client as client, refused, token_endpoint_error,
};

/// A refresher that counts its calls, waits `delay` on tokio's clock, then answers `result`.
fn refresher(
    count: &Counter,
    delay: Duration,
    result: impl Fn() -> ferrofit::Result<Tokens> + Send + Sync + 'static,
) -> impl Refresher {
    let count = count.clone();
    let result = Arc::new(result);
    move |_tokens: Tokens| {
        count.bump();
        let result = result.clone();
        async move {
            tokio::time::sleep(delay).await;
            result()
        }
    }
}

fn session(access: &str) -> Tokens {
    Tokens::new(access).with_refresh(format!("refresh-of-{access}"))
}

/// `/me` answers 200 to `Bearer new` and `Bearer second`, 401 to anything else after `delay`.
fn api(delay: Duration) -> MockTransport {
    let mock = MockTransport::new();
    for token in ["Bearer new", "Bearer second"] {
        mock.on(Method::GET, "/me")
            .header("authorization", token)
            .reply(MockReply::json(200, &json!({"user": "ann"})));
    }
    mock.on(Method::GET, "/me")
        .reply(MockReply::status(401).delay(delay));
    mock
}

/// A signed-in session, an API answering 401 after `api_delay`, and a refresher that answers
/// `result` after `refresh_delay`, with counters for refreshes and sign-out hooks.
struct Session {
    refreshes: Counter,
    expired: Counter,
    store: Arc<MemoryTokenStore>,
    api: AccountClient,
}

impl Session {
    fn new(
        api_delay: Duration,
        refresh_delay: Duration,
        result: impl Fn() -> ferrofit::Result<Tokens> + Send + Sync + 'static,
    ) -> Self {
        let (refreshes, expired) = (Counter::default(), Counter::default());
        let store = Arc::new(MemoryTokenStore::with_tokens(session("old")));
        let auth =
            AuthInterceptor::new(store.clone(), refresher(&refreshes, refresh_delay, result))
                .on_session_expired(expired.hook());
        let api = client(&api(api_delay), auth);
        Self {
            refreshes,
            expired,
            store,
            api,
        }
    }

    fn spawn_call(&self) -> tokio::task::JoinHandle<ferrofit::Result<serde_json::Value>> {
        let api = self.api.clone();
        tokio::spawn(async move { api.me().await })
    }

    async fn until_refreshing(&self) {
        support::wait_until("the refresh to start", || self.refreshes.get() > 0).await;
    }
}

#[tokio::test(start_paused = true)]
async fn twenty_concurrent_calls_whose_refresh_is_refused_end_the_session_once() {
    let session = Session::new(Duration::ZERO, Duration::from_millis(50), refused);
    let calls: Vec<_> = (0..20).map(|_| session.spawn_call()).collect();
    for call in calls {
        let error = call.await.unwrap().unwrap_err();
        assert!(matches!(error, Error::Unauthorized { .. }), "{error:?}");
    }
    assert_eq!(session.refreshes.get(), 1);
    assert_eq!(session.expired.get(), 1, "one sign-in prompt, not twenty");
    assert!(session.store.get().is_none());
}

#[tokio::test(start_paused = true)]
async fn calls_whose_401_arrives_after_the_session_ended_do_not_end_it_again() {
    // Every 401 takes 100 ms; 12 calls start 25 ms apart, so they straddle the refusal.
    let session = Session::new(Duration::from_millis(100), Duration::ZERO, refused);
    let mut calls = Vec::new();
    for _ in 0..12 {
        calls.push(session.spawn_call());
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    for call in calls {
        let error = call.await.unwrap().unwrap_err();
        assert!(matches!(error, Error::Unauthorized { .. }), "{error:?}");
    }
    assert_eq!(
        session.refreshes.get(),
        1,
        "no refresh after the session ended"
    );
    assert_eq!(session.expired.get(), 1, "the hook ran once");
}

#[tokio::test(start_paused = true)]
async fn the_hook_runs_again_only_after_a_new_sign_in_has_ended() {
    let s = Session::new(Duration::ZERO, Duration::ZERO, refused);
    s.api.me().await.unwrap_err();
    s.api.me().await.unwrap_err();
    assert_eq!((s.refreshes.get(), s.expired.get()), (1, 1));
    s.store.set(session("again"));
    s.api.me().await.unwrap_err();
    assert_eq!((s.refreshes.get(), s.expired.get()), (2, 2));
}

#[tokio::test(start_paused = true)]
async fn a_refresh_completes_and_is_stored_when_every_waiting_call_is_cancelled() {
    let refreshes = Counter::default();
    let store = Arc::new(MemoryTokenStore::with_tokens(session("old")));
    let auth = AuthInterceptor::new(
        store.clone(),
        refresher(&refreshes, Duration::from_secs(1), || Ok(session("new"))),
    );
    let mock = api(Duration::ZERO);
    let api = client(&mock, auth);
    let cancel = CancelToken::new();
    let calls: Vec<_> = (0..3)
        .map(|_| {
            tokio::spawn({
                let (api, cancel) = (api.clone(), cancel.clone());
                async move { api.me_cancellable(&cancel).await }
            })
        })
        .collect();
    support::wait_until("the refresh to start", || refreshes.get() > 0).await;
    cancel.cancel("the screen closed");
    for call in calls {
        assert!(call.await.unwrap().unwrap_err().is_cancelled());
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        store.get().unwrap().access_token(),
        "new",
        "stored with nobody waiting"
    );
    api.me().await.unwrap();
    assert_eq!(
        refreshes.get(),
        1,
        "the stored tokens were used, not refreshed again"
    );
}

#[tokio::test(start_paused = true)]
async fn a_late_refresh_result_never_overwrites_a_new_session() {
    let s = Session::new(Duration::ZERO, Duration::from_secs(1), || {
        Ok(session("stale-result"))
    });
    let call = s.spawn_call();
    s.until_refreshing().await;
    // Sign out and in while the refresh of the old session is running.
    s.store.clear();
    s.store.set(session("second"));
    let error = call.await.unwrap().unwrap_err();
    assert!(
        matches!(error, Error::Unauthorized { .. }),
        "never replayed with the new session's token: {error:?}"
    );
    assert_eq!(s.store.get().unwrap().access_token(), "second");
}

#[tokio::test(start_paused = true)]
async fn a_late_refusal_never_clears_a_new_session() {
    let s = Session::new(Duration::ZERO, Duration::from_secs(1), refused);
    let call = s.spawn_call();
    s.until_refreshing().await;
    s.store.set(session("second"));
    let error = call.await.unwrap().unwrap_err();
    assert!(
        matches!(error, Error::Unauthorized { .. }),
        "its own session ended; it does not go on in the new one: {error:?}"
    );
    assert_eq!(s.store.get().unwrap().access_token(), "second");
    assert_eq!(s.expired.get(), 0, "the new session did not end");
}

#[tokio::test(start_paused = true)]
async fn a_panicking_refresher_fails_the_waiting_calls_and_later_refreshes_work() {
    let refreshes = Counter::default();
    let count = refreshes.clone();
    let store = Arc::new(MemoryTokenStore::with_tokens(session("old")));
    let flaky = move |_tokens: Tokens| {
        let first = count.bump() == 0;
        async move {
            assert!(!first, "the refresher's first call panics");
            Ok(session("new"))
        }
    };
    let api = client(
        &api(Duration::ZERO),
        AuthInterceptor::new(store.clone(), flaky),
    );
    let error = api.me().await.unwrap_err();
    assert!(error.to_string().contains("refresher panicked"), "{error}");
    assert_eq!(
        store.get().unwrap().access_token(),
        "old",
        "the session is kept"
    );
    api.me().await.expect("the next 401 refreshes again");
    assert_eq!(refreshes.get(), 2);
}

#[tokio::test(start_paused = true)]
async fn only_a_refusal_signs_the_user_out() {
    let transient: [fn() -> Error; 5] = [
        || token_endpoint_error(403, "forbidden by the proxy"),
        || token_endpoint_error(404, "no such page"),
        || token_endpoint_error(502, "bad gateway"),
        || Error::invalid_request("could not build the token request"),
        || Error::network(ferrofit::NetworkKind::Redirect, "too many redirects"),
    ];
    for make in transient {
        let s = Session::new(Duration::ZERO, Duration::ZERO, move || Err(make()));
        let error = s.api.me().await.unwrap_err();
        // The refresher's own error comes back, not a 401 that would sign the user out.
        assert_eq!(error.to_string(), make().to_string(), "{error:?}");
        assert_eq!(error.status(), make().status());
        assert_eq!(s.store.get().unwrap().access_token(), "old", "{error}");
        assert_eq!(s.expired.get(), 0, "{error}");
    }
    let refusals: [fn() -> Error; 2] = [
        || token_endpoint_error(400, r#"{"error":"invalid_grant"}"#),
        || token_endpoint_error(401, ""),
    ];
    for refusal in refusals {
        let s = Session::new(Duration::ZERO, Duration::ZERO, move || Err(refusal()));
        let error = s.api.me().await.unwrap_err();
        assert!(matches!(error, Error::Unauthorized { .. }), "{error:?}");
        assert!(s.store.get().is_none());
        assert_eq!(s.expired.get(), 1);
    }
}

#[tokio::test(start_paused = true)]
async fn a_captive_portal_page_from_the_token_endpoint_keeps_the_session() {
    // The token endpoint answers 200 with a Wi-Fi sign-in page: a real decode error from a
    // generated client, which says nothing about the refresh token.
    let portal = MockTransport::new();
    portal.on(Method::POST, "/token").reply(
        MockReply::status(200)
            .header("content-type", "text/html")
            .body("<html>Sign in to Wi-Fi</html>"),
    );
    let token_endpoint = TokenEndpointClient::new(
        ferrofit::Client::builder()
            .base_url("http://auth.test")
            .transport(portal)
            .build()
            .unwrap(),
    );
    let refresher = move |tokens: Tokens| {
        let token_endpoint = token_endpoint.clone();
        async move {
            let reply = token_endpoint
                .refresh(tokens.refresh_token().unwrap_or_default())
                .await?;
            Ok(Tokens::new(
                reply["access_token"].as_str().unwrap_or_default(),
            ))
        }
    };
    let expired = Counter::default();
    let store = Arc::new(MemoryTokenStore::with_tokens(session("old")));
    let auth = AuthInterceptor::new(store.clone(), refresher).on_session_expired(expired.hook());
    let error = client(&api(Duration::ZERO), auth).me().await.unwrap_err();
    assert!(matches!(error, Error::Decode { .. }), "{error:?}");
    assert_eq!(
        store.get().unwrap().access_token(),
        "old",
        "still signed in"
    );
    assert_eq!(expired.get(), 0);
}

/// An OAuth-style provider: each refresh token works once and is rotated; presenting a used
/// one revokes the whole family (RFC 9700 §4.14.2), after which nothing works.
#[derive(Default)]
struct Provider {
    generation: u32,
    revoked: bool,
    access_valid: bool,
    refreshes: usize,
}

#[rest_api]
trait TokenEndpoint {
    #[post("/token")]
    #[no_auth]
    async fn refresh(&self, #[query] refresh_token: &str) -> ferrofit::Result<serde_json::Value>;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotating_provider_never_sees_a_refresh_token_twice_when_callers_give_up() {
    let provider = Arc::new(Mutex::new(Provider::default()));
    let server = MockServer::start_async().await;
    let state = provider.clone();
    server
        .mock_async(move |when, then| {
            when.method(POST).path("/token");
            then.respond_with(move |request: &HttpMockRequest| {
                let mut p = state.lock().unwrap();
                p.refreshes += 1;
                let presented = request
                    .query_params()
                    .into_iter()
                    .find(|(k, _)| k == "refresh_token")
                    .map(|(_, v)| v);
                let expected = format!("r{}", p.generation);
                let (status, body) = if !p.revoked
                    && presented.as_deref() == Some(expected.as_str())
                {
                    p.generation += 1;
                    p.access_valid = true;
                    let g = p.generation;
                    (
                        200,
                        json!({"access_token": format!("a{g}"), "refresh_token": format!("r{g}")}),
                    )
                } else {
                    p.revoked = true;
                    p.access_valid = false;
                    (400, json!({"error": "invalid_grant"}))
                };
                ferrofit::http::Response::builder()
                    .status(status)
                    .header("content-type", "application/json")
                    .body(body.to_string().into_bytes())
                    .unwrap()
                    .into()
            });
        })
        .await;
    let state = provider.clone();
    server
        .mock_async(move |when, then| {
            when.method(GET).path("/me");
            then.respond_with(move |request: &HttpMockRequest| {
                let p = state.lock().unwrap();
                let expected = format!("Bearer a{}", p.generation);
                let ok = p.access_valid
                    && request
                        .headers()
                        .get("authorization")
                        .is_some_and(|v| v.to_str().ok() == Some(expected.as_str()));
                ferrofit::http::Response::builder()
                    .status(if ok { 200 } else { 401 })
                    .header("content-type", "application/json")
                    .body(br#"{"user":"ann"}"#.to_vec())
                    .unwrap()
                    .into()
            });
        })
        .await;

    let plain = ferrofit::Client::builder()
        .base_url(server.base_url())
        .build()
        .unwrap();
    let token_endpoint = TokenEndpointClient::new(plain);
    let reached_provider = Counter::default();
    let reached = reached_provider.clone();
    // Holds refreshes after the provider rotated the token, until every caller gave up.
    let release = Arc::new(tokio::sync::Semaphore::new(0));
    let refresher = {
        let release = release.clone();
        move |tokens: Tokens| {
            let (token_endpoint, reached, release) =
                (token_endpoint.clone(), reached.clone(), release.clone());
            async move {
                let reply = token_endpoint
                    .refresh(tokens.refresh_token().unwrap_or_default())
                    .await?;
                reached.bump();
                drop(release.acquire().await);
                let field = |name: &str| reply[name].as_str().unwrap_or_default().to_owned();
                Ok(Tokens::new(field("access_token")).with_refresh(field("refresh_token")))
            }
        }
    };
    let store = Arc::new(MemoryTokenStore::with_tokens(
        Tokens::new("a0").with_refresh("r0"),
    ));
    let client = ferrofit::Client::builder()
        .base_url(server.base_url())
        .interceptor(AuthInterceptor::new(store.clone(), refresher))
        .build()
        .unwrap();
    let api = AccountClient::new(client);

    // Every caller gives up while the refresh is under way.
    let cancel = CancelToken::new();
    let calls: Vec<_> = (0..5)
        .map(|_| {
            tokio::spawn({
                let (api, cancel) = (api.clone(), cancel.clone());
                async move { api.me_cancellable(&cancel).await }
            })
        })
        .collect();
    support::wait_until("the refresh to reach the provider", || {
        reached_provider.get() > 0
    })
    .await;
    assert_eq!(
        reached_provider.get(),
        1,
        "the refresh reached the provider"
    );
    cancel.cancel("user left");
    for call in calls {
        assert!(call.await.unwrap().unwrap_err().is_cancelled());
    }
    release.add_permits(1);
    support::wait_until("the rotated tokens to be stored", || {
        store.get().is_some_and(|t| t.access_token() == "a1")
    })
    .await;
    assert_eq!(
        store.get().unwrap().refresh_token(),
        Some("r1"),
        "rotated tokens were kept"
    );

    api.me().await.expect("the stored access token works");
    // The provider expires the access token; the next refresh presents `r1`, not `r0`.
    provider.lock().unwrap().access_valid = false;
    api.me().await.expect("refreshed with the rotated token");
    let p = provider.lock().unwrap();
    assert!(!p.revoked, "no refresh token was presented twice");
    assert_eq!((p.refreshes, p.generation), (2, 2));
}

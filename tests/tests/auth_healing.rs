//! Auth heals itself: a token endpoint that hangs, or a refresh whose runtime is shut down,
//! fails the calls waiting for it and never blocks later refreshes; proactive refresh neither
//! runs on every call for short-lived tokens nor hammers a failing token endpoint.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use ferrofit::auth::{AuthInterceptor, MemoryTokenStore, TokenStore, Tokens};
use ferrofit::rest_api;
use httpmock::prelude::*;
use support::auth::{Account, AccountClient};
use support::{Answer, CaptureServer};

/// The token endpoint, called by the refreshers below through a client of its own (no auth,
/// no timeouts).
#[rest_api]
trait TokenEndpoint {
    #[post("/token")]
    async fn token(&self) -> ferrofit::Result<()>;
}

async fn call_token_endpoint(base_url: &str) -> ferrofit::Result<()> {
    TokenEndpointClient::new(support::client(base_url))
        .token()
        .await
}

/// An API that accepts only `Bearer new` and answers 401 to anything else.
async fn api_accepting(token: &'static str) -> MockServer {
    let server = MockServer::start_async().await;
    let accepted = format!("Bearer {token}");
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/me")
                .header("authorization", accepted);
            then.status(200)
                .json_body(serde_json::json!({"user": "ann"}));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/me");
            then.status(401);
        })
        .await;
    server
}

/// A refresher that calls `token_url` (through a client of its own, with no timeouts) on its
/// first call, and on later calls answers `Tokens::new("new")` at once. Counts its calls.
fn refresher_hanging_once(
    token_url: String,
    calls: Arc<AtomicUsize>,
) -> impl ferrofit::auth::Refresher {
    move |_: Tokens| {
        let first = calls.fetch_add(1, Ordering::SeqCst) == 0;
        let token_url = token_url.clone();
        async move {
            if first {
                call_token_endpoint(&token_url).await?;
            }
            Ok(Tokens::new("new").with_refresh("refresh-2"))
        }
    }
}

fn account(base_url: &str, auth: AuthInterceptor) -> AccountClient {
    AccountClient::new(
        ferrofit::Client::builder()
            .base_url(base_url)
            .interceptor(auth)
            .build()
            .unwrap(),
    )
}

fn old_store() -> Arc<MemoryTokenStore> {
    Arc::new(MemoryTokenStore::with_tokens(
        Tokens::new("old").with_refresh("refresh-1"),
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_refresh_fails_at_its_deadline_and_the_next_401_refreshes_again() {
    let api = api_accepting("new").await;
    let silent_token_endpoint =
        CaptureServer::start(Answer::Silence(Duration::from_secs(3600))).await;
    let calls = Arc::new(AtomicUsize::new(0));
    let store = old_store();
    // A short deadline on the real clock: the token endpoint never answers, so the only
    // question is whether the deadline ends the flight, not how fast.
    let auth = AuthInterceptor::new(
        store.clone(),
        refresher_hanging_once(silent_token_endpoint.base_url.clone(), calls.clone()),
    )
    .refresh_timeout(Some(Duration::from_millis(200)));
    let account = account(&api.base_url(), auth);

    let error = tokio::time::timeout(Duration::from_secs(60), account.me())
        .await
        .expect("the refresh's deadline ends the call, not this test's")
        .unwrap_err();
    assert!(
        error.to_string().contains("token refresh failed"),
        "the first call fails with the refresh's deadline: {error}"
    );
    assert_eq!(store.get().unwrap().access_token(), "old", "tokens kept");

    let user = account.me().await.expect("the next 401 refreshes again");
    assert_eq!(user["user"], "ann");
    assert_eq!(calls.load(Ordering::SeqCst), 2, "a second refresh ran");
    assert_eq!(store.get().unwrap().access_token(), "new");
}

#[test]
fn a_refresh_whose_runtime_was_shut_down_does_not_block_the_next_one() {
    // A per-call `block_on` wrapper, as a synchronous app would write: each call gets a
    // runtime of its own, dropped when the call returns.
    let on_new_runtime = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    };
    // The servers live on a runtime of their own, which outlives every call's.
    let servers = tokio::runtime::Runtime::new().unwrap();
    let (api, silent_token_endpoint) = servers.block_on(async {
        (
            api_accepting("new").await,
            CaptureServer::start(Answer::Silence(Duration::from_secs(3600))).await,
        )
    });
    let calls = Arc::new(AtomicUsize::new(0));
    let auth = AuthInterceptor::new(
        old_store(),
        refresher_hanging_once(silent_token_endpoint.base_url.clone(), calls.clone()),
    )
    // No deadline: only the end of the refresh's task can free the slot.
    .refresh_timeout(None);
    let account = account(&api.base_url(), auth);

    let first = on_new_runtime()
        .block_on(async { tokio::time::timeout(Duration::from_millis(300), account.me()).await });
    assert!(
        first.is_err(),
        "the first call gave up while the refresh hung"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 1);

    let second = on_new_runtime().block_on(account.me());
    assert_eq!(second.expect("a new refresh ran")["user"], "ann");
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn short_lived_tokens_are_not_refreshed_on_every_call() {
    let api = api_accepting("old").await;
    let refreshes = Arc::new(AtomicUsize::new(0));
    let counted = refreshes.clone();
    // 4-minute tokens, a 5-minute margin: the margin is clamped to half the lifetime.
    let store = Arc::new(MemoryTokenStore::with_tokens(
        Tokens::new("old")
            .with_refresh("refresh-1")
            .expiring_in(Duration::from_secs(240)),
    ));
    let auth = AuthInterceptor::new(store, move |tokens: Tokens| {
        counted.fetch_add(1, Ordering::SeqCst);
        async move { Ok(tokens) }
    })
    .refresh_before_expiry(Duration::from_secs(300));
    let account = account(&api.base_url(), auth);
    for _ in 0..10 {
        account.me().await.unwrap();
    }
    assert_eq!(refreshes.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn tokens_past_half_their_lifetime_are_refreshed_before_sending() {
    let api = api_accepting("new").await;
    let refreshes = Arc::new(AtomicUsize::new(0));
    let counted = refreshes.clone();
    let now = SystemTime::now();
    // Issued 3 minutes ago, 1 minute left: inside half the lifetime and inside the margin.
    let store = Arc::new(MemoryTokenStore::with_tokens(
        Tokens::new("old")
            .with_refresh("refresh-1")
            .with_issued_at(now - Duration::from_secs(180))
            .expiring_at(now + Duration::from_secs(60)),
    ));
    let auth = AuthInterceptor::new(store.clone(), move |_: Tokens| {
        counted.fetch_add(1, Ordering::SeqCst);
        async move { Ok(Tokens::new("new").expiring_in(Duration::from_secs(240))) }
    })
    .refresh_before_expiry(Duration::from_secs(300));
    let account = account(&api.base_url(), auth);
    for _ in 0..5 {
        account.me().await.unwrap();
    }
    assert_eq!(
        refreshes.load(Ordering::SeqCst),
        1,
        "once, then the new tokens last"
    );
    assert_eq!(store.get().unwrap().access_token(), "new");
}

#[tokio::test]
async fn a_failing_proactive_refresh_backs_off_and_the_calls_go_on() {
    let api = api_accepting("old").await;
    let down_token_endpoint = MockServer::start_async().await;
    let token_endpoint = down_token_endpoint
        .mock_async(|when, then| {
            when.method(POST).path("/token");
            then.status(503);
        })
        .await;
    let token_url = down_token_endpoint.base_url();
    // Already expired as far as the clock knows, but the API still takes it.
    let store = Arc::new(MemoryTokenStore::with_tokens(
        Tokens::new("old")
            .with_refresh("refresh-1")
            .expiring_at(SystemTime::now() - Duration::from_secs(1)),
    ));
    let auth = AuthInterceptor::new(store, move |_: Tokens| {
        let token_url = token_url.clone();
        async move {
            call_token_endpoint(&token_url).await?;
            Ok(Tokens::new("new"))
        }
    })
    .refresh_before_expiry(Duration::from_secs(60));
    let account = account(&api.base_url(), auth);
    // Ten calls over loopback take far less than the first pause (5 s); the schedule of the
    // pauses is unit-tested in the auth module.
    for _ in 0..10 {
        account
            .me()
            .await
            .expect("the call goes on with the current token");
    }
    assert_eq!(
        token_endpoint.calls_async().await,
        1,
        "backed off after one failure"
    );
}

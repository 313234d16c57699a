//! A background revalidation (`stale-while-revalidate`) belongs to the user whose call started
//! it. If the app signs Alice out and Bob in before it runs, it must not go out with Bob's
//! token carrying Alice's validators: a `304` would then file Alice's stored profile under
//! Bob, and Bob would be served Alice's data. Real HTTP over loopback; the server answers a
//! conditional request with `304` whoever sends it, as a server with one `ETag` for all would.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::http::HeaderMap;
use axum::routing::get;
use ferrofit::auth::{AuthInterceptor, MemoryTokenStore, TokenStore, Tokens};
use ferrofit::{Response, ResponseSource, rest_api};
use support::feed_cache::{TestClock, cache};

#[rest_api]
trait Profile {
    #[get("/me")]
    async fn me(&self) -> ferrofit::Result<Response<String>>;
}

/// `/me` answers each token with its user's profile, stale after a second but usable while it
/// is revalidated; any conditional request gets `304`. Counts conditional requests.
async fn profile_server() -> (String, Arc<AtomicUsize>) {
    let revalidations = Arc::new(AtomicUsize::new(0));
    let counted = revalidations.clone();
    let router = Router::new().route(
        "/me",
        get(move |headers: HeaderMap| {
            let counted = counted.clone();
            async move {
                let builder = axum::response::Response::builder()
                    .header(
                        "cache-control",
                        "private, max-age=1, stale-while-revalidate=600",
                    )
                    .header("etag", "\"same-for-all\"");
                if headers.contains_key("if-none-match") {
                    counted.fetch_add(1, Ordering::SeqCst);
                    return builder.status(304).body(axum::body::Body::empty()).unwrap();
                }
                let token = headers
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                let user = if token.contains("alice") {
                    "alice"
                } else {
                    "bob"
                };
                builder
                    .body(axum::body::Body::from(format!("{user}'s private profile")))
                    .unwrap()
            }
        }),
    );
    (support::server::serve(router).await, revalidations)
}

#[tokio::test]
async fn a_background_revalidation_never_runs_for_the_user_signed_in_after() {
    let (base, revalidations) = profile_server().await;
    let tokens = Arc::new(MemoryTokenStore::with_tokens(Tokens::new("alice-token")));
    let clock = TestClock::new();
    let client = ferrofit::Client::builder()
        .base_url(base)
        .cache(cache(
            &clock,
            &Arc::new(ferrofit::cache::MemoryStore::default()),
        ))
        .interceptor(AuthInterceptor::new(
            tokens.clone(),
            |t: Tokens| async move { Ok(t) },
        ))
        .build()
        .unwrap();
    let api = ProfileClient::new(client);
    assert_eq!(api.me().await.unwrap().as_str(), "alice's private profile");
    clock.advance(5);
    let stale = api.me().await.unwrap();
    assert_eq!(
        (stale.as_str(), stale.source()),
        (
            "alice's private profile",
            ResponseSource::StaleWhileRevalidate
        )
    );
    // The revalidation is spawned but has not run (one thread): the app switches users now.
    tokens.set(Tokens::new("bob-token"));
    // Give the revalidation every chance to go out and land.
    for _ in 0..200 {
        tokio::time::sleep(Duration::from_millis(5)).await;
        if revalidations.load(Ordering::SeqCst) > 0 {
            break;
        }
    }
    let bob = api.me().await.unwrap();
    assert_eq!(
        bob.as_str(),
        "bob's private profile",
        "Bob is never served Alice's data"
    );
    assert_eq!(
        revalidations.load(Ordering::SeqCst),
        0,
        "Alice's validators never went out with Bob's token"
    );
}

//! Concurrent misses for one request go to the network once: the others wait for the first
//! and share its answer or its error; a cancelled leader hands over to a waiter. A stale
//! entry under `stale-while-revalidate` is revalidated once however many callers see it.
//!
//! The origin holds every request until the test opens its gate. The tests run on one thread,
//! so a call that has started has also reached its first wait inside the cache (a store
//! lookup in memory never waits) before the test runs again: when the test sees that all
//! calls started, every one of them is either the leader or waiting for it.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::body::Body;
use axum::routing::get;
use ferrofit::auth::{AuthInterceptor, MemoryTokenStore, TokenStore, Tokens};
use ferrofit::cache::{CacheInterceptor, MemoryStore};
use ferrofit::{Error, Response, ResponseSource, rest_api};
use tokio::sync::Semaphore;

#[rest_api]
trait Feed {
    #[get("/feed")]
    async fn feed(&self) -> ferrofit::Result<Response<String>>;
}

/// An origin whose answers wait for the gate; `failing` ones break off their body.
struct GatedOrigin {
    base_url: String,
    hits: Arc<AtomicUsize>,
    gate: Arc<Semaphore>,
}

impl GatedOrigin {
    async fn start(failing: bool) -> Self {
        Self::start_with(failing, "max-age=60").await
    }

    async fn start_with(failing: bool, cache_control: &'static str) -> Self {
        let hits = Arc::new(AtomicUsize::new(0));
        let gate = Arc::new(Semaphore::new(0));
        let (counted, gated) = (hits.clone(), gate.clone());
        let router = Router::new().route(
            "/feed",
            get(move || {
                let (counted, gated) = (counted.clone(), gated.clone());
                async move {
                    counted.fetch_add(1, Ordering::SeqCst);
                    let _open = gated.acquire().await.unwrap();
                    let body = if failing {
                        Body::from_stream(futures_util::stream::iter([
                            Ok(axum::body::Bytes::from_static(b"par")),
                            Err(std::io::Error::other("origin broke off")),
                        ]))
                    } else {
                        Body::from("shared answer")
                    };
                    axum::response::Response::builder()
                        .header("cache-control", cache_control)
                        .header("etag", "\"v\"")
                        .header("content-length", "13")
                        .body(body)
                        .unwrap()
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        Self {
            base_url,
            hits,
            gate,
        }
    }

    /// Lets one request through.
    fn let_one_through(&self) {
        self.gate.add_permits(1);
    }

    fn open(&self) {
        self.gate.add_permits(Semaphore::MAX_PERMITS / 2);
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

fn feed(origin: &GatedOrigin) -> FeedClient {
    let client = ferrofit::Client::builder()
        .base_url(&origin.base_url)
        .cache(CacheInterceptor::new(MemoryStore::default()))
        .build()
        .unwrap();
    FeedClient::new(client)
}

type Call = tokio::task::JoinHandle<ferrofit::Result<Response<String>>>;

/// Starts `count` calls, and returns once each has started.
async fn start_calls(api: &FeedClient, count: usize) -> Vec<Call> {
    let started = Arc::new(AtomicUsize::new(0));
    let calls: Vec<Call> = (0..count)
        .map(|_| {
            let (api, started) = (api.clone(), started.clone());
            tokio::spawn(async move {
                started.fetch_add(1, Ordering::SeqCst);
                api.feed().await
            })
        })
        .collect();
    support::wait_until("every call to start", || {
        started.load(Ordering::SeqCst) >= count
    })
    .await;
    calls
}

async fn until_hits(origin: &GatedOrigin, hits: usize) {
    support::wait_until("the origin's hits", || origin.hits() >= hits).await;
}

#[tokio::test]
async fn sixty_four_concurrent_misses_make_one_request_and_get_sixty_four_answers() {
    let origin = GatedOrigin::start(false).await;
    let api = feed(&origin);
    let calls = start_calls(&api, 64).await;
    until_hits(&origin, 1).await;
    origin.open();
    let mut from_cache = 0;
    for call in calls {
        let response = call.await.unwrap().unwrap();
        assert_eq!(response.as_str(), "shared answer");
        if response.source() == ResponseSource::Cache {
            from_cache += 1;
        }
    }
    assert_eq!(origin.hits(), 1, "one request upstream");
    assert_eq!(from_cache, 63, "the waiters read what the leader stored");
}

#[tokio::test]
async fn the_leaders_network_error_reaches_every_waiter() {
    let origin = GatedOrigin::start(true).await;
    let api = feed(&origin);
    let calls = start_calls(&api, 16).await;
    until_hits(&origin, 1).await;
    origin.open();
    for call in calls {
        let error = call.await.unwrap().unwrap_err();
        assert!(matches!(error, Error::Network { .. }), "{error:?}");
    }
    assert_eq!(origin.hits(), 1, "the waiters did not ask again");
}

#[tokio::test]
async fn a_cancelled_leader_does_not_cancel_the_waiters() {
    let origin = GatedOrigin::start(false).await;
    let api = feed(&origin);
    let leader = start_calls(&api, 1).await.remove(0);
    until_hits(&origin, 1).await;
    let waiters = start_calls(&api, 10).await;
    leader.abort();
    assert!(leader.await.unwrap_err().is_cancelled());
    // One waiter takes the lead and asks again; the rest wait for it.
    until_hits(&origin, 2).await;
    origin.open();
    for waiter in waiters {
        assert_eq!(waiter.await.unwrap().unwrap().as_str(), "shared answer");
    }
    assert_eq!(origin.hits(), 2);
}

#[tokio::test]
async fn a_stale_while_revalidate_entry_is_revalidated_once_for_many_callers() {
    let origin = GatedOrigin::start_with(false, "max-age=0, stale-while-revalidate=600").await;
    let api = feed(&origin);
    origin.let_one_through();
    api.feed().await.unwrap();
    // The revalidation waits at the gate while ten callers are served the stale entry.
    let calls = start_calls(&api, 10).await;
    for call in calls {
        let response = tokio::time::timeout(std::time::Duration::from_secs(60), call)
            .await
            .expect("served at once, not after the revalidation")
            .unwrap()
            .unwrap();
        assert_eq!(response.source(), ResponseSource::StaleWhileRevalidate);
    }
    until_hits(&origin, 2).await;
    assert_eq!(origin.hits(), 2, "one revalidation for ten stale answers");
    origin.open();
    let again = start_calls(&api, 5).await;
    for call in again {
        call.await.unwrap().unwrap();
    }
    assert!(
        origin.hits() <= 3,
        "one revalidation at a time: {}",
        origin.hits()
    );
}

/// A miss in flight for one user, then another user signs in on the same client and asks for
/// the same URL: two flights, each answered with its own user's data, never the first user's.
#[tokio::test]
async fn a_miss_in_flight_is_never_joined_by_the_next_user() {
    let hits = Arc::new(AtomicUsize::new(0));
    let gate = Arc::new(Semaphore::new(0));
    let (counted, gated) = (hits.clone(), gate.clone());
    let router = Router::new().route(
        "/feed",
        get(move |headers: axum::http::HeaderMap| {
            let (counted, gated) = (counted.clone(), gated.clone());
            async move {
                counted.fetch_add(1, Ordering::SeqCst);
                let _open = gated.acquire().await.unwrap();
                let user = headers["authorization"].to_str().unwrap().to_owned();
                (
                    [("cache-control", "private, max-age=60")],
                    format!("the feed of {user}"),
                )
            }
        }),
    );
    let base_url = support::server::serve(router).await;
    let session = |user: &str| Tokens::new(user).with_subject(user);
    let tokens = Arc::new(MemoryTokenStore::with_tokens(session("alice")));
    let client = ferrofit::Client::builder()
        .base_url(&base_url)
        .interceptor(AuthInterceptor::new(tokens.clone(), |t: Tokens| async {
            Ok(t)
        }))
        .cache(CacheInterceptor::new(MemoryStore::default()))
        .build()
        .unwrap();
    let api = FeedClient::new(client);
    let alices = tokio::spawn({
        let api = api.clone();
        async move { api.feed().await }
    });
    support::wait_until("alice's request", || hits.load(Ordering::SeqCst) >= 1).await;
    tokens.set(session("bob"));
    let bobs = tokio::spawn(async move { api.feed().await });
    // Joined, bob's call would wait on alice's flight and never reach the origin.
    support::wait_until("bob's own request", || hits.load(Ordering::SeqCst) >= 2).await;
    gate.add_permits(2);
    assert_eq!(
        alices.await.unwrap().unwrap().as_str(),
        "the feed of Bearer alice"
    );
    assert_eq!(
        bobs.await.unwrap().unwrap().as_str(),
        "the feed of Bearer bob"
    );
}

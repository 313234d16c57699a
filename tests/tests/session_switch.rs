//! A call begun for one user never completes with another user's token. Alice's call gets a
//! 401 while the app signs her out and Bob in: it fails with `Unauthorized` instead of being
//! replayed with Bob's token (which would hand Bob's private data to the code acting for
//! Alice, and let the cache keep it). Tokens of the same subject are the same session and
//! replay fine. Real HTTP over loopback; the server holds answers until the test lets go.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use ferrofit::auth::{AuthInterceptor, MemoryTokenStore, TokenStore, Tokens};
use ferrofit::cache::{CacheInterceptor, MemoryStore};
use ferrofit::{Error, rest_api};
use support::hyper_server::{HyperServer, ok};
use tokio::sync::Notify;

#[rest_api]
trait Profile {
    #[get("/me")]
    async fn me(&self) -> ferrofit::Result<serde_json::Value>;
}

/// The API: `/me` for each user's token, private and cacheable; `alice-1` is answered 401,
/// after `gate` is opened when `hold` is set.
struct Api {
    server: HyperServer,
    seen: Arc<Mutex<Vec<String>>>,
    arrived: Arc<Notify>,
    gate: Arc<Notify>,
}

impl Api {
    async fn start(hold: bool) -> Self {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (arrived, gate) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
        let (record, arrived_at, gate_for) = (seen.clone(), arrived.clone(), gate.clone());
        let server = HyperServer::start(move |request| {
            let (record, arrived, gate) = (record.clone(), arrived_at.clone(), gate_for.clone());
            async move {
                let token = request
                    .headers()
                    .get("authorization")
                    .map_or(String::new(), |v| v.to_str().unwrap().to_owned());
                record.lock().unwrap().push(token.clone());
                let user = match token.as_str() {
                    "Bearer alice-1" => {
                        arrived.notify_one();
                        if hold {
                            gate.notified().await;
                        }
                        None
                    }
                    "Bearer alice-2" => Some("alice"),
                    "Bearer bob-1" => Some("bob"),
                    _ => None,
                };
                let Some(user) = user else {
                    let mut response = ok("");
                    *response.status_mut() = http::StatusCode::UNAUTHORIZED;
                    return response;
                };
                let mut response = ok(&format!(
                    r#"{{"user":"{user}","email":"{user}@example.com"}}"#
                ));
                let headers = response.headers_mut();
                headers.insert("content-type", "application/json".parse().unwrap());
                headers.insert("cache-control", "private, max-age=600".parse().unwrap());
                headers.insert("vary", "Authorization".parse().unwrap());
                response
            }
        })
        .await;
        Self {
            server,
            seen,
            arrived,
            gate,
        }
    }

    fn tokens_seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

fn alice(access: &str) -> Tokens {
    Tokens::new(access)
        .with_refresh(format!("refresh-{access}"))
        .with_subject("alice")
}

fn bob() -> Tokens {
    Tokens::new("bob-1")
        .with_refresh("refresh-bob-1")
        .with_subject("bob")
}

/// A client with a cache in front of auth, as the README sets it up; the refresher waits
/// for `refresh_gate` (when given) and trades any token for `alice-2`.
fn client(
    api: &Api,
    store: Arc<MemoryTokenStore>,
    cache: Arc<MemoryStore>,
    refreshes: Arc<AtomicUsize>,
    refresh_gate: Option<Arc<Notify>>,
) -> ProfileClient {
    let refresher = move |_: Tokens| {
        refreshes.fetch_add(1, Ordering::SeqCst);
        let gate = refresh_gate.clone();
        async move {
            if let Some(gate) = gate {
                gate.notified().await;
            }
            Ok(alice("alice-2"))
        }
    };
    let client = ferrofit::Client::builder()
        .base_url(&api.server.base_url)
        .cache(CacheInterceptor::new(cache))
        .interceptor(AuthInterceptor::new(store, refresher))
        .build()
        .unwrap();
    ProfileClient::new(client)
}

#[tokio::test]
async fn a_401_that_arrives_after_another_user_signed_in_is_not_replayed_with_their_token() {
    let api = Api::start(true).await;
    let store = Arc::new(MemoryTokenStore::with_tokens(alice("alice-1")));
    let cache = Arc::new(MemoryStore::default());
    let refreshes = Arc::new(AtomicUsize::new(0));
    let profile = client(&api, store.clone(), cache.clone(), refreshes.clone(), None);
    let alices_call = tokio::spawn({
        let profile = profile.clone();
        async move { profile.me().await }
    });
    api.arrived.notified().await;
    // Alice signs out and Bob signs in while her call waits for its answer.
    store.clear();
    store.set(bob());
    api.gate.notify_one();
    let error = alices_call.await.unwrap().unwrap_err();
    assert!(matches!(error, Error::Unauthorized { .. }), "{error:?}");
    assert_eq!(
        api.tokens_seen(),
        ["Bearer alice-1"],
        "never replayed as Bob"
    );
    assert_eq!(refreshes.load(Ordering::SeqCst), 0);
    assert_eq!(
        cache.size(),
        0,
        "nothing of Bob's was stored for Alice's call"
    );

    // Bob's own calls are his.
    assert_eq!(profile.me().await.unwrap()["user"], "bob");
}

#[tokio::test]
async fn a_refresh_that_finishes_after_another_user_signed_in_does_not_hand_over_their_token() {
    let api = Api::start(false).await;
    let store = Arc::new(MemoryTokenStore::with_tokens(alice("alice-1")));
    let cache = Arc::new(MemoryStore::default());
    let refreshes = Arc::new(AtomicUsize::new(0));
    let refresh_gate = Arc::new(Notify::new());
    let profile = client(
        &api,
        store.clone(),
        cache.clone(),
        refreshes.clone(),
        Some(refresh_gate.clone()),
    );
    let alices_call = tokio::spawn({
        let profile = profile.clone();
        async move { profile.me().await }
    });
    support::wait_until("the refresh to start", || {
        refreshes.load(Ordering::SeqCst) > 0
    })
    .await;
    store.clear();
    store.set(bob());
    refresh_gate.notify_one();
    let error = alices_call.await.unwrap().unwrap_err();
    assert!(matches!(error, Error::Unauthorized { .. }), "{error:?}");
    assert_eq!(api.tokens_seen(), ["Bearer alice-1"]);
    assert_eq!(
        store.get().unwrap().access_token(),
        "bob-1",
        "the late result did not overwrite Bob's session"
    );
    assert_eq!(cache.size(), 0);
}

#[tokio::test]
async fn new_tokens_of_the_same_subject_are_used_for_the_replay() {
    let api = Api::start(true).await;
    let store = Arc::new(MemoryTokenStore::with_tokens(alice("alice-1")));
    let refreshes = Arc::new(AtomicUsize::new(0));
    let profile = client(
        &api,
        store.clone(),
        Arc::new(MemoryStore::default()),
        refreshes.clone(),
        None,
    );
    let call = tokio::spawn({
        let profile = profile.clone();
        async move { profile.me().await }
    });
    api.arrived.notified().await;
    // Another part of the app renewed Alice's tokens meanwhile.
    store.set(alice("alice-2"));
    api.gate.notify_one();
    assert_eq!(call.await.unwrap().unwrap()["user"], "alice");
    assert_eq!(api.tokens_seen(), ["Bearer alice-1", "Bearer alice-2"]);
    assert_eq!(refreshes.load(Ordering::SeqCst), 0, "no refresh was needed");
}

//! The cache never serves one user's data to another, in the setup a user writes without
//! reading the docs: `CacheInterceptor::new(..)` in front of an `AuthInterceptor`, no
//! `partition_by_tokens`. Also when credentials are added behind the cache's back, and when a
//! response varies on a header the cache cannot see. A loopback server answers each user's
//! token with that user's private, cacheable profile.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use ferrofit::auth::{AuthInterceptor, MemoryTokenStore, StaticAuth, TokenStore, Tokens};
use ferrofit::cache::{CacheInterceptor, MemoryStore};
use ferrofit::{Request, Response, ResponseSource, rest_api};
use support::hyper_server::{HyperServer, ok};

#[rest_api]
trait Profile {
    #[get("/me")]
    async fn me(&self) -> ferrofit::Result<Response<serde_json::Value>>;
}

/// Answers `/me` with the profile of whoever the `Authorization`, `X-Api-Key` or `X-Tenant`
/// header names, `private, max-age=600`, varying on `vary`; counts the requests.
async fn profile_server(vary: &'static str) -> (HyperServer, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let server = HyperServer::start(move |request| {
        let counter = counter.clone();
        async move {
            counter.fetch_add(1, Ordering::SeqCst);
            let header = |name: &str| {
                request
                    .headers()
                    .get(name)
                    .map(|v| v.to_str().unwrap().to_owned())
            };
            let who = header("authorization")
                .map(|auth| auth.trim_start_matches("Bearer ").to_owned())
                .or_else(|| header("x-api-key"))
                .or_else(|| header("x-tenant"))
                .unwrap_or_else(|| "nobody".to_owned());
            let mut response = ok(&format!(r#"{{"user":"{who}"}}"#));
            let headers = response.headers_mut();
            headers.insert("content-type", "application/json".parse().unwrap());
            headers.insert("cache-control", "private, max-age=600".parse().unwrap());
            if !vary.is_empty() {
                headers.insert("vary", vary.parse().unwrap());
            }
            response
        }
    })
    .await;
    (server, hits)
}

fn auth(store: &Arc<MemoryTokenStore>) -> AuthInterceptor {
    AuthInterceptor::new(store.clone(), |tokens: Tokens| async move { Ok(tokens) })
}

async fn user_of(api: &ProfileClient) -> (String, ResponseSource) {
    let response = api.me().await.unwrap();
    let user = response["user"].as_str().unwrap().to_owned();
    (user, response.source())
}

#[tokio::test]
async fn the_readme_setup_without_partition_by_tokens_keeps_users_apart() {
    for vary in ["Authorization", ""] {
        let (server, hits) = profile_server(vary).await;
        let store = Arc::new(MemoryTokenStore::with_tokens(Tokens::new("alice")));
        let client = ferrofit::Client::builder()
            .base_url(&server.base_url)
            .cache(CacheInterceptor::new(MemoryStore::default()))
            .interceptor(auth(&store))
            .build()
            .unwrap();
        let api = ProfileClient::new(client);
        assert_eq!(
            user_of(&api).await,
            ("alice".into(), ResponseSource::Network)
        );
        assert_eq!(
            user_of(&api).await,
            ("alice".into(), ResponseSource::Cache),
            "Vary `{vary}`: Alice's own repeat is a hit"
        );
        // Alice signs out, Bob signs in.
        store.clear();
        store.set(Tokens::new("bob"));
        assert_eq!(
            user_of(&api).await,
            ("bob".into(), ResponseSource::Network),
            "Vary `{vary}`"
        );
        assert_eq!(hits.load(Ordering::SeqCst), 2, "Vary `{vary}`");
    }
}

#[tokio::test]
async fn a_cache_added_as_an_interceptor_before_auth_is_partitioned_too() {
    let (server, hits) = profile_server("").await;
    let store = Arc::new(MemoryTokenStore::with_tokens(Tokens::new("alice")));
    let client = ferrofit::Client::builder()
        .base_url(&server.base_url)
        .interceptor(CacheInterceptor::new(MemoryStore::default()))
        .interceptor(auth(&store))
        .build()
        .unwrap();
    let api = ProfileClient::new(client);
    assert_eq!(user_of(&api).await.0, "alice");
    store.set(Tokens::new("bob"));
    assert_eq!(user_of(&api).await.0, "bob");
    assert_eq!(hits.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn two_clients_with_their_own_api_keys_on_one_store_see_their_own_data() {
    let (server, hits) = profile_server("").await;
    let shared = Arc::new(MemoryStore::default());
    let api_for = |key: &str| {
        let client = ferrofit::Client::builder()
            .base_url(&server.base_url)
            .default_header("X-Api-Key", key)
            .cache(CacheInterceptor::new(shared.clone()))
            .build()
            .unwrap();
        ProfileClient::new(client)
    };
    assert_eq!(user_of(&api_for("tenant-a")).await.0, "tenant-a");
    assert_eq!(user_of(&api_for("tenant-b")).await.0, "tenant-b");
    assert_eq!(
        user_of(&api_for("tenant-a")).await,
        ("tenant-a".into(), ResponseSource::Cache)
    );
    assert_eq!(hits.load(Ordering::SeqCst), 2);
}

/// An interceptor behind the cache that adds `name: <current value>`, as an app's own auth
/// or tenant interceptor would.
fn adds_header(name: &'static str, value: Arc<Mutex<String>>) -> impl ferrofit::Interceptor {
    ferrofit::interceptor::on_request(move |request: &mut Request| {
        let current = value.lock().unwrap().clone();
        request.headers_mut().insert(name, current.parse().unwrap());
        Ok(())
    })
}

#[tokio::test]
async fn a_response_to_a_request_credentialed_behind_the_cache_is_never_shared() {
    let (server, hits) = profile_server("").await;
    let key = Arc::new(Mutex::new("alice-key".to_owned()));
    let client = ferrofit::Client::builder()
        .base_url(&server.base_url)
        .cache(CacheInterceptor::new(MemoryStore::default()))
        .interceptor(adds_header("x-api-key", key.clone()))
        .build()
        .unwrap();
    let api = ProfileClient::new(client);
    assert_eq!(user_of(&api).await.0, "alice-key");
    *key.lock().unwrap() = "bob-key".to_owned();
    assert_eq!(
        user_of(&api).await,
        ("bob-key".into(), ResponseSource::Network)
    );
    assert_eq!(hits.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_response_varying_on_a_header_the_cache_cannot_see_is_a_miss() {
    let (server, hits) = profile_server("X-Tenant").await;
    let tenant = Arc::new(Mutex::new("tenant-a".to_owned()));
    let client = ferrofit::Client::builder()
        .base_url(&server.base_url)
        .cache(CacheInterceptor::new(MemoryStore::default()))
        .interceptor(adds_header("x-tenant", tenant.clone()))
        .build()
        .unwrap();
    let api = ProfileClient::new(client);
    assert_eq!(user_of(&api).await.0, "tenant-a");
    *tenant.lock().unwrap() = "tenant-b".to_owned();
    assert_eq!(
        user_of(&api).await,
        ("tenant-b".into(), ResponseSource::Network)
    );
    assert_eq!(hits.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn static_keys_keep_their_responses_apart_and_a_rotated_key_starts_afresh() {
    for vary in ["X-Api-Key", ""] {
        let (server, hits) = profile_server(vary).await;
        let store = Arc::new(MemoryStore::default());
        let client_with = |auth: &StaticAuth| {
            ProfileClient::new(
                ferrofit::Client::builder()
                    .base_url(&server.base_url)
                    .cache(CacheInterceptor::new(store.clone()))
                    .interceptor(auth.clone())
                    .build()
                    .unwrap(),
            )
        };
        let alice = StaticAuth::api_key_header("X-Api-Key", "alice");
        let (alice_api, bob_api) = (
            client_with(&alice),
            client_with(&StaticAuth::api_key_header("X-Api-Key", "bob")),
        );
        assert_eq!(
            user_of(&alice_api).await,
            ("alice".into(), ResponseSource::Network)
        );
        assert_eq!(
            user_of(&alice_api).await,
            ("alice".into(), ResponseSource::Cache)
        );
        assert_eq!(
            user_of(&bob_api).await,
            ("bob".into(), ResponseSource::Network),
            "vary {vary:?}"
        );
        alice.rotate("alice-2");
        assert_eq!(
            user_of(&alice_api).await,
            ("alice-2".into(), ResponseSource::Network)
        );
        assert_eq!(hits.load(Ordering::SeqCst), 3);
    }
}

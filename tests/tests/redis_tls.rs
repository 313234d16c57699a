//! The Redis stores over TLS (`rediss://`): a real `redis-server` serving TLS only, with a
//! certificate from a private root that a child process trusts through `SSL_CERT_FILE` (the
//! platform's roots, as rustls-native-certs reads them) and this process does not.

mod support;

use std::time::Duration;

use ferrofit::Error;
use ferrofit::auth::{RedisTokenStore, TokenStore, Tokens};
use ferrofit::cache::{CacheStore, RedisCacheStore};
use support::child;
use support::redis::Redis;
use support::tls::Chain;

/// Uses both stores over `rediss://`; run by its parent with the root trusted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a child process of stores_work_over_tls_with_a_trusted_root_and_refuse_an_untrusted_one"]
async fn tls_client() {
    let url = child::value("tls_client");
    let store = RedisTokenStore::builder(&url, "tls", "ann")
        .connect()
        .await
        .expect("the token store connects over TLS");
    store
        .sign_in(Tokens::new("over-tls").with_refresh("r"))
        .await
        .unwrap();
    let again = RedisTokenStore::builder(&url, "tls", "ann")
        .connect()
        .await
        .unwrap();
    assert_eq!(again.get().unwrap().access_token(), "over-tls");
    let cache = RedisCacheStore::connect(&url, "tls").await.unwrap();
    cache.put("k", "v".into()).await.unwrap();
    assert_eq!(cache.get("k").await.unwrap().as_deref(), Some(&b"v"[..]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stores_work_over_tls_with_a_trusted_root_and_refuse_an_untrusted_one() {
    let chain = Chain::new();
    let Some(redis) = Redis::start_tls(&chain) else {
        return;
    };
    let url = format!("rediss://localhost:{}", redis.port());
    // Here the root is not trusted: the handshake fails, at once, as a network error.
    let refused = tokio::time::timeout(
        Duration::from_secs(10),
        RedisTokenStore::builder(&url, "tls", "ann").connect(),
    )
    .await
    .expect("no hang");
    assert!(matches!(refused, Err(Error::Network { .. })), "{refused:?}");

    let dir = support::TempDir::new();
    let root = dir.path().join("root.pem");
    std::fs::write(&root, &chain.root.pem).unwrap();
    let status = child::command(&[], "tls_client", &url)
        .env("SSL_CERT_FILE", &root)
        .status()
        .expect("the child runs");
    assert!(
        status.success(),
        "the stores work over TLS with the root trusted"
    );
}

//! No secret is stored at rest in a cache store. A call carries a secret in every place a
//! client can — the base URL's password, a default API-key header, a per-call
//! `Authorization`, a query token — and the server answers with `Set-Cookie` and
//! `Proxy-Authenticate`/`Proxy-Authentication-Info`, varying on the secret request headers. A
//! spy store records every key and value written; a redb file is read back byte by byte.
//! The stored response still serves hits, and replays none of those headers.

mod support;

use std::sync::{Arc, Mutex};

use ferrofit::auth::StaticAuth;
use ferrofit::cache::{CacheInterceptor, CacheStore, MemoryStore, RedbStore};
use ferrofit::{BoxError, BoxFuture, Bytes, Response, ResponseSource, rest_api};
use support::hyper_server::{HyperServer, ok};

const SECRETS: [&str; 7] = [
    "pw-s3cr3t",
    "user-s3cr3t",
    "key-s3cr3t",
    "call-s3cr3t",
    "qs-s3cr3t",
    "cookie-s3cr3t",
    "proxy-s3cr3t",
];

#[rest_api]
trait Feed {
    #[get("/feed")]
    async fn feed(
        &self,
        #[query] access_token: &str,
        #[header("Authorization")] auth: &str,
    ) -> ferrofit::Result<Response<String>>;
}

/// A cacheable feed that hands out a cookie and proxy challenges, varying on the secrets.
async fn feed_server() -> HyperServer {
    HyperServer::start(|_request| async {
        let mut response = ok("the feed");
        let headers = response.headers_mut();
        for (name, value) in [
            ("cache-control", "private, max-age=600"),
            ("etag", "\"v1\""),
            ("vary", "Authorization, X-Api-Key"),
            ("set-cookie", "sid=cookie-s3cr3t; HttpOnly"),
            ("proxy-authenticate", "Basic realm=\"proxy-s3cr3t\""),
            ("proxy-authentication-info", "nextnonce=\"proxy-s3cr3t\""),
        ] {
            headers.append(name, value.parse().unwrap());
        }
        response
    })
    .await
}

fn client(server: &HyperServer, store: impl CacheStore) -> FeedClient {
    let base = server
        .base_url
        .replace("http://", "http://user-s3cr3t:pw-s3cr3t@");
    let client = ferrofit::Client::builder()
        .base_url(&base)
        .default_header("X-Api-Key", "key-s3cr3t")
        .cache(CacheInterceptor::new(store))
        .build()
        .unwrap();
    FeedClient::new(client)
}

fn assert_no_secret(bytes: &[u8], what: &str) {
    let text = String::from_utf8_lossy(bytes);
    for secret in SECRETS {
        assert!(
            !text.contains(secret),
            "`{secret}` at rest in {what}: {text}"
        );
    }
}

/// Calls the feed twice: the second is a hit, without the headers that were not stored.
async fn call_twice(api: &FeedClient) {
    for source in [ResponseSource::Network, ResponseSource::Cache] {
        let response = api.feed("qs-s3cr3t", "Bearer call-s3cr3t").await.unwrap();
        assert_eq!(response.source(), source);
        assert_eq!(response.as_str(), "the feed");
        if source == ResponseSource::Cache {
            for name in [
                "set-cookie",
                "proxy-authenticate",
                "proxy-authentication-info",
            ] {
                assert!(
                    !response.headers().contains_key(name),
                    "{name} replayed on a hit"
                );
            }
            assert!(!format!("{:?}", response.url()).contains("s3cr3t"));
        }
    }
}

/// Records every key and value written, in front of a memory store.
#[derive(Default)]
struct Spy {
    inner: MemoryStore,
    written: Mutex<Vec<(String, Bytes)>>,
}

impl CacheStore for Spy {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Bytes>, BoxError>> {
        self.inner.get(key)
    }

    fn put<'a>(&'a self, key: &'a str, value: Bytes) -> BoxFuture<'a, Result<(), BoxError>> {
        self.written
            .lock()
            .unwrap()
            .push((key.to_owned(), value.clone()));
        self.inner.put(key, value)
    }

    fn remove<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), BoxError>> {
        self.inner.remove(key)
    }

    fn remove_prefix<'a>(&'a self, prefix: &'a str) -> BoxFuture<'a, Result<(), BoxError>> {
        self.inner.remove_prefix(prefix)
    }
}

#[tokio::test]
async fn a_spy_store_sees_no_secret_in_any_key_or_entry() {
    let server = feed_server().await;
    let spy = Arc::new(Spy::default());
    call_twice(&client(&server, spy.clone())).await;
    let written = spy.written.lock().unwrap();
    assert_eq!(written.len(), 1, "one entry");
    for (key, value) in written.iter() {
        assert_no_secret(key.as_bytes(), "a key");
        assert_no_secret(value, "an entry");
    }
}

#[tokio::test]
async fn a_redb_file_holds_no_secret() {
    let server = feed_server().await;
    let dir = support::TempDir::new();
    let path = dir.path().join("cache.redb");
    call_twice(&client(&server, RedbStore::open(&path).unwrap())).await;
    assert_no_secret(&std::fs::read(&path).unwrap(), "the redb file");
    // A restarted app on the same file still finds the entry: the hashing key is the file's.
    let api = client(&server, RedbStore::open(&path).unwrap());
    let response = api.feed("qs-s3cr3t", "Bearer call-s3cr3t").await.unwrap();
    assert_eq!(response.source(), ResponseSource::Cache);
}

#[tokio::test]
async fn entries_of_the_first_layout_are_deleted_when_the_file_opens() {
    let dir = support::TempDir::new();
    let path = dir.path().join("old.redb");
    {
        // What version 1 wrote: credentials in the key and the entry, in clear.
        let db = redb::Database::create(&path).unwrap();
        let txn = db.begin_write().unwrap();
        {
            let old: redb::TableDefinition<'_, &str, &[u8]> =
                redb::TableDefinition::new("ferrofit-cache-v1");
            let mut table = txn.open_table(old).unwrap();
            let secret = "Bearer call-s3cr3t ".repeat(64);
            table
                .insert(
                    "h:1|https://api.test/?access_token=qs-s3cr3t",
                    secret.as_bytes(),
                )
                .unwrap();
        }
        txn.commit().unwrap();
    }
    assert!(String::from_utf8_lossy(&std::fs::read(&path).unwrap()).contains("call-s3cr3t"));
    drop(RedbStore::open(&path).unwrap());
    assert_no_secret(&std::fs::read(&path).unwrap(), "the reopened file");
}

#[tokio::test]
async fn static_keys_under_ordinary_names_are_not_stored() {
    let server = HyperServer::start(|_request| async {
        let mut response = ok("the feed");
        let headers = response.headers_mut();
        headers.insert("cache-control", "private, max-age=600".parse().unwrap());
        headers.insert("vary", "X-Custom".parse().unwrap());
        response
    })
    .await;
    let spy = Arc::new(Spy::default());
    let client = ferrofit::Client::builder()
        .base_url(&server.base_url)
        .cache(CacheInterceptor::new(spy.clone()))
        .interceptor(StaticAuth::api_key_header("X-Custom", "key-s3cr3t"))
        .interceptor(StaticAuth::api_key_query("appid", "qs-s3cr3t"))
        .build()
        .unwrap();
    let api = FeedClient::new(client);
    for source in [ResponseSource::Network, ResponseSource::Cache] {
        let response = api.feed("", "").await.unwrap();
        assert_eq!(response.source(), source);
    }
    let written = spy.written.lock().unwrap();
    assert_eq!(written.len(), 1, "one entry");
    for (key, value) in written.iter() {
        assert_no_secret(key.as_bytes(), "a key");
        assert_no_secret(value, "an entry");
    }
}

//! Connections: pooled and reused, HTTP/2 with prior knowledge (h2c) multiplexing many calls on
//! one connection, the negotiated version on the response, and bounded redirects that drop
//! credentials when they leave the host.

mod support;

use std::sync::{Arc, Mutex};

use ferrofit::http::Version;
use ferrofit::{Error, NetworkKind, Response, rest_api};
use support::hyper_server::{HyperServer, ok, redirect};

#[rest_api]
trait Echo {
    #[get("/ping")]
    async fn ping(&self) -> ferrofit::Result<Response<String>>;

    #[get("/start")]
    async fn start(
        &self,
        #[header("Authorization")] auth: &str,
    ) -> ferrofit::Result<Response<String>>;
}

#[track_caller]
fn assert_too_many_redirects(error: &Error) {
    assert!(
        matches!(
            error,
            Error::Network {
                kind: NetworkKind::Redirect,
                ..
            }
        ),
        "{error:?}"
    );
}

async fn ping_server() -> HyperServer {
    HyperServer::start(|_request| async { ok("pong") }).await
}

#[tokio::test]
async fn sequential_calls_reuse_one_pooled_connection() {
    let server = ping_server().await;
    let api = EchoClient::new(support::client(&server.base_url));
    for _ in 0..20 {
        let response = api.ping().await.unwrap();
        assert_eq!(
            (response.as_str(), response.version()),
            ("pong", Version::HTTP_11)
        );
    }
    assert_eq!(server.connections(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn h2c_prior_knowledge_multiplexes_concurrent_calls_on_one_connection() {
    let server = ping_server().await;
    let client = ferrofit::Client::builder()
        .base_url(&server.base_url)
        .http2_prior_knowledge()
        .build()
        .unwrap();
    let api = EchoClient::new(client);
    api.ping().await.unwrap();
    let calls: Vec<_> = (0..32)
        .map(|_| {
            let api = api.clone();
            tokio::spawn(async move { api.ping().await })
        })
        .collect();
    for call in calls {
        let response = call.await.unwrap().unwrap();
        assert_eq!(response.version(), Version::HTTP_2);
    }
    assert_eq!(
        server.connections(),
        1,
        "32 concurrent calls, one connection"
    );
}

/// A server whose `/start` redirects to `location` (or its own `/landing`) and whose
/// `/landing` records the `Authorization` it was sent.
async fn redirecting(location: Option<String>) -> (HyperServer, Arc<Mutex<Vec<Option<String>>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let server = HyperServer::start(move |request| {
        let (record, location) = (record.clone(), location.clone());
        async move {
            if request.uri().path() == "/landing" {
                let auth = request
                    .headers()
                    .get("authorization")
                    .map(|v| v.to_str().unwrap().to_owned());
                record.lock().unwrap().push(auth);
                return ok("landed");
            }
            let location = location.unwrap_or_else(|| "/landing".to_owned());
            redirect(http::StatusCode::FOUND, &location)
        }
    })
    .await;
    (server, seen)
}

#[tokio::test]
async fn a_redirect_to_another_host_drops_authorization_but_one_on_the_same_host_keeps_it() {
    let (same, seen_same) = redirecting(None).await;
    let api = EchoClient::new(support::client(&same.base_url));
    assert_eq!(api.start("Bearer s3cr3t").await.unwrap().as_str(), "landed");
    assert_eq!(
        seen_same.lock().unwrap().pop().unwrap().as_deref(),
        Some("Bearer s3cr3t")
    );

    let (target, seen_target) = redirecting(None).await;
    // `localhost` is another host than `127.0.0.1`, though it reaches the same server.
    let elsewhere = format!(
        "{}/landing",
        target.base_url.replace("127.0.0.1", "localhost")
    );
    let (cross, _) = redirecting(Some(elsewhere)).await;
    let api = EchoClient::new(support::client(&cross.base_url));
    assert_eq!(api.start("Bearer s3cr3t").await.unwrap().as_str(), "landed");
    assert_eq!(
        seen_target.lock().unwrap().pop().unwrap(),
        None,
        "stripped for another host"
    );
}

#[tokio::test]
async fn redirects_are_bounded() {
    // A server that redirects to itself forever.
    let server =
        HyperServer::start(|_request| async { redirect(http::StatusCode::FOUND, "/start") }).await;
    let client = ferrofit::Client::builder()
        .base_url(&server.base_url)
        .max_redirects(3)
        .build()
        .unwrap();
    let error = EchoClient::new(client).start("x").await.unwrap_err();
    assert_too_many_redirects(&error);
    let client = ferrofit::Client::builder()
        .base_url(&server.base_url)
        .max_redirects(0)
        .build()
        .unwrap();
    let error = EchoClient::new(client).start("x").await.unwrap_err();
    assert_eq!(
        error.status(),
        Some(http::StatusCode::FOUND),
        "0 follows none"
    );
}

#[tokio::test]
async fn by_default_ten_redirects_are_followed_and_the_eleventh_fails() {
    // Redirects /start → /hop/1 → /hop/2 → …, counting the requests.
    let hops = Arc::new(Mutex::new(0_usize));
    let seen = hops.clone();
    let server = HyperServer::start(move |_request| {
        let seen = seen.clone();
        async move {
            let n = {
                let mut hops = seen.lock().unwrap();
                *hops += 1;
                *hops
            };
            redirect(http::StatusCode::FOUND, &format!("/hop/{n}"))
        }
    })
    .await;
    let error = EchoClient::new(support::client(&server.base_url))
        .start("x")
        .await
        .unwrap_err();
    assert_too_many_redirects(&error);
    assert_eq!(*hops.lock().unwrap(), 11, "the request and 10 redirects");
}

#[tokio::test]
async fn no_idle_connection_is_kept_when_the_pool_holds_none() {
    let server = ping_server().await;
    let client = ferrofit::Client::builder()
        .base_url(&server.base_url)
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let api = EchoClient::new(client);
    for _ in 0..5 {
        api.ping().await.unwrap();
    }
    assert_eq!(server.connections(), 5, "a new connection per call");
}

#[tokio::test]
async fn an_idle_connection_expires_after_the_pool_idle_timeout() {
    let server = ping_server().await;
    let client = ferrofit::Client::builder()
        .base_url(&server.base_url)
        .pool_idle_timeout(Some(std::time::Duration::from_millis(100)))
        .build()
        .unwrap();
    let api = EchoClient::new(client);
    api.ping().await.unwrap();
    api.ping().await.unwrap();
    assert_eq!(server.connections(), 1, "reused while fresh");
    // Real time: the pool's clock is not tokio's paused one. Well past the timeout.
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    api.ping().await.unwrap();
    assert_eq!(server.connections(), 2, "the idle one expired");
}

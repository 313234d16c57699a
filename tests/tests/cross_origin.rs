//! Credentials never leave their origin: a redirect to another origin, a URL given to
//! `Client::send`, and a URL an interceptor rewrote carry none of the client's secret
//! headers — `Authorization`, cookies, API keys, session headers, `#[header]` secrets — and no
//! `Referer`. Two loopback servers; `localhost` and `127.0.0.1` are different origins.

mod support;

use std::sync::{Arc, Mutex};

use ferrofit::auth::{AuthInterceptor, MemoryTokenStore, Tokens};
use ferrofit::http::{HeaderMap, Method, StatusCode};
use ferrofit::{Request, rest_api};
use support::hyper_server::{HyperServer, ok, redirect};
use support::{Answer, CaptureServer, Captured};

const LANDED: &str = "HTTP/1.1 200 OK\r\ncontent-length: 6\r\n\r\nlanded";

#[rest_api]
trait Files {
    #[get("/download")]
    async fn download(
        &self,
        #[query] access_token: &str,
        #[header("X-Session-Token")] session: &str,
        #[header("Cookie")] cookie: &str,
    ) -> ferrofit::Result<String>;

    #[post("/upload")]
    async fn upload(&self, #[body] body: &serde_json::Value) -> ferrofit::Result<String>;
}

/// Every credential the client and the call put on the request.
const SECRET_HEADERS: [&str; 5] = [
    "authorization",
    "x-api-key",
    "x-session-token",
    "cookie",
    "referer",
];

fn client(base: &str) -> ferrofit::Client {
    let store = MemoryTokenStore::with_tokens(Tokens::new("bearer-s3cr3t"));
    ferrofit::Client::builder()
        .base_url(base)
        .default_header("X-Api-Key", "key-s3cr3t")
        .default_header("Accept-Language", "en")
        .interceptor(AuthInterceptor::new(store, |_: Tokens| async {
            Ok(Tokens::new("unused"))
        }))
        .build()
        .unwrap()
}

fn assert_no_credentials(request: &Captured) {
    for name in SECRET_HEADERS {
        assert!(
            request.header_values(name).is_empty(),
            "`{name}` reached the other origin: {:?}",
            request.headers
        );
    }
    let all = format!("{:?}", request.headers);
    for secret in ["s3cr3t", "qs-token"] {
        assert!(!all.contains(secret), "{all}");
    }
    assert_eq!(
        request.header_values("accept-language"),
        ["en"],
        "other headers go on"
    );
}

/// A server answering every request with `status` and a `Location` of `location`, recording
/// the headers of each request.
async fn redirector(
    status: StatusCode,
    location: String,
) -> (HyperServer, Arc<Mutex<Vec<HeaderMap>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let server = HyperServer::start(move |request| {
        let (record, location) = (record.clone(), location.clone());
        async move {
            record.lock().unwrap().push(request.headers().clone());
            redirect(status, &location)
        }
    })
    .await;
    (server, seen)
}

/// `base_url` of a loopback server under the name `localhost`: another origin.
fn as_localhost(base_url: &str) -> String {
    base_url.replace("127.0.0.1", "localhost")
}

#[tokio::test]
async fn a_redirect_to_another_origin_carries_no_credential_and_no_referer() {
    let other = CaptureServer::start(Answer::Full(LANDED)).await;
    let landing = format!("{}/landing", as_localhost(&other.base_url));
    let (origin, seen) = redirector(StatusCode::FOUND, landing).await;
    let api = FilesClient::new(client(&origin.base_url));
    let body = api
        .download("qs-token", "session-s3cr3t", "sid=cookie-s3cr3t")
        .await
        .unwrap();
    assert_eq!(body, "landed");
    let first = seen.lock().unwrap().pop().unwrap();
    for name in ["authorization", "x-api-key", "x-session-token", "cookie"] {
        assert!(first.contains_key(name), "sent to its own origin: {name}");
    }
    assert_no_credentials(&other.last());
}

#[tokio::test]
async fn a_redirect_within_the_origin_keeps_the_credentials_but_another_port_is_elsewhere() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let same = HyperServer::start(move |request| {
        let record = record.clone();
        async move {
            record.lock().unwrap().push(request.headers().clone());
            if request.uri().path() == "/landing" {
                return ok("landed");
            }
            redirect(StatusCode::FOUND, "/landing")
        }
    })
    .await;
    let api = FilesClient::new(client(&same.base_url));
    assert_eq!(
        api.download("qs-token", "s", "c=1").await.unwrap(),
        "landed"
    );
    let landed = seen.lock().unwrap().pop().unwrap();
    for name in ["authorization", "x-api-key", "x-session-token", "cookie"] {
        assert!(landed.contains_key(name), "{name} stays within the origin");
    }

    let other_port = CaptureServer::start(Answer::Full(LANDED)).await;
    let (origin, _) = redirector(
        StatusCode::FOUND,
        format!("{}/landing", other_port.base_url),
    )
    .await;
    let api = FilesClient::new(client(&origin.base_url));
    assert_eq!(
        api.download("qs-token", "session-s3cr3t", "c=1")
            .await
            .unwrap(),
        "landed"
    );
    let landed = other_port.last();
    assert!(
        landed.header_values("authorization").is_empty()
            && landed.header_values("x-api-key").is_empty(),
        "same host, another port: {landed:?}"
    );
}

#[tokio::test]
async fn a_307_re_sends_the_body_to_another_origin_without_credentials() {
    let other = CaptureServer::start(Answer::Full(LANDED)).await;
    let landing = format!("{}/landing", as_localhost(&other.base_url));
    let (origin, _) = redirector(StatusCode::TEMPORARY_REDIRECT, landing).await;
    let api = FilesClient::new(client(&origin.base_url));
    let body = serde_json::json!({"report": [1, 2, 3]});
    assert_eq!(api.upload(&body).await.unwrap(), "landed");
    let landed = other.last();
    assert_eq!(landed.method, "POST");
    assert_eq!(landed.body, serde_json::to_vec(&body).unwrap());
    for name in ["authorization", "x-api-key", "referer"] {
        assert!(landed.header_values(name).is_empty(), "{name}: {landed:?}");
    }
}

#[tokio::test]
async fn client_send_to_another_origin_carries_no_credential() {
    let home = CaptureServer::start(Answer::Full(LANDED)).await;
    let cdn = CaptureServer::start(Answer::Full(LANDED)).await;
    let client = client(&home.base_url);
    let avatar = format!("{}/avatar.png", as_localhost(&cdn.base_url));
    let response = client
        .send(Request::new(Method::GET, avatar.parse().unwrap()))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_no_credentials(&cdn.last());

    let own = format!("{}/me", home.base_url);
    client
        .send(Request::new(Method::GET, own.parse().unwrap()))
        .await
        .unwrap();
    let home_request = home.last();
    assert_eq!(
        home_request.header_values("authorization"),
        ["Bearer bearer-s3cr3t"]
    );
    assert_eq!(home_request.header_values("x-api-key"), ["key-s3cr3t"]);
}

#[tokio::test]
async fn a_url_an_interceptor_rewrote_carries_no_credential_of_the_client() {
    let home = CaptureServer::start(Answer::Full(LANDED)).await;
    let mirror = CaptureServer::start(Answer::Full(LANDED)).await;
    let mirror_base = as_localhost(&mirror.base_url);
    let rewrite = move |request: &mut Request| {
        let path = request.url().path().to_owned();
        *request.url_mut() = format!("{mirror_base}{path}").parse().unwrap();
        Ok(())
    };
    // Added after the auth interceptor: the token and the API key are already on the request
    // when its URL changes.
    let store = MemoryTokenStore::with_tokens(Tokens::new("bearer-s3cr3t"));
    let late = ferrofit::Client::builder()
        .base_url(&home.base_url)
        .default_header("X-Api-Key", "key-s3cr3t")
        .default_header("Accept-Language", "en")
        .interceptor(AuthInterceptor::new(store, |_: Tokens| async {
            Ok(Tokens::new("unused"))
        }))
        .interceptor(ferrofit::interceptor::on_request(rewrite.clone()))
        .build()
        .unwrap();
    FilesClient::new(late)
        .upload(&serde_json::json!({}))
        .await
        .unwrap();
    assert_no_credentials(&mirror.last());

    // Added before it: the auth interceptor sees the new origin and adds no token.
    let store = MemoryTokenStore::with_tokens(Tokens::new("bearer-s3cr3t"));
    let early = ferrofit::Client::builder()
        .base_url(&home.base_url)
        .default_header("Accept-Language", "en")
        .interceptor(ferrofit::interceptor::on_request(rewrite))
        .interceptor(AuthInterceptor::new(store, |_: Tokens| async {
            Ok(Tokens::new("unused"))
        }))
        .build()
        .unwrap();
    FilesClient::new(early)
        .upload(&serde_json::json!({}))
        .await
        .unwrap();
    assert_no_credentials(&mirror.last());
    assert!(home.requests().is_empty(), "everything went to the mirror");
}

#[tokio::test]
async fn an_override_header_that_is_secret_stays_with_its_origin() {
    let home = CaptureServer::start(Answer::Full(LANDED)).await;
    let cdn = CaptureServer::start(Answer::Full(LANDED)).await;
    let client = ferrofit::Client::builder()
        .base_url(&home.base_url)
        .override_header("X-Api-Key", "override-s3cr3t")
        .override_header("Accept-Language", "en")
        .build()
        .unwrap();
    let avatar = format!("{}/avatar.png", as_localhost(&cdn.base_url));
    client
        .send(Request::new(Method::GET, avatar.parse().unwrap()))
        .await
        .unwrap();
    assert_no_credentials(&cdn.last());
    let own = format!("{}/me", home.base_url);
    client
        .send(Request::new(Method::GET, own.parse().unwrap()))
        .await
        .unwrap();
    assert_eq!(home.last().header_values("x-api-key"), ["override-s3cr3t"]);
}

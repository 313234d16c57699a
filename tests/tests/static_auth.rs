//! Static credentials — a personal access token, an API key in a header or the query, HTTP
//! Basic — go to the client's origin only, are sent once (a 401 is `Unauthorized` at once),
//! rotate at run time, and never show in logs or errors, whatever their header or parameter is
//! called. Basic credentials are decoded by the `headers` crate, an implementation of its own.

mod support;

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::routing::get;
use ferrofit::auth::StaticAuth;
use ferrofit::log::LogInterceptor;
use ferrofit::{Error, rest_api};
use headers::HeaderMapExt as _;
use headers::authorization::{Authorization, Basic};
use support::log_capture::{Captured, subscriber};

#[rest_api]
trait Account {
    #[get("/me")]
    async fn me(&self) -> ferrofit::Result<String>;

    #[get("/denied")]
    async fn denied(&self) -> ferrofit::Result<String>;

    #[get("/fails")]
    async fn fails(&self) -> ferrofit::Result<String>;

    #[get]
    async fn follow(&self, #[url] link: &str) -> ferrofit::Result<String>;

    #[no_auth]
    #[get("/public")]
    async fn public(&self) -> ferrofit::Result<String>;
}

/// What one request carried.
#[derive(Clone, Debug)]
struct Seen {
    path: String,
    query: String,
    headers: HeaderMap,
}

type Log = Arc<Mutex<Vec<Seen>>>;

/// The request's headers and query parameters as httpbin's `/anything` writes them.
fn echo(uri: &Uri, headers: &HeaderMap) -> String {
    let args: serde_json::Map<String, serde_json::Value> =
        url::form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
            .map(|(key, value)| (key.into_owned(), value.into_owned().into()))
            .collect();
    let headers: serde_json::Map<String, serde_json::Value> = headers
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_str().unwrap_or_default().into()))
        .collect();
    serde_json::json!({"args": args, "headers": headers}).to_string()
}

/// Answers `/me` with what Basic credentials decode to (or `ok`), `/denied` with 401, `/fails`
/// with a 500 that echoes the request's headers and query, anything else with `ok`.
async fn server() -> (String, Log) {
    async fn record(State(log): State<Log>, uri: Uri, headers: HeaderMap) -> (StatusCode, String) {
        log.lock().unwrap().push(Seen {
            path: uri.path().to_owned(),
            query: uri.query().unwrap_or_default().to_owned(),
            headers: headers.clone(),
        });
        match uri.path() {
            "/denied" => (StatusCode::UNAUTHORIZED, "bad credentials".into()),
            "/fails" => (StatusCode::INTERNAL_SERVER_ERROR, echo(&uri, &headers)),
            _ => match headers.typed_get::<Authorization<Basic>>() {
                Some(basic) => (
                    StatusCode::OK,
                    format!("{}:{}", basic.username(), basic.password()),
                ),
                None => (StatusCode::OK, "ok".into()),
            },
        }
    }
    let log = Log::default();
    let router = Router::new().fallback(get(record)).with_state(log.clone());
    (support::server::serve(router).await, log)
}

fn client(base: &str, auth: &StaticAuth) -> AccountClient {
    AccountClient::new(
        ferrofit::Client::builder()
            .base_url(base)
            .interceptor(LogInterceptor::new().log_headers(true).log_bodies(true))
            .interceptor(auth.clone())
            .build()
            .unwrap(),
    )
}

fn last(log: &Log) -> Seen {
    log.lock()
        .unwrap()
        .last()
        .cloned()
        .expect("a request arrived")
}

fn header(seen: &Seen, name: &str) -> Option<String> {
    seen.headers
        .get(name)
        .map(|value| value.to_str().unwrap().to_owned())
}

#[tokio::test]
async fn a_token_is_sent_once_and_a_401_is_unauthorized_at_once() {
    let (base, log) = server().await;
    let api = client(&base, &StaticAuth::bearer("pat-s3cr3t"));
    assert_eq!(api.me().await.unwrap(), "ok");
    assert_eq!(
        header(&last(&log), "authorization").unwrap(),
        "Bearer pat-s3cr3t"
    );

    let error = api.denied().await.unwrap_err();
    assert!(matches!(error, Error::Unauthorized { .. }), "{error:?}");
    let denied = log
        .lock()
        .unwrap()
        .iter()
        .filter(|s| s.path == "/denied")
        .count();
    assert_eq!(denied, 1, "a 401 is sent once: there is nothing to refresh");

    assert_eq!(api.public().await.unwrap(), "ok");
    assert_eq!(header(&last(&log), "authorization"), None, "#[no_auth]");
}

#[tokio::test]
async fn basic_credentials_decode_as_sent_with_an_independent_parser() {
    let (base, _) = server().await;
    let api = client(&base, &StaticAuth::basic("alice", "pässwörd: with colon"));
    assert_eq!(api.me().await.unwrap(), "alice:pässwörd: with colon");

    let bad = client(&base, &StaticAuth::basic("al:ice", "pw"));
    let error = bad.me().await.unwrap_err();
    assert!(matches!(error, Error::InvalidRequest { .. }), "{error:?}");
}

#[tokio::test]
async fn keys_under_ordinary_names_reach_the_server_but_no_log_or_error() {
    let (base, log) = server().await;
    let in_header = StaticAuth::api_key_header("X-Custom", "hdr-s3cr3t");
    let in_query = StaticAuth::api_key_query("appid", "qry-s3cr3t");
    let output = Captured::default();
    let mut errors = Vec::new();
    {
        let _guard = tracing::subscriber::set_default(subscriber(&output));
        for auth in [&in_header, &in_query] {
            let api = client(&base, auth);
            assert_eq!(api.me().await.unwrap(), "ok");
            errors.push(api.fails().await.unwrap_err());
        }
    }
    let sent = log.lock().unwrap().clone();
    assert_eq!(header(&sent[0], "x-custom").unwrap(), "hdr-s3cr3t");
    assert_eq!(sent[2].query, "appid=qry-s3cr3t");
    let shown = format!("{} {errors:?} {}", output.text(), errors[0]) + &errors[1].to_string();
    assert!(
        shown.contains("/fails"),
        "the log and errors were written: {shown}"
    );
    for secret in ["hdr-s3cr3t", "qry-s3cr3t"] {
        assert!(!shown.contains(secret), "`{secret}` shown: {shown}");
    }
}

#[tokio::test]
async fn a_link_to_another_origin_gets_no_credential() {
    let (home, home_log) = server().await;
    let (other, other_log) = server().await;
    let other = other.replace("127.0.0.1", "localhost");
    for auth in [
        StaticAuth::bearer("pat-s3cr3t"),
        StaticAuth::api_key_header("X-Custom", "hdr-s3cr3t"),
        StaticAuth::api_key_query("appid", "qry-s3cr3t"),
    ] {
        let api = client(&home, &auth);
        api.follow(&format!("{other}/elsewhere?page=2"))
            .await
            .unwrap();
        let elsewhere = last(&other_log);
        assert_eq!(elsewhere.query, "page=2");
        assert!(
            !format!("{:?}", elsewhere.headers).contains("s3cr3t"),
            "{auth:?}: {elsewhere:?}"
        );
        api.follow("/here").await.unwrap();
        let here = last(&home_log);
        assert!(
            format!("{:?} {}", here.headers, here.query).contains("s3cr3t"),
            "{auth:?}: its own origin gets it"
        );
    }
}

#[tokio::test]
async fn a_rotated_key_goes_out_from_the_next_call_on() {
    let (base, log) = server().await;
    let auth = StaticAuth::api_key_header("X-Api-Key", "key-1");
    let api = client(&base, &auth);
    api.me().await.unwrap();
    auth.rotate("key-2");
    api.me().await.unwrap();
    let keys: Vec<_> = log
        .lock()
        .unwrap()
        .iter()
        .map(|seen| header(seen, "x-api-key").unwrap())
        .collect();
    assert_eq!(keys, ["key-1", "key-2"]);
}

#[tokio::test]
async fn an_interceptor_that_sends_the_call_elsewhere_sends_it_without_the_credential() {
    let (home, home_log) = server().await;
    let (other, other_log) = server().await;
    let other: url::Url = other.replace("127.0.0.1", "localhost").parse().unwrap();
    for auth in [
        StaticAuth::basic("alice", "pw-s3cr3t"),
        StaticAuth::api_key_header("X-Custom", "hdr-s3cr3t"),
        StaticAuth::api_key_query("appid", "qry-s3cr3t"),
    ] {
        let target = other.clone();
        let client = ferrofit::Client::builder()
            .base_url(&home)
            .interceptor(auth.clone())
            .interceptor(ferrofit::interceptor::on_request(move |request| {
                let url = request.url_mut();
                url.set_host(target.host_str()).unwrap();
                url.set_port(target.port()).unwrap();
                url.query_pairs_mut().append_pair("page", "2");
                Ok(())
            }))
            .build()
            .unwrap();
        assert_eq!(AccountClient::new(client).me().await.unwrap(), "ok");
        let elsewhere = last(&other_log);
        assert_eq!(elsewhere.query, "page=2", "{auth:?}");
        assert!(
            !format!("{:?}", elsewhere.headers).contains("s3cr3t"),
            "{auth:?}: {elsewhere:?}"
        );
    }
    assert!(home_log.lock().unwrap().is_empty());
}

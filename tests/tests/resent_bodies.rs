//! Every kind of body is sent again byte for byte when the first attempt is refused: after a
//! 401 (the auth interceptor refreshes, the second attempt carries the new token) and after a
//! 503 (the retry interceptor tries again). A one-shot stream is sent once, and the refusal
//! comes back as it was.

mod support;

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use bytes::Bytes;
use ferrofit::auth::{AuthInterceptor, MemoryTokenStore, Tokens};
use ferrofit::retry::{RetryInterceptor, RetryPolicy};
use ferrofit::{Body, Error, Part, rest_api};
use serde::Serialize;

#[derive(Serialize)]
struct Order {
    item: &'static str,
    count: u32,
}

#[rest_api]
trait Uploads {
    #[post("/upload")]
    #[idempotent]
    async fn json(&self, #[body] order: &Order) -> ferrofit::Result<()>;

    #[post("/upload")]
    #[idempotent]
    async fn shared_bytes(&self, #[body] bytes: Bytes) -> ferrofit::Result<()>;

    #[post("/upload")]
    #[idempotent]
    async fn owned_bytes(&self, #[body] bytes: Vec<u8>) -> ferrofit::Result<()>;

    #[post("/upload")]
    #[idempotent]
    async fn borrowed_bytes(&self, #[body] bytes: &[u8]) -> ferrofit::Result<()>;

    #[post("/upload")]
    #[idempotent]
    async fn body(&self, #[body] body: Body) -> ferrofit::Result<()>;

    #[post("/upload")]
    #[idempotent]
    #[form]
    async fn form(&self, #[field] name: &str, #[field] tags: &[&str]) -> ferrofit::Result<()>;

    #[post("/upload")]
    #[idempotent]
    #[multipart]
    async fn parts(&self, #[part] note: &str, #[part] data: Part) -> ferrofit::Result<()>;
}

/// What one attempt carried.
#[derive(Clone, Debug, PartialEq)]
struct Attempt {
    authorization: Option<String>,
    content_type: Option<String>,
    body: Bytes,
}

#[derive(Clone)]
struct Server {
    attempts: Arc<Mutex<Vec<Attempt>>>,
    refuse_first_with: StatusCode,
}

async fn upload(State(server): State<Server>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let header = |name: &str| headers.get(name).map(|v| v.to_str().unwrap().to_owned());
    let mut attempts = server.attempts.lock().unwrap();
    attempts.push(Attempt {
        authorization: header("authorization"),
        content_type: header("content-type"),
        body,
    });
    if attempts.len() == 1 {
        server.refuse_first_with
    } else {
        StatusCode::NO_CONTENT
    }
}

/// A client behind the interceptor that handles `refusal`, for a server that refuses the
/// first attempt with it; and the attempts the server saw.
async fn refused_first(refusal: StatusCode) -> (UploadsClient, Arc<Mutex<Vec<Attempt>>>) {
    let attempts = Arc::default();
    let server = Server {
        attempts: Arc::clone(&attempts),
        refuse_first_with: refusal,
    };
    let router = Router::new()
        .route("/upload", post(upload))
        .with_state(server);
    let base_url = support::server::serve(router).await;
    let builder = ferrofit::Client::builder().base_url(base_url);
    let builder = if refusal == StatusCode::UNAUTHORIZED {
        let store = Arc::new(MemoryTokenStore::with_tokens(
            Tokens::new("old").with_refresh("r"),
        ));
        builder.interceptor(AuthInterceptor::new(store, |_: Tokens| async {
            Ok(Tokens::new("new"))
        }))
    } else {
        builder.interceptor(RetryInterceptor::new(RetryPolicy::new().backoff(
            std::time::Duration::ZERO,
            1.0,
            std::time::Duration::ZERO,
        )))
    };
    (UploadsClient::new(builder.build().unwrap()), attempts)
}

/// Each body kind, by name, as a call.
async fn send(kind: &str, api: &UploadsClient, file: &std::path::Path) -> ferrofit::Result<()> {
    match kind {
        "json" => {
            api.json(&Order {
                item: "tea",
                count: 2,
            })
            .await
        }
        "Bytes" => {
            api.shared_bytes(Bytes::from_static(b"\x00\x01shared"))
                .await
        }
        "Vec<u8>" => api.owned_bytes(b"\x00\x02owned".to_vec()).await,
        "&[u8]" => api.borrowed_bytes(b"\x00\x03borrowed").await,
        "Body::file" => api.body(Body::file(file)).await,
        "form" => api.form("Zoë & co", &["a b", "c"]).await,
        "multipart of bytes" => api.parts("note", Part::bytes(&b"bytes part"[..])).await,
        "multipart with a file" => api.parts("note", Part::file(file)).await,
        other => unreachable!("no body kind {other}"),
    }
}

/// Whether `body` is what `send` sends for `kind` (multipart boundaries are random).
fn carries(kind: &str, body: &[u8]) -> bool {
    let text = String::from_utf8_lossy(body);
    match kind {
        "json" => body == br#"{"item":"tea","count":2}"#,
        "Bytes" => body == b"\x00\x01shared",
        "Vec<u8>" => body == b"\x00\x02owned",
        "&[u8]" => body == b"\x00\x03borrowed",
        "Body::file" => body == b"file contents \x00\xff",
        "form" => body == b"name=Zo%C3%AB+%26+co&tags=a+b&tags=c",
        "multipart of bytes" => {
            text.contains("\r\n\r\nnote\r\n") && text.contains("\r\n\r\nbytes part\r\n")
        }
        "multipart with a file" => {
            text.contains("\r\n\r\nnote\r\n") && text.contains("file contents \u{0}")
        }
        other => unreachable!("no body kind {other}"),
    }
}

const KINDS: [&str; 8] = [
    "json",
    "Bytes",
    "Vec<u8>",
    "&[u8]",
    "Body::file",
    "form",
    "multipart of bytes",
    "multipart with a file",
];

/// One case of the table: `kind` is refused once with `refusal`, then sent again.
async fn check_resent(kind: &'static str, refusal: StatusCode, file: std::path::PathBuf) {
    let (api, attempts) = refused_first(refusal).await;
    send(kind, &api, &file)
        .await
        .unwrap_or_else(|e| panic!("{kind} after a {refusal}: {e:?}"));
    let attempts = attempts.lock().unwrap().clone();
    assert_eq!(attempts.len(), 2, "{kind} after a {refusal}: two attempts");
    let (first, second) = (&attempts[0], &attempts[1]);
    assert!(
        carries(kind, &first.body),
        "{kind}: the first attempt sent {:?}",
        String::from_utf8_lossy(&first.body)
    );
    assert_eq!(
        first.body, second.body,
        "{kind} after a {refusal}: the same bytes"
    );
    assert_eq!(
        first.content_type, second.content_type,
        "{kind} after a {refusal}: the same content type (multipart: the same boundary)"
    );
    let tokens = (
        first.authorization.as_deref(),
        second.authorization.as_deref(),
    );
    if refusal == StatusCode::UNAUTHORIZED {
        assert_eq!(
            tokens,
            (Some("Bearer old"), Some("Bearer new")),
            "{kind}: the second attempt carries the refreshed token"
        );
    } else {
        assert_eq!(tokens, (None, None), "{kind}: no auth on this client");
    }
}

/// Every case runs to its end, each in a task of its own, so one failure does not hide the
/// others: the test fails listing all that failed.
#[tokio::test]
async fn every_replayable_body_is_sent_again_byte_for_byte_after_a_401_and_after_a_503() {
    let dir = support::TempDir::new();
    let file = dir.path().join("report.bin");
    std::fs::write(&file, b"file contents \x00\xff").unwrap();
    let mut failures = Vec::new();
    for refusal in [StatusCode::UNAUTHORIZED, StatusCode::SERVICE_UNAVAILABLE] {
        for kind in KINDS {
            let case = tokio::spawn(check_resent(kind, refusal, file.clone()));
            if let Err(failed) = case.await {
                let panic = failed.into_panic();
                let message = panic
                    .downcast_ref::<String>()
                    .map(String::as_str)
                    .or_else(|| panic.downcast_ref::<&str>().copied())
                    .unwrap_or("(no message)");
                failures.push(format!("{kind} after a {refusal}: {message}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        2 * KINDS.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn a_one_shot_stream_is_sent_once_and_the_refusal_comes_back_as_it_was() {
    for refusal in [StatusCode::UNAUTHORIZED, StatusCode::SERVICE_UNAVAILABLE] {
        let (api, attempts) = refused_first(refusal).await;
        let chunks = futures_util::stream::iter([
            Ok::<_, std::io::Error>(Bytes::from_static(b"one ")),
            Ok(Bytes::from_static(b"shot")),
        ]);
        let error = api
            .body(Body::from_stream(chunks, Some(8)))
            .await
            .unwrap_err();
        match refusal {
            StatusCode::UNAUTHORIZED => {
                assert!(matches!(error, Error::Unauthorized { .. }), "{error:?}");
            }
            _ => assert_eq!(error.status(), Some(refusal), "{error:?}"),
        }
        let attempts = attempts.lock().unwrap().clone();
        assert_eq!(attempts.len(), 1, "a stream cannot be sent again");
        assert_eq!(attempts[0].body, &b"one shot"[..]);
    }
}

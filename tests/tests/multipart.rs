//! `#[multipart]` bodies as a multipart parser we did not write (multer, the parser behind
//! axum) reads them on a real HTTP server; replays after a 401 refresh and after a retry.

mod support;

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use bytes::Bytes;
use ferrofit::auth::{AuthInterceptor, MemoryTokenStore, Tokens};
use ferrofit::retry::{RetryInterceptor, RetryPolicy};
use ferrofit::{Error, Part, rest_api};
use serde::Serialize;
use serde_json::{Value, json};

#[derive(Serialize)]
struct Meta {
    title: &'static str,
    tags: Vec<&'static str>,
}

#[rest_api]
trait Uploads {
    #[post("/upload")]
    #[multipart]
    async fn upload(
        &self,
        #[part] title: &str,
        #[part("document")] file: Part,
        #[part] note: Option<String>,
        #[part] meta: &Meta,
        #[part("thumb")] thumbs: Vec<Part>,
        #[part] raw: Bytes,
    ) -> ferrofit::Result<Value>;

    #[put("/upload")]
    #[multipart]
    async fn put_one(&self, #[part] file: Part) -> ferrofit::Result<Value>;

    #[put("/upload")]
    #[multipart]
    async fn put_paths(
        &self,
        #[part] file: &std::path::Path,
        #[part] more: Vec<std::path::PathBuf>,
    ) -> ferrofit::Result<Value>;
}

/// What the server saw: each raw body, and how many requests to refuse first.
#[derive(Clone, Default)]
struct Seen {
    bodies: Arc<Mutex<Vec<Bytes>>>,
    refuse_first: Arc<Mutex<Option<StatusCode>>>,
}

async fn upload(State(seen): State<Seen>, headers: HeaderMap, body: Bytes) -> impl IntoResponse {
    seen.bodies.lock().unwrap().push(body.clone());
    if let Some(status) = seen.refuse_first.lock().unwrap().take() {
        return (status, axum::Json(json!({ "refused": true })));
    }
    match support::server::parse_multipart(&headers, body).await {
        Ok(parts) => (StatusCode::OK, axum::Json(parts)),
        Err(e) => (StatusCode::BAD_REQUEST, axum::Json(json!({ "error": e }))),
    }
}

async fn server(seen: &Seen) -> String {
    let router = Router::new()
        .route("/upload", post(upload).put(upload))
        .with_state(seen.clone());
    support::server::serve(router).await
}

/// A client behind `interceptor` for a server that refuses the first request with `status`.
async fn refusing_first(
    status: StatusCode,
    interceptor: impl ferrofit::Interceptor,
) -> (Seen, UploadsClient) {
    let seen = Seen::default();
    *seen.refuse_first.lock().unwrap() = Some(status);
    let client = ferrofit::Client::builder()
        .base_url(server(&seen).await)
        .interceptor(interceptor)
        .build()
        .unwrap();
    (seen, UploadsClient::new(client))
}

/// An auth interceptor whose refresh always gives the token `new`.
fn auth(store: impl ferrofit::auth::TokenStore) -> AuthInterceptor {
    AuthInterceptor::new(store, |_: Tokens| async { Ok(Tokens::new("new")) })
}

fn stale_tokens() -> Arc<MemoryTokenStore> {
    Arc::new(MemoryTokenStore::with_tokens(
        Tokens::new("old").with_refresh("r"),
    ))
}

fn temp_file(name: &str, contents: &[u8]) -> (std::path::PathBuf, support::TempDir) {
    let dir = support::TempDir::new();
    let path = dir.path().join(name);
    std::fs::write(&path, contents).unwrap();
    (path, dir)
}

#[tokio::test]
async fn parts_arrive_named_typed_and_in_declaration_order() {
    let seen = Seen::default();
    let api = UploadsClient::new(support::client(&server(&seen).await));
    let (path, _dir) = temp_file("report \"final\".pdf", b"%PDF-1.7 pretend");
    let meta = Meta {
        title: "Q3",
        tags: vec!["finance", "draft"],
    };
    let thumbs = vec![
        Part::bytes(&b"\x89PNG small"[..]).file_name("small.png"),
        Part::text("<svg/>")
            .file_name("icon.svg")
            .content_type("image/svg+xml"),
    ];
    let parts = api
        .upload(
            "Quarterly report",
            Part::file(&path),
            None,
            &meta,
            thumbs,
            Bytes::from_static(b"\x00\x01"),
        )
        .await
        .unwrap();
    assert_eq!(
        parts,
        json!([
            {"name": "title", "file_name": null, "content_type": null, "data": "Quarterly report"},
            {"name": "document", "file_name": "report \"final\".pdf", "content_type": "application/pdf", "data": "%PDF-1.7 pretend"},
            {"name": "meta", "file_name": null, "content_type": "application/json", "data": "{\"title\":\"Q3\",\"tags\":[\"finance\",\"draft\"]}"},
            {"name": "thumb", "file_name": "small.png", "content_type": "image/png", "data": "\u{fffd}PNG small"},
            {"name": "thumb", "file_name": "icon.svg", "content_type": "image/svg+xml", "data": "<svg/>"},
            {"name": "raw", "file_name": null, "content_type": "application/octet-stream", "data": "\u{0}\u{1}"},
        ])
    );
    let with_note = api
        .upload(
            "t",
            Part::bytes("x"),
            Some("a note".into()),
            &meta,
            vec![],
            Bytes::new(),
        )
        .await
        .unwrap();
    assert_eq!(with_note[2]["name"], "note");
    assert_eq!(with_note[2]["data"], "a note");
}

#[tokio::test]
async fn a_missing_file_fails_before_anything_is_sent() {
    let seen = Seen::default();
    let api = UploadsClient::new(support::client(&server(&seen).await));
    let error = api
        .put_one(Part::file("/definitely/not/here.bin"))
        .await
        .unwrap_err();
    match &error {
        Error::File { path, kind, .. } => {
            assert_eq!(path, std::path::Path::new("/definitely/not/here.bin"));
            assert_eq!(*kind, std::io::ErrorKind::NotFound);
        }
        other => panic!("expected Error::File, got {other:?}"),
    }
    assert!(seen.bodies.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_file_part_is_reopened_and_sent_again_identically_after_a_401_refresh() {
    let (seen, api) = refusing_first(StatusCode::UNAUTHORIZED, auth(stale_tokens())).await;
    let (path, _dir) = temp_file("data.bin", &[7_u8; 200_000]);
    let parts = api.put_one(Part::file(&path)).await.unwrap();
    assert_eq!(parts[0]["file_name"], "data.bin");
    let bodies = seen.bodies.lock().unwrap().clone();
    assert_eq!(bodies.len(), 2, "refused once, then replayed");
    assert_eq!(bodies[0], bodies[1], "the replay is byte for byte the same");
    assert!(bodies[0].len() > 200_000);
}

#[tokio::test]
async fn a_multipart_body_is_sent_again_identically_on_retry() {
    let quick = std::time::Duration::from_millis(1);
    let retry = RetryInterceptor::new(RetryPolicy::new().backoff(quick, 1.0, quick));
    let (seen, api) = refusing_first(StatusCode::SERVICE_UNAVAILABLE, retry).await;
    let (path, _dir) = temp_file("notes.txt", b"line one\nline two\n");
    let parts = api.put_one(Part::file(&path)).await.unwrap();
    assert_eq!(parts[0]["content_type"], "text/plain");
    let bodies = seen.bodies.lock().unwrap().clone();
    assert_eq!(bodies.len(), 2);
    assert_eq!(bodies[0], bodies[1]);
}

#[tokio::test]
async fn a_stream_part_is_sent_once_and_not_retried() {
    let retry = RetryInterceptor::new(RetryPolicy::new());
    let (seen, api) = refusing_first(StatusCode::SERVICE_UNAVAILABLE, retry).await;
    let chunks = futures_util::stream::iter(
        ["once ", "only"].map(|s| Ok::<_, std::io::Error>(Bytes::from(s))),
    );
    let error = api.put_one(Part::stream(chunks, None)).await.unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(error.attempts(), 1, "a one-shot body is never retried");
    assert_eq!(seen.bodies.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn a_stream_part_after_a_401_refreshes_the_session_but_returns_the_401() {
    let store = stale_tokens();
    let (seen, api) = refusing_first(StatusCode::UNAUTHORIZED, auth(store.clone())).await;
    let chunks = futures_util::stream::iter([Ok::<_, std::io::Error>(Bytes::from("data"))]);
    let error = api
        .put_one(Part::stream(chunks, Some(4)))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Unauthorized { .. }), "{error:?}");
    assert_eq!(seen.bodies.lock().unwrap().len(), 1);
    use ferrofit::auth::TokenStore as _;
    assert_eq!(
        store.get().unwrap().access_token(),
        "new",
        "the next call has a fresh token"
    );
}

#[tokio::test]
async fn file_paths_are_sent_as_file_parts() {
    let seen = Seen::default();
    let api = UploadsClient::new(support::client(&server(&seen).await));
    let (first, _dir1) = temp_file("a.json", b"{}");
    let (second, _dir2) = temp_file("b.csv", b"x,y");
    let parts = api.put_paths(&first, vec![second]).await.unwrap();
    assert_eq!(
        parts,
        json!([
            {"name": "file", "file_name": "a.json", "content_type": "application/json", "data": "{}"},
            {"name": "more", "file_name": "b.csv", "content_type": "text/csv", "data": "x,y"},
        ])
    );
}

//! `#[body]` keeps each kind's natural content type (text, bytes, files, streams), a
//! `Content-Type` given by the endpoint wins for every kind, and a stream of unknown length is
//! sent chunked.

mod support;

use std::borrow::Cow;

use axum::Router;
use axum::http::HeaderMap;
use axum::routing::put;
use bytes::Bytes;
use ferrofit::{Body, Part, rest_api};
use support::{Answer, CaptureServer, NO_CONTENT};

#[rest_api]
trait Bodies {
    #[put("/text")]
    async fn text(&self, #[body] text: String) -> ferrofit::Result<()>;

    #[put("/text")]
    async fn cow(&self, #[body] text: Cow<'_, str>) -> ferrofit::Result<()>;

    #[put("/bytes")]
    async fn bytes(&self, #[body] bytes: &[u8]) -> ferrofit::Result<()>;

    #[put("/bytes")]
    #[headers("Content-Type: image/png")]
    async fn png(&self, #[body] bytes: Bytes) -> ferrofit::Result<()>;

    #[put("/file")]
    async fn file(
        &self,
        #[body] body: Body,
        #[header("Content-Type")] content_type: Option<&str>,
    ) -> ferrofit::Result<()>;

    #[post("/related")]
    #[multipart]
    #[headers("Content-Type: multipart/related")]
    async fn related(&self, #[part] meta: &str, #[part] data: Part) -> ferrofit::Result<()>;
}

async fn captured() -> (CaptureServer, BodiesClient) {
    let server = CaptureServer::start(Answer::Full(NO_CONTENT)).await;
    let api = BodiesClient::new(support::client(&server.base_url));
    (server, api)
}

#[tokio::test]
async fn text_and_bytes_keep_their_natural_content_types() {
    let (server, api) = captured().await;
    api.text("héllo".to_owned()).await.unwrap();
    let seen = server.last();
    assert_eq!(seen.body, "héllo".as_bytes());
    assert_eq!(
        seen.header_values("content-type"),
        ["text/plain; charset=utf-8"]
    );
    api.bytes(&[0, 159, 146, 150]).await.unwrap();
    let seen = server.last();
    assert_eq!(seen.body, [0, 159, 146, 150]);
    assert_eq!(
        seen.header_values("content-type"),
        ["application/octet-stream"]
    );
}

#[tokio::test]
async fn a_content_type_from_the_endpoint_wins_for_every_kind() {
    let (server, api) = captured().await;
    api.png(Bytes::from_static(b"\x89PNG")).await.unwrap();
    assert_eq!(server.last().header_values("content-type"), ["image/png"]);

    let dir = support::TempDir::new();
    let path = dir.path().join("page.html");
    std::fs::write(&path, "<p>hi</p>").unwrap();
    api.file(Body::file(&path), Some("text/html"))
        .await
        .unwrap();
    let seen = server.last();
    assert_eq!(seen.body, b"<p>hi</p>");
    assert_eq!(seen.header_values("content-type"), ["text/html"]);
    assert_eq!(seen.header_values("content-length"), ["9"]);
    api.file(Body::file(&path), None).await.unwrap();
    assert_eq!(
        server.last().header_values("content-type"),
        ["application/octet-stream"]
    );

    // A multipart type without a boundary gets the form's.
    api.related("{}", Part::bytes("x")).await.unwrap();
    let seen = server.last();
    let content_type = seen.header_values("content-type")[0].to_owned();
    let boundary = content_type
        .strip_prefix("multipart/related; boundary=")
        .unwrap();
    assert!(String::from_utf8_lossy(&seen.body).starts_with(&format!("--{boundary}\r\n")));
}

#[tokio::test]
async fn a_stream_of_unknown_length_is_sent_chunked() {
    let router = Router::new().route(
        "/file",
        put(|headers: HeaderMap, body: Bytes| async move {
            let chunked = headers
                .get("transfer-encoding")
                .is_some_and(|v| v == "chunked");
            assert!(chunked, "{headers:?}");
            assert_eq!(body, "one two three");
        }),
    );
    let api = BodiesClient::new(support::client(&support::server::serve(router).await));
    let words = ["one ", "two ", "three"].map(|w| Ok::<_, std::io::Error>(Bytes::from(w)));
    api.file(
        Body::from_stream(futures_util::stream::iter(words), None),
        None,
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn a_stream_that_breaks_its_announced_length_fails_the_call() {
    let (_server, api) = captured().await;
    for (words, announced) in [(["four", "five!"], 4_u64), (["a", "b"], 10)] {
        let chunks = words.map(|w| Ok::<_, std::io::Error>(Bytes::from(w)));
        let body = Body::from_stream(futures_util::stream::iter(chunks), Some(announced));
        let error = api.file(body, None).await.unwrap_err();
        assert!(
            matches!(error, ferrofit::Error::Network { .. }),
            "{announced}: {error:?}"
        );
        let text = format!("{error} {:?}", std::error::Error::source(&error));
        assert!(text.contains("announced"), "{text}");
    }
}

#[tokio::test]
async fn a_cow_str_is_sent_as_text() {
    let (server, api) = captured().await;
    api.cow(Cow::Borrowed("borrowed")).await.unwrap();
    let seen = server.last();
    assert_eq!(seen.body, b"borrowed", "the text, not a JSON string");
    assert_eq!(
        seen.header_values("content-type"),
        ["text/plain; charset=utf-8"]
    );
    api.cow(Cow::Owned("owned".to_owned())).await.unwrap();
    assert_eq!(server.last().body, b"owned");
}

//! Codecs go by type, not by the written name: aliases, re-exports and fully qualified paths
//! of `String`, `Vec<u8>`, `Body`, `Part`, `Bytes`, `ByteStream` and `Response<T>` are sent and
//! read like the types they stand for — by the client over loopback (a real multipart parser
//! on the other side), by the typed mock and in the OpenAPI export.

mod support;

use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post, put};
use bytes::Bytes;
use ferrofit::{Body, Part, rest_api};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

type Note = String;
type Blob = Vec<u8>;
type Upload = ferrofit::Body;
type Photo = ferrofit::Part;
type Raw = ferrofit::Bytes;
type Download = ferrofit::ByteStream;
type Page<T> = ferrofit::Response<Vec<T>>;

#[allow(unreachable_pub)]
mod reexported {
    pub use ferrofit::Part as Attachment;
}

#[derive(Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
struct Item {
    id: u32,
}

/// What the server saw of a body: its content type and text.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Echo {
    content_type: String,
    body: String,
}

#[rest_api]
trait Aliased {
    #[put("/body")]
    async fn note(&self, #[body] note: &Note) -> ferrofit::Result<Echo>;

    #[put("/body")]
    async fn blob(&self, #[body] blob: Blob) -> ferrofit::Result<Echo>;

    #[put("/body")]
    async fn upload(&self, #[body] body: Upload) -> ferrofit::Result<Echo>;

    #[post("/upload")]
    #[multipart]
    async fn photo(
        &self,
        #[part] photo: Photo,
        #[part] caption: Option<&Note>,
        #[part] attachment: Vec<reexported::Attachment>,
        #[part] item: Vec<Item>,
    ) -> ferrofit::Result<Value>;

    #[get("/text")]
    async fn text(&self) -> ferrofit::Result<Note>;

    #[get("/raw")]
    async fn raw(&self) -> ferrofit::Result<Raw>;

    #[get("/download")]
    async fn download(&self) -> ferrofit::Result<Download>;

    #[get("/page")]
    async fn page(&self) -> ferrofit::Result<Page<Item>>;
}

async fn echo(headers: HeaderMap, body: Bytes) -> axum::Json<Echo> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = String::from_utf8_lossy(&body).into_owned();
    axum::Json(Echo { content_type, body })
}

async fn upload(headers: HeaderMap, body: Bytes) -> impl IntoResponse {
    match support::server::parse_multipart(&headers, body).await {
        Ok(parts) => (StatusCode::OK, axum::Json(parts)),
        Err(e) => (StatusCode::BAD_REQUEST, axum::Json(json!({ "error": e }))),
    }
}

/// Text that is not JSON, bytes that look like JSON, a body, and a page with a header.
async fn api() -> AliasedClient {
    let router = Router::new()
        .route("/body", put(echo))
        .route("/upload", post(upload))
        .route(
            "/text",
            get(|| async { ([(header::CONTENT_TYPE, "text/plain")], "not \"json\"") }),
        )
        .route("/raw", get(|| async { "[1, 2]" }))
        .route("/download", get(|| async { "streamed bytes" }))
        .route(
            "/page",
            get(|| async {
                (
                    [("x-total", "2")],
                    axum::Json(json!([{"id": 1}, {"id": 2}])),
                )
            }),
        );
    AliasedClient::new(support::client(&support::server::serve(router).await))
}

#[tokio::test]
async fn aliased_bodies_are_sent_as_the_types_they_name() {
    let api = api().await;
    let text = api.note(&"héllo".to_owned()).await.unwrap();
    assert_eq!(text.content_type, "text/plain; charset=utf-8");
    assert_eq!(text.body, "héllo", "text, not the JSON string \"héllo\"");

    let bytes = api.blob(b"raw".to_vec()).await.unwrap();
    assert_eq!(bytes.content_type, "application/octet-stream");
    assert_eq!(bytes.body, "raw", "bytes, not a JSON array of numbers");

    let body = api.upload(Body::from("built by hand")).await.unwrap();
    assert_eq!(body.content_type, "application/octet-stream");
    assert_eq!(body.body, "built by hand");
}

#[tokio::test]
async fn aliased_and_reexported_parts_are_sent_as_the_types_they_name() {
    let api = api().await;
    let photo = Part::bytes(&b"\x89PNG"[..])
        .file_name("me.png")
        .content_type("image/png");
    let attachments = vec![Part::text("first"), Part::text("second")];
    let items = vec![Item { id: 1 }, Item { id: 2 }];
    let parts = api
        .photo(photo, Some(&"caption".to_owned()), attachments, items)
        .await
        .unwrap();
    let parts = parts.as_array().unwrap();
    let summary: Vec<(&str, Option<&str>, &str)> = parts
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap(),
                p["content_type"].as_str(),
                p["data"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("photo", Some("image/png"), "\u{fffd}PNG"),
            ("caption", None, "caption"),
            ("attachment", None, "first"),
            ("attachment", None, "second"),
            ("item", Some("application/json"), r#"{"id":1}"#),
            ("item", Some("application/json"), r#"{"id":2}"#),
        ]
    );
    assert_eq!(parts[0]["file_name"], "me.png");
}

#[tokio::test]
async fn aliased_replies_are_read_as_the_types_they_name() {
    let api = api().await;
    assert_eq!(api.text().await.unwrap(), "not \"json\"");
    assert_eq!(api.raw().await.unwrap(), &b"[1, 2]"[..]);

    let mut stream = api.download().await.unwrap();
    let mut received = Vec::new();
    while let Some(chunk) = stream.next().await {
        received.extend_from_slice(&chunk.unwrap());
    }
    assert_eq!(received, b"streamed bytes");

    let page = api.page().await.unwrap();
    assert_eq!(page.headers()["x-total"], "2");
    assert_eq!(page.into_inner(), [Item { id: 1 }, Item { id: 2 }]);
}

#[tokio::test]
async fn typed_mocks_write_and_read_aliased_types_as_the_client_does() {
    let mock = AliasedMock::new();
    mock.text().returns("plain".to_owned());
    mock.raw().returns(Bytes::from_static(b"[9]"));
    mock.download().returns(Bytes::from_static(b"chunk"));
    mock.page().returns(vec![Item { id: 3 }]);
    mock.note()
        .with(|args| args.note == "read back as text")
        .returns(Echo {
            content_type: "seen".into(),
            body: "seen".into(),
        });
    mock.blob()
        .with(|args| args.blob == b"read back as bytes")
        .returns(Echo {
            content_type: "seen".into(),
            body: "seen".into(),
        });
    let api = AliasedClient::new(mock.client());

    assert_eq!(api.text().await.unwrap(), "plain");
    assert_eq!(api.raw().await.unwrap(), &b"[9]"[..]);
    let chunk = api.download().await.unwrap().next().await.unwrap().unwrap();
    assert_eq!(chunk, &b"chunk"[..]);
    assert_eq!(api.page().await.unwrap().into_inner(), [Item { id: 3 }]);
    api.note(&"read back as text".to_owned()).await.unwrap();
    api.blob(b"read back as bytes".to_vec()).await.unwrap();
    mock.verify();
}

#[test]
fn the_openapi_export_describes_aliased_types_as_the_types_they_name() {
    let doc = AliasedClient::openapi();
    let doc = doc.as_json();
    let paths = &doc["paths"];
    let content = |path: &str, method: &str| paths[path][method]["requestBody"]["content"].clone();
    let reply = |path: &str| paths[path]["get"]["responses"]["200"]["content"].clone();

    assert!(content("/body", "put")["text/plain"].is_object(), "{doc:#}");
    assert!(reply("/text")["text/plain"].is_object(), "{doc:#}");
    assert!(
        reply("/raw")["application/octet-stream"].is_object(),
        "{doc:#}"
    );
    assert!(
        reply("/download")["application/octet-stream"].is_object(),
        "{doc:#}"
    );
    let page = &reply("/page")["application/json"]["schema"];
    assert_eq!(page["type"], "array", "{doc:#}");

    let form = &content("/upload", "post")["multipart/form-data"];
    let properties = &form["schema"]["properties"];
    assert_eq!(
        properties["photo"]["contentMediaType"],
        "application/octet-stream"
    );
    assert_eq!(properties["caption"]["type"], "string");
    assert_eq!(properties["attachment"]["type"], "array");
    assert_eq!(properties["item"]["type"], "array");
    assert_eq!(form["encoding"]["item"]["contentType"], "application/json");
}

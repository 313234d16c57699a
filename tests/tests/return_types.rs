//! Return types: JSON values, `()`, `String`, `Bytes`, `Option<T>`, `Response<T>`, 204s, and
//! a crate's own `Result` alias with its own error type.

mod support;

use ferrofit::{Bytes, Response, rest_api};
use httpmock::prelude::*;
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Deserialize, PartialEq)]
struct Item {
    id: u32,
}

/// An application's error, built from ferrofit's.
#[derive(Debug)]
struct AppError(ferrofit::Error);

impl From<ferrofit::Error> for AppError {
    fn from(error: ferrofit::Error) -> Self {
        Self(error)
    }
}

/// The alias an API crate writes for its calls.
type AppResult<T> = std::result::Result<T, AppError>;

#[rest_api]
trait Returns {
    #[get("/json")]
    async fn aliased(&self) -> AppResult<Vec<Item>>;

    #[get("/missing")]
    async fn aliased_missing(&self) -> AppResult<Response<Item>>;

    #[get("/json")]
    async fn json(&self) -> ferrofit::Result<Vec<Item>>;

    #[get("/unit")]
    async fn unit(&self) -> ferrofit::Result<()>;

    #[get("/text")]
    async fn text(&self) -> ferrofit::Result<String>;

    #[get("/bytes")]
    async fn bytes(&self) -> ferrofit::Result<Bytes>;

    #[get("/maybe")]
    async fn maybe(&self) -> ferrofit::Result<Option<Item>>;

    #[get("/wrapped")]
    async fn wrapped(&self) -> ferrofit::Result<Response<Item>>;

    #[head("/health")]
    async fn health(&self) -> ferrofit::Result<Response<()>>;

    #[delete("/gone")]
    async fn gone(&self) -> ferrofit::Result<Option<Item>>;
}

async fn setup() -> (MockServer, ReturnsClient) {
    let server = MockServer::start_async().await;
    let api = ReturnsClient::new(support::client(&server.base_url()));
    (server, api)
}

#[tokio::test]
async fn json_text_bytes_and_unit() {
    let (server, api) = setup().await;
    server
        .mock_async(|when, then| {
            when.path("/json");
            then.status(200).json_body(json!([{"id": 1}, {"id": 2}]));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.path("/unit");
            then.status(200).body("ignored, not even JSON");
        })
        .await;
    server
        .mock_async(|when, then| {
            when.path("/text");
            then.status(200).body("héllo");
        })
        .await;
    server
        .mock_async(|when, then| {
            when.path("/bytes");
            then.status(200).body(vec![0u8, 159, 146, 150]);
        })
        .await;
    assert_eq!(api.json().await.unwrap(), [Item { id: 1 }, Item { id: 2 }]);
    api.unit().await.unwrap();
    assert_eq!(api.text().await.unwrap(), "héllo");
    assert_eq!(api.bytes().await.unwrap().as_ref(), [0u8, 159, 146, 150]);
}

#[tokio::test]
async fn empty_and_no_content_responses_decode_to_none() {
    let (server, api) = setup().await;
    let empty = server
        .mock_async(|when, then| {
            when.path("/maybe");
            then.status(200);
        })
        .await;
    assert_eq!(api.maybe().await.unwrap(), None);
    empty.delete_async().await;
    server
        .mock_async(|when, then| {
            when.path("/maybe");
            then.status(200).json_body(json!({"id": 9}));
        })
        .await;
    assert_eq!(api.maybe().await.unwrap(), Some(Item { id: 9 }));
    server
        .mock_async(|when, then| {
            when.method(DELETE).path("/gone");
            then.status(204);
        })
        .await;
    assert_eq!(api.gone().await.unwrap(), None);
}

#[tokio::test]
async fn response_wrapper_keeps_status_headers_and_url() {
    let (server, api) = setup().await;
    server
        .mock_async(|when, then| {
            when.path("/wrapped");
            then.status(203)
                .header("x-version", "7")
                .json_body(json!({"id": 3}));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method("HEAD").path("/health");
            then.status(200).header("x-healthy", "yes");
        })
        .await;
    let response = api.wrapped().await.unwrap();
    assert_eq!(response.status().as_u16(), 203);
    assert_eq!(response.headers()["x-version"], "7");
    assert_eq!(response.url().path(), "/wrapped");
    assert_eq!(response.id, 3, "derefs to the value");
    assert_eq!(response.into_inner(), Item { id: 3 });

    let health = api.health().await.unwrap();
    assert!(health.status().is_success());
    assert_eq!(health.headers()["x-healthy"], "yes");
}

#[tokio::test]
async fn a_result_alias_decodes_and_converts_errors_into_its_own_type() {
    let (server, api) = setup().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/json");
            then.status(200).json_body(json!([{"id": 7}]));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/missing");
            then.status(404);
        })
        .await;
    assert_eq!(api.aliased().await.unwrap(), vec![Item { id: 7 }]);
    let AppError(error) = api.aliased_missing().await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(404));
}

#[tokio::test]
async fn a_205_decodes_as_json_null_whatever_body_it_carries() {
    // Raw bytes, so the body really arrives (a server library would drop it).
    let server = support::CaptureServer::start(support::Answer::Full(
        "HTTP/1.1 205 Reset Content\r\ncontent-type: application/json\r\ncontent-length: 4\r\n\r\njunk",
    ))
    .await;
    let api = ReturnsClient::new(support::client(&server.base_url));
    assert_eq!(api.maybe().await.unwrap(), None, "null, not a decode error");
    api.unit().await.unwrap();
}

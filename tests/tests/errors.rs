//! Errors: one variant per situation, with the response kept, fields parsed from 422s, decode
//! errors that name the field, size limits, and mapping into the caller's own error type.

mod support;

use ferrofit::{Error, NetworkKind, rest_api};
use httpmock::prelude::*;
use serde::Deserialize;
use serde_json::json;
use support::{Answer, CaptureServer};

#[derive(Debug, Deserialize)]
struct Profile {
    #[allow(dead_code)]
    name: String,
    #[allow(dead_code)]
    address: Address,
}

#[derive(Debug, Deserialize)]
struct Address {
    #[allow(dead_code)]
    zip: u32,
}

#[derive(Debug, Deserialize, PartialEq)]
struct ApiError {
    code: String,
}

/// An application's own error, which ferrofit errors convert into.
#[derive(Debug)]
enum AppError {
    NotFound,
    Other(Error),
}

impl From<Error> for AppError {
    fn from(error: Error) -> Self {
        match error.status().map(|s| s.as_u16()) {
            Some(404) => Self::NotFound,
            _ => Self::Other(error),
        }
    }
}

#[rest_api]
trait Api {
    #[get("/status/<code>")]
    async fn status(&self, code: u16) -> ferrofit::Result<()>;

    #[get("/profile")]
    async fn profile(&self) -> ferrofit::Result<Profile>;

    #[get("/status/<code>")]
    async fn mapped(&self, code: u16) -> Result<(), AppError>;

    #[get("/big")]
    async fn big(&self) -> ferrofit::Result<String>;
}

async fn setup() -> (MockServer, ApiClient) {
    let server = MockServer::start_async().await;
    let api = ApiClient::new(support::client(&server.base_url()));
    (server, api)
}

async fn respond(server: &MockServer, code: u16, body: serde_json::Value) {
    server
        .mock_async(move |when, then| {
            when.path(format!("/status/{code}"));
            then.status(code).header("x-trace", "t-1").json_body(body);
        })
        .await;
}

#[tokio::test]
async fn unauthorized_keeps_the_response() {
    let (server, api) = setup().await;
    respond(&server, 401, json!({"code": "token_expired"})).await;
    let error = api.status(401).await.unwrap_err();
    let Error::Unauthorized { response, .. } = &error else {
        panic!("expected Unauthorized, got {error:?}");
    };
    assert_eq!(response.headers()["x-trace"], "t-1");
    assert_eq!(error.body_json::<ApiError>().unwrap().code, "token_expired");
    assert!(!error.is_retryable());
}

#[tokio::test]
async fn validation_errors_are_parsed_into_fields() {
    let (server, api) = setup().await;
    respond(
        &server,
        422,
        json!({"errors": {"email": ["is taken"], "name": ["is too short", "has digits"]}}),
    )
    .await;
    let error = api.status(422).await.unwrap_err();
    let Error::Validation {
        fields, response, ..
    } = &error
    else {
        panic!("expected Validation, got {error:?}");
    };
    assert_eq!(fields["email"], ["is taken"]);
    assert_eq!(fields["name"], ["is too short", "has digits"]);
    assert_eq!(response.status().as_u16(), 422);
    assert!(error.to_string().contains("email, name"), "{error}");
}

#[tokio::test]
async fn other_statuses_keep_status_headers_and_body() {
    let (server, api) = setup().await;
    respond(&server, 404, json!({"code": "no_such_thing"})).await;
    respond(&server, 503, json!({"code": "maintenance"})).await;

    let not_found = api.status(404).await.unwrap_err();
    assert!(matches!(not_found, Error::Status { .. }), "{not_found:?}");
    assert_eq!(not_found.status().unwrap().as_u16(), 404);
    assert_eq!(not_found.response().unwrap().headers()["x-trace"], "t-1");
    assert_eq!(
        not_found.body_json::<ApiError>(),
        Some(ApiError {
            code: "no_such_thing".into()
        })
    );
    assert!(!not_found.is_retryable());

    let unavailable = api.status(503).await.unwrap_err();
    assert!(unavailable.is_retryable());
    assert!(unavailable.to_string().contains("503"), "{unavailable}");
}

#[tokio::test]
async fn decode_errors_name_the_field_and_keep_a_snippet() {
    let (server, api) = setup().await;
    server
        .mock_async(|when, then| {
            when.path("/profile");
            then.status(200)
                .json_body(json!({"name": "Ann", "address": {"zip": "not a number"}}));
        })
        .await;
    let error = api.profile().await.unwrap_err();
    let Error::Decode {
        path,
        message,
        snippet,
        ..
    } = &error
    else {
        panic!("expected Decode, got {error:?}");
    };
    assert_eq!(path, "address.zip");
    assert!(message.contains("invalid type"), "{message}");
    assert!(snippet.contains("not a number"), "{snippet}");
}

#[tokio::test]
async fn endpoints_can_return_the_callers_own_error_type() {
    let (server, api) = setup().await;
    respond(&server, 404, json!({})).await;
    respond(&server, 500, json!({})).await;
    assert!(matches!(api.mapped(404).await, Err(AppError::NotFound)));
    assert!(matches!(
        api.mapped(500).await,
        Err(AppError::Other(Error::Status { .. }))
    ));
}

#[tokio::test]
async fn bodies_over_the_limit_fail_with_content_length_or_chunked() {
    let declared = CaptureServer::start(Answer::Full(
        "HTTP/1.1 200 OK\r\ncontent-length: 64\r\n\r\n0123456789012345678901234567890123456789012345678901234567890123",
    ))
    .await;
    let chunked = CaptureServer::start(Answer::Full(
        "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n10\r\n0123456789abcdef\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n",
    ))
    .await;
    for server in [&declared, &chunked] {
        let client = ferrofit::Client::builder()
            .base_url(&server.base_url)
            .max_response_size(20)
            .build()
            .unwrap();
        let error = ApiClient::new(client).big().await.unwrap_err();
        assert!(
            matches!(error, Error::ResponseTooLarge { limit: 20, .. }),
            "{error:?}"
        );
    }
    // Under the limit, the chunked body arrives whole.
    let client = ferrofit::Client::builder()
        .base_url(&chunked.base_url)
        .max_response_size(32)
        .build()
        .unwrap();
    assert_eq!(ApiClient::new(client).big().await.unwrap().len(), 32);
}

#[tokio::test]
async fn a_refused_connection_is_a_retryable_network_error() {
    let (_held, port) = support::refusing_port();
    let api = ApiClient::new(support::client(&format!("http://127.0.0.1:{port}")));
    let error = api.status(200).await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::Network {
                kind: NetworkKind::Connect,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.is_retryable());
}

#[rest_api]
trait Blobs {
    #[get("/blob/<len>")]
    async fn blob(&self, len: u64) -> ferrofit::Result<ferrofit::Bytes>;
}

#[tokio::test]
async fn by_default_a_reply_may_be_16_mib_and_not_a_byte_more() {
    use support::hyper_server::HyperServer;
    const LIMIT: u64 = 16 * 1024 * 1024;
    assert_eq!(ferrofit::DEFAULT_MAX_RESPONSE_SIZE, LIMIT);
    let server = HyperServer::start(
        |request: hyper::Request<hyper::body::Incoming>| async move {
            let len: usize = request.uri().path()["/blob/".len()..].parse().unwrap();
            hyper::Response::new(http_body_util::Full::new(bytes::Bytes::from(vec![
                b'x';
                len
            ])))
        },
    )
    .await;
    let api = BlobsClient::new(support::client(&server.base_url));
    assert_eq!(api.blob(LIMIT).await.unwrap().len() as u64, LIMIT);
    let error = api.blob(LIMIT + 1).await.unwrap_err();
    assert!(
        matches!(error, Error::ResponseTooLarge { limit: LIMIT, .. }),
        "{error:?}"
    );
}

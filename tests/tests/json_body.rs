//! JSON request bodies.

mod support;

use std::collections::HashMap;

use ferrofit::{Error, rest_api};
use httpmock::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;

#[derive(Serialize)]
struct NewUser<'a> {
    name: &'a str,
    tags: Vec<&'a str>,
}

#[derive(Debug, Deserialize, PartialEq)]
struct User {
    id: u64,
    name: String,
}

#[rest_api]
trait Users {
    #[post("/users")]
    async fn create(&self, #[body] user: &NewUser<'_>) -> ferrofit::Result<User>;

    #[patch("/users/<id>")]
    #[headers("Content-Type: application/merge-patch+json")]
    async fn patch(&self, id: u64, #[body] changes: serde_json::Value) -> ferrofit::Result<User>;

    #[put("/weird")]
    async fn weird(&self, #[body] body: HashMap<(u8, u8), u8>) -> ferrofit::Result<()>;

    #[http(method = "PURGE", path = "/cache/<key>", body = true)]
    async fn purge(&self, key: &str, #[body] reason: &str) -> ferrofit::Result<()>;
}

#[tokio::test]
async fn body_is_json_with_content_type() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/users")
                .header("content-type", "application/json")
                .json_body(json!({"name": "Ann", "tags": ["admin"]}));
            then.status(201).json_body(json!({"id": 1, "name": "Ann"}));
        })
        .await;
    let api = UsersClient::new(support::client(&server.base_url()));
    let user = api
        .create(&NewUser {
            name: "Ann",
            tags: vec!["admin"],
        })
        .await
        .unwrap();
    assert_eq!(
        user,
        User {
            id: 1,
            name: "Ann".into()
        }
    );
    mock.assert_async().await;
}

#[tokio::test]
async fn a_content_type_from_headers_is_kept() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method("PATCH")
                .path("/users/4")
                .header("content-type", "application/merge-patch+json")
                .json_body(json!({"name": null}));
            then.status(200).json_body(json!({"id": 4, "name": ""}));
        })
        .await;
    let api = UsersClient::new(support::client(&server.base_url()));
    api.patch(4, json!({"name": null})).await.unwrap();
    mock.assert_async().await;
}

#[tokio::test]
async fn custom_methods_can_carry_a_body() {
    let server = support::CaptureServer::start(support::Answer::Full(support::NO_CONTENT)).await;
    let api = UsersClient::new(support::client(&server.base_url));
    api.purge("home", "stale").await.unwrap();
    let seen = server.last();
    assert_eq!(seen.method, "PURGE");
    assert_eq!(seen.target, "/cache/home");
    // A text body is sent as text, not as a JSON string.
    assert_eq!(seen.body, b"stale");
    assert_eq!(
        seen.header_values("content-type"),
        ["text/plain; charset=utf-8"]
    );
}

#[tokio::test]
async fn a_body_that_cannot_be_serialized_is_an_invalid_request() {
    let server = MockServer::start_async().await;
    let api = UsersClient::new(support::client(&server.base_url()));
    let error = api.weird(HashMap::from([((1, 2), 3)])).await.unwrap_err();
    assert!(matches!(error, Error::InvalidRequest { .. }), "{error:?}");
    assert!(error.to_string().contains("serialize the body"), "{error}");
}

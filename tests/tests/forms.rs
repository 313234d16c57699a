//! `#[form]` bodies, read back by a form parser we did not write (`form_urlencoded`, the
//! WHATWG parser of the `url` crate) on a real HTTP server, and checked byte for byte on the
//! wire.

mod support;

use axum::Router;
use axum::http::HeaderMap;
use axum::routing::post;
use serde::Serialize;
use support::{Answer, CaptureServer, OK_EMPTY_JSON};

#[derive(Serialize)]
struct Extra {
    plan: &'static str,
    seats: u32,
}

#[ferrofit::rest_api]
trait Forms {
    #[post("/login")]
    #[form]
    async fn login(
        &self,
        #[field] username: &str,
        #[field("pass word")] password: &str,
        #[field] remember: Option<bool>,
        #[field] scope: &[&str],
    ) -> ferrofit::Result<serde_json::Value>;

    #[post("/raw")]
    #[form]
    async fn encoded(
        &self,
        #[field(encoded)] token: &str,
        #[field_map] extra: &Extra,
    ) -> ferrofit::Result<serde_json::Value>;

    #[put("/typed")]
    #[form]
    #[headers("Content-Type: application/x-www-form-urlencoded; charset=utf-8")]
    async fn overridden(&self, #[field] name: &str) -> ferrofit::Result<()>;
}

/// Echoes the parsed pairs, in order, and the content type.
async fn echo(headers: HeaderMap, body: axum::body::Bytes) -> axum::Json<serde_json::Value> {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    axum::Json(serde_json::json!({ "pairs": pairs, "content_type": content_type }))
}

async fn server() -> FormsClient {
    let router = Router::new()
        .route("/login", post(echo))
        .route("/raw", post(echo));
    FormsClient::new(support::client(&support::server::serve(router).await))
}

#[tokio::test]
async fn fields_arrive_in_order_with_reserved_characters_intact_and_keys_repeated() {
    let api = server().await;
    let echoed = api
        .login(
            "ada+lovelace@example.com",
            "p&ss=w0rd %100 ü",
            None,
            &["read", "write all"],
        )
        .await
        .unwrap();
    assert_eq!(echoed["content_type"], "application/x-www-form-urlencoded");
    assert_eq!(
        echoed["pairs"],
        serde_json::json!([
            ["username", "ada+lovelace@example.com"],
            ["pass word", "p&ss=w0rd %100 ü"],
            ["scope", "read"],
            ["scope", "write all"],
        ])
    );
    let with_flag = api.login("a", "b", Some(true), &[]).await.unwrap();
    assert_eq!(
        with_flag["pairs"],
        serde_json::json!([["username", "a"], ["pass word", "b"], ["remember", "true"]])
    );
}

#[tokio::test]
async fn encoded_fields_pass_through_and_maps_expand_in_field_order() {
    let api = server().await;
    let extra = Extra {
        plan: "team & co",
        seats: 5,
    };
    let echoed = api.encoded("a%2Bb+c", &extra).await.unwrap();
    assert_eq!(
        echoed["pairs"],
        serde_json::json!([["token", "a+b c"], ["plan", "team & co"], ["seats", "5"]])
    );
}

#[tokio::test]
async fn the_wire_body_is_exactly_the_whatwg_serialization() {
    let server = CaptureServer::start(Answer::Full(OK_EMPTY_JSON)).await;
    let api = FormsClient::new(support::client(&server.base_url));
    api.login("a b", "x&y", Some(false), &["1", "2"])
        .await
        .unwrap();
    let request = server.last();
    assert_eq!(
        String::from_utf8(request.body.clone()).unwrap(),
        "username=a+b&pass+word=x%26y&remember=false&scope=1&scope=2"
    );
    assert_eq!(request.header_values("content-length"), ["59"]);
}

#[tokio::test]
async fn a_content_type_from_headers_overrides_the_default() {
    let server = CaptureServer::start(Answer::Full(support::NO_CONTENT)).await;
    let api = FormsClient::new(support::client(&server.base_url));
    api.overridden("x").await.unwrap();
    assert_eq!(
        server.last().header_values("content-type"),
        ["application/x-www-form-urlencoded; charset=utf-8"]
    );
}

//! Secrets never show in `Debug` or `Display` of requests, responses, errors or clients.

use ferrofit::http::{HeaderMap, HeaderValue, Method, StatusCode};
use ferrofit::testing::{MockReply, MockTransport};
use ferrofit::{Error, ErrorResponse, RawResponse, Request, rest_api};

const SECRETS: [&str; 5] = [
    "s3cr3t-bearer",
    "cookie-value",
    "qs-token",
    "pw-value",
    "body-token",
];

fn assert_no_secret(text: &str) {
    for secret in SECRETS {
        assert!(!text.contains(secret), "`{secret}` leaked in: {text}");
    }
}

fn secret_headers() -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(
        "authorization",
        HeaderValue::from_static("Bearer s3cr3t-bearer"),
    );
    headers.insert("cookie", HeaderValue::from_static("session=cookie-value"));
    headers.insert(
        "set-cookie",
        HeaderValue::from_static("session=cookie-value"),
    );
    headers.insert(
        "proxy-authorization",
        HeaderValue::from_static("Basic s3cr3t-bearer"),
    );
    headers.insert("accept", HeaderValue::from_static("application/json"));
    headers
}

const URL: &str = "https://user:pw-value@api.test/a?page=2&access_token=qs-token&API_KEY=qs-token";

#[test]
fn request_debug_hides_headers_query_and_password() {
    let mut request = Request::new(Method::GET, URL.parse().unwrap());
    *request.headers_mut() = secret_headers();
    request.set_body(r#"{"password":"pw-value"}"#);
    let shown = format!("{request:?}");
    assert_no_secret(&shown);
    assert!(
        shown.contains("page=2"),
        "non-secrets stay visible: {shown}"
    );
    assert!(shown.contains("application/json"), "{shown}");
    assert!(shown.contains("[REDACTED]"), "{shown}");
}

#[test]
fn error_and_response_debug_and_display_hide_secrets() {
    let body = r#"{"error":"bad","refresh_token":"body-token"}"#;
    let response = ErrorResponse::new(
        StatusCode::BAD_REQUEST,
        secret_headers(),
        URL.parse().unwrap(),
        body.into(),
    );
    let error = Error::from_response(response);
    assert_no_secret(&format!("{error}"));
    assert_no_secret(&format!("{error:?}"));

    let mut raw = RawResponse::new(StatusCode::OK, "x");
    *raw.headers_mut() = secret_headers();
    raw.set_url(URL.parse().unwrap());
    assert_no_secret(&format!("{raw:?}"));
}

#[rest_api]
trait Login {
    #[get("/me")]
    async fn me(&self, #[query] access_token: &str) -> ferrofit::Result<serde_json::Value>;

    #[get("/token")]
    async fn token(&self) -> ferrofit::Result<Vec<u32>>;
}

#[tokio::test]
async fn errors_from_real_calls_hide_secrets() {
    let mock = MockTransport::new();
    mock.on(Method::GET, "/me").reply(MockReply::status(500));
    mock.on(Method::GET, "/token").reply(MockReply::json(
        200,
        &serde_json::json!({"access_token": "body-token"}),
    ));
    let client = ferrofit::Client::builder()
        .base_url("http://api.test")
        .default_header("Authorization", "Bearer s3cr3t-bearer")
        .transport(mock)
        .build()
        .unwrap();
    assert_no_secret(&format!("{client:?}"));
    let api = LoginClient::new(client);

    let status = api.me("qs-token").await.unwrap_err();
    assert_no_secret(&format!("{status} {status:?}"));

    // The snippet of a body that failed to decode keeps its shape but not its secrets.
    let decode = api.token().await.unwrap_err();
    let shown = format!("{decode} {decode:?}");
    assert_no_secret(&shown);
    assert!(shown.contains("access_token"), "{shown}");
}

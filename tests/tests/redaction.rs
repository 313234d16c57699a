//! Secrets never show in `Debug` or `Display` of requests, responses, errors or clients.

mod support;

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

const USERINFO_SECRETS: [&str; 3] = ["apikey-s3cr3t", "pw-value", "pin-s3cr3t"];

fn assert_no_userinfo_secret(text: &str) {
    for secret in USERINFO_SECRETS.iter().chain(&SECRETS) {
        assert!(!text.contains(secret), "`{secret}` leaked in: {text}");
    }
}

#[rest_api]
trait Tenant {
    #[get("/tenant")]
    async fn get(
        &self,
        #[query] otp: &str,
        #[header("X-Tenant-Pin")] pin: &str,
    ) -> ferrofit::Result<ferrofit::Response<serde_json::Value>>;
}

/// Records the `Debug` of every request it sees.
fn request_recorder(
    seen: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
) -> impl ferrofit::Interceptor {
    ferrofit::interceptor::on_request(move |request| {
        seen.lock().unwrap().push(format!("{request:?}"));
        Ok(())
    })
}

#[tokio::test]
async fn a_base_url_with_userinfo_never_shows_it() {
    let server = support::CaptureServer::start(support::Answer::Full(
        "HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\n\r\n",
    ))
    .await;
    let base = server
        .base_url
        .replace("http://", "http://apikey-s3cr3t:pw-value@");
    let seen = std::sync::Arc::default();
    let client = ferrofit::Client::builder()
        .base_url(&base)
        .interceptor(request_recorder(std::sync::Arc::clone(&seen)))
        .build()
        .unwrap();
    assert_no_userinfo_secret(&format!("{client:?}"));
    let error = TenantClient::new(client).get("1", "2").await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(500));
    assert_no_userinfo_secret(&format!("{error} {error:?}"));
    assert!(
        server.last().header_values("authorization")[0].starts_with("Basic "),
        "the credentials are still sent"
    );
    let requests = seen.lock().unwrap().join("\n");
    assert!(requests.contains("[REDACTED]@127.0.0.1"), "{requests}");
    assert_no_userinfo_secret(&requests);

    for bad in [
        "ftp://apikey-s3cr3t:pw-value@h.test/",
        "https://apikey-s3cr3t@h.test/?x=1",
        "https://apikey-s3cr3t:pw-value@",
    ] {
        let error = ferrofit::Client::builder()
            .base_url(bad)
            .build()
            .unwrap_err();
        assert_no_userinfo_secret(&format!("{error} {error:?}"));
        let builder = ferrofit::Client::builder().base_url(bad);
        assert_no_userinfo_secret(&format!("{builder:?}"));
    }
}

#[tokio::test]
async fn a_response_from_a_base_url_with_userinfo_has_none_in_its_url() {
    let server = support::CaptureServer::start(support::Answer::Full(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}",
    ))
    .await;
    let base = server
        .base_url
        .replace("http://", "http://apikey-s3cr3t:pw-value@");
    let client = ferrofit::Client::builder().base_url(&base).build().unwrap();
    let response = TenantClient::new(client).get("1", "2").await.unwrap();
    assert_eq!(response.url().username(), "");
    assert_eq!(response.url().password(), None);
    assert_eq!(response.url().path(), "/tenant");
    assert_no_userinfo_secret(&format!("{} {response:?}", response.url()));
}

#[test]
fn secret_headers_and_signed_url_parameters_are_recognised_by_pattern() {
    let url = "https://bucket.test/o?X-Amz-Algorithm=AWS4&X-Amz-Credential=qs-token&X-Amz-Signature=qs-token&X-Goog-Signature=qs-token&sig=qs-token&X-Amz-Expires=60";
    let mut request = Request::new(Method::GET, url.parse().unwrap());
    for name in [
        "x-access-token",
        "x-session-token",
        "api-key",
        "x-goog-api-key",
        "ocp-apim-subscription-key",
        "x-amz-security-token",
    ] {
        request
            .headers_mut()
            .insert(name, HeaderValue::from_static("s3cr3t-bearer"));
    }
    let shown = format!("{request:?}");
    assert_no_secret(&shown);
    assert!(shown.contains("X-Amz-Expires=60"), "{shown}");
    assert!(shown.contains("X-Amz-Algorithm=AWS4"), "{shown}");
}

#[tokio::test]
async fn the_clients_redaction_policy_covers_errors_requests_and_responses() {
    use ferrofit::redact::Redactor;
    let mock = MockTransport::new();
    mock.on(Method::GET, "/tenant")
        .query("otp", "pin-s3cr3t")
        .times(1)
        .reply(MockReply::status(403).header("x-tenant-pin", "pin-s3cr3t"));
    mock.on(Method::GET, "/tenant").reply(
        MockReply::json(200, &serde_json::json!({"ok": true})).header("x-tenant-pin", "pin-s3cr3t"),
    );
    let seen = std::sync::Arc::default();
    let client = ferrofit::Client::builder()
        .base_url("http://api.test")
        .redactor(Redactor::new().header("X-Tenant-Pin").query_param("otp"))
        .interceptor(request_recorder(std::sync::Arc::clone(&seen)))
        .interceptor(ferrofit::interceptor::on_response({
            let seen = std::sync::Arc::clone(&seen);
            move |response| {
                seen.lock().unwrap().push(format!("{response:?}"));
                Ok(())
            }
        }))
        .transport(mock)
        .build()
        .unwrap();
    let api = TenantClient::new(client);
    let error = api.get("pin-s3cr3t", "pin-s3cr3t").await.unwrap_err();
    let shown = format!("{error} {error:?}");
    assert_no_userinfo_secret(&shown);
    assert!(shown.contains("otp=[REDACTED]"), "{shown}");
    let response = api.get("pin-s3cr3t", "pin-s3cr3t").await.unwrap();
    let shown = format!("{response:?}");
    assert_no_userinfo_secret(&shown);
    assert!(shown.contains("x-tenant-pin"), "{shown}");
    let requests = seen.lock().unwrap().join("\n");
    assert_eq!(requests.matches("x-tenant-pin").count(), 4, "{requests}");
    assert_no_userinfo_secret(&requests);
}

#[tokio::test]
async fn a_session_header_is_a_secret_by_its_name_alone() {
    // `X-Session`: no `token` in the name, and no `redact_header` anywhere.
    let mock = MockTransport::new();
    mock.on(Method::GET, "/token")
        .reply(MockReply::status(500).header("x-session", "sess-s3cr3t-reply"));
    let client = ferrofit::Client::builder()
        .base_url("http://api.test")
        .default_header("X-Session", "sess-s3cr3t-sent")
        .transport(mock.clone())
        .build()
        .unwrap();
    let error = LoginClient::new(client.clone()).token().await.unwrap_err();
    let shown = format!("{client:?} {error} {error:?} {:?}", mock.requests()[0]);
    for secret in ["sess-s3cr3t-sent", "sess-s3cr3t-reply"] {
        assert!(!shown.contains(secret), "`{secret}` leaked in: {shown}");
    }
    assert!(
        shown.contains("x-session"),
        "the header is shown, its value is not: {shown}"
    );
    assert_eq!(
        mock.requests()[0].headers()["x-session"],
        "sess-s3cr3t-sent",
        "it was sent"
    );
}

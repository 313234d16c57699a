//! The tracing interceptor: OpenTelemetry field names, attempt counts, and no secrets in what
//! it writes, even with headers and bodies turned on.

mod support;

use std::time::Duration;

use ferrofit::http::Method;
use ferrofit::log::LogInterceptor;
use ferrofit::rest_api;
use ferrofit::retry::{RetryInterceptor, RetryPolicy};
use ferrofit::testing::{MockReply, MockTransport};
use serde::Serialize;
use serde_json::json;
use support::log_capture::{Captured, subscriber};

#[derive(Serialize)]
struct Login<'a> {
    user: &'a str,
    password: &'a str,
}

#[rest_api]
trait Secure {
    #[get("/users/{id}")]
    async fn user(
        &self,
        id: u32,
        #[query] access_token: &str,
        #[header("Authorization")] auth: &str,
        #[header("X-Session")] session: &str,
    ) -> ferrofit::Result<serde_json::Value>;

    #[post("/login")]
    async fn login(&self, #[body] login: &Login<'_>) -> ferrofit::Result<serde_json::Value>;
}

const SECRETS: [&str; 5] = [
    "bearer-s3cr3t",
    "qs-s3cr3t",
    "session-s3cr3t",
    "pw-s3cr3t",
    "resp-s3cr3t",
];

#[tokio::test(start_paused = true)]
async fn a_call_with_secrets_is_logged_without_them() {
    let mock = MockTransport::new();
    mock.on(Method::GET, "/users/7")
        .times(1)
        .reply(MockReply::status(503));
    mock.on(Method::GET, "/users/7").reply(
        MockReply::json(200, &json!({"id": 7, "refresh_token": "resp-s3cr3t"}))
            .header("set-cookie", "sid=resp-s3cr3t"),
    );
    mock.on(Method::POST, "/login").reply(MockReply::json(
        200,
        &json!({"access_token": "resp-s3cr3t"}),
    ));
    let client = support::mock_builder("http://secure.test:8443", &mock)
        .interceptor(
            LogInterceptor::new()
                .log_headers(true)
                .log_bodies(true)
                .redact_header("X-Session"),
        )
        .interceptor(RetryInterceptor::new(RetryPolicy::new().backoff(
            Duration::from_millis(10),
            2.0,
            Duration::from_millis(10),
        )))
        .build()
        .unwrap();
    let api = SecureClient::new(client);
    let output = Captured::default();
    {
        let _guard = tracing::subscriber::set_default(subscriber(&output));
        api.user(7, "qs-s3cr3t", "Bearer bearer-s3cr3t", "session-s3cr3t")
            .await
            .unwrap();
        api.login(&Login {
            user: "ann",
            password: "pw-s3cr3t",
        })
        .await
        .unwrap();
    }
    let text = output.text();
    for secret in SECRETS {
        assert!(!text.contains(secret), "`{secret}` leaked:\n{text}");
    }
    for expected in [
        "http.request.method=GET",
        "url.template=\"/users/{id}\"",
        "server.address=\"secure.test\"",
        "server.port=8443",
        "http.response.status_code=200",
        "http.request.resend_count=1",
        "ferrofit.endpoint=Secure::user",
        "access_token=[REDACTED]",
        r#"\"password\":\"[REDACTED]\""#,
        r#"\"user\":\"ann\""#,
        "duration_ms=",
    ] {
        assert!(text.contains(expected), "missing `{expected}` in:\n{text}");
    }
    assert!(
        text.contains("ferrofit: retrying"),
        "the retry shows inside the call's span:\n{text}"
    );
}

#[tokio::test]
async fn long_bodies_are_truncated() {
    let mock = MockTransport::new();
    mock.on(Method::POST, "/login")
        .reply(MockReply::status(200).body("x".repeat(5000)));
    let client = support::mock_builder("http://secure.test", &mock)
        .interceptor(LogInterceptor::new().log_bodies(true).body_limit(64))
        .build()
        .unwrap();
    let output = Captured::default();
    {
        let _guard = tracing::subscriber::set_default(subscriber(&output));
        let login = Login {
            user: "ann",
            password: "pw",
        };
        // The reply is 5000 bytes of `x`, not JSON: the call fails after it was logged.
        let error = SecureClient::new(client).login(&login).await.unwrap_err();
        assert!(matches!(error, ferrofit::Error::Decode { .. }), "{error:?}");
    }
    let text = output.text();
    assert!(text.contains("(5000 bytes in all)"), "{text}");
    assert!(!text.contains(&"x".repeat(65)), "{text}");
}

#[rest_api]
trait Waiting {
    #[get("/slow")]
    async fn slow(&self, #[cancel] cancel: &ferrofit::CancelToken) -> ferrofit::Result<()>;
}

fn slow_client(mock: &MockTransport, timeout: Duration) -> WaitingClient {
    mock.on(Method::GET, "/slow")
        .reply(MockReply::status(204).delay(Duration::from_secs(10)));
    let client = ferrofit::Client::builder()
        .base_url("http://secure.test")
        .timeout(timeout)
        .transport(mock.clone())
        .interceptor(LogInterceptor::new())
        .build()
        .unwrap();
    WaitingClient::new(client)
}

/// The lines of `text` that are events (not span closings) of the interceptor.
fn outcome_lines(text: &str) -> Vec<&str> {
    text.lines().filter(|l| l.contains("outcome=")).collect()
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_call_is_logged_once_with_its_outcome() {
    let mock = MockTransport::new();
    let api = slow_client(&mock, Duration::from_secs(60));
    let output = Captured::default();
    {
        let _guard = tracing::subscriber::set_default(subscriber(&output));
        let token = ferrofit::CancelToken::new();
        let call = api.slow(&token);
        let cancel = async {
            tokio::time::sleep(Duration::from_millis(1500)).await;
            token.cancel("user left");
        };
        let (result, ()) = tokio::join!(call, cancel);
        assert!(result.unwrap_err().is_cancelled());
    }
    let text = output.text();
    let lines = outcome_lines(&text);
    assert_eq!(lines.len(), 1, "one event per call:\n{text}");
    for expected in [
        "outcome=\"cancelled\"",
        "reason=user left",
        "duration_ms=1500",
        "attempts=1",
    ] {
        assert!(
            lines[0].contains(expected),
            "missing `{expected}` in:\n{text}"
        );
    }
    assert!(
        text.contains("duration_ms=1500"),
        "the span records it too:\n{text}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_call_cut_by_the_total_timeout_is_logged_once_as_a_timeout() {
    let mock = MockTransport::new();
    let api = slow_client(&mock, Duration::from_secs(2));
    let output = Captured::default();
    {
        let _guard = tracing::subscriber::set_default(subscriber(&output));
        let error = api.slow(&ferrofit::CancelToken::new()).await.unwrap_err();
        assert!(error.is_timeout(), "{error:?}");
    }
    let text = output.text();
    let lines = outcome_lines(&text);
    assert_eq!(lines.len(), 1, "one event per call:\n{text}");
    for expected in [
        " WARN ",
        "outcome=\"timeout\"",
        "duration_ms=2000",
        "attempts=1",
    ] {
        assert!(
            lines[0].contains(expected),
            "missing `{expected}` in:\n{text}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn completed_calls_carry_their_outcome() {
    let mock = MockTransport::new();
    mock.on(Method::GET, "/slow")
        .times(1)
        .reply(MockReply::status(204));
    mock.on(Method::GET, "/slow").reply(MockReply::status(404));
    let client = support::mock_builder("http://secure.test", &mock)
        .interceptor(LogInterceptor::new())
        .build()
        .unwrap();
    let api = WaitingClient::new(client);
    let output = Captured::default();
    {
        let _guard = tracing::subscriber::set_default(subscriber(&output));
        let token = ferrofit::CancelToken::new();
        api.slow(&token).await.unwrap();
        api.slow(&token).await.unwrap_err();
    }
    let text = output.text();
    let lines = outcome_lines(&text);
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[0].contains("outcome=\"ok\""), "{text}");
    assert!(lines[1].contains("outcome=\"http_error\""), "{text}");
}

#[tokio::test]
async fn the_log_uses_the_clients_redaction_policy_and_hides_userinfo() {
    let mock = MockTransport::new();
    mock.on(Method::GET, "/users/1")
        .reply(MockReply::json(200, &json!({"pin": "pin-s3cr3t"})).header("x-pin", "pin-s3cr3t"));
    let client = ferrofit::Client::builder()
        .base_url("http://key-pin-s3cr3t:pw-pin-s3cr3t@secure.test")
        .redactor(
            ferrofit::redact::Redactor::new()
                .header("X-Pin")
                .query_param("pin"),
        )
        .transport(mock)
        .interceptor(LogInterceptor::new().log_headers(true).log_bodies(true))
        .build()
        .unwrap();
    let output = Captured::default();
    {
        let _guard = tracing::subscriber::set_default(subscriber(&output));
        SecureClient::new(client)
            .user(1, "t", "Bearer b", "s")
            .await
            .unwrap();
    }
    let text = output.text();
    assert!(!text.contains("pin-s3cr3t"), "{text}");
    assert!(text.contains("x-pin"), "{text}");
    assert!(
        text.contains("url.full=http://[REDACTED]@secure.test/users/1"),
        "{text}"
    );
}

//! A server that hands secrets back — in a body that fails to decode, in URL-valued headers, in
//! JSON members of any type, in a form-encoded token reply — and calls that carry secrets in
//! query names the old lists missed or in a `#[url]` that does not parse: none of it reaches a
//! `Display`, a `Debug` or a log line. Real HTTP over loopback.

mod support;

use ferrofit::log::LogInterceptor;
use ferrofit::{Error, Response, rest_api};
use serde::Deserialize;
use support::log_capture::{Captured, subscriber};
use support::origin::{Origin, Reply};

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct TokenReply {
    access_token: u64,
}

#[rest_api]
trait Hostile {
    #[post("/oauth/token")]
    async fn token(&self) -> ferrofit::Result<TokenReply>;

    #[get("/numbers")]
    async fn numbers(&self) -> ferrofit::Result<Vec<u32>>;

    #[get("/download")]
    async fn download(&self) -> ferrofit::Result<Response<String>>;

    #[get("/search")]
    async fn search(
        &self,
        #[query_map] params: &std::collections::BTreeMap<&str, &str>,
    ) -> ferrofit::Result<serde_json::Value>;

    #[get]
    async fn follow(&self, #[url] link: &str) -> ferrofit::Result<()>;
}

fn assert_hidden(text: &str, secrets: &[&str]) {
    for secret in secrets {
        assert!(!text.contains(secret), "`{secret}` leaked in:\n{text}");
    }
}

/// The API's client with a log interceptor that shows headers and bodies, and what it logged.
async fn logged<T>(origin: &Origin, call: impl AsyncFnOnce(HostileClient) -> T) -> (T, String) {
    let client = ferrofit::Client::builder()
        .base_url(&origin.base_url)
        .interceptor(LogInterceptor::new().log_headers(true).log_bodies(true))
        .build()
        .unwrap();
    let output = Captured::default();
    let result = {
        let _guard = tracing::subscriber::set_default(subscriber(&output));
        call(HostileClient::new(client)).await
    };
    (result, output.text())
}

#[tokio::test]
async fn a_decode_error_names_the_types_but_never_the_value() {
    let origin = Origin::start().await;
    origin.reply(Reply::ok(
        r#"{"access_token": "eyJhbGciOi.SECRET-JWT"}"#,
        &[("content-type", "application/json")],
    ));
    let (error, log) = logged(&origin, async |api| api.token().await.unwrap_err()).await;
    let shown = format!("{error}\n{error:?}");
    assert_hidden(&shown, &["SECRET-JWT"]);
    assert_hidden(&log, &["SECRET-JWT"]);
    assert!(
        shown.contains("at `access_token`: invalid type: string, expected u64 at line 1 column"),
        "the path, both types and the position stay: {shown}"
    );
}

#[tokio::test]
async fn url_valued_headers_print_with_their_secrets_redacted() {
    let origin = Origin::start().await;
    let signed = "https://bucket.s3.test/report.pdf?X-Amz-Expires=60&X-Amz-Signature=S3-SIGNED";
    origin.reply(Reply::ok(
        "ok",
        &[
            ("location", signed),
            ("content-location", "/report?access_token=CL-TOKEN"),
            (
                "link",
                r#"<https://api.test/items?page_token=LINK-TOKEN&per_page=50>; rel="next""#,
            ),
            (
                "refresh",
                "0; url=https://app.test/cb#access_token=REFRESH-TOKEN",
            ),
        ],
    ));
    let (response, log) = logged(&origin, async |api| api.download().await.unwrap()).await;
    let secrets = ["S3-SIGNED", "CL-TOKEN", "LINK-TOKEN", "REFRESH-TOKEN"];
    let shown = format!("{response:?}");
    assert_hidden(&shown, &secrets);
    assert_hidden(&log, &secrets);
    for kept in ["X-Amz-Expires=60", "per_page=50", "rel=\\\"next\\\""] {
        assert!(shown.contains(kept), "`{kept}` stays visible: {shown}");
    }
    assert!(log.contains("X-Amz-Signature=[REDACTED]"), "{log}");
    assert_eq!(
        response.headers()["location"],
        signed,
        "the value itself is untouched"
    );
}

#[tokio::test]
async fn secret_members_of_any_type_and_form_replies_stay_out_of_snippets() {
    let origin = Origin::start().await;
    origin.reply(Reply::ok(
        r#"{"tokens":["rt-ARRAY-1"],"credentials":{"pass":"NESTED-PASS"},"code":424242,"api_key":true}"#,
        &[("content-type", "application/json")],
    ));
    let (error, log) = logged(&origin, async |api| api.numbers().await.unwrap_err()).await;
    let secrets = ["rt-ARRAY-1", "NESTED-PASS", "424242"];
    assert_hidden(&format!("{error}\n{error:?}"), &secrets);
    assert_hidden(&log, &secrets);
    match &error {
        Error::Decode { snippet, .. } => assert!(
            snippet.contains(r#""tokens":"[REDACTED]""#)
                && snippet.contains(r#""code":"[REDACTED]""#),
            "{snippet}"
        ),
        other => panic!("expected a decode error, got {other:?}"),
    }

    // GitHub's token endpoint answers form-encoded unless asked for JSON.
    let origin = Origin::start().await;
    origin.reply(Reply::ok(
        "access_token=gho_FORM-TOKEN&scope=repo&token_type=bearer",
        &[("content-type", "application/x-www-form-urlencoded")],
    ));
    let (error, log) = logged(&origin, async |api| api.token().await.unwrap_err()).await;
    assert_hidden(&format!("{error}\n{error:?}"), &["gho_FORM-TOKEN"]);
    assert_hidden(&log, &["gho_FORM-TOKEN"]);
    assert!(format!("{error:?}").contains("scope=repo"), "{error:?}");
}

#[tokio::test]
async fn the_common_secret_query_names_are_redacted() {
    let origin = Origin::start().await;
    origin.reply(Reply::status(400, "", &[]));
    let params = [
        ("access_key", "Q-ACCESS-KEY"),
        ("auth_key", "Q-DEEPL-KEY"),
        ("private_key", "Q-PRIVATE-KEY"),
        ("client_key", "Q-CLIENT-KEY"),
        ("client_secret", "Q-CLIENT-SECRET"),
        ("pwd", "Q-PWD"),
        ("pass", "Q-PASS"),
        ("page", "2"),
    ];
    let map = params.iter().copied().collect();
    let (error, log) = logged(&origin, async |api| api.search(&map).await.unwrap_err()).await;
    let secrets: Vec<&str> = params[..7].iter().map(|(_, value)| *value).collect();
    let shown = format!("{error}\n{error:?}");
    assert_hidden(&shown, &secrets);
    assert_hidden(&log, &secrets);
    assert!(shown.contains("page=2"), "{shown}");
    let (_, target, _) = origin.last();
    assert!(
        target.contains("auth_key=Q-DEEPL-KEY"),
        "still sent: {target}"
    );
}

#[tokio::test]
async fn an_unparsable_url_argument_is_quoted_without_its_secrets() {
    let origin = Origin::start().await;
    let broken = "https://cdn.test:99999/o?X-Amz-Signature=URL-SIG&access_token=URL-TOKEN";
    let (error, log) = logged(&origin, async |api| api.follow(broken).await.unwrap_err()).await;
    assert!(matches!(error, Error::InvalidRequest { .. }), "{error:?}");
    let shown = format!("{error}\n{error:?}");
    assert_hidden(&shown, &["URL-SIG", "URL-TOKEN"]);
    assert_hidden(&log, &["URL-SIG", "URL-TOKEN"]);
    assert!(shown.contains("cdn.test:99999"), "the rest stays: {shown}");
    assert_eq!(origin.hits(), 0, "nothing was sent");
}

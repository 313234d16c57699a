//! The in-memory mock transport: routing, matchers, scripted sequences, delays, errors,
//! recorded requests, and an unmatched-request error that helps.

mod support;

use std::time::Duration;

use ferrofit::http::Method;
use ferrofit::testing::{MockReply, MockTransport};
use ferrofit::{Error, NetworkKind, rest_api};
use serde::{Deserialize, Serialize};
use serde_json::json;

#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct Note {
    text: String,
}

#[rest_api]
trait Notes {
    #[get("/notes/<id>")]
    async fn get(&self, id: u32) -> ferrofit::Result<Note>;

    #[get("/notes")]
    async fn search(
        &self,
        #[query] q: &str,
        #[header("X-Tenant")] tenant: &str,
    ) -> ferrofit::Result<Vec<Note>>;

    #[post("/notes")]
    async fn create(&self, #[body] note: &Note) -> ferrofit::Result<Note>;

    #[get("/files/<name>")]
    async fn file(&self, name: &str) -> ferrofit::Result<()>;

    #[get("/secure")]
    async fn secure(
        &self,
        #[query] access_token: &str,
        #[header("Authorization")] auth: &str,
    ) -> ferrofit::Result<()>;
}

/// The text of the error for a request no route matches.
fn unmatched(error: Error) -> String {
    assert!(
        matches!(
            error,
            Error::Network {
                kind: NetworkKind::Other,
                ..
            }
        ),
        "{error:?}"
    );
    error.to_string()
}

fn api(mock: &MockTransport) -> NotesClient {
    let client = support::mock_builder("http://notes.test/v1", mock)
        .build()
        .unwrap();
    NotesClient::new(client)
}

#[tokio::test]
async fn routes_match_method_path_query_headers_and_body() {
    let mock = MockTransport::new();
    mock.on(Method::GET, "/v1/notes/<id>")
        .reply(MockReply::json(200, &json!({"text": "any"})));
    mock.on(Method::GET, "/v1/notes")
        .query("q", "rust lang")
        .header("x-tenant", "acme")
        .reply(MockReply::json(200, &json!([{"text": "found"}])));
    mock.on(Method::POST, "/v1/notes")
        .json_body(&json!({"text": "hi"}))
        .reply(MockReply::json(201, &json!({"text": "hi"})));
    let api = api(&mock);

    assert_eq!(api.get(5).await.unwrap().text, "any");
    assert_eq!(
        api.search("rust lang", "acme").await.unwrap()[0].text,
        "found"
    );
    assert_eq!(
        api.create(&Note { text: "hi".into() }).await.unwrap().text,
        "hi"
    );

    let requests = mock.requests();
    assert_eq!(requests.len(), 3);
    assert_eq!(requests[0].url().as_str(), "http://notes.test/v1/notes/5");
    assert_eq!(requests[1].headers()["x-tenant"], "acme");
    assert_eq!(
        requests[2].body().as_bytes(),
        Some(&br#"{"text":"hi"}"#[..])
    );
    assert_eq!(mock.hits(&Method::GET, "/v1/notes/*"), 1);
}

#[tokio::test]
async fn times_scripts_a_sequence_of_replies() {
    let mock = MockTransport::new();
    mock.on(Method::GET, "/v1/notes/1")
        .times(1)
        .reply(MockReply::status(503));
    mock.on(Method::GET, "/v1/notes/1")
        .reply(MockReply::json(200, &json!({"text": "back"})));
    let api = api(&mock);
    assert_eq!(
        api.get(1).await.unwrap_err().status().unwrap().as_u16(),
        503
    );
    assert_eq!(api.get(1).await.unwrap().text, "back");
}

#[tokio::test(start_paused = true)]
async fn delays_use_tokio_time_and_errors_can_be_scripted() {
    let mock = MockTransport::new();
    mock.on(Method::GET, "/v1/notes/1")
        .reply(MockReply::json(200, &json!({"text": "slow"})).delay(Duration::from_secs(30)));
    mock.on(Method::GET, "/v1/notes/2")
        .reply(MockReply::connection_refused());
    let api = api(&mock);
    let started = tokio::time::Instant::now();
    assert_eq!(api.get(1).await.unwrap().text, "slow");
    assert!(
        started.elapsed() >= Duration::from_secs(30),
        "the delay elapsed on the paused clock"
    );
    let error = api.get(2).await.unwrap_err();
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
}

#[tokio::test]
async fn an_unmatched_request_lists_the_closest_routes() {
    let mock = MockTransport::new();
    mock.on(Method::GET, "/v1/notes/<id>")
        .reply(MockReply::status(200));
    mock.on(Method::GET, "/v1/notes")
        .query("q", "x")
        .reply(MockReply::status(200));
    mock.on(Method::DELETE, "/v1/other")
        .reply(MockReply::status(200));
    let error = api(&mock).search("y", "acme").await.unwrap_err();
    assert!(!error.is_retryable(), "a test bug is not worth retrying");
    let text = unmatched(error);
    assert!(
        text.contains("no route matches GET http://notes.test/v1/notes?q=y"),
        "{text}"
    );
    let closest = text.split("closest routes:").nth(1).expect("lists routes");
    assert!(
        closest
            .trim_start()
            .starts_with("GET /v1/notes [query q=x]"),
        "the most similar route comes first: {text}"
    );
}

#[tokio::test]
async fn route_paths_and_request_paths_are_compared_decoded() {
    let mock = MockTransport::new();
    mock.on(Method::GET, "/v1/files/a b")
        .reply(MockReply::status(204));
    mock.on(Method::GET, "/v1/files/%C3%A9t%C3%A9")
        .reply(MockReply::status(204));
    let api = api(&mock);
    api.file("a b")
        .await
        .expect("a%20b matches the route written `a b`");
    api.file("été").await.expect("an encoded route matches too");
    assert_eq!(mock.hits(&Method::GET, "/v1/files/a b"), 1);
    let text = unmatched(api.file("a/b").await.unwrap_err());
    assert!(text.contains("path"), "{text}");

    for written in ["a b&c", "a%20b%26c", "a+b%26c"] {
        mock.on(Method::GET, "/v1/notes")
            .query("q", written)
            .times(1)
            .reply(MockReply::json(200, &json!([])));
        api.search("a b&c", "acme")
            .await
            .unwrap_or_else(|e| panic!("route query {written:?}: {e}"));
    }
}

#[tokio::test]
async fn an_unmatched_request_names_the_first_difference_of_the_closest_route() {
    let mock = MockTransport::new();
    mock.on(Method::POST, "/v1/notes/<id>")
        .reply(MockReply::status(200));
    let api = api(&mock);
    let text = unmatched(api.get(3).await.unwrap_err());
    assert!(text.contains("method: expected POST, got GET"), "{text}");

    mock.on(Method::GET, "/v1/notes")
        .query("q", "x")
        .header("x-tenant", "acme")
        .reply(MockReply::status(200));
    let text = unmatched(api.search("y", "acme").await.unwrap_err());
    assert!(
        text.contains(r#"query `q`: expected "x", got "y""#),
        "{text}"
    );
    let text = unmatched(api.search("x", "other").await.unwrap_err());
    assert!(
        text.contains(r#"header `x-tenant`: expected "acme", got "other""#),
        "{text}"
    );

    mock.on(Method::POST, "/v1/notes")
        .json_body(&json!({"text": "expected"}))
        .reply(MockReply::status(200));
    let note = Note {
        text: "actual".to_owned(),
    };
    let text = unmatched(api.create(&note).await.unwrap_err());
    assert!(text.contains("body: expected"), "{text}");
    assert!(text.contains("actual"), "{text}");

    mock.on(Method::GET, "/v1/files/<name>/meta")
        .reply(MockReply::status(200));
    let text = unmatched(api.file("x").await.unwrap_err());
    assert!(text.contains("shorter"), "{text}");
}

#[tokio::test]
async fn the_mismatch_message_hides_secrets() {
    let mock = MockTransport::new();
    mock.on(Method::GET, "/v1/secure")
        .query("access_token", "expected-s3cr3t")
        .reply(MockReply::status(204));
    mock.on(Method::GET, "/v1/secure")
        .query("access_token", "actual-s3cr3t")
        .header("authorization", "Bearer expected-s3cr3t")
        .reply(MockReply::status(204));
    let api = api(&mock);
    let text = unmatched(
        api.secure("other-s3cr3t", "Bearer actual-s3cr3t")
            .await
            .unwrap_err(),
    );
    assert!(text.contains("query `access_token`"), "{text}");
    assert!(!text.contains("s3cr3t"), "{text}");
    let text = unmatched(
        api.secure("actual-s3cr3t", "Bearer actual-s3cr3t")
            .await
            .unwrap_err(),
    );
    // The second route matches the query, so it is the closest; its header differs.
    assert!(
        text.contains("header `authorization`: expected [REDACTED], got [REDACTED]"),
        "{text}"
    );
    assert!(!text.contains("s3cr3t"), "{text}");
}

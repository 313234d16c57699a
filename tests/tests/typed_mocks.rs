//! Typed mocks generated from the trait: matching by endpoint, matchers on arguments decoded
//! from the request the real client built, typed replies, expectations and their report, and
//! interceptors running in front of the mock as in production.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use ferrofit::auth::{AuthInterceptor, MemoryTokenStore, Tokens};
use ferrofit::log::LogInterceptor;
use ferrofit::retry::{RetryInterceptor, RetryPolicy};
use ferrofit::testing::MockReply;
use ferrofit::{Error, NetworkKind, rest_api};
use serde::{Deserialize, Serialize};
use serde_json::json;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct User {
    id: u64,
    name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct NewUser {
    name: String,
    tags: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Sort {
    Asc,
    Desc,
}

/// Only `Serialize`: a matcher cannot decode it, but every other use of the mock works.
#[derive(Serialize)]
struct Note {
    text: String,
}

#[rest_api]
#[headers("Accept: application/json")]
trait UserApi {
    #[get("/users/<id>")]
    async fn get_user(&self, id: u64) -> ferrofit::Result<User>;

    #[get("/users")]
    async fn list_users(
        &self,
        #[query] page: Option<u32>,
        #[query] tag: &[String],
        #[query] sort: Option<Sort>,
        #[header("X-Request-Id")] request_id: &str,
    ) -> ferrofit::Result<Vec<User>>;

    #[post("/teams/<team>/users")]
    async fn create_user(&self, team: &str, #[body] user: &NewUser) -> ferrofit::Result<User>;

    #[delete("/users/<id>")]
    async fn delete_user(&self, id: u64) -> ferrofit::Result<()>;

    #[post("/users/<id>/notes")]
    async fn add_note(&self, id: u64, #[body] note: &Note) -> ferrofit::Result<()>;

    #[get("/users/<id>/name")]
    async fn name(&self, id: u64, #[query] token: Option<&str>) -> ferrofit::Result<String>;

    #[post("/login")]
    #[form]
    #[no_auth]
    async fn login(
        &self,
        #[field] user: &str,
        #[field] password: &str,
        #[field] remember: bool,
    ) -> ferrofit::Result<()>;

    #[post("/avatars")]
    #[multipart]
    async fn upload_avatar(
        &self,
        #[part] owner: &str,
        #[part("meta")] meta: &NewUser,
        #[part] image: ferrofit::Part,
    ) -> ferrofit::Result<()>;
}

fn ada() -> User {
    User {
        id: 42,
        name: "Ada".into(),
    }
}

#[tokio::test]
async fn matchers_receive_typed_arguments_and_replies_are_typed() {
    let mock = UserApiMock::new();
    mock.get_user().with(|args| args.id == 42).returns(ada());
    mock.get_user()
        .returns_error(404, json!({"message": "no such user"}));
    let api = UserApiClient::new(mock.client());

    assert_eq!(api.get_user(42).await.expect("the mocked user"), ada());
    let error = api.get_user(7).await.expect_err("404");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(404), "{error}");
    mock.verify();
}

#[tokio::test]
async fn queries_headers_and_bodies_are_decoded_from_what_the_client_sent() {
    let mock = UserApiMock::new();
    mock.list_users()
        .with(|args| {
            args.page == Some(2)
                && args.tag == ["a b", "c&d"]
                && args.sort == Some(Sort::Desc)
                && args.request_id == "req-1"
        })
        .once()
        .returns(vec![ada()]);
    mock.create_user()
        .with(|args| args.team == "core/ops" && args.user.tags == ["x"])
        .once()
        .returns_status(201, ada());
    let api = UserApiClient::new(mock.client());

    let tags = ["a b".to_owned(), "c&d".to_owned()];
    let users = api
        .list_users(Some(2), &tags, Some(Sort::Desc), "req-1")
        .await
        .expect("matched");
    assert_eq!(users, vec![ada()]);
    let new_user = NewUser {
        name: "Ada".into(),
        tags: vec!["x".into()],
    };
    let created = api
        .create_user("core/ops", &new_user)
        .await
        .expect("matched");
    assert_eq!(created, ada());
    // The team went through real path encoding: `/` is escaped inside its segment.
    let sent = mock.transport().requests();
    assert!(
        sent[1].url().path().ends_with("/teams/core%2Fops/users"),
        "{}",
        sent[1].url()
    );
    mock.verify();
}

#[tokio::test]
async fn forms_and_multipart_parts_are_decoded_too() {
    let mock = UserApiMock::new();
    mock.login()
        .with(|args| args.user == "ada" && args.password == "p&ss w" && args.remember)
        .returns(());
    mock.upload_avatar()
        .with(|args| {
            let image = &args.image[0];
            args.owner[0].text() == "ada"
                && args.meta[0]
                    .json::<NewUser>()
                    .is_ok_and(|m| m.name == "Ada")
                && image.file_name() == Some("me.png")
                && image.content_type() == Some("image/png")
                && image.body().as_ref() == b"\x89PNG"
        })
        .returns(());
    let api = UserApiClient::new(mock.client());

    api.login("ada", "p&ss w", true)
        .await
        .expect("form matched");
    let meta = NewUser {
        name: "Ada".into(),
        tags: vec![],
    };
    let image = ferrofit::Part::bytes(&b"\x89PNG"[..]).file_name("me.png");
    api.upload_avatar("ada", &meta, image)
        .await
        .expect("parts matched");
    mock.verify();
}

#[tokio::test]
async fn text_unit_and_non_deserialize_endpoints_reply_without_matchers() {
    let mock = UserApiMock::new();
    mock.name().returns("Ada".to_owned());
    mock.delete_user()
        .with(|args| args.id == 1)
        .once()
        .returns(());
    // `Note` is not `Deserialize`: no matcher, but the endpoint can still be mocked.
    mock.add_note().returns_status(204, ());
    let api = UserApiClient::new(mock.client());

    assert_eq!(api.name(1, None).await.expect("text"), "Ada");
    api.delete_user(1).await.expect("deleted");
    let note = Note { text: "hi".into() };
    api.add_note(1, &note).await.expect("noted");
    mock.verify();
}

#[tokio::test]
async fn once_falls_through_to_later_expectations() {
    let mock = UserApiMock::new();
    mock.get_user()
        .once()
        .returns_error(503, json!({"message": "busy"}));
    mock.get_user().returns(ada());
    let api = UserApiClient::new(mock.client());

    let busy = api.get_user(42).await.unwrap_err();
    assert_eq!(
        busy.status(),
        Some(ferrofit::http::StatusCode::SERVICE_UNAVAILABLE),
        "{busy:?}"
    );
    assert_eq!(api.get_user(42).await.expect("second"), ada());
    assert_eq!(api.get_user(42).await.expect("third"), ada());
    mock.verify();
}

#[tokio::test]
async fn verify_reports_unmet_counts_and_unexpected_calls_by_endpoint_with_secrets_redacted() {
    let mock = UserApiMock::new();
    mock.get_user().times(2).returns(ada());
    mock.delete_user().never();
    mock.name().with(|args| args.id == 1).returns("Ada".into());
    let api = UserApiClient::new(mock.client());

    api.get_user(42).await.expect("one of two");
    let error = api.delete_user(9).await.expect_err("never");
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
    api.name(2, Some("s3cr3t-token"))
        .await
        .expect_err("the matcher rejects id 2");
    api.list_users(None, &[], None, "r")
        .await
        .expect_err("not mocked at all");

    let report = mock.check().expect_err("a report");
    assert!(
        report.contains("UserApi::get_user: expected 2 calls, got 1"),
        "{report}"
    );
    assert!(
        report.contains("UserApi::delete_user(DELETE http://mock.invalid/users/9")
            && report.contains("expected never to be called"),
        "{report}"
    );
    assert!(
        report.contains("UserApi::name(GET ")
            && report.contains("a matcher rejected the arguments"),
        "{report}"
    );
    assert!(report.contains("UserApi::list_users("), "{report}");
    assert!(!report.contains("s3cr3t-token"), "{report}");
    assert!(report.contains("token=[REDACTED]"), "{report}");
    mock.transport().reset();
}

#[test]
#[should_panic(expected = "UserApi::get_user: expected 1 call, got 0")]
fn an_unmet_expectation_fails_the_test_when_the_mock_is_dropped() {
    let mock = UserApiMock::new();
    mock.get_user().once().returns(ada());
}

#[tokio::test]
async fn a_call_the_matchers_reject_falls_through_to_routes() {
    let mock = UserApiMock::new();
    mock.list_users()
        .with(|args| args.page.is_none())
        .returns(vec![]);
    mock.transport()
        .on(ferrofit::http::Method::GET, "/users")
        .reply(MockReply::status(418));
    let api = UserApiClient::new(mock.client());
    let error = api
        .list_users(Some(1), &[], None, "r")
        .await
        .expect_err("418");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(418));
    mock.verify();
}

#[tokio::test]
async fn arguments_an_interceptor_garbled_are_reported_as_undecodable() {
    let mock = UserApiMock::new();
    mock.get_user().with(|args| args.id == 1).returns(ada());
    let client = ferrofit::Client::builder()
        .base_url("http://mock.invalid/")
        .transport(mock.transport())
        .interceptor(ferrofit::interceptor::on_request(
            |request: &mut ferrofit::Request| {
                request.url_mut().set_path("/users/one");
                Ok(())
            },
        ))
        .build()
        .expect("client");
    UserApiClient::new(client)
        .get_user(1)
        .await
        .expect_err("the id no longer decodes");
    let report = mock.check().expect_err("reported");
    assert!(
        report.contains("the arguments could not be decoded: path `id`: \"one\" is not a u64"),
        "{report}"
    );
    mock.transport().reset();
}

#[tokio::test]
async fn a_path_prefix_in_the_base_url_does_not_matter() {
    let mock = UserApiMock::new();
    mock.get_user().with(|args| args.id == 5).returns(ada());
    let client = ferrofit::Client::builder()
        .base_url("http://mock.invalid/api/v2/")
        .transport(mock.transport())
        .build()
        .expect("client");
    assert_eq!(
        UserApiClient::new(client).get_user(5).await.expect("ok"),
        ada()
    );
    mock.verify();
}

#[tokio::test(start_paused = true)]
async fn delays_and_network_errors_are_replies_too() {
    let mock = UserApiMock::new();
    mock.get_user()
        .once()
        .delay(Duration::from_secs(30))
        .returns(ada());
    mock.get_user().once().refuses_connection();
    mock.get_user()
        .once()
        .fails(|| Error::network(NetworkKind::Io, std::io::Error::other("reset")));
    let api = UserApiClient::new(mock.client());

    let started = tokio::time::Instant::now();
    assert_eq!(api.get_user(1).await.expect("after the delay"), ada());
    assert_eq!(started.elapsed(), Duration::from_secs(30));
    assert!(matches!(
        api.get_user(1).await,
        Err(Error::Network {
            kind: NetworkKind::Connect,
            ..
        })
    ));
    assert!(matches!(
        api.get_user(1).await,
        Err(Error::Network {
            kind: NetworkKind::Io,
            ..
        })
    ));
    mock.verify();
}

#[tokio::test]
async fn auth_refresh_runs_in_front_of_a_typed_mock() {
    let mock = UserApiMock::new();
    mock.get_user()
        .with(|_| true)
        .once()
        .returns_error(401, json!({"message": "token expired"}));
    mock.get_user().once().returns(ada());
    let refreshes = Arc::new(AtomicUsize::new(0));
    let count = refreshes.clone();
    let refresher = move |_old: Tokens| {
        count.fetch_add(1, Ordering::SeqCst);
        async { Ok(Tokens::new("fresh").with_refresh("r2")) }
    };
    let store = Arc::new(MemoryTokenStore::with_tokens(
        Tokens::new("stale").with_refresh("r1"),
    ));
    let client = ferrofit::Client::builder()
        .base_url("http://mock.invalid/")
        .transport(mock.transport())
        .interceptor(AuthInterceptor::new(store, refresher))
        .build()
        .expect("client");

    assert_eq!(
        UserApiClient::new(client)
            .get_user(42)
            .await
            .expect("after refresh"),
        ada()
    );
    assert_eq!(refreshes.load(Ordering::SeqCst), 1);
    let sent: Vec<String> = mock
        .transport()
        .requests()
        .iter()
        .map(|r| {
            r.headers()["authorization"]
                .to_str()
                .unwrap_or("")
                .to_owned()
        })
        .collect();
    assert_eq!(sent, ["Bearer stale", "Bearer fresh"]);
    mock.verify();
}

#[tokio::test(start_paused = true)]
async fn retry_runs_in_front_of_a_typed_mock() {
    let mock = UserApiMock::new();
    mock.get_user().times(2).returns_raw(MockReply::status(503));
    mock.get_user().once().returns(ada());
    let client = ferrofit::Client::builder()
        .base_url("http://mock.invalid/")
        .transport(mock.transport())
        .interceptor(RetryInterceptor::new(RetryPolicy::new()))
        .build()
        .expect("client");

    assert_eq!(
        UserApiClient::new(client)
            .get_user(1)
            .await
            .expect("third try"),
        ada()
    );
    mock.verify();
}

#[tokio::test]
async fn logging_runs_in_front_of_a_typed_mock_and_keeps_secrets_out() {
    let output = support::log_capture::Captured::default();
    let _guard = tracing::subscriber::set_default(support::log_capture::subscriber(&output));
    let mock = UserApiMock::new();
    mock.name()
        .with(|args| args.token.as_deref() == Some("s3cr3t-token"))
        .returns("Ada".to_owned());
    let client = ferrofit::Client::builder()
        .base_url("http://mock.invalid/")
        .transport(mock.transport())
        .interceptor(LogInterceptor::new().log_headers(true))
        .build()
        .expect("client");

    let name = UserApiClient::new(client)
        .name(3, Some("s3cr3t-token"))
        .await;
    assert_eq!(name.expect("matched"), "Ada");
    let logged = output.text();
    assert!(
        logged.contains("ferrofit.endpoint=UserApi::name"),
        "{logged}"
    );
    assert!(logged.contains("http.response.status_code=200"), "{logged}");
    assert!(!logged.contains("s3cr3t-token"), "{logged}");
    assert!(logged.contains("token=[REDACTED]"), "{logged}");
    mock.verify();
}

#[rest_api]
trait Links {
    #[get("/repos")]
    async fn repos(&self) -> ferrofit::Result<ferrofit::Response<Vec<String>>>;

    #[get]
    async fn follow(&self, #[url] next: &str) -> ferrofit::Result<ferrofit::Response<Vec<String>>>;
}

#[tokio::test]
async fn a_typed_reply_carries_headers_and_a_url_argument_is_its_owned_text() {
    let mock = LinksMock::new();
    let next = "https://api.test/repos?page=2";
    mock.repos()
        .reply_header("Link", &format!("<{next}>; rel=\"next\""))
        .returns(vec!["ferrofit".to_owned()]);
    mock.follow()
        .with(move |args| args.next == next)
        .reply_header("X-Page", "2")
        .returns(vec!["serde".to_owned()]);
    let api = LinksClient::new(mock.client());
    let first = api.repos().await.unwrap();
    let link = first.headers()["link"].to_str().unwrap().to_owned();
    assert!(link.contains(next), "{link}");
    let second = api.follow(next).await.unwrap();
    assert_eq!(second.value(), &["serde"]);
    assert_eq!(second.headers()["x-page"], "2");
    mock.verify();
}

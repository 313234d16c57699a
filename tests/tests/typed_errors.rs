//! Typed error bodies: `Result<T, ApiError<E>>` decodes a non-success body as the API's own
//! error type (GitHub's shapes here), keeps the whole error beside it, and leaves everything
//! else `Other`; RFC 9457 problem details decode without a declaration; typed mocks reply
//! with a typed error value.

mod support;

use ferrofit::http::StatusCode;
use ferrofit::{ApiError, Error, NetworkKind, Problem, rest_api};
use httpmock::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// GitHub's `basic-error` and `validation-error`, in one type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
struct GitHubError {
    message: String,
    documentation_url: Option<String>,
    #[serde(default)]
    errors: Vec<FieldProblem>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
struct FieldProblem {
    resource: Option<String>,
    field: Option<String>,
    code: String,
}

#[derive(Debug, Serialize, Deserialize, schemars::JsonSchema)]
struct Issue {
    number: u64,
}

#[derive(Serialize, schemars::JsonSchema)]
struct NewIssue<'a> {
    title: &'a str,
}

type GitHubResult<T> = Result<T, ApiError<GitHubError>>;

#[rest_api]
trait Issues {
    #[get("/repos/<owner>/<repo>/issues/<number>")]
    async fn issue(&self, owner: &str, repo: &str, number: u64) -> GitHubResult<Issue>;

    #[post("/repos/<owner>/<repo>/issues")]
    async fn create(
        &self,
        owner: &str,
        repo: &str,
        #[body] issue: &NewIssue<'_>,
    ) -> Result<Issue, ApiError<GitHubError>>;

    #[delete("/orders/<id>")]
    async fn cancel_order(&self, id: u64) -> Result<(), ApiError<Problem>>;

    #[get("/orders/<id>")]
    async fn order(&self, id: u64) -> ferrofit::Result<()>;
}

fn api(server: &MockServer) -> IssuesClient {
    IssuesClient::new(support::client(&server.base_url()))
}

#[tokio::test]
async fn a_404_decodes_as_the_declared_body_and_keeps_status_and_headers() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/repos/o/r/issues/9");
            then.status(404)
                .header("x-github-request-id", "ABC:1")
                .json_body(json!({"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}));
        })
        .await;
    let error = api(&server).issue("o", "r", 9).await.unwrap_err();
    let ApiError::Api {
        status,
        body,
        error,
    } = &error
    else {
        panic!("expected a typed body, got {error:?}");
    };
    assert_eq!(*status, StatusCode::NOT_FOUND);
    assert_eq!(body.message, "Not Found");
    assert!(body.errors.is_empty());
    let response = error.response().expect("the response is kept");
    assert_eq!(response.headers()["x-github-request-id"], "ABC:1");
}

#[tokio::test]
async fn a_github_422_gives_typed_items_and_field_errors() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/repos/o/r/issues");
            then.status(422).json_body(json!({
                "message": "Validation Failed",
                "errors": [{"resource": "Issue", "field": "title", "code": "missing_field"}],
                "documentation_url": "https://docs.github.com/rest/issues/issues#create-an-issue"
            }));
        })
        .await;
    let error = api(&server)
        .create("o", "r", &NewIssue { title: "" })
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::UNPROCESSABLE_ENTITY));
    let body = error.body().expect("a typed body");
    assert_eq!(body.errors[0].code, "missing_field");
    let Error::Validation { fields, .. } = error.error() else {
        panic!("expected Validation inside, got {error:?}");
    };
    assert_eq!(fields["title"], ["missing_field"]);
}

#[tokio::test]
async fn a_body_of_another_shape_or_no_response_is_other() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/repos/o/r/issues/1");
            then.status(502)
                .header("content-type", "text/html")
                .body("<html>Bad gateway</html>");
        })
        .await;
    let error = api(&server).issue("o", "r", 1).await.unwrap_err();
    assert!(
        matches!(&error, ApiError::Other(Error::Status { .. })),
        "{error:?}"
    );
    assert!(error.is_retryable());
    assert_eq!(error.response().unwrap().text(), "<html>Bad gateway</html>");

    let (_held, port) = support::refusing_port();
    let offline = IssuesClient::new(support::client(&format!("http://127.0.0.1:{port}")));
    let error = offline.issue("o", "r", 1).await.unwrap_err();
    assert!(
        matches!(
            error,
            ApiError::Other(Error::Network {
                kind: NetworkKind::Connect,
                ..
            })
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn problem_details_decode_without_a_declaration_and_as_a_declared_body() {
    let server = MockServer::start_async().await;
    let problem = json!({
        "type": "https://shop.test/probs/already-shipped",
        "title": "The order has shipped",
        "status": 409,
        "detail": "Order 5 left the warehouse at 10:02.",
        "instance": "/orders/5",
        "carrier": "DHL"
    });
    let reply = problem.clone();
    server
        .mock_async(move |when, then| {
            when.path("/orders/5");
            then.status(409)
                .header("content-type", "application/problem+json; charset=utf-8")
                .body(reply.to_string());
        })
        .await;
    let api = api(&server);

    let plain = api.order(5).await.unwrap_err();
    let found = plain.problem().expect("problem+json is decoded");
    assert_eq!(
        found.problem_type,
        "https://shop.test/probs/already-shipped"
    );
    assert_eq!(found.status, Some(409));
    assert_eq!(found.extensions["carrier"], "DHL");

    let declared = api.cancel_order(5).await.unwrap_err();
    assert_eq!(declared.body(), Some(&found));
    assert_eq!(
        declared.body().unwrap().instance.as_deref(),
        Some("/orders/5")
    );
}

#[tokio::test]
async fn a_json_error_is_not_taken_for_a_problem() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/orders/6");
            then.status(409)
                .json_body(json!({"type": "x", "title": "y"}));
        })
        .await;
    assert_eq!(api(&server).order(6).await.unwrap_err().problem(), None);
}

#[tokio::test]
async fn a_typed_mock_replies_with_a_typed_error_value() {
    let mock = IssuesMock::new();
    let rejected = GitHubError {
        message: "Validation Failed".into(),
        documentation_url: None,
        errors: vec![FieldProblem {
            resource: Some("Issue".into()),
            field: Some("title".into()),
            code: "missing_field".into(),
        }],
    };
    mock.create().returns_error(422, rejected.clone());
    let api = IssuesClient::new(mock.client());
    let error = api
        .create("o", "r", &NewIssue { title: "" })
        .await
        .unwrap_err();
    assert_eq!(error.body(), Some(&rejected));
    mock.verify();
}

#[test]
fn the_export_describes_the_declared_error_body_and_only_that() {
    let document = IssuesClient::openapi();
    let json = document.as_json();
    let issue = &json["paths"]["/repos/{owner}/{repo}/issues/{number}"]["get"]["responses"];
    assert_eq!(
        issue["default"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/GitHubError"
    );
    assert_eq!(
        json["components"]["schemas"]["GitHubError"]["properties"]["errors"]["items"]["$ref"],
        "#/components/schemas/FieldProblem"
    );
    let cancel = &json["paths"]["/orders/{id}"]["delete"]["responses"];
    assert_eq!(
        cancel["default"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/Problem"
    );
    let plain = &json["paths"]["/orders/{id}"]["get"]["responses"];
    assert!(plain.get("default").is_none(), "{plain}");
    assert!(
        json.get("x-ferrofit-notes").is_none(),
        "{}",
        json["x-ferrofit-notes"]
    );
}

/// GitHub's error responses as its document gives them: `basic-error` leaves every field
/// optional, `validation-error` requires `message`; 304 has no body; `default` is absent.
const GITHUB_ERRORS: &str = r##"
openapi: 3.0.3
info: { title: GitHub excerpt, version: "1" }
paths:
  /repos/{owner}/{repo}/issues/{issue_number}:
    get:
      parameters:
        - { name: owner, in: path, required: true, schema: { type: string } }
        - { name: repo, in: path, required: true, schema: { type: string } }
        - { name: issue_number, in: path, required: true, schema: { type: integer } }
      responses:
        "200": { description: ok, content: { application/json: { schema: { $ref: "#/components/schemas/issue" } } } }
        "304": { description: not modified }
        "404": { $ref: "#/components/responses/not_found" }
        "410": { $ref: "#/components/responses/not_found" }
components:
  schemas:
    issue: { type: object, required: [number], properties: { number: { type: integer, minimum: 1 } } }
    basic-error:
      type: object
      properties: { message: { type: string }, documentation_url: { type: string }, url: { type: string } }
  responses:
    not_found:
      description: Resource not found
      content: { application/json: { schema: { $ref: "#/components/schemas/basic-error" } } }
"##;

// Only described, never called.
#[allow(dead_code)]
#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct LenientError {
    message: Option<String>,
    documentation_url: Option<String>,
}

#[rest_api]
#[allow(dead_code)]
trait StrictIssues {
    #[get("/repos/<owner>/<repo>/issues/<number>")]
    async fn issue(&self, owner: &str, repo: &str, number: u64) -> GitHubResult<Issue>;
}

#[rest_api]
#[allow(dead_code)]
trait LenientIssues {
    #[get("/repos/<owner>/<repo>/issues/<number>")]
    async fn issue(
        &self,
        owner: &str,
        repo: &str,
        number: u64,
    ) -> Result<Issue, ApiError<LenientError>>;
}

#[test]
fn the_contract_check_holds_the_error_body_to_every_error_response() {
    let spec = ferrofit::contract::Spec::parse(GITHUB_ERRORS).unwrap();
    let strict = ferrofit::contract::check::<StrictIssuesClient>(&spec);
    assert_eq!(
        strict.of("issue"),
        [
            "error 404.message: the trait needs it, but the spec may leave it out (make it an `Option`)",
            "error 410.message: the trait needs it, but the spec may leave it out (make it an `Option`)",
        ],
        "{strict}"
    );
    ferrofit::contract::check::<LenientIssuesClient>(&spec).assert_ok();
}

//! A GitHub client written as a user would, against GitHub's real OpenAPI document (npm
//! `@octokit/openapi`, 13 MB): the contract check finds no mismatch and still finds planted
//! ones; prism, serving the document and validating every request, accepts every call of
//! the client (a static token, comma-joined labels, JSON bodies) and answers typed errors.

// The types mirror GitHub's: their fields are decoded and printed, not all read.
#![allow(dead_code)]

mod support;

use ferrofit::auth::StaticAuth;
use ferrofit::contract;
use ferrofit::http::StatusCode;
use ferrofit::{ApiError, rest_api};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// GitHub's error bodies: `basic-error`, `validation-error` (items that are objects) and
/// `validation-error-simple` (items that are text).
#[derive(Debug, Deserialize, JsonSchema)]
struct GitHubError {
    message: Option<String>,
    documentation_url: Option<String>,
    errors: Option<Vec<ValidationItem>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
enum ValidationItem {
    Field {
        resource: Option<String>,
        field: Option<String>,
        code: String,
    },
    Text(String),
}

type GitHubResult<T> = Result<T, ApiError<GitHubError>>;

#[derive(Debug, Deserialize, JsonSchema)]
struct User {
    login: String,
    id: i64,
}

#[derive(Debug, Deserialize, JsonSchema)]
struct Repo {
    id: i64,
    full_name: String,
    private: bool,
    stargazers_count: i64,
    owner: User,
}

#[derive(Debug, Deserialize, JsonSchema)]
struct Issue {
    id: i64,
    number: i64,
    title: String,
    state: String,
    body: Option<String>,
    user: Option<User>,
}

#[derive(Debug, Deserialize, JsonSchema)]
struct Label {
    id: i64,
    name: String,
    color: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
struct Comment {
    id: i64,
    body: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
struct SearchResult {
    total_count: i64,
    items: Vec<SearchItem>,
}

#[derive(Debug, Deserialize, JsonSchema)]
struct SearchItem {
    number: i64,
    title: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
struct Pull {
    number: i64,
    state: String,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
enum State {
    Open,
    Closed,
    All,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
struct NewIssue {
    title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<String>,
    labels: Vec<String>,
}

/// `all` is a filter, not a state an issue can be set to: the contract check said so.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
enum NewState {
    Open,
    Closed,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
struct IssuePatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    state: Option<NewState>,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
struct NewComment {
    body: String,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
struct Labels {
    labels: Vec<String>,
}

#[rest_api]
#[headers(
    "Accept: application/vnd.github+json",
    "X-GitHub-Api-Version: 2022-11-28"
)]
trait GitHub {
    #[get("/user")]
    async fn me(&self) -> GitHubResult<User>;

    #[get("/repos/<owner>/<repo>")]
    async fn repo(&self, owner: &str, repo: &str) -> GitHubResult<Repo>;

    #[get("/repos/<owner>/<repo>/issues")]
    async fn issues(
        &self,
        owner: &str,
        repo: &str,
        #[query(explode = false)] labels: &[&str],
        #[query] state: Option<State>,
        #[query] per_page: Option<u32>,
    ) -> GitHubResult<Vec<Issue>>;

    #[get("/repos/<owner>/<repo>/issues/<number>")]
    async fn issue(&self, owner: &str, repo: &str, number: u64) -> GitHubResult<Issue>;

    #[post("/repos/<owner>/<repo>/issues")]
    async fn create_issue(
        &self,
        owner: &str,
        repo: &str,
        #[body] issue: &NewIssue,
    ) -> GitHubResult<Issue>;

    #[patch("/repos/<owner>/<repo>/issues/<number>")]
    async fn update_issue(
        &self,
        owner: &str,
        repo: &str,
        number: u64,
        #[body] patch: &IssuePatch,
    ) -> GitHubResult<Issue>;

    #[post("/repos/<owner>/<repo>/issues/<number>/comments")]
    async fn comment(
        &self,
        owner: &str,
        repo: &str,
        number: u64,
        #[body] comment: &NewComment,
    ) -> GitHubResult<Comment>;

    #[post("/repos/<owner>/<repo>/issues/<number>/labels")]
    async fn add_labels(
        &self,
        owner: &str,
        repo: &str,
        number: u64,
        #[body] labels: &Labels,
    ) -> GitHubResult<Vec<Label>>;

    #[get("/search/issues")]
    async fn search_issues(
        &self,
        #[query] q: &str,
        #[query] per_page: Option<u32>,
    ) -> GitHubResult<SearchResult>;

    #[get("/repos/<owner>/<repo>/pulls")]
    async fn pulls(
        &self,
        owner: &str,
        repo: &str,
        #[query] state: Option<State>,
    ) -> GitHubResult<Vec<Pull>>;
}

/// The same client with one planted mistake of each kind.
#[allow(dead_code)]
mod planted {
    use super::*;

    #[derive(Serialize, Deserialize, JsonSchema)]
    #[serde(rename_all = "lowercase")]
    pub(super) enum WrongState {
        Open,
        Opened,
    }

    #[derive(Deserialize, JsonSchema)]
    pub(super) struct NarrowIssue {
        /// GitHub's issue ids outgrow `u32`.
        pub(super) id: u32,
        pub(super) number: i64,
        /// Not every issue has a milestone.
        pub(super) milestone: Milestone,
        /// `state` is text, not a number.
        pub(super) state: i64,
        pub(super) title: String,
        /// Only issues that are pull requests have it.
        pub(super) pull_request: PullRef,
    }

    #[derive(Deserialize, JsonSchema)]
    pub(super) struct PullRef {
        pub(super) url: Option<String>,
    }

    #[derive(Deserialize, JsonSchema)]
    pub(super) struct Milestone {
        pub(super) number: i64,
    }

    #[rest_api]
    #[headers("Accept: application/vnd.github+json")]
    pub(super) trait WrongGitHub {
        #[get("/repos/<owner>/<repo>/issues")]
        async fn issues(
            &self,
            owner: &str,
            repo: &str,
            #[query] state: Option<WrongState>,
        ) -> GitHubResult<Vec<NarrowIssue>>;
    }
}

#[test]
fn the_github_client_agrees_with_githubs_document() {
    let Some((_, spec)) = support::specs::document("api.github.com.json") else {
        return;
    };
    let report = contract::check::<GitHubClient>(&spec).refuse_unchecked();
    println!("{report}");
    assert_eq!(report.checked(), 10, "{report}");
    report.assert_ok();
    // The fixed version header is sent on every call although the document never names it:
    // a note per endpoint, which the user can accept.
    assert_eq!(report.notes().len(), 10, "{report}");
    assert!(
        report
            .accept_header("X-GitHub-Api-Version")
            .notes()
            .is_empty()
    );
}

#[test]
fn planted_mistakes_are_found_in_githubs_document() {
    let Some((_, spec)) = support::specs::document("api.github.com.json") else {
        return;
    };
    let report = contract::check::<planted::WrongGitHubClient>(&spec);
    println!("{report}");
    let found = report.of("issues");
    let has = |text: &str| found.iter().any(|m| m.contains(text));
    assert!(
        has("query parameter `state`: the trait may send \"opened\""),
        "{report}"
    );
    assert!(
        has("reply[].id: the spec may send integers from -9223372036854775808"),
        "{report}"
    );
    assert!(has("reply[].milestone: the spec may send null"), "{report}");
    assert!(
        has("reply[].state: the spec may send string, the trait decodes integer"),
        "{report}"
    );
    assert!(
        has("reply[].pull_request: the trait needs it, but the spec may leave it out"),
        "{report}"
    );
}

/// The paths the client calls.
const PATHS: &[&str] = &[
    "/user",
    "/repos/{owner}/{repo}",
    "/repos/{owner}/{repo}/issues",
    "/repos/{owner}/{repo}/issues/{issue_number}",
    "/repos/{owner}/{repo}/issues/{issue_number}/comments",
    "/repos/{owner}/{repo}/issues/{issue_number}/labels",
    "/search/issues",
    "/repos/{owner}/{repo}/pulls",
];

/// Prism on GitHub's document, trimmed to the client's paths.
fn start_prism(dir: &support::TempDir) -> Option<support::prism::Prism> {
    let (path, _) = support::specs::document("api.github.com.json")?;
    let trimmed = support::specs::trimmed_for_prism(&path, PATHS, dir.path(), None);
    support::prism::Prism::start(&trimmed)
}

/// Prism serves GitHub's document: it answers `application/json` only, so the client
/// overrides the trait's vendor `Accept`.
fn prism_client(prism: &support::prism::Prism, extra: Option<(&str, &str)>) -> GitHubClient {
    let mut builder = ferrofit::Client::builder()
        .base_url(prism.base_url())
        .override_header("Accept", "application/json")
        .interceptor(StaticAuth::bearer("ghp_example_token"));
    if let Some((name, value)) = extra {
        builder = builder.default_header(name, value);
    }
    GitHubClient::new(builder.build().expect("client"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prism_accepts_every_call_and_its_replies_decode() {
    let dir = support::TempDir::new();
    let Some(prism) = start_prism(&dir) else {
        return;
    };
    let api = prism_client(&prism, None);
    let (owner, repo) = ("octocat", "hello-world");
    let me = api.me().await.expect("me");
    println!("me: {me:?}");
    let found = api.repo(owner, repo).await.expect("repo");
    println!("repo: {found:?}");
    let issues = api
        .issues(owner, repo, &["bug", "ui"], Some(State::Open), Some(50))
        .await
        .expect("issues");
    println!("issues: {} of them", issues.len());
    let issue = api.issue(owner, repo, 1347).await.expect("issue");
    println!("issue: {issue:?}");
    let new_issue = NewIssue {
        title: "Found a bug".into(),
        body: Some("I'm having a problem with this.".into()),
        labels: vec!["bug".into()],
    };
    api.create_issue(owner, repo, &new_issue)
        .await
        .expect("create_issue");
    let patch = IssuePatch {
        state: Some(NewState::Closed),
    };
    api.update_issue(owner, repo, 1347, &patch)
        .await
        .expect("update_issue");
    let comment = NewComment {
        body: "Me too".into(),
    };
    api.comment(owner, repo, 1347, &comment)
        .await
        .expect("comment");
    let labels = Labels {
        labels: vec!["bug".into(), "enhancement".into()],
    };
    let added = api
        .add_labels(owner, repo, 1347, &labels)
        .await
        .expect("add_labels");
    println!("add_labels: {added:?}");
    let search = api
        .search_issues("windows label:bug language:python state:open", Some(10))
        .await
        .expect("search_issues");
    println!("search_issues: {} found", search.total_count);
    api.pulls(owner, repo, Some(State::All))
        .await
        .expect("pulls");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prism_refuses_what_githubs_document_does_not_allow_and_errors_are_typed() {
    let dir = support::TempDir::new();
    let Some(prism) = start_prism(&dir) else {
        return;
    };
    // Prism answers the document's 404 example when asked to: GitHub's `basic-error`.
    let not_found = prism_client(&prism, Some(("Prefer", "code=404")));
    let error = not_found
        .issue("octocat", "hello-world", 1)
        .await
        .unwrap_err();
    let ApiError::Api { status, body, .. } = &error else {
        panic!("expected a typed GitHub error, got {error:?}");
    };
    assert_eq!(*status, StatusCode::NOT_FOUND);
    assert!(body.message.is_some(), "{body:?}");

    // Without the override prism cannot serve the vendor type the trait asks for; its
    // refusal is RFC 9457 problem details, which every error decodes without a declaration.
    let client = ferrofit::Client::builder()
        .base_url(prism.base_url())
        .interceptor(StaticAuth::bearer("ghp_example_token"))
        .build()
        .expect("client");
    let error = GitHubClient::new(client).me().await.unwrap_err();
    assert_eq!(
        error.status(),
        Some(StatusCode::NOT_ACCEPTABLE),
        "{error:?}"
    );
    let problem = error
        .error()
        .problem()
        .expect("prism refuses with problem+json");
    assert!(
        problem.problem_type.contains("NOT_ACCEPTABLE"),
        "{problem:?}"
    );

    // Prism validates requests: what the document does not allow is a 422, so the calls
    // above passing means the client sent what the document says.
    let url = format!("{}repos/o/r/issues?per_page=many", prism.base_url());
    let request = ferrofit::Request::new(ferrofit::http::Method::GET, url.parse().expect("url"));
    let raw = ferrofit::Client::builder()
        .base_url(prism.base_url())
        .build()
        .expect("client");
    let reply = raw.send(request).await.expect("prism answers");
    assert_eq!(reply.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

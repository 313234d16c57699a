//! Streaming endpoints of the demo API: `GET /v1/completions?prompt=` answers with an
//! OpenAI-style completion as server-sent events, one token per event and `data: [DONE]` at
//! the end; `GET /v1/repos?page=&per_page=` pages a list of repositories with GitHub-style
//! `Link` headers.

use std::convert::Infallible;
use std::time::Duration;

use axum::Router;
use axum::extract::Query;
use axum::http::HeaderMap;
use axum::response::sse::{Event, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::{Stream, StreamExt};
use serde::Deserialize;
use serde_json::json;

/// The routes, to merge into the demo API (under `/v1`).
pub fn routes() -> Router {
    Router::new()
        .route("/v1/completions", get(completion))
        .route("/v1/repos", get(repos))
}

#[derive(Deserialize)]
struct Prompt {
    prompt: String,
}

/// The tokens of the answer, a few milliseconds apart as a model would produce them.
fn answer(prompt: &str) -> Vec<String> {
    let text =
        format!("You asked: \"{prompt}\". Streams arrive token by token, typed, and end cleanly.");
    text.split_inclusive(' ').map(str::to_owned).collect()
}

async fn completion(
    Query(prompt): Query<Prompt>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let tokens = futures_util::stream::iter(answer(&prompt.prompt)).then(|token| async move {
        tokio::time::sleep(Duration::from_millis(15)).await;
        let chunk = json!({"choices": [{"delta": {"content": token}}]});
        Ok(Event::default().data(chunk.to_string()))
    });
    let done = futures_util::stream::once(async { Ok(Event::default().data("[DONE]")) });
    Sse::new(tokens.chain(done))
}

#[derive(Deserialize)]
struct PageQuery {
    page: Option<usize>,
    per_page: Option<usize>,
}

/// The repositories, `per_page` (default 30, at most 100) a page.
const REPOS: [&str; 12] = [
    "ferrofit", "tokio", "hyper", "reqwest", "serde", "axum", "tower", "rustls", "syn", "quote",
    "tracing", "bytes",
];

async fn repos(Query(query): Query<PageQuery>, headers: HeaderMap) -> Response {
    let per_page = query.per_page.unwrap_or(30).clamp(1, 100);
    let page = query.page.unwrap_or(1).max(1);
    let items: Vec<_> = REPOS
        .iter()
        .enumerate()
        .skip((page - 1) * per_page)
        .take(per_page)
        .map(|(i, name)| json!({"id": i + 1, "name": name}))
        .collect();
    let host = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    let mut response = axum::Json(items).into_response();
    if page * per_page < REPOS.len() {
        let next = format!(
            "<http://{host}/v1/repos?page={}&per_page={per_page}>; rel=\"next\"",
            page + 1
        );
        if let Ok(value) = next.parse() {
            response.headers_mut().insert("link", value);
        }
    }
    response
}

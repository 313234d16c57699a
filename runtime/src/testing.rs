//! An in-memory transport for tests: routes requests to canned replies and records them.
//!
//! Enabled by the `testing` feature. Interceptors run as usual in front of it, so auth, retry
//! and logging can be tested without sockets.
//!
//! ```
//! use ferrofit::testing::{MockReply, MockTransport};
//! use http::Method;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> ferrofit::Result<()> {
//! #[ferrofit::rest_api]
//! trait Users {
//!     #[get("/users/<id>")]
//!     async fn get(&self, id: u32) -> ferrofit::Result<serde_json::Value>;
//! }
//!
//! let mock = MockTransport::new();
//! mock.on(Method::GET, "/users/7").reply(MockReply::json(200, &serde_json::json!({"id": 7})));
//!
//! let client = ferrofit::Client::builder()
//!     .base_url("http://mock.test")
//!     .transport(mock.clone())
//!     .build()?;
//! let user = UsersClient::new(client).get(7).await?;
//! assert_eq!(user["id"], 7);
//! assert_eq!(mock.requests().len(), 1);
//! # Ok(()) }
//! ```

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue};
use http::{HeaderMap, Method, StatusCode};
use serde::Serialize;

use crate::BoxFuture;
use crate::error::{Error, NetworkKind, Result};
use crate::request::Request;
use crate::response::RawResponse;
use crate::transport::Transport;

/// A [`Transport`] that answers from registered routes. Cheap to clone; clones share routes
/// and recorded requests, so keep one to assert on after handing a clone to the client.
#[derive(Clone, Default)]
pub struct MockTransport {
    state: Arc<Mutex<State>>,
}

#[derive(Default)]
struct State {
    routes: Vec<Route>,
    requests: Vec<Request>,
}

struct Route {
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    headers: Vec<(HeaderName, String)>,
    body: Option<Bytes>,
    reply: MockReply,
    times: Option<usize>,
    hits: usize,
}

impl MockTransport {
    /// A transport with no routes.
    pub fn new() -> Self {
        Self::default()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A test that panicked while holding the lock has already failed; keep going.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Starts a route for `method` and `path`. The path is matched against the request URL's
    /// path; a segment written `*`, `<name>` or `{name}` matches any one segment. Routes are
    /// tried in the order registered; the first that matches (and has uses left) answers.
    pub fn on(&self, method: Method, path: impl Into<String>) -> RouteBuilder<'_> {
        RouteBuilder {
            mock: self,
            route: Route {
                method,
                path: path.into(),
                query: Vec::new(),
                headers: Vec::new(),
                body: None,
                reply: MockReply::status(200),
                times: None,
                hits: 0,
            },
        }
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<Request> {
        self.state().requests.clone()
    }

    /// How many requests were received for `method` and `path` (matched like a route's path).
    pub fn hits(&self, method: &Method, path: &str) -> usize {
        self.state()
            .requests
            .iter()
            .filter(|r| r.method() == method && path_matches(path, r.url().path()))
            .count()
    }

    /// Forgets all routes and recorded requests.
    pub fn reset(&self) {
        let mut state = self.state();
        state.routes.clear();
        state.requests.clear();
    }

    fn answer(&self, request: &Request) -> std::result::Result<MockReply, String> {
        let mut state = self.state();
        state.requests.push(request.clone());
        let found = state
            .routes
            .iter_mut()
            .find(|route| route.times.is_none_or(|t| route.hits < t) && route.matches(request));
        match found {
            Some(route) => {
                route.hits += 1;
                Ok(route.reply.clone())
            }
            None => Err(unmatched_message(request, &state.routes)),
        }
    }
}

impl Transport for MockTransport {
    fn send(&self, request: Request) -> BoxFuture<'_, Result<RawResponse>> {
        Box::pin(async move {
            let reply = self
                .answer(&request)
                .map_err(|message| Error::network(NetworkKind::Other, UnmatchedRequest(message)))?;
            if let Some(delay) = reply.delay {
                tokio::time::sleep(delay).await;
            }
            if let Some(make_error) = &reply.error {
                return Err(make_error());
            }
            let (status, url) = (reply.status, request.url().clone());
            let redactor = request.redactor.clone();
            Ok(RawResponse::received(
                status,
                http::Version::HTTP_11,
                reply.headers,
                url,
                reply.body,
                redactor,
            ))
        })
    }
}

impl fmt::Debug for MockTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state();
        f.debug_struct("MockTransport")
            .field(
                "routes",
                &state.routes.iter().map(Route::describe).collect::<Vec<_>>(),
            )
            .field("requests", &state.requests.len())
            .finish()
    }
}

/// Configures one route; registered by [`reply`](Self::reply).
#[must_use = "a route is registered only by `.reply(..)`"]
pub struct RouteBuilder<'m> {
    mock: &'m MockTransport,
    route: Route,
}

impl RouteBuilder<'_> {
    /// Matches only requests whose query has `key=value` (decoded); other parameters may be
    /// present too.
    pub fn query(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.route.query.push((key.into(), value.into()));
        self
    }

    /// Matches only requests that carry header `name` with this value (among its values).
    ///
    /// # Panics
    ///
    /// If `name` is not a valid header name: a bug in the test itself.
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        let name =
            HeaderName::try_from(name).expect("MockTransport: invalid header name in a route");
        self.route.headers.push((name, value.into()));
        self
    }

    /// Matches only requests whose body is exactly these bytes.
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.route.body = Some(body.into());
        self
    }

    /// Matches only requests whose body is this JSON (compared as values, not text).
    ///
    /// # Panics
    ///
    /// If `value` cannot be serialized: a bug in the test itself.
    pub fn json_body(self, value: &impl Serialize) -> Self {
        let bytes = serde_json::to_vec(value).expect("MockTransport: route body must serialize");
        self.body(bytes)
    }

    /// Answers at most `n` requests; later ones fall through to routes registered after it.
    /// Register `MockReply::status(503)` with `times(1)` before a 200 to script a flaky server.
    pub fn times(mut self, n: usize) -> Self {
        self.route.times = Some(n);
        self
    }

    /// Registers the route with its reply.
    pub fn reply(mut self, reply: MockReply) {
        self.route.reply = reply;
        self.mock.state().routes.push(self.route);
    }
}

/// What a route answers: a status with headers and body, possibly after a delay, or an error.
#[derive(Clone)]
pub struct MockReply {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    delay: Option<Duration>,
    error: Option<Arc<dyn Fn() -> Error + Send + Sync>>,
}

impl MockReply {
    /// An empty response with this status.
    ///
    /// # Panics
    ///
    /// If `status` is not between 100 and 999: a bug in the test itself.
    pub fn status(status: u16) -> Self {
        Self {
            status: StatusCode::from_u16(status).expect("MockReply: invalid status code"),
            headers: HeaderMap::new(),
            body: Bytes::new(),
            delay: None,
            error: None,
        }
    }

    /// A JSON response with this status.
    ///
    /// # Panics
    ///
    /// If `value` cannot be serialized: a bug in the test itself.
    pub fn json(status: u16, value: &impl Serialize) -> Self {
        let body = serde_json::to_vec(value).expect("MockReply: JSON body must serialize");
        Self::status(status)
            .header("content-type", "application/json")
            .body(body)
    }

    /// Fails the request with the error `make` returns (called once per request).
    pub fn error(make: impl Fn() -> Error + Send + Sync + 'static) -> Self {
        let mut reply = Self::status(200);
        reply.error = Some(Arc::new(make));
        reply
    }

    /// Fails the request as if the connection had been refused.
    pub fn connection_refused() -> Self {
        Self::error(|| {
            Error::network(
                NetworkKind::Connect,
                std::io::Error::from(std::io::ErrorKind::ConnectionRefused),
            )
        })
    }

    /// Adds a response header.
    ///
    /// # Panics
    ///
    /// If the name or value is invalid: a bug in the test itself.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.append(
            HeaderName::try_from(name).expect("MockReply: invalid header name"),
            HeaderValue::try_from(value).expect("MockReply: invalid header value"),
        );
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }

    /// Waits this long before answering (use `tokio::time::pause()` to make it instant).
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = Some(delay);
        self
    }
}

impl Route {
    fn matches(&self, request: &Request) -> bool {
        self.method == request.method()
            && path_matches(&self.path, request.url().path())
            && self.query.iter().all(|(k, v)| {
                request
                    .url()
                    .query_pairs()
                    .any(|(rk, rv)| rk == k.as_str() && rv == v.as_str())
            })
            && self.headers.iter().all(|(name, value)| {
                request
                    .headers()
                    .get_all(name)
                    .iter()
                    .any(|v| v.as_bytes() == value.as_bytes())
            })
            && self
                .body
                .as_ref()
                .is_none_or(|expected| body_matches(expected, request))
    }

    fn describe(&self) -> String {
        let mut text = format!("{} {}", self.method, self.path);
        for (k, v) in &self.query {
            text.push_str(&format!(" [query {k}={v}]"));
        }
        for (name, _) in &self.headers {
            text.push_str(&format!(" [header {name}]"));
        }
        if self.body.is_some() {
            text.push_str(" [body]");
        }
        if let Some(times) = self.times {
            text.push_str(&format!(" [used {}/{times}]", self.hits));
        }
        text
    }

    /// How alike this route is to a request, for "closest routes" in the unmatched error:
    /// the same path counts most, then the same method, then a shared leading part of the path.
    fn likeness(&self, request: &Request) -> usize {
        let path = request.url().path();
        let whole_path = usize::from(path_matches(&self.path, path));
        let method = usize::from(self.method == request.method());
        let shared_segments = self
            .path
            .split('/')
            .zip(path.split('/'))
            .take_while(|(pattern, actual)| segment_matches(pattern, actual))
            .count();
        whole_path * 1000 + method * 100 + shared_segments
    }
}

fn body_matches(expected: &Bytes, request: &Request) -> bool {
    let actual = request.body().as_bytes().unwrap_or_default();
    if expected.as_ref() == actual {
        return true;
    }
    // JSON compares as values, so key order and spacing do not matter.
    match (
        serde_json::from_slice::<serde_json::Value>(expected),
        serde_json::from_slice::<serde_json::Value>(actual),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

fn segment_matches(pattern: &str, actual: &str) -> bool {
    pattern == "*"
        || (pattern.starts_with('<') && pattern.ends_with('>'))
        || (pattern.starts_with('{') && pattern.ends_with('}'))
        || pattern == actual
}

fn path_matches(pattern: &str, path: &str) -> bool {
    let mut patterns = pattern.split('/');
    let mut actual = path.split('/');
    loop {
        match (patterns.next(), actual.next()) {
            (None, None) => return true,
            (Some(p), Some(a)) if segment_matches(p, a) => {}
            _ => return false,
        }
    }
}

fn unmatched_message(request: &Request, routes: &[Route]) -> String {
    let mut text = format!(
        "MockTransport: no route matches {} {}",
        request.method(),
        request.redactor().url(request.url())
    );
    if routes.is_empty() {
        text.push_str("; no routes are registered");
        return text;
    }
    let mut ranked: Vec<&Route> = routes.iter().collect();
    ranked.sort_by_key(|r| std::cmp::Reverse(r.likeness(request)));
    text.push_str("; closest routes:");
    for route in ranked.iter().take(3) {
        text.push_str("\n  ");
        text.push_str(&route.describe());
    }
    text
}

/// The error inside [`Error::Network`] when no route matches a request.
#[derive(Debug)]
pub struct UnmatchedRequest(String);

impl fmt::Display for UnmatchedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UnmatchedRequest {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_match_by_segment() {
        assert!(path_matches("/users/<id>", "/users/42"));
        assert!(path_matches("/users/*/posts", "/users/1/posts"));
        assert!(!path_matches("/users/<id>", "/users/42/posts"));
        assert!(!path_matches("/users", "/users/"));
    }
}

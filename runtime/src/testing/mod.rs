//! An in-memory transport for tests: routes requests to canned replies and records them.
//!
//! Enabled by the `testing` feature. Interceptors run as usual in front of it, so auth, retry
//! and logging can be tested without sockets. Routes match on method and path strings, as
//! below; the typed mocks `#[rest_api]` generates for each trait (`UserApiMock`, see
//! [`TypedMock`]) sit on the same transport and match on the endpoint itself.
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

mod body_value;
mod call_args;
mod deep_values;
mod expectation;
mod mock_pages;
mod multipart_parts;
mod route;
mod text_values;
mod typed;

pub use body_value::BodyValue;
pub use call_args::{ArgError, DecodeArgs, MockCall, PathPiece};
pub use multipart_parts::RecordedPart;
pub use typed::{EncodeReply, Expect, MockEndpoint, TypedMock};

use expectation::{Expectation, Outcome};
use route::{Route, path_matches, unmatched_message};

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
    /// Typed mocks' expectations, tried before routes for requests of their endpoints.
    expectations: Vec<Expectation>,
    /// Requests nothing answered, described for `TypedMock::verify`.
    unexpected: Vec<String>,
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
    /// path segment by segment, both percent-decoded, so `"/files/a b"` matches a request
    /// for `/files/a%20b`; a segment written `*`, `<name>` or `{name}` matches any one
    /// segment. Routes are tried in the order registered; the first that matches (and has
    /// uses left) answers.
    pub fn on(&self, method: Method, path: impl Into<String>) -> RouteBuilder<'_> {
        RouteBuilder {
            mock: self,
            route: Route::new(method, path.into()),
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

    /// Forgets all routes, expectations and recorded requests.
    pub fn reset(&self) {
        let mut state = self.state();
        state.routes.clear();
        state.requests.clear();
        state.expectations.clear();
        state.unexpected.clear();
    }

    pub(in crate::testing) fn add_expectation(&self, expectation: Expectation) {
        self.state().expectations.push(expectation);
    }

    pub(in crate::testing) fn typed_report(&self, api: &str) -> std::result::Result<(), String> {
        let state = self.state();
        expectation::report(api, &state.expectations, &state.unexpected)
    }

    /// Typed expectations first, then routes; what neither answers is recorded as unexpected.
    fn answer(&self, request: &Request) -> std::result::Result<MockReply, String> {
        let mut state = self.state();
        state.requests.push(request.clone());
        let typed = expectation::answer(&mut state.expectations, request);
        let reason = match typed {
            Outcome::Reply(reply) => return Ok(reply),
            Outcome::Unexpected(reason) => Some(reason),
            Outcome::NotMocked => None,
        };
        let found = state
            .routes
            .iter_mut()
            .find(|route| route.has_uses_left() && route.matches(request));
        if let Some(route) = found {
            route.hits += 1;
            return Ok(route.reply.clone());
        }
        let message = match reason {
            Some(reason) => reason,
            None if request.endpoint().is_some() && state.routes.is_empty() => format!(
                "{}: no expectation or route for this endpoint",
                expectation::describe_call(request)
            ),
            None => unmatched_message(request, &state.routes),
        };
        state.unexpected.push(message.clone());
        Err(message)
    }
}

impl Transport for MockTransport {
    fn send(&self, request: Request) -> BoxFuture<'_, Result<RawResponse>> {
        Box::pin(async move {
            let request = read_body(request).await?;
            let mut reply = self
                .answer(&request)
                .map_err(|message| Error::network(NetworkKind::Other, UnmatchedRequest(message)))?;
            if let Some(make) = reply.from_request.take() {
                let delay = reply.delay;
                reply = make(&request);
                reply.delay = reply.delay.or(delay);
            }
            if let Some(delay) = reply.delay {
                tokio::time::sleep(delay).await;
            }
            if let Some(make_error) = &reply.error {
                return Err(make_error());
            }
            if let Some(progress) = request.progress() {
                let len = reply.body.len() as u64;
                progress.downloaded(len, Some(len));
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
                &state
                    .routes
                    .iter()
                    .map(|route| route.describe(&crate::redact::Redactor::new()))
                    .collect::<Vec<_>>(),
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
    /// Matches only requests whose query has `key=value`, compared decoded: write the value as
    /// text (`"a b"`) or encoded (`"a%20b"`); other parameters may be present too.
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

/// Makes a reply from the request: [`MockReply::from_request`].
type MakeReply = Arc<dyn Fn(&Request) -> MockReply + Send + Sync>;

/// What a route answers: a status with headers and body, possibly after a delay, or an error.
#[derive(Clone)]
pub struct MockReply {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    delay: Option<Duration>,
    error: Option<Arc<dyn Fn() -> Error + Send + Sync>>,
    from_request: Option<MakeReply>,
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
            from_request: None,
        }
    }

    /// A reply made for each request by `make`, from the request as the client sent it: a
    /// reply that depends on the query, a `Link` to the URL after this one.
    ///
    /// # Examples
    ///
    /// ```
    /// use ferrofit::testing::{MockReply, MockTransport};
    ///
    /// let mock = MockTransport::new();
    /// mock.on(ferrofit::http::Method::GET, "/echo").reply(MockReply::from_request(|request| {
    ///     MockReply::status(200).body(request.url().query().unwrap_or("").to_owned())
    /// }));
    /// ```
    pub fn from_request(make: impl Fn(&Request) -> MockReply + Send + Sync + 'static) -> Self {
        let mut reply = Self::status(200);
        reply.from_request = Some(Arc::new(make));
        reply
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

/// The error inside [`Error::Network`] when no route matches a request.
#[derive(Debug)]
pub struct UnmatchedRequest(String);

impl fmt::Display for UnmatchedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UnmatchedRequest {}

/// The request with its body read into memory, so routes can match it and tests can look at
/// it. Upload progress is reported once, for the whole body.
async fn read_body(mut request: Request) -> Result<Request> {
    if request.body().is_empty() {
        return Ok(request);
    }
    let bytes = request.body().to_bytes().await?;
    if let Some(progress) = request.progress() {
        let len = bytes.len() as u64;
        progress.uploaded(len, Some(len));
    }
    request.set_body(bytes);
    Ok(request)
}

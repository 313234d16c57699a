//! Typed mocks: the runtime half of the `…Mock` types `#[rest_api]` generates. An expectation
//! is keyed by endpoint identity (trait and method), matches on the typed arguments decoded
//! from the request the real client built, and replies with a value of the endpoint's own
//! success type.

use std::marker::PhantomData;

use bytes::Bytes;
use std::sync::Arc;
use std::time::Duration;

use http::header::CONTENT_TYPE;
use serde::Serialize;

use super::call_args::{ArgError, DecodeArgs, MockCall};
use super::expectation::{Expectation, Matcher, Times};
use super::{MockReply, MockTransport};
use crate::codec::{ReplyShape, same_type};
use crate::error::Error;
use crate::pages::Paginated;
use crate::{ByteStream, Client, Response};

/// One endpoint of a `#[rest_api]` trait, as a typed mock knows it. `#[rest_api]` implements it
/// for the endpoint's argument struct (`UserApiGetUserArgs`), which is also what argument
/// matchers receive.
pub trait MockEndpoint: Sized + 'static {
    /// The trait's name.
    const API: &'static str;
    /// The method's name.
    const NAME: &'static str;
    /// The endpoint's success type (`T` of its `Result<T, E>`): how [`EncodeReply`] writes
    /// a value into a reply the client decodes back.
    type Reply;
}

/// Writes an endpoint's success value into a mock reply the client decodes back into it: by
/// the type, as the client reads it (text for `String`, the bytes for `Bytes`, nothing for
/// `()`, JSON otherwise; `Bytes` for a `ByteStream`; the value of a `Response<T>`).
#[diagnostic::on_unimplemented(
    message = "a typed mock cannot write `{Self}` into a reply",
    note = "`returns(value)` serializes the endpoint's success type as JSON: derive `serde::Serialize` for it (only tests need it), or reply with `returns_raw(MockReply::…)`"
)]
pub trait EncodeReply {
    /// What `returns` takes.
    type Value;
    /// `value` as a reply with `status`.
    fn encode(status: u16, value: Self::Value) -> MockReply;
}

#[diagnostic::do_not_recommend]
impl<T: Serialize + 'static> EncodeReply for T {
    type Value = T;
    fn encode(status: u16, value: T) -> MockReply {
        match ReplyShape::of::<T>() {
            ReplyShape::Unit => MockReply::status(status),
            ReplyShape::Text => match same_type::<T, String>(value) {
                Some(text) => text_reply(status, text),
                None => shape_mismatch(),
            },
            ReplyShape::Raw => match same_type::<T, Bytes>(value) {
                Some(bytes) => bytes_reply(status, bytes),
                None => shape_mismatch(),
            },
            ReplyShape::Json => MockReply::json(status, &value),
        }
    }
}

impl EncodeReply for ByteStream {
    type Value = Bytes;
    fn encode(status: u16, value: Bytes) -> MockReply {
        bytes_reply(status, value)
    }
}

impl<T: EncodeReply> EncodeReply for Response<T> {
    type Value = T::Value;
    fn encode(status: u16, value: T::Value) -> MockReply {
        T::encode(status, value)
    }
}

fn text_reply(status: u16, text: String) -> MockReply {
    MockReply::status(status)
        .header(CONTENT_TYPE.as_str(), "text/plain; charset=utf-8")
        .body(text)
}

fn bytes_reply(status: u16, bytes: Bytes) -> MockReply {
    MockReply::status(status)
        .header(CONTENT_TYPE.as_str(), "application/octet-stream")
        .body(bytes)
}

/// Unreachable: a shape is chosen by the very type it is checked against.
fn shape_mismatch() -> MockReply {
    MockReply::error(|| Error::invalid_request("internal: a reply shape did not match its type"))
}

/// The shared core of every generated `…Mock`: a [`MockTransport`] with typed expectations,
/// checked when it is dropped.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> ferrofit::Result<()> {
/// #[derive(serde::Serialize, serde::Deserialize)]
/// struct User { id: u64, name: String }
///
/// #[ferrofit::rest_api]
/// trait UserApi {
///     #[get("/users/<id>")]
///     async fn get_user(&self, id: u64) -> ferrofit::Result<User>;
/// }
///
/// let mock = UserApiMock::new();
/// mock.get_user().with(|args| args.id == 42).once().returns(User { id: 42, name: "Ada".into() });
/// let api = UserApiClient::new(mock.client());
/// assert_eq!(api.get_user(42).await?.name, "Ada");
/// mock.verify();
/// # Ok(()) }
/// ```
pub struct TypedMock {
    api: &'static str,
    transport: MockTransport,
}

impl TypedMock {
    /// A mock of trait `api` with no expectations.
    pub fn new(api: &'static str) -> Self {
        Self {
            api,
            transport: MockTransport::new(),
        }
    }

    /// The transport the expectations live in: give it to a client built with your own
    /// interceptors (`Client::builder().transport(mock.transport())`).
    pub fn transport(&self) -> MockTransport {
        self.transport.clone()
    }

    /// A client calling this mock, with base URL `http://mock.invalid/` and no interceptors.
    ///
    /// # Panics
    ///
    /// Never in practice: the configuration is fixed and valid.
    pub fn client(&self) -> Client {
        Client::builder()
            .base_url("http://mock.invalid/")
            .transport(self.transport())
            .build()
            .expect("a mock client's fixed configuration is valid")
    }

    /// Starts an expectation for endpoint `E`. Used by the generated per-method functions.
    pub fn expect<E: MockEndpoint>(&self) -> Expect<'_, E> {
        Expect {
            mock: self,
            matchers: Vec::new(),
            times: Times::Any,
            delay: None,
            headers: Vec::new(),
            endpoint: PhantomData,
        }
    }

    /// Every unmet expectation and unexpected call so far, one per line; `Ok` when there are
    /// none.
    ///
    /// # Errors
    ///
    /// The report, when something was not as expected.
    pub fn check(&self) -> Result<(), String> {
        self.transport.typed_report(self.api)
    }

    /// Panics with a report of every unmet expectation (`times`, `once`) and every call no
    /// expectation accepted (including those `never()` forbids), by endpoint name with the
    /// arguments as sent, secrets redacted.
    ///
    /// # Panics
    ///
    /// When the report is not empty.
    #[track_caller]
    pub fn verify(&self) {
        if let Err(report) = self.check() {
            panic!("{report}");
        }
    }
}

impl Drop for TypedMock {
    fn drop(&mut self) {
        // A test that is already failing should report its own panic, not this one.
        if !std::thread::panicking()
            && let Err(report) = self.check()
        {
            panic!("{report}");
        }
    }
}

impl std::fmt::Debug for TypedMock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TypedMock")
            .field("api", &self.api)
            .field("transport", &self.transport)
            .finish()
    }
}

/// One expectation being configured: matchers, a count, a delay, then the reply that
/// registers it (`returns…`, `fails`, `refuses_connection`), or `never()`.
#[must_use = "an expectation is registered only by a reply (`.returns(..)`, …) or `.never()`"]
pub struct Expect<'m, E> {
    mock: &'m TypedMock,
    matchers: Vec<Matcher>,
    times: Times,
    delay: Option<Duration>,
    headers: Vec<(String, String)>,
    endpoint: PhantomData<fn() -> E>,
}

impl<E: MockEndpoint> Expect<'_, E> {
    /// Answers only calls whose arguments pass `matcher`. The arguments are decoded from the
    /// request the client built (path, query, headers, body), so a matcher also checks that
    /// they were encoded as the trait says. Several matchers must all pass. Matchers run while
    /// the mock holds its lock: a matcher must not call the mock (its transport) itself.
    pub fn with<F>(mut self, matcher: F) -> Self
    where
        F: Fn(&E) -> bool + Send + Sync + 'static,
        E: for<'de> DecodeArgs<'de>,
    {
        self.matchers.push(Arc::new(move |call: &MockCall<'_>| {
            let args = E::decode(call)?;
            Ok::<bool, ArgError>(matcher(&args))
        }));
        self
    }

    /// Answers exactly `n` calls; [`verify`](TypedMock::verify) reports fewer. Later calls
    /// fall through to expectations registered after this one.
    pub fn times(mut self, n: usize) -> Self {
        self.times = Times::Exactly(n);
        self
    }

    /// Answers exactly one call: `times(1)`.
    pub fn once(self) -> Self {
        self.times(1)
    }

    /// Registers that no call (passing the matchers) may happen; such a call fails with a
    /// network error and is reported by [`verify`](TypedMock::verify).
    pub fn never(mut self) {
        self.times = Times::Never;
        self.register(MockReply::status(500));
    }

    /// Adds a header to the reply, whatever it is: a `Link` or `ETag` that a
    /// `Response<T>` endpoint reads, a `Retry-After` next to an error.
    ///
    /// # Examples
    ///
    /// ```
    /// #[ferrofit::rest_api]
    /// trait Repos {
    ///     #[get("/repos")]
    ///     async fn repos(&self) -> ferrofit::Result<ferrofit::Response<Vec<String>>>;
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let mock = ReposMock::new();
    /// mock.repos()
    ///     .reply_header("Link", r#"<https://api.test/repos?page=2>; rel="next""#)
    ///     .returns(vec!["ferrofit".to_owned()]);
    /// let reply = ReposClient::new(mock.client()).repos().await.unwrap();
    /// assert!(reply.headers()["link"].to_str().unwrap().contains("page=2"));
    /// # }
    /// ```
    ///
    /// # Panics
    ///
    /// When the reply is registered, if the name or value is not valid in a header: a bug in
    /// the test itself.
    pub fn reply_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Waits this long before answering (use `tokio::time::pause()` to make it instant).
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = Some(delay);
        self
    }

    /// Replies `200 OK` with `value`, written the way the endpoint decodes it.
    pub fn returns(self, value: <E::Reply as EncodeReply>::Value)
    where
        E::Reply: EncodeReply,
    {
        self.returns_status(200, value);
    }

    /// Replies with `status` and `value`.
    ///
    /// # Panics
    ///
    /// If `status` is not between 100 and 999: a bug in the test itself.
    pub fn returns_status(self, status: u16, value: <E::Reply as EncodeReply>::Value)
    where
        E::Reply: EncodeReply,
    {
        let reply = E::Reply::encode(status, value);
        self.register(reply);
    }

    /// Replies with the pages of a `#[paginate(..)]` endpoint, each request with the page it
    /// asks for, written the way the endpoint's pagination reads it: a `Link` to the next
    /// page, a cursor in the reply, page numbers (1 is the first) or offsets. A counted page
    /// past the last one is empty, which ends the list. `times` counts requests, one a page.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures_util::TryStreamExt;
    ///
    /// #[ferrofit::rest_api]
    /// trait Issues {
    ///     #[get("/issues")]
    ///     #[paginate(cursor = "next", param = "after", items = "data")]
    ///     async fn issues(&self) -> ferrofit::Result<ferrofit::Pages<u32>>;
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let mock = IssuesMock::new();
    /// mock.issues().returns_pages([vec![1, 2], vec![3]]);
    /// let api = IssuesClient::new(mock.client());
    /// let all: Vec<u32> = api.issues().await.unwrap().try_collect().await.unwrap();
    /// assert_eq!(all, [1, 2, 3]);
    /// # }
    /// ```
    ///
    /// # Panics
    ///
    /// If an item does not serialize: a bug in the test itself.
    pub fn returns_pages<I>(self, pages: impl IntoIterator<Item = Vec<I>>)
    where
        E::Reply: Paginated<Item = I>,
        I: Serialize,
    {
        let pages: Vec<serde_json::Value> = pages
            .into_iter()
            .map(|page| serde_json::to_value(page).expect("returns_pages: items must serialize"))
            .collect();
        self.register(MockReply::from_request(move |request| {
            super::mock_pages::page_reply(&pages, request)
        }));
    }

    /// Replies with `status` and a JSON error body (`json!({"message": "no such user"})`).
    ///
    /// # Panics
    ///
    /// If `status` is invalid or `body` does not serialize: bugs in the test itself.
    pub fn returns_error(self, status: u16, body: impl Serialize) {
        self.register(MockReply::json(status, &body));
    }

    /// Replies with a raw [`MockReply`]: any status, headers and body.
    pub fn returns_raw(self, reply: MockReply) {
        self.register(reply);
    }

    /// Fails the call with the error `make` returns, as a transport would (a network error,
    /// a timeout…).
    pub fn fails(self, make: impl Fn() -> Error + Send + Sync + 'static) {
        self.register(MockReply::error(make));
    }

    /// Fails the call as if the connection had been refused.
    pub fn refuses_connection(self) {
        self.register(MockReply::connection_refused());
    }

    fn register(self, mut reply: MockReply) {
        for (name, value) in &self.headers {
            reply = reply.header(name, value);
        }
        if let Some(delay) = self.delay {
            reply = reply.delay(delay);
        }
        self.mock.transport.add_expectation(Expectation::new(
            E::API,
            E::NAME,
            self.matchers,
            self.times,
            reply,
        ));
    }
}

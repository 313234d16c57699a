//! Responses: the raw one interceptors see, and the typed wrapper endpoints can return.

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use http::{HeaderMap, StatusCode, Version};
use url::Url;

use crate::error::{Error, ErrorResponse};
use crate::redact::{self, Redactor};
use crate::stream::ByteStream;

/// Where a response came from: the network, or a cache interceptor's store.
///
/// # Examples
///
/// ```
/// use ferrofit::{RawResponse, ResponseSource};
///
/// let response = RawResponse::new(http::StatusCode::OK, "{}");
/// assert_eq!(response.source(), ResponseSource::Network);
/// assert!(!response.source().is_from_cache());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ResponseSource {
    /// The server answered this request.
    #[default]
    Network,
    /// A stored response, served without asking the server (fresh, or as a policy allowed).
    Cache,
    /// The server confirmed the stored response with `304 Not Modified`; the stored body was
    /// served with the refreshed headers.
    Revalidated,
    /// The network failed (or answered with a server error) and a stale stored response was
    /// served instead.
    StaleFallback,
    /// A stale stored response the server allows to be served while it is revalidated
    /// (`stale-while-revalidate`, RFC 5861): served at once, and refreshed in the background.
    StaleWhileRevalidate,
}

impl ResponseSource {
    /// Whether the body came from the cache's store (everything but `Network`).
    pub fn is_from_cache(self) -> bool {
        self != Self::Network
    }

    /// A short name for logs: `network`, `cache`, `revalidated`, `stale`,
    /// `stale-while-revalidate`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Network => "network",
            Self::Cache => "cache",
            Self::Revalidated => "revalidated",
            Self::StaleFallback => "stale",
            Self::StaleWhileRevalidate => "stale-while-revalidate",
        }
    }
}

/// A response as the transport produced it, with the whole body read (and bounded by
/// [`max_response_size`](crate::ClientBuilder::max_response_size)). Interceptors see it before
/// the status is turned into an error or the body into a typed value.
///
/// When the caller streams the body ([`Request::streams_response`](crate::Request::streams_response)),
/// the body is not read: [`body`](Self::body) is empty and the unread body is held as a
/// stream ([`is_streamed`](Self::is_streamed)). Clones share that one stream.
///
/// # Examples
///
/// ```
/// use ferrofit::RawResponse;
///
/// let response = RawResponse::new(http::StatusCode::OK, r#"{"id":1}"#);
/// assert!(response.status().is_success());
/// assert_eq!(response.body().as_ref(), br#"{"id":1}"#);
/// ```
#[derive(Clone)]
pub struct RawResponse {
    status: StatusCode,
    version: Version,
    headers: HeaderMap,
    url: Option<Url>,
    body: Bytes,
    stream: Option<Arc<Mutex<Option<ByteStream>>>>,
    attempts: u32,
    source: ResponseSource,
    redactor: Arc<Redactor>,
    /// The headers of the request as it left for the network, when a cache asked for them.
    sent_headers: Option<Box<HeaderMap>>,
}

impl RawResponse {
    /// A response with the given status and body, HTTP/1.1, no headers.
    pub fn new(status: StatusCode, body: impl Into<Bytes>) -> Self {
        Self {
            status,
            version: Version::HTTP_11,
            headers: HeaderMap::new(),
            url: None,
            body: body.into(),
            stream: None,
            attempts: 1,
            source: ResponseSource::Network,
            redactor: redact::built_in(),
            sent_headers: None,
        }
    }

    /// A response as a transport received it, printed with the request's secret names.
    pub(crate) fn received(
        status: StatusCode,
        version: Version,
        headers: HeaderMap,
        url: Url,
        body: Bytes,
        redactor: Arc<Redactor>,
    ) -> Self {
        Self {
            status,
            version,
            headers,
            url: Some(url),
            body,
            stream: None,
            attempts: 1,
            source: ResponseSource::Network,
            redactor,
            sent_headers: None,
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// Sets the HTTP status.
    pub fn set_status(&mut self, status: StatusCode) {
        self.status = status;
    }

    /// The HTTP version.
    pub fn version(&self) -> Version {
        self.version
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The response headers, to change.
    pub fn headers_mut(&mut self) -> &mut HeaderMap {
        &mut self.headers
    }

    /// The final URL after redirects; `None` for a response an interceptor made up, which the
    /// client then reports as the request's URL.
    pub fn url(&self) -> Option<&Url> {
        self.url.as_ref()
    }

    /// Sets the final URL.
    pub fn set_url(&mut self, url: Url) {
        self.url = Some(url);
    }

    /// The body.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// Replaces the body (and drops an unread streamed body).
    pub fn set_body(&mut self, body: impl Into<Bytes>) {
        self.body = body.into();
        self.stream = None;
    }

    /// Hands over the body unread, for a caller that streams it (transports do this when
    /// [`Request::streams_response`](crate::Request::streams_response) is set).
    ///
    /// # Examples
    ///
    /// ```
    /// use ferrofit::{ByteStream, Bytes, RawResponse};
    ///
    /// let mut response = RawResponse::new(http::StatusCode::OK, "");
    /// response.set_stream(ByteStream::from_bytes(Bytes::from("chunk")));
    /// assert!(response.is_streamed());
    /// ```
    pub fn set_stream(&mut self, stream: ByteStream) {
        self.body = Bytes::new();
        self.stream = Some(Arc::new(Mutex::new(Some(stream))));
    }

    /// Whether the body is held unread as a stream.
    pub fn is_streamed(&self) -> bool {
        self.stream.is_some()
    }

    /// Takes the unread body stream, if there is one and no clone took it first.
    pub fn take_stream(&mut self) -> Option<ByteStream> {
        let slot = self.stream.take()?;
        slot.lock().unwrap_or_else(PoisonError::into_inner).take()
    }

    /// How many times the request was sent to get this response: 1, or more after retries.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Records how many times the request was sent (retry interceptors call this).
    pub fn set_attempts(&mut self, attempts: u32) {
        self.attempts = attempts;
    }

    /// Where the response came from.
    pub fn source(&self) -> ResponseSource {
        self.source
    }

    /// Records where the response came from (cache interceptors call this).
    pub fn set_source(&mut self, source: ResponseSource) {
        self.source = source;
    }

    /// The headers of the request as it left for the network, if a cache asked for them.
    pub(crate) fn sent_headers(&self) -> Option<&HeaderMap> {
        self.sent_headers.as_deref()
    }

    pub(crate) fn set_sent_headers(&mut self, headers: HeaderMap) {
        self.sent_headers = Some(Box::new(headers));
    }

    /// The response the client hands back: its own URL, or else `request_url`, and the
    /// client's secret names.
    pub(crate) fn into_response(
        mut self,
        request_url: Url,
        redactor: &Arc<Redactor>,
    ) -> Response<Received> {
        let value = match self.take_stream() {
            Some(stream) => Received::Stream(stream),
            None => Received::Bytes(self.body),
        };
        // Transports already print with the request's (the client's) names: keep that `Arc`.
        let redactor = if Arc::ptr_eq(&self.redactor, redactor) {
            self.redactor
        } else {
            redactor.clone()
        };
        Response {
            status: self.status,
            version: self.version,
            headers: self.headers,
            url: self.url.unwrap_or(request_url),
            value,
            attempts: self.attempts,
            source: self.source,
            redactor,
        }
    }
}

/// A response body as the client hands it over: read, or still a stream.
#[doc(hidden)]
pub enum Received {
    /// Read whole.
    Bytes(Bytes),
    /// Still a stream.
    Stream(ByteStream),
}

impl Received {
    /// The body as a stream: as it is, or one chunk when a test double or a cache read it
    /// already.
    pub(crate) fn into_stream(self) -> ByteStream {
        match self {
            Received::Stream(stream) => stream,
            Received::Bytes(bytes) => ByteStream::from_bytes(bytes),
        }
    }
}

impl Response<Received> {
    /// The body read whole, a stream read up to `limit` bytes.
    pub(crate) async fn buffered(self, limit: u64) -> crate::Result<Response<Bytes>> {
        let value = match self.value {
            Received::Bytes(bytes) => bytes,
            Received::Stream(stream) => stream.collect_limited(limit).await?,
        };
        Ok(Response {
            status: self.status,
            version: self.version,
            headers: self.headers,
            url: self.url,
            value,
            attempts: self.attempts,
            source: self.source,
            redactor: self.redactor,
        })
    }
}

impl From<Response<Received>> for RawResponse {
    fn from(response: Response<Received>) -> Self {
        let mut raw = Self {
            status: response.status,
            version: response.version,
            headers: response.headers,
            url: Some(response.url),
            body: Bytes::new(),
            stream: None,
            attempts: response.attempts,
            source: response.source,
            redactor: response.redactor,
            sent_headers: None,
        };
        match response.value {
            Received::Bytes(bytes) => raw.body = bytes,
            Received::Stream(stream) => raw.set_stream(stream),
        }
        raw
    }
}

impl fmt::Debug for RawResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawResponse")
            .field("status", &self.status)
            .field("version", &self.version)
            .field("url", &self.url.as_ref().map(|url| self.redactor.url(url)))
            .field("headers", &self.redactor.headers(&self.headers))
            .field(
                "body",
                &format_args!(
                    "{}",
                    if self.is_streamed() {
                        "streamed".to_owned()
                    } else {
                        format!("{} bytes", self.body.len())
                    }
                ),
            )
            .field("attempts", &self.attempts)
            .field("source", &self.source)
            .finish()
    }
}

/// A decoded value together with the response's status, headers, URL and version. Return
/// `ferrofit::Result<ferrofit::Response<T>>` from an endpoint to get it.
///
/// Derefs to the value.
///
/// # Examples
///
/// ```
/// #[ferrofit::rest_api]
/// trait Health {
///     #[head("/health")]
///     async fn health(&self) -> ferrofit::Result<ferrofit::Response<()>>;
/// }
/// # async fn run(api: HealthClient) -> ferrofit::Result<()> {
/// use Health as _;
/// let response = api.health().await?;
/// println!("{} {:?}", response.status(), response.headers().get("x-version"));
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Response<T> {
    status: StatusCode,
    version: Version,
    headers: HeaderMap,
    url: Url,
    value: T,
    attempts: u32,
    source: ResponseSource,
    redactor: Arc<Redactor>,
}

impl Response<Bytes> {
    /// The error for this (unsuccessful) response, keeping everything, attempts included.
    pub(crate) fn into_error(self) -> Error {
        let mut response = ErrorResponse::new(self.status, self.headers, self.url, self.value)
            .with_redactor(self.redactor);
        response.set_attempts(self.attempts);
        Error::from_response(response)
    }
}

impl<T> Response<T> {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The final URL after redirects.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The HTTP version.
    pub fn version(&self) -> Version {
        self.version
    }

    /// How many times the request was sent to get this response: 1, or more after retries.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Where the response came from: the network or a cache interceptor's store.
    pub fn source(&self) -> ResponseSource {
        self.source
    }

    /// The decoded value.
    pub fn value(&self) -> &T {
        &self.value
    }

    /// The decoded value, dropping the rest.
    pub fn into_inner(self) -> T {
        self.value
    }

    /// The head (status, headers, URL…) and the value apart.
    pub(crate) fn split(self) -> (Response<()>, T) {
        let value = self.value;
        let head = Response {
            status: self.status,
            version: self.version,
            headers: self.headers,
            url: self.url,
            value: (),
            attempts: self.attempts,
            source: self.source,
            redactor: self.redactor,
        };
        (head, value)
    }

    /// Transforms the value, keeping status, headers and URL.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Response<U> {
        Response {
            status: self.status,
            version: self.version,
            headers: self.headers,
            url: self.url,
            value: f(self.value),
            attempts: self.attempts,
            source: self.source,
            redactor: self.redactor,
        }
    }
}

impl<T> Deref for Response<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T> DerefMut for Response<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.value
    }
}

impl<T: fmt::Debug> fmt::Debug for Response<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("url", &self.redactor.url(&self.url))
            .field("headers", &self.redactor.headers(&self.headers))
            .field("value", &self.value)
            .field("attempts", &self.attempts)
            .field("source", &self.source)
            .finish()
    }
}

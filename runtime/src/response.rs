//! Responses: the raw one interceptors see, and the typed wrapper endpoints can return.

use std::fmt;
use std::ops::{Deref, DerefMut};

use bytes::Bytes;
use http::{HeaderMap, StatusCode, Version};
use url::Url;

use crate::error::{Error, ErrorResponse};
use crate::redact;

/// A response as the transport produced it, with the whole body read (and bounded by
/// [`max_response_size`](crate::ClientBuilder::max_response_size)). Interceptors see it before
/// the status is turned into an error or the body into a typed value.
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
    attempts: u32,
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
            attempts: 1,
        }
    }

    pub(crate) fn from_parts(
        status: StatusCode,
        version: Version,
        headers: HeaderMap,
        url: Url,
        body: Bytes,
    ) -> Self {
        Self {
            status,
            version,
            headers,
            url: Some(url),
            body,
            attempts: 1,
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

    /// The final URL after redirects; `None` for responses made up by an interceptor or mock,
    /// which the client then reports as the request's URL.
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

    /// Replaces the body.
    pub fn set_body(&mut self, body: impl Into<Bytes>) {
        self.body = body.into();
    }

    /// How many times the request was sent to get this response: 1, or more after retries.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Records how many times the request was sent (retry interceptors call this).
    pub fn set_attempts(&mut self, attempts: u32) {
        self.attempts = attempts;
    }

    /// The error for this (unsuccessful) response, keeping everything, attempts included.
    pub(crate) fn into_error(self) -> Error {
        let url = self.url.expect("Client::send always sets the response URL");
        let mut response = ErrorResponse::new(self.status, self.headers, url, self.body);
        response.set_attempts(self.attempts);
        Error::from_response(response)
    }

    pub(crate) fn into_parts(self) -> (StatusCode, Version, HeaderMap, Option<Url>, Bytes) {
        (self.status, self.version, self.headers, self.url, self.body)
    }
}

impl fmt::Debug for RawResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawResponse")
            .field("status", &self.status)
            .field("version", &self.version)
            .field("url", &self.url.as_ref().map(redact::url))
            .field("headers", &redact::headers(&self.headers))
            .field("body", &format_args!("{} bytes", self.body.len()))
            .field("attempts", &self.attempts)
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
}

impl<T> Response<T> {
    pub(crate) fn new(
        status: StatusCode,
        version: Version,
        headers: HeaderMap,
        url: Url,
        value: T,
    ) -> Self {
        Self {
            status,
            version,
            headers,
            url,
            value,
        }
    }

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

    /// The decoded value.
    pub fn value(&self) -> &T {
        &self.value
    }

    /// The decoded value, dropping the rest.
    pub fn into_inner(self) -> T {
        self.value
    }

    /// Transforms the value, keeping status, headers and URL.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Response<U> {
        Response {
            status: self.status,
            version: self.version,
            headers: self.headers,
            url: self.url,
            value: f(self.value),
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
            .field("url", &redact::url(&self.url))
            .field("headers", &redact::headers(&self.headers))
            .field("value", &self.value)
            .finish()
    }
}

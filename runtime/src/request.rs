//! The request that travels down the interceptor chain to the transport.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::{Extensions, HeaderMap, Method};
use url::Url;

use crate::body::Body;
use crate::cancel::CancelSet;
use crate::endpoint::Endpoint;
use crate::progress::Progress;
use crate::redact::{self, Redactor};

/// One HTTP request, as interceptors and transports see it.
///
/// Generated clients build it from the endpoint's static metadata and the call's arguments;
/// interceptors may change anything on it before passing it on. It is cheap to clone (the body
/// is reference-counted), which is what lets retry and auth interceptors send it again.
///
/// # Examples
///
/// ```
/// use ferrofit::Request;
///
/// let mut request = Request::new(http::Method::GET, "https://api.test/users?page=2".parse().unwrap());
/// request.headers_mut().insert("accept", "application/json".parse().unwrap());
/// assert_eq!(request.url().path(), "/users");
/// ```
#[derive(Clone)]
pub struct Request {
    method: Method,
    url: Url,
    headers: HeaderMap,
    body: Body,
    endpoint: Option<&'static Endpoint>,
    timeout: Option<Duration>,
    extensions: Extensions,
    pub(crate) cancel: CancelSet,
    pub(crate) deadline: Option<tokio::time::Instant>,
    /// The client's secret names, for `Debug` and for interceptors that print the request.
    pub(crate) redactor: Arc<Redactor>,
    /// Told as the body goes out and the response comes in.
    pub(crate) progress: Option<Progress>,
    /// The caller wants the response body as a stream: the transport must not buffer it.
    pub(crate) stream_response: bool,
    /// A `#[url]` argument sent the request to another origin than the base URL's.
    pub(crate) cross_origin: bool,
}

impl Request {
    /// A request with no headers and no body, not tied to any endpoint.
    pub fn new(method: Method, url: Url) -> Self {
        Self {
            method,
            url,
            headers: HeaderMap::new(),
            body: Body::empty(),
            endpoint: None,
            timeout: None,
            extensions: Extensions::new(),
            cancel: CancelSet::default(),
            deadline: None,
            redactor: redact::built_in(),
            progress: None,
            stream_response: false,
            cross_origin: false,
        }
    }

    pub(crate) fn for_endpoint(
        endpoint: &'static Endpoint,
        url: Url,
        headers: HeaderMap,
        body: Body,
        redactor: Arc<Redactor>,
    ) -> Self {
        Self {
            method: endpoint.method(),
            url,
            headers,
            body,
            endpoint: Some(endpoint),
            timeout: endpoint.timeout(),
            extensions: Extensions::new(),
            cancel: CancelSet::default(),
            deadline: None,
            redactor,
            progress: None,
            stream_response: false,
            cross_origin: false,
        }
    }

    /// The HTTP method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The HTTP method, to change.
    pub fn method_mut(&mut self) -> &mut Method {
        &mut self.method
    }

    /// The full URL, query included.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The full URL, to change.
    pub fn url_mut(&mut self) -> &mut Url {
        &mut self.url
    }

    /// The request headers (client defaults are already applied when interceptors run).
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The request headers, to change.
    pub fn headers_mut(&mut self) -> &mut HeaderMap {
        &mut self.headers
    }

    /// The body.
    pub fn body(&self) -> &Body {
        &self.body
    }

    /// Replaces the body.
    pub fn set_body(&mut self, body: impl Into<Body>) {
        self.body = body.into();
    }

    /// The static metadata of the endpoint that made this request, if a generated client did.
    pub fn endpoint(&self) -> Option<&'static Endpoint> {
        self.endpoint
    }

    /// The total timeout for this call, if it overrides the client's.
    pub fn timeout(&self) -> Option<Duration> {
        self.timeout
    }

    /// Sets a total timeout for this call that overrides the client's.
    pub fn set_timeout(&mut self, timeout: Option<Duration>) {
        self.timeout = timeout;
    }

    /// When the call's total timeout runs out, if it has one. Set by the client before the
    /// interceptors run; a retry that would wait past it gives up instead.
    pub fn deadline(&self) -> Option<tokio::time::Instant> {
        self.deadline
    }

    /// Typed values shared by the caller and interceptors ("extras").
    pub fn extensions(&self) -> &Extensions {
        &self.extensions
    }

    /// Typed values shared by the caller and interceptors, to change.
    pub fn extensions_mut(&mut self) -> &mut Extensions {
        &mut self.extensions
    }

    /// Whether the call has been cancelled. Interceptors that wait (retry backoff, token
    /// refresh) check this and [`cancelled`](Self::cancelled).
    pub fn is_cancelled(&self) -> bool {
        self.cancel.reason().is_some()
    }

    /// Completes, with the reason, when the call is cancelled; never completes otherwise.
    pub async fn cancelled(&self) -> std::borrow::Cow<'static, str> {
        self.cancel.cancelled().await
    }

    /// The names of headers and query parameters whose values are secrets: the client's
    /// policy (see [`ClientBuilder::redactor`](crate::ClientBuilder::redactor)), set when the
    /// request enters the client. Use it to print anything of the request.
    ///
    /// # Examples
    ///
    /// ```
    /// let request = ferrofit::Request::new(http::Method::GET, "https://h.test/?token=t".parse().unwrap());
    /// assert_eq!(request.redactor().url(request.url()).to_string(), "https://h.test/?token=[REDACTED]");
    /// ```
    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// Whether the caller streams the response body ([`ByteStream`](crate::ByteStream)):
    /// transports must then hand it over unread, as
    /// [`RawResponse::set_stream`](crate::RawResponse::set_stream), and interceptors must not
    /// expect [`RawResponse::body`](crate::RawResponse::body) to hold it.
    pub fn streams_response(&self) -> bool {
        self.stream_response
    }

    /// The progress observer of this call, if it has one (a `#[progress]` parameter).
    pub fn progress(&self) -> Option<&Progress> {
        self.progress.as_ref()
    }

    /// Whether a `#[url]` argument sent this request to another origin (scheme, host, port)
    /// than the client's base URL, e.g. a pagination link to a CDN. The
    /// [`AuthInterceptor`](crate::auth::AuthInterceptor) sends no token there.
    pub fn is_cross_origin(&self) -> bool {
        self.cross_origin
    }

    pub(crate) fn into_parts(self) -> (Method, Url, HeaderMap, Body) {
        (self.method, self.url, self.headers, self.body)
    }
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("Request");
        s.field("method", &self.method)
            .field("url", &self.redactor.url(&self.url))
            .field("headers", &self.redactor.headers(&self.headers))
            .field("body", &self.body);
        if let Some(endpoint) = self.endpoint {
            s.field(
                "endpoint",
                &format_args!("{}::{}", endpoint.api(), endpoint.name()),
            );
        }
        s.finish()
    }
}

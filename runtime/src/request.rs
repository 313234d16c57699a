//! The request that travels down the interceptor chain to the transport.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::header::{AUTHORIZATION, HeaderName};
use http::{Extensions, HeaderMap, Method};
use url::Url;

use crate::body::Body;
use crate::cancel::CancelSet;
use crate::endpoint::Endpoint;
use crate::origin::Origin;
use crate::progress::Progress;
use crate::redact::{self, Redactor};

/// One HTTP request, as interceptors and transports see it.
///
/// Generated clients build it from the endpoint's static metadata and the call's arguments;
/// interceptors may change anything on it before passing it on. It is cheap to clone: the
/// method, URL, headers and body sit behind one reference count and are copied only when a
/// clone changes them, which is what lets retry and auth interceptors keep a copy to send
/// again.
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
    /// Shared with the clones interceptors keep, copied on the first change (`make_mut`).
    message: Arc<Message>,
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
    /// The origin of the client's base URL, set when the request enters the client: a
    /// request for another origin gets no credentials.
    pub(crate) base_origin: Option<Arc<Origin>>,
    /// The headers the client itself added as credentials.
    pub(crate) own_credentials: OwnCredentials,
    /// A cache wants to know the headers that left: the end of the chain puts them on the
    /// response.
    pub(crate) record_sent_headers: bool,
}

/// What goes over the wire.
#[derive(Clone)]
pub(crate) struct Message {
    pub(crate) method: Method,
    pub(crate) url: Url,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Body,
}

/// The headers a client puts on a request as its own credentials: its secret default headers
/// and the auth interceptor's bearer token. They belong to the base URL's origin: the last step
/// of the chain takes them off a request that an interceptor sent elsewhere. Other headers the
/// caller set stay, sending them is the caller's choice; one named like a secret default header
/// is taken off with the defaults (which of the two it holds is not tracked: the safe side).
#[derive(Clone, Default)]
pub(crate) struct OwnCredentials {
    /// The client's secret default header names, when the defaults were applied.
    pub(crate) defaults: Option<Arc<[HeaderName]>>,
    /// An auth interceptor set `Authorization`.
    pub(crate) bearer: bool,
    /// Static auth set this API key header.
    pub(crate) header: Option<HeaderName>,
    /// Static auth added this API key query parameter.
    pub(crate) query: Option<Arc<str>>,
}

impl Request {
    /// A request with no headers and no body, not tied to any endpoint.
    pub fn new(method: Method, url: Url) -> Self {
        Self {
            message: Arc::new(Message {
                method,
                url,
                headers: HeaderMap::new(),
                body: Body::empty(),
            }),
            endpoint: None,
            timeout: None,
            extensions: Extensions::new(),
            cancel: CancelSet::default(),
            deadline: None,
            redactor: redact::built_in(),
            progress: None,
            stream_response: false,
            base_origin: None,
            own_credentials: OwnCredentials::default(),
            record_sent_headers: false,
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
            message: Arc::new(Message {
                method: endpoint.method(),
                url,
                headers,
                body,
            }),
            endpoint: Some(endpoint),
            timeout: endpoint.timeout(),
            extensions: Extensions::new(),
            cancel: CancelSet::default(),
            deadline: None,
            redactor,
            progress: None,
            stream_response: false,
            base_origin: None,
            own_credentials: OwnCredentials::default(),
            record_sent_headers: false,
        }
    }

    /// The HTTP method.
    pub fn method(&self) -> &Method {
        &self.message.method
    }

    /// The HTTP method, to change.
    pub fn method_mut(&mut self) -> &mut Method {
        &mut self.message_mut().method
    }

    /// The full URL, query included.
    pub fn url(&self) -> &Url {
        &self.message.url
    }

    /// The full URL, to change.
    pub fn url_mut(&mut self) -> &mut Url {
        &mut self.message_mut().url
    }

    /// The request headers (client defaults are already applied when interceptors run).
    pub fn headers(&self) -> &HeaderMap {
        &self.message.headers
    }

    /// The request headers, to change.
    pub fn headers_mut(&mut self) -> &mut HeaderMap {
        &mut self.message_mut().headers
    }

    /// The body.
    pub fn body(&self) -> &Body {
        &self.message.body
    }

    /// Replaces the body.
    pub fn set_body(&mut self, body: impl Into<Body>) {
        self.message_mut().body = body.into();
    }

    /// The message, copied first if a clone shares it.
    fn message_mut(&mut self) -> &mut Message {
        Arc::make_mut(&mut self.message)
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

    /// Whether this request goes to another origin (scheme, host, port) than the client's base
    /// URL — a `#[url]` link to a CDN, a URL given to [`Client::send`](crate::Client::send), a
    /// URL an interceptor rewrote — decided from the URL it has now. There the client's secret
    /// default headers are not sent and the [`AuthInterceptor`](crate::auth::AuthInterceptor)
    /// sends no token. `false` for a request that has not entered a client.
    ///
    /// # Examples
    ///
    /// ```
    /// let request = ferrofit::Request::new(http::Method::GET, "https://cdn.test/a.png".parse().unwrap());
    /// assert!(!request.is_cross_origin(), "no client, no base URL to compare with");
    /// ```
    pub fn is_cross_origin(&self) -> bool {
        self.base_origin
            .as_ref()
            .is_some_and(|origin| !origin.contains(&self.message.url))
    }

    /// The request as it may leave: without the client's own credentials if it is bound for
    /// another origin than the base URL's (an interceptor rewrote its URL after they were
    /// added).
    pub(crate) fn without_foreign_credentials(mut self) -> Self {
        if !self.is_cross_origin() {
            return self;
        }
        let own = std::mem::take(&mut self.own_credentials);
        let headers = self.headers_mut();
        for name in own.defaults.iter().flat_map(|names| names.iter()) {
            headers.remove(name);
        }
        if own.bearer {
            headers.remove(AUTHORIZATION);
        }
        if let Some(name) = &own.header {
            headers.remove(name);
        }
        if let Some(key) = own.query {
            remove_query_param(self.url_mut(), &key);
        }
        self
    }

    /// The message, shared with any clone that still holds it.
    pub(crate) fn into_message(self) -> Arc<Message> {
        self.message
    }
}

/// Takes every `name=…` pair off `url`'s query, and the `?` with the last one.
fn remove_query_param(url: &mut Url, name: &str) {
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(key, _)| key != name)
        .map(|(key, value)| (key.into_owned(), value.into_owned()))
        .collect();
    if kept.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(kept);
    }
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("Request");
        s.field("method", self.method())
            .field("url", &self.redactor.url(self.url()))
            .field("headers", &self.redactor.headers(self.headers()))
            .field("body", self.body());
        if let Some(endpoint) = self.endpoint {
            s.field(
                "endpoint",
                &format_args!("{}::{}", endpoint.api(), endpoint.name()),
            );
        }
        s.finish()
    }
}

//! The client: shared configuration, the interceptor chain and the transport.

mod builder;
mod connection;

pub use builder::{
    ClientBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_SIZE, DEFAULT_RECEIVE_TIMEOUT,
};

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use http::HeaderMap;
use http::header::HeaderName;
use url::Url;

use crate::cancel::CancelToken;
use crate::error::{Error, Result, TimeoutPhase};
use crate::interceptor::auth::scheme::AuthScheme;
use crate::interceptor::cache::CacheInterceptor;
use crate::interceptor::{Chain, Next};
use crate::origin::Origin;
use crate::redact::{self, Redactor};
use crate::request::Request;
use crate::response::{RawResponse, Received, Response};

/// A configured HTTP client that generated API clients call through.
///
/// Cheap to clone: clones share one connection pool, one interceptor chain and one
/// configuration. Build it once and hand clones to every `…Client::new`.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// let client = ferrofit::Client::builder()
///     .base_url("https://api.example.com/v1/")
///     .connect_timeout(Duration::from_secs(10))
///     .receive_timeout(Duration::from_secs(20))
///     .default_header("Accept-Language", "en")
///     .build()?;
/// # let _ = client;
/// # Ok::<(), ferrofit::Error>(())
/// ```
#[derive(Clone)]
pub struct Client {
    shared: Arc<Shared>,
    cancel: Option<CancelToken>,
}

pub(crate) struct Shared {
    base: BaseUrl,
    /// The base URL's origin: requests elsewhere get no credentials.
    origin: Arc<Origin>,
    /// The names of the default headers the redactor calls secret.
    secret_defaults: Arc<[HeaderName]>,
    default_headers: HeaderMap,
    /// The default headers that replace the endpoint's (`ClientBuilder::override_header`).
    overriding: Arc<[HeaderName]>,
    /// How the client sends credentials: its auth interceptors and secret default headers.
    auth_schemes: Arc<[AuthScheme]>,
    timeout: Option<Duration>,
    /// The interceptors, then the transport.
    chain: Arc<Chain>,
    /// The cache set with `ClientBuilder::cache`, also first among the interceptors.
    cache: Option<CacheInterceptor>,
    /// Which names are secrets, for every request, response and error of this client.
    redactor: Arc<Redactor>,
    /// The most a response body may hold when it is read whole.
    max_response_size: u64,
    /// The longest silence the transport waits out; event streams wait as long for each event.
    receive_timeout: Option<Duration>,
}

impl Client {
    /// Starts configuring a client.
    ///
    /// # Examples
    ///
    /// ```
    /// let client = ferrofit::Client::builder().base_url("http://localhost:3000").build()?;
    /// # let _ = client;
    /// # Ok::<(), ferrofit::Error>(())
    /// ```
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    /// A client sharing this one's pool and configuration whose every call is cancelled when
    /// `token` is. A call's own `#[cancel]` token still applies as well.
    ///
    /// # Examples
    ///
    /// ```
    /// # let client = ferrofit::Client::builder().base_url("http://localhost:3000").build()?;
    /// let screen = ferrofit::CancelToken::new();
    /// let scoped = client.with_cancel(screen.clone());
    /// // … make calls with `scoped`; when the screen closes:
    /// screen.cancel("screen closed");
    /// # let _ = scoped;
    /// # Ok::<(), ferrofit::Error>(())
    /// ```
    pub fn with_cancel(&self, token: CancelToken) -> Self {
        Self {
            shared: self.shared.clone(),
            cancel: Some(token),
        }
    }

    /// The base URL that endpoint paths are appended to, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.shared.base.text
    }

    /// The base URL, parsed, for generated calls to append their path to.
    pub(crate) fn base(&self) -> &BaseUrl {
        &self.shared.base
    }

    /// Sends a request through the interceptor chain and the transport, applying the client's
    /// default headers, total timeout and cancellation. Generated clients call this; use it
    /// directly for requests no trait describes. The status is not checked.
    ///
    /// # Errors
    ///
    /// [`Error::Cancelled`] when a token fires (at once if one already had),
    /// [`Error::Timeout`] when the total timeout passes, and whatever the chain returns.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn run(client: ferrofit::Client) -> ferrofit::Result<()> {
    /// let url = format!("{}/status", client.base_url()).parse().expect("valid URL");
    /// let response = client.send(ferrofit::Request::new(http::Method::GET, url)).await?;
    /// println!("{}", response.status());
    /// # Ok(()) }
    /// ```
    pub async fn send(&self, request: Request) -> Result<RawResponse> {
        self.execute(request).await.map(RawResponse::from)
    }

    /// What [`send`](Self::send) does, returning the response with the URL it always has. A
    /// streamed body stays bound to the call's cancellation and total timeout.
    pub(crate) async fn execute(&self, mut request: Request) -> Result<Response<Received>> {
        request.base_origin = Some(self.shared.origin.clone());
        let cross_origin = request.is_cross_origin();
        self.apply_default_headers(request.headers_mut(), cross_origin);
        if !cross_origin && !self.shared.secret_defaults.is_empty() {
            request.own_credentials.defaults = Some(self.shared.secret_defaults.clone());
        }
        if !Arc::ptr_eq(&request.redactor, &self.shared.redactor) {
            request.redactor = self.shared.redactor.clone();
        }
        request.cancel.set_client(self.cancel.clone());
        if let Some(reason) = request.cancel.reason() {
            return Err(Error::Cancelled { reason });
        }
        let timeout = request.timeout().or(self.shared.timeout);
        // A timeout too large to add to now (`Duration::MAX`) is no deadline at all.
        let deadline = timeout.and_then(|limit| tokio::time::Instant::now().checked_add(limit));
        request.deadline = deadline;
        let cancel = request.cancel.clone();
        let request_url = request.url().clone();
        let sent = AtomicU32::new(0);
        let chain = Next::new(&self.shared.chain, &sent).run(request);
        let bounded = async {
            match deadline {
                Some(deadline) => tokio::time::timeout_at(deadline, chain)
                    .await
                    .unwrap_or_else(|_| {
                        let attempts = sent.load(Ordering::Relaxed);
                        Err(Error::timeout(TimeoutPhase::Total).with_attempts(attempts))
                    }),
                None => chain.await,
            }
        };
        // `biased`: once a token has fired, the call reports cancellation even if the
        // response happened to be ready in the same poll.
        let response = tokio::select! {
            biased;
            reason = cancel.cancelled() => return Err(Error::Cancelled { reason }),
            result = bounded => result?,
        };
        // A response an interceptor made up has no URL of its own: it answers the request's.
        let response = response.into_response(request_url, &self.shared.redactor);
        Ok(response.map(|body| match body {
            Received::Stream(stream) => Received::Stream(stream.guarded(cancel, deadline)),
            read => read,
        }))
    }

    /// How many default headers the client adds to each request, at most.
    pub(crate) fn default_header_count(&self) -> usize {
        self.shared.default_headers.len()
    }

    /// The most a response body may hold when it is read whole.
    pub(crate) fn max_response_size(&self) -> u64 {
        self.shared.max_response_size
    }

    /// The longest the transport waits for response data; `None` when it waits forever.
    pub(crate) fn receive_timeout(&self) -> Option<Duration> {
        self.shared.receive_timeout
    }

    /// The token [`with_cancel`](Self::with_cancel) gave this handle.
    pub(crate) fn cancel_token(&self) -> Option<CancelToken> {
        self.cancel.clone()
    }

    /// Removes every entry of the cache set with
    /// [`ClientBuilder::cache`](crate::ClientBuilder::cache); does nothing without one.
    ///
    /// # Errors
    ///
    /// [`Error::Network`] with kind `Other` when the cache's store fails.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn sign_out(client: ferrofit::Client) -> ferrofit::Result<()> {
    /// client.clear_cache().await?;
    /// # Ok(()) }
    /// ```
    pub async fn clear_cache(&self) -> Result<()> {
        match &self.shared.cache {
            Some(cache) => cache.clear().await,
            None => Ok(()),
        }
    }

    /// How this client sends credentials, for the OpenAPI export.
    #[cfg_attr(not(feature = "openapi"), allow(dead_code))]
    pub(crate) fn auth_schemes(&self) -> &[AuthScheme] {
        &self.shared.auth_schemes
    }

    /// The names this client treats as secrets.
    pub(crate) fn redactor(&self) -> &Arc<Redactor> {
        &self.shared.redactor
    }

    /// Default headers fill in only what the request does not already have: the endpoint's
    /// own headers and parameters are more specific and win, unless the user asked for the
    /// default to override them. A request for another origin than the base URL's gets none
    /// of the secret ones (API keys, cookies).
    fn apply_default_headers(&self, headers: &mut HeaderMap, cross_origin: bool) {
        for name in self.shared.default_headers.keys() {
            if cross_origin && self.shared.redactor.is_secret_header(name.as_str()) {
                continue;
            }
            if self.shared.overriding.contains(name) {
                headers.remove(name);
            }
            if !headers.contains_key(name) {
                for value in self.shared.default_headers.get_all(name) {
                    headers.append(name.clone(), value.clone());
                }
            }
        }
    }
}

/// The base URL twice: as text, which a generated call extends with its path and query, and
/// parsed, which the call clones and gives that path and query, so that the scheme and host
/// are parsed once per client, not once per call.
pub(crate) struct BaseUrl {
    /// Without a trailing slash; endpoint paths are appended to it.
    pub(crate) text: String,
    /// `text`, parsed (its path is `/` when `text` has none).
    pub(crate) parsed: Url,
    /// Where the path starts in `text` (its length when it has no path).
    pub(crate) path_start: usize,
}

impl BaseUrl {
    /// `parsed` must have no query or fragment.
    pub(crate) fn new(parsed: Url) -> Self {
        let text = parsed.as_str().trim_end_matches('/').to_owned();
        let path_start = text.len() - parsed.path().trim_end_matches('/').len();
        Self {
            text,
            parsed,
            path_start,
        }
    }
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &redact::url_text(&self.shared.base.text))
            .field(
                "default_headers",
                &self.shared.redactor.headers(&self.shared.default_headers),
            )
            .field("timeout", &self.shared.timeout)
            .field("interceptors", &self.shared.chain.interceptors.len())
            .field("cancel", &self.cancel)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_and_builder_are_send_sync_and_client_clones() {
        fn assert_impls<T: Send + Sync + 'static>() {}
        fn assert_clone<T: Clone>() {}
        assert_impls::<Client>();
        assert_impls::<ClientBuilder>();
        assert_impls::<Request>();
        assert_impls::<RawResponse>();
        assert_impls::<crate::Body>();
        assert_impls::<crate::Multipart>();
        assert_impls::<crate::Part>();
        assert_impls::<crate::Progress>();
        assert_clone::<Client>();
        assert_clone::<Request>();
        assert_clone::<crate::Body>();
        assert_clone::<crate::Part>();
        assert_clone::<crate::Progress>();
        // A stream is polled by one task at a time: `Send`, not `Sync`.
        fn assert_send<T: Send + 'static>() {}
        assert_send::<crate::ByteStream>();
        assert_send::<Response<crate::ByteStream>>();
    }

    #[test]
    fn a_base_url_knows_where_its_path_starts() {
        for (given, text, path) in [
            ("http://u:p@h:1/a/b", "http://u:p@h:1/a/b", "/a/b"),
            ("http://h/v1/", "http://h/v1", "/v1"),
            ("https://h", "https://h", ""),
            ("https://h/", "https://h", ""),
        ] {
            let base = BaseUrl::new(given.parse().unwrap());
            assert_eq!(base.text, text);
            assert_eq!(&base.text[base.path_start..], path, "{given}");
        }
    }
}

//! `ClientBuilder`: settings collected with `mut self` setters, checked once in `build()`.

use std::sync::Arc;
use std::time::Duration;

use http::HeaderMap;
use http::header::{HeaderName, HeaderValue, USER_AGENT};
use url::Url;

use super::connection::ConnectionSettings;
use super::{BaseUrl, Client, Shared};
use crate::error::{Error, Result};
use crate::interceptor::auth::{self, AuthInterceptor, ClientAuth, StaticAuth};
use crate::interceptor::cache::CacheInterceptor;
use crate::interceptor::log::LogInterceptor;
use crate::interceptor::{Chain, Interceptor};
use crate::origin::Origin;
use crate::redact::{self, Redactor};
#[cfg(feature = "hyper-transport")]
use crate::transport::HyperTransport;
use crate::transport::{ReqwestTransport, Transport, TransportSettings, WatchConnects, redirect};

mod headers;
#[cfg(feature = "hyper-transport")]
mod hyper;
mod proxy;
mod trust;

/// Default limit on response bodies: 16 MiB.
pub const DEFAULT_MAX_RESPONSE_SIZE: u64 = 16 * 1024 * 1024;

/// Socket timeouts at least this long mean "no limit": the layers below add them to the
/// current instant and would overflow on `Duration::MAX`.
const UNLIMITED: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// Default [`ClientBuilder::connect_timeout`]: 10 seconds.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Default [`ClientBuilder::receive_timeout`]: 30 seconds of silence from the server.
pub const DEFAULT_RECEIVE_TIMEOUT: Duration = Duration::from_secs(30);

/// A timeout the caller set (to a duration or to none), or the default.
#[derive(Clone, Copy, Debug, Default)]
enum TimeoutSetting {
    #[default]
    Default,
    Set(Option<Duration>),
}

impl TimeoutSetting {
    /// The timeout in effect, `default` unless set; durations too long for the layers below
    /// mean none.
    fn effective(self, default: Duration) -> Option<Duration> {
        match self {
            Self::Default => Some(default),
            Self::Set(timeout) => timeout,
        }
        .filter(|timeout| *timeout < UNLIMITED)
    }

    fn is_set(self) -> bool {
        matches!(self, Self::Set(_))
    }
}

const DEFAULT_USER_AGENT: &str = concat!("ferrofit/", env!("CARGO_PKG_VERSION"));

/// Configures a [`Client`]. Setters never fail; problems are reported by [`build`](Self::build).
///
/// # Base URL joining
///
/// Endpoint paths are relative to the base URL's path: with a base of `https://h/api/` (or
/// `https://h/api` — a trailing slash makes no difference), `#[get("/users")]` and
/// `#[get("users")]` both request `https://h/api/users`.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// let client = ferrofit::Client::builder()
///     .base_url("https://api.example.com/v1")
///     .timeout(Duration::from_secs(30))
///     .user_agent("my-app/1.0")
///     .max_response_size(1024 * 1024)
///     .build()?;
/// # let _ = client;
/// # Ok::<(), ferrofit::Error>(())
/// ```
#[must_use = "a builder does nothing until `build()` is called"]
pub struct ClientBuilder {
    base_url: Option<String>,
    connect_timeout: TimeoutSetting,
    receive_timeout: TimeoutSetting,
    timeout: Option<Duration>,
    default_headers: HeaderMap,
    /// Default headers that replace the endpoint's own.
    overriding: Vec<HeaderName>,
    user_agent: Option<String>,
    http_client: Option<reqwest::Client>,
    /// Connection settings, applied to the reqwest client ferrofit builds.
    connection: ConnectionSettings,
    max_response_size: u64,
    max_download_size: Option<u64>,
    transport: Option<Arc<dyn Transport>>,
    /// `hyper_transport()` was called.
    #[cfg(feature = "hyper-transport")]
    hyper: bool,
    interceptors: Vec<Arc<dyn Interceptor>>,
    /// How many of the first interceptors are `LogInterceptor`s: the cache goes after them.
    leading_logs: usize,
    cache: Option<CacheInterceptor>,
    /// Caches added with `interceptor`, by position: they are partitioned like `cache`.
    chained_caches: Vec<(usize, CacheInterceptor)>,
    /// The auth interceptors added: caches partition by their tokens and credentials, and the
    /// header or query names of static credentials are secret.
    auth: ClientAuth,
    redactor: Redactor,
    error: Option<Error>,
}

impl ClientBuilder {
    pub(crate) fn new() -> Self {
        Self {
            base_url: None,
            connect_timeout: TimeoutSetting::Default,
            receive_timeout: TimeoutSetting::Default,
            #[cfg(feature = "hyper-transport")]
            hyper: false,
            timeout: None,
            default_headers: HeaderMap::new(),
            overriding: Vec::new(),
            user_agent: None,
            http_client: None,
            connection: ConnectionSettings::default(),
            max_response_size: DEFAULT_MAX_RESPONSE_SIZE,
            max_download_size: None,
            transport: None,
            interceptors: Vec::new(),
            leading_logs: 0,
            cache: None,
            chained_caches: Vec::new(),
            auth: ClientAuth::default(),
            redactor: Redactor::new(),
            error: None,
        }
    }

    /// The URL every endpoint path is relative to (required). Must be `http` or `https`, with a
    /// host and without a query or fragment.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// How long establishing a connection (TCP and TLS) may take; `None` for no limit.
    /// Default: [`DEFAULT_CONNECT_TIMEOUT`] (10 s). Fails with `Timeout { phase: Connect }`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let client = ferrofit::Client::builder()
    ///     .base_url("https://api.example.com")
    ///     .connect_timeout(Duration::from_secs(3))
    ///     .receive_timeout(None) // a server that may think for minutes
    ///     .build()?;
    /// # let _ = client;
    /// # Ok::<(), ferrofit::Error>(())
    /// ```
    pub fn connect_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.connect_timeout = TimeoutSetting::Set(timeout.into());
        self
    }

    /// How long the server may stay silent: waiting for the response to start once the
    /// request is sent, and between chunks of the body. Fails with
    /// `Timeout { phase: Receive }`. It never runs while connecting (that is
    /// [`connect_timeout`](Self::connect_timeout)) or while the request body is still being
    /// uploaded, however long that takes. A slow body that keeps arriving is not cut; use
    /// [`timeout`](Self::timeout) for that. `None` for no limit. Default:
    /// [`DEFAULT_RECEIVE_TIMEOUT`] (30 s).
    pub fn receive_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.receive_timeout = TimeoutSetting::Set(timeout.into());
        self
    }

    /// How long a whole call may take, interceptors and retries included. An endpoint's
    /// `#[timeout(..)]` overrides it. Fails with `Timeout { phase: Total }`. Default: none
    /// (a large download may take as long as it keeps arriving; the connect and receive
    /// timeouts end calls to a server that went silent).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The `User-Agent` header (default `ferrofit/<version>`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// How long an idle pooled connection is kept (reqwest's default: 90 s); `None` keeps
    /// them until the server closes them. Connections are reused across calls and clones of
    /// the client.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let client = ferrofit::Client::builder()
    ///     .base_url("https://api.example.com")
    ///     .pool_idle_timeout(Some(Duration::from_secs(30)))
    ///     .pool_max_idle_per_host(4)
    ///     .tcp_keepalive(Duration::from_secs(60))
    ///     .build()?;
    /// # let _ = client;
    /// # Ok::<(), ferrofit::Error>(())
    /// ```
    pub fn pool_idle_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.connection.pool_idle_timeout = Some(timeout);
        self
    }

    /// How many idle connections per host the pool keeps (default: no limit).
    pub fn pool_max_idle_per_host(mut self, max: usize) -> Self {
        self.connection.pool_max_idle_per_host = Some(max);
        self
    }

    /// Sends TCP keepalive probes on idle connections at this interval (default: off), so
    /// that NATs and load balancers do not silently drop pooled connections.
    pub fn tcp_keepalive(mut self, interval: Duration) -> Self {
        self.connection.tcp_keepalive = Some(interval);
        self
    }

    /// Speaks HTTP/2 from the first byte, without TLS (h2c, "prior knowledge"): for servers
    /// known to accept it, such as internal gRPC-style gateways. Over TLS, HTTP/2 is
    /// negotiated by ALPN without this.
    pub fn http2_prior_knowledge(mut self) -> Self {
        self.connection.http2_prior_knowledge = true;
        self
    }

    /// How many redirects a call follows (default 10; 0 follows none and returns the 3xx).
    /// More fail with [`Error::Network`](crate::Error::Network) of kind `Redirect`. Once a
    /// redirect leaves the origin (scheme, host, port) of the first request, every header the
    /// client's [`redactor`](Self::redactor) calls secret — `Authorization`, `Cookie`,
    /// `Proxy-Authorization`, API keys, session headers, your own — is dropped for the rest of
    /// the chain, and no `Referer` is ever sent. 303 (and 301/302 after a `POST`) continue
    /// with a `GET` without a body; 307 and 308 re-send the body unless it is a one-shot
    /// stream, whose 3xx is then the answer.
    pub fn max_redirects(mut self, max: usize) -> Self {
        self.connection.max_redirects = Some(max);
        self
    }

    /// Uses a `reqwest::Client` you configured (proxies, TLS, HTTP/2 settings, …) instead of
    /// building one. Its connection pool is shared by every clone of the ferrofit client.
    ///
    /// Build it with `.redirect(reqwest::redirect::Policy::none())`: ferrofit then follows
    /// redirects under its own rule (see [`max_redirects`](Self::max_redirects)). A client
    /// that follows redirects itself applies reqwest's rule instead, which forwards custom
    /// secret headers such as `X-Api-Key` to another origin and sends a `Referer`.
    ///
    /// Set connect and receive timeouts on it directly: combining it with
    /// [`connect_timeout`](Self::connect_timeout) or [`receive_timeout`](Self::receive_timeout)
    /// is an error at `build()`, and ferrofit's defaults (10 s, 30 s) do not apply to it.
    /// Its own decoders decompress responses, so ferrofit cannot see the compressed size:
    /// streamed bodies get no decompression-ratio bound; give them a
    /// [`max_download_size`](Self::max_download_size).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Responses with a larger body fail with
    /// [`Error::ResponseTooLarge`](crate::Error::ResponseTooLarge) instead of growing memory
    /// (default 16 MiB). Bytes are counted after decompression, so a small compressed body
    /// that inflates past the limit fails too. Bodies returned as a
    /// [`ByteStream`](crate::ByteStream) have a limit of their own,
    /// [`max_download_size`](Self::max_download_size).
    pub fn max_response_size(mut self, bytes: u64) -> Self {
        self.max_response_size = bytes;
        self
    }

    /// The most a streamed body ([`ByteStream`](crate::ByteStream), `download_to`) may bring,
    /// counted after decompression; past it the stream fails with
    /// [`Error::ResponseTooLarge`](crate::Error::ResponseTooLarge). Default: none — a
    /// download may be as large as the server sends, except that a compressed body may not
    /// decode to more than 100 times its compressed size (after a first MiB), which stops
    /// decompression bombs. Setting a limit here, or per call with
    /// [`ByteStream::limit`](crate::ByteStream::limit), replaces that ratio bound.
    ///
    /// # Examples
    ///
    /// ```
    /// let client = ferrofit::Client::builder()
    ///     .base_url("https://downloads.example.com")
    ///     .max_download_size(4 * 1024 * 1024 * 1024) // 4 GiB
    ///     .build()?;
    /// # let _ = client;
    /// # Ok::<(), ferrofit::Error>(())
    /// ```
    pub fn max_download_size(mut self, bytes: u64) -> Self {
        self.max_download_size = Some(bytes);
        self
    }

    /// Replaces the network transport, e.g. with
    /// [`testing::MockTransport`](crate::testing) in tests. Connect and receive timeouts, the
    /// `http_client` and `max_response_size` are then the transport's business.
    pub fn transport(mut self, transport: impl Transport) -> Self {
        self.transport = Some(Arc::new(transport));
        self
    }

    /// Adds an interceptor. The first added is the outermost: it sees each request first and
    /// each response last.
    pub fn interceptor(mut self, interceptor: impl Interceptor) -> Self {
        let any = &interceptor as &dyn std::any::Any;
        if any.is::<LogInterceptor>() && self.leading_logs == self.interceptors.len() {
            self.leading_logs += 1;
        }
        if let Some(auth) = any.downcast_ref::<AuthInterceptor>() {
            self.auth.tokens = Some(auth.token_store());
        }
        if let Some(auth) = any.downcast_ref::<StaticAuth>() {
            self.auth.statics.push(auth.clone());
        }
        if let Some(cache) = any.downcast_ref::<CacheInterceptor>() {
            self.chained_caches
                .push((self.interceptors.len(), cache.clone()));
        }
        self.interceptors.push(Arc::new(interceptor));
        self
    }

    /// Puts `cache` first in the interceptor chain, after only the
    /// [`LogInterceptor`](crate::log::LogInterceptor)s added before any other interceptor (so
    /// that they log hits), whenever this is called: a hit is then served without waking auth,
    /// retry, any other interceptor or the network, and
    /// [`Client::clear_cache`](crate::Client::clear_cache) reaches it. See
    /// [`cache`](crate::cache) for partitioning by the auth interceptor's tokens.
    ///
    /// # Examples
    ///
    /// ```
    /// use ferrofit::cache::{CacheInterceptor, MemoryStore};
    ///
    /// let client = ferrofit::Client::builder()
    ///     .base_url("https://api.example.com")
    ///     .cache(CacheInterceptor::new(MemoryStore::default()))
    ///     .build()?;
    /// # let _ = client;
    /// # Ok::<(), ferrofit::Error>(())
    /// ```
    pub fn cache(mut self, cache: CacheInterceptor) -> Self {
        self.cache = Some(cache);
        self
    }

    /// Which header, query and body field names are secrets, beyond the built-in ones. Every
    /// `Debug` and `Display` of this client's requests, responses and errors, and the
    /// [`LogInterceptor`](crate::log::LogInterceptor), hide their values.
    ///
    /// # Examples
    ///
    /// ```
    /// use ferrofit::redact::Redactor;
    ///
    /// let client = ferrofit::Client::builder()
    ///     .base_url("https://api.example.com")
    ///     .redactor(Redactor::new().header("X-Tenant-Pin").query_param("otp"))
    ///     .build()?;
    /// # let _ = client;
    /// # Ok::<(), ferrofit::Error>(())
    /// ```
    pub fn redactor(mut self, redactor: Redactor) -> Self {
        self.redactor = redactor;
        self
    }

    fn fail(&mut self, message: String) {
        if self.error.is_none() {
            self.error = Some(Error::config(message));
        }
    }

    /// Checks the settings and builds the client.
    ///
    /// # Errors
    ///
    /// [`Error::Config`](crate::Error::Config) when the base URL is missing, unparsable, not
    /// http(s), or has a query or fragment; when a default header was invalid; when an
    /// `http_client` is combined with connect or receive timeouts; or when reqwest cannot
    /// build its client (TLS backend).
    pub fn build(mut self) -> Result<Client> {
        if let Some(error) = self.error.take() {
            return Err(error);
        }
        let (base, origin) = self.checked_base_url()?;
        let receive_timeout = self.effective_receive_timeout();
        let user_agent = self.user_agent.as_deref().unwrap_or(DEFAULT_USER_AGENT);
        let user_agent = HeaderValue::try_from(user_agent)
            .map_err(|_| Error::config("the user agent is not a valid header value"))?;
        self.default_headers.entry(USER_AGENT).or_insert(user_agent);
        let transport = match self.transport.take() {
            Some(transport) => transport,
            None => {
                // Read before `reqwest_client` takes a caller's `http_client` away.
                let receive_timeout = self.effective_receive_timeout();
                let decodes = self.http_client.is_none();
                let settings = TransportSettings {
                    max_response_size: self.max_response_size,
                    receive_timeout,
                    max_redirects: self
                        .connection
                        .max_redirects
                        .unwrap_or(redirect::DEFAULT_MAX_REDIRECTS),
                    decodes,
                    max_download_size: self.max_download_size,
                };
                #[cfg(feature = "hyper-transport")]
                if self.chooses_hyper()? {
                    let hyper = self.hyper_settings()?;
                    Arc::new(HyperTransport::new(hyper, settings)) as Arc<dyn Transport>
                } else {
                    Arc::new(ReqwestTransport::new(self.reqwest_client()?, settings))
                }
                #[cfg(not(feature = "hyper-transport"))]
                Arc::new(ReqwestTransport::new(self.reqwest_client()?, settings))
            }
        };
        let mut interceptors = self.interceptors;
        // The cache runs before auth adds `Authorization`: without the token store it would
        // put every signed-in user in one partition.
        if !self.auth.is_empty() {
            let auth = &self.auth;
            self.cache = self.cache.map(|cache| cache.with_default_auth(auth));
            for (at, cache) in self.chained_caches {
                interceptors[at] = Arc::new(cache.with_default_auth(auth));
            }
        }
        // A static credential's header or query name is secret whatever it is called.
        for auth in &self.auth.statics {
            self.redactor = auth.secret_names(std::mem::take(&mut self.redactor));
        }
        if let Some(cache) = &self.cache {
            interceptors.insert(self.leading_logs, Arc::new(cache.clone()));
        }
        let mut auth_schemes = self.auth.schemes();
        for scheme in auth::scheme::of_default_headers(&self.default_headers, &self.redactor) {
            if !auth_schemes.contains(&scheme) {
                auth_schemes.push(scheme);
            }
        }
        Ok(Client {
            shared: Arc::new(Shared {
                base,
                origin: Arc::new(origin),
                secret_defaults: self
                    .default_headers
                    .keys()
                    .filter(|name| self.redactor.is_secret_header(name.as_str()))
                    .cloned()
                    .collect(),
                default_headers: self.default_headers,
                overriding: self.overriding.into(),
                auth_schemes: auth_schemes.into(),
                timeout: self.timeout,
                chain: Arc::new(Chain {
                    interceptors,
                    transport,
                }),
                cache: self.cache,
                redactor: Arc::new(self.redactor),
                max_response_size: self.max_response_size,
                receive_timeout,
            }),
            cancel: None,
        })
    }

    fn checked_base_url(&self) -> Result<(BaseUrl, Origin)> {
        let raw = self
            .base_url
            .as_deref()
            .ok_or_else(|| Error::config("no base URL: call `.base_url(\"https://…\")`"))?;
        // Error messages show the URL without its user name and password.
        let shown = redact::url_text(raw);
        let url = Url::parse(raw)
            .map_err(|e| Error::config(format!("base URL `{shown}` is not a valid URL: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Error::config(format!(
                "base URL `{shown}` must use http or https, not `{}`",
                url.scheme()
            )));
        }
        let origin = Origin::of(&url)
            .filter(|_| url.host_str().is_some_and(|host| !host.is_empty()))
            .ok_or_else(|| Error::config(format!("base URL `{shown}` has no host")))?;
        if url.query().is_some() || url.fragment().is_some() {
            return Err(Error::config(format!(
                "base URL `{}` must not have a query or fragment; put query parameters on the endpoints",
                redact::url(&url)
            )));
        }
        Ok((BaseUrl::new(url), origin))
    }

    /// The receive timeout the transport applies: none over a caller's own `http_client`,
    /// which carries the timeouts it was built with.
    fn effective_receive_timeout(&self) -> Option<Duration> {
        if self.http_client.is_some() && !self.receive_timeout.is_set() {
            return None;
        }
        self.receive_timeout.effective(DEFAULT_RECEIVE_TIMEOUT)
    }

    fn reqwest_client(&mut self) -> Result<reqwest::Client> {
        if let Some(client) = self.http_client.take() {
            if self.connect_timeout.is_set() || self.receive_timeout.is_set() {
                return Err(Error::config(
                    "connect_timeout and receive_timeout cannot be combined with http_client; set them on the reqwest::Client you pass",
                ));
            }
            if !self.connection.is_default() {
                return Err(Error::config(
                    "pool, HTTP/2, redirect, proxy, pinning and root certificate settings cannot be combined with http_client; set them on the reqwest::Client you pass",
                ));
            }
            return Ok(client);
        }
        let mut builder = self.connection.apply(reqwest::Client::builder())?;
        if let Some(timeout) = self.connect_timeout.effective(DEFAULT_CONNECT_TIMEOUT) {
            builder = builder.connect_timeout(timeout);
        }
        // The receive timeout is the transport's: reqwest's read timeout would also run while
        // connecting and uploading. This layer lets the transport see connects. Only then:
        // a layered connector is cloned for every request, which costs every call.
        if self
            .receive_timeout
            .effective(DEFAULT_RECEIVE_TIMEOUT)
            .is_some()
        {
            builder = builder.connector_layer(WatchConnects);
        }
        // The transport decompresses (`transport::decoding`), so it can bound the ratio.
        builder
            .no_gzip()
            .no_brotli()
            .no_zstd()
            .no_deflate()
            .build()
            .map_err(|e| Error::config(format!("could not build the HTTP client: {e}")))
    }
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url.as_deref().map(redact::url_text))
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests;

//! The hyper-util transport (feature `hyper-transport`): hyper-util's pooled client, its
//! `HttpConnector` (keep-alive, `TCP_NODELAY`, happy eyeballs) and hyper-rustls with the same
//! rustls configuration as the reqwest transport (pins, extra roots, the platform verifier,
//! ALPN `h2, http/1.1`). Redirects, decompression, limits and the receive timeout are the
//! shared exchange's (`transport::exchange`), as for reqwest.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::header::{self, HeaderValue};
use http::{HeaderMap, StatusCode, Version};
use http_body::{Frame, SizeHint};
use http_body_util::BodyExt as _;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};

use super::Transport;
use super::exchange::{self, HopResponse, Hops, TransportSettings};
use super::failure;
use super::hyper_proxy::ProxyConnector;
use super::receive_clock::{ReceiveClock, WatchedConnector};
use super::upload::Upload;
use crate::BoxFuture;
use crate::error::{Error, NetworkKind, Result, TimeoutPhase};
use crate::progress::Progress;
use crate::request::{Message, Request};
use crate::response::RawResponse;

type Connector = WatchedConnector<TimedConnector<hyper_rustls::HttpsConnector<ProxyConnector>>>;

/// How a hyper-util client is made: what `ClientBuilder` knows of pools, HTTP/2 and timeouts.
pub(crate) struct HyperSettings {
    pub(crate) tls: rustls::ClientConfig,
    pub(crate) connect_timeout: Option<Duration>,
    pub(crate) pool_idle_timeout: Option<Option<Duration>>,
    pub(crate) pool_max_idle_per_host: Option<usize>,
    pub(crate) tcp_keepalive: Option<Duration>,
    pub(crate) http2_prior_knowledge: bool,
    /// `ClientBuilder::proxy`: every call through it, instead of the environment's proxies.
    pub(crate) proxy: Option<String>,
}

pub(crate) struct HyperTransport {
    client: Client<Connector, OutgoingBody>,
    /// The same proxies the connector uses, for `Proxy-Authorization` on forwarded requests.
    proxies: ProxyConnector,
    settings: TransportSettings,
}

impl HyperTransport {
    pub(crate) fn new(hyper: HyperSettings, settings: TransportSettings) -> Self {
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_keepalive(hyper.tcp_keepalive);
        // hyper-rustls writes ALPN itself, from the versions enabled below: `h2, http/1.1`.
        let mut tls = hyper.tls;
        tls.alpn_protocols.clear();
        let proxies = ProxyConnector::new(http, hyper.proxy.as_deref());
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .enable_http2()
            .wrap_connector(proxies.clone());
        let connector = WatchedConnector::new(TimedConnector {
            inner: https,
            timeout: hyper.connect_timeout,
        });
        let mut builder = Client::builder(TokioExecutor::new());
        builder
            .timer(TokioTimer::new())
            .pool_timer(TokioTimer::new());
        if let Some(idle) = hyper.pool_idle_timeout {
            builder.pool_idle_timeout(idle);
        }
        if let Some(max) = hyper.pool_max_idle_per_host {
            builder.pool_max_idle_per_host(max);
        }
        if hyper.http2_prior_knowledge {
            builder.http2_only(true);
        }
        Self {
            client: builder.build(connector),
            proxies,
            settings,
        }
    }
}

impl Hops for HyperTransport {
    type Response = HyperResponse;

    async fn send_hop(
        &self,
        message: Message,
        progress: Option<&Progress>,
    ) -> Result<HyperResponse> {
        let Message {
            method,
            url,
            mut headers,
            body,
        } = message;
        // Only a receive timeout needs the clock (and the task-local it lives in).
        let clock = ReceiveClock::for_exchange(self.settings.receive_timeout, !body.is_empty());
        let outgoing = match body.shared_bytes() {
            Some(bytes) if progress.is_none() && clock.is_none() => {
                OutgoingBody::full(bytes.clone())
            }
            _ => match body.open().await? {
                Some(opened) => OutgoingBody::Upload(Box::new(Upload::new(
                    opened,
                    progress.cloned(),
                    clock.clone(),
                ))),
                None => OutgoingBody::full(Bytes::new()),
            },
        };
        // reqwest sends `Accept: */*` unless told otherwise; so does this transport, so that
        // a server sees the same request from either.
        if !headers.contains_key(header::ACCEPT) {
            headers.insert(header::ACCEPT, HeaderValue::from_static("*/*"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            // As reqwest does: the URL's user name and password become `Authorization: Basic`
            // (a header the request sets itself wins), and the URL sent has neither.
            if !headers.contains_key(header::AUTHORIZATION) {
                headers.insert(header::AUTHORIZATION, basic_auth(&url)?);
            }
        }
        let uri = request_uri(&url)?;
        if let Some(credentials) = self.proxies.forward_authorization(&uri) {
            headers.insert(header::PROXY_AUTHORIZATION, credentials);
        }
        let mut request = http::Request::new(outgoing);
        *request.method_mut() = method;
        *request.uri_mut() = uri;
        *request.headers_mut() = headers;
        let pending = self.client.request(request);
        let response =
            ReceiveClock::wait_for_head(clock.as_ref(), self.settings.receive_timeout, pending)
                .await?
                .map_err(map_error)?;
        Ok(HyperResponse(response))
    }
}

impl Transport for HyperTransport {
    fn send(&self, request: Request) -> BoxFuture<'_, Result<RawResponse>> {
        Box::pin(exchange::exchange(self, &self.settings, request))
    }
}

/// A response as hyper hands it over, its body read frame by frame.
pub(crate) struct HyperResponse(http::Response<hyper::body::Incoming>);

impl HopResponse for HyperResponse {
    fn status(&self) -> StatusCode {
        self.0.status()
    }

    fn version(&self) -> Version {
        self.0.version()
    }

    fn headers(&self) -> &HeaderMap {
        self.0.headers()
    }

    fn headers_mut(&mut self) -> &mut HeaderMap {
        self.0.headers_mut()
    }

    fn content_length(&self) -> Option<u64> {
        http_body::Body::size_hint(self.0.body()).exact()
    }

    async fn chunk(&mut self) -> Result<Option<Bytes>> {
        while let Some(frame) = self.0.body_mut().frame().await {
            let frame = frame.map_err(|e| Error::network(NetworkKind::Io, e))?;
            // Trailers carry nothing a caller of ferrofit reads.
            if let Ok(data) = frame.into_data()
                && !data.is_empty()
            {
                return Ok(Some(data));
            }
        }
        Ok(None)
    }
}

/// The URL as the request target hyper sends: without user name, password and fragment.
fn request_uri(url: &url::Url) -> Result<http::Uri> {
    let mut target = url.clone();
    let _ = target.set_username("");
    let _ = target.set_password(None);
    target.set_fragment(None);
    http::Uri::try_from(target.as_str())
        .map_err(|e| Error::invalid_request(format!("the URL cannot be sent: {e}")))
}

/// `Basic` credentials from the URL's user name and password, percent-decoded.
fn basic_auth(url: &url::Url) -> Result<HeaderValue> {
    use base64::Engine as _;
    let decode = |text: &str| percent_encoding::percent_decode_str(text).collect::<Vec<u8>>();
    let mut credentials = decode(url.username());
    credentials.push(b':');
    credentials.extend(decode(url.password().unwrap_or("")));
    let encoded = base64::engine::general_purpose::STANDARD.encode(credentials);
    let mut value = HeaderValue::try_from(format!("Basic {encoded}")).map_err(|e| {
        Error::invalid_request(format!("the URL's credentials cannot be sent: {e}"))
    })?;
    value.set_sensitive(true);
    Ok(value)
}

/// Classifies a hyper-util error; its text never holds the URL.
fn map_error(error: hyper_util::client::legacy::Error) -> Error {
    if let Some(refused) = failure::tls_refusal(&error) {
        return refused;
    }
    if failure::find_source::<ConnectTimedOut>(&error).is_some() {
        return Error::timeout(TimeoutPhase::Connect);
    }
    let kind = if error.is_connect() {
        NetworkKind::Connect
    } else {
        NetworkKind::Io
    };
    Error::network(kind, error)
}

/// The connect timeout over the whole connection: TCP (every address happy eyeballs tries)
/// and the TLS handshake, as reqwest's `connect_timeout` is.
#[derive(Clone)]
pub(crate) struct TimedConnector<C> {
    inner: C,
    timeout: Option<Duration>,
}

/// The connect timeout passed.
#[derive(Debug)]
struct ConnectTimedOut;

impl std::fmt::Display for ConnectTimedOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the connect timeout passed")
    }
}

impl std::error::Error for ConnectTimedOut {}

impl<C> tower_service::Service<http::Uri> for TimedConnector<C>
where
    C: tower_service::Service<http::Uri>,
    C::Future: Send + 'static,
    C::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Response = C::Response;
    type Error = Box<dyn std::error::Error + Send + Sync>;
    type Future = BoxFuture<'static, std::result::Result<C::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<std::result::Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, uri: http::Uri) -> Self::Future {
        let connect = self.inner.call(uri);
        let timeout = self.timeout;
        Box::pin(async move {
            match timeout {
                Some(limit) => match tokio::time::timeout(limit, connect).await {
                    Ok(connected) => connected.map_err(Into::into),
                    Err(_) => Err(Box::new(ConnectTimedOut) as Self::Error),
                },
                None => connect.await.map_err(Into::into),
            }
        })
    }
}

/// A request body as hyper polls it: bytes at once, or an [`Upload`] that reports progress,
/// checks its length and tells the receive clock when it is over.
pub(crate) enum OutgoingBody {
    Full(Option<Bytes>),
    Upload(Box<Upload>),
}

impl OutgoingBody {
    fn full(bytes: Bytes) -> Self {
        Self::Full((!bytes.is_empty()).then_some(bytes))
    }
}

impl http_body::Body for OutgoingBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<std::result::Result<Frame<Bytes>, std::io::Error>>> {
        match self.get_mut() {
            Self::Full(bytes) => Poll::Ready(bytes.take().map(|bytes| Ok(Frame::data(bytes)))),
            Self::Upload(upload) => Pin::new(&mut **upload).poll_frame(cx),
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            Self::Full(bytes) => bytes.is_none(),
            Self::Upload(upload) => upload.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            Self::Full(bytes) => SizeHint::with_exact(bytes.as_ref().map_or(0, |b| b.len() as u64)),
            Self::Upload(upload) => upload.size_hint(),
        }
    }
}

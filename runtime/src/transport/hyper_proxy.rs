//! Proxies for the hyper-util transport: the one `ClientBuilder::proxy` names, or those the
//! environment names, read as curl and reqwest read them (`HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY`, `NO_PROXY`, and their lower-case forms), with
//! hyper-util's matcher: an `http://` request goes to an HTTP proxy in absolute form, an
//! `https://` one through a `CONNECT` tunnel (TLS to the origin inside it), and either through a
//! SOCKS5 proxy (`socks5://` resolves names here, `socks5h://` at the proxy).

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::Uri;
use http::header::HeaderValue;
use hyper_util::client::legacy::connect::proxy::{SocksV5, Tunnel};
use hyper_util::client::legacy::connect::{Connected, Connection, HttpConnector};
use hyper_util::client::proxy::matcher::Matcher;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::BoxFuture;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Connects directly or through the proxy the environment names for the destination.
#[derive(Clone)]
pub(crate) struct ProxyConnector {
    http: HttpConnector,
    matcher: Arc<Matcher>,
    /// Some proxy URL for plain requests has credentials: only then is a request's proxy
    /// looked up to add `Proxy-Authorization` (the lookup costs every call otherwise).
    forwards_credentials: bool,
}

impl ProxyConnector {
    /// Every call through `proxy`, or, without one, the proxies the environment names, read
    /// now (as reqwest reads them when a client is built). `NO_PROXY` applies either way.
    pub(crate) fn new(http: HttpConnector, proxy: Option<&str>) -> Self {
        let matcher = match proxy {
            Some(url) => {
                let no_proxy = std::env::var("NO_PROXY")
                    .or_else(|_| std::env::var("no_proxy"))
                    .unwrap_or_default();
                Matcher::builder().all(url.to_owned()).no(no_proxy).build()
            }
            None => Matcher::from_env(),
        };
        let forwards_credentials = match proxy {
            Some(url) => url.contains('@'),
            None => ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"]
                .iter()
                .any(|name| std::env::var(name).is_ok_and(|url| url.contains('@'))),
        };
        Self {
            http,
            matcher: Arc::new(matcher),
            forwards_credentials,
        }
    }

    /// `Proxy-Authorization` for a request to `uri` that goes to an HTTP proxy in absolute form
    /// (a tunnel or SOCKS5 carries its credentials in its own handshake).
    pub(crate) fn forward_authorization(&self, uri: &Uri) -> Option<HeaderValue> {
        if !self.forwards_credentials || uri.scheme_str() != Some("http") {
            return None;
        }
        let intercept = self.matcher.intercept(uri)?;
        if intercept.uri().scheme_str() != Some("http") {
            return None;
        }
        intercept.basic_auth().cloned()
    }
}

/// A proxy URL this transport cannot use.
#[derive(Debug)]
struct UnsupportedProxy(String);

impl std::fmt::Display for UnsupportedProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the proxy scheme `{}` is not supported: use http:// or socks5(h)://",
            self.0
        )
    }
}

impl std::error::Error for UnsupportedProxy {}

impl tower_service::Service<Uri> for ProxyConnector {
    type Response = ProxiedStream;
    type Error = BoxError;
    type Future = BoxFuture<'static, Result<ProxiedStream, BoxError>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        tower_service::Service::<Uri>::poll_ready(&mut self.http, cx).map_err(Into::into)
    }

    fn call(&mut self, dst: Uri) -> Self::Future {
        let mut http = self.http.clone();
        let intercept = self.matcher.intercept(&dst);
        Box::pin(async move {
            let Some(intercept) = intercept else {
                let io = tower_service::Service::call(&mut http, dst).await?;
                return Ok(ProxiedStream::direct(io));
            };
            let proxy = intercept.uri().clone();
            match proxy.scheme_str() {
                Some(scheme @ ("socks5" | "socks5h")) => {
                    let mut socks = SocksV5::new(proxy.clone(), http).local_dns(scheme == "socks5");
                    if let Some((user, password)) = intercept.raw_auth() {
                        socks = socks.with_auth(user.to_owned(), password.to_owned());
                    }
                    let io = tower_service::Service::call(&mut socks, dst).await?;
                    Ok(ProxiedStream::direct(io))
                }
                Some("http") if dst.scheme_str() == Some("https") => {
                    let mut tunnel = Tunnel::new(proxy, http);
                    if let Some(auth) = intercept.basic_auth() {
                        tunnel = tunnel.with_auth(auth.clone());
                    }
                    let io = tower_service::Service::call(&mut tunnel, dst).await?;
                    Ok(ProxiedStream::direct(io))
                }
                Some("http") => {
                    let io = tower_service::Service::call(&mut http, proxy).await?;
                    Ok(ProxiedStream {
                        io,
                        forwarding: true,
                    })
                }
                other => {
                    Err(Box::new(UnsupportedProxy(other.unwrap_or("").to_owned())) as BoxError)
                }
            }
        })
    }
}

/// A connection to the origin, or to an HTTP proxy that forwards absolute-form requests.
pub(crate) struct ProxiedStream {
    io: TokioIo<TcpStream>,
    /// Requests on it go to an HTTP proxy: hyper writes them in absolute form.
    forwarding: bool,
}

impl ProxiedStream {
    fn direct(io: TokioIo<TcpStream>) -> Self {
        Self {
            io,
            forwarding: false,
        }
    }
}

impl Connection for ProxiedStream {
    fn connected(&self) -> Connected {
        self.io.connected().proxy(self.forwarding)
    }
}

impl hyper::rt::Read for ProxiedStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl hyper::rt::Write for ProxiedStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }
}

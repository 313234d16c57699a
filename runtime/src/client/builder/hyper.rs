//! Choosing the hyper-util transport (feature `hyper-transport`).

use super::{ClientBuilder, DEFAULT_CONNECT_TIMEOUT};
use crate::error::{Error, Result};
use crate::transport::HyperSettings;

/// The environment variable that picks the transport when the code does not: `hyper` or
/// `reqwest`.
const TRANSPORT_VARIABLE: &str = "FERROFIT_TRANSPORT";

impl ClientBuilder {
    /// Sends requests with hyper-util's pooled client instead of reqwest: the same behaviour
    /// a caller can see (TLS with the same roots and pins, HTTP/2 by ALPN or prior knowledge,
    /// redirects, decompression, limits, timeouts), with less work per call. Needs the
    /// `hyper-transport` feature.
    ///
    /// Proxies come from the environment, as for reqwest and curl: `HTTP_PROXY`, `HTTPS_PROXY`,
    /// `ALL_PROXY` (an `http://` proxy, forwarding plain requests and tunnelling TLS with
    /// `CONNECT`, or `socks5://` / `socks5h://`) and `NO_PROXY`, in either case, read when the
    /// client is built. Only reqwest offers native-tls and a caller's own client
    /// ([`http_client`](Self::http_client)).
    ///
    /// Without this call, the environment variable `FERROFIT_TRANSPORT=hyper` picks it too
    /// (`reqwest` keeps the default), for clients that set no `http_client` or `transport`.
    ///
    /// # Examples
    ///
    /// ```
    /// let client = ferrofit::Client::builder()
    ///     .base_url("https://api.example.com")
    ///     .hyper_transport()
    ///     .build()?;
    /// # let _ = client;
    /// # Ok::<(), ferrofit::Error>(())
    /// ```
    pub fn hyper_transport(mut self) -> Self {
        self.hyper = true;
        self
    }

    /// Whether this client goes on hyper-util: asked for in code, or by the environment.
    pub(super) fn chooses_hyper(&self) -> Result<bool> {
        if self.hyper {
            if self.http_client.is_some() {
                return Err(Error::config(
                    "hyper_transport cannot be combined with http_client: that is a reqwest::Client",
                ));
            }
            return Ok(true);
        }
        if self.http_client.is_some() {
            return Ok(false);
        }
        match std::env::var(TRANSPORT_VARIABLE) {
            Ok(value) if value.eq_ignore_ascii_case("hyper") => Ok(true),
            Ok(value) if value.is_empty() || value.eq_ignore_ascii_case("reqwest") => Ok(false),
            Ok(value) => Err(Error::config(format!(
                "{TRANSPORT_VARIABLE}=`{value}`: the transport is `hyper` or `reqwest`"
            ))),
            Err(_) => Ok(false),
        }
    }

    pub(super) fn hyper_settings(&self) -> Result<HyperSettings> {
        Ok(HyperSettings {
            tls: self.connection.tls()?,
            connect_timeout: self.connect_timeout.effective(DEFAULT_CONNECT_TIMEOUT),
            pool_idle_timeout: self.connection.pool_idle_timeout,
            pool_max_idle_per_host: self.connection.pool_max_idle_per_host,
            tcp_keepalive: self.connection.tcp_keepalive,
            http2_prior_knowledge: self.connection.http2_prior_knowledge,
            proxy: self.connection.proxy.clone(),
        })
    }
}

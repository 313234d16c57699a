//! Connection settings of a client built on reqwest: pool, HTTP/2, TLS roots and pins. Checked
//! and applied to reqwest's builder by `ClientBuilder::build`.

use std::time::Duration;

use rustls::pki_types::CertificateDer;

use crate::error::{Error, Result};
use crate::transport::pinning::{self, Pins};

/// How connections are made and kept; `None` leaves reqwest's default.
#[derive(Default)]
pub(super) struct ConnectionSettings {
    pub(super) pool_idle_timeout: Option<Option<Duration>>,
    pub(super) pool_max_idle_per_host: Option<usize>,
    pub(super) tcp_keepalive: Option<Duration>,
    pub(super) http2_prior_knowledge: bool,
    pub(super) max_redirects: Option<usize>,
    /// The proxy for every call, instead of the environment's.
    pub(super) proxy: Option<String>,
    pub(super) pins: Pins,
    /// Host patterns given a single pin, refused at `build()` unless allowed.
    pub(super) single_pins: Vec<String>,
    pub(super) allow_single_pin: bool,
    pub(super) extra_roots: Vec<CertificateDer<'static>>,
}

impl ConnectionSettings {
    /// Pins `host` to `pins` (`sha256/<base64>`).
    pub(super) fn pin(&mut self, host: &str, pins: &[String]) -> std::result::Result<(), String> {
        if pins.len() == 1 {
            self.single_pins.push(host.to_owned());
        }
        self.pins.add(host, pinning::parse_pins(pins)?)
    }

    /// Trusts the roots in `certificates` (PEM or one DER certificate).
    pub(super) fn add_roots(&mut self, certificates: &[u8]) -> std::result::Result<(), String> {
        self.extra_roots.extend(pinning::parse_roots(certificates)?);
        Ok(())
    }

    pub(super) fn is_default(&self) -> bool {
        self.pins.is_empty()
            && self.extra_roots.is_empty()
            && self.pool_idle_timeout.is_none()
            && self.pool_max_idle_per_host.is_none()
            && self.tcp_keepalive.is_none()
            && !self.http2_prior_knowledge
            && self.max_redirects.is_none()
            && self.proxy.is_none()
    }

    /// Refuses a single pin unless allowed.
    fn check_pins(&self) -> Result<()> {
        if !self.single_pins.is_empty() && !self.allow_single_pin {
            return Err(Error::config(format!(
                "`{}` has a single pin: pin a backup key too (the next key you will deploy, or your CA's), or call `.allow_single_pin()` if you accept being locked out when the key changes",
                self.single_pins.join("`, `")
            )));
        }
        Ok(())
    }

    /// The rustls configuration of a transport ferrofit drives itself: the platform verifier
    /// with the extra roots, behind the pins (none pins nothing), ALPN `h2, http/1.1`.
    #[cfg(feature = "hyper-transport")]
    pub(super) fn tls(&self) -> Result<rustls::ClientConfig> {
        self.check_pins()?;
        pinning::tls_config(self.pins.clone(), self.extra_roots.clone()).map_err(Error::config)
    }

    pub(super) fn apply(
        &self,
        mut builder: reqwest::ClientBuilder,
    ) -> Result<reqwest::ClientBuilder> {
        self.check_pins()?;
        if !self.pins.is_empty() || !self.extra_roots.is_empty() {
            let tls = pinning::tls_config(self.pins.clone(), self.extra_roots.clone())
                .map_err(Error::config)?;
            builder = builder.tls_backend_preconfigured(tls);
        }
        if let Some(idle) = self.pool_idle_timeout {
            builder = builder.pool_idle_timeout(idle);
        }
        if let Some(max) = self.pool_max_idle_per_host {
            builder = builder.pool_max_idle_per_host(max);
        }
        if let Some(interval) = self.tcp_keepalive {
            builder = builder.tcp_keepalive(interval);
        }
        if self.http2_prior_knowledge {
            builder = builder.http2_prior_knowledge();
        }
        if let Some(url) = &self.proxy {
            let proxy = reqwest::Proxy::all(url)
                .map_err(|e| Error::config(format!("the proxy cannot be used: {e}")))?
                .no_proxy(reqwest::NoProxy::from_env());
            builder = builder.proxy(proxy);
        }
        // Redirects are ferrofit's to follow (`transport::redirect`): reqwest's policy forwards
        // custom secret headers to other origins and adds a `Referer`.
        Ok(builder
            .redirect(reqwest::redirect::Policy::none())
            .referer(false))
    }
}

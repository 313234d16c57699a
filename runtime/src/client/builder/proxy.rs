//! A proxy chosen in code, for either transport.

use super::ClientBuilder;
use crate::redact;

impl ClientBuilder {
    /// Sends every call through the proxy at `url` (`http://`, with `user:password@` if it
    /// needs them; `socks5://` and `socks5h://` on the hyper-util transport only, see
    /// `hyper_transport`) instead of the proxies the environment names
    /// (`HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY`). Hosts listed in `NO_PROXY` still go direct.
    /// An `http://` proxy forwards plain requests and tunnels TLS with `CONNECT`.
    ///
    /// # Errors
    ///
    /// [`build`](Self::build) fails with [`Error::Config`](crate::Error::Config) when `url` is
    /// not a URL of one of those schemes, or when it is combined with
    /// [`http_client`](Self::http_client).
    ///
    /// # Examples
    ///
    /// ```
    /// let client = ferrofit::Client::builder()
    ///     .base_url("https://api.example.com")
    ///     .proxy("http://proxy.internal:3128")
    ///     .build()?;
    /// # let _ = client;
    /// # Ok::<(), ferrofit::Error>(())
    /// ```
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        let url = url.into();
        match url::Url::parse(&url) {
            Ok(parsed) if matches!(parsed.scheme(), "http" | "socks5" | "socks5h") => {
                self.connection.proxy = Some(url);
            }
            Ok(parsed) => self.fail(format!(
                "proxy `{}`: the scheme must be http, socks5 or socks5h, not `{}`",
                redact::url_text(&url),
                parsed.scheme()
            )),
            Err(error) => self.fail(format!(
                "proxy `{}` is not a valid URL: {error}",
                redact::url_text(&url)
            )),
        }
        self
    }
}

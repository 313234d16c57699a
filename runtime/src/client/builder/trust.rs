//! Which servers a client trusts: certificate pins and extra roots.

use super::ClientBuilder;

impl ClientBuilder {
    /// Pins `host` (`api.example.com`, `*.example.com` for one more label, `**.example.com`
    /// for any number, none included; an IP address, `[::1]` or `::1`) to public keys, as
    /// OkHttp's `CertificatePinner` does: a connection succeeds only when normal certificate
    /// validation passes **and** the chain validation built — the leaf, the intermediates it
    /// went through and the root it ended at, even though servers do not send their root —
    /// holds a key whose SubjectPublicKeyInfo hashes to one of the pins (`sha256/<base64>`,
    /// the HPKP and OkHttp format). Certificates a server sends that the validated chain does
    /// not use never count: an impostor cannot pass by appending the real, public leaf. HTTP/2
    /// is still offered by ALPN. Failure is [`Error::Tls`](crate::Error::Tls) with kind
    /// `Pinning`, listing the expected pins and those of the validated chain, and is never
    /// retried. Hosts without pins are validated as usual.
    ///
    /// `host` is read as the TLS layer will see it: an internationalized name as its punycode
    /// (`bücher.example` is `xn--bcher-kva.example`), an IPv4 address in any form the URL
    /// parser accepts (`127.1` is `127.0.0.1`), IPv6 canonically. A pattern that could never
    /// match a host (`api.example.com:443`, `*.10.0.0.1`, a URL) is refused by `build()`.
    ///
    /// Give at least two pins per host — the current key and a backup — or `build()` refuses;
    /// see [`allow_single_pin`](Self::allow_single_pin). A malformed pin or pattern is
    /// reported by `build()`.
    ///
    /// # Examples
    ///
    /// ```
    /// let client = ferrofit::Client::builder()
    ///     .base_url("https://api.example.com")
    ///     .pin("api.example.com", [
    ///         "sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    ///         "sha256/BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBA=",
    ///     ])
    ///     .build()?;
    /// # let _ = client;
    /// # Ok::<(), ferrofit::Error>(())
    /// ```
    pub fn pin<P: Into<String>>(mut self, host: &str, pins: impl IntoIterator<Item = P>) -> Self {
        let pins: Vec<String> = pins.into_iter().map(Into::into).collect();
        if let Err(message) = self.connection.pin(host, &pins) {
            self.fail(message);
        }
        self
    }

    /// Accepts hosts pinned to a single key. Without a backup pin, rotating that key locks
    /// every installed client out until it is updated.
    pub fn allow_single_pin(mut self) -> Self {
        self.connection.allow_single_pin = true;
        self
    }

    /// Trusts `certificate` (PEM, one or more, or DER) as a root, beside the platform's:
    /// for servers with a private CA.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// let ca = std::fs::read("company-ca.pem").expect("the CA file");
    /// let client = ferrofit::Client::builder()
    ///     .base_url("https://intranet.example")
    ///     .add_root_certificate(ca)
    ///     .build()?;
    /// # let _ = client;
    /// # Ok::<(), ferrofit::Error>(())
    /// ```
    pub fn add_root_certificate(mut self, certificate: impl AsRef<[u8]>) -> Self {
        if let Err(message) = self.connection.add_roots(certificate.as_ref()) {
            self.fail(message);
        }
        self
    }
}

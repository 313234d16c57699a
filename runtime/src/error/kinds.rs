//! The kinds that classify [`Error`](super::Error)'s variants further.

/// What refused a TLS handshake, for [`Error::Tls`](super::Error::Tls).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TlsKind {
    /// No certificate of the chain matches the host's pins
    /// ([`ClientBuilder::pin`](crate::ClientBuilder::pin)).
    Pinning,
    /// The chain does not lead to a trusted root (a self-signed or private CA not added with
    /// [`add_root_certificate`](crate::ClientBuilder::add_root_certificate)).
    UnknownIssuer,
    /// A certificate of the chain has expired or is not valid yet.
    Expired,
    /// The certificate is for another host name.
    WrongName,
    /// A signature in the chain does not verify, or uses an algorithm that is not accepted.
    BadSignature,
    /// The certificate was refused for another reason: revoked, malformed, for another
    /// purpose, or an unhandled critical extension.
    Invalid,
}

/// Which step of the exchange failed, for [`Error::Network`](super::Error::Network).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NetworkKind {
    /// Could not connect: refused, unreachable, DNS, TLS handshake.
    Connect,
    /// The connection failed while sending the request or reading the response.
    Io,
    /// Too many redirects, or a redirect loop.
    Redirect,
    /// Anything else the transport reported.
    Other,
}

/// Which deadline passed, for [`Error::Timeout`](super::Error::Timeout).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TimeoutPhase {
    /// Establishing the connection ([`connect_timeout`](crate::ClientBuilder::connect_timeout)).
    Connect,
    /// Waiting for response data ([`receive_timeout`](crate::ClientBuilder::receive_timeout)).
    Receive,
    /// The whole call ([`timeout`](crate::ClientBuilder::timeout) or `#[timeout(..)]`).
    Total,
}

//! What a failed exchange was, read from the error chain of any HTTP client: a pin that did
//! not match, a certificate the verifier refused, a connect that took too long.

use crate::error::{Error, TlsKind};

/// `Error::Tls` when the chain holds a pinning failure or a refused certificate.
pub(crate) fn tls_refusal(error: &(dyn std::error::Error + 'static)) -> Option<Error> {
    if let Some(pinning) = find_source::<super::pinning::PinningFailed>(error) {
        return Some(Error::Tls {
            kind: TlsKind::Pinning,
            message: pinning.message.clone(),
        });
    }
    if let Some(rustls::Error::InvalidCertificate(certificate)) =
        find_source::<rustls::Error>(error)
    {
        return Some(Error::Tls {
            kind: certificate_kind(certificate),
            message: format!("the server's certificate was refused: {certificate}"),
        });
    }
    None
}

/// What kind of refusal a certificate error is.
fn certificate_kind(error: &rustls::CertificateError) -> TlsKind {
    use rustls::CertificateError as E;
    match error {
        E::UnknownIssuer => TlsKind::UnknownIssuer,
        E::Expired | E::ExpiredContext { .. } | E::NotValidYet | E::NotValidYetContext { .. } => {
            TlsKind::Expired
        }
        E::NotValidForName | E::NotValidForNameContext { .. } => TlsKind::WrongName,
        E::BadSignature
        | E::UnsupportedSignatureAlgorithmContext { .. }
        | E::UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => TlsKind::BadSignature,
        _ => TlsKind::Invalid,
    }
}

/// The first error of type `T` in `error`'s source chain, looking inside `io::Error`s and
/// rustls' `Other` errors, whose wrapped error `source()` skips.
pub(crate) fn find_source<'a, T: std::error::Error + 'static>(
    error: &'a (dyn std::error::Error + 'static),
) -> Option<&'a T> {
    let mut current = Some(error);
    while let Some(error) = current {
        if let Some(found) = error.downcast_ref::<T>() {
            return Some(found);
        }
        current = if let Some(io) = error.downcast_ref::<std::io::Error>() {
            io.get_ref()
                .map(|inner| inner as &(dyn std::error::Error + 'static))
        } else if let Some(rustls::Error::Other(other)) = error.downcast_ref::<rustls::Error>() {
            Some(&*other.0 as &(dyn std::error::Error + 'static))
        } else {
            error.source()
        };
    }
    None
}

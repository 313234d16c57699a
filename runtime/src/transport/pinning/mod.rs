//! Certificate pinning (OkHttp's `CertificatePinner` semantics): a rustls verifier that first
//! runs the platform's verification, then requires that a chain validation builds to a trusted
//! root — leaf, intermediates, root — holds a key whose SubjectPublicKeyInfo hashes to one of
//! the host's pins.

mod hosts;
mod path;

pub(crate) use hosts::Pins;

use std::fmt;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use rustls::DigitallySignedStruct;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, TrustAnchor, UnixTime};

use self::path::PathCheck;

/// A SHA-256 of a SubjectPublicKeyInfo.
type Pin = [u8; 32];

/// Parses `sha256/<base64>` pins.
pub(crate) fn parse_pins(pins: &[String]) -> Result<Vec<Pin>, String> {
    pins.iter()
        .map(|pin| {
            pin.strip_prefix("sha256/")
                .and_then(|b64| BASE64.decode(b64).ok())
                .and_then(|bytes| <Pin>::try_from(bytes).ok())
                .ok_or_else(|| {
                    format!("`{pin}` is not a pin; write `sha256/` and the base64 of the SHA-256 of the certificate's public key info")
                })
        })
        .collect()
}

/// Why a handshake was refused by pinning; carried inside rustls' error so the transport can
/// tell it from other TLS failures.
#[derive(Debug)]
pub(crate) struct PinningFailed {
    pub(crate) message: String,
}

impl fmt::Display for PinningFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for PinningFailed {}

/// The platform's verification, then the pins on the validated path.
#[derive(Debug)]
pub(crate) struct PinningVerifier {
    inner: Arc<dyn ServerCertVerifier>,
    pins: Pins,
    /// The roots validation may end at: the platform's and the client's own.
    anchors: Vec<TrustAnchor<'static>>,
    provider: Arc<CryptoProvider>,
}

impl PinningVerifier {
    fn refuse(&self, host: &str, expected: &[Pin], why: String) -> rustls::Error {
        let wanted: Vec<String> = expected.iter().map(path::shown).collect();
        let message = format!(
            "certificate pinning failed for `{host}`: expected one of [{}], but {why}",
            wanted.join(", ")
        );
        rustls::Error::Other(rustls::OtherError(Arc::new(PinningFailed { message })))
    }
}

impl ServerCertVerifier for PinningVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let verified = self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        )?;
        let expected = self.pins.for_server(server_name);
        if expected.is_empty() {
            return Ok(verified);
        }
        let algorithms = self.provider.signature_verification_algorithms.all;
        let host = server_name.to_str();
        match path::check(
            end_entity,
            intermediates,
            &self.anchors,
            algorithms,
            now,
            &expected,
        ) {
            PathCheck::Pinned => Ok(verified),
            PathCheck::Unpinned(paths) => {
                let paths: Vec<String> = paths
                    .iter()
                    .map(|pins| pins.iter().map(path::shown).collect::<Vec<_>>().join(", "))
                    .collect();
                Err(self.refuse(
                    &host,
                    &expected,
                    format!("the validated chain's pins are [{}]", paths.join("] or [")),
                ))
            }
            PathCheck::NoPath(why) => Err(self.refuse(
                &host,
                &expected,
                format!("no chain to a root known to the pin check could be built ({why})"),
            )),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// The trust anchors of `extra_roots` and the platform's store, for building the validated
/// path: the roots the platform verifier uses on Linux and BSDs, and what the operating
/// system's store holds elsewhere. A path the pin check cannot build is refused.
fn anchors(extra_roots: &[CertificateDer<'static>]) -> Vec<TrustAnchor<'static>> {
    let native = rustls_native_certs::load_native_certs();
    extra_roots
        .iter()
        .chain(&native.certs)
        .filter_map(|root| webpki::anchor_from_trusted_cert(root).ok())
        .map(|anchor| anchor.to_owned())
        .collect()
}

/// The TLS configuration of a client with pins or extra roots: the platform verifier (as
/// reqwest uses it) with `extra_roots`, wrapped in the pin check, and ALPN offering HTTP/2
/// (reqwest sets no ALPN on a configuration it is given).
pub(crate) fn tls_config(
    pins: Pins,
    extra_roots: Vec<CertificateDer<'static>>,
) -> Result<rustls::ClientConfig, String> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let anchors = if pins.is_empty() {
        Vec::new()
    } else {
        anchors(&extra_roots)
    };
    let platform =
        rustls_platform_verifier::Verifier::new_with_extra_roots(extra_roots, provider.clone())
            .map_err(|e| format!("could not set up certificate verification: {e}"))?;
    let verifier = PinningVerifier {
        inner: Arc::new(platform),
        pins,
        anchors,
        provider: provider.clone(),
    };
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("could not set up TLS: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// Root certificates from PEM (one or more) or a single DER certificate.
pub(crate) fn parse_roots(bytes: &[u8]) -> Result<Vec<CertificateDer<'static>>, String> {
    use rustls::pki_types::pem::PemObject as _;
    let roots: Vec<CertificateDer<'static>> = if bytes.starts_with(b"-----") {
        CertificateDer::pem_slice_iter(bytes)
            .collect::<Result<_, _>>()
            .map_err(|e| format!("the root certificate is not valid PEM: {e}"))?
    } else {
        vec![CertificateDer::from(bytes.to_vec())]
    };
    if roots.is_empty() {
        return Err("the PEM holds no certificate".to_owned());
    }
    for root in &roots {
        webpki::anchor_from_trusted_cert(root)
            .map_err(|e| format!("the root certificate cannot be a trust anchor: {e}"))?;
    }
    Ok(roots)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn pins_must_be_sha256_base64_of_32_bytes() {
        let good = format!("sha256/{}", BASE64.encode([7_u8; 32]));
        assert_eq!(parse_pins(&[good]).unwrap(), [[7_u8; 32]]);
        for bad in ["sha1/AAAA", "sha256/not base64", "sha256/AAAA"] {
            assert!(parse_pins(&[bad.to_owned()]).is_err(), "{bad}");
        }
    }

    proptest! {
        /// Arbitrary bytes as a root never panic, and are refused unless they are one.
        #[test]
        fn any_bytes_as_a_root_are_parsed_without_panicking(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = parse_roots(&bytes);
        }
    }
}

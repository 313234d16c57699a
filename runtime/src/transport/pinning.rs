//! Certificate pinning (OkHttp's `CertificatePinner` semantics): a rustls verifier that first
//! runs the platform's WebPKI verification, then requires a certificate of the presented chain
//! whose SubjectPublicKeyInfo hashes to one of the host's pins.

use std::fmt;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use rustls::DigitallySignedStruct;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use sha2::{Digest, Sha256};

/// A SHA-256 of a SubjectPublicKeyInfo.
type Pin = [u8; 32];

/// Host patterns and their pins.
#[derive(Clone, Default)]
pub(crate) struct Pins {
    rules: Vec<(HostPattern, Vec<Pin>)>,
}

#[derive(Clone)]
enum HostPattern {
    Exact(String),
    /// `*.example.com`: exactly one more label.
    OneLabel(String),
    /// `**.example.com`: any number of labels, none included.
    AnyLabels(String),
}

impl HostPattern {
    fn parse(pattern: &str) -> Result<Self, String> {
        let pattern = pattern.trim_end_matches('.').to_ascii_lowercase();
        let (kind, rest): (fn(String) -> Self, &str) =
            if let Some(rest) = pattern.strip_prefix("**.") {
                (Self::AnyLabels, rest)
            } else if let Some(rest) = pattern.strip_prefix("*.") {
                (Self::OneLabel, rest)
            } else {
                (Self::Exact, pattern.as_str())
            };
        if rest.is_empty() || rest.contains('*') || rest.split('.').any(str::is_empty) {
            return Err(format!(
                "`{pattern}` is not a host pattern; write `api.example.com`, `*.example.com` or `**.example.com`"
            ));
        }
        Ok(kind(rest.to_owned()))
    }

    fn matches(&self, host: &str) -> bool {
        match self {
            Self::Exact(name) => host == name,
            Self::OneLabel(suffix) => host
                .strip_suffix(suffix.as_str())
                .and_then(|label| label.strip_suffix('.'))
                .is_some_and(|label| !label.is_empty() && !label.contains('.')),
            Self::AnyLabels(suffix) => {
                host == suffix
                    || host
                        .strip_suffix(suffix.as_str())
                        .is_some_and(|labels| labels.len() > 1 && labels.ends_with('.'))
            }
        }
    }
}

impl Pins {
    /// Adds `pins` (`sha256/<base64>`) for hosts matching `pattern`.
    pub(crate) fn add(&mut self, pattern: &str, pins: &[String]) -> Result<(), String> {
        let host = HostPattern::parse(pattern)?;
        let mut parsed = Vec::with_capacity(pins.len());
        for pin in pins {
            let hash = pin
                .strip_prefix("sha256/")
                .and_then(|b64| BASE64.decode(b64).ok())
                .and_then(|bytes| <Pin>::try_from(bytes).ok())
                .ok_or_else(|| {
                    format!("`{pin}` is not a pin; write `sha256/` and the base64 of the SHA-256 of the certificate's public key info")
                })?;
            parsed.push(hash);
        }
        if parsed.is_empty() {
            return Err(format!("no pins given for `{pattern}`"));
        }
        self.rules.push((host, parsed));
        Ok(())
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Every pin that applies to `host` (all matching patterns together).
    fn for_host(&self, host: &str) -> Vec<Pin> {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        self.rules
            .iter()
            .filter(|(pattern, _)| pattern.matches(&host))
            .flat_map(|(_, pins)| pins.iter().copied())
            .collect()
    }
}

/// `sha256/<base64>` of a certificate's SubjectPublicKeyInfo, the pin format.
pub(crate) fn pin_of(certificate: &[u8]) -> Option<String> {
    spki(certificate).map(|spki| format!("sha256/{}", BASE64.encode(Sha256::digest(spki))))
}

/// The SubjectPublicKeyInfo of a DER certificate: the seventh field of `tbsCertificate` (the
/// sixth when the optional `[0]` version is absent). A bounded walk over four fields of a
/// chain WebPKI has already parsed; `None` for anything malformed.
fn spki(certificate: &[u8]) -> Option<&[u8]> {
    let (_, certificate_body, _) = der_element(certificate)?;
    let (_, tbs, _) = der_element(certificate_body)?;
    let mut rest = tbs;
    let (tag, _, after) = der_element(rest)?;
    if tag == 0xa0 {
        rest = after; // version
    }
    // serialNumber, signature, issuer, validity, subject
    for _ in 0..5 {
        rest = der_element(rest)?.2;
    }
    let (tag, _, after) = der_element(rest)?;
    (tag == 0x30).then(|| &rest[..rest.len() - after.len()])
}

/// One DER element: its tag, its contents and what follows it.
fn der_element(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 || rest.len() < count {
            return None;
        }
        let len = rest[..count]
            .iter()
            .fold(0_usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, &rest[count..])
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
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

/// The platform's verification, then the pins.
#[derive(Debug)]
pub(crate) struct PinningVerifier {
    inner: Arc<dyn ServerCertVerifier>,
    pins: Pins,
}

impl fmt::Debug for Pins {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pins")
            .field("hosts", &self.rules.len())
            .finish()
    }
}

impl PinningVerifier {
    pub(crate) fn new(inner: Arc<dyn ServerCertVerifier>, pins: Pins) -> Self {
        Self { inner, pins }
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
        let host = server_name.to_str();
        let expected = self.pins.for_host(&host);
        if expected.is_empty() {
            return Ok(verified);
        }
        let chain: Vec<String> = std::iter::once(end_entity)
            .chain(intermediates)
            .filter_map(|certificate| pin_of(certificate))
            .collect();
        let wanted: Vec<String> = expected
            .iter()
            .map(|pin| format!("sha256/{}", BASE64.encode(pin)))
            .collect();
        if chain.iter().any(|pin| wanted.contains(pin)) {
            return Ok(verified);
        }
        let message = format!(
            "certificate pinning failed for `{host}`: expected one of [{}], but the chain's pins are [{}]",
            wanted.join(", "),
            chain.join(", ")
        );
        Err(rustls::Error::Other(rustls::OtherError(Arc::new(
            PinningFailed { message },
        ))))
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

/// The TLS configuration of a client with pins or extra roots: the platform verifier (as
/// reqwest uses it) with `extra_roots`, wrapped in the pin check, and ALPN offering HTTP/2
/// (reqwest sets no ALPN on a configuration it is given).
pub(crate) fn tls_config(
    pins: Pins,
    extra_roots: Vec<CertificateDer<'static>>,
) -> Result<rustls::ClientConfig, String> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let platform =
        rustls_platform_verifier::Verifier::new_with_extra_roots(extra_roots, provider.clone())
            .map_err(|e| format!("could not set up certificate verification: {e}"))?;
    let verifier = PinningVerifier::new(Arc::new(platform), pins);
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
    if bytes.starts_with(b"-----") {
        let roots: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(bytes)
            .collect::<Result<_, _>>()
            .map_err(|e| format!("the root certificate is not valid PEM: {e}"))?;
        if roots.is_empty() {
            return Err("the PEM holds no certificate".to_owned());
        }
        return Ok(roots);
    }
    if spki(bytes).is_none() {
        return Err("the root certificate is neither PEM nor a DER certificate".to_owned());
    }
    Ok(vec![CertificateDer::from(bytes.to_vec())])
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn host_patterns_follow_okhttp() {
        let exact = HostPattern::parse("API.example.com").unwrap();
        assert!(exact.matches("api.example.com"));
        assert!(!exact.matches("www.api.example.com"));
        let one = HostPattern::parse("*.example.com").unwrap();
        assert!(one.matches("api.example.com"));
        assert!(!one.matches("example.com"));
        assert!(!one.matches("a.b.example.com"));
        assert!(!one.matches("badexample.com"));
        let any = HostPattern::parse("**.example.com").unwrap();
        assert!(any.matches("example.com"));
        assert!(any.matches("a.b.example.com"));
        assert!(!any.matches("badexample.com"));
        for bad in ["", "*", "a.*.com", "*a.example.com", "example..com"] {
            assert!(HostPattern::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn pins_must_be_sha256_base64_of_32_bytes() {
        let mut pins = Pins::default();
        let good = format!("sha256/{}", BASE64.encode([7_u8; 32]));
        assert!(pins.add("h.test", &[good]).is_ok());
        for bad in ["sha1/AAAA", "sha256/not base64", "sha256/AAAA"] {
            assert!(pins.add("h.test", &[bad.to_owned()]).is_err(), "{bad}");
        }
    }

    proptest! {
        /// Arbitrary bytes never panic the DER walk.
        #[test]
        fn any_bytes_are_walked_without_panicking(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = spki(&bytes);
        }
    }
}

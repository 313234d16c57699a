//! Certificates made here with rcgen — roots, intermediates, leaves for DNS names or IP
//! addresses — and a TLS server on 127.0.0.1 that presents whatever chain it is given, as an
//! impostor would. Pins are computed from rcgen's keys, independently of the client's own
//! certificate parsing.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use base64::Engine as _;
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair, PublicKeyData};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use sha2::{Digest, Sha256};

use super::hyper_server::ok;

/// A well-formed pin of no key in these tests.
pub fn unused_pin(byte: u8) -> String {
    format!(
        "sha256/{}",
        base64::engine::general_purpose::STANDARD.encode([byte; 32])
    )
}

/// `sha256/<base64>` of a key's SubjectPublicKeyInfo.
pub fn pin(key: &KeyPair) -> String {
    let hash = Sha256::digest(key.subject_public_key_info());
    format!(
        "sha256/{}",
        base64::engine::general_purpose::STANDARD.encode(hash)
    )
}

/// A certificate authority that can sign intermediates and leaves.
pub struct Ca {
    pub pem: String,
    pub der: CertificateDer<'static>,
    pub pin: String,
    issuer: Issuer<'static, KeyPair>,
}

/// A certificate in PEM.
pub fn pem(der: &CertificateDer<'_>) -> String {
    use base64::Engine as _;
    let text = base64::engine::general_purpose::STANDARD.encode(der.as_ref());
    let lines: Vec<&str> = text
        .as_bytes()
        .chunks(64)
        .map(|chunk| std::str::from_utf8(chunk).expect("base64 is ASCII"))
        .collect();
    format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        lines.join("\n")
    )
}

fn ca_params(name: &str) -> CertificateParams {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, name);
    params
}

impl Ca {
    /// A self-signed root named `name`.
    pub fn root(name: &str) -> Self {
        let key = KeyPair::generate().unwrap();
        let params = ca_params(name);
        let certificate = params.self_signed(&key).unwrap();
        Self {
            pem: certificate.pem(),
            der: certificate.der().clone(),
            pin: pin(&key),
            issuer: Issuer::new(params, key),
        }
    }

    /// An intermediate CA named `name`, signed by this one.
    pub fn intermediate(&self, name: &str) -> Self {
        let key = KeyPair::generate().unwrap();
        let params = ca_params(name);
        let certificate = params.signed_by(&key, &self.issuer).unwrap();
        Self {
            pem: certificate.pem(),
            der: certificate.der().clone(),
            pin: pin(&key),
            issuer: Issuer::new(params, key),
        }
    }

    /// A leaf for `names` (DNS names or IP addresses), signed by this CA.
    pub fn leaf(&self, names: &[&str]) -> Leaf {
        self.leaf_with(names, |_| {})
    }

    /// A leaf for `names` whose parameters `adjust` changes first (validity dates…).
    pub fn leaf_with(&self, names: &[&str], adjust: impl FnOnce(&mut CertificateParams)) -> Leaf {
        let key = KeyPair::generate().unwrap();
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        let mut params = CertificateParams::new(names).unwrap();
        adjust(&mut params);
        let certificate = params.signed_by(&key, &self.issuer).unwrap();
        Leaf {
            der: certificate.der().clone(),
            pin: pin(&key),
            key,
        }
    }
}

/// A server certificate and its key.
pub struct Leaf {
    pub der: CertificateDer<'static>,
    pub pin: String,
    pub key: KeyPair,
}

/// Root CA → intermediate → leaf for `localhost`.
pub struct Chain {
    pub root: Ca,
    pub intermediate: Ca,
    pub leaf: Leaf,
}

impl Chain {
    pub fn new() -> Self {
        let root = Ca::root("ferrofit test root");
        let intermediate = root.intermediate("ferrofit test intermediate");
        let leaf = intermediate.leaf(&["localhost"]);
        Self {
            root,
            intermediate,
            leaf,
        }
    }

    /// What a well-configured server presents: its leaf and the intermediate, not the root.
    pub fn presented(&self) -> Vec<CertificateDer<'static>> {
        vec![self.leaf.der.clone(), self.intermediate.der.clone()]
    }
}

/// A TLS server on 127.0.0.1 answering `secure pong`, offering HTTP/2 and HTTP/1.1.
pub struct TlsServer {
    pub port: u16,
    requests: Arc<AtomicUsize>,
    handshakes: Arc<AtomicUsize>,
}

impl TlsServer {
    /// Presents `certificates` (leaf first) and proves it holds `key`.
    pub async fn start(certificates: Vec<CertificateDer<'static>>, key: &KeyPair) -> Self {
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certificates, key)
        .unwrap();
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let requests = Arc::new(AtomicUsize::new(0));
        let handshakes = Arc::new(AtomicUsize::new(0));
        let (counter, shaken) = (requests.clone(), handshakes.clone());
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (acceptor, counter) = (acceptor.clone(), counter.clone());
                shaken.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    let Ok(tls) = acceptor.accept(stream).await else {
                        return;
                    };
                    let service = hyper::service::service_fn(move |_request| {
                        counter.fetch_add(1, Ordering::SeqCst);
                        async { Ok::<_, std::convert::Infallible>(ok("secure pong")) }
                    });
                    let _ = hyper_util::server::conn::auto::Builder::new(
                        hyper_util::rt::TokioExecutor::new(),
                    )
                    .serve_connection(hyper_util::rt::TokioIo::new(tls), service)
                    .await;
                });
            }
        });
        Self {
            port,
            requests,
            handshakes,
        }
    }

    /// `https://<host>:<port>`.
    pub fn url(&self, host: &str) -> String {
        format!("https://{host}:{}", self.port)
    }

    /// HTTP requests served so far.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    /// TCP connections accepted so far (each one a handshake attempt).
    pub fn handshakes(&self) -> usize {
        self.handshakes.load(Ordering::SeqCst)
    }
}

/// Asserts that `error` is a pinning refusal, made once.
#[track_caller]
pub fn assert_pinning_error(error: &ferrofit::Error) {
    assert!(
        matches!(
            error,
            ferrofit::Error::Tls {
                kind: ferrofit::TlsKind::Pinning,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(error.attempts(), 1, "never retried");
}

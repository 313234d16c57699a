//! Certificate pinning against a local TLS server whose chain (root CA → intermediate → leaf
//! for `localhost`) is made here with rcgen. Expected pins are computed from rcgen's keys,
//! independently of the client's own certificate parsing.

mod support;

use std::sync::Arc;

use base64::Engine as _;
use ferrofit::http::Version;
use ferrofit::retry::{RetryInterceptor, RetryPolicy};
use ferrofit::{Error, Response, TlsKind, rest_api};
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair, PublicKeyData};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use sha2::{Digest, Sha256};
use support::hyper_server::ok;

#[rest_api]
trait Secure {
    #[get("/ping")]
    async fn ping(&self) -> ferrofit::Result<Response<String>>;
}

/// A certificate chain and the pins of each of its keys.
struct Chain {
    root_pem: String,
    intermediate: CertificateDer<'static>,
    leaf: CertificateDer<'static>,
    leaf_key: KeyPair,
    root_pin: String,
    intermediate_pin: String,
    leaf_pin: String,
}

fn pin(key: &KeyPair) -> String {
    let hash = Sha256::digest(key.subject_public_key_info());
    format!(
        "sha256/{}",
        base64::engine::general_purpose::STANDARD.encode(hash)
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

fn chain() -> Chain {
    let root_key = KeyPair::generate().unwrap();
    let root_params = ca_params("ferrofit test root");
    let root = root_params.self_signed(&root_key).unwrap();
    let root_pin = pin(&root_key);
    let root_issuer = Issuer::new(root_params, root_key);
    let intermediate_key = KeyPair::generate().unwrap();
    let intermediate_params = ca_params("ferrofit test intermediate");
    let intermediate = intermediate_params
        .signed_by(&intermediate_key, &root_issuer)
        .unwrap();
    let intermediate_pin = pin(&intermediate_key);
    let intermediate_issuer = Issuer::new(intermediate_params, intermediate_key);
    leaf_chain(
        root.pem(),
        root_pin,
        intermediate.der().clone(),
        intermediate_pin,
        &intermediate_issuer,
    )
}

fn leaf_chain(
    root_pem: String,
    root_pin: String,
    intermediate: CertificateDer<'static>,
    intermediate_pin: String,
    issuer: &Issuer<'_, KeyPair>,
) -> Chain {
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["localhost".to_owned()])
        .unwrap()
        .signed_by(&leaf_key, issuer)
        .unwrap();
    Chain {
        root_pem,
        intermediate,
        leaf: leaf.der().clone(),
        leaf_pin: pin(&leaf_key),
        leaf_key,
        root_pin,
        intermediate_pin,
    }
}

/// Serves HTTPS on 127.0.0.1 with `chain`, offering HTTP/2 and HTTP/1.1; returns the base URL
/// (`https://localhost:PORT`) and a count of HTTP requests served.
async fn serve(chain: &Chain) -> (String, Arc<std::sync::atomic::AtomicUsize>) {
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(chain.leaf_key.serialize_der()));
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![chain.leaf.clone(), chain.intermediate.clone()], key)
    .unwrap();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let requests = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = requests.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (acceptor, counter) = (acceptor.clone(), counter.clone());
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(stream).await else {
                    return;
                };
                let service = hyper::service::service_fn(move |_request| {
                    counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
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
    (format!("https://localhost:{port}"), requests)
}

const OTHER_PIN: &str = "sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

/// A well-formed pin of no key in these tests.
fn unused_pin(byte: u8) -> String {
    format!(
        "sha256/{}",
        base64::engine::general_purpose::STANDARD.encode([byte; 32])
    )
}

fn api(base: &str, chain: &Chain, pins: &[(&str, Vec<String>)]) -> ferrofit::Result<SecureClient> {
    let mut builder = ferrofit::Client::builder()
        .base_url(base)
        .add_root_certificate(&chain.root_pem)
        .interceptor(RetryInterceptor::new(RetryPolicy::new()));
    for (host, host_pins) in pins {
        builder = builder.pin(host, host_pins.clone());
    }
    Ok(SecureClient::new(builder.build()?))
}

#[tokio::test]
async fn a_pinned_leaf_passes_and_http2_is_still_negotiated() {
    let chain = chain();
    let (base, _) = serve(&chain).await;
    let api = api(
        &base,
        &chain,
        &[("localhost", vec![chain.leaf_pin.clone(), OTHER_PIN.into()])],
    )
    .unwrap();
    let response = api.ping().await.unwrap();
    assert_eq!(response.as_str(), "secure pong");
    assert_eq!(response.version(), Version::HTTP_2);
}

#[tokio::test]
async fn a_pinned_intermediate_passes() {
    let chain = chain();
    let (base, _) = serve(&chain).await;
    let pins = vec![OTHER_PIN.to_owned(), chain.intermediate_pin.clone()];
    assert!(
        api(&base, &chain, &[("localhost", pins)])
            .unwrap()
            .ping()
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn a_wrong_pin_fails_with_a_pinning_error_listing_both_sides_and_is_not_retried() {
    let chain = chain();
    let (base, requests) = serve(&chain).await;
    // The root's key is no pin either: the server does not present the root.
    let wrong = vec![OTHER_PIN.to_owned(), chain.root_pin.clone()];
    let error = api(&base, &chain, &[("localhost", wrong)])
        .unwrap()
        .ping()
        .await
        .unwrap_err();
    match &error {
        Error::Tls {
            kind: TlsKind::Pinning,
            message,
            ..
        } => {
            assert!(message.contains(OTHER_PIN), "{message}");
            assert!(
                message.contains(&chain.leaf_pin),
                "the actual pins: {message}"
            );
            assert!(message.contains(&chain.intermediate_pin), "{message}");
        }
        other => panic!("expected a pinning error, got {other:?}"),
    }
    assert!(!error.is_retryable());
    assert_eq!(error.attempts(), 1, "never retried");
    assert_eq!(
        requests.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "nothing was sent"
    );
}

#[tokio::test]
async fn a_backup_pin_keeps_working_after_the_key_rotates() {
    let old = chain();
    let (old_base, _) = serve(&old).await;
    // The new server has a new leaf key, under a chain of the same shape.
    let new = chain();
    let (new_base, _) = serve(&new).await;
    let pins = vec![old.leaf_pin.clone(), new.leaf_pin.clone()];
    for (base, chain) in [(&old_base, &old), (&new_base, &new)] {
        let api = api(base, chain, &[("localhost", pins.clone())]).unwrap();
        assert!(api.ping().await.is_ok(), "{base}");
    }
}

#[tokio::test]
async fn wildcard_patterns_choose_the_hosts_they_pin() {
    let chain = chain();
    let (base, _) = serve(&chain).await;
    let wrong = vec![OTHER_PIN.to_owned(), unused_pin(1)];
    // `**.localhost` covers `localhost` itself: pinned, and wrong.
    let error = api(&base, &chain, &[("**.localhost", wrong.clone())])
        .unwrap()
        .ping()
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::Tls {
                kind: TlsKind::Pinning,
                ..
            }
        ),
        "{error:?}"
    );
    // `*.localhost` needs one more label: `localhost` is not pinned and validates as usual.
    assert!(
        api(&base, &chain, &[("*.localhost", wrong)])
            .unwrap()
            .ping()
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn unpinned_hosts_are_validated_as_usual_and_validation_still_runs() {
    let chain = chain();
    let (base, _) = serve(&chain).await;
    let elsewhere = vec![OTHER_PIN.to_owned(), unused_pin(2)];
    let response = api(&base, &chain, &[("api.example.com", elsewhere)])
        .unwrap()
        .ping()
        .await
        .unwrap();
    assert_eq!(
        response.version(),
        Version::HTTP_2,
        "ALPN is set on our configuration"
    );
    // A matching pin does not replace validation: without the private root, the chain fails.
    let untrusted = ferrofit::Client::builder()
        .base_url(&base)
        .pin("localhost", [chain.leaf_pin.clone(), OTHER_PIN.to_owned()])
        .build()
        .unwrap();
    let error = SecureClient::new(untrusted).ping().await.unwrap_err();
    assert!(
        matches!(error, Error::Network { .. }),
        "validation failed first: {error:?}"
    );
}

#[tokio::test]
async fn a_single_pin_is_refused_unless_allowed_and_bad_pins_fail_at_build() {
    let error = ferrofit::Client::builder()
        .base_url("https://localhost")
        .pin("localhost", [OTHER_PIN])
        .build()
        .unwrap_err();
    assert!(error.to_string().contains("backup"), "{error}");
    ferrofit::Client::builder()
        .base_url("https://localhost")
        .pin("localhost", [OTHER_PIN])
        .allow_single_pin()
        .build()
        .unwrap();
    for (host, pin) in [("localhost", "sha1/abc"), ("a.*.com", OTHER_PIN)] {
        let error = ferrofit::Client::builder()
            .base_url("https://localhost")
            .pin(host, [pin, OTHER_PIN])
            .build()
            .unwrap_err();
        assert!(
            matches!(error, Error::Config { .. }),
            "{host} {pin}: {error:?}"
        );
    }
}

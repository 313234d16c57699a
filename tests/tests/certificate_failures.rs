//! A server whose certificate fails validation — an unknown issuer, an expired certificate,
//! another host's name, a broken signature — gives `Error::Tls` of that kind, once: a client
//! with a `RetryInterceptor` makes one handshake and sends no request.

mod support;

use ferrofit::retry::{RetryInterceptor, RetryPolicy};
use ferrofit::{Error, TlsKind, rest_api};
use support::tls::{Ca, Leaf, TlsServer};

#[rest_api]
trait Secure {
    #[get("/ping")]
    async fn ping(&self) -> ferrofit::Result<String>;
}

/// Calls a server presenting `leaf` (and `intermediate`), trusting `root` unless `None`,
/// through a retrying client; returns the error and the server.
async fn refused(leaf: &Leaf, intermediate: &Ca, root: Option<&Ca>) -> (Error, TlsServer) {
    let presented = vec![leaf.der.clone(), intermediate.der.clone()];
    let server = TlsServer::start(presented, &leaf.key).await;
    let mut builder = ferrofit::Client::builder()
        .base_url(server.url("localhost"))
        .interceptor(RetryInterceptor::new(RetryPolicy::new()));
    if let Some(root) = root {
        builder = builder.add_root_certificate(&root.pem);
    }
    let api = SecureClient::new(builder.build().unwrap());
    let error = api.ping().await.unwrap_err();
    (error, server)
}

#[track_caller]
fn assert_refused_once(error: &Error, server: &TlsServer, expected: TlsKind) {
    match error {
        Error::Tls { kind, message, .. } => {
            assert_eq!(*kind, expected, "{message}");
            assert!(message.contains("certificate"), "{message}");
        }
        other => panic!("expected Error::Tls {{ kind: {expected:?} }}, got {other:?}"),
    }
    assert!(!error.is_retryable(), "{error:?}");
    assert_eq!(error.attempts(), 1, "never retried");
    assert_eq!(server.handshakes(), 1, "one handshake");
    assert_eq!(server.requests(), 0, "no request reached the server");
}

fn private_chain() -> (Ca, Ca) {
    let root = Ca::root("certificate failures root");
    let intermediate = root.intermediate("certificate failures intermediate");
    (root, intermediate)
}

#[tokio::test]
async fn a_chain_to_an_untrusted_root_is_an_unknown_issuer() {
    let (_root, intermediate) = private_chain();
    let leaf = intermediate.leaf(&["localhost"]);
    let (error, server) = refused(&leaf, &intermediate, None).await;
    assert_refused_once(&error, &server, TlsKind::UnknownIssuer);
}

#[tokio::test]
async fn an_expired_certificate_is_expired() {
    let (root, intermediate) = private_chain();
    let leaf = intermediate.leaf_with(&["localhost"], |params| {
        params.not_before = rcgen::date_time_ymd(2020, 1, 1);
        params.not_after = rcgen::date_time_ymd(2021, 1, 1);
    });
    let (error, server) = refused(&leaf, &intermediate, Some(&root)).await;
    assert_refused_once(&error, &server, TlsKind::Expired);
}

#[tokio::test]
async fn a_certificate_for_another_host_is_the_wrong_name() {
    let (root, intermediate) = private_chain();
    let leaf = intermediate.leaf(&["api.example.com"]);
    let (error, server) = refused(&leaf, &intermediate, Some(&root)).await;
    assert_refused_once(&error, &server, TlsKind::WrongName);
}

#[tokio::test]
async fn a_certificate_whose_signature_was_altered_has_a_bad_signature() {
    let (root, intermediate) = private_chain();
    let mut leaf = intermediate.leaf(&["localhost"]);
    // The signature is the certificate's last field: flipping its last bit keeps the DER
    // well formed and breaks the signature.
    let mut der = leaf.der.to_vec();
    *der.last_mut().unwrap() ^= 0x01;
    leaf.der = der.into();
    let (error, server) = refused(&leaf, &intermediate, Some(&root)).await;
    assert_refused_once(&error, &server, TlsKind::BadSignature);
}

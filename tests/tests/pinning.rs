//! Certificate pinning against a local TLS server whose chain (root CA → intermediate → leaf
//! for `localhost`) is made here with rcgen (`support::tls`): leaf, intermediate and root pins
//! pass, wrong pins fail once and are never retried, backup pins survive a key rotation,
//! wildcards pin what they say. `pinning_attacks.rs` plays the impostor.

mod support;

use ferrofit::http::Version;
use ferrofit::retry::{RetryInterceptor, RetryPolicy};
use ferrofit::{Error, Response, TlsKind, rest_api};
use support::tls::{Chain, TlsServer, assert_pinning_error, unused_pin};

#[rest_api]
trait Secure {
    #[get("/ping")]
    async fn ping(&self) -> ferrofit::Result<Response<String>>;
}

const OTHER_PIN: &str = "sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

async fn serve(chain: &Chain) -> TlsServer {
    TlsServer::start(chain.presented(), &chain.leaf.key).await
}

fn api(base: &str, roots: &[&str], pins: &[(&str, Vec<String>)]) -> ferrofit::Result<SecureClient> {
    let mut builder = ferrofit::Client::builder()
        .base_url(base)
        .interceptor(RetryInterceptor::new(RetryPolicy::new()));
    for root in roots {
        builder = builder.add_root_certificate(root);
    }
    for (host, host_pins) in pins {
        builder = builder.pin(host, host_pins.clone());
    }
    Ok(SecureClient::new(builder.build()?))
}

#[tokio::test]
async fn a_pinned_leaf_passes_and_http2_is_still_negotiated() {
    let chain = Chain::new();
    let server = serve(&chain).await;
    let pins = vec![chain.leaf.pin.clone(), OTHER_PIN.into()];
    let api = api(
        &server.url("localhost"),
        &[&chain.root.pem],
        &[("localhost", pins)],
    )
    .unwrap();
    let response = api.ping().await.unwrap();
    assert_eq!(response.as_str(), "secure pong");
    assert_eq!(response.version(), Version::HTTP_2);
}

#[tokio::test]
async fn a_pinned_intermediate_passes() {
    let chain = Chain::new();
    let server = serve(&chain).await;
    let pins = vec![OTHER_PIN.to_owned(), chain.intermediate.pin.clone()];
    let api = api(
        &server.url("localhost"),
        &[&chain.root.pem],
        &[("localhost", pins)],
    )
    .unwrap();
    assert_eq!(api.ping().await.unwrap().as_str(), "secure pong");
}

#[tokio::test]
async fn a_pinned_root_that_the_server_never_sends_passes() {
    let chain = Chain::new();
    let server = serve(&chain).await;
    assert!(
        !chain.presented().contains(&chain.root.der),
        "the root is not presented"
    );
    let pins = vec![OTHER_PIN.to_owned(), chain.root.pin.clone()];
    let api = api(
        &server.url("localhost"),
        &[&chain.root.pem],
        &[("localhost", pins)],
    )
    .unwrap();
    assert_eq!(api.ping().await.unwrap().as_str(), "secure pong");
}

#[tokio::test]
async fn a_wrong_pin_fails_with_a_pinning_error_listing_both_sides_and_is_not_retried() {
    let chain = Chain::new();
    let server = serve(&chain).await;
    let wrong = vec![OTHER_PIN.to_owned(), unused_pin(3)];
    let error = api(
        &server.url("localhost"),
        &[&chain.root.pem],
        &[("localhost", wrong)],
    )
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
            for actual in [&chain.leaf.pin, &chain.intermediate.pin, &chain.root.pin] {
                assert!(
                    message.contains(actual.as_str()),
                    "the validated chain's pins: {message}"
                );
            }
        }
        other => panic!("expected a pinning error, got {other:?}"),
    }
    assert!(!error.is_retryable());
    assert_eq!(error.attempts(), 1, "never retried");
    assert_eq!(server.handshakes(), 1, "one handshake");
    assert_eq!(server.requests(), 0, "nothing was sent");
}

#[tokio::test]
async fn a_backup_pin_keeps_working_after_the_key_rotates() {
    let old = Chain::new();
    let old_server = serve(&old).await;
    // The new server has a new leaf key, under a chain of the same shape.
    let new = Chain::new();
    let new_server = serve(&new).await;
    let pins = vec![old.leaf.pin.clone(), new.leaf.pin.clone()];
    for (server, chain) in [(&old_server, &old), (&new_server, &new)] {
        let base = server.url("localhost");
        let api = api(&base, &[&chain.root.pem], &[("localhost", pins.clone())]).unwrap();
        assert_eq!(api.ping().await.unwrap().as_str(), "secure pong", "{base}");
    }
}

#[tokio::test]
async fn wildcard_patterns_choose_the_hosts_they_pin() {
    let chain = Chain::new();
    let server = serve(&chain).await;
    let base = server.url("localhost");
    let wrong = vec![OTHER_PIN.to_owned(), unused_pin(1)];
    // `**.localhost` covers `localhost` itself: pinned, and wrong.
    let error = api(
        &base,
        &[&chain.root.pem],
        &[("**.localhost", wrong.clone())],
    )
    .unwrap()
    .ping()
    .await
    .unwrap_err();
    assert_pinning_error(&error);
    // `*.localhost` needs one more label: `localhost` is not pinned and validates as usual.
    let api = api(&base, &[&chain.root.pem], &[("*.localhost", wrong)]).unwrap();
    assert_eq!(api.ping().await.unwrap().as_str(), "secure pong");
}

#[tokio::test]
async fn unpinned_hosts_are_validated_as_usual_and_validation_still_runs() {
    let chain = Chain::new();
    let server = serve(&chain).await;
    let base = server.url("localhost");
    let elsewhere = vec![OTHER_PIN.to_owned(), unused_pin(2)];
    let response = api(&base, &[&chain.root.pem], &[("api.example.com", elsewhere)])
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
    let untrusted = api(
        &base,
        &[],
        &[(
            "localhost",
            vec![chain.leaf.pin.clone(), OTHER_PIN.to_owned()],
        )],
    )
    .unwrap();
    let error = untrusted.ping().await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::Tls {
                kind: TlsKind::UnknownIssuer,
                ..
            }
        ),
        "validation failed first: {error:?}"
    );
    assert_eq!(error.attempts(), 1, "never retried");
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

//! Pinning against an adversary: an impostor that presents the real (public) leaf after its
//! own is refused, because pins are matched on the chain validation built, not on what was
//! sent (OkHttp's CVE-2016-2402); and a pin pattern is read as the TLS layer sees the host, so
//! `127.1` pins `127.0.0.1` and a pattern that could never match fails at `build()`.

mod support;

use ferrofit::retry::{RetryInterceptor, RetryPolicy};
use ferrofit::{Error, Response, rest_api};
use support::tls::{Ca, Chain, TlsServer, assert_pinning_error, unused_pin};

#[rest_api]
trait Secure {
    #[get("/ping")]
    async fn ping(&self) -> ferrofit::Result<Response<String>>;
}

#[tokio::test]
async fn an_impostor_presenting_the_real_leaf_after_its_own_is_refused() {
    // Two CAs the client trusts; the real server's leaf comes from one, the impostor's from
    // the other. The real leaf is public: the impostor sends it along.
    let real = Chain::new();
    let other_ca = Ca::root("another trusted CA");
    let impostor = other_ca.leaf(&["localhost"]);
    let presented = vec![
        impostor.der.clone(),
        real.leaf.der.clone(),
        real.intermediate.der.clone(),
    ];
    let server = TlsServer::start(presented, &impostor.key).await;
    let client = ferrofit::Client::builder()
        .base_url(server.url("localhost"))
        .add_root_certificate(&real.root.pem)
        .add_root_certificate(&other_ca.pem)
        .pin("localhost", [real.leaf.pin.clone(), unused_pin(9)])
        .interceptor(RetryInterceptor::new(RetryPolicy::new()))
        .build()
        .unwrap();
    let error = SecureClient::new(client).ping().await.unwrap_err();
    assert_pinning_error(&error);
    if let Error::Tls { message, .. } = &error {
        assert!(
            message.contains(&impostor.pin),
            "the pins of the chain used: {message}"
        );
        assert!(message.contains(&other_ca.pin), "{message}");
    }
    assert_eq!(server.requests(), 0, "nothing was sent to the impostor");
    assert_eq!(server.handshakes(), 1);

    // The real server, with the same client settings, is accepted.
    let genuine = TlsServer::start(real.presented(), &real.leaf.key).await;
    let client = ferrofit::Client::builder()
        .base_url(genuine.url("localhost"))
        .add_root_certificate(&real.root.pem)
        .add_root_certificate(&other_ca.pem)
        .pin("localhost", [real.leaf.pin.clone(), unused_pin(9)])
        .build()
        .unwrap();
    assert_eq!(
        SecureClient::new(client).ping().await.unwrap().as_str(),
        "secure pong"
    );
}

#[tokio::test]
async fn an_impostor_cannot_borrow_a_pinned_intermediate_it_was_not_issued_by() {
    let real = Chain::new();
    let other_ca = Ca::root("another trusted CA");
    let impostor = other_ca.leaf(&["localhost"]);
    // The impostor appends the real intermediate, whose key is pinned.
    let presented = vec![impostor.der.clone(), real.intermediate.der.clone()];
    let server = TlsServer::start(presented, &impostor.key).await;
    let client = ferrofit::Client::builder()
        .base_url(server.url("localhost"))
        .add_root_certificate(&real.root.pem)
        .add_root_certificate(&other_ca.pem)
        .pin(
            "localhost",
            [real.intermediate.pin.clone(), real.root.pin.clone()],
        )
        .build()
        .unwrap();
    assert_pinning_error(&SecureClient::new(client).ping().await.unwrap_err());
}

#[tokio::test]
async fn an_ip_pin_written_in_shorthand_pins_the_address_it_names() {
    let root = Ca::root("ip root");
    let leaf = root.leaf(&["127.0.0.1"]);
    let server = TlsServer::start(vec![leaf.der.clone()], &leaf.key).await;
    // `https://127.1` is 127.0.0.1; the handshake names the canonical address.
    let base = server.url("127.1");
    let pinned = |pattern: &str, pins: [String; 2]| {
        ferrofit::Client::builder()
            .base_url(&base)
            .add_root_certificate(&root.pem)
            .pin(pattern, pins)
            .build()
            .map(SecureClient::new)
            .unwrap()
    };
    for pattern in ["127.1", "127.0.0.1", "0x7f.0.0.1"] {
        let error = pinned(pattern, [unused_pin(1), unused_pin(2)])
            .ping()
            .await
            .unwrap_err();
        assert_pinning_error(&error);
        let right = pinned(pattern, [leaf.pin.clone(), unused_pin(2)]);
        assert_eq!(
            right.ping().await.unwrap().as_str(),
            "secure pong",
            "{pattern}"
        );
    }
}

#[test]
fn pin_patterns_that_could_never_match_fail_at_build() {
    for pattern in [
        "api.example.com:443",
        "https://api.example.com",
        "*.10.0.0.1",
        "exa mple.com",
        "[::1",
    ] {
        let error = ferrofit::Client::builder()
            .base_url("https://api.example.com")
            .pin(pattern, [unused_pin(1), unused_pin(2)])
            .build()
            .unwrap_err();
        assert!(
            matches!(error, Error::Config { .. }),
            "{pattern}: {error:?}"
        );
        assert!(
            error.to_string().contains(pattern),
            "names the pattern: {error}"
        );
    }
    for pattern in [
        "[::1]",
        "::1",
        "bücher.example",
        "*.bücher.example",
        "127.1",
    ] {
        ferrofit::Client::builder()
            .base_url("https://api.example.com")
            .pin(pattern, [unused_pin(1), unused_pin(2)])
            .build()
            .unwrap_or_else(|e| panic!("{pattern}: {e}"));
    }
}

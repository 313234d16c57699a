//! Run with: cargo run --example pinning
//!
//! Certificate pinning: starts a local HTTPS server with a certificate generated on the spot,
//! calls it with the right pin (and a backup), then with pins of other keys, and prints the
//! error that names the expected and the actual pins.

use std::convert::Infallible;
use std::sync::Arc;

use base64::Engine as _;
use ferrofit::{Error, Response, rest_api};
use rcgen::{CertificateParams, KeyPair, PublicKeyData};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use sha2::{Digest, Sha256};

#[rest_api]
trait Bank {
    #[get("/balance")]
    async fn balance(&self) -> ferrofit::Result<Response<String>>;
}

/// `sha256/<base64>` of a key's SubjectPublicKeyInfo: the pin of every certificate for it.
fn pin(key: &KeyPair) -> String {
    let hash = Sha256::digest(key.subject_public_key_info());
    format!(
        "sha256/{}",
        base64::engine::general_purpose::STANDARD.encode(hash)
    )
}

/// An HTTPS server on 127.0.0.1 with a self-signed certificate for `localhost`.
async fn start_server(key: &KeyPair) -> Result<(String, String), Box<dyn std::error::Error>> {
    let certificate = CertificateParams::new(vec!["localhost".to_owned()])?.self_signed(key)?;
    let private = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_no_client_auth()
    .with_single_cert(vec![certificate.der().clone()], private)?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(stream).await else {
                    return;
                };
                let service = hyper::service::service_fn(|_request| async {
                    let body = http_body_util::Full::new(ferrofit::Bytes::from("€ 1,234.56"));
                    Ok::<_, Infallible>(hyper::Response::new(body))
                });
                let _ = hyper_util::server::conn::auto::Builder::new(
                    hyper_util::rt::TokioExecutor::new(),
                )
                .serve_connection(hyper_util::rt::TokioIo::new(tls), service)
                .await;
            });
        }
    });
    Ok((format!("https://localhost:{port}"), certificate.pem()))
}

fn client(base: &str, ca_pem: &str, pins: [String; 2]) -> ferrofit::Result<BankClient> {
    let client = ferrofit::Client::builder()
        .base_url(base)
        // The demo certificate is its own CA: trust it, as an app would trust a private CA.
        .add_root_certificate(ca_pem)
        .pin("localhost", pins)
        .build()?;
    Ok(BankClient::new(client))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server_key = KeyPair::generate()?;
    let backup_key = KeyPair::generate()?;
    let (base, ca_pem) = start_server(&server_key).await?;
    println!("demo server: {base}");

    let pinned = client(&base, &ca_pem, [pin(&server_key), pin(&backup_key)])?;
    let balance = pinned.balance().await?;
    println!(
        "with the right pin: {} over {:?}",
        balance.as_str(),
        balance.version()
    );

    let attacker = [pin(&KeyPair::generate()?), pin(&KeyPair::generate()?)];
    match client(&base, &ca_pem, attacker)?.balance().await {
        Err(error @ Error::Tls { .. }) => println!("with other pins: {error}"),
        Err(other) => return Err(format!("expected a pinning error, got {other}").into()),
        Ok(_) => return Err("a wrong pin was accepted".into()),
    }
    Ok(())
}

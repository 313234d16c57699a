//! Run with: cargo run --example cache_proxy -- [PORT] [ORIGIN]
//!
//! A reverse proxy whose every request goes through a ferrofit client with a
//! `CacheInterceptor` (standard policy, memory store): the harness that puts the cache in front
//! of the HTTP cache conformance suite (`tests/conformance/run.sh`). Listens on 127.0.0.1:PORT
//! (default 8080; 0 takes a free port and prints it) and forwards to ORIGIN (default
//! http://127.0.0.1:8000).

use std::net::SocketAddr;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use ferrofit::cache::{CacheInterceptor, MemoryStore};
use ferrofit::{Client, Error};

/// Headers that belong to one connection, not to the message (RFC 9110 §7.6.1).
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
];

fn end_to_end(headers: &HeaderMap) -> HeaderMap {
    let mut kept = headers.clone();
    for name in HOP_BY_HOP {
        kept.remove(*name);
    }
    kept
}

async fn forward(State(client): State<Client>, request: Request) -> Response {
    let target = request.uri().path_and_query().map_or("/", |p| p.as_str());
    let Ok(url) = format!("{}{target}", client.base_url()).parse() else {
        return (StatusCode::BAD_REQUEST, "bad target").into_response();
    };
    let (parts, body) = request.into_parts();
    let body: Bytes = match axum::body::to_bytes(body, 64 * 1024 * 1024).await {
        Ok(body) => body,
        Err(_) => return (StatusCode::BAD_REQUEST, "unreadable body").into_response(),
    };
    let mut outgoing = ferrofit::Request::new(parts.method, url);
    *outgoing.headers_mut() = end_to_end(&parts.headers);
    if !body.is_empty() {
        outgoing.set_body(body);
    }
    let what = format!("{} {}", outgoing.method(), outgoing.url());
    match client.send(outgoing).await {
        Ok(response) => {
            let mut reply = (response.status(), response.body().clone()).into_response();
            *reply.headers_mut() = end_to_end(response.headers());
            reply
        }
        Err(Error::CacheMiss { .. }) => StatusCode::GATEWAY_TIMEOUT.into_response(),
        // The origin hung up and the cache had nothing it may serve (a stale response under
        // `must-revalidate` or `no-cache` is not): a gateway answers 504 (RFC 9111 §4.2.4,
        // §5.2.2.2), which is what the client's `Error::Network` says.
        Err(error @ Error::Network { .. }) => failure(StatusCode::GATEWAY_TIMEOUT, &what, &error),
        Err(error) => failure(StatusCode::BAD_GATEWAY, &what, &error),
    }
}

/// A reply the proxy makes up when the client failed: the error goes to stderr (the harness
/// prints the log when the suite fails) and into `x-proxy-error`, which the suite prints with
/// a failed setup.
fn failure(status: StatusCode, request: &str, error: &Error) -> Response {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    eprintln!("{request}: {status}: {text}");
    let mut reply = (status, text.clone()).into_response();
    if let Ok(value) = text.replace(['\r', '\n'], " ").parse() {
        reply.headers_mut().insert("x-proxy-error", value);
    }
    reply
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let port: u16 = args.next().map_or(Ok(8080), |p| p.parse())?;
    let origin = args
        .next()
        .unwrap_or_else(|| "http://127.0.0.1:8000".to_owned());
    // A proxy passes redirects and encodings through as they are. The suite's server (node)
    // closes a keep-alive connection after 5 s idle; a connection picked from the pool just as
    // it does fails the request ("connection closed before message completed": the likely
    // cause of the 504s CI once saw on setup PUTs). Connections idle for a second are not
    // reused, so the pool never hands out one node is closing.
    let transport = reqwest::Client::builder()
        .pool_idle_timeout(std::time::Duration::from_secs(1))
        .redirect(reqwest::redirect::Policy::none())
        .no_gzip()
        .no_brotli()
        .no_zstd()
        .no_deflate()
        .build()?;
    let client = Client::builder()
        .base_url(origin)
        .http_client(transport)
        .cache(CacheInterceptor::new(MemoryStore::new(256 * 1024 * 1024)))
        .build()?;
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    let listener = tokio::net::TcpListener::bind(address).await?;
    // Port 0 takes a free port; the line below names the one taken (the harness reads it).
    let address = listener.local_addr()?;
    println!("cache proxy on http://{address}/ → {}", client.base_url());
    axum::serve(listener, Router::new().fallback(forward).with_state(client)).await?;
    Ok(())
}

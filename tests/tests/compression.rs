//! Compressed responses: gzip, brotli, zstd and deflate are decoded transparently (encoded by
//! tower-http, an implementation we did not write), and the size limit applies to the decoded
//! body, so a small compressed body that inflates past it fails cleanly. A streamed body whose
//! size the caller did not choose may decode to at most 100 times what arrived.

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::http::{HeaderMap, Response as HttpResponse};
use axum::routing::get;
use ferrofit::{ByteStream, Error, rest_api};
use futures_util::StreamExt;
use serde::Deserialize;
use tower_http::compression::CompressionLayer;

#[derive(Debug, Deserialize, PartialEq)]
struct Catalog {
    items: Vec<String>,
}

#[rest_api]
trait Compressed {
    #[get("/<encoding>/catalog")]
    async fn catalog(&self, encoding: &str) -> ferrofit::Result<Catalog>;

    #[get("/gzip/catalog")]
    async fn catalog_stream(&self) -> ferrofit::Result<ByteStream>;

    #[get("/bomb")]
    async fn bomb(&self) -> ferrofit::Result<Catalog>;

    #[get("/bomb")]
    async fn bomb_stream(&self) -> ferrofit::Result<ByteStream>;
}

fn catalog() -> serde_json::Value {
    let items: Vec<String> = (0..500).map(|i| format!("item number {i}")).collect();
    serde_json::json!({ "items": items })
}

/// What the server saw and sent: the request's `Accept-Encoding`, the reply's `Content-Encoding`.
#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<(String, String)>>>);

fn compressed_routes(seen: &Seen) -> Router {
    let layers = [
        (
            "gzip",
            CompressionLayer::new().no_br().no_deflate().no_zstd(),
        ),
        (
            "br",
            CompressionLayer::new().no_gzip().no_deflate().no_zstd(),
        ),
        (
            "zstd",
            CompressionLayer::new().no_gzip().no_deflate().no_br(),
        ),
        (
            "deflate",
            CompressionLayer::new().no_gzip().no_br().no_zstd(),
        ),
    ];
    let mut router = Router::new();
    for (name, layer) in layers {
        let seen = seen.clone();
        let route = Router::new()
            .route(
                &format!("/{name}/catalog"),
                get(|| async { axum::Json(catalog()) }),
            )
            .layer(layer)
            .layer(axum::middleware::from_fn(
                move |request: axum::extract::Request, next: axum::middleware::Next| {
                    let seen = seen.clone();
                    async move {
                        let accept = header(request.headers(), "accept-encoding");
                        let response = next.run(request).await;
                        let sent = header(response.headers(), "content-encoding");
                        seen.0.lock().unwrap().push((accept, sent));
                        response
                    }
                },
            ));
        router = router.merge(route);
    }
    router
}

static BOMB: std::sync::LazyLock<Vec<u8>> = std::sync::LazyLock::new(gzip_bomb);

fn header(headers: &HeaderMap, name: &str) -> String {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// 32 MiB of zeros, gzipped to a few tens of kilobytes.
fn gzip_bomb() -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let zeros = vec![0_u8; 1024 * 1024];
    for _ in 0..32 {
        encoder.write_all(&zeros).unwrap();
    }
    encoder.finish().unwrap()
}

async fn server(seen: &Seen) -> String {
    let bomb = BOMB.clone();
    let router = compressed_routes(seen).route(
        "/bomb",
        get(move || {
            let bomb = bomb.clone();
            async move {
                HttpResponse::builder()
                    .header("content-type", "application/json")
                    .header("content-encoding", "gzip")
                    .body(axum::body::Body::from(bomb))
                    .unwrap()
            }
        }),
    );
    support::server::serve(router).await
}

#[tokio::test]
async fn every_supported_encoding_is_decoded_transparently() {
    let seen = Seen::default();
    let api = CompressedClient::new(support::client(&server(&seen).await));
    for encoding in ["gzip", "br", "zstd", "deflate"] {
        let decoded = api.catalog(encoding).await.unwrap();
        assert_eq!(decoded.items.len(), 500, "{encoding}");
        assert_eq!(decoded.items[499], "item number 499");
        let (accepted, sent) = seen.0.lock().unwrap().pop().unwrap();
        assert_eq!(sent, encoding, "the server really compressed");
        for offered in ["gzip", "br", "zstd", "deflate"] {
            assert!(
                accepted.contains(offered),
                "Accept-Encoding `{accepted}` lacks {offered}"
            );
        }
    }
}

#[tokio::test]
async fn a_streamed_body_is_decoded_too() {
    let seen = Seen::default();
    let api = CompressedClient::new(support::client(&server(&seen).await));
    let chunks: Vec<_> = api.catalog_stream().await.unwrap().collect().await;
    let body: Vec<u8> = chunks
        .into_iter()
        .map(Result::unwrap)
        .collect::<Vec<_>>()
        .concat();
    let decoded: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(decoded, catalog());
    assert_eq!(seen.0.lock().unwrap().pop().unwrap().1, "gzip");
}

#[tokio::test]
async fn a_zip_bomb_fails_at_the_decoded_size_limit() {
    let seen = Seen::default();
    let client = ferrofit::Client::builder()
        .base_url(server(&seen).await)
        .max_response_size(1024 * 1024)
        .build()
        .unwrap();
    assert!(
        gzip_bomb().len() < 1024 * 1024,
        "the compressed body is under the limit"
    );
    let error = CompressedClient::new(client).bomb().await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::ResponseTooLarge {
                limit: 1_048_576,
                ..
            }
        ),
        "{error:?}"
    );
}

async fn bytes_of(stream: ByteStream) -> ferrofit::Result<u64> {
    let mut total = 0;
    let mut stream = stream;
    while let Some(chunk) = stream.next().await {
        total += chunk?.len() as u64;
    }
    Ok(total)
}

#[tokio::test]
async fn a_streamed_bomb_stops_at_the_ratio_bound_and_leaves_no_file() {
    let seen = Seen::default();
    let api = CompressedClient::new(support::client(&server(&seen).await));
    let compressed = gzip_bomb().len() as u64;
    assert!(
        32 * 1024 * 1024 / compressed > 100,
        "inflates more than 100 times"
    );
    let dir = std::env::temp_dir().join(format!("ferrofit-bomb-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let target = dir.join("bomb.json");
    let error = api
        .bomb_stream()
        .await
        .unwrap()
        .download_to(&target)
        .await
        .unwrap_err();
    assert!(matches!(error, Error::ResponseTooLarge { .. }), "{error:?}");
    assert!(!target.exists());
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        0,
        "no partial file left"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_stream_whose_size_the_caller_chose_decodes_past_the_ratio() {
    let seen = Seen::default();
    let api = CompressedClient::new(support::client(&server(&seen).await));
    let stream = api.bomb_stream().await.unwrap().limit(64 * 1024 * 1024);
    assert_eq!(bytes_of(stream).await.unwrap(), 32 * 1024 * 1024);
}

#[tokio::test]
async fn max_download_size_bounds_every_stream_of_the_client() {
    let seen = Seen::default();
    let client = ferrofit::Client::builder()
        .base_url(server(&seen).await)
        .max_download_size(8 * 1024 * 1024)
        .build()
        .unwrap();
    let api = CompressedClient::new(client);
    let error = bytes_of(api.bomb_stream().await.unwrap())
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::ResponseTooLarge {
                limit: 8_388_608,
                ..
            }
        ),
        "{error:?}"
    );
    // A body under the limit arrives whole.
    let catalog = bytes_of(api.catalog_stream().await.unwrap()).await.unwrap();
    assert!(catalog > 5000);
}

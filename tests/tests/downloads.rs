//! Streaming downloads (`ByteStream`, `download_to`), progress in both directions, and the
//! receive timeout and cancellation while a body streams.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body as AxumBody;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::routing::{get, put};
use bytes::Bytes;
use ferrofit::{Body, ByteStream, CancelToken, Error, Progress, Response, TimeoutPhase, rest_api};
use futures_util::StreamExt;

#[rest_api]
trait Files {
    #[get("/bytes/<len>")]
    async fn stream(
        &self,
        len: u64,
        #[progress] progress: Option<&Progress>,
    ) -> ferrofit::Result<ByteStream>;

    #[get("/bytes/<len>")]
    async fn stream_response(&self, len: u64) -> ferrofit::Result<Response<ByteStream>>;

    #[get("/bytes/<len>")]
    async fn buffered(&self, len: u64, #[progress] progress: &Progress) -> ferrofit::Result<Bytes>;

    #[get("/stall")]
    async fn stall(&self, #[cancel] cancel: Option<&CancelToken>) -> ferrofit::Result<ByteStream>;

    #[get("/missing")]
    async fn missing(&self) -> ferrofit::Result<ByteStream>;

    #[put("/sink")]
    async fn upload(
        &self,
        #[body] body: Body,
        #[progress] progress: &Progress,
    ) -> ferrofit::Result<String>;

    #[put("/sink")]
    async fn upload_with_callback(
        &self,
        #[body] body: Bytes,
        #[progress] progress: fn(u64, Option<u64>),
    ) -> ferrofit::Result<String>;
}

/// The byte at `offset` of every generated body.
fn pattern(offset: u64) -> u8 {
    (offset % 251) as u8
}

fn generated(len: u64) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> {
    const CHUNK: u64 = 64 * 1024;
    futures_util::stream::iter((0..len.div_ceil(CHUNK)).map(move |i| {
        let start = i * CHUNK;
        let end = (start + CHUNK).min(len);
        Ok(Bytes::from((start..end).map(pattern).collect::<Vec<u8>>()))
    }))
}

async fn server() -> String {
    let router = Router::new()
        .route(
            "/bytes/{len}",
            get(|Path(len): Path<u64>| async move {
                axum::response::Response::builder()
                    .header("content-length", len)
                    .header("x-kind", "generated")
                    .body(AxumBody::from_stream(generated(len)))
                    .unwrap()
            }),
        )
        .route(
            "/stall",
            get(|| async {
                let first = futures_util::stream::once(async {
                    Ok::<_, std::io::Error>(Bytes::from(vec![1_u8; 1024]))
                });
                let silence = futures_util::stream::once(async {
                    tokio::time::sleep(Duration::from_secs(30)).await;
                    Ok(Bytes::from_static(b"late"))
                });
                AxumBody::from_stream(first.chain(silence))
            }),
        )
        .route(
            "/missing",
            get(|| async { (StatusCode::NOT_FOUND, r#"{"message":"no such file"}"#) }),
        )
        .route(
            "/sink",
            put(|body: AxumBody| async move {
                let mut stream = body.into_data_stream();
                let mut total = 0_usize;
                while let Some(chunk) = stream.next().await {
                    total += chunk.unwrap().len();
                }
                total.to_string()
            }),
        );
    support::server::serve(router).await
}

async fn api() -> FilesClient {
    FilesClient::new(support::client(&server().await))
}

type Reports = Arc<Mutex<Vec<(u64, Option<u64>)>>>;

/// Records the progress reports of uploads and of downloads.
fn recorder() -> (Progress, Reports, Reports) {
    let (uploads, downloads) = (Reports::default(), Reports::default());
    let (up, down) = (uploads.clone(), downloads.clone());
    let progress = Progress::new()
        .on_upload(move |n, total| up.lock().unwrap().push((n, total)))
        .on_download(move |n, total| down.lock().unwrap().push((n, total)));
    (progress, uploads, downloads)
}

fn assert_monotonic_to(reports: &[(u64, Option<u64>)], total: u64) {
    assert!(
        reports.len() > 2,
        "reported as bytes moved, not once: {reports:?}"
    );
    assert!(
        reports.windows(2).all(|w| w[0].0 < w[1].0),
        "strictly growing"
    );
    assert!(
        reports.iter().all(|(_, t)| *t == Some(total)),
        "total known"
    );
    assert_eq!(reports.last().unwrap().0, total, "ends at the total");
}

#[tokio::test]
async fn a_stream_delivers_every_byte_in_chunks_with_monotonic_progress() {
    let api = api().await;
    let (progress, _, reports) = recorder();
    let len = 3 * 1024 * 1024 + 17;
    let mut stream = api.stream(len, Some(&progress)).await.unwrap();
    assert_eq!(stream.content_length(), Some(len));
    let (mut offset, mut chunks) = (0_u64, 0);
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.unwrap();
        assert!(
            chunk
                .iter()
                .enumerate()
                .all(|(i, b)| *b == pattern(offset + i as u64))
        );
        offset += chunk.len() as u64;
        chunks += 1;
    }
    assert_eq!(offset, len);
    assert!(chunks > 1);
    assert_monotonic_to(&reports.lock().unwrap(), len);
}

#[tokio::test]
async fn a_streamed_response_keeps_status_and_headers() {
    let response = api().await.stream_response(10).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["x-kind"], "generated");
    let body: Vec<Bytes> = response.into_inner().map(Result::unwrap).collect().await;
    assert_eq!(body.concat().len(), 10);
}

#[tokio::test]
async fn a_buffered_download_reports_progress_too() {
    let (progress, _, reports) = recorder();
    let body = api().await.buffered(1_000_000, &progress).await.unwrap();
    assert_eq!(body.len(), 1_000_000);
    assert_monotonic_to(&reports.lock().unwrap(), 1_000_000);
}

#[tokio::test]
async fn download_to_writes_the_whole_file() {
    let dir = support::TempDir::new();
    let target = dir.path().join("out.bin");
    let written = api()
        .await
        .stream(200_000, None)
        .await
        .unwrap()
        .download_to(&target)
        .await
        .unwrap();
    assert_eq!(written, 200_000);
    let saved = std::fs::read(&target).unwrap();
    assert!(
        saved
            .iter()
            .enumerate()
            .all(|(i, b)| *b == pattern(i as u64))
    );
    assert_eq!(dir.entries(), ["out.bin"], "no temporary file is left");
}

#[tokio::test]
async fn cancelling_mid_download_removes_the_partial_file_and_keeps_the_old_one() {
    let dir = support::TempDir::new();
    let target = dir.path().join("report.pdf");
    std::fs::write(&target, b"previous version").unwrap();
    let api = api().await;
    let cancel = CancelToken::new();
    let stream = api.stall(Some(&cancel)).await.unwrap();
    let download = tokio::spawn({
        let target = target.clone();
        async move { stream.download_to(&target).await }
    });
    // The first chunk has arrived and been written once a temporary file holds it.
    for _ in 0..400 {
        if dir.entries().len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(
        dir.entries().len(),
        2,
        "the download started: {:?}",
        dir.entries()
    );
    cancel.cancel("user left");
    let error = download.await.unwrap().unwrap_err();
    assert!(
        matches!(&error, Error::Cancelled { reason, .. } if reason == "user left"),
        "{error:?}"
    );
    assert_eq!(dir.entries(), ["report.pdf"], "the partial file is gone");
    assert_eq!(std::fs::read(&target).unwrap(), b"previous version");
}

#[tokio::test]
async fn the_receive_timeout_applies_between_chunks() {
    let client = ferrofit::Client::builder()
        .base_url(server().await)
        .receive_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let mut stream = FilesClient::new(client).stall(None).await.unwrap();
    assert_eq!(stream.next().await.unwrap().unwrap().len(), 1024);
    let error = stream.next().await.unwrap().unwrap_err();
    support::assert_timeout(&error, TimeoutPhase::Receive);
}

#[tokio::test]
async fn an_error_status_is_an_error_with_its_body_not_a_stream() {
    let error = api().await.missing().await.unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::NOT_FOUND));
    assert_eq!(
        error.body_json::<serde_json::Value>().unwrap()["message"],
        "no such file"
    );
}

#[tokio::test]
async fn a_file_upload_reports_monotonic_progress_to_its_size() {
    let dir = support::TempDir::new();
    let path = dir.path().join("upload.bin");
    let len = 2 * 1024 * 1024 + 3;
    std::fs::write(&path, vec![9_u8; len]).unwrap();
    let (progress, reports, downloads) = recorder();
    let received = api()
        .await
        .upload(Body::file(&path), &progress)
        .await
        .unwrap();
    assert_eq!(received, len.to_string());
    assert_monotonic_to(&reports.lock().unwrap(), len as u64);
    let body_len = received.len() as u64;
    assert_eq!(
        downloads.lock().unwrap().last(),
        Some(&(body_len, Some(body_len)))
    );
}

#[tokio::test]
async fn a_body_cut_short_fails_the_download_and_leaves_no_file() {
    let server = support::CaptureServer::start(support::Answer::StallBody(
        "HTTP/1.1 200 OK\r\ncontent-length: 100000\r\n\r\nonly the start",
        Duration::from_millis(20),
    ))
    .await;
    let api = FilesClient::new(support::client(&server.base_url));
    let dir = support::TempDir::new();
    let error = api
        .stream(100_000, None)
        .await
        .unwrap()
        .download_to(dir.path().join("cut.bin"))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Network { .. }), "{error:?}");
    assert!(dir.entries().is_empty(), "{:?}", dir.entries());
}

#[tokio::test]
async fn a_limited_download_fails_before_writing_past_the_limit() {
    let dir = support::TempDir::new();
    let error = api()
        .await
        .stream(500_000, None)
        .await
        .unwrap()
        .limit(100_000)
        .download_to(dir.path().join("big.bin"))
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::ResponseTooLarge { limit: 100_000, .. }),
        "{error:?}"
    );
    assert!(dir.entries().is_empty());
}

#[tokio::test]
async fn a_plain_callback_hears_the_upload_then_the_download() {
    static REPORTS: Mutex<Vec<(u64, Option<u64>)>> = Mutex::new(Vec::new());
    let received = api()
        .await
        .upload_with_callback(Bytes::from(vec![1_u8; 300_000]), |n, total| {
            REPORTS.lock().unwrap().push((n, total));
        })
        .await
        .unwrap();
    assert_eq!(received, "300000");
    let reports = REPORTS.lock().unwrap().clone();
    assert_eq!(
        reports.first(),
        Some(&(300_000, Some(300_000))),
        "{reports:?}"
    );
    assert_eq!(reports.last(), Some(&(6, Some(6))), "the reply `300000`");
}

//! Large transfers stay small in memory: a 50 MiB file uploaded as a multipart part and a
//! 100 MiB download saved with `download_to` each raise the process's peak resident memory by
//! a small fraction of their size. Peak memory is read from `/proc/self/status` (`VmHWM`),
//! reset before each transfer through `/proc/self/clear_refs`, so this runs on Linux only.
//!
//! `cargo test -p ferrofit-tests --test large_transfers -- --nocapture` prints the numbers.

#![cfg(target_os = "linux")]

mod support;

use std::io::Write;

use axum::Router;
use axum::extract::Multipart;
use axum::routing::{get, post};
use bytes::Bytes;
use ferrofit::{ByteStream, Part, rest_api};

#[rest_api]
trait Transfers {
    #[post("/upload")]
    #[multipart]
    async fn upload(&self, #[part] name: &str, #[part] file: Part) -> ferrofit::Result<String>;

    #[get("/download/<mib>")]
    async fn download(&self, mib: u64) -> ferrofit::Result<ByteStream>;
}

const MIB: u64 = 1024 * 1024;

/// Reads every part chunk by chunk (multer, through axum) and answers with the file's size.
async fn receive(mut form: Multipart) -> String {
    let mut file_bytes = 0_u64;
    while let Some(mut field) = form.next_field().await.expect("a valid form") {
        let is_file = field.name() == Some("file");
        while let Some(chunk) = field.chunk().await.expect("a valid part") {
            if is_file {
                file_bytes += chunk.len() as u64;
            }
        }
    }
    file_bytes.to_string()
}

async fn server() -> String {
    let chunk = Bytes::from(vec![b'z'; 64 * 1024]);
    let router = Router::new()
        .route("/upload", post(receive))
        .layer(axum::extract::DefaultBodyLimit::disable())
        .route(
            "/download/{mib}",
            get(move |axum::extract::Path(mib): axum::extract::Path<u64>| {
                let chunk = chunk.clone();
                async move {
                    let chunks = (0..mib * 16).map(move |_| Ok::<_, std::io::Error>(chunk.clone()));
                    axum::response::Response::builder()
                        .header("content-length", mib * MIB)
                        .body(axum::body::Body::from_stream(futures_util::stream::iter(
                            chunks,
                        )))
                        .expect("response")
                }
            }),
        );
    support::server::serve(router).await
}

/// `VmHWM` or `VmRSS` of this process, in bytes.
fn status_bytes(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let kib: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("field in /proc/self/status");
    kib * 1024
}

/// Peak memory growth while `transfer` runs: the peak is reset first when the kernel allows,
/// otherwise measured against the peak before.
async fn peak_growth<F: std::future::Future<Output = ()>>(transfer: F) -> u64 {
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let before = if reset {
        status_bytes("VmRSS:")
    } else {
        status_bytes("VmHWM:")
    };
    transfer.await;
    status_bytes("VmHWM:").saturating_sub(before)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_uploads_and_downloads_use_bounded_memory() {
    let api = TransfersClient::new(support::client(&server().await));
    let dir = support::TempDir::new();
    let upload_path = dir.path().join("upload.bin");
    {
        let mut file = std::fs::File::create(&upload_path).unwrap();
        let block = vec![b'u'; MIB as usize];
        for _ in 0..50 {
            file.write_all(&block).unwrap();
        }
    }
    // Warm up: the first call sets up the connection pool and the runtime's buffers.
    api.download(1)
        .await
        .unwrap()
        .download_to(dir.path().join("warm"))
        .await
        .unwrap();

    let upload = peak_growth(async {
        let size = api
            .upload("backup", Part::file(&upload_path))
            .await
            .unwrap();
        assert_eq!(size, (50 * MIB).to_string());
    })
    .await;
    let target = dir.path().join("download.bin");
    let download = peak_growth(async {
        let written = api
            .download(100)
            .await
            .unwrap()
            .download_to(&target)
            .await
            .unwrap();
        assert_eq!(written, 100 * MIB);
    })
    .await;
    assert_eq!(std::fs::metadata(&target).unwrap().len(), 100 * MIB);
    eprintln!(
        "peak memory growth: 50 MiB upload {:.1} MiB, 100 MiB download {:.1} MiB",
        upload as f64 / MIB as f64,
        download as f64 / MIB as f64
    );
    assert!(upload < 16 * MIB, "the upload was buffered: {upload} bytes");
    assert!(
        download < 16 * MIB,
        "the download was buffered: {download} bytes"
    );
}

//! The receive timeout means "the server was silent too long": it never fires while the client
//! is still uploading. (That it does not run while connecting is tested in `timeouts.rs`.)

mod support;

use std::time::Duration;

use bytes::Bytes;
use ferrofit::{Body, rest_api};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[rest_api]
trait Uploads {
    #[put("/upload")]
    async fn upload(&self, #[body] body: Body) -> ferrofit::Result<String>;
}

const MIB: usize = 1024 * 1024;

/// A server that reads request bodies at about 25 MiB/s (1 MiB, then 40 ms of rest), then
/// answers at once with the number of bytes it read.
async fn throttled_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(read_slowly(stream));
        }
    });
    base
}

async fn read_slowly(mut stream: TcpStream) {
    let mut head = Vec::new();
    let mut byte = [0_u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).await.unwrap_or(0) == 0 {
            return;
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    let mut buffer = vec![0_u8; 64 * 1024];
    let (mut read, mut since_rest) = (0, 0);
    while read < length {
        let n = stream.read(&mut buffer).await.unwrap_or(0);
        if n == 0 {
            return;
        }
        read += n;
        since_rest += n;
        if since_rest >= MIB {
            since_rest = 0;
            tokio::time::sleep(Duration::from_millis(40)).await;
        }
    }
    let reply = read.to_string();
    let response = format!(
        "HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n{reply}",
        reply.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_50_mib_upload_slower_than_the_receive_timeout_succeeds() {
    let client = ferrofit::Client::builder()
        .base_url(throttled_server().await)
        .receive_timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    let chunk = Bytes::from(vec![b'x'; MIB]);
    let chunks =
        futures_util::stream::iter((0..50).map(move |_| Ok::<_, std::io::Error>(chunk.clone())));
    let body = Body::from_stream(chunks, Some(50 * MIB as u64));
    let started = tokio::time::Instant::now();
    let read = UploadsClient::new(client).upload(body).await.unwrap();
    assert_eq!(read, (50 * MIB).to_string());
    // The server's pace alone takes 50 × 40 ms: the upload outlasted the receive timeout.
    assert!(started.elapsed() > Duration::from_secs(1));
}

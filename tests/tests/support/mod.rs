//! Helpers shared by the integration tests.

#![allow(dead_code, unreachable_pub)]

pub mod auth;
pub mod child;
pub mod feed_cache;
pub mod fleet;
pub mod hyper_server;
pub mod json_server;
pub mod listening;
pub mod log_capture;
pub mod origin;
pub mod prism;
pub mod redis;
pub mod rotating_provider;
pub mod server;
pub mod specs;
pub mod sse_servers;
pub mod tcp_gate;
pub mod tls;
pub mod tools;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Yields to other tasks until `done` holds; panics naming `what` after 10 s of real time
/// (a hang becomes a failure with a name). The limit is the wall clock, so it holds on
/// tokio's paused clock too, and yielding never advances that clock.
pub async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(
            std::time::Instant::now() < deadline,
            "waited 10 s for {what}"
        );
        tokio::task::yield_now().await;
    }
}

/// A loopback port that refuses connections, and the socket that holds it: bound but never
/// listening, so no other test can take the port while the socket lives.
pub fn refusing_port() -> (tokio::net::TcpSocket, u16) {
    let socket = tokio::net::TcpSocket::new_v4().expect("a socket");
    socket
        .bind("127.0.0.1:0".parse().expect("an address"))
        .expect("bind loopback");
    let port = socket.local_addr().expect("local addr").port();
    (socket, port)
}

/// A ferrofit client for a server's base URL.
pub fn client(base_url: &str) -> ferrofit::Client {
    ferrofit::Client::builder()
        .base_url(base_url)
        .build()
        .expect("test client builds")
}

/// A client builder for `base_url` whose requests `mock` answers.
pub fn mock_builder(
    base_url: &str,
    mock: &ferrofit::testing::MockTransport,
) -> ferrofit::ClientBuilder {
    ferrofit::Client::builder()
        .base_url(base_url)
        .transport(mock.clone())
}

/// A ferrofit client for `http://api.test` that answers from `mock`, behind `interceptor`.
pub fn mock_client(
    mock: &ferrofit::testing::MockTransport,
    interceptor: impl ferrofit::Interceptor,
) -> ferrofit::Client {
    mock_builder("http://api.test", mock)
        .interceptor(interceptor)
        .build()
        .expect("mock client builds")
}

/// One request as it arrived on the wire.
#[derive(Clone, Debug)]
pub struct Captured {
    pub method: String,
    /// The request target exactly as sent: path and query, still percent-encoded.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Captured {
    /// Every value of a header, in order.
    pub fn header_values(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// How the capture server answers.
#[derive(Clone)]
pub enum Answer {
    /// A complete response, written at once.
    Full(&'static str),
    /// Headers and the first part of a body, then silence for this long.
    StallBody(&'static str, Duration),
    /// Accept, read the request, then say nothing for this long (noting if the client hangs up).
    Silence(Duration),
}

/// A raw HTTP/1.1 server on 127.0.0.1 that records requests as they arrived.
pub struct CaptureServer {
    pub base_url: String,
    requests: Arc<Mutex<Vec<Captured>>>,
    hang_ups: Arc<AtomicUsize>,
}

impl CaptureServer {
    pub async fn start(answer: Answer) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let base_url = format!("http://{}", listener.local_addr().expect("local addr"));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let hang_ups = Arc::new(AtomicUsize::new(0));
        let (seen, hung_up) = (requests.clone(), hang_ups.clone());
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (seen, hung_up) = (seen.clone(), hung_up.clone());
                let answer = answer.clone();
                tokio::spawn(async move { serve(stream, seen, hung_up, answer).await });
            }
        });
        Self {
            base_url,
            requests,
            hang_ups,
        }
    }

    /// How many clients closed their connection while the server was silent.
    pub fn hang_ups(&self) -> usize {
        self.hang_ups.load(Ordering::SeqCst)
    }

    /// Waits (a bounded while) until some client has hung up; returns whether one did.
    pub async fn wait_for_hang_up(&self) -> bool {
        for _ in 0..200 {
            if self.hang_ups() > 0 {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        false
    }

    pub fn requests(&self) -> Vec<Captured> {
        self.requests.lock().expect("lock").clone()
    }

    pub fn last(&self) -> Captured {
        self.requests().pop().expect("a request was captured")
    }
}

async fn serve(
    mut stream: TcpStream,
    seen: Arc<Mutex<Vec<Captured>>>,
    hung_up: Arc<AtomicUsize>,
    answer: Answer,
) {
    loop {
        let Some(request) = read_request(&mut stream).await else {
            return;
        };
        seen.lock().expect("lock").push(request);
        let result = match &answer {
            Answer::Full(response) => stream.write_all(response.as_bytes()).await,
            Answer::StallBody(start, pause) => {
                let _ = stream.write_all(start.as_bytes()).await;
                tokio::time::sleep(*pause).await;
                return;
            }
            Answer::Silence(pause) => {
                let mut byte = [0u8; 1];
                if let Ok(Ok(0)) = tokio::time::timeout(*pause, stream.read(&mut byte)).await {
                    hung_up.fetch_add(1, Ordering::SeqCst);
                }
                return;
            }
        };
        if result.is_err() {
            return;
        }
    }
}

async fn read_request(stream: &mut TcpStream) -> Option<Captured> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break end;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let method = request_line.next()?.to_owned();
    let target = request_line.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buffer[head_end + 4..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(Captured {
        method,
        target,
        headers,
        body,
    })
}

/// An HTTP/1.1 200 response with a JSON body.
pub const OK_EMPTY_JSON: &str =
    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}";

/// An HTTP/1.1 204 response.
pub const NO_CONTENT: &str = "HTTP/1.1 204 No Content\r\n\r\n";

/// A fresh directory under the system's temporary directory, removed when dropped.
pub struct TempDir(std::path::PathBuf);

impl TempDir {
    pub fn new() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "ferrofit-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).expect("create a temporary directory");
        Self(dir)
    }

    pub fn path(&self) -> &std::path::Path {
        &self.0
    }

    /// The names of the files in the directory, sorted.
    pub fn entries(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.0)
            .expect("read the temporary directory")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Asserts that `error` is a timeout of `phase`.
#[track_caller]
pub fn assert_timeout(error: &ferrofit::Error, phase: ferrofit::TimeoutPhase) {
    assert!(
        matches!(error, ferrofit::Error::Timeout { phase: actual, .. } if *actual == phase),
        "expected a {phase:?} timeout, got {error:?}"
    );
}

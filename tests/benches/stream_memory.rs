//! Peak memory while reading long streams: 100,000 NDJSON lines and 1 GiB of server-sent
//! events, each generated on the fly by a loopback server and consumed item by item. Memory
//! stays flat when neither the client nor its parser holds more than one item.
//!
//! Run with: cargo bench -p ferrofit-tests --bench stream_memory
//!
//! Prints the process's peak resident set size (`VmHWM`, Linux) after a warm-up call and
//! after each stream: a constant footprint shows as a peak that does not grow with the stream.

use std::convert::Infallible;
use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::routing::get;
use bytes::Bytes;
use ferrofit::{EventStream, JsonLines, rest_api};
use futures_util::{StreamExt, TryStreamExt};
use serde::Deserialize;

const LINES: usize = 100_000;
const SSE_BYTES: usize = 1 << 30;

#[derive(Deserialize)]
struct Line {
    n: u64,
}

#[derive(Deserialize)]
struct Token {
    text: String,
}

#[rest_api]
trait Streams {
    #[get("/lines")]
    async fn lines(&self) -> ferrofit::Result<JsonLines<Line>>;

    #[get("/events")]
    async fn events(&self) -> ferrofit::Result<EventStream<Token>>;
}

/// One event of about 1 KiB, so 1 GiB is about a million events.
fn event() -> Bytes {
    let text = "x".repeat(1000);
    Bytes::from(format!("data: {{\"text\":\"{text}\"}}\n\n"))
}

fn server() -> Router {
    Router::new()
        .route(
            "/lines",
            get(|| async {
                let lines = futures_util::stream::iter(0..LINES)
                    .map(|n| Ok::<_, Infallible>(Bytes::from(format!("{{\"n\":{n}}}\n"))));
                (
                    [("content-type", "application/x-ndjson")],
                    Body::from_stream(lines),
                )
            }),
        )
        .route(
            "/events",
            get(|| async {
                let one = event();
                let count = SSE_BYTES / one.len() + 1;
                let events = futures_util::stream::repeat(one)
                    .take(count)
                    .map(Ok::<_, Infallible>);
                (
                    [("content-type", "text/event-stream")],
                    Body::from_stream(events),
                )
            }),
        )
}

/// The peak resident set size so far, in MiB.
fn peak_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(f64::NAN);
    kib / 1024.0
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, server()).await.expect("serves") });
    let client = ferrofit::Client::builder()
        .base_url(&base)
        .build()
        .expect("client");
    let api = StreamsClient::new(client);

    let warm: Vec<Line> = api
        .lines()
        .await
        .expect("lines")
        .take(10)
        .try_collect()
        .await
        .expect("warm-up");
    assert_eq!(warm.len(), 10);
    println!(
        "after a warm-up call:           peak RSS {:7.1} MiB",
        peak_mib()
    );

    let started = Instant::now();
    let (count, sum) = api
        .lines()
        .await
        .expect("lines")
        .try_fold((0_usize, 0_u64), |(c, s), line| async move {
            Ok((c + 1, s + line.n))
        })
        .await
        .expect("every line");
    assert_eq!(count, LINES);
    assert_eq!(sum, (LINES as u64 - 1) * LINES as u64 / 2);
    println!(
        "after {LINES} NDJSON lines:     peak RSS {:7.1} MiB ({:.2?})",
        peak_mib(),
        started.elapsed()
    );

    let started = Instant::now();
    let (events, bytes) = api
        .events()
        .await
        .expect("events")
        .max_event_size(4096)
        .try_fold((0_usize, 0_usize), |(n, b), event| async move {
            Ok((n + 1, b + event.data().text.len()))
        })
        .await
        .expect("every event");
    println!(
        "after {events} events ({:.2} GiB of data): peak RSS {:7.1} MiB ({:.2?})",
        bytes as f64 / f64::from(1 << 30),
        peak_mib(),
        started.elapsed()
    );
}

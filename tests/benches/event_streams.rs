//! The cost of one server-sent event read through `EventStream<T>`, next to a hand-written
//! reqwest loop (`Response::chunk`, as `bytes_stream` without reqwest's `stream` feature)
//! that splits on blank lines and decodes `data:` as JSON.
//!
//! Run with: cargo bench -p ferrofit-tests --bench event_streams
//!
//! Both read the same fixed reply of `EVENTS` events (`data: {"text":"token"}`) from a
//! minimal keep-alive loopback server, interleaved in one run; divide by `EVENTS` for the
//! per-event cost. The hand-written loop does less than the standard asks (no `\r` line ends,
//! comments, `id`, `retry`, multi-line data or size bounds), so it is the floor.

mod common;

use std::hint::black_box;

use common::serve_reply;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ferrofit::{EventStream, rest_api};
use futures_util::TryStreamExt;
use serde::Deserialize;

const EVENTS: usize = 10_000;

#[derive(Deserialize)]
struct Token {
    text: String,
}

#[rest_api]
trait Feed {
    #[get("/events")]
    async fn events(&self) -> ferrofit::Result<EventStream<Token>>;
}

/// A `text/event-stream` reply of `EVENTS` events.
fn reply() -> &'static [u8] {
    let body = "data: {\"text\":\"token\"}\n\n".repeat(EVENTS);
    let head = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    Box::leak((head + &body).into_bytes().into_boxed_slice())
}

/// The loop a careful user writes by hand: buffer, split at `\n\n` (each byte scanned once),
/// decode each `data: ` line, drop the consumed blocks once per chunk.
async fn by_hand(client: &reqwest::Client, url: &str) -> usize {
    let mut response = client.get(url).send().await.expect("sent");
    let mut buffer = Vec::new();
    let mut count = 0;
    while let Some(chunk) = response.chunk().await.expect("chunk") {
        let scanned = buffer.len().saturating_sub(1);
        buffer.extend_from_slice(&chunk);
        let (mut start, mut at) = (0, scanned);
        while let Some(found) = buffer[at..].windows(2).position(|w| w == b"\n\n") {
            let end = at + found;
            let block = std::str::from_utf8(&buffer[start..end]).expect("utf-8");
            for line in block.lines() {
                if let Some(data) = line.strip_prefix("data: ") {
                    let token: Token = serde_json::from_str(data).expect("json");
                    black_box(token.text);
                    count += 1;
                }
            }
            start = end + 2;
            at = start;
        }
        buffer.drain(..start);
    }
    count
}

async fn by_ferrofit(api: &FeedClient) -> usize {
    let events = api.events().await.expect("called");
    events
        .try_fold(0, |count, event| async move {
            black_box(&event.data().text);
            Ok(count + 1)
        })
        .await
        .expect("events")
}

fn event_streams(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let base = runtime.block_on(serve_reply(reply()));
    let api = FeedClient::new(
        ferrofit::Client::builder()
            .base_url(&base)
            .build()
            .expect("client"),
    );
    let hand = reqwest::Client::new();
    let url = format!("{base}/events");
    assert_eq!(runtime.block_on(by_ferrofit(&api)), EVENTS);
    assert_eq!(runtime.block_on(by_hand(&hand, &url)), EVENTS);

    let mut group = c.benchmark_group("10k_events");
    group.throughput(Throughput::Elements(EVENTS as u64));
    group.bench_function("hand_written_bytes_stream_loop", |b| {
        b.iter(|| runtime.block_on(by_hand(&hand, &url)));
    });
    group.bench_function("ferrofit_event_stream", |b| {
        b.iter(|| runtime.block_on(by_ferrofit(&api)));
    });
    group.finish();
}

criterion_group!(benches, event_streams);
criterion_main!(benches);

//! `EventStream<T>` against event-stream servers no one here wrote: sse-starlette (Python,
//! under uvicorn) and better-sse (Node), started from `tests/servers/` by each test. The same
//! cases for both: typed tokens ended by `[DONE]`, multi-line data, 10,000 events in order,
//! ids carried across reconnects until a 204, and a dropped stream the server sees leave.

mod support;

use std::time::Duration;

use ferrofit::{EventStream, Reconnect};
use futures_util::TryStreamExt;
use serde::Deserialize;
use support::sse_servers::{Kind, SseServer};

#[derive(Debug, Deserialize, PartialEq)]
struct Token {
    text: String,
}

#[derive(Debug, Deserialize, PartialEq)]
struct Numbered {
    n: u32,
}

#[ferrofit::rest_api]
trait Sse {
    #[get("/completion")]
    async fn completion(&self) -> ferrofit::Result<EventStream<Token>>;

    #[get("/multiline")]
    async fn multiline(&self) -> ferrofit::Result<EventStream>;

    #[get("/many")]
    async fn many(&self) -> ferrofit::Result<EventStream<Numbered>>;

    #[get("/resume")]
    async fn resume(&self) -> ferrofit::Result<EventStream<Numbered>>;

    #[get("/hold")]
    async fn hold(&self) -> ferrofit::Result<EventStream<Numbered>>;

    #[get("/seen")]
    async fn seen(&self) -> ferrofit::Result<Vec<Option<String>>>;

    #[get("/disconnects")]
    async fn disconnects(&self) -> ferrofit::Result<u32>;
}

async fn every_case(kind: Kind) {
    let Some(server) = SseServer::start(kind) else {
        return;
    };
    let api = SseClient::new(support::client(&server.origin()));

    // Tokens with ids, ended by the sentinel.
    let events: Vec<_> = api
        .completion()
        .await
        .unwrap()
        .until("[DONE]")
        .try_collect()
        .await
        .unwrap();
    let text: String = events.iter().map(|e| e.data().text.as_str()).collect();
    assert_eq!(text, "Hello, world!", "{kind:?}");
    let ids: Vec<Option<&str>> = events.iter().map(|e| e.id()).collect();
    assert_eq!(
        ids,
        [Some("1"), Some("2"), Some("3"), Some("4")],
        "{kind:?}"
    );

    // Data over two lines, with an event type. sse-starlette writes a `data:` field per line;
    // better-sse 0.14 (with a serializer that keeps strings) writes the second line bare,
    // which the standard reads as a field named `line two` with no value, and ignores.
    let events: Vec<_> = api.multiline().await.unwrap().try_collect().await.unwrap();
    assert_eq!(events.len(), 1, "{kind:?}");
    assert_eq!(events[0].event(), "note", "{kind:?}");
    let data = match kind {
        Kind::SseStarlette => "line one\nline two",
        Kind::BetterSse => "line one",
    };
    assert_eq!(events[0].data(), data, "{kind:?}");

    // 10,000 events, in order.
    let numbers: Vec<u32> = api
        .many()
        .await
        .unwrap()
        .map_ok(|e| e.into_data().n)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(numbers, (1..=10_000).collect::<Vec<_>>(), "{kind:?}");

    // Reconnection: ids 1-3, then 4-5 after `Last-Event-ID: 3`, then 204 ends it.
    let numbers: Vec<u32> = api
        .resume()
        .await
        .unwrap()
        .reconnect(Reconnect::new().max_delay(Duration::from_millis(50)))
        .map_ok(|e| e.into_data().n)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(numbers, [1, 2, 3, 4, 5], "{kind:?}");
    let seen = api.seen().await.unwrap();
    assert_eq!(seen, [None, Some("3".into()), Some("5".into())], "{kind:?}");

    // Dropping the stream closes the connection: the server sees its client leave.
    let mut held = api.hold().await.unwrap();
    assert_eq!(
        held.try_next().await.unwrap().unwrap().into_data(),
        Numbered { n: 1 }
    );
    assert_eq!(api.disconnects().await.unwrap(), 0, "{kind:?}");
    drop(held);
    let mut left = 0;
    for _ in 0..500 {
        left = api.disconnects().await.unwrap();
        if left == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(left, 1, "{kind:?}: the server never saw the stream close");
}

#[tokio::test]
async fn sse_starlette_streams_read_as_typed_events() {
    every_case(Kind::SseStarlette).await;
}

#[tokio::test]
async fn better_sse_streams_read_as_typed_events() {
    every_case(Kind::BetterSse).await;
}

//! Server-sent events and JSON lines as typed streams, against axum's own SSE encoder and
//! hand-made bodies on loopback: typed data, the sentinel, reconnection with `Last-Event-ID`,
//! the bounds, and a dropped stream closing its connection.

mod support;

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;
use ferrofit::{Error, EventStream, JsonLines, Reconnect};
use futures_util::{StreamExt, TryStreamExt};
use serde::Deserialize;

#[derive(Debug, Deserialize, PartialEq)]
struct Token {
    text: String,
}

#[ferrofit::rest_api]
trait Feeds {
    #[get("/completion")]
    async fn completion(&self) -> ferrofit::Result<EventStream<Token>>;

    #[get("/raw/<name>")]
    async fn raw(&self, name: &str) -> ferrofit::Result<EventStream>;

    #[get("/lines/<count>")]
    async fn lines(&self, count: u32) -> ferrofit::Result<JsonLines<serde_json::Value>>;

    #[get("/tokens")]
    async fn tokens(&self) -> ferrofit::Result<JsonLines<Token>>;
}

fn event_stream(body: impl Into<axum::body::Body>) -> Response {
    ([("content-type", "text/event-stream")], body.into()).into_response()
}

/// A body that sends `chunks` and then stays open, telling `closed` when hyper drops it.
fn endless(chunks: Vec<&'static str>, closed: Arc<AtomicUsize>) -> Response {
    struct Closed(Arc<AtomicUsize>);
    impl Drop for Closed {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    let guard = Closed(closed);
    let sent = futures_util::stream::iter(chunks).map(|c| Ok::<_, Infallible>(Bytes::from(c)));
    let open = futures_util::stream::pending::<Result<Bytes, Infallible>>().map(move |item| {
        let _ = &guard;
        item
    });
    event_stream(axum::body::Body::from_stream(sent.chain(open)))
}

/// Waits (up to 5 s, in case the machine is busy) for the server to drop its body.
async fn wait_until_closed(closed: &AtomicUsize) {
    for _ in 0..500 {
        if closed.load(Ordering::SeqCst) == 1 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the server never saw the connection close");
}

async fn client(router: Router) -> FeedsClient {
    let base = support::server::serve(router).await;
    FeedsClient::new(ferrofit::Client::builder().base_url(base).build().unwrap())
}

#[tokio::test]
async fn axum_events_arrive_typed_in_order_and_the_sentinel_ends_the_stream() {
    let router = Router::new().route(
        "/completion",
        get(|| async {
            let tokens = (0..10_000)
                .map(|i| {
                    SseEvent::default()
                        .id(i.to_string())
                        .data(format!("{{\"text\":\"t{i}\"}}"))
                })
                .chain([
                    SseEvent::default().data("[DONE]"),
                    SseEvent::default().data("never"),
                ]);
            Sse::new(futures_util::stream::iter(tokens).map(Ok::<_, Infallible>))
        }),
    );
    let api = client(router).await;
    let events: Vec<_> = api
        .completion()
        .await
        .unwrap()
        .until("[DONE]")
        .try_collect()
        .await
        .unwrap();
    assert_eq!(events.len(), 10_000);
    for (i, event) in events.iter().enumerate() {
        assert_eq!(event.data().text, format!("t{i}"));
        assert_eq!(event.id(), Some(i.to_string().as_str()));
        assert_eq!(event.event(), "message");
    }
}

#[tokio::test]
async fn multi_line_data_types_and_comments_come_through_axum_as_sent() {
    let router = Router::new().route(
        "/raw/{name}",
        get(|| async {
            let events = [
                SseEvent::default().comment("keep-alive"),
                SseEvent::default()
                    .event("delta")
                    .data("line one\nline two"),
                SseEvent::default()
                    .retry(Duration::from_millis(1500))
                    .data("last"),
            ];
            Sse::new(futures_util::stream::iter(events).map(Ok::<_, Infallible>))
        }),
    );
    let api = client(router).await;
    let events: Vec<_> = api.raw("x").await.unwrap().try_collect().await.unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(
        (events[0].event(), events[0].data().as_str()),
        ("delta", "line one\nline two")
    );
    assert_eq!(events[1].retry(), Some(Duration::from_millis(1500)));
    assert_eq!(events[1].data(), "last");
}

#[tokio::test]
async fn a_body_cut_before_the_sentinel_is_an_error_not_a_clean_end() {
    let router = Router::new().route(
        "/completion",
        get(|| async { event_stream("data: {\"text\":\"partial\"}\n\n") }),
    );
    let api = client(router).await;
    let mut events = api.completion().await.unwrap().until("[DONE]");
    assert_eq!(events.next().await.unwrap().unwrap().data().text, "partial");
    let error = events.next().await.unwrap().unwrap_err();
    assert!(error.to_string().contains("before `[DONE]`"), "{error}");
    assert!(events.next().await.is_none());
}

#[tokio::test]
async fn a_reply_that_is_no_event_stream_fails_at_the_call() {
    let router = Router::new().route("/raw/{name}", get(|| async { axum::Json("not events") }));
    let api = client(router).await;
    let error = api.raw("x").await.unwrap_err();
    assert!(matches!(error, Error::Decode { .. }), "{error:?}");
    assert!(error.to_string().contains("application/json"), "{error}");
}

#[tokio::test]
async fn an_endless_line_fails_at_the_bound_instead_of_filling_memory() {
    let router = Router::new().route(
        "/raw/{name}",
        get(|| async {
            let chunk = Bytes::from(vec![b'x'; 64 * 1024]);
            let body = futures_util::stream::repeat(chunk).map(Ok::<_, Infallible>);
            event_stream(axum::body::Body::from_stream(
                futures_util::stream::once(async {
                    Ok::<_, Infallible>(Bytes::from_static(b"data: "))
                })
                .chain(body),
            ))
        }),
    );
    let api = client(router).await;
    let mut events = api.raw("x").await.unwrap().max_event_size(1 << 20);
    let error = events.next().await.unwrap().unwrap_err();
    assert!(
        matches!(error, Error::ResponseTooLarge { limit, .. } if limit == 1 << 20),
        "{error:?}"
    );
    assert!(events.next().await.is_none());
}

#[tokio::test]
async fn a_server_that_drips_bytes_without_ending_a_block_times_out_per_event() {
    let router = Router::new().route(
        "/raw/{name}",
        get(|| async {
            let drip = futures_util::stream::unfold((), |()| async {
                tokio::time::sleep(Duration::from_millis(20)).await;
                Some((Ok::<_, Infallible>(Bytes::from_static(b"x")), ()))
            });
            event_stream(axum::body::Body::from_stream(drip))
        }),
    );
    let api = client(router).await;
    // Each byte comes well within the transport's receive timeout; no block ever ends.
    let mut events = api
        .raw("x")
        .await
        .unwrap()
        .idle_timeout(Duration::from_millis(300));
    let error = events.next().await.unwrap().unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
}

#[tokio::test]
async fn keep_alive_comments_hold_a_quiet_stream_open_past_the_idle_timeout() {
    let router = Router::new().route(
        "/raw/{name}",
        get(|| async {
            let pings = futures_util::stream::unfold(0, |n| async move {
                tokio::time::sleep(Duration::from_millis(100)).await;
                let chunk = if n < 8 {
                    ": ping\n\n"
                } else {
                    "data: late\n\n"
                };
                (n <= 8).then(|| (Ok::<_, Infallible>(Bytes::from(chunk)), n + 1))
            });
            event_stream(axum::body::Body::from_stream(pings))
        }),
    );
    let api = client(router).await;
    // 900 ms of pings with a 500 ms limit: each block starts the wait again.
    let mut events = api
        .raw("x")
        .await
        .unwrap()
        .idle_timeout(Duration::from_millis(500));
    assert_eq!(events.next().await.unwrap().unwrap().data(), "late");
}

#[tokio::test]
async fn dropping_the_stream_closes_the_connection_at_once() {
    let closed = Arc::new(AtomicUsize::new(0));
    let seen = closed.clone();
    let router = Router::new().route(
        "/raw/{name}",
        get(move || {
            let closed = seen.clone();
            async move { endless(vec!["data: first\n\n"], closed) }
        }),
    );
    let api = client(router).await;
    let mut events = api.raw("x").await.unwrap();
    assert_eq!(events.next().await.unwrap().unwrap().data(), "first");
    assert_eq!(closed.load(Ordering::SeqCst), 0, "the body is still open");
    drop(events);
    wait_until_closed(&closed).await;
}

#[tokio::test]
async fn cancelling_the_token_ends_the_stream_and_closes_the_connection() {
    let closed = Arc::new(AtomicUsize::new(0));
    let seen = closed.clone();
    let router = Router::new().route(
        "/raw/{name}",
        get(move || {
            let closed = seen.clone();
            async move { endless(vec!["data: first\n\n"], closed) }
        }),
    );
    let base = support::server::serve(router).await;
    let token = ferrofit::CancelToken::new();
    let http = ferrofit::Client::builder().base_url(base).build().unwrap();
    let api = FeedsClient::new(http.with_cancel(token.clone()));
    let mut events = api.raw("x").await.unwrap();
    assert_eq!(events.next().await.unwrap().unwrap().data(), "first");
    token.cancel("user left");
    let error = events.next().await.unwrap().unwrap_err();
    assert!(error.is_cancelled(), "{error:?}");
    assert!(events.next().await.is_none());
    wait_until_closed(&closed).await;
}

#[tokio::test]
async fn a_dropped_connection_reconnects_with_the_last_event_id_and_stops_on_204() {
    let connections = Arc::new(AtomicUsize::new(0));
    let seen_ids = Arc::new(std::sync::Mutex::new(Vec::new()));
    let (count, ids) = (connections.clone(), seen_ids.clone());
    let router = Router::new().route(
        "/raw/{name}",
        get(move |headers: HeaderMap| {
            let (count, ids) = (count.clone(), ids.clone());
            async move {
                let last = headers
                    .get("last-event-id")
                    .map(|v| v.to_str().unwrap().to_owned());
                ids.lock().unwrap().push(last);
                match count.fetch_add(1, Ordering::SeqCst) {
                    0 => event_stream("retry: 10\nid: 1\ndata: a\n\nid: 2\ndata: b\n\ndata: cut"),
                    1 => event_stream("data: c\n\n"),
                    _ => axum::http::StatusCode::NO_CONTENT.into_response(),
                }
            }
        }),
    );
    let api = client(router).await;
    let events = api.raw("x").await.unwrap().reconnect(Reconnect::new());
    let data: Vec<String> = events
        .map_ok(|e| e.into_data())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(data, ["a", "b", "c"], "the cut-off block is dropped");
    assert_eq!(connections.load(Ordering::SeqCst), 3);
    assert_eq!(
        *seen_ids.lock().unwrap(),
        [None, Some("2".to_owned()), Some("2".to_owned())]
    );
}

#[tokio::test]
async fn reconnection_stops_at_an_error_status_and_without_it_nothing_reconnects() {
    let connections = Arc::new(AtomicUsize::new(0));
    let count = connections.clone();
    let router = Router::new().route(
        "/raw/{name}",
        get(move || {
            let count = count.clone();
            async move {
                match count.fetch_add(1, Ordering::SeqCst) {
                    0 | 2 => event_stream("retry: 5\ndata: a\n\n"),
                    _ => (axum::http::StatusCode::FORBIDDEN, "go away").into_response(),
                }
            }
        }),
    );
    let api = client(router).await;
    let mut events = api.raw("x").await.unwrap().reconnect(Reconnect::new());
    assert_eq!(events.next().await.unwrap().unwrap().data(), "a");
    let error = events.next().await.unwrap().unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(403));
    assert!(events.next().await.is_none());
    // Off by default: the end of the body is the end of the stream.
    let events: Vec<_> = api.raw("x").await.unwrap().try_collect().await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(connections.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn json_lines_of_100_000_lines_arrive_in_order_and_a_bad_line_is_named() {
    let router = Router::new()
        .route(
            "/lines/{count}",
            get(
                |axum::extract::Path(count): axum::extract::Path<u32>| async move {
                    let lines = (0..count)
                        .map(|i| Ok::<_, Infallible>(Bytes::from(format!("{{\"n\":{i}}}\r\n\n"))));
                    (
                        [("content-type", "application/x-ndjson")],
                        axum::body::Body::from_stream(futures_util::stream::iter(lines)),
                    )
                },
            ),
        )
        .route(
            "/tokens",
            get(|| async { "{\"text\":\"a\"}\n{\"text\":5}\n{\"text\":\"c\"}" }),
        );
    let api = client(router).await;
    let mut lines = api.lines(100_000).await.unwrap();
    let mut expected = 0;
    while let Some(line) = lines.next().await {
        assert_eq!(line.unwrap()["n"], expected);
        expected += 1;
    }
    assert_eq!(expected, 100_000);
    let tokens: Vec<_> = api.tokens().await.unwrap().collect().await;
    assert_eq!(tokens.len(), 3);
    assert_eq!(tokens[0].as_ref().unwrap().text, "a");
    match &tokens[1] {
        Err(Error::Decode { path, message, .. }) => {
            assert_eq!(path, "text");
            assert!(message.starts_with("line 2: "), "{message}");
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    assert_eq!(
        tokens[2].as_ref().unwrap().text,
        "c",
        "the last line needs no newline"
    );
}

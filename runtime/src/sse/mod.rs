//! Server-sent events: [`EventStream`], a `text/event-stream` reply read as typed [`Event`]s.

mod parser;
mod reconnect;

use std::collections::VecDeque;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use serde::de::DeserializeOwned;

use crate::codec::{FromReply, ReplyContext, ReplyShape, decode_json, same_type};
use crate::error::{Error, NetworkKind, Result, TimeoutPhase};
use crate::redact::Redactor;
use crate::response::{Received, Response};
use crate::stream::ByteStream;
use parser::{EventParser, RawEvent};
pub use reconnect::Reconnect;
use reconnect::{Reconnecting, Replay};

/// One server-sent event: its type, its data decoded as a `T`, and the stream's last event ID.
///
/// # Examples
///
/// ```
/// # fn show(event: ferrofit::Event<String>) {
/// if event.event() == "message" {
///     println!("{} (id {:?})", event.data(), event.id());
/// }
/// # }
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Event<T = String> {
    event: Option<String>,
    data: T,
    id: Option<String>,
    retry: Option<Duration>,
}

impl<T> Event<T> {
    /// The event type (the `event:` field); `message` when the server named none.
    pub fn event(&self) -> &str {
        self.event.as_deref().unwrap_or("message")
    }

    /// The data: the `data:` lines joined with `\n`, decoded.
    pub fn data(&self) -> &T {
        &self.data
    }

    /// The data, dropping the rest.
    pub fn into_data(self) -> T {
        self.data
    }

    /// The last event ID when this event was dispatched: the latest `id:` field, this event's
    /// or an earlier one's; `None` when there was none or it was reset by an empty `id:`.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// The reconnection time a `retry:` field in this event's block asked for.
    pub fn retry(&self) -> Option<Duration> {
        self.retry
    }
}

/// A `text/event-stream` reply as a stream of [`Event`]s whose data is decoded as `T`: JSON
/// for any `T: Deserialize`, the text as it came for `String` (the default).
///
/// Parsing follows the WHATWG rules exactly (every line end, split across chunks or not,
/// comments, a leading byte order mark, multi-line data, `id:` and `retry:`). It is bounded:
/// no line and no event may hold more than the client's
/// [`max_response_size`](crate::ClientBuilder::max_response_size) (or
/// [`max_event_size`](Self::max_event_size)), and the client's
/// [`receive_timeout`](crate::ClientBuilder::receive_timeout) applies between blocks (an event
/// or a comment the server sends to keep the stream alive), not between chunks, so a server
/// that drips a byte at a time cannot hold the stream forever.
///
/// Dropping the stream, or cancelling the call's token, closes the connection at once. A
/// dropped connection ends the stream unless [`reconnect`](Self::reconnect) says otherwise.
///
/// # Examples
///
/// ```
/// use futures_util::StreamExt;
///
/// #[derive(serde::Deserialize)]
/// struct Chunk { text: String }
///
/// #[ferrofit::rest_api]
/// trait Completions {
///     #[post("/v1/completions")]
///     async fn complete(&self, #[body] prompt: &str) -> ferrofit::Result<ferrofit::EventStream<Chunk>>;
/// }
///
/// # async fn run(api: CompletionsClient) -> ferrofit::Result<()> {
/// // OpenAI-style: the stream ends with `data: [DONE]`, which is no JSON.
/// let mut events = api.complete("Say hello").await?.until("[DONE]");
/// while let Some(event) = events.next().await {
///     print!("{}", event?.data().text);
/// }
/// # Ok(()) }
/// ```
pub struct EventStream<T = String> {
    source: Source,
    parser: EventParser,
    ready: VecDeque<RawEvent>,
    idle: Option<IdleTimer>,
    sentinel: Option<Box<str>>,
    redactor: Arc<Redactor>,
    replay: Option<Replay>,
    reconnect: Option<Reconnect>,
    /// Reconnections since the last event.
    failures: u32,
    data: PhantomData<fn() -> T>,
}

enum Source {
    Open(ByteStream),
    Reconnecting(Reconnecting),
    Done,
}

/// The receive timeout, applied per block.
struct IdleTimer {
    limit: Duration,
    sleep: Pin<Box<tokio::time::Sleep>>,
}

impl IdleTimer {
    fn new(limit: Duration) -> Self {
        Self {
            limit,
            sleep: Box::pin(tokio::time::sleep(limit)),
        }
    }

    fn reset(&mut self) {
        let at = tokio::time::Instant::now() + self.limit;
        self.sleep.as_mut().reset(at);
    }
}

impl<T> EventStream<T> {
    fn new(body: ByteStream, call: &mut ReplyContext) -> Self {
        let client = &call.client;
        let max_event = usize::try_from(client.max_response_size()).unwrap_or(usize::MAX);
        Self {
            source: Source::Open(body),
            parser: EventParser::new(max_event),
            ready: VecDeque::new(),
            idle: client.receive_timeout().map(IdleTimer::new),
            sentinel: None,
            redactor: client.redactor().clone(),
            replay: call
                .request
                .take()
                .map(|request| Replay::new(client.clone(), request)),
            reconnect: None,
            failures: 0,
            data: PhantomData,
        }
    }

    /// This stream, ending cleanly at the first event whose data is `sentinel` (OpenAI's
    /// `[DONE]`), which is not decoded and not returned. The connection closes then, and a
    /// body that ends before the sentinel came is an error: the reply was cut short.
    #[must_use]
    pub fn until(mut self, sentinel: impl Into<String>) -> Self {
        self.sentinel = Some(sentinel.into().into_boxed_str());
        self
    }

    /// This stream, failing with [`Error::ResponseTooLarge`] when one line or one event's data
    /// grows past `bytes` (instead of the client's `max_response_size`).
    #[must_use]
    pub fn max_event_size(mut self, bytes: usize) -> Self {
        self.parser.set_max_event(bytes);
        self
    }

    /// This stream, waiting at most `limit` for each block (an event or a keep-alive comment)
    /// instead of the client's receive timeout; `None` waits forever.
    #[must_use]
    pub fn idle_timeout(mut self, limit: impl Into<Option<Duration>>) -> Self {
        self.idle = limit.into().map(IdleTimer::new);
        self
    }

    /// This stream, opening the connection again when it drops, as a browser's `EventSource`
    /// does: see [`Reconnect`] for when it does and how long it waits.
    ///
    /// # Examples
    ///
    /// ```
    /// # async fn run(events: ferrofit::EventStream) {
    /// use ferrofit::Reconnect;
    /// let events = events.reconnect(Reconnect::new().max_attempts(5));
    /// # let _ = events; }
    /// ```
    #[must_use]
    pub fn reconnect(mut self, policy: Reconnect) -> Self {
        self.reconnect = Some(policy);
        self
    }

    /// The last event ID, as the next reconnection would send it in `Last-Event-ID`.
    pub fn last_event_id(&self) -> Option<&str> {
        Some(self.parser.last_event_id()).filter(|id| !id.is_empty())
    }

    fn finish(&mut self) {
        self.source = Source::Done;
        self.ready.clear();
    }

    /// The connection dropped with `error` (or ended, when `None`): reconnect if asked and
    /// allowed, or end the stream, with `error` if there was one.
    fn dropped(&mut self, error: Option<Error>) -> Option<Error> {
        let droppable = error.as_ref().is_none_or(|error| {
            matches!(
                error,
                Error::Network { .. }
                    | Error::Timeout {
                        phase: TimeoutPhase::Receive,
                        ..
                    }
            )
        });
        if droppable && let (Some(policy), Some(replay)) = (&self.reconnect, &self.replay) {
            if self.failures < policy.attempts() {
                self.failures += 1;
                let wait = policy.delay_for(self.parser.reconnect_after(), self.failures);
                let last_id = self.parser.last_event_id().to_owned();
                self.source = Source::Reconnecting(replay.connect(wait, last_id));
                return None;
            }
            let error = error.unwrap_or_else(|| ended_early("the connection closed"));
            self.finish();
            return Some(error);
        }
        self.finish();
        match (error, &self.sentinel) {
            (Some(error), _) => Some(error),
            (None, Some(sentinel)) => Some(ended_early(&format!(
                "the event stream ended before `{sentinel}`"
            ))),
            (None, None) => None,
        }
    }
}

fn ended_early(what: &str) -> Error {
    Error::network(NetworkKind::Io, what.to_owned())
}

impl<T: DeserializeOwned + Send + 'static> EventStream<T> {
    fn decode(&self, raw: RawEvent) -> Result<Event<T>> {
        let data = match ReplyShape::of::<T>() {
            ReplyShape::Text => same_type(raw.data),
            _ => Some(decode_json(
                http::StatusCode::OK,
                Bytes::from(raw.data),
                &self.redactor,
            )?),
        }
        .ok_or_else(|| Error::invalid_request("internal: a shape did not match its type"))?;
        Ok(Event {
            event: raw.event,
            data,
            id: raw.id,
            retry: raw.retry,
        })
    }
}

impl<T: DeserializeOwned + Send + 'static> Stream for EventStream<T> {
    type Item = Result<Event<T>>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(raw) = this.ready.pop_front() {
                if this.sentinel.as_deref() == Some(raw.data.as_str()) {
                    this.finish();
                    return Poll::Ready(None);
                }
                this.failures = 0;
                return Poll::Ready(Some(this.decode(raw)));
            }
            match &mut this.source {
                Source::Done => return Poll::Ready(None),
                Source::Reconnecting(connecting) => match ready!(connecting.as_mut().poll(cx)) {
                    Ok(Some(body)) => {
                        this.parser.restart();
                        this.source = Source::Open(body);
                        if let Some(idle) = &mut this.idle {
                            idle.reset();
                        }
                    }
                    Ok(None) => this.finish(),
                    Err(error) => {
                        if let Some(error) = this.dropped(Some(error)) {
                            return Poll::Ready(Some(Err(error)));
                        }
                    }
                },
                Source::Open(body) => match body.poll_next_unpin(cx) {
                    Poll::Ready(Some(Ok(chunk))) => match this.parser.feed(&chunk, &mut this.ready)
                    {
                        Ok(progress) if progress.blocks > 0 => {
                            if let Some(idle) = &mut this.idle {
                                idle.reset();
                            }
                        }
                        Ok(_) => {}
                        Err(error) => {
                            this.finish();
                            return Poll::Ready(Some(Err(error)));
                        }
                    },
                    Poll::Ready(Some(Err(error))) => {
                        if let Some(error) = this.dropped(Some(error)) {
                            return Poll::Ready(Some(Err(error)));
                        }
                    }
                    Poll::Ready(None) => {
                        if let Some(error) = this.dropped(None) {
                            return Poll::Ready(Some(Err(error)));
                        }
                    }
                    Poll::Pending => {
                        let idle = this.idle.as_mut().map(|idle| idle.sleep.as_mut().poll(cx));
                        if !matches!(idle, Some(Poll::Ready(()))) {
                            return Poll::Pending;
                        }
                        let silent = Error::timeout(TimeoutPhase::Receive);
                        if let Some(error) = this.dropped(Some(silent)) {
                            return Poll::Ready(Some(Err(error)));
                        }
                    }
                },
            }
        }
    }
}

impl<T> std::fmt::Debug for EventStream<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventStream")
            .field("last_event_id", &self.last_event_id())
            .field("reconnect", &self.reconnect)
            .finish_non_exhaustive()
    }
}

/// Whether `headers` say `text/event-stream`, parameters aside.
fn is_event_stream(headers: &http::HeaderMap) -> bool {
    headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("text/event-stream"))
}

/// The error for a reply that is not an event stream.
fn not_an_event_stream(headers: &http::HeaderMap) -> Error {
    let sent = headers.get(http::header::CONTENT_TYPE).map_or_else(
        || "no content type".to_owned(),
        |value| format!("`{}`", String::from_utf8_lossy(value.as_bytes())),
    );
    Error::Decode {
        path: ".".to_owned(),
        message: format!("expected an event stream (`text/event-stream`), the server sent {sent}"),
        snippet: Box::default(),
    }
}

impl<T: DeserializeOwned + Send + 'static> FromReply for EventStream<T> {
    const STREAM: bool = true;
    const REPLAYS: bool = true;

    fn from_body(_: http::StatusCode, _: Received, _: &Redactor) -> Result<Self> {
        Err(Error::invalid_request(
            "internal: an event stream is read from the whole response",
        ))
    }

    fn from_head(head: &Response<()>, body: Received, call: &mut ReplyContext) -> Result<Self> {
        if !is_event_stream(head.headers()) {
            return Err(not_an_event_stream(head.headers()));
        }
        let body = body.into_stream();
        Ok(Self::new(body, call))
    }

    #[cfg(feature = "openapi")]
    fn describe(
        schemas: &mut crate::openapi::Schemas,
        _: impl FnOnce(&mut crate::openapi::Schemas) -> serde_json::Value,
    ) -> Option<(&'static str, serde_json::Value)> {
        Some(("text/event-stream", schemas.of::<String>()))
    }
}

//! [`JsonLines`]: an NDJSON (JSON lines) reply read one value per line as it arrives.

use std::collections::VecDeque;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use serde::de::DeserializeOwned;

use crate::codec::{FromReply, decode_json};
use crate::error::{Error, Result};
use crate::lines::{LineEnds, LineSplitter};
use crate::redact::Redactor;
use crate::response::Received;
use crate::stream::ByteStream;

/// An `application/x-ndjson` (or `application/jsonl`) reply as a stream of `T`s: one JSON value
/// per line, decoded as it arrives, never the whole body in memory.
///
/// Lines end with `\n` (a `\r` before it is dropped) and the last may end with the body;
/// blank lines are skipped. No line may be longer than the client's
/// [`max_response_size`](crate::ClientBuilder::max_response_size) (or
/// [`max_line_size`](Self::max_line_size)): a longer one ends the stream with
/// [`Error::ResponseTooLarge`]. A line that is not a valid `T` gives an [`Error::Decode`] that
/// names its line number and the field, and the stream goes on with the next line.
///
/// # Examples
///
/// ```
/// use futures_util::StreamExt;
///
/// #[derive(serde::Deserialize)]
/// struct Token { response: String, done: bool }
///
/// #[ferrofit::rest_api]
/// trait Ollama {
///     #[post("/api/generate")]
///     async fn generate(&self, #[body] request: &serde_json::Value) -> ferrofit::Result<ferrofit::JsonLines<Token>>;
/// }
///
/// # async fn run(api: OllamaClient) -> ferrofit::Result<()> {
/// let mut tokens = api.generate(&serde_json::json!({"model": "llama3", "prompt": "Hi"})).await?;
/// while let Some(token) = tokens.next().await {
///     let token = token?;
///     print!("{}", token.response);
///     if token.done { break; }
/// }
/// # Ok(()) }
/// ```
pub struct JsonLines<T> {
    body: Option<ByteStream>,
    lines: LineSplitter,
    ready: VecDeque<Result<T>>,
    /// Lines read so far, blank ones included: the number of the next line is one more.
    line: u64,
    redactor: Arc<Redactor>,
    data: PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned> JsonLines<T> {
    fn new(body: ByteStream, max_line: u64, redactor: Arc<Redactor>) -> Self {
        let max_line = usize::try_from(max_line).unwrap_or(usize::MAX);
        Self {
            body: Some(body),
            lines: LineSplitter::new(LineEnds::Newline, max_line),
            ready: VecDeque::new(),
            line: 0,
            redactor,
            data: PhantomData,
        }
    }

    /// This stream, failing with [`Error::ResponseTooLarge`] at a line longer than `bytes`
    /// (instead of the client's `max_response_size`).
    #[must_use]
    pub fn max_line_size(mut self, bytes: usize) -> Self {
        self.lines.set_max_line(bytes);
        self
    }

    /// Decodes every line `chunk` completes onto the queue.
    fn feed(&mut self, chunk: &[u8]) -> Result<()> {
        let Self {
            lines,
            ready,
            line,
            redactor,
            ..
        } = self;
        lines.feed(chunk, |text| {
            *line += 1;
            if let Some(value) = decode_line(text, *line, redactor) {
                ready.push_back(value);
            }
            Ok(())
        })
    }

    /// The body ended: a last line without its `\n` still counts.
    fn finish(&mut self) {
        self.body = None;
        let last = self.lines.take_pending();
        self.line += 1;
        if let Some(value) = decode_line(&last, self.line, &self.redactor) {
            self.ready.push_back(value);
        }
    }
}

/// The value on line `number`; `None` for a blank line.
fn decode_line<T: DeserializeOwned>(
    text: &[u8],
    number: u64,
    redactor: &Redactor,
) -> Option<Result<T>> {
    if text.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    if let Ok(value) = serde_json::from_slice(text) {
        return Some(Ok(value));
    }
    // Only a failing line pays for naming the field.
    Some(
        decode_json(http::StatusCode::OK, Bytes::copy_from_slice(text), redactor).map_err(
            |error| match error {
                Error::Decode {
                    path,
                    message,
                    snippet,
                } => Error::Decode {
                    path,
                    message: format!("line {number}: {message}"),
                    snippet,
                },
                other => other,
            },
        ),
    )
}

impl<T: DeserializeOwned> Stream for JsonLines<T> {
    type Item = Result<T>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(value) = this.ready.pop_front() {
                return Poll::Ready(Some(value));
            }
            let Some(body) = &mut this.body else {
                return Poll::Ready(None);
            };
            match std::task::ready!(body.poll_next_unpin(cx)) {
                Some(Ok(chunk)) => {
                    if let Err(error) = this.feed(&chunk) {
                        this.body = None;
                        this.ready.clear();
                        return Poll::Ready(Some(Err(error)));
                    }
                }
                Some(Err(error)) => {
                    this.body = None;
                    return Poll::Ready(Some(Err(error)));
                }
                None => this.finish(),
            }
        }
    }
}

// Nothing is pinned structurally: values wait in the queue by value.
impl<T> Unpin for JsonLines<T> {}

impl<T> std::fmt::Debug for JsonLines<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JsonLines")
            .field("line", &self.line)
            .finish_non_exhaustive()
    }
}

impl<T: DeserializeOwned + Send + 'static> FromReply for JsonLines<T> {
    const STREAM: bool = true;

    fn from_body(_: http::StatusCode, _: Received, _: &Redactor) -> Result<Self> {
        Err(Error::invalid_request(
            "internal: JSON lines are read with the client's limits",
        ))
    }

    fn from_head(
        _: &crate::Response<()>,
        body: Received,
        call: &mut crate::codec::ReplyContext,
    ) -> Result<Self> {
        let body = body.into_stream();
        let client = &call.client;
        Ok(Self::new(
            body,
            client.max_response_size(),
            client.redactor().clone(),
        ))
    }

    #[cfg(feature = "openapi")]
    fn describe(
        schemas: &mut crate::openapi::Schemas,
        _: impl FnOnce(&mut crate::openapi::Schemas) -> serde_json::Value,
    ) -> Option<(&'static str, serde_json::Value)> {
        Some(("application/x-ndjson", schemas.of::<String>()))
    }
}

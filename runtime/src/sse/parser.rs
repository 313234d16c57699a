//! `EventParser`: the WHATWG event-stream interpretation, bytes in, events out.
//!
//! <https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation>

use std::collections::VecDeque;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::lines::{LineEnds, LineSplitter};

/// One dispatched event, its data not decoded yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RawEvent {
    /// The `event:` field; `None` for the default type, `message`.
    pub(crate) event: Option<String>,
    /// The `data:` lines joined with `\n`.
    pub(crate) data: String,
    /// The last event ID at dispatch (it carries over from earlier events); `None` when empty.
    pub(crate) id: Option<String>,
    /// A `retry:` field in this event's own block.
    pub(crate) retry: Option<Duration>,
}

/// What the parser learnt from a chunk, besides events.
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub(crate) struct Progress {
    /// A blank line ended a block (an event, a comment, an `id:` or `retry:`): the server is
    /// alive and talking in whole messages.
    pub(crate) blocks: usize,
}

/// Parses an event stream chunk by chunk. Bounded: no line and no event's data grows past
/// `max_event` bytes.
pub(crate) struct EventParser {
    lines: LineSplitter,
    state: State,
}

/// Everything but the line buffer, so that a line can borrow the buffer while the fields
/// change.
struct State {
    first_line: bool,
    data: String,
    event: String,
    /// Set by `id:` and kept across events, as `lastEventId` is.
    last_id: String,
    /// The `retry:` of the block being read.
    block_retry: Option<Duration>,
    /// The latest `retry:` seen: the reconnection time.
    reconnect_after: Option<Duration>,
    max_event: usize,
    progress: Progress,
}

impl EventParser {
    pub(crate) fn new(max_event: usize) -> Self {
        Self {
            lines: LineSplitter::new(LineEnds::Any, max_event),
            state: State {
                first_line: true,
                data: String::new(),
                event: String::new(),
                last_id: String::new(),
                block_retry: None,
                reconnect_after: None,
                max_event,
                progress: Progress::default(),
            },
        }
    }

    /// Reads `chunk`, queueing the events it completes on `events`.
    ///
    /// # Errors
    ///
    /// [`Error::ResponseTooLarge`] when a line or an event's data grows past the limit.
    pub(crate) fn feed(
        &mut self,
        chunk: &[u8],
        events: &mut VecDeque<RawEvent>,
    ) -> Result<Progress> {
        self.state.progress = Progress::default();
        let state = &mut self.state;
        self.lines.feed(chunk, |line| state.line(line, events))?;
        Ok(self.state.progress)
    }

    /// Bounds lines and events to `max_event` bytes from now on.
    pub(crate) fn set_max_event(&mut self, max_event: usize) {
        self.state.max_event = max_event;
        self.lines.set_max_line(max_event);
    }

    /// The last event ID, for `Last-Event-ID` on a reconnection; empty when none was set.
    pub(crate) fn last_event_id(&self) -> &str {
        &self.state.last_id
    }

    /// The reconnection time the server asked for with `retry:`, if it did.
    pub(crate) fn reconnect_after(&self) -> Option<Duration> {
        self.state.reconnect_after
    }

    /// Forgets a block cut off by the end of a body (the spec discards it), keeping the last
    /// event ID and the reconnection time for the next connection.
    pub(crate) fn restart(&mut self) {
        self.lines = LineSplitter::new(LineEnds::Any, self.state.max_event);
        self.state.first_line = true;
        self.state.data.clear();
        self.state.event.clear();
        self.state.block_retry = None;
    }
}

impl State {
    fn line(&mut self, line: &[u8], events: &mut VecDeque<RawEvent>) -> Result<()> {
        let mut line = line;
        if std::mem::take(&mut self.first_line) {
            line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
        }
        if line.is_empty() {
            self.progress.blocks += 1;
            self.dispatch(events);
            return Ok(());
        }
        if line[0] == b':' {
            return Ok(());
        }
        let (field, value) = match memchr::memchr(b':', line) {
            Some(colon) => {
                let value = &line[colon + 1..];
                (&line[..colon], value.strip_prefix(b" ").unwrap_or(value))
            }
            None => (line, &b""[..]),
        };
        let value = String::from_utf8_lossy(value);
        match field {
            b"event" => value.as_ref().clone_into(&mut self.event),
            b"data" => {
                if self.data.len() + value.len() + 1 > self.max_event {
                    return Err(Error::ResponseTooLarge {
                        limit: self.max_event as u64,
                    });
                }
                self.data.push_str(&value);
                self.data.push('\n');
            }
            b"id" if !value.contains('\0') => value.as_ref().clone_into(&mut self.last_id),
            b"retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                // More digits than a u64 holds: as long a wait as anyone will see.
                let millis = value.parse::<u64>().unwrap_or(u64::MAX);
                let retry = Duration::from_millis(millis);
                self.block_retry = Some(retry);
                self.reconnect_after = Some(retry);
            }
            _ => {}
        }
        Ok(())
    }

    fn dispatch(&mut self, events: &mut VecDeque<RawEvent>) {
        let retry = self.block_retry.take();
        if self.data.is_empty() {
            self.event.clear();
            return;
        }
        self.data.pop();
        let data = std::mem::take(&mut self.data);
        let event = std::mem::take(&mut self.event);
        events.push_back(RawEvent {
            event: (!event.is_empty()).then_some(event),
            data,
            id: (!self.last_id.is_empty()).then(|| self.last_id.clone()),
            retry,
        });
    }
}

#[cfg(test)]
#[path = "parser_tests.rs"]
mod tests;

//! Opening an event stream again after its connection dropped: the policy ([`Reconnect`]) and
//! the request sent again.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use http::header::{HeaderName, HeaderValue};

use crate::client::Client;
use crate::error::{Error, Result};
use crate::request::Request;
use crate::stream::ByteStream;

/// When and how an [`EventStream`](crate::EventStream) opens its connection again, set with
/// [`EventStream::reconnect`](crate::EventStream::reconnect). Off unless asked for.
///
/// A connection that drops (the body ends, a network error, or no block within the receive
/// timeout) is opened again after the server's `retry:` time, or
/// [`delay`](Self::delay) when it sent none, plus up to a fifth more at random so that many
/// clients do not come back at once, and never more than [`max_delay`](Self::max_delay). The
/// request goes through the client's interceptors again (a fresh token from the auth
/// interceptor, for one) with `Last-Event-ID` set to the last event ID.
///
/// It stops, as `EventSource` does, when the server answers `204 No Content` (the stream ends
/// cleanly), any other status than 2xx or a content type other than `text/event-stream` (the
/// stream ends with that error). It never reconnects after the [`until`](crate::EventStream::until)
/// sentinel, after the caller dropped the stream, or after its token was cancelled; and it gives
/// up after [`max_attempts`](Self::max_attempts) reconnections in a row without an event.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use ferrofit::Reconnect;
///
/// let policy = Reconnect::new().delay(Duration::from_secs(1)).max_attempts(10);
/// # let _ = policy;
/// ```
#[derive(Clone, Debug)]
pub struct Reconnect {
    delay: Duration,
    max_delay: Duration,
    max_attempts: u32,
}

impl Default for Reconnect {
    fn default() -> Self {
        Self {
            delay: Duration::from_secs(3),
            max_delay: Duration::from_secs(30),
            max_attempts: 8,
        }
    }
}

impl Reconnect {
    /// Waits 3 s unless the server says otherwise, at most 30 s, 8 attempts in a row.
    pub fn new() -> Self {
        Self::default()
    }

    /// The wait before a reconnection when the server sent no `retry:`.
    #[must_use]
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    /// The longest wait, whatever the server's `retry:` asks for.
    #[must_use]
    pub fn max_delay(mut self, max_delay: Duration) -> Self {
        self.max_delay = max_delay;
        self
    }

    /// How many reconnections in a row may bring no event before the stream gives up with the
    /// last error.
    #[must_use]
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts;
        self
    }

    pub(super) fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The wait before reconnection number `attempt` (from 1): the server's time or ours,
    /// doubled for each failure after the first, capped, with up to 20 % jitter on top.
    pub(super) fn delay_for(&self, server: Option<Duration>, attempt: u32) -> Duration {
        let base = server.unwrap_or(self.delay);
        let doubled = base.saturating_mul(1 << attempt.saturating_sub(1).min(16));
        let capped = doubled.min(self.max_delay);
        let jitter = capped.mul_f64(fastrand::f64() * 0.2);
        capped.saturating_add(jitter).min(self.max_delay)
    }
}

/// What an event stream needs to open itself again: the client and the request as it first
/// entered the client (before any interceptor added a token).
pub(super) struct Replay {
    client: Client,
    request: Request,
}

/// A reconnection under way: the wait, then the request.
pub(super) type Reconnecting = Pin<Box<dyn Future<Output = Result<Option<ByteStream>>> + Send>>;

impl Replay {
    pub(super) fn new(client: Client, request: Request) -> Self {
        Self { client, request }
    }

    /// Waits `wait`, then sends the request again with `Last-Event-ID`: the new body, `None`
    /// when the server said 204 (stop), or the error. Cancelling the call's token ends the
    /// wait at once.
    pub(super) fn connect(&self, wait: Duration, last_id: String) -> Reconnecting {
        let client = self.client.clone();
        let mut request = self.request.clone();
        let mut cancel = request.cancel.clone();
        cancel.set_client(client.cancel_token());
        Box::pin(async move {
            tokio::select! {
                biased;
                reason = cancel.cancelled() => return Err(Error::Cancelled { reason }),
                () = tokio::time::sleep(wait) => {}
            }
            set_last_event_id(&mut request, &last_id);
            let response = crate::__private::exchange(&client, request).await?;
            if response.status() == http::StatusCode::NO_CONTENT {
                return Ok(None);
            }
            if !super::is_event_stream(response.headers()) {
                return Err(super::not_an_event_stream(response.headers()));
            }
            Ok(Some(response.into_inner().into_stream()))
        })
    }
}

const LAST_EVENT_ID: HeaderName = HeaderName::from_static("last-event-id");

/// `Last-Event-ID: last_id`, or none when there is no ID (or it cannot be a header value).
fn set_last_event_id(request: &mut Request, last_id: &str) {
    let headers = request.headers_mut();
    match HeaderValue::from_str(last_id) {
        Ok(value) if !last_id.is_empty() => {
            headers.insert(LAST_EVENT_ID, value);
        }
        _ => {
            headers.remove(LAST_EVENT_ID);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_honours_the_server_then_doubles_and_stays_under_the_cap() {
        let policy = Reconnect::new().max_delay(Duration::from_secs(10));
        for _ in 0..100 {
            let first = policy.delay_for(Some(Duration::from_millis(500)), 1);
            assert!(first >= Duration::from_millis(500) && first <= Duration::from_millis(600));
            let third = policy.delay_for(Some(Duration::from_millis(500)), 3);
            assert!(third >= Duration::from_secs(2) && third <= Duration::from_millis(2400));
            let ours = policy.delay_for(None, 1);
            assert!(ours >= Duration::from_secs(3) && ours <= Duration::from_millis(3600));
            // A hostile `retry:` of years waits the cap.
            let hostile = policy.delay_for(Some(Duration::from_millis(u64::MAX)), 40);
            assert_eq!(hostile, Duration::from_secs(10));
        }
    }
}

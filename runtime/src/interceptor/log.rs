//! Logging with `tracing`: one span per call, OpenTelemetry field names, secrets redacted.
//!
//! [`LogInterceptor`] opens a span named `http.client` for each call with the OpenTelemetry
//! HTTP client attributes `http.request.method`, `url.template` (the endpoint's path template,
//! a low-cardinality name), `url.full` (redacted), `server.address`, `server.port`,
//! `http.response.status_code`, `http.request.resend_count`, plus `ferrofit.endpoint`
//! (`Api::method`) and `duration_ms`. It emits **one event when the call ends**, whatever ends
//! it, with an `outcome` of `ok`, `http_error`, `error`, `timeout` or `cancelled` (and
//! `abandoned` when the caller dropped the call's future), its `duration_ms` and `attempts`,
//! and the response's `source` (`network`, `cache`, `revalidated` or `stale`: add the log
//! interceptor before [`ClientBuilder::cache`](crate::ClientBuilder::cache) to see hits);
//! failures are logged at the error level. Calls cut short by a [`CancelToken`](crate::CancelToken)
//! or the total timeout are logged too, although the client drops the chain at that moment.
//! When enabled, one more event shows the request with headers and a truncated body.
//!
//! Values of `Authorization`, `Proxy-Authorization`, `Cookie`, `Set-Cookie` and other secret
//! headers, and of query parameters and JSON or form fields named like secrets (`token`,
//! `access_token`, `password`, `api_key`, …, see [`redact`](crate::redact)), are written as
//! `[REDACTED]`, together with the names of the client's policy
//! ([`ClientBuilder::redactor`](crate::ClientBuilder::redactor)) and those added with
//! [`LogInterceptor::redact_header`] and [`LogInterceptor::redact_param`].

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use http::HeaderMap;
use http::header::CONTENT_TYPE;
use tokio::time::Instant;
use tracing::{Instrument, Level, Span};

use crate::BoxFuture;
use crate::cancel::CancelSet;
use crate::error::Result;
use crate::interceptor::{Interceptor, Next};
use crate::redact::Redactor;
use crate::request::Request;
use crate::response::RawResponse;

/// Logs every call with `tracing`; see the [module docs](self).
///
/// Where it sits in the chain decides what it sees: added before a
/// [`RetryInterceptor`](crate::retry::RetryInterceptor) it logs each call once with its attempt
/// count; added after, it logs every attempt.
///
/// # Examples
///
/// ```
/// use ferrofit::log::LogInterceptor;
///
/// let client = ferrofit::Client::builder()
///     .base_url("https://api.example.com")
///     .interceptor(
///         LogInterceptor::new()
///             .level(tracing::Level::DEBUG)
///             .log_headers(true)
///             .log_bodies(true)
///             .redact_header("X-Session"),
///     )
///     .build()?;
/// # let _ = client;
/// # Ok::<(), ferrofit::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct LogInterceptor {
    level: Level,
    error_level: Level,
    headers: bool,
    bodies: bool,
    body_limit: usize,
    redactor: Redactor,
}

impl Default for LogInterceptor {
    fn default() -> Self {
        Self {
            level: Level::INFO,
            error_level: Level::WARN,
            headers: false,
            bodies: false,
            body_limit: 1024,
            redactor: Redactor::new(),
        }
    }
}

/// `tracing` wants levels known at compile time; this picks the right macro at run time.
macro_rules! at_level {
    ($level:expr, $mac:ident!($($args:tt)*)) => {
        match $level {
            Level::ERROR => tracing::$mac!(Level::ERROR, $($args)*),
            Level::WARN => tracing::$mac!(Level::WARN, $($args)*),
            Level::INFO => tracing::$mac!(Level::INFO, $($args)*),
            Level::DEBUG => tracing::$mac!(Level::DEBUG, $($args)*),
            _ => tracing::$mac!(Level::TRACE, $($args)*),
        }
    };
}

impl LogInterceptor {
    /// Logs at INFO, failures at WARN, without headers or bodies.
    pub fn new() -> Self {
        Self::default()
    }

    /// The level of the span and of the event for a completed call.
    #[must_use]
    pub fn level(mut self, level: Level) -> Self {
        self.level = level;
        self
    }

    /// The level of the event for a failed call (an error, or a status that is not a success).
    #[must_use]
    pub fn error_level(mut self, level: Level) -> Self {
        self.error_level = level;
        self
    }

    /// Also logs request and response headers (secrets redacted).
    #[must_use]
    pub fn log_headers(mut self, on: bool) -> Self {
        self.headers = on;
        self
    }

    /// Also logs request and response bodies, truncated to the body limit (secret fields
    /// redacted).
    #[must_use]
    pub fn log_bodies(mut self, on: bool) -> Self {
        self.bodies = on;
        self
    }

    /// How many bytes of a body to log at most (default 1024).
    #[must_use]
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// Also redacts the values of header `name` in this log (prefer the client's
    /// [`redactor`](crate::ClientBuilder::redactor), which covers errors and `Debug` too).
    #[must_use]
    pub fn redact_header(mut self, name: impl Into<String>) -> Self {
        self.redactor = self.redactor.header(name);
        self
    }

    /// Also redacts the values of query parameters and body fields named `name` in this log
    /// (prefer the client's [`redactor`](crate::ClientBuilder::redactor)).
    #[must_use]
    pub fn redact_param(mut self, name: impl Into<String>) -> Self {
        self.redactor = self.redactor.query_param(name);
        self
    }

    /// The client's secret names, plus this interceptor's own.
    fn redactor_for(&self, request: &Request) -> Arc<Redactor> {
        if self.redactor.is_built_in() {
            request.redactor.clone()
        } else {
            Arc::new(request.redactor().merged(&self.redactor))
        }
    }

    fn span(&self, request: &Request, redactor: &Redactor) -> Span {
        let url = request.url();
        let (api, name, template) = request
            .endpoint()
            .map_or(("", "", ""), |e| (e.api(), e.name(), e.path_template()));
        at_level!(
            self.level,
            span!(
                "http.client",
                http.request.method = %request.method(),
                url.template = template,
                url.full = %redactor.url(url),
                server.address = url.host_str().unwrap_or_default(),
                server.port = url.port_or_known_default().unwrap_or_default(),
                ferrofit.endpoint = %format_args!("{api}::{name}"),
                http.response.status_code = tracing::field::Empty,
                http.request.resend_count = tracing::field::Empty,
                duration_ms = tracing::field::Empty,
            )
        )
    }

    fn body_text(&self, body: &[u8], headers: &HeaderMap, redactor: &Redactor) -> String {
        let end = body.len().min(self.body_limit);
        let content_type = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
        let mut text = redactor.body_text(&String::from_utf8_lossy(&body[..end]), content_type);
        if end < body.len() {
            text.push_str(&format!("… ({} bytes in all)", body.len()));
        }
        text
    }

    fn log_request(&self, request: &Request, redactor: &Redactor) {
        if !(self.headers || self.bodies) {
            return;
        }
        let headers = self
            .headers
            .then(|| format!("{:?}", redactor.headers(request.headers())));
        let body = self
            .bodies
            .then(|| match request.body().as_bytes() {
                Some(bytes) => Some(self.body_text(bytes, request.headers(), redactor)),
                // Files, forms and streams: their shape and size, never their content.
                None => (!request.body().is_empty()).then(|| format!("{:?}", request.body())),
            })
            .flatten();
        at_level!(
            self.level,
            event!(
                headers = headers.as_deref(),
                body = body.as_deref(),
                "request"
            )
        );
    }

    fn log_outcome(
        &self,
        span: &Span,
        outcome: &Result<RawResponse>,
        started: Instant,
        redactor: &Redactor,
    ) {
        let elapsed_ms = millis_since(started);
        span.record("duration_ms", elapsed_ms);
        match outcome {
            Ok(response) => {
                let status = response.status().as_u16();
                span.record("http.response.status_code", status);
                span.record(
                    "http.request.resend_count",
                    response.attempts().saturating_sub(1),
                );
                let headers = self
                    .headers
                    .then(|| format!("{:?}", redactor.headers(response.headers())));
                let body = self.bodies.then(|| match response.is_streamed() {
                    true => "(streamed to the caller)".to_owned(),
                    false => self.body_text(response.body(), response.headers(), redactor),
                });
                let fine = response.status().is_success() || response.status().is_redirection();
                let (level, outcome) = if fine {
                    (self.level, "ok")
                } else {
                    (self.error_level, "http_error")
                };
                at_level!(
                    level,
                    event!(
                        outcome,
                        http.response.status_code = status,
                        source = response.source().as_str(),
                        duration_ms = elapsed_ms,
                        attempts = response.attempts(),
                        headers = headers.as_deref(),
                        body = body.as_deref(),
                        "response"
                    )
                );
            }
            Err(error) => {
                span.record(
                    "http.request.resend_count",
                    error.attempts().saturating_sub(1),
                );
                let outcome = if error.is_timeout() {
                    "timeout"
                } else if error.is_cancelled() {
                    "cancelled"
                } else {
                    "error"
                };
                // `Error`'s Display never shows secrets.
                at_level!(
                    self.error_level,
                    event!(
                        outcome,
                        error = %error,
                        duration_ms = elapsed_ms,
                        attempts = error.attempts(),
                        "failed"
                    )
                );
            }
        }
    }
}

impl Interceptor for LogInterceptor {
    fn intercept<'a>(
        &'a self,
        request: Request,
        next: Next<'a>,
    ) -> BoxFuture<'a, Result<RawResponse>> {
        // Nothing would be recorded at either level: no span, no redaction, no timing.
        let enabled = tracing::level_filters::LevelFilter::current();
        if self.level > enabled && self.error_level > enabled {
            return next.run(request);
        }
        let redactor = self.redactor_for(&request);
        let span = self.span(&request, &redactor);
        let watched_span = span.clone();
        Box::pin(
            async move {
                let mut unfinished = Unfinished {
                    log: self,
                    span: watched_span,
                    started: Instant::now(),
                    cancel: request.cancel.clone(),
                    deadline: request.deadline(),
                    sent: next.sent(),
                    armed: true,
                };
                self.log_request(&request, &redactor);
                let outcome = next.run(request).await;
                unfinished.armed = false;
                self.log_outcome(&Span::current(), &outcome, unfinished.started, &redactor);
                outcome
            }
            .instrument(span),
        )
    }
}

fn millis_since(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// Logs a call whose future is dropped before the chain answered: the client does that when a
/// cancel token fires or the total timeout passes, and a caller may simply stop waiting.
struct Unfinished<'a> {
    log: &'a LogInterceptor,
    span: Span,
    started: Instant,
    cancel: CancelSet,
    deadline: Option<tokio::time::Instant>,
    sent: &'a AtomicU32,
    armed: bool,
}

impl Drop for Unfinished<'_> {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let _entered = self.span.enter();
        let elapsed_ms = millis_since(self.started);
        let attempts = self.sent.load(Ordering::Relaxed);
        self.span.record("duration_ms", elapsed_ms);
        self.span
            .record("http.request.resend_count", attempts.saturating_sub(1));
        let timed_out = self
            .deadline
            .is_some_and(|deadline| tokio::time::Instant::now() >= deadline);
        if let Some(reason) = self.cancel.reason() {
            at_level!(
                self.log.level,
                event!(
                    outcome = "cancelled",
                    reason = %reason,
                    duration_ms = elapsed_ms,
                    attempts,
                    "cancelled"
                )
            );
        } else if timed_out {
            at_level!(
                self.log.error_level,
                event!(
                    outcome = "timeout",
                    duration_ms = elapsed_ms,
                    attempts,
                    "failed: the total timeout passed"
                )
            );
        } else {
            at_level!(
                self.log.level,
                event!(
                    outcome = "abandoned",
                    duration_ms = elapsed_ms,
                    attempts,
                    "abandoned: the caller stopped waiting"
                )
            );
        }
    }
}

impl fmt::Display for LogInterceptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LogInterceptor at {}", self.level)
    }
}

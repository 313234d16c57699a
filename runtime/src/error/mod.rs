//! The one error type every call returns.

mod api_error;
mod duplicate;
mod kinds;
mod problem;
mod response;
mod validation;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use http::StatusCode;
use serde::de::DeserializeOwned;

pub use api_error::ApiError;
pub use kinds::{NetworkKind, TimeoutPhase, TlsKind};
pub use problem::Problem;
pub use response::ErrorResponse;
pub(crate) use response::body_snippet;
pub(crate) use validation::parse_field_errors;

/// A bounded, redacted body excerpt for [`Error::Decode`].
pub(crate) fn response_snippet(body: &[u8], redactor: &crate::redact::Redactor) -> Box<str> {
    body_snippet(body, None, redactor).into_boxed_str()
}

/// `Result` with [`Error`] as the default error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Boxed source error kept inside [`Error::Network`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Field name → messages, as parsed from a 422 response.
pub type FieldErrors = BTreeMap<String, Vec<String>>;

/// Everything that can go wrong with a call, in terms a UI can act on.
///
/// Endpoints may return `Result<T, E>` with any `E: From<ferrofit::Error>`, so applications can
/// fold these into their own domain error.
///
/// `Display` and `Debug` never show header values or query parameters that carry secrets
/// (see [`redact`](crate::redact)): `Debug` is derived, and the parts that could hold secrets
/// redact themselves ([`ErrorResponse`], the body snippet of `Decode`, and network errors,
/// which never carry the URL).
///
/// # Examples
///
/// ```
/// use ferrofit::Error;
///
/// fn message_for_user(error: &Error) -> String {
///     match error {
///         Error::Network { .. } | Error::Timeout { .. } => "Check your connection.".into(),
///         Error::Unauthorized { .. } => "Please sign in again.".into(),
///         Error::Validation { fields, .. } => format!("Please fix: {:?}", fields.keys()),
///         Error::Cancelled { .. } => String::new(),
///         other if other.is_retryable() => "The service is busy; try again.".into(),
///         other => format!("Something went wrong: {other}"),
///     }
/// }
/// # let _ = message_for_user;
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The exchange failed below HTTP: connect refused, DNS, reset, TLS, broken body stream.
    #[non_exhaustive]
    Network {
        /// Which step failed.
        kind: NetworkKind,
        /// The underlying error (never shows the URL).
        source: BoxError,
        /// How many times the request was sent (more than 1 after retries).
        attempts: u32,
    },
    /// A deadline passed.
    #[non_exhaustive]
    Timeout {
        /// Which deadline.
        phase: TimeoutPhase,
        /// How many times the request was sent (more than 1 after retries).
        attempts: u32,
    },
    /// The call was cancelled through a [`CancelToken`](crate::CancelToken).
    #[non_exhaustive]
    Cancelled {
        /// The reason given to [`CancelToken::cancel`](crate::CancelToken::cancel).
        reason: Cow<'static, str>,
    },
    /// The server answered 401 Unauthorized.
    #[non_exhaustive]
    Unauthorized {
        /// The response, kept whole.
        response: Box<ErrorResponse>,
    },
    /// The server answered 422 Unprocessable Entity.
    #[non_exhaustive]
    Validation {
        /// Field → messages, parsed from the common body shapes (RFC 9457 `errors` and
        /// `invalid-params`, `{"errors": {"field": [..]}}`, `{"field": [..]}`, GitHub's
        /// `errors[].{field, code}`, JSON:API `errors[].source.pointer`, FastAPI
        /// `detail[].loc`). Empty if none matched.
        fields: FieldErrors,
        /// The response, kept whole.
        response: Box<ErrorResponse>,
    },
    /// The server answered with any other status that is not a success.
    #[non_exhaustive]
    Status {
        /// The response, kept whole.
        response: Box<ErrorResponse>,
    },
    /// A successful response body did not decode into the expected type.
    #[non_exhaustive]
    Decode {
        /// Where in the body decoding failed, e.g. `items[2].email` (`.` for the root).
        path: String,
        /// What serde said, with the value it quotes taken out: the found and expected
        /// types, line and column stay.
        message: String,
        /// The start of the body (at most 256 bytes), with secret-named JSON members and form
        /// fields redacted.
        snippet: Box<str>,
    },
    /// The request could not be built: bad URL, header or path value, body serialization.
    /// Nothing was sent.
    #[non_exhaustive]
    InvalidRequest {
        /// What was wrong.
        message: String,
    },
    /// The response body was larger than the client's
    /// [`max_response_size`](crate::ClientBuilder::max_response_size).
    #[non_exhaustive]
    ResponseTooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// A file could not be read for an upload or written for a download. Nothing was sent
    /// when an upload's file is missing.
    #[non_exhaustive]
    File {
        /// The file.
        path: std::path::PathBuf,
        /// What went wrong, as `std::io` classifies it.
        kind: std::io::ErrorKind,
        /// What the operating system said.
        message: String,
    },
    /// The TLS handshake was refused because of the server's certificate: it failed
    /// validation (unknown issuer, expired, another name, a bad signature) or pinning. Never
    /// retried: the same server gives the same certificate.
    #[non_exhaustive]
    Tls {
        /// What refused the handshake.
        kind: TlsKind,
        /// What happened, e.g. the expected pins and the chain's actual pins.
        message: String,
    },
    /// The cache policy forbade the network (`OnlyIfCached`) and nothing usable was stored.
    #[non_exhaustive]
    CacheMiss {
        /// Why nothing could be served.
        message: String,
    },
    /// A paginated list could not go on: its next page is one already fetched (the list
    /// would loop), or its `next` link is not an http(s) URL.
    #[non_exhaustive]
    Paging {
        /// What was wrong.
        message: String,
    },
    /// A [`RateLimitInterceptor`](crate::rate_limit::RateLimitInterceptor) refused to send
    /// the request: the host's limit — the client's own pace, or what the server said in
    /// `Retry-After` or its rate-limit headers — allows the next request only after a longer
    /// wait than the interceptor may take. Nothing was sent; try again at `reset_at`.
    #[non_exhaustive]
    RateLimited {
        /// How long until a request may go out, from when the error was made.
        retry_after: std::time::Duration,
        /// When a request may go out.
        reset_at: std::time::SystemTime,
    },
    /// [`ClientBuilder::build`](crate::ClientBuilder::build) was given settings it cannot use.
    #[non_exhaustive]
    Config {
        /// What was wrong.
        message: String,
    },
}

impl Error {
    /// The HTTP status of an error that carries a response.
    ///
    /// # Examples
    ///
    /// ```
    /// let error = ferrofit::Error::timeout(ferrofit::TimeoutPhase::Total);
    /// assert_eq!(error.status(), None);
    /// ```
    pub fn status(&self) -> Option<StatusCode> {
        self.response().map(ErrorResponse::status)
    }

    /// The response of an `Unauthorized`, `Validation` or `Status` error.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn show(error: &ferrofit::Error) {
    /// if let Some(response) = error.response() {
    ///     eprintln!("server said {}", response.status());
    /// }
    /// # }
    /// ```
    pub fn response(&self) -> Option<&ErrorResponse> {
        match self {
            Self::Unauthorized { response }
            | Self::Validation { response, .. }
            | Self::Status { response } => Some(response),
            _ => None,
        }
    }

    /// Decodes the body of an error response as JSON, e.g. into the API's own error shape.
    /// `None` if there is no response or the body is not a `T`.
    ///
    /// # Examples
    ///
    /// ```
    /// #[derive(serde::Deserialize)]
    /// struct ApiError { code: String }
    ///
    /// # fn show(error: &ferrofit::Error) {
    /// if let Some(api) = error.body_json::<ApiError>() {
    ///     eprintln!("error code {}", api.code);
    /// }
    /// # }
    /// ```
    pub fn body_json<T: DeserializeOwned>(&self) -> Option<T> {
        self.response().and_then(|r| r.json().ok())
    }

    /// How many times the request was sent before this error: 1, or more after retries.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(ferrofit::Error::timeout(ferrofit::TimeoutPhase::Receive).attempts(), 1);
    /// ```
    pub fn attempts(&self) -> u32 {
        match self {
            Self::Network { attempts, .. } | Self::Timeout { attempts, .. } => *attempts,
            _ => self.response().map_or(1, ErrorResponse::attempts),
        }
    }

    /// Records how many times the request was sent (used by the retry interceptor).
    pub(crate) fn with_attempts(mut self, n: u32) -> Self {
        match &mut self {
            Self::Network { attempts, .. } | Self::Timeout { attempts, .. } => *attempts = n,
            Self::Unauthorized { response }
            | Self::Validation { response, .. }
            | Self::Status { response } => response.set_attempts(n),
            _ => {}
        }
        self
    }

    /// Whether a deadline passed.
    ///
    /// # Examples
    ///
    /// ```
    /// use ferrofit::{Error, TimeoutPhase};
    /// assert!(Error::timeout(TimeoutPhase::Connect).is_timeout());
    /// ```
    pub fn is_timeout(&self) -> bool {
        matches!(self, Self::Timeout { .. })
    }

    /// Whether the call was cancelled.
    ///
    /// # Examples
    ///
    /// ```
    /// let error = ferrofit::Error::cancelled("user");
    /// assert!(error.is_cancelled());
    /// ```
    pub fn is_cancelled(&self) -> bool {
        matches!(self, Self::Cancelled { .. })
    }

    /// Whether trying the same request again may succeed: connection failures, connect and
    /// receive timeouts, and the statuses 408, 429, 500, 502, 503 and 504. Whether it is *safe*
    /// to repeat a request (idempotency) is a separate question.
    ///
    /// # Examples
    ///
    /// ```
    /// use ferrofit::{Error, TimeoutPhase};
    /// assert!(Error::timeout(TimeoutPhase::Receive).is_retryable());
    /// assert!(!Error::cancelled("user").is_retryable());
    /// ```
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Network { kind, .. } => matches!(kind, NetworkKind::Connect | NetworkKind::Io),
            Self::Timeout { phase, .. } => *phase != TimeoutPhase::Total,
            Self::Status { response } => is_retryable_status(response.status()),
            _ => false,
        }
    }

    /// An [`Error::InvalidRequest`], for interceptors and test doubles.
    ///
    /// # Examples
    ///
    /// ```
    /// let error = ferrofit::Error::invalid_request("missing tenant id");
    /// assert_eq!(error.to_string(), "invalid request: missing tenant id");
    /// ```
    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self::InvalidRequest {
            message: message.into(),
        }
    }

    /// An [`Error::Network`], for interceptors, transports and test doubles.
    ///
    /// # Examples
    ///
    /// ```
    /// use ferrofit::{Error, NetworkKind};
    ///
    /// let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
    /// assert!(Error::network(NetworkKind::Connect, refused).is_retryable());
    /// ```
    pub fn network(kind: NetworkKind, source: impl Into<BoxError>) -> Self {
        Self::Network {
            kind,
            source: source.into(),
            attempts: 1,
        }
    }

    /// An [`Error::Timeout`], for interceptors, transports and test doubles.
    ///
    /// # Examples
    ///
    /// ```
    /// use ferrofit::{Error, TimeoutPhase};
    /// assert!(Error::timeout(TimeoutPhase::Total).is_timeout());
    /// ```
    pub fn timeout(phase: TimeoutPhase) -> Self {
        Self::Timeout { phase, attempts: 1 }
    }

    /// An [`Error::Cancelled`], for interceptors and test doubles.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(ferrofit::Error::cancelled("user left").is_cancelled());
    /// ```
    pub fn cancelled(reason: impl Into<Cow<'static, str>>) -> Self {
        Self::Cancelled {
            reason: reason.into(),
        }
    }

    pub(crate) fn config(message: impl Into<String>) -> Self {
        Self::Config {
            message: message.into(),
        }
    }

    /// The error for a response whose status is not a success: `Unauthorized` for 401,
    /// `Validation` (with parsed fields) for 422, `Status` for the rest.
    ///
    /// # Examples
    ///
    /// ```
    /// use ferrofit::{Error, ErrorResponse};
    /// use http::{HeaderMap, StatusCode};
    ///
    /// let body = r#"{"errors": {"email": ["is taken"]}}"#;
    /// let response = ErrorResponse::new(
    ///     StatusCode::UNPROCESSABLE_ENTITY,
    ///     HeaderMap::new(),
    ///     "https://api.test/users".parse().unwrap(),
    ///     body.into(),
    /// );
    /// match Error::from_response(response) {
    ///     Error::Validation { fields, .. } => assert_eq!(fields["email"], ["is taken"]),
    ///     other => panic!("unexpected {other:?}"),
    /// }
    /// ```
    pub fn from_response(response: ErrorResponse) -> Self {
        match response.status() {
            StatusCode::UNAUTHORIZED => Self::Unauthorized {
                response: Box::new(response),
            },
            StatusCode::UNPROCESSABLE_ENTITY => Self::Validation {
                fields: parse_field_errors(response.body()),
                response: Box::new(response),
            },
            _ => Self::Status {
                response: Box::new(response),
            },
        }
    }
}

impl Error {
    /// An [`Error::File`] for `path`.
    pub(crate) fn file(path: &std::path::Path, error: &std::io::Error) -> Self {
        Self::File {
            path: path.to_owned(),
            kind: error.kind(),
            message: error.to_string(),
        }
    }
}

/// The statuses that mean "try again later" rather than "this request is wrong".
pub(crate) fn is_retryable_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 408 | 429 | 500 | 502 | 503 | 504)
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.fmt_message(f)?;
        match self.attempts() {
            1 => Ok(()),
            n => write!(f, " (after {n} attempts)"),
        }
    }
}

impl Error {
    fn fmt_message(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Network { kind, source, .. } => write!(f, "network error ({kind:?}): {source}"),
            Self::Timeout { phase, .. } => {
                let phase = match phase {
                    TimeoutPhase::Connect => "connect",
                    TimeoutPhase::Receive => "receive",
                    TimeoutPhase::Total => "total",
                };
                write!(f, "request timed out ({phase} timeout)")
            }
            Self::Cancelled { reason } => write!(f, "request cancelled: {reason}"),
            Self::Unauthorized { response } => write!(f, "unauthorized: {response}"),
            Self::Validation { fields, response } => {
                write!(f, "validation failed: {response}")?;
                if !fields.is_empty() {
                    let names: Vec<&str> = fields.keys().map(String::as_str).collect();
                    write!(f, " (fields: {})", names.join(", "))?;
                }
                Ok(())
            }
            Self::Status { response } => write!(f, "request failed: {response}"),
            Self::Decode { path, message, .. } => {
                write!(
                    f,
                    "could not decode the response body at `{path}`: {message}"
                )
            }
            Self::InvalidRequest { message } => write!(f, "invalid request: {message}"),
            Self::ResponseTooLarge { limit } => {
                write!(f, "response body is larger than the {limit}-byte limit")
            }
            Self::File { path, message, .. } => write!(f, "file `{}`: {message}", path.display()),
            Self::CacheMiss { message } => write!(f, "not in the cache: {message}"),
            Self::Tls { message, .. } => write!(f, "TLS refused: {message}"),
            Self::Config { message } => write!(f, "invalid client configuration: {message}"),
            Self::Paging { message } => write!(f, "pagination stopped: {message}"),
            Self::RateLimited { retry_after, .. } => write!(
                f,
                "rate limited: the next request may go out in {:.1} s",
                retry_after.as_secs_f64()
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Network { source, .. } => Some(&**source),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_is_send_sync_static_and_small() {
        fn assert_impls<T: Send + Sync + 'static + std::error::Error>() {}
        assert_impls::<Error>();
        // A `Result<T, Error>` travels through every layer of every call: keep it compact.
        assert!(
            std::mem::size_of::<Error>() <= 72,
            "Error grew to {} bytes",
            std::mem::size_of::<Error>()
        );
    }

    #[test]
    fn retryable_statuses() {
        for code in [408, 429, 500, 502, 503, 504] {
            assert!(is_retryable_status(StatusCode::from_u16(code).unwrap()));
        }
        for code in [400, 401, 403, 404, 409, 422, 501] {
            assert!(!is_retryable_status(StatusCode::from_u16(code).unwrap()));
        }
    }
}

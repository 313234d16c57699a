//! The response kept inside an error.

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use serde::de::DeserializeOwned;
use url::Url;

use crate::redact::{self, Redactor};

/// A response whose status was not a success, kept whole inside an [`Error`](crate::Error) so
/// the caller can read its status, headers and body.
///
/// Its body is bounded by the client's
/// [`max_response_size`](crate::ClientBuilder::max_response_size).
///
/// # Examples
///
/// ```
/// # fn show(error: &ferrofit::Error) {
/// if let Some(response) = error.response() {
///     println!("{} {}", response.status(), response.text());
/// }
/// # }
/// ```
#[derive(Clone)]
pub struct ErrorResponse {
    status: StatusCode,
    headers: HeaderMap,
    url: Url,
    body: Bytes,
    attempts: u32,
    redactor: Arc<Redactor>,
}

impl ErrorResponse {
    /// A response to wrap in an error, e.g. with [`Error::from_response`](crate::Error::from_response)
    /// in a test double.
    pub fn new(status: StatusCode, headers: HeaderMap, url: Url, body: Bytes) -> Self {
        Self {
            status,
            headers,
            url,
            body,
            attempts: 1,
            redactor: redact::built_in(),
        }
    }

    /// Prints with the client's secret names.
    pub(crate) fn with_redactor(mut self, redactor: Arc<Redactor>) -> Self {
        self.redactor = redactor;
        self
    }

    /// How many times the request was sent to get this response (more than 1 after retries).
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    pub(crate) fn set_attempts(&mut self, attempts: u32) {
        self.attempts = attempts;
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The final URL (after redirects). `Display` of the response or the error shows it without
    /// secrets; to print it alone, use [`redact::url`].
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The raw body.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The body as text, with invalid UTF-8 replaced.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body decoded as JSON.
    ///
    /// # Errors
    ///
    /// When the body is not valid JSON for `T`.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(&self.body)
    }
}

impl fmt::Display for ErrorResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "HTTP {} from {}",
            self.status,
            self.redactor.url(&self.url)
        )
    }
}

impl ErrorResponse {
    /// The start of the body, bounded and without secrets, read as its content type says.
    fn snippet(&self) -> String {
        let content_type = self
            .headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok());
        body_snippet(&self.body, content_type, &self.redactor)
    }
}

impl fmt::Debug for ErrorResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ErrorResponse")
            .field("status", &self.status)
            .field("url", &self.redactor.url(&self.url))
            .field("headers", &self.redactor.headers(&self.headers))
            .field("body", &self.snippet())
            .field("attempts", &self.attempts)
            .finish()
    }
}

/// Longest body excerpt kept in errors and debug output.
pub(crate) const SNIPPET_LIMIT: usize = 256;

/// The start of a body as text, bounded, with secret-named JSON members or form fields
/// redacted.
pub(crate) fn body_snippet(body: &[u8], content_type: Option<&str>, redactor: &Redactor) -> String {
    let mut end = body.len().min(SNIPPET_LIMIT);
    // Do not cut a UTF-8 sequence in half: back up to a char boundary.
    while end > 0 && end < body.len() && (body[end] & 0xC0) == 0x80 {
        end -= 1;
    }
    let mut text = redactor.body_text(&String::from_utf8_lossy(&body[..end]), content_type);
    if end < body.len() {
        text.push('…');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippet_is_bounded_and_keeps_utf8_whole() {
        let body = "é".repeat(300);
        let snippet = body_snippet(body.as_bytes(), None, &Redactor::new());
        assert!(snippet.len() <= SNIPPET_LIMIT + '…'.len_utf8());
        assert!(snippet.ends_with('…'));
        assert!(!snippet.contains('\u{FFFD}'));
    }

    proptest::proptest! {
        /// Any bytes give a snippet without panicking, bounded whatever redaction does to it
        /// (`"sig":""` → `"sig":"[REDACTED]"` at most doubles and a bit).
        #[test]
        fn a_snippet_of_any_body_is_bounded(body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..2048)) {
            let snippet = body_snippet(&body, None, &Redactor::new());
            proptest::prop_assert!(snippet.len() <= 3 * SNIPPET_LIMIT, "{}", snippet.len());
        }

        /// Text that looks like JSON full of secrets is bounded too, and keeps no secret value.
        #[test]
        fn a_snippet_of_secret_json_is_bounded_and_redacted(
            values in proptest::collection::vec("[a-z0-9]{0,12}", 0..64),
        ) {
            let body: String = values.iter().map(|v| format!(r#""sig":"s3{v}","#)).collect();
            let snippet = body_snippet(body.as_bytes(), None, &Redactor::new());
            proptest::prop_assert!(snippet.len() <= 3 * SNIPPET_LIMIT, "{}", snippet.len());
            proptest::prop_assert!(!snippet.contains("\"s3"), "{}", snippet);
        }
    }
}

//! `Multipart`: a `multipart/form-data` body (RFC 7578), encoded as it is sent.

use std::fmt;

use bytes::Bytes;
use futures_util::StreamExt;

use super::{ChunkStream, Opened, Part};
use crate::error::{Error, Result};

/// A `multipart/form-data` body: named parts in order. `#[multipart]` endpoints build one
/// from their `#[part]` parameters; build one yourself for [`Client::send`](crate::Client::send).
///
/// The form is encoded while it is sent: files are streamed from disk, never loaded whole.
/// It is replayable unless a part is a one-shot stream.
///
/// # Examples
///
/// ```
/// use ferrofit::{Multipart, Part};
///
/// let form = Multipart::new()
///     .text("title", "Holiday")
///     .part("photo", Part::file("beach.jpg"));
/// assert!(form.content_type().starts_with("multipart/form-data; boundary="));
/// let body = ferrofit::Body::from(form);
/// # let _ = body;
/// ```
#[derive(Clone)]
pub struct Multipart {
    boundary: String,
    parts: Vec<(String, Part)>,
}

impl Default for Multipart {
    fn default() -> Self {
        Self::new()
    }
}

impl Multipart {
    /// An empty form with a fresh random boundary.
    pub fn new() -> Self {
        let boundary = format!(
            "ferrofit-{:016x}{:016x}",
            fastrand::u64(..),
            fastrand::u64(..)
        );
        Self {
            boundary,
            parts: Vec::new(),
        }
    }

    /// Adds a text field.
    #[must_use]
    pub fn text(self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.part(name, Part::text(value))
    }

    /// Adds a part. Names may repeat; parts are sent in the order they were added.
    #[must_use]
    pub fn part(mut self, name: impl Into<String>, part: Part) -> Self {
        self.push(name.into(), part);
        self
    }

    pub(crate) fn push(&mut self, name: String, part: Part) {
        self.parts.push((name, part));
    }

    /// The boundary between parts.
    pub fn boundary(&self) -> &str {
        &self.boundary
    }

    /// `multipart/form-data; boundary=…`, the request's `Content-Type`.
    pub fn content_type(&self) -> String {
        format!("multipart/form-data; boundary={}", self.boundary)
    }

    /// The parts' names, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().map(|(name, _)| name.as_str())
    }

    /// Whether every part can be sent again.
    pub fn is_replayable(&self) -> bool {
        self.parts.iter().all(|(_, part)| part.is_replayable())
    }

    /// Opens every part for one attempt and chains them with their headers. The length is
    /// known when every part's is.
    pub(crate) async fn open(&self) -> Result<Opened> {
        let mut pieces: Vec<ChunkStream> = Vec::with_capacity(self.parts.len() * 3 + 1);
        let mut len = Some(0_u64);
        let add_bytes = |pieces: &mut Vec<ChunkStream>, len: &mut Option<u64>, bytes: Bytes| {
            *len = len.and_then(|total| total.checked_add(bytes.len() as u64));
            pieces.push(Opened::bytes(bytes).chunks);
        };
        for (name, part) in &self.parts {
            let head = self.part_head(name, part)?;
            add_bytes(&mut pieces, &mut len, Bytes::from(head));
            let data = part.open().await?;
            len = match (len, data.len) {
                (Some(total), Some(part_len)) => total.checked_add(part_len),
                _ => None,
            };
            pieces.push(data.chunks);
            add_bytes(&mut pieces, &mut len, Bytes::from_static(b"\r\n"));
        }
        let tail = format!("--{}--\r\n", self.boundary);
        add_bytes(&mut pieces, &mut len, Bytes::from(tail));
        Ok(Opened {
            chunks: Box::pin(futures_util::stream::iter(pieces).flatten()),
            len,
        })
    }

    /// `--boundary` and the part's headers, up to the blank line before its data.
    fn part_head(&self, name: &str, part: &Part) -> Result<String> {
        let mut head = format!(
            "--{}\r\nContent-Disposition: form-data; name=\"{}\"",
            self.boundary,
            escape(name)
        );
        if let Some(file_name) = part.file_name_text() {
            head.push_str("; filename=\"");
            head.push_str(&escape(file_name));
            head.push('"');
        }
        head.push_str("\r\n");
        if let Some(content_type) = part.resolved_content_type() {
            if http::HeaderValue::from_str(&content_type).is_err() {
                return Err(Error::invalid_request(format!(
                    "multipart part `{name}`: its content type is not a valid header value"
                )));
            }
            head.push_str("Content-Type: ");
            head.push_str(&content_type);
            head.push_str("\r\n");
        }
        head.push_str("\r\n");
        Ok(head)
    }
}

/// Writes a name or file name as an RFC 9110 quoted-string, which is what multipart parsers
/// (multer, Go's `mime`, werkzeug, busboy) unescape: `\` and `"` get a backslash. CR and LF
/// cannot appear in a header at all and are percent-encoded, as browsers do.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => escaped.push_str("\\\""),
            '\\' => escaped.push_str("\\\\"),
            '\r' => escaped.push_str("%0D"),
            '\n' => escaped.push_str("%0A"),
            c => escaped.push(c),
        }
    }
    escaped
}

impl fmt::Debug for Multipart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Multipart")
            .field("parts", &self.parts)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn encoded(form: &Multipart) -> (String, Option<u64>) {
        let opened = form.open().await.unwrap();
        let len = opened.len;
        let chunks: Vec<Bytes> = opened.chunks.map(|c| c.unwrap()).collect().await;
        (String::from_utf8(chunks.concat()).unwrap(), len)
    }

    #[tokio::test]
    async fn parts_are_framed_in_order_with_the_announced_length() {
        let form = Multipart::new()
            .text("a", "1")
            .part("b\"\\\r\n", Part::bytes("xy").file_name("f.png"));
        let (text, len) = encoded(&form).await;
        let b = form.boundary();
        assert_eq!(
            text,
            format!(
                "--{b}\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n\
                 --{b}\r\nContent-Disposition: form-data; name=\"b\\\"\\\\%0D%0A\"; filename=\"f.png\"\r\nContent-Type: image/png\r\n\r\nxy\r\n\
                 --{b}--\r\n"
            )
        );
        assert_eq!(len, Some(text.len() as u64));
    }

    #[tokio::test]
    async fn a_stream_part_without_length_makes_the_length_unknown_and_is_sent_once() {
        let chunks = futures_util::stream::iter([Ok::<_, std::io::Error>(Bytes::from("zz"))]);
        let form = Multipart::new().part("s", Part::stream(chunks, None));
        assert!(!form.is_replayable());
        let (text, len) = encoded(&form).await;
        assert!(text.contains("\r\n\r\nzz\r\n"), "{text}");
        assert_eq!(len, None);
        let again = form.open().await.err().unwrap();
        assert!(matches!(again, Error::InvalidRequest { .. }), "{again:?}");
    }

    #[tokio::test]
    async fn a_bad_content_type_is_an_invalid_request() {
        let form = Multipart::new().part("x", Part::bytes("1").content_type("a\r\nInjected: 1"));
        assert!(matches!(
            form.open().await,
            Err(Error::InvalidRequest { .. })
        ));
    }
}

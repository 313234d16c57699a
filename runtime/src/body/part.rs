//! `Part`: one part of a multipart form.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::Stream;
use serde::Serialize;

use super::{OneShot, Opened, open_file};
use crate::error::{BoxError, Error, Result};

/// One part of a multipart form: text, bytes, a file streamed from disk, a JSON value or a
/// one-shot stream, with an optional file name and content type.
///
/// When no content type is given, a part with a file name gets the type its extension
/// suggests (`report.pdf` → `application/pdf`, unknown → `application/octet-stream`), bytes
/// and streams get `application/octet-stream`, and text gets none (as browsers send fields).
///
/// # Examples
///
/// ```
/// use ferrofit::Part;
///
/// let avatar = Part::file("photos/me.png");                // file name `me.png`, image/png
/// let notes = Part::text("hello").file_name("notes.txt");  // text/plain
/// let blob = Part::bytes(vec![0_u8; 16]).content_type("application/x-thing");
/// assert!(avatar.is_replayable() && notes.is_replayable() && blob.is_replayable());
/// ```
#[derive(Clone)]
pub struct Part {
    data: Data,
    file_name: Option<String>,
    content_type: Option<String>,
}

#[derive(Clone)]
enum Data {
    Text(Bytes),
    Bytes(Bytes),
    File(Arc<Path>),
    Stream(Arc<OneShot>),
}

impl Part {
    fn of(data: Data) -> Self {
        Self {
            data,
            file_name: None,
            content_type: None,
        }
    }

    /// A text field.
    pub fn text(text: impl Into<String>) -> Self {
        Self::of(Data::Text(Bytes::from(text.into())))
    }

    /// Bytes, sent as `application/octet-stream` unless a file name or type says otherwise.
    pub fn bytes(bytes: impl Into<Bytes>) -> Self {
        Self::of(Data::Bytes(bytes.into()))
    }

    /// A `Serialize` value sent as a JSON part (`application/json`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidRequest`] when the value cannot be serialized.
    pub fn json<T: Serialize + ?Sized>(value: &T) -> Result<Self> {
        let bytes = serde_json::to_vec(value)
            .map_err(|e| Error::invalid_request(format!("could not serialize a JSON part: {e}")))?;
        Ok(Self::bytes(bytes).content_type("application/json"))
    }

    /// The file at `path`, streamed from disk when the request is sent (never loaded whole)
    /// and reopened for every attempt. The file name defaults to the path's last component.
    /// A missing file fails the call with [`Error::File`](crate::Error::File) before anything
    /// is sent.
    pub fn file(path: impl AsRef<Path>) -> Self {
        let path = path.as_ref();
        let file_name = path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned());
        Self {
            file_name,
            ..Self::of(Data::File(path.into()))
        }
    }

    /// A part read from `stream` as it is sent; `len`, when given, lets the whole form have a
    /// `Content-Length`. A form with such a part can be sent **once** (see
    /// [`Body::from_stream`](crate::Body::from_stream)).
    pub fn stream<S, E>(stream: S, len: Option<u64>) -> Self
    where
        S: Stream<Item = std::result::Result<Bytes, E>> + Send + 'static,
        E: Into<BoxError>,
    {
        Self::of(Data::Stream(Arc::new(OneShot::new(stream, len))))
    }

    /// Sets the file name sent in `Content-Disposition`.
    #[must_use]
    pub fn file_name(mut self, name: impl Into<String>) -> Self {
        self.file_name = Some(name.into());
        self
    }

    /// Sets the part's `Content-Type`, e.g. `"image/webp"`. A value a header cannot hold fails
    /// the call with [`Error::InvalidRequest`](crate::Error::InvalidRequest).
    #[must_use]
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }

    /// Whether the part can be sent more than once: false only for [`stream`](Self::stream).
    pub fn is_replayable(&self) -> bool {
        !matches!(self.data, Data::Stream(_))
    }

    pub(crate) fn file_name_text(&self) -> Option<&str> {
        self.file_name.as_deref()
    }

    /// The `Content-Type` to send, if any.
    pub(crate) fn resolved_content_type(&self) -> Option<String> {
        if let Some(explicit) = &self.content_type {
            return Some(explicit.clone());
        }
        if let Some(name) = &self.file_name {
            let guessed = mime_guess::from_path(name).first_or_octet_stream();
            return Some(guessed.essence_str().to_owned());
        }
        match self.data {
            Data::Text(_) => None,
            Data::Bytes(_) | Data::File(_) | Data::Stream(_) => {
                Some("application/octet-stream".to_owned())
            }
        }
    }

    /// Opens the part's data for one attempt.
    pub(crate) async fn open(&self) -> Result<Opened> {
        match &self.data {
            Data::Text(bytes) | Data::Bytes(bytes) => Ok(Opened::bytes(bytes.clone())),
            Data::File(path) => open_file(path).await,
            Data::Stream(one_shot) => one_shot.take(),
        }
    }
}

impl fmt::Debug for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Parts can carry secrets (a password field): show the shape, never the content.
        let mut s = f.debug_struct("Part");
        match &self.data {
            Data::Text(bytes) => s.field("text", &format_args!("{} bytes", bytes.len())),
            Data::Bytes(bytes) => s.field("bytes", &format_args!("{} bytes", bytes.len())),
            Data::File(path) => s.field("file", path),
            Data::Stream(one_shot) => s.field("stream", &one_shot.len()),
        };
        s.field("file_name", &self.file_name)
            .field("content_type", &self.resolved_content_type())
            .finish()
    }
}

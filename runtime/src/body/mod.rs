//! Request bodies: bytes, files, multipart forms and one-shot streams, and how each is opened
//! for sending (again, when it can be).

mod multipart;
mod part;

pub use multipart::Multipart;
pub use part::Part;

use std::fmt;
use std::path::Path;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};

use bytes::{Bytes, BytesMut};
use futures_util::{Stream, StreamExt, TryStreamExt};
use tokio::io::AsyncReadExt;

use crate::error::{BoxError, Error, Result};

/// Chunks of a body on their way out.
pub(crate) type ChunkStream = Pin<Box<dyn Stream<Item = std::io::Result<Bytes>> + Send>>;

/// A body ready to send: its chunks, and its length when known in advance (it becomes the
/// `Content-Length`; otherwise the body is sent chunked).
pub(crate) struct Opened {
    pub(crate) chunks: ChunkStream,
    pub(crate) len: Option<u64>,
}

impl Opened {
    pub(crate) fn bytes(bytes: Bytes) -> Self {
        let len = bytes.len() as u64;
        Self {
            chunks: Box::pin(futures_util::stream::once(async move { Ok(bytes) })),
            len: Some(len),
        }
    }
}

/// A request body.
///
/// Bytes, files and multipart forms made of them are *replayable*: retries and the auth
/// interceptor's replay after a token refresh send them again (a file is reopened and read
/// from the start each time). A body made from a stream is sent once: see
/// [`from_stream`](Self::from_stream).
///
/// # Examples
///
/// ```
/// let body = ferrofit::Body::from("hello");
/// assert_eq!(body.as_bytes(), Some(&b"hello"[..]));
/// assert!(body.is_replayable());
/// assert!(ferrofit::Body::empty().is_empty());
/// ```
#[derive(Clone, Default)]
pub struct Body {
    kind: Kind,
}

#[derive(Clone, Default)]
enum Kind {
    #[default]
    Empty,
    Bytes(Bytes),
    File(Arc<Path>),
    Multipart(Arc<Multipart>),
    Stream(Arc<OneShot>),
}

impl Body {
    /// No body.
    pub fn empty() -> Self {
        Self::default()
    }

    /// The file at `path`, streamed from disk when the request is sent (never loaded whole)
    /// and reopened for every attempt. A missing file fails the call with
    /// [`Error::File`](crate::Error::File) before anything is sent.
    ///
    /// # Examples
    ///
    /// ```
    /// let body = ferrofit::Body::file("backup.tar");
    /// assert!(body.is_replayable());
    /// ```
    pub fn file(path: impl AsRef<Path>) -> Self {
        Self {
            kind: Kind::File(path.as_ref().into()),
        }
    }

    /// A body read from `stream` as it is sent; `len`, when given, is sent as
    /// `Content-Length`, and the stream must then end after exactly that many bytes (one that
    /// yields more or fewer fails the call, so nothing is cut silently).
    ///
    /// Such a body can be sent **once**: [`is_replayable`](Self::is_replayable) is false, so
    /// the retry interceptor does not retry the call and the auth interceptor returns the
    /// first 401 instead of replaying it. Sending it a second time fails with
    /// [`Error::InvalidRequest`](crate::Error::InvalidRequest).
    ///
    /// # Examples
    ///
    /// ```
    /// use ferrofit::{Body, Bytes};
    ///
    /// let chunks = futures_util::stream::iter([Ok::<_, std::io::Error>(Bytes::from("a")), Ok(Bytes::from("b"))]);
    /// let body = Body::from_stream(chunks, Some(2));
    /// assert!(!body.is_replayable());
    /// ```
    pub fn from_stream<S, E>(stream: S, len: Option<u64>) -> Self
    where
        S: Stream<Item = std::result::Result<Bytes, E>> + Send + 'static,
        E: Into<BoxError>,
    {
        Self {
            kind: Kind::Stream(Arc::new(OneShot::new(stream, len))),
        }
    }

    /// Whether there is no body (or a zero-length one held in memory).
    pub fn is_empty(&self) -> bool {
        match &self.kind {
            Kind::Empty => true,
            Kind::Bytes(bytes) => bytes.is_empty(),
            Kind::File(_) | Kind::Multipart(_) | Kind::Stream(_) => false,
        }
    }

    /// The bytes of the body, if it is held in memory as one piece.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        self.shared_bytes().map(|bytes| &bytes[..])
    }

    /// The bytes, shared, if the body is held in memory as one piece.
    pub(crate) fn shared_bytes(&self) -> Option<&Bytes> {
        match &self.kind {
            Kind::Bytes(bytes) => Some(bytes),
            _ => None,
        }
    }

    /// The multipart form, if the body is one.
    pub fn as_multipart(&self) -> Option<&Multipart> {
        match &self.kind {
            Kind::Multipart(form) => Some(form),
            _ => None,
        }
    }

    /// Whether the body can be sent more than once: false for a body or multipart part made
    /// from a stream, true for everything else.
    pub fn is_replayable(&self) -> bool {
        match &self.kind {
            Kind::Empty | Kind::Bytes(_) | Kind::File(_) => true,
            Kind::Multipart(form) => form.is_replayable(),
            Kind::Stream(_) => false,
        }
    }

    /// Reads the whole body into memory, e.g. for a test double or an interceptor that signs
    /// bodies. A stream body is used up by this.
    ///
    /// # Errors
    ///
    /// [`Error::File`](crate::Error::File) when a file cannot be read,
    /// [`Error::InvalidRequest`](crate::Error::InvalidRequest) when a stream was already used
    /// or fails.
    ///
    /// # Examples
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let body = ferrofit::Body::from("hello");
    /// assert_eq!(body.to_bytes().await?, "hello");
    /// # Ok::<(), ferrofit::Error>(()) }).unwrap();
    /// ```
    pub async fn to_bytes(&self) -> Result<Bytes> {
        if let Kind::Bytes(bytes) = &self.kind {
            return Ok(bytes.clone());
        }
        let Some(opened) = self.open().await? else {
            return Ok(Bytes::new());
        };
        let capacity = opened
            .len
            .and_then(|len| usize::try_from(len).ok())
            .unwrap_or(0);
        let mut buffer = BytesMut::with_capacity(capacity);
        let mut chunks = opened.chunks;
        while let Some(chunk) = chunks.next().await {
            let chunk = chunk
                .map_err(|e| Error::invalid_request(format!("the body could not be read: {e}")))?;
            buffer.extend_from_slice(&chunk);
        }
        Ok(buffer.freeze())
    }

    /// Opens the body for one attempt: `None` when there is none. Files are opened (and their
    /// length read) here, so a missing file fails before anything is sent.
    pub(crate) async fn open(&self) -> Result<Option<Opened>> {
        Ok(Some(match &self.kind {
            Kind::Empty => return Ok(None),
            Kind::Bytes(bytes) => Opened::bytes(bytes.clone()),
            Kind::File(path) => open_file(path).await?,
            Kind::Multipart(form) => form.open().await?,
            Kind::Stream(one_shot) => one_shot.take()?,
        }))
    }
}

/// Opens a file for sending, with its current length.
pub(crate) async fn open_file(path: &Path) -> Result<Opened> {
    let file = tokio::fs::File::open(path)
        .await
        .map_err(|e| Error::file(path, &e))?;
    let len = file
        .metadata()
        .await
        .map_err(|e| Error::file(path, &e))?
        .len();
    // `take`: a file that grows while it is sent still matches the length announced.
    let reader = tokio_util::io::ReaderStream::with_capacity(file.take(len), 64 * 1024);
    Ok(Opened {
        chunks: Box::pin(reader),
        len: Some(len),
    })
}

/// A stream that can be taken once.
pub(crate) struct OneShot {
    stream: Mutex<Option<ChunkStream>>,
    len: Option<u64>,
}

impl OneShot {
    pub(crate) fn new<S, E>(stream: S, len: Option<u64>) -> Self
    where
        S: Stream<Item = std::result::Result<Bytes, E>> + Send + 'static,
        E: Into<BoxError>,
    {
        let chunks = stream.map_err(|e| std::io::Error::other(e.into()));
        Self {
            stream: Mutex::new(Some(Box::pin(chunks))),
            len,
        }
    }

    pub(crate) fn len(&self) -> Option<u64> {
        self.len
    }

    pub(crate) fn take(&self) -> Result<Opened> {
        let taken = self
            .stream
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        let chunks = taken.ok_or_else(|| {
            Error::invalid_request(
                "a body or multipart part made from a stream can be sent only once, and this one was already sent; build it from bytes or a file to allow retries and replays",
            )
        })?;
        Ok(Opened {
            chunks,
            len: self.len,
        })
    }
}

impl From<Bytes> for Body {
    fn from(bytes: Bytes) -> Self {
        Self {
            kind: Kind::Bytes(bytes),
        }
    }
}

impl From<Vec<u8>> for Body {
    fn from(bytes: Vec<u8>) -> Self {
        Bytes::from(bytes).into()
    }
}

impl From<String> for Body {
    fn from(text: String) -> Self {
        Bytes::from(text).into()
    }
}

impl From<&'static str> for Body {
    fn from(text: &'static str) -> Self {
        Bytes::from_static(text.as_bytes()).into()
    }
}

impl From<Multipart> for Body {
    fn from(form: Multipart) -> Self {
        Self {
            kind: Kind::Multipart(Arc::new(form)),
        }
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Bodies can carry credentials (login forms): show only their shape and size.
        match &self.kind {
            Kind::Empty => f.write_str("Body(empty)"),
            Kind::Bytes(bytes) => write!(f, "Body({} bytes)", bytes.len()),
            Kind::File(path) => write!(f, "Body(file {})", path.display()),
            Kind::Multipart(form) => write!(f, "Body({form:?})"),
            Kind::Stream(one_shot) => match one_shot.len() {
                Some(len) => write!(f, "Body(stream of {len} bytes)"),
                None => f.write_str("Body(stream)"),
            },
        }
    }
}

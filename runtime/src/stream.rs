//! `ByteStream`: a response body read as it arrives, and `download_to`, which saves one.

use std::fmt;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use futures_util::{Stream, StreamExt};
use tokio::io::AsyncWriteExt;

use crate::cancel::CancelSet;
use crate::error::{Error, Result, TimeoutPhase};
use crate::transport::decoding::SizeChosen;

type Chunks = Pin<Box<dyn Stream<Item = Result<Bytes>> + Send>>;

/// A response body read chunk by chunk as it arrives, never buffered whole. Return
/// `ferrofit::Result<ByteStream>` (or `Result<Response<ByteStream>>`) from an endpoint to get
/// one.
///
/// The client's receive timeout applies between chunks, its total timeout (if set) to the
/// whole download, and cancelling the call ends the stream with
/// [`Error::Cancelled`](crate::Error::Cancelled). The client's `max_response_size` does not
/// apply: you decide how much to read, with [`limit`](Self::limit) or the client's
/// [`max_download_size`](crate::ClientBuilder::max_download_size). Until you do, a
/// compressed body may decode to at most 100 times its compressed size (after a first MiB),
/// so a small decompression bomb cannot fill your disk; it fails with
/// [`Error::ResponseTooLarge`](crate::Error::ResponseTooLarge).
///
/// # Examples
///
/// ```
/// use futures_util::StreamExt;
///
/// #[ferrofit::rest_api]
/// trait Downloads {
///     #[get("/files/<name>")]
///     async fn file(&self, name: &str) -> ferrofit::Result<ferrofit::ByteStream>;
/// }
///
/// # async fn run(api: DownloadsClient) -> ferrofit::Result<()> {
/// // Save it to disk…
/// api.file("big.iso").await?.download_to("big.iso").await?;
/// // …or look at each chunk.
/// let mut stream = api.file("log.txt").await?;
/// while let Some(chunk) = stream.next().await {
///     println!("{} bytes", chunk?.len());
/// }
/// # Ok(()) }
/// ```
pub struct ByteStream {
    chunks: Chunks,
    content_length: Option<u64>,
    /// Set when the caller bounds the size, which lifts the transport's ratio bound.
    size_chosen: Option<SizeChosen>,
}

impl ByteStream {
    /// A stream of chunks; `content_length` is the body's size when known. Transports use
    /// this for [`RawResponse::set_stream`](crate::RawResponse::set_stream).
    pub fn new(
        chunks: impl Stream<Item = Result<Bytes>> + Send + 'static,
        content_length: Option<u64>,
    ) -> Self {
        Self {
            chunks: Box::pin(chunks),
            content_length,
            size_chosen: None,
        }
    }

    /// This stream, telling the transport's decoder when its caller bounds its size.
    pub(crate) fn with_size_chosen(mut self, size_chosen: SizeChosen) -> Self {
        self.size_chosen = Some(size_chosen);
        self
    }

    /// A stream of one chunk.
    pub fn from_bytes(bytes: Bytes) -> Self {
        let len = bytes.len() as u64;
        let chunks = futures_util::stream::iter((!bytes.is_empty()).then_some(Ok(bytes)));
        Self::new(chunks, Some(len))
    }

    /// The body's size as announced by the server, if it did (and the body is not
    /// compressed).
    pub fn content_length(&self) -> Option<u64> {
        self.content_length
    }

    /// This stream, failing with [`Error::ResponseTooLarge`](crate::Error::ResponseTooLarge)
    /// as soon as more than `max_bytes` arrive (at once when the announced length is larger).
    /// Use it before [`download_to`](Self::download_to) when the server is not trusted with
    /// your disk.
    ///
    /// # Examples
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// use futures_util::StreamExt;
    /// use ferrofit::{ByteStream, Bytes, Error};
    ///
    /// let mut stream = ByteStream::from_bytes(Bytes::from("too long")).limit(4);
    /// assert!(matches!(stream.next().await, Some(Err(Error::ResponseTooLarge { limit: 4, .. }))));
    /// # });
    /// ```
    #[must_use]
    pub fn limit(self, max_bytes: u64) -> Self {
        let content_length = self.content_length;
        let size_chosen = self.size_chosen.clone();
        if let Some(chosen) = &size_chosen {
            chosen.choose();
        }
        let too_large = move || Error::ResponseTooLarge { limit: max_bytes };
        if content_length.is_some_and(|len| len > max_bytes) {
            return Self::new(
                futures_util::stream::iter([Err(too_large())]),
                content_length,
            );
        }
        let mut seen = 0_u64;
        let limited = self.chunks.scan(false, move |failed, chunk| {
            if *failed {
                return std::future::ready(None);
            }
            let chunk = chunk.and_then(|chunk| {
                seen = seen.saturating_add(chunk.len() as u64);
                if seen > max_bytes {
                    Err(too_large())
                } else {
                    Ok(chunk)
                }
            });
            *failed = chunk.is_err();
            std::future::ready(Some(chunk))
        });
        let mut limited = Self::new(limited, content_length);
        limited.size_chosen = size_chosen;
        limited
    }

    /// Writes the body to the file at `path` and returns its size. The body goes to a
    /// temporary file next to `path` first, renamed to `path` only when the whole body has
    /// arrived: on an error, a cancellation or a timeout (or if this future is dropped) the
    /// partial file is removed and an existing file at `path` is left as it was. The file's
    /// data is synced to the disk before the rename.
    ///
    /// # Errors
    ///
    /// What the stream yields (network, timeout, cancellation), or
    /// [`Error::File`](crate::Error::File) when the file cannot be written.
    pub async fn download_to(mut self, path: impl AsRef<Path>) -> Result<u64> {
        let path = path.as_ref();
        let partial = RemoveOnDrop {
            path: partial_path(path),
            keep: false,
        };
        let partial_path = partial.path.as_path();
        let mut file = tokio::fs::File::create(partial_path)
            .await
            .map_err(|e| Error::file(partial_path, &e))?;
        let mut written = 0_u64;
        while let Some(chunk) = self.chunks.next().await {
            let chunk = chunk?;
            file.write_all(&chunk)
                .await
                .map_err(|e| Error::file(partial_path, &e))?;
            written += chunk.len() as u64;
        }
        file.flush()
            .await
            .map_err(|e| Error::file(partial_path, &e))?;
        // On disk before it gets its final name: after a power loss the path holds the old
        // file or the whole new one, never a truncated one.
        file.sync_all()
            .await
            .map_err(|e| Error::file(partial_path, &e))?;
        drop(file);
        tokio::fs::rename(partial_path, path)
            .await
            .map_err(|e| Error::file(path, &e))?;
        partial.keep();
        Ok(written)
    }

    /// Reads the whole body, failing past `limit` bytes.
    pub(crate) async fn collect_limited(mut self, limit: u64) -> Result<Bytes> {
        let mut buffer = BytesMut::new();
        while let Some(chunk) = self.chunks.next().await {
            let chunk = chunk?;
            if (buffer.len() + chunk.len()) as u64 > limit {
                return Err(Error::ResponseTooLarge { limit });
            }
            buffer.extend_from_slice(&chunk);
        }
        Ok(buffer.freeze())
    }

    /// This stream, ended by `cancel` with `Error::Cancelled` and by `deadline` with a total
    /// timeout.
    pub(crate) fn guarded(self, cancel: CancelSet, deadline: Option<tokio::time::Instant>) -> Self {
        let content_length = self.content_length;
        let size_chosen = self.size_chosen;
        let guarded = Guarded {
            chunks: self.chunks,
            cancelled: Box::pin(async move { cancel.cancelled().await }),
            deadline: deadline.map(|at| Box::pin(tokio::time::sleep_until(at))),
            done: false,
        };
        let mut guarded = Self::new(guarded, content_length);
        guarded.size_chosen = size_chosen;
        guarded
    }
}

impl Stream for ByteStream {
    type Item = Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.chunks.as_mut().poll_next(cx)
    }
}

impl fmt::Debug for ByteStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ByteStream")
            .field("content_length", &self.content_length)
            .finish_non_exhaustive()
    }
}

struct Guarded {
    chunks: Chunks,
    cancelled: Pin<Box<dyn Future<Output = std::borrow::Cow<'static, str>> + Send>>,
    deadline: Option<Pin<Box<tokio::time::Sleep>>>,
    done: bool,
}

impl Stream for Guarded {
    type Item = Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.done {
            return Poll::Ready(None);
        }
        if let Poll::Ready(reason) = self.cancelled.as_mut().poll(cx) {
            self.done = true;
            return Poll::Ready(Some(Err(Error::Cancelled { reason })));
        }
        if let Some(deadline) = &mut self.deadline
            && deadline.as_mut().poll(cx).is_ready()
        {
            self.done = true;
            return Poll::Ready(Some(Err(Error::timeout(TimeoutPhase::Total))));
        }
        let next = self.chunks.as_mut().poll_next(cx);
        if matches!(next, Poll::Ready(None | Some(Err(_)))) {
            self.done = true;
        }
        next
    }
}

/// `.name.<random>.part` next to `path`: same directory, so the final rename is atomic.
fn partial_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map_or_else(|| "download".into(), |n| n.to_string_lossy().into_owned());
    path.with_file_name(format!(".{name}.{:08x}.part", fastrand::u32(..)))
}

/// Removes the file unless told to keep it.
struct RemoveOnDrop {
    path: PathBuf,
    keep: bool,
}

impl RemoveOnDrop {
    fn keep(mut self) {
        self.keep = true;
    }
}

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        if !self.keep {
            // Best effort: the file may not exist yet.
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(sizes: &[usize]) -> ByteStream {
        let chunks: Vec<Result<Bytes>> = sizes
            .iter()
            .map(|n| Ok(Bytes::from(vec![0_u8; *n])))
            .collect();
        ByteStream::new(futures_util::stream::iter(chunks), None)
    }

    #[tokio::test]
    async fn a_limit_passes_what_fits_then_fails_once_and_ends() {
        let results: Vec<Result<Bytes>> = chunks(&[3, 3, 3, 3]).limit(7).collect().await;
        assert_eq!(results.len(), 3, "two chunks, one error, then the end");
        assert!(results[..2].iter().all(Result::is_ok));
        assert!(matches!(
            results[2],
            Err(Error::ResponseTooLarge { limit: 7, .. })
        ));
        let exact: Vec<Result<Bytes>> = chunks(&[3, 4]).limit(7).collect().await;
        assert!(exact.iter().all(Result::is_ok));
    }
}

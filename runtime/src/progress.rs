//! `Progress`: callbacks told how many bytes of a call's body went out and came in.

use std::fmt;
use std::sync::Arc;

/// A progress callback: `(bytes so far, total if known)`.
type Callback = Arc<dyn Fn(u64, Option<u64>) + Send + Sync>;

/// Observes one call's transfer: how much of the request body has been sent and how much of
/// the response body received, each with the total when it is known (`Content-Length`, or the
/// upload's size), `None` otherwise.
///
/// Callbacks run as bytes actually move: on the task sending the call, once per chunk, so
/// keep them quick (update a counter, a progress bar). Counts only grow within an attempt; a
/// retry or a replay after a token refresh starts the upload again from 0. The download is
/// counted after decompression, so its total is `None` for compressed responses.
///
/// Pass it to an endpoint through a `#[progress]` parameter of type `&Progress` (or
/// `Progress`, or an `Option` of either).
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicU64, Ordering};
///
/// let sent = Arc::new(AtomicU64::new(0));
/// let seen = sent.clone();
/// let progress = ferrofit::Progress::new()
///     .on_upload(move |bytes, _total| seen.store(bytes, Ordering::Relaxed))
///     .on_download(|bytes, total| println!("{bytes} of {total:?}"));
///
/// #[ferrofit::rest_api]
/// trait Files {
///     #[put("/files/<name>")]
///     async fn put(&self, name: &str, #[body] data: ferrofit::Body, #[progress] progress: &ferrofit::Progress) -> ferrofit::Result<()>;
/// }
/// # let _ = progress;
/// ```
#[derive(Clone, Default)]
pub struct Progress {
    upload: Option<Callback>,
    download: Option<Callback>,
}

impl Progress {
    /// A progress observer that is told nothing until callbacks are added.
    pub fn new() -> Self {
        Self::default()
    }

    /// Called with `(bytes sent, total)` as the request body goes out.
    #[must_use]
    pub fn on_upload(
        mut self,
        callback: impl Fn(u64, Option<u64>) + Send + Sync + 'static,
    ) -> Self {
        self.upload = Some(Arc::new(callback));
        self
    }

    /// Called with `(bytes received, total)` as the response body comes in.
    #[must_use]
    pub fn on_download(
        mut self,
        callback: impl Fn(u64, Option<u64>) + Send + Sync + 'static,
    ) -> Self {
        self.download = Some(Arc::new(callback));
        self
    }

    /// Reports upload progress (transports call this).
    pub fn uploaded(&self, sent: u64, total: Option<u64>) {
        if let Some(callback) = &self.upload {
            callback(sent, total);
        }
    }

    /// Reports download progress (transports call this).
    pub fn downloaded(&self, received: u64, total: Option<u64>) {
        if let Some(callback) = &self.download {
            callback(received, total);
        }
    }

    /// Whether download progress is observed.
    pub(crate) fn watches_download(&self) -> bool {
        self.download.is_some()
    }
}

impl fmt::Debug for Progress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Progress")
            .field("upload", &self.upload.is_some())
            .field("download", &self.download.is_some())
            .finish()
    }
}

/// What a `#[progress]` parameter may be.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot observe a transfer's progress",
    label = "this is the `#[progress]` argument",
    note = "a `#[progress]` argument is a `ferrofit::Progress`, a `fn(u64, Option<u64>)`, an `Arc<dyn Fn(u64, Option<u64>) + Send + Sync>`, or an `Option` or reference of one"
)]
pub trait ProgressArg {
    /// The observer, if any.
    fn into_progress(self) -> Option<Progress>;
}

impl ProgressArg for &Progress {
    fn into_progress(self) -> Option<Progress> {
        Some(self.clone())
    }
}

impl ProgressArg for Progress {
    fn into_progress(self) -> Option<Progress> {
        Some(self)
    }
}

impl ProgressArg for Option<&Progress> {
    fn into_progress(self) -> Option<Progress> {
        self.cloned()
    }
}

impl ProgressArg for Option<Progress> {
    fn into_progress(self) -> Option<Progress> {
        self
    }
}

/// A plain callback is told about both directions: first the upload (when there is a body),
/// then the download.
impl ProgressArg for fn(u64, Option<u64>) {
    fn into_progress(self) -> Option<Progress> {
        Some(Progress::new().on_upload(self).on_download(self))
    }
}

/// A shared callback is told about both directions, like a plain one.
impl ProgressArg for Arc<dyn Fn(u64, Option<u64>) + Send + Sync> {
    fn into_progress(self) -> Option<Progress> {
        Some(Progress {
            upload: Some(self.clone()),
            download: Some(self),
        })
    }
}

impl ProgressArg for &Arc<dyn Fn(u64, Option<u64>) + Send + Sync> {
    fn into_progress(self) -> Option<Progress> {
        self.clone().into_progress()
    }
}

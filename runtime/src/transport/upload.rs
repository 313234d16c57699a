//! The request body as hyper polls it: counts what goes out for progress, checks the length
//! announced, and tells the receive clock when the upload is over.

use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Frame, SizeHint};

use super::receive_clock::ReceiveClock;
use crate::body::{ChunkStream, Opened};
use crate::progress::Progress;

pub(crate) struct Upload {
    /// In a mutex only because reqwest wants a `Sync` body; polling takes `&mut` and never
    /// locks.
    chunks: Mutex<ChunkStream>,
    len: Option<u64>,
    sent: u64,
    progress: Option<Progress>,
    /// Told when the upload is over, when the client has a receive timeout.
    clock: Option<Arc<ReceiveClock>>,
    /// The chunk that completed the announced length, held back until the stream is seen to
    /// end there: a stream longer than it said must fail, not be cut silently.
    last: Option<Bytes>,
    finished: bool,
}

impl Upload {
    pub(crate) fn new(
        opened: Opened,
        progress: Option<Progress>,
        clock: Option<Arc<ReceiveClock>>,
    ) -> Self {
        Self {
            chunks: Mutex::new(opened.chunks),
            len: opened.len,
            sent: 0,
            progress,
            clock,
            last: None,
            finished: false,
        }
    }

    fn finish(&mut self) {
        self.finished = true;
        if let Some(clock) = &self.clock {
            clock.upload_ended();
        }
    }

    /// A chunk on its way out, reported to the progress observer.
    fn frame(&self, chunk: Bytes) -> Frame<Bytes> {
        if let Some(progress) = &self.progress {
            progress.uploaded(self.sent, self.len);
        }
        Frame::data(chunk)
    }

    fn fail(&mut self, message: String) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        self.finish();
        Poll::Ready(Some(Err(std::io::Error::other(message))))
    }
}

impl http_body::Body for Upload {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        if self.finished {
            return Poll::Ready(None);
        }
        loop {
            let chunks = self
                .chunks
                .get_mut()
                .unwrap_or_else(PoisonError::into_inner);
            return match chunks.as_mut().poll_next(cx) {
                Poll::Pending => Poll::Pending,
                Poll::Ready(Some(Ok(chunk))) if chunk.is_empty() => continue,
                Poll::Ready(Some(Ok(chunk))) => {
                    let len = self.len;
                    self.sent += chunk.len() as u64;
                    if self.last.is_some() || len.is_some_and(|len| self.sent > len) {
                        return self.fail(format!(
                            "the request body is longer than the {} bytes announced",
                            len.unwrap_or_default()
                        ));
                    }
                    if len == Some(self.sent) {
                        self.last = Some(chunk);
                        continue;
                    }
                    Poll::Ready(Some(Ok(self.frame(chunk))))
                }
                Poll::Ready(Some(Err(error))) => {
                    self.fail(format!("the request body failed: {error}"))
                }
                Poll::Ready(None) => {
                    if let Some(len) = self.len.filter(|len| self.sent < *len) {
                        let sent = self.sent;
                        return self.fail(format!(
                            "the request body ended after {sent} of the {len} bytes announced (did a file shrink while it was sent?)"
                        ));
                    }
                    self.finish();
                    match self.last.take() {
                        Some(chunk) => Poll::Ready(Some(Ok(self.frame(chunk)))),
                        None => Poll::Ready(None),
                    }
                }
            };
        }
    }

    fn is_end_stream(&self) -> bool {
        self.finished || self.len == Some(0)
    }

    fn size_hint(&self) -> SizeHint {
        match self.len {
            Some(len) => SizeHint::with_exact(len.saturating_sub(self.sent)),
            None => SizeHint::default(),
        }
    }
}

impl Drop for Upload {
    fn drop(&mut self) {
        // hyper drops a body it stops sending (the server answered early): nothing of ours is
        // in progress any more.
        if let Some(clock) = &self.clock {
            clock.upload_ended();
        }
    }
}

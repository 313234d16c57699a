//! The interceptor chain: cross-cutting behaviour around every call.
//!
//! Interceptors run in the order they were added with
//! [`ClientBuilder::interceptor`](crate::ClientBuilder::interceptor): the first added is the
//! outermost, so it sees the request first and the response last. Each one gets the request and
//! a [`Next`] handle for the rest of the chain; it may change the request, answer on its own
//! without calling `next`, call `next` several times (retries, token refresh), and inspect or
//! replace the response or error.

mod adapters;
pub mod auth;
pub mod cache;
pub mod log;
pub mod rate_limit;
pub mod retry;

pub use adapters::{OnError, OnRequest, OnResponse, on_error, on_request, on_response};

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use crate::error::Result;
use crate::request::Request;
use crate::response::RawResponse;
use crate::transport::Transport;

/// Re-exported from the crate root, where transports find it too.
pub use crate::BoxFuture;

/// Behaviour wrapped around every call of a client.
///
/// # Examples
///
/// ```
/// use ferrofit::{BoxFuture, Interceptor, Next, RawResponse, Request};
///
/// /// Adds a request id to every request.
/// struct RequestId;
///
/// impl Interceptor for RequestId {
///     fn intercept<'a>(&'a self, mut request: Request, next: Next<'a>) -> BoxFuture<'a, ferrofit::Result<RawResponse>> {
///         request.headers_mut().insert("x-request-id", "42".parse().unwrap());
///         next.run(request)
///     }
/// }
///
/// let client = ferrofit::Client::builder()
///     .base_url("http://localhost:8080")
///     .interceptor(RequestId)
///     .build()
///     .unwrap();
/// # let _ = client;
/// ```
pub trait Interceptor: Send + Sync + 'static {
    /// Handles one request, usually by calling `next.run(request)` and returning its result.
    fn intercept<'a>(
        &'a self,
        request: Request,
        next: Next<'a>,
    ) -> BoxFuture<'a, Result<RawResponse>>;
}

/// The rest of the chain after the current interceptor: the interceptors added after it, then
/// the transport. Cheap to copy; call [`run`](Self::run) as often as needed.
#[derive(Clone, Copy)]
pub struct Next<'a> {
    rest: &'a [Arc<dyn Interceptor>],
    transport: &'a dyn Transport,
    /// How often this call has reached the transport. It lives in the client's frame for the
    /// call, so a call cut short by its total timeout still knows how many attempts it made.
    sent: &'a AtomicU32,
    /// The whole chain `rest` is the end of, for work that outlives the call.
    chain: &'a Arc<Chain>,
}

/// A client's interceptors and transport, shared by its calls.
pub(crate) struct Chain {
    pub(crate) interceptors: Vec<Arc<dyn Interceptor>>,
    pub(crate) transport: Arc<dyn Transport>,
}

/// The rest of a chain, owned: for work an interceptor starts that must outlive the call (a
/// cache's background revalidation). It counts attempts of its own.
pub(crate) struct DetachedNext {
    chain: Arc<Chain>,
    /// Where the rest starts among the chain's interceptors.
    start: usize,
}

impl DetachedNext {
    /// The rest of the chain as a [`Next`], counting attempts in `sent`.
    pub(crate) fn next<'a>(&'a self, sent: &'a AtomicU32) -> Next<'a> {
        Next {
            rest: self
                .chain
                .interceptors
                .get(self.start..)
                .unwrap_or_default(),
            transport: &*self.chain.transport,
            sent,
            chain: &self.chain,
        }
    }
}

impl<'a> Next<'a> {
    /// The start of `chain`, for one call that counts its attempts in `sent`.
    pub(crate) fn new(chain: &'a Arc<Chain>, sent: &'a AtomicU32) -> Self {
        Self {
            rest: &chain.interceptors,
            transport: &*chain.transport,
            sent,
            chain,
        }
    }

    /// The rest of the chain, owned, to run after the call has returned.
    pub(crate) fn detach(&self) -> DetachedNext {
        DetachedNext {
            chain: self.chain.clone(),
            start: self.chain.interceptors.len() - self.rest.len(),
        }
    }

    /// How many times the call has been handed to the transport so far.
    pub(crate) fn sent(&self) -> &'a AtomicU32 {
        self.sent
    }

    /// Passes the request to the rest of the chain.
    ///
    /// # Errors
    ///
    /// Whatever the rest of the chain or the transport returns.
    pub fn run(self, request: Request) -> BoxFuture<'a, Result<RawResponse>> {
        match self.rest.split_first() {
            Some((first, rest)) => first.intercept(
                request,
                Next {
                    rest,
                    transport: self.transport,
                    sent: self.sent,
                    chain: self.chain,
                },
            ),
            None => {
                self.sent.fetch_add(1, Ordering::Relaxed);
                let request = request.without_foreign_credentials();
                if !request.record_sent_headers {
                    return self.transport.send(request);
                }
                let sent = request.headers().clone();
                let response = self.transport.send(request);
                Box::pin(async move {
                    let mut response = response.await?;
                    response.set_sent_headers(sent);
                    Ok(response)
                })
            }
        }
    }
}

impl std::fmt::Debug for Next<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Next")
            .field("interceptors_left", &self.rest.len())
            .finish_non_exhaustive()
    }
}

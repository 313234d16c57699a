//! The seam between the request pipeline and the network.

pub(crate) mod decoding;
mod exchange;
mod failure;
#[cfg(feature = "hyper-transport")]
mod hyper_proxy;
#[cfg(feature = "hyper-transport")]
mod hyper_transport;
pub(crate) mod pinning;
mod receive_clock;
pub(crate) mod redirect;
mod reqwest_transport;
mod upload;

pub(crate) use exchange::TransportSettings;
#[cfg(feature = "hyper-transport")]
pub(crate) use hyper_transport::{HyperSettings, HyperTransport};
pub(crate) use receive_clock::WatchConnects;
pub(crate) use reqwest_transport::ReqwestTransport;

use crate::BoxFuture;
use crate::error::Result;
use crate::request::Request;
use crate::response::RawResponse;

/// Sends a request and returns the response with its body read. The default transport uses
/// reqwest; [`testing::MockTransport`](crate::testing) answers in memory.
///
/// A transport knows nothing of interceptors, timeouts of the whole call or cancellation: the
/// client applies those around it.
///
/// # Examples
///
/// ```
/// use ferrofit::{BoxFuture, RawResponse, Request, Transport};
///
/// /// Answers every request with 204.
/// struct NoContent;
///
/// impl Transport for NoContent {
///     fn send(&self, _request: Request) -> BoxFuture<'_, ferrofit::Result<RawResponse>> {
///         Box::pin(async { Ok(RawResponse::new(http::StatusCode::NO_CONTENT, "")) })
///     }
/// }
/// ```
pub trait Transport: Send + Sync + 'static {
    /// Sends one request.
    ///
    /// # Errors
    ///
    /// [`Error::Network`](crate::Error::Network), [`Error::Timeout`](crate::Error::Timeout) or
    /// [`Error::ResponseTooLarge`](crate::Error::ResponseTooLarge) when the exchange fails.
    fn send(&self, request: Request) -> BoxFuture<'_, Result<RawResponse>>;
}

//! Typed REST clients generated from annotated traits.
//!
//! Write a trait, annotate its methods with HTTP verbs and paths, and [`rest_api`] generates a
//! `…Client` that implements it by calling the API through a small runtime: one pooled HTTP
//! client, an interceptor chain, cancellation tokens, and one [`Error`] type a UI can match on.
//! The trait stays a real trait, so application code can be tested against a mock of it.
//!
//! ```
//! use ferrofit::{rest_api, CancelToken};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Debug, Deserialize)]
//! pub struct User { pub id: u64, pub name: String }
//!
//! #[derive(Serialize)]
//! pub struct NewUser { pub name: String }
//!
//! #[rest_api]
//! #[headers("Accept: application/json")]
//! pub trait UserApi {
//!     /// Fetch one user.
//!     #[get("/users/<id>")]
//!     async fn get_user(&self, id: &str) -> ferrofit::Result<User>;
//!
//!     #[get("/users")]
//!     async fn list_users(&self, #[query] page: Option<u32>, #[query] tag: &[String]) -> ferrofit::Result<Vec<User>>;
//!
//!     #[post("/users")]
//!     async fn create_user(&self, #[body] user: &NewUser) -> ferrofit::Result<User>;
//!
//!     #[delete("/users/{id}")]
//!     async fn delete_user(&self, id: u64, #[cancel] cancel: &CancelToken) -> ferrofit::Result<()>;
//! }
//!
//! # async fn run() -> ferrofit::Result<()> {
//! let client = ferrofit::Client::builder().base_url("https://api.example.com/v1/").build()?;
//! let api = UserApiClient::new(client);
//! let user = api.get_user("42").await?;
//! # Ok(()) }
//! ```
//!
//! See the [`rest_api`] attribute for everything a trait can say, [`Client`] for
//! configuration, [`Error`] for what can go wrong, and [`Interceptor`] for behaviour around
//! every call.

#![warn(missing_docs, clippy::unwrap_used)]

#[doc(hidden)]
pub mod __private;
mod body;
mod cache_options;
mod cancel;
mod client;
pub mod codec;
#[cfg(all(feature = "testing", feature = "openapi"))]
pub mod contract;
mod encode;
mod endpoint;
mod error;
pub mod interceptor;
mod json_lines;
mod lines;
#[cfg(feature = "openapi")]
pub mod openapi;
mod origin;
mod pages;
mod progress;
pub mod redact;
#[cfg(feature = "redis")]
mod redis_connection;
mod request;
mod response;
mod sse;
mod stream;
#[cfg(test)]
mod test_strategies;
#[cfg(feature = "testing")]
pub mod testing;
mod transport;

pub use body::{Body, Multipart, Part};
pub use bytes::Bytes;
pub use cancel::CancelToken;
pub use client::{
    Client, ClientBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_SIZE,
    DEFAULT_RECEIVE_TIMEOUT,
};
pub use endpoint::Endpoint;
pub use error::{
    ApiError, BoxError, Error, ErrorResponse, FieldErrors, NetworkKind, Problem, Result,
    TimeoutPhase, TlsKind,
};
pub use interceptor::{Interceptor, Next, auth, cache, log, rate_limit, retry};
pub use json_lines::JsonLines;
pub use pages::{PageStream, PageStyle, Pages, Pagination};
pub use progress::{Progress, ProgressArg};
pub use request::Request;
pub use response::{RawResponse, Response, ResponseSource};
pub use sse::{Event, EventStream, Reconnect};
pub use stream::ByteStream;
pub use transport::Transport;

/// A boxed, sendable future: what [`Interceptor::intercept`] and [`Transport::send`] return.
///
/// It lives at the crate root because both layers use it and neither owns it.
///
/// # Examples
///
/// ```
/// let answer: ferrofit::BoxFuture<'static, u32> = Box::pin(async { 42 });
/// # let _ = answer;
/// ```
pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// Schemas for the OpenAPI export (feature `openapi`): derive `schemars::JsonSchema` on the
/// types a trait names. Re-exported so that the version always matches ferrofit's.
#[cfg(feature = "openapi")]
pub use schemars;

/// Re-exported so that users can name methods, statuses and headers without a direct
/// dependency.
pub use http;
/// The URL type of requests and responses.
pub use url::Url;

#[doc = include_str!("../docs/rest_api.md")]
pub use ferrofit_macros::rest_api;

/// The README's examples compile and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;

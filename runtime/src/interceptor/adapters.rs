//! Interceptors from closures, for the simple cases.

use crate::BoxFuture;
use crate::error::{Error, Result};
use crate::interceptor::{Interceptor, Next};
use crate::request::Request;
use crate::response::RawResponse;

/// An interceptor that changes every request before it is sent; see [`on_request`].
#[derive(Clone, Debug)]
pub struct OnRequest<F>(F);

/// An interceptor that inspects or changes every response; see [`on_response`].
#[derive(Clone, Debug)]
pub struct OnResponse<F>(F);

/// An interceptor that handles every error; see [`on_error`].
#[derive(Clone, Debug)]
pub struct OnError<F>(F);

/// Runs `f` on every request before it goes on. Returning an error stops the call with it.
///
/// # Examples
///
/// ```
/// use ferrofit::interceptor::on_request;
///
/// let client = ferrofit::Client::builder()
///     .base_url("http://localhost:8080")
///     .interceptor(on_request(|request| {
///         request.headers_mut().insert("x-tenant", "acme".parse().expect("valid header"));
///         Ok(())
///     }))
///     .build()?;
/// # let _ = client;
/// # Ok::<(), ferrofit::Error>(())
/// ```
pub fn on_request<F>(f: F) -> OnRequest<F>
where
    F: Fn(&mut Request) -> Result<()> + Send + Sync + 'static,
{
    OnRequest(f)
}

/// Runs `f` on every response (whatever its status) before it is decoded. Returning an error
/// turns the response into that error.
///
/// # Examples
///
/// ```
/// use ferrofit::interceptor::on_response;
///
/// let client = ferrofit::Client::builder()
///     .base_url("http://localhost:8080")
///     .interceptor(on_response(|response| {
///         if response.headers().contains_key("x-deprecated") {
///             eprintln!("this endpoint is deprecated");
///         }
///         Ok(())
///     }))
///     .build()?;
/// # let _ = client;
/// # Ok::<(), ferrofit::Error>(())
/// ```
pub fn on_response<F>(f: F) -> OnResponse<F>
where
    F: Fn(&mut RawResponse) -> Result<()> + Send + Sync + 'static,
{
    OnResponse(f)
}

/// Runs `f` on every error from the rest of the chain. It may return another error, or a
/// response to use instead (a fallback). Statuses that are not successes are responses, not
/// errors, at this point: use [`on_response`] for those.
///
/// # Examples
///
/// ```
/// use ferrofit::interceptor::on_error;
/// use ferrofit::RawResponse;
///
/// // Offline: answer with an empty list instead of failing.
/// let client = ferrofit::Client::builder()
///     .base_url("http://localhost:8080")
///     .interceptor(on_error(|error| match error {
///         ferrofit::Error::Network { .. } => Ok(RawResponse::new(http::StatusCode::OK, "[]")),
///         other => Err(other),
///     }))
///     .build()?;
/// # let _ = client;
/// # Ok::<(), ferrofit::Error>(())
/// ```
pub fn on_error<F>(f: F) -> OnError<F>
where
    F: Fn(Error) -> Result<RawResponse> + Send + Sync + 'static,
{
    OnError(f)
}

impl<F> Interceptor for OnRequest<F>
where
    F: Fn(&mut Request) -> Result<()> + Send + Sync + 'static,
{
    fn intercept<'a>(
        &'a self,
        mut request: Request,
        next: Next<'a>,
    ) -> BoxFuture<'a, Result<RawResponse>> {
        match (self.0)(&mut request) {
            Ok(()) => next.run(request),
            Err(error) => Box::pin(std::future::ready(Err(error))),
        }
    }
}

impl<F> Interceptor for OnResponse<F>
where
    F: Fn(&mut RawResponse) -> Result<()> + Send + Sync + 'static,
{
    fn intercept<'a>(
        &'a self,
        request: Request,
        next: Next<'a>,
    ) -> BoxFuture<'a, Result<RawResponse>> {
        Box::pin(async move {
            let mut response = next.run(request).await?;
            (self.0)(&mut response)?;
            Ok(response)
        })
    }
}

impl<F> Interceptor for OnError<F>
where
    F: Fn(Error) -> Result<RawResponse> + Send + Sync + 'static,
{
    fn intercept<'a>(
        &'a self,
        request: Request,
        next: Next<'a>,
    ) -> BoxFuture<'a, Result<RawResponse>> {
        Box::pin(async move {
            match next.run(request).await {
                Ok(response) => Ok(response),
                Err(error) => (self.0)(error),
            }
        })
    }
}

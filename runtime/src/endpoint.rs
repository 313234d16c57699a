//! Static metadata of one generated endpoint.

use std::time::Duration;

use http::Method;

/// What the macro knows about one endpoint, built once per endpoint as a `static` and shared by
/// every call to it. Interceptors read it through [`Request::endpoint`](crate::Request::endpoint).
///
/// # Examples
///
/// ```
/// use ferrofit::{Interceptor, Next, RawResponse, Request};
/// use ferrofit::interceptor::BoxFuture;
///
/// struct Audit;
///
/// impl Interceptor for Audit {
///     fn intercept<'a>(&'a self, request: Request, next: Next<'a>) -> BoxFuture<'a, ferrofit::Result<RawResponse>> {
///         if let Some(endpoint) = request.endpoint() {
///             println!("{}::{} {} {}", endpoint.api(), endpoint.name(), endpoint.method(), endpoint.path_template());
///         }
///         next.run(request)
///     }
/// }
/// ```
#[derive(Debug)]
pub struct Endpoint {
    api: &'static str,
    name: &'static str,
    method: &'static str,
    template: &'static str,
    headers: &'static [(&'static str, &'static str)],
    timeout: Option<Duration>,
}

impl Endpoint {
    /// Used by generated code; not public API.
    #[doc(hidden)]
    pub const fn __new(
        api: &'static str,
        name: &'static str,
        method: &'static str,
        template: &'static str,
    ) -> Self {
        Self {
            api,
            name,
            method,
            template,
            headers: &[],
            timeout: None,
        }
    }

    /// Used by generated code: static headers, names lower-case and already checked.
    #[doc(hidden)]
    pub const fn __headers(mut self, headers: &'static [(&'static str, &'static str)]) -> Self {
        self.headers = headers;
        self
    }

    /// Used by generated code: the `#[timeout(..)]` of the endpoint.
    #[doc(hidden)]
    pub const fn __timeout_ms(mut self, ms: u64) -> Self {
        self.timeout = Some(Duration::from_millis(ms));
        self
    }

    /// The trait's name, e.g. `UserApi`.
    pub fn api(&self) -> &'static str {
        self.api
    }

    /// The method's name, e.g. `get_user`.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The HTTP method.
    pub fn method(&self) -> Method {
        // The macro only emits valid method tokens; standard ones parse without allocating.
        Method::from_bytes(self.method.as_bytes()).unwrap_or_default()
    }

    /// The path template as written, e.g. `/users/<id>`. Suitable as a low-cardinality label
    /// for metrics and traces (OpenTelemetry's `url.template`).
    pub fn path_template(&self) -> &'static str {
        self.template
    }

    /// The endpoint's own total timeout from `#[timeout(..)]`, if any.
    pub fn timeout(&self) -> Option<Duration> {
        self.timeout
    }

    pub(crate) fn static_headers(&self) -> &'static [(&'static str, &'static str)] {
        self.headers
    }
}

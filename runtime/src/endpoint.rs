//! Static metadata of one generated endpoint.

use std::time::Duration;

use http::Method;

use crate::cache_options::{CacheOptions, CachePolicy};
use crate::pages::Pagination;

/// What the macro knows about one endpoint, built once per endpoint as a `static` and shared by
/// every call to it. Interceptors read it through [`Request::endpoint`](crate::Request::endpoint).
///
/// # Examples
///
/// ```
/// use ferrofit::{BoxFuture, Interceptor, Next, RawResponse, Request};
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
    skips_auth: bool,
    idempotent: bool,
    max_attempts: Option<u32>,
    cache: CacheOptions,
    pagination: Option<Pagination>,
}

impl Endpoint {
    /// Used by generated code; not public API.
    ///
    /// # Panics
    ///
    /// If `method` is not an HTTP token. Generated code builds endpoints in `static`s, where
    /// that panic is a compile error: an `Endpoint` cannot hold a method that fails to parse.
    #[doc(hidden)]
    pub const fn __new(
        api: &'static str,
        name: &'static str,
        method: &'static str,
        template: &'static str,
    ) -> Self {
        assert!(
            is_http_token(method),
            "an endpoint's HTTP method must be a token (RFC 9110), like `GET` or `PURGE`"
        );
        Self {
            api,
            name,
            method,
            template,
            headers: &[],
            timeout: None,
            skips_auth: false,
            idempotent: false,
            max_attempts: None,
            cache: CacheOptions::new(),
            pagination: None,
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

    /// Used by generated code: `#[no_auth]`.
    #[doc(hidden)]
    pub const fn __no_auth(mut self) -> Self {
        self.skips_auth = true;
        self
    }

    /// Used by generated code: `#[idempotent]`.
    #[doc(hidden)]
    pub const fn __idempotent(mut self) -> Self {
        self.idempotent = true;
        self
    }

    /// Used by generated code: `#[retry(max = N)]`, and `#[retry(never)]` as 1.
    #[doc(hidden)]
    pub const fn __max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = Some(attempts);
        self
    }

    /// Used by generated code: `#[cache(policy = "…")]`, and `#[cache(never)]` as `NoCache`.
    #[doc(hidden)]
    pub const fn __cache_policy(mut self, policy: CachePolicy) -> Self {
        self.cache = self.cache.policy(policy);
        self
    }

    /// Used by generated code: `#[cache(max_stale = "…")]`, in seconds.
    #[doc(hidden)]
    pub const fn __cache_max_stale_secs(mut self, secs: u64) -> Self {
        self.cache = self.cache.max_stale(Duration::from_secs(secs));
        self
    }

    /// Used by generated code: `#[paginate(..)]`.
    #[doc(hidden)]
    pub const fn __paginate(mut self, pagination: Pagination) -> Self {
        self.pagination = Some(pagination);
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
        // Standard methods parse without allocating. A token always parses: `__new` refused
        // anything else when the endpoint was built.
        Method::from_bytes(self.method.as_bytes())
            .expect("an endpoint's method was checked to be a token when it was built")
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

    /// Whether the endpoint is marked `#[no_auth]` (a login or token endpoint): the auth
    /// interceptor leaves it alone.
    pub fn skips_auth(&self) -> bool {
        self.skips_auth
    }

    /// Whether the endpoint is marked `#[idempotent]`: safe to send twice even though its
    /// method (POST, PATCH) is not idempotent by definition.
    pub fn is_idempotent(&self) -> bool {
        self.idempotent
    }

    /// The attempt limit from `#[retry(max = N)]` (`Some(1)` for `#[retry(never)]`), which
    /// overrides the retry policy's for this endpoint.
    pub fn max_attempts(&self) -> Option<u32> {
        self.max_attempts
    }

    /// How the endpoint's list pages, from `#[paginate(..)]`.
    pub fn pagination(&self) -> Option<&Pagination> {
        self.pagination.as_ref()
    }

    /// The cache settings from `#[cache(..)]` (empty without it).
    pub fn cache(&self) -> CacheOptions {
        self.cache
    }

    pub(crate) fn static_headers(&self) -> &'static [(&'static str, &'static str)] {
        self.headers
    }
}

/// RFC 9110 `token`: what a method name is made of. `const` so that a bad name fails the build.
const fn is_http_token(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.is_empty() {
        return false;
    }
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let tchar = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'!' | b'#'
                    | b'$'
                    | b'%'
                    | b'&'
                    | b'\''
                    | b'*'
                    | b'+'
                    | b'-'
                    | b'.'
                    | b'^'
                    | b'_'
                    | b'`'
                    | b'|'
                    | b'~'
            );
        if !tchar {
            return false;
        }
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    static PURGE: Endpoint = Endpoint::__new("Api", "purge", "PURGE", "/x");

    #[test]
    fn every_endpoint_method_parses() {
        assert_eq!(PURGE.method().as_str(), "PURGE");
        assert_eq!(Endpoint::__new("A", "g", "GET", "/").method(), Method::GET);
        assert!(!is_http_token("BAD METHOD"));
        assert!(!is_http_token(""));
        assert!(std::panic::catch_unwind(|| Endpoint::__new("A", "b", "A B", "/")).is_err());
    }
}

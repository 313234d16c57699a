//! Which headers, query parameters and body fields are secrets, and how to print things
//! without them.
//!
//! One policy, a [`Redactor`], decides for each client: `Debug`/`Display` of
//! [`Request`](crate::Request), [`Error`](crate::Error), [`RawResponse`](crate::RawResponse) and
//! [`Response`](crate::Response), the [`LogInterceptor`](crate::log::LogInterceptor), which
//! headers a redirect or a call to another origin drops, and what the cache never stores. Its
//! rules — one for header names, one for the keys of query parameters, form fields and JSON
//! members — are written once, in this module.

mod names;
mod serde_message;
mod text;

pub(crate) use serde_message::serde_message;

use std::borrow::Cow;
use std::fmt;
use std::sync::{Arc, LazyLock};

use http::HeaderMap;
use url::Url;

/// What a redacted value is printed as.
pub const REDACTED: &str = "[REDACTED]";

/// Whether a header's value must not be shown: any name containing `auth`, `cookie`, `token`,
/// `secret`, `password`, `api-key`/`apikey`, `session`, `signature`, `credential`,
/// `subscription-key`, `private-key`, `access-key` or `client-key` (ignoring case, `-` and
/// `_`).
///
/// # Examples
///
/// ```
/// use ferrofit::redact::is_secret_header;
///
/// for secret in ["Authorization", "X-Access-Token", "X-Goog-Api-Key", "Ocp-Apim-Subscription-Key", "X-Session"] {
///     assert!(is_secret_header(secret), "{secret}");
/// }
/// assert!(!is_secret_header("Accept"));
/// ```
pub fn is_secret_header(name: &str) -> bool {
    names::is_secret_header_name(name)
}

/// Whether the value of a query parameter, form field or JSON member must not be shown:
/// `key`, `sig`, `code`, `auth`, `pass`, `pwd`, `otp`, and any name containing `token`,
/// `secret`, `password`, `passphrase`, `signature`, `credential`, `api_key`/`apikey`,
/// `session`, `access_key`, `auth_key`, `private_key`, `client_key`, `authorization` or
/// `cookie` (ignoring case, `-` and `_`; signed URLs' `X-Amz-Signature`, `X-Amz-Credential`
/// and `X-Goog-Signature` among them).
///
/// # Examples
///
/// ```
/// assert!(ferrofit::redact::is_secret_query_key("access_token"));
/// assert!(ferrofit::redact::is_secret_query_key("X-Amz-Signature"));
/// assert!(ferrofit::redact::is_secret_query_key("auth_key"));
/// assert!(!ferrofit::redact::is_secret_query_key("page"));
/// ```
pub fn is_secret_query_key(name: &str) -> bool {
    names::is_secret_key_name(name)
}

/// Which names are secret: the built-in lists plus names a user adds.
///
/// A client has one, set with [`ClientBuilder::redactor`](crate::ClientBuilder::redactor),
/// and every `Debug` and `Display` of its [`Request`](crate::Request)s,
/// [`Response`](crate::Response)s and [`Error`](crate::Error)s, and the
/// [`LogInterceptor`](crate::log::LogInterceptor), use it. The free functions of this module
/// use the built-in lists alone.
///
/// # Examples
///
/// ```
/// use ferrofit::redact::Redactor;
///
/// let redactor = Redactor::new().header("X-Tenant-Pin").query_param("sid");
/// assert!(redactor.is_secret_header("x-tenant-pin"));
/// assert!(redactor.is_secret_key("sid"));
/// assert!(redactor.is_secret_header("authorization"), "built-in names stay secret");
/// let client = ferrofit::Client::builder()
///     .base_url("https://api.example.com")
///     .redactor(redactor)
///     .build()?;
/// # let _ = client;
/// # Ok::<(), ferrofit::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct Redactor {
    headers: Vec<String>,
    keys: Vec<String>,
}

/// The built-in rules alone: the policy of requests and responses made outside a client,
/// and of this module's free functions.
static BUILT_IN: LazyLock<Arc<Redactor>> = LazyLock::new(|| Arc::new(Redactor::new()));

/// The built-in policy, shared.
pub(crate) fn built_in() -> Arc<Redactor> {
    BUILT_IN.clone()
}

impl Redactor {
    /// The built-in rules only.
    pub fn new() -> Self {
        Self::default()
    }

    /// Also treats header `name` as secret (compared ignoring case, `-` and `_`).
    #[must_use]
    pub fn header(mut self, name: impl Into<String>) -> Self {
        self.headers.push(name.into());
        self
    }

    /// Also treats query parameter, form field and JSON member `name` as secret.
    #[must_use]
    pub fn query_param(mut self, name: impl Into<String>) -> Self {
        self.keys.push(name.into());
        self
    }

    /// Whether a header's value must not be shown, nor sent to another origin, nor stored by
    /// the cache.
    pub fn is_secret_header(&self, name: &str) -> bool {
        is_secret_header(name) || self.headers.iter().any(|h| names::same_name(h, name))
    }

    /// Whether a query parameter's, form field's or JSON member's value must not be shown.
    pub fn is_secret_key(&self, name: &str) -> bool {
        is_secret_query_key(name) || self.keys.iter().any(|k| names::same_name(k, name))
    }

    /// Displays a URL without its secrets.
    pub fn url<'a>(&'a self, url: &'a Url) -> RedactedUrl<'a> {
        RedactedUrl(url, self)
    }

    /// Debug-prints headers without their secrets.
    pub fn headers<'a>(&'a self, headers: &'a HeaderMap) -> RedactedHeaders<'a> {
        RedactedHeaders(headers, self)
    }

    /// Whether this policy adds no name to the built-in rules.
    pub(crate) fn is_built_in(&self) -> bool {
        self.headers.is_empty() && self.keys.is_empty()
    }

    /// The names of both.
    pub(crate) fn merged(&self, other: &Self) -> Self {
        Self {
            headers: self.headers.iter().chain(&other.headers).cloned().collect(),
            keys: self.keys.iter().chain(&other.keys).cloned().collect(),
        }
    }

    /// Redacts the value of every secret-named member in JSON-like text, whatever its type,
    /// and secret query values in URL-like strings; see [`json_text`].
    pub fn json_text(&self, text: &str) -> String {
        text::json(text, self)
    }

    /// Redacts secret-named values in `a=1&b=2` text (a query or a form body).
    pub fn form_text(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        // Writing to a String cannot fail.
        let _ = text::write_pairs(&mut out, text, self);
        out
    }

    /// A URI reference that may not parse (a `#[url]` argument, a header value) without its
    /// user name, password and secret query or fragment values.
    ///
    /// # Examples
    ///
    /// ```
    /// let redactor = ferrofit::redact::Redactor::new();
    /// assert_eq!(
    ///     redactor.uri_text("https://cdn.test:99999/o?X-Amz-Signature=s1g&part=2"),
    ///     "https://cdn.test:99999/o?X-Amz-Signature=[REDACTED]&part=2"
    /// );
    /// assert_eq!(redactor.uri_text("/next?page_token=t"), "/next?page_token=[REDACTED]");
    /// ```
    pub fn uri_text<'a>(&self, raw: &'a str) -> Cow<'a, str> {
        text::uri_reference(raw, self)
    }

    /// A body excerpt without secrets: form pairs when `content_type` says so or the text
    /// reads as `a=1&b=2`, JSON-like text otherwise.
    pub(crate) fn body_text(&self, text: &str, content_type: Option<&str>) -> String {
        let form = match content_type {
            Some(kind) if kind.contains("x-www-form-urlencoded") => true,
            Some(kind) if kind.contains("json") => false,
            _ => text::looks_like_pairs(text),
        };
        if form {
            self.form_text(text)
        } else {
            self.json_text(text)
        }
    }
}

/// Displays a URL with secret query and fragment values and any user name or password
/// replaced by `[REDACTED]`.
///
/// # Examples
///
/// ```
/// let url = url::Url::parse("https://key:pw@api.test/a?page=2&access_token=abc").unwrap();
/// assert_eq!(
///     ferrofit::redact::url(&url).to_string(),
///     "https://[REDACTED]@api.test/a?page=2&access_token=[REDACTED]"
/// );
/// ```
pub fn url(url: &Url) -> RedactedUrl<'_> {
    BUILT_IN.url(url)
}

/// A URL that prints without its secrets; see [`url()`].
pub struct RedactedUrl<'a>(&'a Url, &'a Redactor);

impl fmt::Display for RedactedUrl<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A user name in a URL is as often an API key (`https://key@host/`) as a name.
        f.write_str(&self.1.uri_text(self.0.as_str()))
    }
}

impl fmt::Debug for RedactedUrl<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{self}\"")
    }
}

/// URL text that may not parse (a bad base URL in a configuration error) without its user
/// name, password and secret query values.
pub(crate) fn url_text(raw: &str) -> Cow<'_, str> {
    BUILT_IN.uri_text(raw)
}

/// Debug-prints a header map with secret values replaced by `[REDACTED]`, and the query
/// secrets of URL-valued headers (`Location`, `Content-Location`, `Link`, `Refresh`,
/// `Referer`) redacted like any URL's.
///
/// # Examples
///
/// ```
/// let mut headers = http::HeaderMap::new();
/// headers.insert("authorization", "Bearer s3cr3t".parse().unwrap());
/// headers.insert("location", "/files/1?X-Amz-Signature=s1gn3d".parse().unwrap());
/// let shown = format!("{:?}", ferrofit::redact::headers(&headers));
/// assert!(!shown.contains("s3cr3t") && !shown.contains("s1gn3d"), "{shown}");
/// ```
pub fn headers(headers: &HeaderMap) -> RedactedHeaders<'_> {
    BUILT_IN.headers(headers)
}

/// A header map that prints without its secrets; see [`headers()`].
pub struct RedactedHeaders<'a>(&'a HeaderMap, &'a Redactor);

impl fmt::Debug for RedactedHeaders<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (name, value) in self.0 {
            let name = name.as_str();
            if self.1.is_secret_header(name) {
                map.entry(&name, &REDACTED);
                continue;
            }
            let value = String::from_utf8_lossy(value.as_bytes());
            match text::url_valued_header(name, &value, self.1) {
                Some(shown) => map.entry(&name, &shown),
                None => map.entry(&name, &value),
            };
        }
        map.finish()
    }
}

/// Replaces the values of secret-named keys in JSON-like text (`"access_token": "…"`,
/// `"tokens": [..]`, `"credentials": {..}`, `"code": 4242`) by `"[REDACTED]"`. Used on body
/// excerpts kept in errors and logs. Works on truncated text too.
///
/// # Examples
///
/// ```
/// let text = r#"{"access_token": "abc", "scopes": ["a"], "code": 4242, "user": "ann"}"#;
/// assert_eq!(
///     ferrofit::redact::json_text(text),
///     r#"{"access_token": "[REDACTED]", "scopes": ["a"], "code": "[REDACTED]", "user": "ann"}"#
/// );
/// ```
pub fn json_text(text: &str) -> String {
    BUILT_IN.json_text(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_redacts_userinfo_and_secret_query_values() {
        let u = Url::parse("https://me:pw@h.test:8443/p?a=1&Token=x&api%5Fkey=y&b").unwrap();
        assert_eq!(
            url(&u).to_string(),
            "https://[REDACTED]@h.test:8443/p?a=1&Token=[REDACTED]&api%5Fkey=[REDACTED]&b"
        );
        let key_only = Url::parse("https://sk_live_123@h.test/").unwrap();
        assert_eq!(url(&key_only).to_string(), "https://[REDACTED]@h.test/");
        let fragment = Url::parse("https://h.test/cb#access_token=t&state=1").unwrap();
        assert_eq!(
            url(&fragment).to_string(),
            "https://h.test/cb#access_token=[REDACTED]&state=1"
        );
    }

    #[test]
    fn raw_url_text_loses_its_userinfo_and_query_secrets() {
        assert_eq!(url_text("https://k:p@h/a@b"), "https://[REDACTED]@h/a@b");
        assert_eq!(url_text("htp:/key@@h"), "htp:/[REDACTED]@h");
        assert_eq!(url_text("https://h/x"), "https://h/x");
        assert_eq!(
            url_text("https://h:bad/x?access_token=t"),
            "https://h:bad/x?access_token=[REDACTED]"
        );
    }

    #[test]
    fn names_a_user_adds_are_compared_like_the_built_in_ones() {
        let redactor = Redactor::new().header("X-Tenant-Pin").query_param("sid");
        assert!(redactor.is_secret_header("x_tenant_pin"));
        assert!(redactor.is_secret_key("SID"));
        assert!(!Redactor::new().is_secret_header("X-Tenant-Pin"));
    }

    #[test]
    fn bodies_are_read_as_what_they_are() {
        let redactor = Redactor::new();
        let github = "access_token=gho_s3cr3t&scope=repo&token_type=bearer";
        assert_eq!(
            redactor.body_text(github, None),
            "access_token=[REDACTED]&scope=repo&token_type=[REDACTED]"
        );
        assert_eq!(
            redactor.body_text(github, Some("application/x-www-form-urlencoded")),
            redactor.body_text(github, None)
        );
        assert_eq!(
            redactor.body_text(r#"{"token":"t"}"#, None),
            r#"{"token":"[REDACTED]"}"#
        );
    }
}

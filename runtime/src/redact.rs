//! Which headers and query parameters are secrets, and how to print things without them.
//!
//! Used by `Debug`/`Display` of [`Request`](crate::Request), [`Error`](crate::Error) and
//! [`RawResponse`](crate::RawResponse), so that a secret never reaches a log through them.

use std::borrow::Cow;
use std::fmt;
use std::sync::{Arc, LazyLock};

use http::HeaderMap;
use url::Url;

/// What a redacted value is printed as.
pub const REDACTED: &str = "[REDACTED]";

/// Parts of header names that mark their values as secrets (compared case-insensitively):
/// `Authorization`, `Proxy-Authorization`, `Cookie`, `Set-Cookie`, `X-Auth-Token`,
/// `X-Access-Token`, `X-Session-Token`, `Api-Key`, `X-Goog-Api-Key`, `X-Amz-Security-Token`,
/// `Ocp-Apim-Subscription-Key`, `X-Hub-Signature-256`, … all match.
const SECRET_HEADER_PARTS: &[&str] = &[
    "auth",
    "cookie",
    "token",
    "secret",
    "password",
    "passwd",
    "api-key",
    "apikey",
    "api_key",
    "session",
    "signature",
    "credential",
    "subscription-key",
    "private-key",
];

/// Query parameter names whose values are secrets (compared case-insensitively).
const SECRET_QUERY_KEYS: &[&str] = &["key", "sig", "code", "auth"];

/// Parts of query parameter (and JSON field) names that mark their values as secrets:
/// `access_token`, `X-Amz-Security-Token`, `client_secret`, `X-Amz-Signature`,
/// `X-Amz-Credential`, `X-Goog-Signature`, `api_key`, `session_id`, … all match.
const SECRET_QUERY_PARTS: &[&str] = &[
    "token",
    "secret",
    "password",
    "passwd",
    "signature",
    "credential",
    "api_key",
    "apikey",
    "api-key",
    "session",
];

/// Whether `name` contains one of `parts`, ignoring ASCII case, without allocating.
fn contains_part(name: &str, parts: &[&str]) -> bool {
    let name = name.as_bytes();
    parts.iter().any(|part| {
        name.windows(part.len())
            .any(|window| window.eq_ignore_ascii_case(part.as_bytes()))
    })
}

/// Whether a header's value must not be shown: any name containing `auth`, `cookie`, `token`,
/// `secret`, `password`, `api-key`/`apikey`, `session`, `signature`, `credential` or
/// `subscription-key`.
///
/// # Examples
///
/// ```
/// use ferrofit::redact::is_secret_header;
///
/// for secret in ["Authorization", "X-Access-Token", "X-Goog-Api-Key", "Ocp-Apim-Subscription-Key"] {
///     assert!(is_secret_header(secret), "{secret}");
/// }
/// assert!(!is_secret_header("Accept"));
/// ```
pub fn is_secret_header(name: &str) -> bool {
    contains_part(name, SECRET_HEADER_PARTS)
}

/// Whether a query parameter's (or JSON field's) value must not be shown: `key`, `sig`,
/// `code`, `auth`, and any name containing `token`, `secret`, `password`, `signature`,
/// `credential`, `api_key`/`apikey` or `session` (signed URLs' `X-Amz-Signature`,
/// `X-Amz-Credential`, `X-Goog-Signature` among them).
///
/// # Examples
///
/// ```
/// assert!(ferrofit::redact::is_secret_query_key("access_token"));
/// assert!(ferrofit::redact::is_secret_query_key("X-Amz-Signature"));
/// assert!(!ferrofit::redact::is_secret_query_key("page"));
/// ```
pub fn is_secret_query_key(name: &str) -> bool {
    SECRET_QUERY_KEYS
        .iter()
        .any(|s| s.eq_ignore_ascii_case(name))
        || contains_part(name, SECRET_QUERY_PARTS)
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

static BUILT_IN: Redactor = Redactor {
    headers: Vec::new(),
    keys: Vec::new(),
};

/// The built-in lists as a shared policy, for requests and responses made outside a client.
pub(crate) fn built_in() -> Arc<Redactor> {
    static SHARED: LazyLock<Arc<Redactor>> = LazyLock::new(|| Arc::new(Redactor::new()));
    SHARED.clone()
}

impl Redactor {
    /// The built-in lists only.
    pub fn new() -> Self {
        Self::default()
    }

    /// Also treats header `name` as secret.
    #[must_use]
    pub fn header(mut self, name: impl Into<String>) -> Self {
        self.headers.push(name.into());
        self
    }

    /// Also treats query parameter (and JSON field) `name` as secret.
    #[must_use]
    pub fn query_param(mut self, name: impl Into<String>) -> Self {
        self.keys.push(name.into());
        self
    }

    /// Whether a header's value must not be shown.
    pub fn is_secret_header(&self, name: &str) -> bool {
        is_secret_header(name) || self.headers.iter().any(|h| h.eq_ignore_ascii_case(name))
    }

    /// Whether a query parameter's or JSON field's value must not be shown.
    pub fn is_secret_key(&self, name: &str) -> bool {
        is_secret_query_key(name) || self.keys.iter().any(|k| k.eq_ignore_ascii_case(name))
    }

    /// Displays a URL without its secrets.
    pub fn url<'a>(&'a self, url: &'a Url) -> RedactedUrl<'a> {
        RedactedUrl(url, self)
    }

    /// Debug-prints headers without their secrets.
    pub fn headers<'a>(&'a self, headers: &'a HeaderMap) -> RedactedHeaders<'a> {
        RedactedHeaders(headers, self)
    }

    /// Whether neither this nor `other` adds any name to the built-in lists.
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

    /// Redacts secret-named values in JSON-like text; see [`json_text`].
    pub fn json_text(&self, text: &str) -> String {
        redact_json_text(text, self)
    }

    /// Redacts secret-named values in `a=1&b=2` text (a query or a form body).
    pub fn form_text(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        write_pairs(&mut out, text, self).expect("writing to a String cannot fail");
        out
    }
}

/// Displays a URL with secret query values and any user name or password replaced by
/// `[REDACTED]`.
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
        let url = self.0;
        write!(f, "{}://", url.scheme())?;
        // A user name in a URL is as often an API key (`https://key@host/`) as a name.
        if !url.username().is_empty() || url.password().is_some() {
            write!(f, "{REDACTED}@")?;
        }
        if let Some(host) = url.host_str() {
            f.write_str(host)?;
        }
        if let Some(port) = url.port() {
            write!(f, ":{port}")?;
        }
        f.write_str(url.path())?;
        if let Some(query) = url.query() {
            f.write_str("?")?;
            write_pairs(f, query, self.1)?;
        }
        Ok(())
    }
}

/// Writes `a=1&b=2` with the values of secret keys redacted.
fn write_pairs(out: &mut impl fmt::Write, pairs: &str, redactor: &Redactor) -> fmt::Result {
    for (i, pair) in pairs.split('&').enumerate() {
        if i > 0 {
            out.write_str("&")?;
        }
        match pair.split_once('=') {
            Some((key, _)) if redactor.is_secret_key(&decode_lossy(key)) => {
                write!(out, "{key}={REDACTED}")?;
            }
            _ => out.write_str(pair)?,
        }
    }
    Ok(())
}

impl fmt::Debug for RedactedUrl<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{self}\"")
    }
}

/// URL text that may not parse (a bad base URL in a configuration error) without the user
/// name and password of its authority.
pub(crate) fn url_text(raw: &str) -> Cow<'_, str> {
    // Where the authority starts: after `://`, or after `scheme:` and any slashes of a URL
    // written wrongly (`https:/key@host`).
    let authority_start = match raw.find("://") {
        Some(i) => i + 3,
        None => raw.find(':').map_or(0, |colon| {
            colon + 1 + raw[colon + 1..].len() - raw[colon + 1..].trim_start_matches('/').len()
        }),
    };
    let authority_end = raw[authority_start..]
        .find(['/', '?', '#'])
        .map_or(raw.len(), |i| authority_start + i);
    match raw[authority_start..authority_end].rfind('@') {
        Some(at) => Cow::Owned(format!(
            "{}{REDACTED}{}",
            &raw[..authority_start],
            &raw[authority_start + at..]
        )),
        None => Cow::Borrowed(raw),
    }
}

fn decode_lossy(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .replace('+', " ")
}

/// Debug-prints a header map with secret values replaced by `[REDACTED]`.
///
/// # Examples
///
/// ```
/// let mut headers = http::HeaderMap::new();
/// headers.insert("authorization", "Bearer s3cr3t".parse().unwrap());
/// let shown = format!("{:?}", ferrofit::redact::headers(&headers));
/// assert!(!shown.contains("s3cr3t"));
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
            if self.1.is_secret_header(name.as_str()) {
                map.entry(&name.as_str(), &REDACTED);
            } else {
                map.entry(&name.as_str(), &String::from_utf8_lossy(value.as_bytes()));
            }
        }
        map.finish()
    }
}

/// Replaces the string values of secret-named keys in JSON-like text (`"access_token": "…"`)
/// by `[REDACTED]`. Used on body snippets kept in errors. Works on truncated text too.
///
/// # Examples
///
/// ```
/// let text = r#"{"access_token": "abc", "user": "ann"}"#;
/// assert_eq!(
///     ferrofit::redact::json_text(text),
///     r#"{"access_token": "[REDACTED]", "user": "ann"}"#
/// );
/// ```
pub fn json_text(text: &str) -> String {
    redact_json_text(text, &BUILT_IN)
}

fn redact_json_text(text: &str, redactor: &Redactor) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('"') {
        out.push_str(&rest[..=start]);
        rest = &rest[start + 1..];
        let Some(end) = find_string_end(rest) else {
            out.push_str(rest);
            return out;
        };
        let key = &rest[..end];
        out.push_str(&rest[..=end]);
        rest = &rest[end + 1..];
        let after_colon = rest.trim_start();
        if !(after_colon.starts_with(':') && redactor.is_secret_key(key)) {
            continue;
        }
        let value = after_colon[1..].trim_start();
        if let Some(value_body) = value.strip_prefix('"') {
            out.push_str(&rest[..rest.len() - value.len()]);
            out.push('"');
            out.push_str(REDACTED);
            match find_string_end(value_body) {
                Some(value_end) => {
                    out.push('"');
                    rest = &value_body[value_end + 1..];
                }
                None => return out,
            }
        }
    }
    out.push_str(rest);
    out
}

/// Index of the closing quote of a JSON string whose opening quote was just consumed.
fn find_string_end(s: &str) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => return Some(i),
            _ => {}
        }
    }
    None
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
    }

    #[test]
    fn raw_url_text_loses_its_userinfo() {
        assert_eq!(url_text("https://k:p@h/a@b"), "https://[REDACTED]@h/a@b");
        assert_eq!(url_text("htp:/key@@h"), "htp:/[REDACTED]@h");
        assert_eq!(url_text("https://h/x"), "https://h/x");
    }

    #[test]
    fn secret_names_by_pattern() {
        for header in [
            "Authorization",
            "Proxy-Authorization",
            "Cookie",
            "Set-Cookie",
            "X-Access-Token",
            "X-Session-Token",
            "Api-Key",
            "X-Goog-Api-Key",
            "Ocp-Apim-Subscription-Key",
            "X-Amz-Security-Token",
            "X-Client-Secret",
            "X-Hub-Signature-256",
            "X-Credentials",
        ] {
            assert!(is_secret_header(header), "{header}");
        }
        for header in ["Accept", "Content-Type", "X-Request-Id", "Idempotency-Key"] {
            assert!(!is_secret_header(header), "{header}");
        }
        for key in [
            "X-Amz-Signature",
            "X-Amz-Credential",
            "X-Amz-Security-Token",
            "X-Goog-Signature",
            "X-Goog-Credential",
            "sig",
            "access_token",
            "client_secret",
            "api_key",
            "session_id",
        ] {
            assert!(is_secret_query_key(key), "{key}");
        }
        for key in ["page", "q", "sort", "X-Amz-Expires"] {
            assert!(!is_secret_query_key(key), "{key}");
        }
    }

    #[test]
    fn json_text_handles_escapes_and_truncation() {
        assert_eq!(
            json_text(r#"{"password":"a\"b","n":1}"#),
            r#"{"password":"[REDACTED]","n":1}"#
        );
        assert_eq!(
            json_text(r#"{"refresh_token": "abc"#),
            r#"{"refresh_token": "[REDACTED]"#
        );
        assert_eq!(json_text(r#"{"token": 5}"#), r#"{"token": 5}"#);
        assert_eq!(json_text("plain text"), "plain text");
    }
}

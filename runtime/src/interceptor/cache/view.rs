//! The request as the cache's RFC rules see it, and as they store it beside a response.
//!
//! The rules read a request's URL, its cache directives and validators, and the headers a
//! response's `Vary` names; they store all of it. So the view holds exactly that: the URL as
//! the entry key writes it (no user info, secret query values as digests), and of the headers
//! only those, with secret values (an `Authorization` a response varies on) as digests.
//!
//! The cache runs before the auth interceptor, so the `Authorization` that interceptor will add
//! is predicted from its token store (or the static auth's credential) and seen as if it were there: a response that varies on it
//! is matched against the token the request will carry.

use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Method, Uri};
use http_cache_semantics::RequestLike;

use super::keys::Hasher;
use crate::redact::Redactor;

/// Request headers the rules read whatever the response says.
const ALWAYS_SEEN: [HeaderName; 6] = [
    header::CACHE_CONTROL,
    header::PRAGMA,
    header::IF_NONE_MATCH,
    header::IF_MODIFIED_SINCE,
    header::IF_MATCH,
    header::IF_UNMODIFIED_SINCE,
];

/// The names a response's `Vary` lists, lower-cased; `*` included.
pub(super) fn vary_names(response_headers: &HeaderMap) -> Vec<String> {
    response_headers
        .get_all(header::VARY)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|name| name.trim().to_ascii_lowercase())
        .filter(|name| !name.is_empty())
        .collect()
}

/// A request as the RFC rules see it.
pub(crate) struct RequestView {
    pub(crate) method: Method,
    pub(crate) uri: Uri,
    pub(crate) headers: HeaderMap,
}

impl RequestView {
    /// The view of a request with `seen` headers, for a response whose headers are
    /// `response_headers` (their `Vary` decides which request headers are kept).
    pub(super) fn new(
        url_key: &str,
        seen: &HeaderMap,
        response_headers: &HeaderMap,
        redactor: &Redactor,
        hasher: &Hasher,
    ) -> Self {
        let mut headers = HeaderMap::new();
        for name in &ALWAYS_SEEN {
            for value in seen.get_all(name) {
                headers.append(name.clone(), value.clone());
            }
        }
        for name in vary_names(response_headers) {
            let Ok(name) = HeaderName::try_from(name) else {
                continue;
            };
            let secret = redactor.is_secret_header(name.as_str());
            for value in seen.get_all(&name) {
                let value = if secret {
                    let digest = hasher.digest(name.as_str(), value.as_bytes());
                    HeaderValue::try_from(digest).unwrap_or(HeaderValue::from_static("~"))
                } else {
                    value.clone()
                };
                headers.append(name.clone(), value);
            }
        }
        Self {
            method: Method::GET,
            // The key is a valid URL's text with digests in place of values: it parses.
            uri: url_key.parse().unwrap_or_default(),
            headers,
        }
    }
}

impl RequestLike for RequestView {
    fn uri(&self) -> Uri {
        self.uri.clone()
    }

    fn is_same_uri(&self, other: &Uri) -> bool {
        &self.uri == other
    }

    fn method(&self) -> &Method {
        &self.method
    }

    fn headers(&self) -> &HeaderMap {
        &self.headers
    }
}

/// Whether every header `response_headers` vary on was sent as the cache saw it: a response
/// that varies on a header added behind the cache's back must not be stored, or it would be
/// served to requests the cache cannot tell apart.
pub(super) fn varies_only_on_seen(
    response_headers: &HeaderMap,
    seen: &HeaderMap,
    sent: &HeaderMap,
) -> bool {
    vary_names(response_headers)
        .iter()
        .filter(|name| name.as_str() != "*")
        .all(|name| {
            seen.get_all(name.as_str())
                .iter()
                .eq(sent.get_all(name.as_str()).iter())
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::MemoryStore;

    #[test]
    fn the_view_keeps_only_what_the_rules_read_and_hashes_secrets() {
        let hasher = Hasher::for_store(&MemoryStore::default());
        let mut seen = HeaderMap::new();
        for (name, value) in [
            ("authorization", "Bearer s3cr3t"),
            ("x-api-key", "k3y"),
            ("accept-language", "en"),
            ("cache-control", "max-age=0"),
            ("user-agent", "app"),
        ] {
            seen.insert(name, value.parse().unwrap());
        }
        let mut response = HeaderMap::new();
        response.insert("vary", "Accept-Language, Authorization".parse().unwrap());
        let view = RequestView::new(
            "https://h.test/a",
            &seen,
            &response,
            &Redactor::new(),
            &hasher,
        );
        let names: Vec<&str> = view.headers.keys().map(HeaderName::as_str).collect();
        assert_eq!(names.len(), 3, "{names:?}");
        assert_eq!(view.headers["accept-language"], "en");
        let shown = format!("{:?}", view.headers);
        assert!(
            !shown.contains("s3cr3t") && !shown.contains("k3y"),
            "{shown}"
        );
        let again = RequestView::new(
            "https://h.test/a",
            &seen,
            &response,
            &Redactor::new(),
            &hasher,
        );
        assert_eq!(view.headers, again.headers, "stable, so Vary still matches");
    }

    #[test]
    fn a_header_added_behind_the_cache_is_one_it_cannot_see() {
        let mut response = HeaderMap::new();
        response.insert("vary", "authorization".parse().unwrap());
        let seen = HeaderMap::new();
        let mut sent = HeaderMap::new();
        assert!(varies_only_on_seen(&response, &seen, &sent));
        sent.insert("authorization", "Bearer t".parse().unwrap());
        assert!(!varies_only_on_seen(&response, &seen, &sent));
        assert!(varies_only_on_seen(&response, &sent, &sent));
    }
}

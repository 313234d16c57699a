//! One mock route: what it matches, how a request differs from it, and the message for a
//! request no route matches.

use std::borrow::Cow;
use std::fmt::Write as _;

use bytes::Bytes;
use http::Method;
use http::header::HeaderName;
use percent_encoding::percent_decode_str;

use super::MockReply;
use crate::redact::{REDACTED, Redactor};
use crate::request::Request;

pub(super) struct Route {
    pub(super) method: Method,
    pub(super) path: String,
    pub(super) query: Vec<(String, String)>,
    pub(super) headers: Vec<(HeaderName, String)>,
    pub(super) body: Option<Bytes>,
    pub(super) reply: MockReply,
    pub(super) times: Option<usize>,
    pub(super) hits: usize,
}

impl Route {
    pub(super) fn new(method: Method, path: String) -> Self {
        Self {
            method,
            path,
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
            reply: MockReply::status(200),
            times: None,
            hits: 0,
        }
    }

    pub(super) fn has_uses_left(&self) -> bool {
        self.times.is_none_or(|t| self.hits < t)
    }

    pub(super) fn matches(&self, request: &Request) -> bool {
        self.method == request.method()
            && path_matches(&self.path, request.url().path())
            && self
                .query
                .iter()
                .all(|(k, v)| query_values(request, k).any(|actual| same_value(&actual, v)))
            && self.headers.iter().all(|(name, value)| {
                request
                    .headers()
                    .get_all(name)
                    .iter()
                    .any(|v| v.as_bytes() == value.as_bytes())
            })
            && self
                .body
                .as_ref()
                .is_none_or(|expected| body_matches(expected, request))
    }

    /// The first way `request` differs from this route, in the order they are checked, with
    /// secret values hidden; `None` if it matches.
    fn first_difference(&self, request: &Request) -> Option<String> {
        let redactor = request.redactor();
        if self.method != request.method() {
            return Some(format!(
                "method: expected {}, got {}",
                self.method,
                request.method()
            ));
        }
        if let Some(difference) = path_difference(&self.path, request.url().path()) {
            return Some(difference);
        }
        for (key, expected) in &self.query {
            let actual: Vec<Cow<'_, str>> = query_values(request, key).collect();
            if actual.iter().any(|a| same_value(a, expected)) {
                continue;
            }
            let show = |value: &str| shown(redactor.is_secret_key(key), value);
            return Some(if actual.is_empty() {
                format!(
                    "query `{key}`: expected {}, but the request has no `{key}`",
                    show(expected)
                )
            } else {
                let got: Vec<String> = actual.iter().map(|a| show(a)).collect();
                format!(
                    "query `{key}`: expected {}, got {}",
                    show(expected),
                    got.join(", ")
                )
            });
        }
        for (name, expected) in &self.headers {
            let actual: Vec<_> = request.headers().get_all(name).iter().collect();
            if actual.iter().any(|v| v.as_bytes() == expected.as_bytes()) {
                continue;
            }
            let show = |value: &str| shown(redactor.is_secret_header(name.as_str()), value);
            return Some(if actual.is_empty() {
                format!(
                    "header `{name}`: expected {}, but the request has none",
                    show(expected)
                )
            } else {
                let got: Vec<String> = actual
                    .iter()
                    .map(|v| show(&String::from_utf8_lossy(v.as_bytes())))
                    .collect();
                format!(
                    "header `{name}`: expected {}, got {}",
                    show(expected),
                    got.join(", ")
                )
            });
        }
        if let Some(expected) = &self.body
            && !body_matches(expected, request)
        {
            let actual = request.body().as_bytes().unwrap_or_default();
            return Some(format!(
                "body: expected {}, got {}",
                body_text(expected, redactor),
                body_text(actual, redactor)
            ));
        }
        if !self.has_uses_left() {
            return Some(format!(
                "the route was used up ({} of {} uses)",
                self.hits,
                self.times.unwrap_or_default()
            ));
        }
        None
    }

    /// The route in one line, secret query values hidden.
    pub(super) fn describe(&self, redactor: &Redactor) -> String {
        let mut text = format!("{} {}", self.method, self.path);
        for (k, v) in &self.query {
            let v = if redactor.is_secret_key(k) {
                REDACTED
            } else {
                v
            };
            let _ = write!(text, " [query {k}={v}]");
        }
        for (name, _) in &self.headers {
            let _ = write!(text, " [header {name}]");
        }
        if self.body.is_some() {
            text.push_str(" [body]");
        }
        if let Some(times) = self.times {
            let _ = write!(text, " [used {}/{times}]", self.hits);
        }
        text
    }

    /// How alike this route is to a request, for the unmatched message: the same path counts
    /// most, then the same method, then a shared leading part of the path, then each query
    /// parameter and header that matches.
    fn likeness(&self, request: &Request) -> usize {
        let path = request.url().path();
        let whole_path = usize::from(path_matches(&self.path, path));
        let method = usize::from(self.method == request.method());
        let shared_segments = self
            .path
            .split('/')
            .zip(path.split('/'))
            .take_while(|(pattern, actual)| segment_matches(pattern, actual))
            .count();
        let matching_query = self
            .query
            .iter()
            .filter(|(k, v)| query_values(request, k).any(|a| same_value(&a, v)))
            .count();
        whole_path * 10_000 + method * 1_000 + shared_segments * 10 + matching_query
    }
}

/// A value as the diagnosis shows it: quoted, or `[REDACTED]`.
fn shown(secret: bool, value: &str) -> String {
    if secret {
        REDACTED.to_owned()
    } else {
        format!("{value:?}")
    }
}

/// The start of a body for the diagnosis, secret JSON and form fields hidden.
pub(super) fn body_text(body: &[u8], redactor: &Redactor) -> String {
    const LIMIT: usize = 200;
    let text = String::from_utf8_lossy(&body[..body.len().min(LIMIT)]).into_owned();
    let mut text = redactor.body_text(&text, None);
    if body.len() > LIMIT {
        text.push('…');
    }
    format!("{text:?}")
}

/// The decoded values of query parameter `key` in the request; a route's key may be written
/// decoded or encoded.
fn query_values<'r>(request: &'r Request, key: &'r str) -> impl Iterator<Item = Cow<'r, str>> {
    request
        .url()
        .query_pairs()
        .filter(move |(k, _)| same_value(k, key))
        .map(|(_, v)| v)
}

/// A decoded request value against a route's value, written decoded (`a b`) or encoded
/// (`a%20b`, `a+b`), the way a form parser reads it.
fn same_value(actual: &str, expected: &str) -> bool {
    actual == expected
        || url::form_urlencoded::parse(format!("v={expected}").as_bytes())
            .next()
            .is_some_and(|(_, decoded)| decoded == actual)
}

fn body_matches(expected: &Bytes, request: &Request) -> bool {
    let actual = request.body().as_bytes().unwrap_or_default();
    if expected.as_ref() == actual {
        return true;
    }
    // JSON compares as values, so key order and spacing do not matter.
    match (
        serde_json::from_slice::<serde_json::Value>(expected),
        serde_json::from_slice::<serde_json::Value>(actual),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

fn decoded(segment: &str) -> Cow<'_, str> {
    percent_decode_str(segment).decode_utf8_lossy()
}

fn is_wildcard(pattern: &str) -> bool {
    pattern == "*"
        || (pattern.starts_with('<') && pattern.ends_with('>'))
        || (pattern.starts_with('{') && pattern.ends_with('}'))
}

/// One segment of a route against one of a request, both compared decoded.
fn segment_matches(pattern: &str, actual: &str) -> bool {
    is_wildcard(pattern) || pattern == actual || decoded(pattern) == decoded(actual)
}

pub(super) fn path_matches(pattern: &str, path: &str) -> bool {
    path_difference(pattern, path).is_none()
}

/// Where a request path first differs from a route's path, if it does.
fn path_difference(pattern: &str, path: &str) -> Option<String> {
    let mut patterns = pattern.split('/');
    let mut actual = path.split('/');
    let mut index = 0;
    loop {
        match (patterns.next(), actual.next()) {
            (None, None) => return None,
            (Some(p), Some(a)) if segment_matches(p, a) => {}
            (Some(p), Some(a)) => {
                return Some(format!(
                    "path segment {index}: expected {:?}, got {:?} (in {path})",
                    decoded(p),
                    decoded(a)
                ));
            }
            (Some(_), None) => {
                return Some(format!("path: {path} is shorter than {pattern}"));
            }
            (None, Some(_)) => {
                return Some(format!("path: {path} is longer than {pattern}"));
            }
        }
        index += 1;
    }
}

pub(super) fn unmatched_message(request: &Request, routes: &[Route]) -> String {
    let mut text = format!(
        "MockTransport: no route matches {} {}",
        request.method(),
        request.redactor().url(request.url())
    );
    if routes.is_empty() {
        text.push_str("; no routes are registered");
        return text;
    }
    let mut ranked: Vec<&Route> = routes.iter().collect();
    // Stable: among equally alike routes, the one registered first comes first.
    ranked.sort_by_key(|r| std::cmp::Reverse(r.likeness(request)));
    if let Some(closest) = ranked.first()
        && let Some(difference) = closest.first_difference(request)
    {
        let _ = write!(
            text,
            "; the closest route is {}, which differs in {difference}",
            closest.describe(request.redactor())
        );
    }
    text.push_str("; closest routes:");
    for route in ranked.iter().take(3) {
        text.push_str("\n  ");
        text.push_str(&route.describe(request.redactor()));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_match_by_decoded_segment() {
        assert!(path_matches("/users/<id>", "/users/42"));
        assert!(path_matches("/users/*/posts", "/users/1/posts"));
        assert!(path_matches("/files/a b", "/files/a%20b"));
        assert!(path_matches("/files/a%20b", "/files/a%20b"));
        assert!(path_matches("/files/é", "/files/%C3%A9"));
        assert!(
            !path_matches("/files/a/b", "/files/a%2Fb"),
            "structure is kept"
        );
        assert!(!path_matches("/users/<id>", "/users/42/posts"));
        assert!(!path_matches("/users", "/users/"));
    }

    #[test]
    fn query_values_match_written_decoded_or_encoded() {
        assert!(same_value("a b", "a b"));
        assert!(same_value("a b", "a%20b"));
        assert!(same_value("a b", "a+b"));
        assert!(same_value("é&", "%C3%A9%26"));
        assert!(!same_value("a b", "a_b"));
    }

    #[test]
    fn path_differences_name_the_segment() {
        let difference = path_difference("/users/<id>/posts", "/users/7/comments").unwrap();
        assert!(difference.contains("segment 3"), "{difference}");
        assert!(difference.contains("\"posts\""), "{difference}");
        assert!(path_difference("/a", "/a/b").unwrap().contains("longer"));
    }
}

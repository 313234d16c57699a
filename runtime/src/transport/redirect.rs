//! Redirects, followed by ferrofit itself under one rule for every transport (reqwest's own
//! policy is turned off): it forwarded custom secret headers such as `X-Api-Key` to another
//! origin and sent a `Referer` holding the previous URL's query.
//!
//! - At most `max` redirects (default 10); one more fails with `Error::Network` of kind
//!   `Redirect`. With `max` 0 the 3xx itself is the answer.
//! - Methods and bodies change as the Fetch standard says: 303 turns anything but `HEAD` into
//!   a `GET` without a body, 301 and 302 do so for a `POST`; 307 and 308 keep both. A body
//!   that cannot be sent twice (a one-shot stream) is not re-sent: the 3xx is the answer.
//! - Once a hop leaves the origin of the first request, every header the client's
//!   [`Redactor`] calls secret (`Authorization`, `Cookie`, API keys, session headers …), and
//!   `Referer` and `Host`, stay behind for the rest of the chain, even if it comes back.
//! - A `Location` that is missing, does not parse or is not http(s) ends the chain: the 3xx is
//!   the answer.

use std::sync::Arc;

use http::header::{self, HeaderMap, HeaderName};
use http::{Method, StatusCode};
use url::Url;

use crate::body::Body;
use crate::error::{Error, NetworkKind, Result};
use crate::origin::Origin;
use crate::redact::Redactor;
use crate::request::Message;

/// Redirects a client follows unless told otherwise.
pub(crate) const DEFAULT_MAX_REDIRECTS: usize = 10;

/// Headers that describe a body, dropped with it.
const BODY_HEADERS: [HeaderName; 5] = [
    header::CONTENT_TYPE,
    header::CONTENT_LENGTH,
    header::CONTENT_ENCODING,
    header::CONTENT_LANGUAGE,
    header::CONTENT_LOCATION,
];

/// The state of one call's redirect chain.
pub(crate) struct Redirects {
    max: usize,
    followed: usize,
    /// The first request's origin, taken at the first redirect (most calls have none);
    /// `None` once a hop has left it.
    origin: Option<Origin>,
}

impl Redirects {
    pub(crate) fn new(max: usize) -> Self {
        Self {
            max,
            followed: 0,
            origin: None,
        }
    }

    /// Whether a redirect may still be followed: the transport keeps a copy of each hop only
    /// then.
    pub(crate) fn may_follow(&self) -> bool {
        self.max > 0
    }

    /// Makes `hop` the next request after a response with `status` and `headers`; `Ok(false)`
    /// when that response is the answer.
    ///
    /// # Errors
    ///
    /// `Error::Network` of kind `Redirect` when the chain is longer than allowed.
    pub(crate) fn follow(
        &mut self,
        hop: &mut Arc<Message>,
        status: StatusCode,
        headers: &HeaderMap,
        redactor: &Redactor,
    ) -> Result<bool> {
        if self.max == 0 || !is_redirect(status) {
            return Ok(false);
        }
        let Some(next) = location(&hop.url, headers) else {
            return Ok(false);
        };
        let drops_body = match status {
            StatusCode::SEE_OTHER => hop.method != Method::HEAD,
            StatusCode::MOVED_PERMANENTLY | StatusCode::FOUND => hop.method == Method::POST,
            _ => false,
        };
        if !drops_body && !hop.body.is_empty() && !hop.body.is_replayable() {
            return Ok(false);
        }
        if self.followed == self.max {
            return Err(Error::network(
                NetworkKind::Redirect,
                format!("too many redirects (more than {})", self.max),
            ));
        }
        if self.followed == 0 {
            self.origin = Origin::of(&hop.url);
        }
        self.followed += 1;
        // Copied only now: most responses are no redirect.
        let hop = Arc::make_mut(hop);
        if drops_body {
            if hop.method != Method::HEAD {
                hop.method = Method::GET;
            }
            hop.body = Body::empty();
            for name in &BODY_HEADERS {
                hop.headers.remove(name);
            }
        }
        if self
            .origin
            .as_ref()
            .is_some_and(|origin| !origin.contains(&next))
        {
            self.origin = None;
            strip_credentials(&mut hop.headers, redactor);
        }
        hop.url = next;
        Ok(true)
    }
}

fn is_redirect(status: StatusCode) -> bool {
    matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308)
}

/// The http(s) URL `Location` points to, resolved against the current one.
fn location(current: &Url, headers: &HeaderMap) -> Option<Url> {
    let value = headers.get(header::LOCATION)?.to_str().ok()?;
    let mut next = current.join(value).ok()?;
    if !matches!(next.scheme(), "http" | "https") || next.host_str().is_none() {
        return None;
    }
    next.set_fragment(None);
    Some(next)
}

/// Removes every header another origin must not see (a redirect's, or a `next` page link's).
pub(crate) fn strip_credentials(headers: &mut HeaderMap, redactor: &Redactor) {
    let doomed: Vec<HeaderName> = headers
        .keys()
        .filter(|name| redactor.is_secret_header(name.as_str()))
        .cloned()
        .chain([header::REFERER, header::HOST])
        .collect();
    for name in doomed {
        headers.remove(name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hop(method: Method, url: &str, body: Body) -> Arc<Message> {
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("authorization", "Bearer t"),
            ("x-api-key", "k"),
            ("x-session", "s"),
            ("cookie", "c=1"),
            ("referer", "https://a.test/?access_token=t"),
            ("content-type", "application/json"),
            ("accept", "application/json"),
        ] {
            headers.insert(name, value.parse().unwrap());
        }
        Arc::new(Message {
            method,
            url: url.parse().unwrap(),
            headers,
            body,
        })
    }

    fn redirect_to(location: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::LOCATION, location.parse().unwrap());
        headers
    }

    #[test]
    fn leaving_the_origin_drops_every_secret_for_good() {
        let redactor = Redactor::new();
        let mut hop = hop(Method::GET, "https://a.test/x", Body::empty());
        let mut redirects = Redirects::new(10);
        assert!(
            redirects
                .follow(&mut hop, StatusCode::FOUND, &redirect_to("/y"), &redactor)
                .unwrap()
        );
        assert_eq!(hop.headers.len(), 7, "same origin: everything stays");
        assert!(
            redirects
                .follow(
                    &mut hop,
                    StatusCode::FOUND,
                    &redirect_to("https://b.test/z"),
                    &redactor
                )
                .unwrap()
        );
        let mut left: Vec<&str> = hop.headers.keys().map(HeaderName::as_str).collect();
        left.sort_unstable();
        assert_eq!(left, ["accept", "content-type"]);
        assert!(
            redirects
                .follow(
                    &mut hop,
                    StatusCode::FOUND,
                    &redirect_to("https://a.test/back"),
                    &redactor
                )
                .unwrap()
        );
        assert_eq!(hop.url.as_str(), "https://a.test/back");
        assert!(
            !hop.headers.contains_key("authorization"),
            "coming back restores nothing"
        );
    }

    #[test]
    fn methods_and_bodies_change_as_fetch_says() {
        let redactor = Redactor::new();
        let cases = [
            (Method::POST, StatusCode::FOUND, Method::GET, true),
            (
                Method::POST,
                StatusCode::MOVED_PERMANENTLY,
                Method::GET,
                true,
            ),
            (Method::PUT, StatusCode::FOUND, Method::PUT, false),
            (Method::PUT, StatusCode::SEE_OTHER, Method::GET, true),
            (Method::HEAD, StatusCode::SEE_OTHER, Method::HEAD, false),
            (
                Method::POST,
                StatusCode::TEMPORARY_REDIRECT,
                Method::POST,
                false,
            ),
            (
                Method::POST,
                StatusCode::PERMANENT_REDIRECT,
                Method::POST,
                false,
            ),
        ];
        for (method, status, after, dropped) in cases {
            let mut hop = hop(method.clone(), "https://a.test/", Body::from("{}"));
            let mut redirects = Redirects::new(10);
            assert!(
                redirects
                    .follow(&mut hop, status, &redirect_to("/next"), &redactor)
                    .unwrap()
            );
            assert_eq!(hop.method, after, "{method} {status}");
            assert_eq!(hop.body.is_empty(), dropped, "{method} {status}");
            assert_eq!(
                !hop.headers.contains_key("content-type"),
                dropped,
                "{method} {status}"
            );
        }
    }

    #[test]
    fn limits_and_unusable_locations_end_the_chain() {
        let redactor = Redactor::new();
        let mut first = hop(Method::GET, "https://a.test/", Body::empty());
        let mut none = Redirects::new(0);
        assert!(
            !none
                .follow(&mut first, StatusCode::FOUND, &redirect_to("/n"), &redactor)
                .unwrap()
        );
        let mut two = Redirects::new(2);
        for _ in 0..2 {
            assert!(
                two.follow(&mut first, StatusCode::FOUND, &redirect_to("/n"), &redactor)
                    .unwrap()
            );
        }
        let error = two
            .follow(&mut first, StatusCode::FOUND, &redirect_to("/n"), &redactor)
            .unwrap_err();
        assert!(
            matches!(
                error,
                Error::Network {
                    kind: NetworkKind::Redirect,
                    ..
                }
            ),
            "{error:?}"
        );
        for location in ["ftp://a.test/", "http://[::1", "javascript:alert(1)"] {
            let mut redirects = Redirects::new(10);
            let followed = redirects
                .follow(
                    &mut first,
                    StatusCode::FOUND,
                    &redirect_to(location),
                    &redactor,
                )
                .unwrap();
            assert!(!followed, "{location}");
        }
        let stream = Body::from_stream(
            futures_util::stream::empty::<std::io::Result<bytes::Bytes>>(),
            None,
        );
        let mut streamed = hop(Method::POST, "https://a.test/", stream);
        let mut redirects = Redirects::new(10);
        assert!(
            !redirects
                .follow(
                    &mut streamed,
                    StatusCode::TEMPORARY_REDIRECT,
                    &redirect_to("/n"),
                    &redactor
                )
                .unwrap()
        );
        assert!(
            !redirects
                .follow(&mut streamed, StatusCode::OK, &redirect_to("/n"), &redactor)
                .unwrap()
        );
    }
}

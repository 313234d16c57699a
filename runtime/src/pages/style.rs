//! How an API pages: the [`Pagination`] an endpoint declares with `#[paginate(..)]`, and the
//! request for the page after one that arrived.

use std::collections::HashSet;
use std::hash::{BuildHasher, RandomState};
use std::sync::Arc;

use http::HeaderMap;
use url::Url;

use super::link;
use crate::encode::query;
use crate::error::{Error, Result};
use crate::origin::Origin;
use crate::redact::Redactor;
use crate::request::Request;
use crate::transport::redirect::strip_credentials;

/// How an endpoint's list continues on the next page, as its `#[paginate(..)]` says. Read it
/// from [`Endpoint::pagination`](crate::Endpoint::pagination).
///
/// # Examples
///
/// ```
/// use ferrofit::{PageStyle, Pagination};
///
/// # fn show(pagination: &Pagination) {
/// match pagination.style() {
///     PageStyle::Link => println!("follows `Link: <…>; rel=\"next\"`"),
///     PageStyle::Cursor { field, param } => println!("sends `{field}` back as `?{param}=`"),
///     other => println!("{other:?}"),
/// }
/// # }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pagination {
    style: PageStyle,
    items: Option<&'static str>,
}

/// Where the next page is, for [`Pagination`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PageStyle {
    /// `#[paginate(link)]`: the `Link` header's `rel="next"` target (RFC 8288), GitHub and
    /// GitLab style. The list ends on a page without one.
    Link,
    /// `#[paginate(cursor = "meta.next", param = "cursor")]`: a field of the reply (a dotted
    /// path, or a JSON pointer such as `/meta/next`) sent back as the query parameter `param`.
    /// The list ends when it is missing, `null` or empty.
    Cursor {
        /// Where the cursor is in the reply.
        field: &'static str,
        /// The query parameter that takes it.
        param: &'static str,
    },
    /// `#[paginate(page = "page")]`: the query parameter `param` counts pages (from 1 when
    /// the call did not set it). The list ends on an empty page or a short one.
    Page {
        /// The page number's query parameter.
        param: &'static str,
        /// The page size's query parameter, if the API has one (`size = "per_page"`).
        size: Option<&'static str>,
    },
    /// `#[paginate(offset = "offset", limit = "limit")]`: the query parameter `offset` moves
    /// on by the items received (from 0 when the call did not set it). The list ends on an
    /// empty page or a short one.
    Offset {
        /// The offset's query parameter.
        offset: &'static str,
        /// The page size's query parameter, if the API has one.
        limit: Option<&'static str>,
    },
}

impl Pagination {
    /// Used by generated code; not public API.
    #[doc(hidden)]
    pub const fn __new(style: PageStyle, items: Option<&'static str>) -> Self {
        Self { style, items }
    }

    /// Where the next page is.
    pub fn style(&self) -> PageStyle {
        self.style
    }

    /// Where the items are in a page (`items = "data"`: a dotted path, or a JSON pointer);
    /// `None` when the page is the list itself.
    pub fn items(&self) -> Option<&'static str> {
        self.items
    }
}

/// A dotted path (`meta.next`) or a JSON pointer (`/meta/next`) as a JSON pointer.
pub(crate) fn pointer(path: &str) -> String {
    if path.starts_with('/') {
        return path.to_owned();
    }
    path.split('.')
        .map(|key| format!("/{}", key.replace('~', "~0").replace('/', "~1")))
        .collect()
}

/// The keys of a dotted path or JSON pointer, unescaped: `meta.next` → `["meta", "next"]`.
#[cfg(any(feature = "openapi", feature = "testing"))]
pub(crate) fn path_keys(path: &str) -> Vec<String> {
    pointer(path)
        .split('/')
        .skip(1)
        .map(|key| key.replace("~1", "/").replace("~0", "~"))
        .collect()
}

/// Where the pages have been: what decides the next request and whether it repeats one.
pub(crate) struct Position {
    pagination: Pagination,
    /// The first page's origin: a `next` link elsewhere loses the caller's secret headers.
    origin: Option<Origin>,
    /// Every page URL requested so far, and every cursor received.
    /// Kept as 64-bit hashes under a per-list random key: a server that names a new page
    /// forever costs 8 bytes a page here, not its URLs.
    seen: HashSet<u64>,
    keys: RandomState,
    /// The most items an earlier page held: a page with fewer is the last.
    largest: usize,
}

impl Position {
    pub(crate) fn new(pagination: Pagination, first: &Request) -> Self {
        let keys = RandomState::new();
        let mut seen = HashSet::new();
        seen.insert(keys.hash_one(("url", first.url().as_str())));
        Self {
            pagination,
            origin: Origin::of(first.url()),
            seen,
            keys,
            largest: 0,
        }
    }

    /// The request for the page after the one `previous` asked for, which came back from
    /// `url` with `headers`, `items` items and `cursor`; `None` when that was the last page.
    ///
    /// # Errors
    ///
    /// [`Error::Paging`] when the next page is one already fetched, or a `next` link is not an
    /// http(s) URL.
    pub(crate) fn next(
        &mut self,
        previous: &Request,
        url: &Url,
        headers: &HeaderMap,
        items: usize,
        cursor: Option<String>,
    ) -> Result<Option<Request>> {
        let short = self.is_last(previous, items);
        self.largest = self.largest.max(items);
        let next_url = match self.pagination.style {
            PageStyle::Link => {
                let values = headers
                    .get_all(http::header::LINK)
                    .iter()
                    .filter_map(|v| v.to_str().ok());
                let Some(target) = link::next_target(values) else {
                    return Ok(None);
                };
                link_url(url, target, previous.redactor())?
            }
            PageStyle::Cursor { param, .. } => {
                let Some(cursor) = cursor.filter(|c| !c.is_empty()) else {
                    return Ok(None);
                };
                if !self
                    .seen
                    .insert(self.keys.hash_one(("cursor", cursor.as_str())))
                {
                    return Err(Error::Paging {
                        message: format!(
                            "the cursor `{param}` repeats one already followed; the list would loop"
                        ),
                    });
                }
                with_query(previous.url(), param, &cursor)
            }
            PageStyle::Page { param, .. } => {
                if short {
                    return Ok(None);
                }
                let page = number(previous.url(), param).unwrap_or(1);
                with_query(previous.url(), param, &(page + 1).to_string())
            }
            PageStyle::Offset { offset, .. } => {
                if short {
                    return Ok(None);
                }
                let at = number(previous.url(), offset).unwrap_or(0);
                with_query(previous.url(), offset, &(at + items as u64).to_string())
            }
        };
        if !self
            .seen
            .insert(self.keys.hash_one(("url", next_url.as_str())))
        {
            return Err(Error::Paging {
                message: format!(
                    "the next page `{}` is one already fetched; the list would loop",
                    previous.redactor().url(&next_url)
                ),
            });
        }
        let mut next = previous.clone();
        if !self.origin.as_ref().is_some_and(|o| o.contains(&next_url)) {
            // The server named another origin: what the caller meant for this one stays here,
            // as on a redirect there.
            let redactor = Arc::clone(&next.redactor);
            strip_credentials(next.headers_mut(), &redactor);
        }
        *next.url_mut() = next_url;
        Ok(Some(next))
    }

    /// Whether a counted page with `items` items ends the list: it is empty, shorter than an
    /// earlier page, or shorter than the page size the call asked for.
    fn is_last(&self, request: &Request, items: usize) -> bool {
        let size = match self.pagination.style {
            PageStyle::Page { size, .. } => size,
            PageStyle::Offset { limit, .. } => limit,
            _ => None,
        };
        let asked = size.and_then(|key| number(request.url(), key));
        items == 0 || items < self.largest || asked.is_some_and(|asked| (items as u64) < asked)
    }
}

/// A `next` link resolved against the page it came with; only http(s).
fn link_url(base: &Url, target: &str, redactor: &Redactor) -> Result<Url> {
    let mut url = base.join(target).map_err(|e| Error::Paging {
        message: format!(
            "the `next` link `{}` is not a URL: {e}",
            redactor.uri_text(target)
        ),
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Error::Paging {
            message: format!(
                "the `next` link must be an http or https URL, not `{}:`",
                url.scheme()
            ),
        });
    }
    url.set_fragment(None);
    Ok(url)
}

/// The first value of query parameter `key`, as a number.
fn number(url: &Url, key: &str) -> Option<u64> {
    url.query_pairs()
        .find(|(k, _)| k == key)
        .and_then(|(_, v)| v.trim().parse().ok())
}

/// `url` with query parameter `key` set to `value` (once, at the end); the other parameters
/// stay exactly as they were written.
pub(crate) fn with_query(url: &Url, key: &str, value: &str) -> Url {
    let kept: Vec<&str> = url
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|pair| !pair.is_empty())
        .filter(|pair| {
            let name = pair.split('=').next().unwrap_or("");
            url::form_urlencoded::parse(name.as_bytes())
                .next()
                .is_none_or(|(name, _)| name != key)
        })
        .collect();
    let mut text = String::new();
    let mut has_query = false;
    for pair in kept {
        text.push(if has_query { '&' } else { '?' });
        has_query = true;
        text.push_str(pair);
    }
    query::push_pair(&mut text, &mut has_query, key, value, false);
    let mut next = url.clone();
    next.set_query(Some(&text[1..]));
    next
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        text.parse().expect("a URL")
    }

    #[test]
    fn setting_a_query_parameter_keeps_the_others_as_written() {
        let base = url("http://h.test/items?q=a%20b+c&page=3&x=%C3%A9&page=9");
        assert_eq!(
            with_query(&base, "page", "4").as_str(),
            "http://h.test/items?q=a%20b+c&x=%C3%A9&page=4"
        );
        assert_eq!(
            with_query(&url("http://h.test/items"), "cursor", "a b&c").as_str(),
            "http://h.test/items?cursor=a%20b%26c"
        );
    }

    #[test]
    fn dotted_paths_become_json_pointers() {
        assert_eq!(pointer("meta.next"), "/meta/next");
        assert_eq!(pointer("/meta/next"), "/meta/next");
        assert_eq!(pointer("a/b~c"), "/a~1b~0c");
    }

    fn position(style: PageStyle, first: &str) -> (Position, Request) {
        let request = Request::new(http::Method::GET, url(first));
        (
            Position::new(Pagination::__new(style, None), &request),
            request,
        )
    }

    #[test]
    fn counted_pages_end_empty_short_or_below_the_size_asked() {
        let style = PageStyle::Page {
            param: "page",
            size: Some("per_page"),
        };
        let (mut at, first) = position(style, "http://h.test/i?per_page=2");
        let none = HeaderMap::new();
        let second = at
            .next(&first, first.url(), &none, 2, None)
            .unwrap()
            .unwrap();
        assert_eq!(second.url().as_str(), "http://h.test/i?per_page=2&page=2");
        assert!(
            at.next(&second, second.url(), &none, 1, None)
                .unwrap()
                .is_none()
        );
        // Without a size, a page shorter than an earlier one is the last.
        let style = PageStyle::Offset {
            offset: "offset",
            limit: None,
        };
        let (mut at, first) = position(style, "http://h.test/i");
        let second = at
            .next(&first, first.url(), &none, 3, None)
            .unwrap()
            .unwrap();
        assert_eq!(second.url().as_str(), "http://h.test/i?offset=3");
        let third = at
            .next(&second, second.url(), &none, 3, None)
            .unwrap()
            .unwrap();
        assert_eq!(third.url().as_str(), "http://h.test/i?offset=6");
        assert!(
            at.next(&third, third.url(), &none, 2, None)
                .unwrap()
                .is_none()
        );
        assert!(
            at.next(&third, third.url(), &none, 0, None)
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn a_next_link_to_a_page_already_fetched_is_an_error_not_a_loop() {
        let (mut at, first) = position(PageStyle::Link, "http://h.test/i?page=1");
        let mut headers = HeaderMap::new();
        headers.insert(
            "link",
            "<?page=2>; rel=next, <?page=1>; rel=first".parse().unwrap(),
        );
        let second = at
            .next(&first, first.url(), &headers, 5, None)
            .unwrap()
            .unwrap();
        assert_eq!(second.url().as_str(), "http://h.test/i?page=2");
        headers.insert("link", "</i?page=1>; rel=next".parse().unwrap());
        let error = at
            .next(&second, second.url(), &headers, 5, None)
            .unwrap_err();
        assert!(matches!(error, Error::Paging { .. }), "{error:?}");
        headers.insert("link", "<file:///etc/passwd>; rel=next".parse().unwrap());
        let error = at
            .next(&second, second.url(), &headers, 5, None)
            .unwrap_err();
        assert!(error.to_string().contains("http or https"), "{error}");
    }

    #[test]
    fn a_repeated_cursor_is_an_error_and_an_empty_one_ends_the_list() {
        let style = PageStyle::Cursor {
            field: "next",
            param: "after",
        };
        let (mut at, first) = position(style, "http://h.test/i?after=");
        let none = HeaderMap::new();
        let second = at
            .next(&first, first.url(), &none, 1, Some("c1".into()))
            .unwrap()
            .unwrap();
        assert_eq!(second.url().as_str(), "http://h.test/i?after=c1");
        let error = at
            .next(&second, second.url(), &none, 1, Some("c1".into()))
            .unwrap_err();
        assert!(matches!(error, Error::Paging { .. }), "{error:?}");
        assert!(
            at.next(&second, second.url(), &none, 1, Some(String::new()))
                .unwrap()
                .is_none()
        );
        assert!(
            at.next(&second, second.url(), &none, 1, None)
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn a_next_link_to_another_origin_loses_the_secret_headers() {
        let (mut at, mut first) = position(PageStyle::Link, "http://h.test/i");
        first
            .headers_mut()
            .insert("authorization", "Bearer secret".parse().unwrap());
        first
            .headers_mut()
            .insert("accept", "application/json".parse().unwrap());
        first
            .headers_mut()
            .insert("referer", "http://h.test/private?token=t".parse().unwrap());
        let mut headers = HeaderMap::new();
        headers.insert(
            "link",
            "<http://other.test/i?page=2>; rel=next".parse().unwrap(),
        );
        let next = at
            .next(&first, first.url(), &headers, 1, None)
            .unwrap()
            .unwrap();
        assert!(next.headers().get("authorization").is_none());
        assert!(next.headers().get("referer").is_none(), "as on a redirect");
        assert_eq!(next.headers()["accept"], "application/json");
        headers.insert(
            "link",
            "<http://h.test/i?page=2>; rel=next".parse().unwrap(),
        );
        let same = at
            .next(&first, first.url(), &headers, 1, None)
            .unwrap()
            .unwrap();
        assert_eq!(same.headers()["authorization"], "Bearer secret");
    }
}

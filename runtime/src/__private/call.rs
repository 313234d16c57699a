//! `Call`: collects one call's arguments into a [`Request`], then sends it and decodes the reply.

use std::fmt::Display;
use std::future::Future;

use http::HeaderMap;
use http::header::{HeaderName, HeaderValue};
use url::Url;

use super::call_body::PendingBody;
use crate::cancel::CancelToken;
use crate::client::Client;
use crate::codec::{Receiving, ReplyContext, RequestValue};
use crate::encode::style::{Style, deep_pairs, joined_values};
use crate::encode::{header, path, query};
use crate::endpoint::Endpoint;
use crate::error::{Error, Result};
use crate::progress::Progress;
use crate::redact;
use crate::request::Request;
use crate::response::{Received, Response};

/// One call under construction. Generated methods create it, feed it their arguments in order,
/// and return the future of [`send`](Self::send).
/// The first argument that cannot be encoded is remembered and returned when the future runs;
/// nothing is sent then.
pub struct Call {
    client: Client,
    endpoint: &'static Endpoint,
    url: String,
    path_start: usize,
    path_end: Option<usize>,
    /// A placeholder filling a whole segment so far came out empty; an error unless a
    /// literal or value continues the segment.
    empty_segment: bool,
    /// The URL came whole from a `#[url]` argument: no template path to check.
    dynamic_url: bool,
    headers: HeaderMap,
    pub(super) body: PendingBody,
    pub(super) progress: Option<Progress>,
    cancel: Option<CancelToken>,
    extensions: http::Extensions,
    error: Option<Error>,
}

impl Call {
    /// Starts a call: the URL begins with the client's base, the endpoint's static headers are
    /// in place for parameters to override.
    pub fn new(client: &Client, endpoint: &'static Endpoint) -> Self {
        let base = client.base_url();
        let mut url = String::with_capacity(base.len() + endpoint.path_template().len() + 32);
        url.push_str(base);
        let statics = endpoint.static_headers();
        // Room for what joins on the way without growing the map: the client's defaults
        // (`User-Agent` at least), `Authorization`, `Accept-Encoding`, a body's type.
        let room = statics.len() + client.default_header_count() + 4;
        let mut headers = HeaderMap::with_capacity(room);
        for (name, value) in statics {
            headers.append(
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
        Self {
            client: client.clone(),
            endpoint,
            path_start: url.len(),
            path_end: None,
            empty_segment: false,
            url,
            dynamic_url: false,
            headers,
            body: PendingBody::Empty,
            progress: None,
            cancel: None,
            extensions: http::Extensions::new(),
            error: None,
        }
    }

    pub(super) fn fail(&mut self, error: Error) {
        self.error.get_or_insert(error);
    }

    /// A literal piece of the path template.
    pub fn literal(&mut self, text: &'static str) {
        if text.starts_with('/') {
            self.end_segment();
        }
        self.empty_segment = false;
        self.url.push_str(text);
    }

    /// A path placeholder's value, encoded as (part of) one segment.
    pub fn path(&mut self, value: &dyn Display) {
        let (starts_segment, before) = (self.url.ends_with('/'), self.url.len());
        path::push_segment(&mut self.url, value);
        self.note_value(starts_segment, before);
    }

    /// A `#[path(encoded)]` value, passed through.
    pub fn path_encoded(&mut self, value: &dyn Display) {
        let (starts_segment, before) = (self.url.ends_with('/'), self.url.len());
        path::push_encoded(&mut self.url, value);
        self.note_value(starts_segment, before);
    }

    fn note_value(&mut self, starts_segment: bool, before: usize) {
        if self.url.len() > before {
            self.empty_segment = false;
        } else if starts_segment {
            self.empty_segment = true;
        }
    }

    /// A segment ends: it must not be empty because of a value. `DELETE /items/<id>` with an
    /// empty id would address the collection, and `/users//posts` is another resource on
    /// servers that merge slashes.
    fn end_segment(&mut self) {
        if std::mem::take(&mut self.empty_segment) {
            self.fail(Error::invalid_request(format!(
                "a path parameter of `{}` is empty; a value that fills a whole segment must not be empty",
                self.endpoint.path_template()
            )));
        }
    }

    /// Ends the path (the query starts), once; returns where it ends in the URL.
    fn end_path(&mut self) -> usize {
        if let Some(end) = self.path_end {
            return end;
        }
        self.end_segment();
        let end = self.url.len();
        self.path_end = Some(end);
        end
    }

    /// The query written in the template (`/search?sort=asc`), already checked by the macro.
    pub fn static_query(&mut self, query: &'static str) {
        self.end_path();
        self.url.push('?');
        self.url.push_str(query);
    }

    fn has_query(&self) -> bool {
        self.path_end.is_some_and(|end| end < self.url.len())
    }

    fn push_query(&mut self, key: &str, value: &dyn RequestValue, encoded: bool) {
        self.end_path();
        let mut has_query = self.has_query();
        let url = &mut self.url;
        let result = value.each_value(&mut |v| {
            query::push_pair(url, &mut has_query, key, v, encoded);
            Ok(())
        });
        if let Err(e) = result {
            self.fail(Error::invalid_request(format!(
                "query parameter `{key}`: {e}"
            )));
        }
    }

    /// A `#[query]` parameter: `None` adds nothing, sequences repeat the key.
    pub fn query(&mut self, key: &str, value: &dyn RequestValue) {
        self.push_query(key, value, false);
    }

    /// A `#[query(encoded)]` parameter: key and value are passed through.
    pub fn query_encoded(&mut self, key: &str, value: &dyn RequestValue) {
        self.push_query(key, value, true);
    }

    /// A `#[query]` with a `style` or `explode = false`: one value joined by the style's
    /// delimiter (none for `None` or an empty sequence), or `deepObject`'s bracketed pairs.
    pub fn query_styled(&mut self, key: &str, value: &dyn RequestValue, style: Style) {
        if style == Style::Form {
            return self.query(key, value);
        }
        self.end_path();
        let mut has_query = self.has_query();
        let url = &mut self.url;
        let result = match style.delimiter() {
            Some(delimiter) => joined_values(value).map(|values| {
                if !values.is_empty() {
                    query::push_joined(url, &mut has_query, key, &values, delimiter);
                }
            }),
            None => value.json_value().and_then(|json| {
                deep_pairs(Some(key), &json, &mut |k, v| {
                    query::push_pair(url, &mut has_query, k, v, false);
                })
            }),
        };
        if let Err(e) = result {
            self.fail(Error::invalid_request(format!(
                "query parameter `{key}`: {e}"
            )));
        }
    }

    /// A `#[query_map(style = "deepObject")]`: top-level fields as parameters, nested values
    /// in brackets (`filter[status]=open`).
    pub fn query_map_deep(&mut self, map: &dyn RequestValue) {
        self.end_path();
        let mut has_query = self.has_query();
        let url = &mut self.url;
        let result = map.json_value().and_then(|json| {
            deep_pairs(None, &json, &mut |k, v| {
                query::push_pair(url, &mut has_query, k, v, false);
            })
        });
        if let Err(e) = result {
            self.fail(Error::invalid_request(format!("query map: {e}")));
        }
    }

    /// A `#[query_map]` parameter: each field or entry becomes a parameter, in order.
    pub fn query_map(&mut self, map: &dyn RequestValue) {
        self.end_path();
        let mut has_query = self.has_query();
        let url = &mut self.url;
        let result = map.each_pair(&mut |k, v| {
            query::push_pair(url, &mut has_query, k, v, false);
            Ok(())
        });
        if let Err(e) = result {
            self.fail(Error::invalid_request(format!("query map: {e}")));
        }
    }

    /// A `#[header("Name")]` parameter; the macro checked and lower-cased the name.
    /// Replaces static headers of that name; sequences send the header several times.
    pub fn header(&mut self, name: &'static str, value: &dyn RequestValue) {
        if let Err(e) = header::set(&mut self.headers, &HeaderName::from_static(name), value) {
            self.fail(e);
        }
    }

    /// A `#[header_map]` parameter: each field or entry becomes a header.
    pub fn header_map(&mut self, map: &dyn RequestValue) {
        if let Err(e) = header::set_map(&mut self.headers, map) {
            self.fail(e);
        }
    }

    /// Where `#[extra]` parameters go (through [`ExtraValue`](crate::codec::ExtraValue)), for
    /// interceptors to read.
    pub fn extensions_mut(&mut self) -> &mut http::Extensions {
        &mut self.extensions
    }

    /// The `#[cancel]` parameter.
    pub fn cancel(&mut self, token: impl CancelArg) {
        self.cancel = token.into_token();
    }

    /// The `#[url]` parameter: an absolute http(s) URL used as is, or a reference resolved
    /// against the base URL (with a trailing slash) as RFC 3986 says. Query parameters are
    /// appended to its query; its fragment is dropped.
    pub fn url(&mut self, value: &dyn Display) {
        let base = self.client.base_url();
        match resolve_url(base, &value.to_string(), self.client.redactor()) {
            Ok(url) => {
                self.url = url.into();
                self.path_end = Some(self.url.find('?').unwrap_or(self.url.len()));
                self.dynamic_url = true;
            }
            Err(error) => self.fail(error),
        }
    }

    fn finish(mut self, stream_response: bool) -> Result<(Client, Request)> {
        let path_end = self.end_path();
        if let Some(error) = self.error.take() {
            return Err(error);
        }
        let url = if self.dynamic_url {
            self.parse_url()?
        } else {
            path::check_no_dot_segments(&self.url[self.path_start..path_end])?;
            // The base is parsed once per client: the call gives a copy its path and query,
            // parsing only those (the same parser, so the same URL as parsing the whole).
            let base = self.client.base();
            let built = &self.url[base.path_start..path_end];
            let mut url = base.parsed.clone();
            url.set_path(built);
            if let Some(query) = self.url.get(path_end + 1..) {
                url.set_query(Some(query));
            }
            path::check_parsed(built, &url)?;
            url
        };
        let body = self.body.finish(&mut self.headers);
        let redactor = self.client.redactor().clone();
        let mut request = Request::for_endpoint(self.endpoint, url, self.headers, body, redactor);
        *request.extensions_mut() = self.extensions;
        request.progress = self.progress;
        request.stream_response = stream_response;
        if let Some(token) = self.cancel {
            request.cancel.set_call(token);
        }
        Ok((self.client, request))
    }

    /// The URL a `#[url]` argument gave, checked again after the query was added.
    fn parse_url(&self) -> Result<Url> {
        // The URL itself is not shown: its query may carry secrets.
        Url::parse(&self.url).map_err(|e| {
            Error::invalid_request(format!(
                "the URL built for `{}` is not valid: {e}",
                self.endpoint.path_template()
            ))
        })
    }

    /// Sends the call and reads the reply as a `T`: the body whole, or handed over unread
    /// when `T` is a stream. Generated code passes `<T as FromReply>::RECEIVE` (named once, in a
    /// `const` the endpoint's static reads too), so a type that is no reply is reported once,
    /// at the user's return type, and `From::from` as `into_error`, so an error type without
    /// `From<ferrofit::Error>` is too.
    // Written out rather than `async fn`: generated code relies on the future being `Send` and
    // `'static`, and spelling it here makes a regression fail in this crate, not in users'.
    #[allow(clippy::manual_async_fn)]
    pub fn send<T: 'static, E: 'static>(
        self,
        receive: Receiving<T>,
        into_error: fn(Error) -> E,
    ) -> impl Future<Output = std::result::Result<T, E>> + Send + 'static {
        async move {
            let reply = async {
                let (client, request) = self.finish(receive.stream)?;
                let replay = receive.replays.then(|| request.clone());
                let response = exchange(&client, request).await?;
                let response = if receive.stream {
                    response
                } else {
                    let limit = client.max_response_size();
                    response.buffered(limit).await?.map(Received::Bytes)
                };
                (receive.from_reply)(response, &mut ReplyContext::new(client, replay))
            };
            reply.await.map_err(into_error)
        }
    }
}

/// Sends a request; an unsuccessful status becomes the error, with its body read (up to the
/// client's limit) even when the caller wanted a stream.
pub(crate) async fn exchange(client: &Client, request: Request) -> Result<Response<Received>> {
    let response = client.execute(request).await?;
    if response.status().is_success() {
        Ok(response)
    } else {
        let limit = client.max_response_size();
        Err(response.buffered(limit).await?.into_error())
    }
}

/// What `#[url]` asks for, resolved against the client's base.
fn resolve_url(base: &str, given: &str, redactor: &redact::Redactor) -> Result<Url> {
    let shown = || redactor.uri_text(given);
    let mut url = match Url::parse(given) {
        Ok(absolute) => absolute,
        Err(url::ParseError::RelativeUrlWithoutBase) => {
            let base = Url::parse(&format!("{base}/")).map_err(|e| {
                Error::invalid_request(format!("the base URL cannot resolve `#[url]`: {e}"))
            })?;
            base.join(given).map_err(|e| {
                Error::invalid_request(format!("`#[url]` `{}` is not a valid URL: {e}", shown()))
            })?
        }
        Err(e) => {
            return Err(Error::invalid_request(format!(
                "`#[url]` `{}` is not a valid URL: {e}",
                shown()
            )));
        }
    };
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Error::invalid_request(format!(
            "`#[url]` must be an http or https URL, not `{}:`",
            url.scheme()
        )));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(Error::invalid_request(format!(
            "`#[url]` `{}` has no host",
            shown()
        )));
    }
    url.set_fragment(None);
    Ok(url)
}

/// What a `#[cancel]` parameter may be.
pub trait CancelArg {
    /// The token, if any.
    fn into_token(self) -> Option<CancelToken>;
}

impl CancelArg for &CancelToken {
    fn into_token(self) -> Option<CancelToken> {
        Some(self.clone())
    }
}

impl CancelArg for CancelToken {
    fn into_token(self) -> Option<CancelToken> {
        Some(self)
    }
}

impl CancelArg for Option<&CancelToken> {
    fn into_token(self) -> Option<CancelToken> {
        self.cloned()
    }
}

impl CancelArg for Option<CancelToken> {
    fn into_token(self) -> Option<CancelToken> {
        self
    }
}

#[cfg(test)]
mod tests {
    use percent_encoding::percent_decode_str;
    use proptest::prelude::*;

    use super::*;
    use crate::test_strategies::hostile_text;

    static ENDPOINT: Endpoint = Endpoint::__new("Api", "get", "GET", "/x/<v>/y");

    // Building a client sets up TLS: once for all cases.
    static CLIENT: std::sync::LazyLock<Client> = std::sync::LazyLock::new(|| {
        Client::builder()
            .base_url("http://h.test/base")
            .build()
            .expect("client")
    });
    static BARE_CLIENT: std::sync::LazyLock<Client> = std::sync::LazyLock::new(|| {
        Client::builder()
            .base_url("http://h.test:8080")
            .build()
            .expect("client")
    });

    fn built(value: &str, encoded: bool) -> Result<Request> {
        let mut call = Call::new(&CLIENT, &ENDPOINT);
        call.literal("/x/");
        if encoded {
            call.path_encoded(&value);
        } else {
            call.path(&value);
        }
        call.literal("/y");
        call.finish(false).map(|(_, request)| request)
    }

    proptest! {
        /// The URL a call builds from the parsed base is the one parsing the whole text
        /// gives, whatever the values and whether the base has a path.
        #[test]
        fn the_url_built_on_the_parsed_base_is_the_parsed_text(
            value in hostile_text(),
            query in hostile_text(),
            base_has_path in any::<bool>(),
        ) {
            let client = if base_has_path { &*CLIENT } else { &*BARE_CLIENT };
            let mut call = Call::new(client, &ENDPOINT);
            call.literal("/x/");
            call.path_encoded(&value);
            call.query("q", &query.as_str());
            let text = call.url.clone();
            match call.finish(false) {
                Ok((_, request)) => {
                    let parsed = Url::parse(&text).expect("a URL that was built parses");
                    prop_assert_eq!(request.url().as_str(), parsed.as_str());
                }
                Err(error) => {
                    let invalid = matches!(error, Error::InvalidRequest { .. });
                    prop_assert!(invalid, "{:?}", error);
                }
            }
        }

        /// Any value is sent as exactly one segment that decodes back to it, or refused
        /// before sending when it is empty, `.` or `..`.
        #[test]
        fn a_path_value_is_one_segment_that_decodes_to_itself(value in hostile_text()) {
            match built(&value, false) {
                Ok(request) => {
                    let segments: Vec<&str> = request.url().path().split('/').collect();
                    prop_assert_eq!(segments.len(), 5, "{}", request.url());
                    prop_assert_eq!(&segments[..3], &["", "base", "x"]);
                    prop_assert_eq!(segments[4], "y");
                    let decoded = percent_decode_str(segments[3]).decode_utf8().expect("UTF-8");
                    prop_assert_eq!(decoded, value.as_str());
                    prop_assert!(!value.is_empty() && value != "." && value != "..");
                }
                Err(error) => {
                    let invalid = matches!(error, Error::InvalidRequest { .. });
                    prop_assert!(invalid, "{:?}", error);
                    prop_assert!(value.is_empty() || value == "." || value == "..", "{}", error);
                }
            }
        }

        /// A pre-encoded value may add segments, but never climbs out of its place in the
        /// template: what is sent starts with the literal before it.
        #[test]
        fn an_encoded_path_value_never_traverses(value in hostile_text()) {
            match built(&value, true) {
                Ok(request) => {
                    let path = request.url().path();
                    prop_assert!(path.starts_with("/base/x/"), "{}", path);
                    prop_assert!(path.ends_with("/y"), "{}", path);
                    for segment in path.split('/') {
                        let decoded = percent_decode_str(segment).decode_utf8_lossy();
                        prop_assert!(decoded != "." && decoded != "..", "{}", path);
                    }
                }
                // Refused, never sent: and refused as a request the caller built wrong.
                Err(error) => {
                    let invalid = matches!(error, Error::InvalidRequest { .. });
                    prop_assert!(invalid, "{:?}", error);
                }
            }
        }
    }
}

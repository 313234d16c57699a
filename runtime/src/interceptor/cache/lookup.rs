//! One call as the cache sees it — its partition, key and headers — and the store for its key:
//! load, save, remove, and serve what is stored.

use std::borrow::Cow;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, StatusCode, header};

use super::entry::{Entry, directive_seconds};
use super::view::RequestView;
use super::{CacheInterceptor, ResponseSource, keys};
use crate::request::Request;
use crate::response::RawResponse;

/// What the cache knows of one call.
pub(super) struct Call<'r> {
    pub(super) cache: &'r CacheInterceptor,
    pub(super) request: &'r Request,
    /// The partition the request fell in when it arrived.
    pub(super) partition: String,
    /// The URL as keys and stored requests write it.
    pub(super) url_key: String,
    /// The entry's key: partition and URL.
    key: String,
    /// The request headers as they will reach the network, as far as the cache can tell.
    pub(super) seen: Cow<'r, HeaderMap>,
    pub(super) max_stale: Option<Duration>,
}

impl<'r> Call<'r> {
    pub(super) fn new(
        cache: &'r CacheInterceptor,
        request: &'r Request,
        max_stale: Option<Duration>,
    ) -> Self {
        let settings = &cache.inner;
        let partition = settings.partition.name(request, &settings.hasher);
        let url_key = keys::url_key(request.url(), request.redactor(), &settings.hasher);
        Self {
            cache,
            request,
            key: format!("{partition}|{url_key}"),
            partition,
            url_key,
            seen: settings.partition.seen_headers(request),
            max_stale,
        }
    }

    /// The request as the rules see it next to a response with `response_headers`.
    pub(super) fn view_for(&self, response_headers: &HeaderMap) -> RequestView {
        RequestView::new(
            &self.url_key,
            &self.seen,
            response_headers,
            self.request.redactor(),
            &self.cache.inner.hasher,
        )
    }

    /// The stored entry, unless there is none, it cannot be read (another format, damage),
    /// or it has been stale for longer than `max_stale` (then it is purged).
    pub(super) async fn load(&self, now: SystemTime) -> Option<Entry> {
        let bytes = match self.cache.inner.store.get(&self.key).await {
            Ok(found) => found?,
            Err(error) => {
                warn(&error);
                return None;
            }
        };
        // Past `max_stale` an entry is kept only while the server's `stale-if-error` may
        // still let it answer an error.
        let usable = Entry::decode(&bytes).filter(|entry| {
            let staleness = entry.staleness(now);
            self.max_stale.is_none_or(|max| staleness <= max)
                || directive_seconds(&entry.headers, "stale-if-error")
                    .is_some_and(|limit| staleness <= limit)
        });
        if usable.is_none() {
            self.remove().await;
        }
        usable
    }

    /// Stores `entry`; whether the store took it.
    pub(super) async fn save(&self, entry: &Entry) -> bool {
        let store = &self.cache.inner.store;
        match store
            .put_expiring(&self.key, entry.encode(), self.useless_after(entry))
            .await
        {
            Ok(()) => true,
            Err(error) => {
                warn(&error);
                false
            }
        }
    }

    /// When `entry` can no longer answer anything: past its freshness, `max_stale` and the
    /// server's stale allowances. `None` without a `max_stale`: it may always serve offline.
    fn useless_after(&self, entry: &Entry) -> Option<SystemTime> {
        let allowance = ["stale-if-error", "stale-while-revalidate"]
            .iter()
            .filter_map(|name| directive_seconds(&entry.headers, name))
            .fold(self.max_stale?, Duration::max);
        entry.fresh_until.checked_add(allowance)
    }

    pub(super) async fn remove(&self) {
        if let Err(error) = self.cache.inner.store.remove(&self.key).await {
            warn(&error);
        }
    }

    /// What tells concurrent misses apart: the entry's key and every header the request
    /// will carry (hashed), so only requests that would get the same answer share one.
    pub(super) fn miss_key(&self) -> String {
        let mut lines: Vec<(&str, &[u8])> = self
            .seen
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_bytes()))
            .collect();
        lines.sort_unstable();
        let mut text = Vec::new();
        for (name, value) in lines {
            text.extend_from_slice(name.as_bytes());
            text.push(b':');
            text.extend_from_slice(value);
            text.push(b'\n');
        }
        let headers = self.cache.inner.hasher.digest("miss-headers", &text);
        format!("{}|{} {headers}", self.key, self.request.method())
    }

    /// The key of `url` in this call's partition.
    pub(super) fn key_of(&self, url: &url::Url) -> String {
        let settings = &self.cache.inner;
        let url_key = keys::url_key(url, self.request.redactor(), &settings.hasher);
        format!("{}|{url_key}", self.partition)
    }

    /// A stored response as the answer to this request (no body for HEAD), with the `Age` it
    /// has now; a conditional request that the stored validators satisfy gets `304 Not
    /// Modified`.
    pub(super) fn serve(
        &self,
        entry: &Entry,
        now: SystemTime,
        source: ResponseSource,
    ) -> RawResponse {
        let request = self.request;
        let headers = stored_headers(entry, now);
        let not_modified = validators_match(request.headers(), &headers);
        let (status, body) = if not_modified {
            (StatusCode::NOT_MODIFIED, Bytes::new())
        } else if request.method() == Method::HEAD {
            (entry.status, Bytes::new())
        } else {
            (entry.status, entry.body.clone())
        };
        let mut response = RawResponse::new(status, body);
        *response.headers_mut() = headers;
        let url = entry.url.as_deref().and_then(|url| url.parse().ok());
        response.set_url(url.unwrap_or_else(|| request.url().clone()));
        response.set_source(source);
        response
    }
}

pub(super) fn warn(error: &crate::error::BoxError) {
    tracing::warn!(error = %error, "ferrofit: the cache store failed; the network answers instead");
}

/// The stored headers with the `Age` the response has now.
fn stored_headers(entry: &Entry, now: SystemTime) -> HeaderMap {
    let mut headers = entry.headers.clone();
    let age = entry.semantics.age(now).as_secs();
    headers.insert(header::AGE, HeaderValue::from(age));
    headers
}

/// RFC 9110 §13.1: `If-None-Match` (weak comparison) decides when present; otherwise
/// `If-Modified-Since` against `Last-Modified`.
fn validators_match(request: &HeaderMap, stored: &HeaderMap) -> bool {
    if let Some(wanted) = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    {
        let Some(etag) = stored.get(header::ETAG).and_then(|v| v.to_str().ok()) else {
            return false;
        };
        let weak = |tag: &str| tag.trim().trim_start_matches("W/").to_owned();
        return wanted.trim() == "*" || wanted.split(',').any(|tag| weak(tag) == weak(etag));
    }
    let since = request
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| httpdate::parse_http_date(v.to_str().ok()?).ok());
    let modified = stored
        .get(header::LAST_MODIFIED)
        .and_then(|v| httpdate::parse_http_date(v.to_str().ok()?).ok());
    matches!((since, modified), (Some(since), Some(modified)) if modified <= since)
}

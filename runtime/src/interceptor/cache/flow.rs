//! What the cache does with one request: look up, serve, revalidate, fall back, store,
//! invalidate.

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::{HeaderValue, Method, StatusCode, Uri, header};
use http_cache_semantics::BeforeRequest;

use super::entry::{Entry, RequestView, directive_seconds, has_directive};
use super::rules;
use super::{CacheInterceptor, CacheOptions, CachePolicy, ResponseSource};
use crate::error::{Error, Result};
use crate::interceptor::Next;
use crate::request::Request;
use crate::response::RawResponse;

/// Statuses never stored: a partial body, and auth failures (never hidden behind a cached
/// answer, never replayed to another session).
const NEVER_STORED: [u16; 3] = [206, 401, 403];

pub(super) async fn handle(
    cache: &CacheInterceptor,
    request: Request,
    next: Next<'_>,
) -> Result<RawResponse> {
    let settings = &cache.inner;
    let mut options = request
        .extensions()
        .get::<CacheOptions>()
        .copied()
        .unwrap_or_default();
    if let Some(endpoint) = request.endpoint() {
        options = options.or(endpoint.cache());
    }
    let options = options.or(settings.defaults);
    let policy = options.get_policy().unwrap_or_default();
    let method = request.method().clone();
    let key = format!(
        "{}|{}",
        cache.partition_of(&request),
        without_fragment(request.url())
    );
    if is_unsafe(&method) {
        return invalidate_after(cache, request, next, &key).await;
    }
    if !matches!(method, Method::GET | Method::HEAD) {
        return next.run(request).await;
    }
    let lookup = Lookup {
        cache,
        key: &key,
        max_stale: options.get_max_stale(),
    };
    if policy == CachePolicy::NoCache {
        lookup.remove().await;
        return next.run(request).await;
    }
    let now = (settings.clock)();
    let stored = lookup.load(now).await;
    let view = RequestView {
        method: &Method::GET,
        uri: uri_of(&request),
        headers: request.headers(),
    };
    if let Some(entry) = &stored {
        let within_max_stale = options
            .get_max_stale()
            .is_none_or(|max| entry.staleness(now) <= max);
        let usable_stale = entry.is_fresh(now) || (within_max_stale && !forbids_stale(entry));
        match policy {
            CachePolicy::OnlyIfCached | CachePolicy::ForceCache if usable_stale => {
                let source = if entry.is_fresh(now) {
                    ResponseSource::Cache
                } else {
                    ResponseSource::StaleFallback
                };
                return Ok(serve(&request, entry, stored_headers(entry, now), source));
            }
            _ => {}
        }
    }
    if policy == CachePolicy::OnlyIfCached {
        return Err(Error::CacheMiss {
            message: "the policy is OnlyIfCached and no usable response is stored".to_owned(),
        });
    }
    let mut outgoing = request.clone();
    let mut revalidating = None;
    if policy == CachePolicy::Standard
        && let Some(entry) = &stored
    {
        match entry.semantics.before_request(&view, now) {
            // Served with the stored headers and our `Age`: the crate's copy rewrites `Date`.
            BeforeRequest::Fresh(_) => {
                let headers = stored_headers(entry, now);
                return Ok(serve(&request, entry, headers, ResponseSource::Cache));
            }
            BeforeRequest::Stale {
                request: parts,
                matches,
            } => {
                if matches {
                    *outgoing.headers_mut() = parts.headers;
                    revalidating = Some(entry);
                }
            }
        }
    }
    let result = next.run(outgoing).await;
    let fallback = |entry: &Entry| {
        may_serve_stale_on_error(entry, now, options.get_max_stale()).then(|| {
            serve(
                &request,
                entry,
                stored_headers(entry, now),
                ResponseSource::StaleFallback,
            )
        })
    };
    let response = match result {
        Err(error) => {
            let offline = matches!(error, Error::Network { .. } | Error::Timeout { .. });
            return match stored.as_ref().filter(|_| offline).and_then(fallback) {
                Some(stale) => Ok(stale),
                None => Err(error),
            };
        }
        Ok(response) => response,
    };
    let now = (settings.clock)();
    if let Some(entry) = revalidating
        && response.status() == StatusCode::NOT_MODIFIED
    {
        let headers = rules::merge_not_modified(&entry.headers, response.headers());
        // Freshness counts from the 304's date; the stored `Date` is what is served.
        let mut judged = headers.clone();
        if let Some(date) = response.headers().get(header::DATE) {
            judged.insert(header::DATE, date.clone());
        }
        if let Some(semantics) = rules::judge(&view, entry.status, &judged, now) {
            let refreshed = Entry {
                url: entry.url.clone(),
                status: entry.status,
                fresh_until: fresh_until(now, &semantics),
                headers,
                body: entry.body.clone(),
                semantics,
            };
            lookup.save(&refreshed).await;
            let headers = stored_headers(&refreshed, now);
            return Ok(serve(
                &request,
                &refreshed,
                headers,
                ResponseSource::Revalidated,
            ));
        }
    }
    if settings.error_codes.contains(&response.status().as_u16())
        && let Some(stale) = stored.as_ref().and_then(fallback)
    {
        return Ok(stale);
    }
    store_response(&lookup, policy, &request, &view, &response, now).await;
    Ok(response)
}

/// Stores `response` when the policy and the response allow it.
async fn store_response(
    lookup: &Lookup<'_>,
    policy: CachePolicy,
    request: &Request,
    view: &RequestView<'_>,
    response: &RawResponse,
    now: SystemTime,
) {
    let status = response.status();
    if request.method() == Method::HEAD
        || response.is_streamed()
        || NEVER_STORED.contains(&status.as_u16())
        || has_directive(response.headers(), "no-store")
        || has_directive(request.headers(), "no-store")
    {
        return;
    }
    let Some(semantics) = rules::judge(view, status, response.headers(), now) else {
        return;
    };
    let force = matches!(
        policy,
        CachePolicy::ForceCache | CachePolicy::RefreshForceCache
    ) && status.is_success();
    // Storable by the RFC is not enough for the plain policies: a response with neither
    // freshness nor a validator would only be served stale, offline, which the server never
    // allowed. The force policies store it on purpose.
    let useful = semantics.time_to_live(now) > Duration::ZERO
        || response.headers().contains_key(header::ETAG)
        || response.headers().contains_key(header::LAST_MODIFIED);
    if !((semantics.is_storable() && useful) || force) {
        return;
    }
    let entry = Entry {
        url: response
            .url()
            .map_or_else(|| request.url().to_string(), ToString::to_string),
        status,
        headers: rules::storable_headers(response.headers()),
        body: response.body().clone(),
        fresh_until: fresh_until(now, &semantics),
        semantics,
    };
    lookup.save(&entry).await;
}

/// A successful unsafe request invalidates what is stored for its URL, and for its `Location`
/// and `Content-Location` on the same origin (RFC 9111 §4.4).
async fn invalidate_after(
    cache: &CacheInterceptor,
    request: Request,
    next: Next<'_>,
    key: &str,
) -> Result<RawResponse> {
    let url = request.url().clone();
    let response = next.run(request).await?;
    let status = response.status();
    if status.is_success() || status.is_redirection() {
        let store = &cache.inner.store;
        let partition = key.split_once('|').map_or("", |(p, _)| p);
        let mut keys = vec![key.to_owned()];
        for name in [header::LOCATION, header::CONTENT_LOCATION] {
            let target = response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| url.join(v).ok())
                .filter(|target| target.origin() == url.origin());
            if let Some(target) = target {
                keys.push(format!("{partition}|{}", without_fragment(&target)));
            }
        }
        for key in keys {
            if let Err(error) = store.remove(&key).await {
                warn(&error);
            }
        }
    }
    Ok(response)
}

/// The store, for one key.
struct Lookup<'a> {
    cache: &'a CacheInterceptor,
    key: &'a str,
    max_stale: Option<Duration>,
}

impl Lookup<'_> {
    /// The stored entry, unless there is none, it cannot be read (another format, damage),
    /// or it has been stale for longer than `max_stale` (then it is purged).
    async fn load(&self, now: SystemTime) -> Option<Entry> {
        let bytes = match self.cache.inner.store.get(self.key).await {
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

    async fn save(&self, entry: &Entry) {
        if let Err(error) = self.cache.inner.store.put(self.key, entry.encode()).await {
            warn(&error);
        }
    }

    async fn remove(&self) {
        if let Err(error) = self.cache.inner.store.remove(self.key).await {
            warn(&error);
        }
    }
}

fn warn(error: &crate::error::BoxError) {
    tracing::warn!(error = %error, "ferrofit: the cache store failed; the network answers instead");
}

/// Whether the stored response forbids serving it stale, even offline.
fn forbids_stale(entry: &Entry) -> bool {
    ["must-revalidate", "no-cache", "proxy-revalidate"]
        .iter()
        .any(|directive| has_directive(&entry.headers, directive))
}

/// RFC 5861 and the client's `max_stale`: may a stale entry answer for a failed exchange?
fn may_serve_stale_on_error(entry: &Entry, now: SystemTime, max_stale: Option<Duration>) -> bool {
    if forbids_stale(entry) {
        return false;
    }
    let staleness = entry.staleness(now);
    let client_allows = max_stale.is_none_or(|max| staleness <= max);
    let server_allows =
        directive_seconds(&entry.headers, "stale-if-error").is_some_and(|limit| staleness <= limit);
    client_allows || server_allows
}

/// The stored headers with the `Age` the response has now.
fn stored_headers(entry: &Entry, now: SystemTime) -> http::HeaderMap {
    let mut headers = entry.headers.clone();
    let age = entry.semantics.age(now).as_secs();
    headers.insert(header::AGE, HeaderValue::from(age));
    headers
}

/// A stored response as the answer to `request` (no body for HEAD); a conditional request
/// that the stored validators satisfy gets `304 Not Modified`.
fn serve(
    request: &Request,
    entry: &Entry,
    headers: http::HeaderMap,
    source: ResponseSource,
) -> RawResponse {
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
    if let Ok(url) = entry.url.parse() {
        response.set_url(url);
    }
    response.set_source(source);
    response
}

/// RFC 9110 §13.1: `If-None-Match` (weak comparison) decides when present; otherwise
/// `If-Modified-Since` against `Last-Modified`.
fn validators_match(request: &http::HeaderMap, stored: &http::HeaderMap) -> bool {
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

fn is_unsafe(method: &Method) -> bool {
    !matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

fn without_fragment(url: &url::Url) -> &str {
    match url.as_str().split_once('#') {
        Some((before, _)) => before,
        None => url.as_str(),
    }
}

fn uri_of(request: &Request) -> Uri {
    without_fragment(request.url()).parse().unwrap_or_default()
}

/// Until when a response is fresh; a lifetime too long to add to `now` (a hostile
/// `max-age=18446744073709551615`) means "for as long as the clock counts".
fn fresh_until(now: SystemTime, semantics: &http_cache_semantics::CachePolicy) -> SystemTime {
    let lifetime = semantics.time_to_live(now);
    now.checked_add(lifetime)
        .unwrap_or_else(|| now + Duration::from_secs(100 * 365 * 24 * 3600))
}

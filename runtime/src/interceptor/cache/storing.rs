//! Whether a response is stored, and what of it: the cache's rules say whether it may be kept
//! at all; these say whether it may be kept *for this partition*, and clean it first.

use std::time::{Duration, SystemTime};

use http::{Method, StatusCode, header};

use super::entry::{Entry, has_directive};
use super::lookup::Call;
use super::partition::SHARED;
use super::{CachePolicy, keys, rules, view};
use crate::response::RawResponse;

/// Statuses never stored: a partial body, and auth failures (never hidden behind a cached
/// answer, never replayed to another session).
const NEVER_STORED: [u16; 3] = [206, 401, 403];

/// Stores `response` when the policy, the response and the partition allow it.
pub(super) async fn store_response(
    call: &Call<'_>,
    policy: CachePolicy,
    response: &RawResponse,
    now: SystemTime,
) -> bool {
    let request = call.request;
    let status = response.status();
    if request.method() == Method::HEAD
        || response.is_streamed()
        || NEVER_STORED.contains(&status.as_u16())
        || has_directive(response.headers(), "no-store")
        || has_directive(request.headers(), "no-store")
        || !belongs_to_partition(call, response)
    {
        return false;
    }
    let headers = rules::storable_headers(response.headers(), request.redactor());
    let view = call.view_for(&headers);
    let Some(semantics) = rules::judge(&view, status, &headers, now) else {
        return false;
    };
    let force = matches!(
        policy,
        CachePolicy::ForceCache | CachePolicy::RefreshForceCache
    ) && status.is_success();
    // Storable by the RFC is not enough for the plain policies: a response with neither
    // freshness nor a validator would only be served stale, offline, which the server never
    // allowed. The force policies store it on purpose.
    let useful = semantics.time_to_live(now) > Duration::ZERO
        || headers.contains_key(header::ETAG)
        || headers.contains_key(header::LAST_MODIFIED);
    if !((semantics.is_storable() && useful) || force) {
        return false;
    }
    let entry = Entry {
        url: redirected_url(call, response),
        status,
        headers,
        body: response.body().clone(),
        fresh_until: fresh_until(now, &semantics),
        semantics,
    };
    call.save(&entry).await
}

/// Whether what came back may be kept in the partition the request arrived in. Not when:
/// - the request carried credentials the cache did not see (an interceptor behind it added
///   them) and the partition is the shared one: another caller would be served it;
/// - the response varies on a header that was sent otherwise than the cache saw it: it could
///   not tell the requests apart later;
/// - the session changed during the call (a sign-out and another sign-in): the response was
///   fetched for whoever was signed in when the request left, not for this partition.
fn belongs_to_partition(call: &Call<'_>, response: &RawResponse) -> bool {
    let request = call.request;
    if let Some(sent) = response.sent_headers() {
        let redactor = request.redactor();
        let credentialed = sent
            .keys()
            .any(|name| redactor.is_secret_header(name.as_str()));
        if credentialed && call.partition == SHARED {
            return false;
        }
        if !view::varies_only_on_seen(response.headers(), &call.seen, sent) {
            return false;
        }
    }
    let settings = &call.cache.inner;
    settings.partition.name(request, &settings.hasher) == call.partition
}

/// Where a redirect led, as keys write URLs (no user info, secret query values as digests);
/// `None` when the response is the request URL's own.
fn redirected_url(call: &Call<'_>, response: &RawResponse) -> Option<String> {
    let request = call.request;
    let url = response.url().filter(|url| *url != request.url())?;
    Some(keys::url_key(
        url,
        request.redactor(),
        &call.cache.inner.hasher,
    ))
}

/// Until when a response is fresh; a lifetime too long to add to `now` (a hostile
/// `max-age=18446744073709551615`) means "for as long as the clock counts".
pub(super) fn fresh_until(
    now: SystemTime,
    semantics: &http_cache_semantics::CachePolicy,
) -> SystemTime {
    let lifetime = semantics.time_to_live(now);
    now.checked_add(lifetime)
        .unwrap_or_else(|| now + Duration::from_secs(100 * 365 * 24 * 3600))
}

/// After a successful unsafe request: removes what is stored for its URL, and for its
/// `Location` and `Content-Location` on the same origin (RFC 9111 §4.4).
pub(super) async fn invalidate(call: &Call<'_>, response: &RawResponse) {
    let status = response.status();
    if !(status.is_success() || status.is_redirection()) {
        return;
    }
    let url = call.request.url();
    let mut doomed = vec![call.key_of(url)];
    for name in [header::LOCATION, header::CONTENT_LOCATION] {
        let target = response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| url.join(v).ok())
            .filter(|target| target.origin() == url.origin());
        if let Some(target) = target {
            doomed.push(call.key_of(&target));
        }
    }
    for key in doomed {
        if let Err(error) = call.cache.inner.store.remove(&key).await {
            super::lookup::warn(&error);
        }
    }
}

/// Whether `method` changes what is stored for its URL.
pub(super) fn is_unsafe(method: &Method) -> bool {
    !matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

/// `NOT_MODIFIED` answering a revalidation: a stored entry with the refreshed headers.
pub(super) fn refreshed(
    call: &Call<'_>,
    entry: &Entry,
    not_modified: &RawResponse,
    now: SystemTime,
) -> Option<Entry> {
    if not_modified.status() != StatusCode::NOT_MODIFIED {
        return None;
    }
    let merged = rules::merge_not_modified(&entry.headers, not_modified.headers());
    let headers = rules::storable_headers(&merged, call.request.redactor());
    // Freshness counts from the 304's date; the stored `Date` is what is served.
    let mut judged = headers.clone();
    if let Some(date) = not_modified.headers().get(header::DATE) {
        judged.insert(header::DATE, date.clone());
    }
    let semantics = rules::judge(&call.view_for(&headers), entry.status, &judged, now)?;
    Some(Entry {
        url: entry.url.clone(),
        status: entry.status,
        fresh_until: fresh_until(now, &semantics),
        headers,
        body: entry.body.clone(),
        semantics,
    })
}

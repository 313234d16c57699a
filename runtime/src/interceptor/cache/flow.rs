//! What the cache does with one request: look up, serve, revalidate, fall back, store,
//! invalidate.

use std::sync::Arc;
use std::time::SystemTime;

use http::{HeaderMap, Method, StatusCode, header};
use http_cache_semantics::BeforeRequest;

use super::coalesce::{self, Landed, Turn};
use super::entry::{Entry, directive_seconds, has_directive};
use super::lookup::Call;
use super::rules;
use super::storing::{self, is_unsafe, store_response};
use super::{CacheInterceptor, CacheOptions, CachePolicy, ResponseSource};
use crate::error::{Error, Result};
use crate::interceptor::Next;
use crate::request::Request;
use crate::response::RawResponse;

pub(super) async fn handle(
    cache: &CacheInterceptor,
    request: Request,
    next: Next<'_>,
) -> Result<RawResponse> {
    let options = options_for(cache, &request);
    let policy = options.get_policy().unwrap_or_default();
    let method = request.method().clone();
    if !is_unsafe(&method) && !matches!(method, Method::GET | Method::HEAD) {
        return next.run(request).await;
    }
    let call = Call::new(cache, &request, options.get_max_stale());
    if is_unsafe(&method) {
        let response = next.run(request.clone()).await?;
        storing::invalidate(&call, &response).await;
        return Ok(response);
    }
    if policy == CachePolicy::NoCache {
        call.remove().await;
        return next.run(request.clone()).await;
    }
    let coalesced = policy == CachePolicy::Standard && !request.streams_response();
    loop {
        let now = (cache.inner.clock)();
        let stored = call.load(now).await;
        if let Some(answer) = answer_from_store(&call, policy, stored.as_ref(), now)? {
            return Ok(answer);
        }
        if let Some(entry) = stored.as_ref().filter(|entry| {
            coalesced
                && may_serve_while_revalidating(entry, now)
                && revalidate_later(&call, entry, next)
        }) {
            return Ok(call.serve(entry, now, ResponseSource::StaleWhileRevalidate));
        }
        if !coalesced {
            return fetch(&call, policy, stored.as_ref(), next).await.0;
        }
        match cache.inner.misses.turn(call.miss_key()) {
            Turn::Lead(leader) => {
                let (result, landed) = fetch(&call, policy, stored.as_ref(), next).await;
                leader.land(landed);
                return result;
            }
            Turn::Follow(flight) => match coalesce::follow(flight).await {
                // Read what the leader stored; if it is not fresh for this caller after all,
                // ask the network.
                Some(Landed::Stored) => {
                    let now = (cache.inner.clock)();
                    let stored = call.load(now).await;
                    if let Some(answer) = answer_from_store(&call, policy, stored.as_ref(), now)? {
                        return Ok(answer);
                    }
                    return fetch(&call, policy, stored.as_ref(), next).await.0;
                }
                Some(Landed::NotStored) => {
                    return fetch(&call, policy, stored.as_ref(), next).await.0;
                }
                Some(Landed::Failed(error)) => {
                    let now = (cache.inner.clock)();
                    return on_failure(&call, stored.as_ref(), error.duplicate(), now);
                }
                // The leader was cancelled: choose another.
                None => {}
            },
        }
    }
}

/// RFC 5861: whether `entry` is stale, but within its `stale-while-revalidate` window (and
/// nothing forbids serving it stale).
fn may_serve_while_revalidating(entry: &Entry, now: SystemTime) -> bool {
    !entry.is_fresh(now)
        && !forbids_stale(entry)
        && directive_seconds(&entry.headers, "stale-while-revalidate")
            .is_some_and(|window| entry.staleness(now) <= window)
}

/// Starts revalidating `entry` in the background, unless a fetch for this request is already
/// in flight (then that one refreshes it); `false` when there is no tokio runtime to run it
/// on (the caller then revalidates in line).
fn revalidate_later(call: &Call<'_>, entry: &Entry, next: Next<'_>) -> bool {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return false;
    };
    let Turn::Lead(leader) = call.cache.inner.misses.turn(call.miss_key()) else {
        return true;
    };
    let cache = call.cache.clone();
    let request = call.request.clone();
    let max_stale = call.max_stale;
    let entry = entry.clone();
    let partition = call.partition.clone();
    let rest = next.detach();
    runtime.spawn(async move {
        let call = Call::new(&cache, &request, max_stale);
        if call.partition != partition {
            // The session changed since the stale answer (a sign-out, another sign-in): the
            // request would go out with the new user's token and the old user's validators,
            // and a 304 would file the old user's entry under the new one.
            leader.land(Landed::NotStored);
            return;
        }
        let sent = std::sync::atomic::AtomicU32::new(0);
        let (_, landed) = fetch(&call, CachePolicy::Standard, Some(&entry), rest.next(&sent)).await;
        leader.land(landed);
    });
    true
}

/// What the store answers without the network: the policy's answer (`OnlyIfCached`,
/// `ForceCache`), or a fresh entry under `Standard`.
fn answer_from_store(
    call: &Call<'_>,
    policy: CachePolicy,
    stored: Option<&Entry>,
    now: SystemTime,
) -> Result<Option<RawResponse>> {
    if let Some(answer) = answer_by_policy(call, policy, stored, now)? {
        return Ok(Some(answer));
    }
    Ok(stored
        .filter(|entry| policy == CachePolicy::Standard && is_fresh_for(call, entry, now))
        // Served with the stored headers and our `Age`: the crate's copy rewrites `Date`.
        .map(|entry| call.serve(entry, now, ResponseSource::Cache)))
}

fn is_fresh_for(call: &Call<'_>, entry: &Entry, now: SystemTime) -> bool {
    matches!(
        entry
            .semantics
            .before_request(&call.view_for(&entry.headers), now),
        BeforeRequest::Fresh(_)
    )
}

/// Asks the network — revalidating `stored` when the rules allow — and stores what may be
/// kept. Returns the answer and what followers of this miss should do.
async fn fetch(
    call: &Call<'_>,
    policy: CachePolicy,
    stored: Option<&Entry>,
    next: Next<'_>,
) -> (Result<RawResponse>, Landed) {
    let now = (call.cache.inner.clock)();
    let mut outgoing = call.request.clone();
    // The cache learns what was sent, to keep only what belongs to this partition.
    outgoing.record_sent_headers = true;
    let revalidating =
        stored
            .filter(|_| policy == CachePolicy::Standard)
            .filter(|entry| {
                match entry
                    .semantics
                    .before_request(&call.view_for(&entry.headers), now)
                {
                    BeforeRequest::Stale {
                        request,
                        matches: true,
                    } => {
                        set_validators(outgoing.headers_mut(), &request.headers);
                        true
                    }
                    _ => false,
                }
            });
    let response = match next.run(outgoing.clone()).await {
        Ok(response) => response,
        Err(error) => {
            let landed = if is_offline(&error) {
                Landed::Failed(Arc::new(error.duplicate()))
            } else {
                Landed::NotStored
            };
            return (on_failure(call, stored, error, now), landed);
        }
    };
    let now = (call.cache.inner.clock)();
    if let Some(entry) = revalidating
        && response.status() == StatusCode::NOT_MODIFIED
    {
        return on_not_modified(call, entry, response, outgoing, next, now).await;
    }
    on_response(call, policy, stored, response, now).await
}

/// A `304` answering a revalidation. It refreshes the stored entry only if its validator
/// names that entry (RFC 9111 §4.3.4). Otherwise it answers the caller's own condition and
/// goes back to the caller as it is; or, if the condition was only ours, the response is
/// fetched again without one.
async fn on_not_modified(
    call: &Call<'_>,
    entry: &Entry,
    not_modified: RawResponse,
    mut outgoing: Request,
    next: Next<'_>,
    now: SystemTime,
) -> (Result<RawResponse>, Landed) {
    let callers_own = has_condition(call.request.headers());
    if rules::not_modified_selects(&entry.headers, not_modified.headers(), !callers_own)
        && let Some(refreshed) = storing::refreshed(call, entry, &not_modified, now)
    {
        call.save(&refreshed).await;
        return (
            Ok(call.serve(&refreshed, now, ResponseSource::Revalidated)),
            Landed::Stored,
        );
    }
    if callers_own {
        return (Ok(not_modified), Landed::NotStored);
    }
    for name in [header::IF_NONE_MATCH, header::IF_MODIFIED_SINCE] {
        outgoing.headers_mut().remove(name);
    }
    match next.run(outgoing).await {
        Ok(response) => on_response(call, CachePolicy::Standard, None, response, now).await,
        Err(error) => (Err(error), Landed::NotStored),
    }
}

/// A full response: the stale entry instead of an error status the cache falls back on, else
/// the response, stored if it may be.
async fn on_response(
    call: &Call<'_>,
    policy: CachePolicy,
    stored: Option<&Entry>,
    response: RawResponse,
    now: SystemTime,
) -> (Result<RawResponse>, Landed) {
    if call
        .cache
        .inner
        .error_codes
        .contains(&response.status().as_u16())
        && let Some(stale) = stored.and_then(|entry| fallback(call, entry, now))
    {
        return (Ok(stale), Landed::NotStored);
    }
    let landed = if store_response(call, policy, &response, now).await {
        Landed::Stored
    } else {
        Landed::NotStored
    };
    (Ok(response), landed)
}

/// A failed exchange: the stale entry when the network is unreachable and the rules allow it,
/// else the error.
fn on_failure(
    call: &Call<'_>,
    stored: Option<&Entry>,
    error: Error,
    now: SystemTime,
) -> Result<RawResponse> {
    let stale = stored.filter(|_| is_offline(&error));
    match stale.and_then(|entry| fallback(call, entry, now)) {
        Some(stale) => Ok(stale),
        None => Err(error),
    }
}

fn is_offline(error: &Error) -> bool {
    matches!(error, Error::Network { .. } | Error::Timeout { .. })
}

/// Whether the caller made the request conditional itself.
fn has_condition(headers: &HeaderMap) -> bool {
    headers.contains_key(header::IF_NONE_MATCH) || headers.contains_key(header::IF_MODIFIED_SINCE)
}

/// The options of this call: its own, else its endpoint's, else the cache's.
fn options_for(cache: &CacheInterceptor, request: &Request) -> CacheOptions {
    let mut options = request
        .extensions()
        .get::<CacheOptions>()
        .copied()
        .unwrap_or_default();
    if let Some(endpoint) = request.endpoint() {
        options = options.or(endpoint.cache());
    }
    options.or(cache.inner.defaults)
}

/// What `OnlyIfCached` and `ForceCache` answer without asking the network, if anything.
fn answer_by_policy(
    call: &Call<'_>,
    policy: CachePolicy,
    stored: Option<&Entry>,
    now: SystemTime,
) -> Result<Option<RawResponse>> {
    if let Some(entry) = stored {
        let within_max_stale = call.max_stale.is_none_or(|max| entry.staleness(now) <= max);
        let usable_stale = entry.is_fresh(now) || (within_max_stale && !forbids_stale(entry));
        if matches!(policy, CachePolicy::OnlyIfCached | CachePolicy::ForceCache) && usable_stale {
            let source = if entry.is_fresh(now) {
                ResponseSource::Cache
            } else {
                ResponseSource::StaleFallback
            };
            return Ok(Some(call.serve(entry, now, source)));
        }
    }
    if policy == CachePolicy::OnlyIfCached {
        return Err(Error::CacheMiss {
            message: "the policy is OnlyIfCached and no usable response is stored".to_owned(),
        });
    }
    Ok(None)
}

/// Puts the validators of a revalidation on the outgoing request. Only those: the rules built
/// their request from the cache's view, which holds digests in place of secret headers.
fn set_validators(outgoing: &mut HeaderMap, revalidation: &HeaderMap) {
    for name in [header::IF_NONE_MATCH, header::IF_MODIFIED_SINCE] {
        outgoing.remove(&name);
        for value in revalidation.get_all(&name) {
            outgoing.append(name.clone(), value.clone());
        }
    }
}

/// The stale entry as the answer to a failed exchange, if RFC 5861 and `max_stale` allow.
fn fallback(call: &Call<'_>, entry: &Entry, now: SystemTime) -> Option<RawResponse> {
    may_serve_stale_on_error(entry, now, call.max_stale)
        .then(|| call.serve(entry, now, ResponseSource::StaleFallback))
}

/// Whether the stored response forbids serving it stale, even offline.
fn forbids_stale(entry: &Entry) -> bool {
    ["must-revalidate", "no-cache", "proxy-revalidate"]
        .iter()
        .any(|directive| has_directive(&entry.headers, directive))
}

/// RFC 5861 and the client's `max_stale`: may a stale entry answer for a failed exchange?
fn may_serve_stale_on_error(
    entry: &Entry,
    now: SystemTime,
    max_stale: Option<std::time::Duration>,
) -> bool {
    if forbids_stale(entry) {
        return false;
    }
    let staleness = entry.staleness(now);
    let client_allows = max_stale.is_none_or(|max| staleness <= max);
    let server_allows =
        directive_seconds(&entry.headers, "stale-if-error").is_some_and(|limit| staleness <= limit);
    client_allows || server_allows
}

//! What the cache does with one request: look up, serve, revalidate, fall back, store,
//! invalidate.

use std::time::SystemTime;

use http::{HeaderMap, Method, header};
use http_cache_semantics::BeforeRequest;

use super::entry::{Entry, directive_seconds, has_directive};
use super::lookup::Call;
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
    let now = (cache.inner.clock)();
    let stored = call.load(now).await;
    if let Some(answer) = answer_by_policy(&call, policy, stored.as_ref(), now)? {
        return Ok(answer);
    }
    let mut outgoing = request.clone();
    // The cache learns what was sent, to keep only what belongs to this partition.
    outgoing.record_sent_headers = true;
    let mut revalidating = None;
    if policy == CachePolicy::Standard
        && let Some(entry) = &stored
    {
        match entry
            .semantics
            .before_request(&call.view_for(&entry.headers), now)
        {
            // Served with the stored headers and our `Age`: the crate's copy rewrites `Date`.
            BeforeRequest::Fresh(_) => return Ok(call.serve(entry, now, ResponseSource::Cache)),
            BeforeRequest::Stale { request, matches } => {
                if matches {
                    set_validators(outgoing.headers_mut(), &request.headers);
                    revalidating = Some(entry);
                }
            }
        }
    }
    let result = next.run(outgoing).await;
    let response = match result {
        Err(error) => {
            let offline = matches!(error, Error::Network { .. } | Error::Timeout { .. });
            let stale = stored.as_ref().filter(|_| offline);
            return match stale.and_then(|entry| fallback(&call, entry, now)) {
                Some(stale) => Ok(stale),
                None => Err(error),
            };
        }
        Ok(response) => response,
    };
    let now = (cache.inner.clock)();
    if let Some(refreshed) =
        revalidating.and_then(|entry| storing::refreshed(&call, entry, &response, now))
    {
        call.save(&refreshed).await;
        return Ok(call.serve(&refreshed, now, ResponseSource::Revalidated));
    }
    if cache
        .inner
        .error_codes
        .contains(&response.status().as_u16())
        && let Some(stale) = stored
            .as_ref()
            .and_then(|entry| fallback(&call, entry, now))
    {
        return Ok(stale);
    }
    store_response(&call, policy, &response, now).await;
    Ok(response)
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

//! Where RFC 9111 needs more than the `http-cache-semantics` crate gives, fixed on our side
//! before its rules run:
//!
//! - §5.1: an `Age` that is not one non-negative integer makes the response stale (the crate
//!   reads it as 0, which made such responses fresh).
//! - §5.2: directive names are case-insensitive (the crate matched `no-cache` exactly, so
//!   `No-Cache` was ignored).
//! - §3: any final status is storable with explicit freshness; the crate only knows a fixed
//!   list and treated, say, a `400` with `max-age` as never fresh. Unless `must-understand`
//!   is present, such a status is judged like `200`.
//! - §4.3.4: a `304` answering our own revalidation refreshes the stored headers, except the
//!   ones that describe the stored body or its identity (`ETag`, `Content-*`, `Date`).
//! - RFC 8246: `immutable` does not extend freshness (the crate gave it a day).

use std::time::{Duration, SystemTime};

use http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use http_cache_semantics::{CacheOptions as Rules, CachePolicy as Semantics};

use super::entry::{ResponseView, has_directive};
use super::view::RequestView;
use crate::redact::Redactor;

/// Statuses the crate judges itself.
const KNOWN_TO_THE_CRATE: [u16; 14] = [
    200, 203, 204, 300, 301, 302, 303, 307, 308, 404, 405, 410, 414, 501,
];

/// Headers a `304` never changes in the stored response.
const KEPT_FROM_STORED: [HeaderName; 6] = [
    header::ETAG,
    header::CONTENT_LENGTH,
    header::CONTENT_ENCODING,
    header::CONTENT_RANGE,
    header::DATE,
    HeaderName::from_static("content-md5"),
];

/// The headers of a response as they are stored (RFC 9111 §3.1): without the hop-by-hop ones,
/// those its `Connection` header names, and every header the client's redaction policy calls
/// secret — `Set-Cookie`, `Proxy-Authenticate` and `Proxy-Authentication-Info` (which §3.1
/// forbids storing) among them: nothing secret is at rest, nor replayed on a hit.
pub(super) fn storable_headers(headers: &HeaderMap, redactor: &Redactor) -> HeaderMap {
    let listed: Vec<String> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|name| name.trim().to_ascii_lowercase())
        .collect();
    let mut stored = headers.clone();
    for name in [
        "connection",
        "keep-alive",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    ]
    .into_iter()
    .chain(listed.iter().map(String::as_str))
    {
        stored.remove(name);
    }
    let secret: Vec<HeaderName> = stored
        .keys()
        .filter(|name| redactor.is_secret_header(name.as_str()))
        .cloned()
        .collect();
    for name in secret {
        stored.remove(name);
    }
    stored
}

/// The RFC state of a response received at `now`; `None` when a `must-understand` response
/// has a status we do not understand (then it must not be stored).
pub(super) fn judge(
    request: &RequestView,
    status: StatusCode,
    headers: &HeaderMap,
    now: SystemTime,
) -> Option<Semantics> {
    let headers = normalized(headers);
    let understood = status.canonical_reason().is_some();
    if has_directive(&headers, "must-understand") && !understood {
        return None;
    }
    let explicit = has_directive(&headers, "max-age")
        || has_directive(&headers, "public")
        || headers.contains_key(header::EXPIRES);
    let judged_status = if !KNOWN_TO_THE_CRATE.contains(&status.as_u16())
        && explicit
        && status.as_u16() >= 200
        && !matches!(status.as_u16(), 206 | 304)
    {
        StatusCode::OK
    } else {
        status
    };
    let rules = Rules {
        shared: false,
        immutable_min_time_to_live: Duration::ZERO,
        ..Rules::default()
    };
    let response = ResponseView {
        status: judged_status,
        headers: &headers,
    };
    Some(Semantics::new_options(request, &response, now, rules))
}

/// The stored headers updated from a `304` (RFC 9111 §3.2), keeping those that describe the
/// stored body.
pub(super) fn merge_not_modified(stored: &HeaderMap, not_modified: &HeaderMap) -> HeaderMap {
    let mut merged = stored.clone();
    for name in not_modified.keys() {
        if KEPT_FROM_STORED.contains(name) {
            continue;
        }
        merged.remove(name);
        for value in not_modified.get_all(name) {
            merged.append(name.clone(), value.clone());
        }
    }
    merged
}

/// Headers as the rules should read them: `Cache-Control` lower-cased, and an invalid `Age`
/// replaced by the largest age (RFC 9111 §1.2.2), so the response counts as stale.
fn normalized(headers: &HeaderMap) -> HeaderMap {
    let mut headers = headers.clone();
    let lowered: Vec<HeaderValue> = headers
        .get_all(header::CACHE_CONTROL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| HeaderValue::try_from(v.to_ascii_lowercase()).ok())
        .collect();
    if !lowered.is_empty() {
        headers.remove(header::CACHE_CONTROL);
        for value in lowered {
            headers.append(header::CACHE_CONTROL, value);
        }
    }
    let ages: Vec<&HeaderValue> = headers.get_all(header::AGE).iter().collect();
    let valid = match ages.as_slice() {
        [] => true,
        [one] => {
            let text = one.as_bytes();
            !text.is_empty() && text.iter().all(u8::is_ascii_digit)
        }
        _ => false,
    };
    if !valid {
        headers.insert(header::AGE, HeaderValue::from_static("2147483648"));
    }
    headers
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judged(status: u16, headers: &[(&'static str, &'static str)]) -> Option<Semantics> {
        let request = RequestView {
            method: http::Method::GET,
            uri: "http://h.test/".parse().unwrap(),
            headers: HeaderMap::new(),
        };
        let mut map = HeaderMap::new();
        for (n, v) in headers {
            map.append(*n, HeaderValue::from_static(v));
        }
        judge(
            &request,
            StatusCode::from_u16(status).unwrap(),
            &map,
            SystemTime::now(),
        )
    }

    fn ttl(semantics: &Semantics) -> u64 {
        semantics.time_to_live(SystemTime::now()).as_secs()
    }

    #[test]
    fn invalid_ages_make_a_response_stale_and_a_valid_one_counts() {
        for age in ["7200.0", "old", "-1", "0, 0", "3600 x"] {
            let s = judged(200, &[("cache-control", "max-age=3600"), ("age", age)]).unwrap();
            assert_eq!(ttl(&s), 0, "{age}");
        }
        let s = judged(200, &[("cache-control", "max-age=3600"), ("age", "600")]).unwrap();
        assert!((2990..=3000).contains(&ttl(&s)));
    }

    #[test]
    fn directives_are_case_insensitive_and_any_final_status_can_be_fresh() {
        let s = judged(200, &[("cache-control", "Max-Age=60, No-CaChE")]).unwrap();
        assert_eq!(ttl(&s), 0, "no-cache");
        let s = judged(400, &[("cache-control", "max-age=60")]).unwrap();
        assert!(ttl(&s) > 0 && s.is_storable());
        let s = judged(599, &[("cache-control", "max-age=60")]).unwrap();
        assert!(ttl(&s) > 0);
        assert!(judged(599, &[("cache-control", "max-age=60, must-understand")]).is_none());
    }

    #[test]
    fn secret_and_hop_by_hop_headers_are_never_stored() {
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("set-cookie", "sid=s3cr3t"),
            ("proxy-authenticate", "Basic realm=x"),
            ("proxy-authentication-info", "nextnonce=n"),
            ("x-subject-token", "t0k3n"),
            ("connection", "x-hop"),
            ("x-hop", "1"),
            ("etag", "\"v1\""),
            ("content-type", "application/json"),
        ] {
            headers.append(name, HeaderValue::from_static(value));
        }
        let stored = storable_headers(&headers, &Redactor::new());
        let mut names: Vec<&str> = stored.keys().map(HeaderName::as_str).collect();
        names.sort_unstable();
        assert_eq!(names, ["content-type", "etag"]);
    }

    #[test]
    fn a_304_keeps_what_describes_the_stored_body() {
        let mut stored = HeaderMap::new();
        stored.insert("etag", HeaderValue::from_static("\"a\""));
        stored.insert("date", HeaderValue::from_static("old"));
        stored.insert("x-version", HeaderValue::from_static("1"));
        let mut not_modified = HeaderMap::new();
        not_modified.insert("etag", HeaderValue::from_static("\"b\""));
        not_modified.insert("date", HeaderValue::from_static("new"));
        not_modified.insert("x-version", HeaderValue::from_static("2"));
        let merged = merge_not_modified(&stored, &not_modified);
        assert_eq!(merged["etag"], "\"a\"");
        assert_eq!(merged["date"], "old");
        assert_eq!(merged["x-version"], "2");
    }
}

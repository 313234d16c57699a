//! Where RFC 9111 needs more than the `http-cache-semantics` crate gives, fixed on our side
//! before its rules run:
//!
//! - §5.1: `Age` is the first member of its lines taken as one list; a value that is not a
//!   non-negative integer is ignored (the crate read it as 0 only sometimes).
//! - §5.3: an `Expires` that is not an HTTP-date is already expired, and the RFC 850 and
//!   asctime forms are read (the crate's RFC 2822 parser took `Thu, 18  Aug  2050` as a date
//!   and refused the older forms).
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

/// Whether a `304` selects the stored response for update (RFC 9111 §4.3.4): its strong
/// `ETag` is the stored one; or its weak one matches the stored one by weak comparison; or,
/// without an `ETag`, its `Last-Modified` is the stored one; or it carries no validator, and
/// the revalidation asked only with the stored response's validators (`ours_only`), so the
/// answer can be about nothing else.
pub(super) fn not_modified_selects(
    stored: &HeaderMap,
    not_modified: &HeaderMap,
    ours_only: bool,
) -> bool {
    fn text(headers: &HeaderMap, name: HeaderName) -> Option<&str> {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    }
    if let Some(etag) = text(not_modified, header::ETAG) {
        let Some(stored_etag) = text(stored, header::ETAG) else {
            return false;
        };
        return match etag.strip_prefix("W/") {
            None => etag == stored_etag,
            Some(weak) => weak == stored_etag.trim_start_matches("W/"),
        };
    }
    if let Some(modified) = text(not_modified, header::LAST_MODIFIED) {
        return text(stored, header::LAST_MODIFIED) == Some(modified);
    }
    ours_only
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

/// Headers as the rules should read them: `Cache-Control` lower-cased, `Age` as its first
/// member or not at all, `Expires` as an IMF-fixdate or already expired.
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
    match first_age(&headers) {
        Some(age) => headers.insert(header::AGE, age),
        None => headers.remove(header::AGE),
    };
    if let Some(expires) = headers.get(header::EXPIRES) {
        let expires = canonical_expires(expires);
        headers.insert(header::EXPIRES, expires);
    }
    headers
}

/// The `Age` to judge by (RFC 9111 §5.1): the first member of the field's lines taken as one
/// list, when it is a non-negative integer (parameters after `;` aside); ages past 2^31
/// seconds are that. `None` — the field is ignored — for any other value.
fn first_age(headers: &HeaderMap) -> Option<HeaderValue> {
    let first_line = headers.get(header::AGE)?.to_str().ok()?;
    let member = first_line.split(',').next()?;
    let member = member.split(';').next()?.trim();
    if member.is_empty() || !member.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    const LARGEST: &str = "2147483648";
    let capped = match member.trim_start_matches('0') {
        "" => "0",
        digits
            if digits.len() > LARGEST.len()
                || (digits.len() == LARGEST.len() && digits > LARGEST) =>
        {
            LARGEST
        }
        digits => digits,
    };
    HeaderValue::try_from(capped).ok()
}

/// An HTTP-date as `httpdate` reads it, forgiving what carries no meaning: the case of names
/// (`THU`, `AUG`, `gMT`) and a weekday that does not match the date (it is redundant). Layout
/// mistakes — extra spaces, a missing comma, dashes in an IMF-fixdate — are still refused.
fn lenient_http_date(text: &str) -> Option<SystemTime> {
    const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const LONG_WEEKDAYS: [&str; 7] = [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    if let Ok(at) = httpdate::parse_http_date(text) {
        return Some(at);
    }
    // Names in their canonical case, token by token; separators are kept as they are.
    let mut canonical = String::with_capacity(text.len());
    let mut weekday_at = None;
    for (index, token) in text.split_inclusive([' ', ',', '-']).enumerate() {
        let word = token.trim_end_matches([' ', ',', '-']);
        let rest = &token[word.len()..];
        let known = WEEKDAYS
            .iter()
            .chain(&LONG_WEEKDAYS)
            .chain(&MONTHS)
            .chain(&["GMT"])
            .find(|name| name.eq_ignore_ascii_case(word));
        if index == 0 && known.is_some_and(|name| !MONTHS.contains(name)) {
            weekday_at = Some(word.len());
        }
        canonical.push_str(known.copied().unwrap_or(word));
        canonical.push_str(rest);
    }
    if let Ok(at) = httpdate::parse_http_date(&canonical) {
        return Some(at);
    }
    // The weekday is redundant: try the date with each one in its place.
    let weekday_len = weekday_at?;
    let names: &[&str] = if weekday_len > 3 {
        &LONG_WEEKDAYS
    } else {
        &WEEKDAYS
    };
    names.iter().find_map(|weekday| {
        httpdate::parse_http_date(&format!("{weekday}{}", &canonical[weekday_len..])).ok()
    })
}

/// `Expires` (RFC 9111 §5.3) as the rules' parser reads it: any HTTP-date form `httpdate`
/// accepts (IMF-fixdate, RFC 850, asctime) rewritten as an IMF-fixdate; anything else —
/// `0`, a misspelt date — as a time in the past, "already expired".
fn canonical_expires(expires: &HeaderValue) -> HeaderValue {
    let parsed = expires
        .to_str()
        .ok()
        .and_then(|text| lenient_http_date(text.trim()));
    let at = parsed.unwrap_or(std::time::UNIX_EPOCH);
    HeaderValue::try_from(httpdate::fmt_http_date(at))
        .unwrap_or(HeaderValue::from_static("Thu, 01 Jan 1970 00:00:00 GMT"))
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
    fn the_first_age_member_counts_and_an_invalid_age_is_ignored() {
        let max_age = ("cache-control", "max-age=3600");
        // Ignored: the response is as fresh as its max-age.
        for age in ["abc", "-7200", "7200.0", ""] {
            let s = judged(200, &[max_age, ("age", age)]).unwrap();
            assert!(ttl(&s) >= 3599, "Age {age:?} is ignored");
        }
        // The first member of the first line, as one list.
        for (lines, fresh) in [
            (&["0, 7200"][..], true),
            (&["7200, 0"], false),
            (&["0", "7200"], true),
            (&["7200", "0"], false),
            (&["0, 0"], true),
            (&["600", "600"], true),
            (&["7200;foo=bar"], false),
        ] {
            let mut headers = vec![max_age];
            headers.extend(lines.iter().map(|line| ("age", *line)));
            let s = judged(200, &headers).unwrap();
            assert_eq!(ttl(&s) > 0, fresh, "Age lines {lines:?}");
        }
        for large in [
            "2147483647",
            "2147483648",
            "2147483649",
            "99999999999999999999",
        ] {
            let s = judged(200, &[max_age, ("age", large)]).unwrap();
            assert_eq!(ttl(&s), 0, "Age {large}");
        }
        let s = judged(200, &[max_age, ("age", "600")]).unwrap();
        assert!((2990..=3000).contains(&ttl(&s)));
    }

    #[test]
    fn an_expires_that_is_no_http_date_is_already_expired() {
        let future = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(3600));
        let future: &'static str = Box::leak(future.into_boxed_str());
        let s = judged(200, &[("expires", future)]).unwrap();
        assert!(ttl(&s) > 3000, "a valid Expires gives freshness");
        for invalid in [
            "0",
            "Thu, 18  Aug  2050 02:01:18 GMT",
            "Thu 18 Aug 2050 02:01:18 GMT",
            "Thu, 18-Aug-2050 02:01:18 GMT",
        ] {
            let s = judged(200, &[("expires", invalid)]).unwrap();
            assert_eq!(ttl(&s), 0, "Expires {invalid:?}");
        }
        // The other HTTP-date forms are read.
        for other_form in [
            "Thursday, 18-Aug-50 02:01:18 GMT",
            "Thu Aug 18 02:01:18 2050",
        ] {
            let s = judged(200, &[("expires", other_form)]).unwrap();
            assert!(ttl(&s) > 3000, "Expires {other_form:?}");
        }
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
    fn a_304_updates_only_the_response_its_validator_names() {
        let stored = headers(&[
            ("etag", "\"stored\""),
            ("last-modified", "Tue, 01 Dec 2026 00:00:00 GMT"),
        ]);
        let selects = |answer: &[(&'static str, &'static str)], ours_only| {
            not_modified_selects(&stored, &headers(answer), ours_only)
        };
        assert!(selects(&[("etag", "\"stored\"")], false));
        assert!(
            selects(&[("etag", "W/\"stored\"")], false),
            "weak comparison"
        );
        assert!(
            !selects(&[("etag", "\"client\"")], true),
            "the caller's validator"
        );
        assert!(selects(
            &[("last-modified", "Tue, 01 Dec 2026 00:00:00 GMT")],
            false
        ));
        assert!(!selects(
            &[("last-modified", "Wed, 02 Dec 2026 00:00:00 GMT")],
            true
        ));
        assert!(
            selects(&[], true),
            "no validator: ours was the only question"
        );
        assert!(
            !selects(&[], false),
            "no validator: it may answer the caller's"
        );
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(n, v)| (HeaderName::from_static(n), HeaderValue::from_static(v)))
            .collect()
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

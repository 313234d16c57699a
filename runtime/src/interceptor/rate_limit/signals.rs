//! What a server says about its rate limit, in the forms APIs send:
//!
//! - `Retry-After` (RFC 9110 §10.2.3), on any status: delta-seconds or an HTTP date;
//! - the IETF `RateLimit` field of draft-ietf-httpapi-ratelimit-headers ≥ 08 (a structured
//!   list: `"default";r=0;t=30`, `r` remaining, `t` seconds to reset), and the draft-07
//!   dictionary (`limit=100, remaining=0, reset=30`), both parsed with `sfv`;
//! - the older separate fields `RateLimit-Remaining` / `RateLimit-Reset` (seconds);
//! - `X-RateLimit-Remaining` / `X-RateLimit-Reset` (GitHub, Twitter, many others), whose
//!   reset is a Unix time when it is that large, else seconds.
//!
//! Everything here is untrusted server data: unparsable values are ignored, huge ones
//! saturate, and nothing panics.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::HeaderMap;
use http::header::RETRY_AFTER;

/// A reset this far from zero is a Unix time, not a number of seconds (2001-09-09).
const UNIX_TIME_FLOOR: u64 = 1_000_000_000;

/// What a response says of the server's limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Quota {
    /// Requests left in the current window.
    pub(crate) remaining: u64,
    /// Until the window resets.
    pub(crate) reset: Duration,
}

/// The wait `Retry-After` asks for, as delta-seconds or an HTTP date (a date in the past is
/// no wait).
pub(crate) fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or_default())
}

/// The tightest quota the response declares, in any of the forms above.
pub(crate) fn quota(headers: &HeaderMap, now: SystemTime) -> Option<Quota> {
    let mut found: Vec<Quota> = Vec::new();
    for value in headers.get_all("ratelimit") {
        found.extend(structured(value.as_bytes()));
    }
    found.extend(separate(
        headers,
        "ratelimit-remaining",
        "ratelimit-reset",
        now,
    ));
    found.extend(separate(
        headers,
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
        now,
    ));
    found
        .into_iter()
        .min_by_key(|quota| (quota.remaining, std::cmp::Reverse(quota.reset)))
}

/// How long the response says no request will be accepted: its `Retry-After`, or the reset
/// of a quota with nothing remaining.
pub(crate) fn wait(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    retry_after(headers, now).or_else(|| {
        quota(headers, now)
            .filter(|quota| quota.remaining == 0)
            .map(|quota| quota.reset)
    })
}

/// The quotas of one `RateLimit` field: the list of draft 08 and later, or the dictionary of
/// draft 07.
fn structured(value: &[u8]) -> Vec<Quota> {
    let seconds = |item: Option<&sfv::BareItem>| {
        let value = i64::from(item?.as_integer()?);
        u64::try_from(value).ok()
    };
    if let Ok(list) = sfv::Parser::new(value).parse::<sfv::List>() {
        return list
            .iter()
            .filter_map(|entry| match entry {
                sfv::ListEntry::Item(item) => Some(item),
                sfv::ListEntry::InnerList(_) => None,
            })
            .filter_map(|item| {
                Some(Quota {
                    remaining: seconds(item.params.get("r"))?,
                    reset: Duration::from_secs(seconds(item.params.get("t")).unwrap_or(0)),
                })
            })
            .collect();
    }
    let Ok(dictionary) = sfv::Parser::new(value).parse::<sfv::Dictionary>() else {
        return Vec::new();
    };
    let member = |name: &str| match dictionary.get(name) {
        Some(sfv::ListEntry::Item(item)) => seconds(Some(&item.bare_item)),
        _ => None,
    };
    member("remaining")
        .map(|remaining| Quota {
            remaining,
            reset: Duration::from_secs(member("reset").unwrap_or(0)),
        })
        .into_iter()
        .collect()
}

/// A quota from a pair of integer fields.
fn separate(headers: &HeaderMap, remaining: &str, reset: &str, now: SystemTime) -> Option<Quota> {
    let number = |name: &str| -> Option<u64> {
        let text = headers.get(name)?.to_str().ok()?.trim();
        // Some servers send a decimal reset (`1.5`): round it up.
        match text.split_once('.') {
            Some((whole, fraction)) if fraction.bytes().all(|b| b.is_ascii_digit()) => whole
                .parse::<u64>()
                .ok()
                .map(|w| w.saturating_add(u64::from(fraction.bytes().any(|b| b != b'0')))),
            _ => text.parse().ok(),
        }
    };
    let remaining = number(remaining)?;
    let reset = number(reset).map_or(Duration::ZERO, |value| {
        if value >= UNIX_TIME_FLOOR {
            // A time too far to represent is as good as never.
            UNIX_EPOCH
                .checked_add(Duration::from_secs(value))
                .map_or(Duration::MAX, |at| {
                    at.duration_since(now).unwrap_or_default()
                })
        } else {
            Duration::from_secs(value)
        }
    });
    Some(Quota { remaining, reset })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(name, value)| (http::HeaderName::from_static(name), value.parse().unwrap()))
            .collect()
    }

    const NOW: Duration = Duration::from_secs(1_700_000_000);

    fn now() -> SystemTime {
        UNIX_EPOCH + NOW
    }

    #[test]
    fn retry_after_reads_seconds_and_dates_on_any_status() {
        assert_eq!(
            retry_after(&headers(&[("retry-after", "7")]), now()),
            Some(Duration::from_secs(7))
        );
        let date = httpdate::fmt_http_date(now() + Duration::from_secs(60));
        assert_eq!(
            retry_after(&headers(&[("retry-after", &date)]), now()),
            Some(Duration::from_secs(60))
        );
        let past = httpdate::fmt_http_date(now() - Duration::from_secs(60));
        assert_eq!(
            retry_after(&headers(&[("retry-after", &past)]), now()),
            Some(Duration::ZERO)
        );
        assert_eq!(
            retry_after(&headers(&[("retry-after", "soon")]), now()),
            None
        );
    }

    #[test]
    fn every_form_of_rate_limit_field_is_read() {
        let cases: [(&[(&'static str, &str)], Quota); 6] = [
            // draft-ietf-httpapi-ratelimit-headers-09 and later: the tightest policy wins.
            (
                &[("ratelimit", r#""hour";r=40;t=3000, "minute";r=0;t=12"#)],
                Quota {
                    remaining: 0,
                    reset: Duration::from_secs(12),
                },
            ),
            // draft 07, as express-rate-limit sends it.
            (
                &[("ratelimit", "limit=100, remaining=3, reset=30")],
                Quota {
                    remaining: 3,
                    reset: Duration::from_secs(30),
                },
            ),
            (
                &[("ratelimit-remaining", "0"), ("ratelimit-reset", "5")],
                Quota {
                    remaining: 0,
                    reset: Duration::from_secs(5),
                },
            ),
            // GitHub: a Unix time.
            (
                &[
                    ("x-ratelimit-remaining", "0"),
                    ("x-ratelimit-reset", "1700000042"),
                ],
                Quota {
                    remaining: 0,
                    reset: Duration::from_secs(42),
                },
            ),
            (
                &[("x-ratelimit-remaining", "9"), ("x-ratelimit-reset", "1.2")],
                Quota {
                    remaining: 9,
                    reset: Duration::from_secs(2),
                },
            ),
            // A reset already past is no wait.
            (
                &[
                    ("x-ratelimit-remaining", "0"),
                    ("x-ratelimit-reset", "1600000000"),
                ],
                Quota {
                    remaining: 0,
                    reset: Duration::ZERO,
                },
            ),
        ];
        for (pairs, expected) in cases {
            assert_eq!(quota(&headers(pairs), now()), Some(expected), "{pairs:?}");
        }
    }

    #[test]
    fn a_used_up_quota_is_a_wait_and_retry_after_comes_first() {
        let used_up = headers(&[
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "1700000030"),
        ]);
        assert_eq!(wait(&used_up, now()), Some(Duration::from_secs(30)));
        let left = headers(&[
            ("x-ratelimit-remaining", "1"),
            ("x-ratelimit-reset", "1700000030"),
        ]);
        assert_eq!(wait(&left, now()), None);
        let both = headers(&[("retry-after", "3"), ("ratelimit", r#""d";r=0;t=50"#)]);
        assert_eq!(wait(&both, now()), Some(Duration::from_secs(3)));
    }

    #[test]
    fn hostile_values_are_ignored_not_a_panic() {
        for value in [
            "",
            "r=-1",
            r#""d";r=-5;t=9"#,
            "(1 2);r=0",
            "remaining=?1",
            "\"unterminated",
            "d;r=99999999999999999999",
        ] {
            let _ = quota(&headers(&[("ratelimit", value)]), now());
        }
        assert_eq!(
            quota(&headers(&[("x-ratelimit-remaining", "-1")]), now()),
            None
        );
        let far = headers(&[
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "18446744073709551615"),
        ]);
        assert!(quota(&far, now()).is_some());
    }
}

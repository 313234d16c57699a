//! A stored response and its encoding in a store: a magic tag with the format version, the
//! metadata as JSON, then the body. An entry of another version decodes as nothing, so a
//! format change drops old entries instead of failing.
//!
//! What is in it was cleaned before: headers without secrets, the RFC state built from a
//! [`RequestView`](super::view::RequestView), a final URL only after a redirect, and then
//! without secrets.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::{BufMut, Bytes, BytesMut};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use http_cache_semantics::{CachePolicy as Semantics, ResponseLike};
use serde::{Deserialize, Serialize};

/// `FFC` and the format version. Version 1 kept request headers and URLs with their secrets.
const MAGIC: &[u8; 4] = b"FFC\x02";

/// One stored response.
#[derive(Clone)]
pub(crate) struct Entry {
    /// Where a redirect led, without secrets; `None` when the response is the request URL's.
    pub(crate) url: Option<String>,
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    /// The RFC 9111 state: stored request headers (for `Vary`), response time, directives.
    pub(crate) semantics: Semantics,
    /// Until when the response is fresh, as computed when it was stored or last revalidated.
    pub(crate) fresh_until: SystemTime,
}

#[derive(Serialize, Deserialize)]
struct Meta {
    url: Option<String>,
    status: u16,
    headers: Vec<(String, Vec<u8>)>,
    semantics: Semantics,
    fresh_until_ms: u64,
}

impl Entry {
    /// How long the response has been stale at `now` (zero while fresh).
    pub(crate) fn staleness(&self, now: SystemTime) -> Duration {
        now.duration_since(self.fresh_until).unwrap_or_default()
    }

    pub(crate) fn is_fresh(&self, now: SystemTime) -> bool {
        now < self.fresh_until
    }

    pub(crate) fn encode(&self) -> Bytes {
        let meta = Meta {
            url: self.url.clone(),
            status: self.status.as_u16(),
            headers: self
                .headers
                .iter()
                .map(|(n, v)| (n.as_str().to_owned(), v.as_bytes().to_vec()))
                .collect(),
            semantics: self.semantics.clone(),
            fresh_until_ms: self
                .fresh_until
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
        };
        // Serializing plain data to JSON cannot fail; an empty meta would decode as nothing.
        let meta = serde_json::to_vec(&meta).unwrap_or_default();
        let mut out = BytesMut::with_capacity(8 + meta.len() + self.body.len());
        out.put_slice(MAGIC);
        out.put_u32_le(u32::try_from(meta.len()).unwrap_or(u32::MAX));
        out.put_slice(&meta);
        out.put_slice(&self.body);
        out.freeze()
    }

    /// The entry, or `None` for another format version or damaged bytes.
    pub(crate) fn decode(bytes: &Bytes) -> Option<Self> {
        let rest = bytes.strip_prefix(MAGIC.as_slice())?;
        let len = usize::try_from(u32::from_le_bytes(rest.get(..4)?.try_into().ok()?)).ok()?;
        // Checked: on a 32-bit target a damaged length near `u32::MAX` would wrap around.
        let meta_end = len.checked_add(4)?;
        let meta: Meta = serde_json::from_slice(rest.get(4..meta_end)?).ok()?;
        let body_start = meta_end.checked_add(MAGIC.len())?;
        let mut headers = HeaderMap::with_capacity(meta.headers.len());
        for (name, value) in meta.headers {
            headers.append(
                HeaderName::try_from(name).ok()?,
                HeaderValue::try_from(value).ok()?,
            );
        }
        Some(Self {
            url: meta.url,
            status: StatusCode::from_u16(meta.status).ok()?,
            headers,
            body: bytes.slice(body_start..),
            semantics: meta.semantics,
            fresh_until: UNIX_EPOCH
                .checked_add(Duration::from_millis(meta.fresh_until_ms))
                .unwrap_or(UNIX_EPOCH),
        })
    }
}

/// A response as the RFC rules see it.
pub(crate) struct ResponseView<'a> {
    pub(crate) status: StatusCode,
    pub(crate) headers: &'a HeaderMap,
}

impl ResponseLike for ResponseView<'_> {
    fn status(&self) -> StatusCode {
        self.status
    }

    fn headers(&self) -> &HeaderMap {
        self.headers
    }
}

/// The `Cache-Control` directives of `headers`, lower-cased, with their values.
pub(crate) fn directives(
    headers: &HeaderMap,
) -> impl Iterator<Item = (String, Option<String>)> + '_ {
    headers
        .get_all(http::header::CACHE_CONTROL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|directive| {
            let directive = directive.trim();
            let (name, value) = match directive.split_once('=') {
                Some((n, v)) => (n.trim(), Some(v.trim().trim_matches('"').to_owned())),
                None => (directive, None),
            };
            (!name.is_empty()).then(|| (name.to_ascii_lowercase(), value))
        })
}

/// Whether `headers` carry the directive `name`.
pub(crate) fn has_directive(headers: &HeaderMap, name: &str) -> bool {
    directives(headers).any(|(n, _)| n == name)
}

/// The seconds of directive `name` (`stale-if-error=60`), if present and valid.
pub(crate) fn directive_seconds(headers: &HeaderMap, name: &str) -> Option<Duration> {
    directives(headers)
        .find(|(n, _)| n == name)
        .and_then(|(_, v)| v?.parse::<u64>().ok())
        .map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_damaged_meta_length_is_no_entry_rather_than_a_panic() {
        for len in [u32::MAX, u32::MAX - 3, u32::MAX - 4, 1 << 31] {
            let mut bytes = MAGIC.to_vec();
            bytes.extend_from_slice(&len.to_le_bytes());
            bytes.extend_from_slice(b"{}");
            assert!(Entry::decode(&Bytes::from(bytes)).is_none(), "length {len}");
        }
    }

    fn entry() -> Entry {
        let request = http::Request::get("https://h.test/a").body(()).unwrap();
        let response = http::Response::builder()
            .header("cache-control", "max-age=60, stale-if-error=30")
            .header("etag", "\"v1\"")
            .body(())
            .unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("etag", HeaderValue::from_static("\"v1\""));
        headers.insert("x-bin", HeaderValue::from_bytes(b"caf\xe9").unwrap());
        Entry {
            url: Some("https://h.test/b".into()),
            status: StatusCode::OK,
            headers,
            body: Bytes::from_static(b"{\"a\":1}"),
            semantics: Semantics::new(&request, &response),
            fresh_until: UNIX_EPOCH + Duration::from_secs(1_000),
        }
    }

    #[test]
    fn an_entry_round_trips_and_other_formats_decode_as_nothing() {
        let encoded = entry().encode();
        let decoded = Entry::decode(&encoded).unwrap();
        assert_eq!(decoded.body, "{\"a\":1}");
        assert_eq!(decoded.headers["x-bin"].as_bytes(), b"caf\xe9");
        assert_eq!(decoded.fresh_until, UNIX_EPOCH + Duration::from_secs(1_000));
        let mut old = encoded.to_vec();
        old[3] = 0;
        assert!(Entry::decode(&Bytes::from(old)).is_none(), "older version");
        assert!(Entry::decode(&encoded.slice(..10)).is_none(), "truncated");
        assert!(Entry::decode(&Bytes::from_static(b"garbage")).is_none());
    }

    #[test]
    fn directives_are_read_case_insensitively_with_values() {
        let mut headers = HeaderMap::new();
        headers.append(
            "cache-control",
            HeaderValue::from_static("Max-Age=5, Must-Revalidate"),
        );
        headers.append(
            "cache-control",
            HeaderValue::from_static("stale-if-error=\"30\""),
        );
        assert!(has_directive(&headers, "must-revalidate"));
        assert_eq!(
            directive_seconds(&headers, "stale-if-error"),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            directive_seconds(&headers, "max-age"),
            Some(Duration::from_secs(5))
        );
        assert!(!has_directive(&headers, "no-cache"));
    }
}

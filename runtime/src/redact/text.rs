//! Redaction of text that may hold secrets: JSON (any value under a secret key), `a=1&b=2`
//! pairs (queries, form bodies, fragments), URI references (which may not parse), and the
//! values of URL-valued headers. Every scanner works on truncated text and never panics.

use std::borrow::Cow;
use std::fmt;

use super::{REDACTED, Redactor};

/// Writes `a=1&b=2` with the values of secret keys redacted.
pub(super) fn write_pairs(
    out: &mut impl fmt::Write,
    pairs: &str,
    redactor: &Redactor,
) -> fmt::Result {
    for (i, pair) in pairs.split('&').enumerate() {
        if i > 0 {
            out.write_str("&")?;
        }
        match pair.split_once('=') {
            Some((key, _)) if redactor.is_secret_key(&decode_lossy(key)) => {
                write!(out, "{key}={REDACTED}")?;
            }
            _ => out.write_str(pair)?,
        }
    }
    Ok(())
}

fn decode_lossy(s: &str) -> Cow<'_, str> {
    if !s.contains(['%', '+']) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .replace('+', " "),
    )
}

fn pairs_text(pairs: &str, redactor: &Redactor) -> String {
    let mut out = String::with_capacity(pairs.len());
    // Writing to a String cannot fail.
    let _ = write_pairs(&mut out, pairs, redactor);
    out
}

/// A URI reference (absolute or relative, parsable or not) without the user name and
/// password of its authority and with secret values of its query and fragment redacted.
pub(super) fn uri_reference<'a>(raw: &'a str, redactor: &Redactor) -> Cow<'a, str> {
    let (before_fragment, fragment) = match raw.split_once('#') {
        Some((before, fragment)) => (before, Some(fragment)),
        None => (raw, None),
    };
    let (before_query, query) = match before_fragment.split_once('?') {
        Some((before, query)) => (before, Some(query)),
        None => (before_fragment, None),
    };
    let authority_start = authority_start(before_query);
    let authority_end = before_query[authority_start..]
        .find('/')
        .map_or(before_query.len(), |i| authority_start + i);
    let userinfo_end = before_query[authority_start..authority_end]
        .rfind('@')
        .map(|at| authority_start + at);
    let query_secret = query.is_some_and(|q| has_secret_pair(q, redactor));
    // OAuth's implicit flow answers with `#access_token=…`.
    let fragment_secret = fragment.is_some_and(|f| has_secret_pair(f, redactor));
    if userinfo_end.is_none() && !query_secret && !fragment_secret {
        return Cow::Borrowed(raw);
    }
    let mut out = String::with_capacity(raw.len() + 16);
    match userinfo_end {
        Some(at) => {
            out.push_str(&before_query[..authority_start]);
            out.push_str(REDACTED);
            out.push_str(&before_query[at..]);
        }
        None => out.push_str(before_query),
    }
    if let Some(query) = query {
        out.push('?');
        out.push_str(&pairs_text(query, redactor));
    }
    if let Some(fragment) = fragment {
        out.push('#');
        out.push_str(&pairs_text(fragment, redactor));
    }
    Cow::Owned(out)
}

fn has_secret_pair(pairs: &str, redactor: &Redactor) -> bool {
    pairs
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .any(|(key, _)| redactor.is_secret_key(&decode_lossy(key)))
}

/// Where the authority of `raw` starts: after `://`, or after `scheme:` and any slashes of a
/// URL written wrongly (`https:/key@host`); 0 for a reference without a scheme.
fn authority_start(raw: &str) -> usize {
    if let Some(i) = raw.find("://") {
        return i + 3;
    }
    if let Some(rest) = raw.strip_prefix("//") {
        return raw.len() - rest.len();
    }
    let scheme_end = raw.find(':').filter(|&colon| {
        raw[..colon]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
    });
    match scheme_end {
        Some(colon) if colon > 0 => {
            let after = &raw[colon + 1..];
            colon + 1 + after.len() - after.trim_start_matches('/').len()
        }
        // A relative path: its "authority" is empty, so `user@host` in a path is left alone.
        _ => raw.len(),
    }
}

/// The value of a URL-valued header shown without secrets, or `None` for other headers.
pub(super) fn url_valued_header(name: &str, value: &str, redactor: &Redactor) -> Option<String> {
    const URI_REFERENCES: [&str; 3] = ["location", "content-location", "referer"];
    if URI_REFERENCES.iter().any(|h| h.eq_ignore_ascii_case(name)) {
        return Some(uri_reference(value, redactor).into_owned());
    }
    if name.eq_ignore_ascii_case("link") {
        // RFC 8288: `<uri>; rel="next", <uri>; rel="last"`.
        let mut out = String::with_capacity(value.len());
        let mut rest = value;
        while let Some(open) = rest.find('<') {
            out.push_str(&rest[..=open]);
            rest = &rest[open + 1..];
            let close = rest.find('>').unwrap_or(rest.len());
            out.push_str(&uri_reference(&rest[..close], redactor));
            rest = &rest[close..];
        }
        out.push_str(rest);
        return Some(out);
    }
    if name.eq_ignore_ascii_case("refresh") {
        // `5; url=https://…`
        let lower = value.to_ascii_lowercase();
        return Some(match lower.find("url=") {
            Some(at) => format!(
                "{}{}",
                &value[..at + 4],
                uri_reference(&value[at + 4..], redactor)
            ),
            None => value.to_owned(),
        });
    }
    None
}

/// JSON-like text with the value of every secret key redacted whatever its type (string,
/// number, array, object), and secret query values of URL-like strings redacted.
pub(super) fn json(text: &str, redactor: &Redactor) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(quote) = rest.find('"') {
        out.push_str(&rest[..quote]);
        rest = &rest[quote + 1..];
        let Some(end) = string_end(rest) else {
            // A string cut short by truncation.
            out.push('"');
            out.push_str(&uri_like_string(rest, redactor));
            return out;
        };
        let content = &rest[..end];
        rest = &rest[end + 1..];
        let after_key = rest.trim_start();
        let Some(after_colon) = after_key.strip_prefix(':') else {
            out.push('"');
            out.push_str(&uri_like_string(content, redactor));
            out.push('"');
            continue;
        };
        out.push('"');
        out.push_str(content);
        out.push('"');
        if redactor.is_secret_key(content) {
            let value = after_colon.trim_start();
            out.push_str(&rest[..rest.len() - value.len()]);
            out.push('"');
            out.push_str(REDACTED);
            out.push('"');
            rest = skip_value(value);
        }
    }
    out.push_str(rest);
    out
}

/// A string value with secret query values redacted when it looks like a URL.
fn uri_like_string<'a>(content: &'a str, redactor: &Redactor) -> Cow<'a, str> {
    if content.contains('=') && content.contains(['?', '#']) {
        uri_reference(content, redactor)
    } else {
        Cow::Borrowed(content)
    }
}

/// Index of the closing quote of a JSON string whose opening quote was just consumed.
pub(super) fn string_end(s: &str) -> Option<usize> {
    let mut escaped = false;
    for (i, byte) in s.bytes().enumerate() {
        match byte {
            _ if escaped => escaped = false,
            b'\\' => escaped = true,
            b'"' => return Some(i),
            _ => {}
        }
    }
    None
}

/// What follows the JSON value at the start of `s`; empty if the value is cut short.
fn skip_value(s: &str) -> &str {
    let bytes = s.as_bytes();
    match bytes.first() {
        None => s,
        Some(b'"') => string_end(&s[1..]).map_or("", |end| &s[end + 2..]),
        Some(b'{' | b'[') => {
            let mut depth = 0_usize;
            let mut i = 0;
            while i < bytes.len() {
                match bytes[i] {
                    b'"' => match string_end(&s[i + 1..]) {
                        Some(end) => i += end + 1,
                        None => return "",
                    },
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return &s[i + 1..];
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            ""
        }
        // A number, `true`, `false`, `null`, or anything else up to the next separator.
        Some(_) => {
            let end = s
                .find(|c: char| matches!(c, ',' | '}' | ']') || c.is_whitespace())
                .unwrap_or(s.len());
            &s[end..]
        }
    }
}

/// Whether text without a content type reads as `a=1&b=2` pairs rather than JSON or prose.
pub(super) fn looks_like_pairs(text: &str) -> bool {
    let text = text.trim();
    !text.is_empty()
        && !text.starts_with(['{', '[', '<', '"'])
        && text.contains('=')
        && !text.contains(char::is_whitespace)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn r() -> Redactor {
        Redactor::new()
    }

    #[test]
    fn secret_keys_are_redacted_whatever_their_type() {
        let text = r#"{"tokens":["rt-1","rt-2"],"credentials":{"pass":"p"},"code":424242,"ok":true,"token":null,"n":1}"#;
        assert_eq!(
            json(text, &r()),
            r#"{"tokens":"[REDACTED]","credentials":"[REDACTED]","code":"[REDACTED]","ok":true,"token":"[REDACTED]","n":1}"#
        );
        assert_eq!(
            json(r#"{"password":"a\"b","n":1}"#, &r()),
            r#"{"password":"[REDACTED]","n":1}"#
        );
        assert_eq!(json(r#"{"user": "ann"}"#, &r()), r#"{"user": "ann"}"#);
    }

    #[test]
    fn truncated_json_keeps_no_secret() {
        assert_eq!(
            json(r#"{"refresh_token": "abc"#, &r()),
            r#"{"refresh_token": "[REDACTED]""#
        );
        assert_eq!(
            json(r#"{"tokens": ["abc", "de"#, &r()),
            r#"{"tokens": "[REDACTED]""#
        );
        assert_eq!(json(r#"{"token": "#, &r()), r#"{"token": "[REDACTED]""#);
        assert_eq!(json("plain text", &r()), "plain text");
    }

    #[test]
    fn urls_inside_json_strings_lose_their_secret_query_values() {
        let text = r#"{"next":"https://api.test/x?page=2&access_token=abc","about":"a=b"}"#;
        assert_eq!(
            json(text, &r()),
            r#"{"next":"https://api.test/x?page=2&access_token=[REDACTED]","about":"a=b"}"#
        );
    }

    #[test]
    fn uri_references_lose_userinfo_query_and_fragment_secrets() {
        let cases = [
            ("https://k:p@h/a@b", "https://[REDACTED]@h/a@b"),
            ("htp:/key@@h", "htp:/[REDACTED]@h"),
            ("https://h/x", "https://h/x"),
            ("/download?sig=abc&n=1", "/download?sig=[REDACTED]&n=1"),
            (
                "https://b.s3.test/o?X-Amz-Signature=abc&X-Amz-Expires=60",
                "https://b.s3.test/o?X-Amz-Signature=[REDACTED]&X-Amz-Expires=60",
            ),
            (
                "https://app.test/cb#access_token=abc&state=s",
                "https://app.test/cb#access_token=[REDACTED]&state=s",
            ),
            ("//user:pw@cdn.test/a", "//[REDACTED]@cdn.test/a"),
            ("not a url ?token=x", "not a url ?token=[REDACTED]"),
            ("/users/a@b?page=1", "/users/a@b?page=1"),
        ];
        for (raw, shown) in cases {
            assert_eq!(uri_reference(raw, &r()), shown, "{raw}");
        }
    }

    #[test]
    fn url_valued_headers_are_redacted() {
        let link =
            r#"<https://api.test/i?page_token=abc&page=2>; rel="next", </i?page=1>; rel="first""#;
        assert_eq!(
            url_valued_header("Link", link, &r()).unwrap(),
            r#"<https://api.test/i?page_token=[REDACTED]&page=2>; rel="next", </i?page=1>; rel="first""#
        );
        assert_eq!(
            url_valued_header("refresh", "5; URL=/x?token=t", &r()).unwrap(),
            "5; URL=/x?token=[REDACTED]"
        );
        assert_eq!(
            url_valued_header("Location", "/y?code=c", &r()).unwrap(),
            "/y?code=[REDACTED]"
        );
        assert!(url_valued_header("Accept", "a?token=b", &r()).is_none());
    }

    #[test]
    fn pairs_are_told_from_json_and_prose() {
        assert!(looks_like_pairs("access_token=gho_x&scope=repo"));
        assert!(!looks_like_pairs(r#"{"a":"b=c"}"#));
        assert!(!looks_like_pairs("error: token=x expired"));
    }

    proptest! {
        /// No input makes a scanner panic, and output stays within a bounded growth.
        #[test]
        fn scanners_never_panic_and_stay_bounded(text in "\\PC{0,300}") {
            let redacted = json(&text, &r());
            prop_assert!(redacted.len() <= 4 * text.len() + 16);
            let _ = uri_reference(&text, &r());
            let _ = url_valued_header("link", &text, &r());
            let _ = url_valued_header("refresh", &text, &r());
        }

        /// A secret under a secret key never survives, whatever JSON value holds it.
        #[test]
        fn a_secret_value_never_survives(secret in "[a-z0-9]{6,12}", shape in 0..4_u8) {
            let secret = format!("zz{secret}");
            let value = match shape {
                0 => format!("\"{secret}\""),
                1 => format!("[\"{secret}\", 1]"),
                2 => format!("{{\"inner\": \"{secret}\"}}"),
                _ => format!("[{{\"a\": [\"{secret}\"]}}]"),
            };
            let text = format!("{{\"n\": 1, \"api_key\": {value}, \"m\": 2}}");
            let redacted = json(&text, &r());
            prop_assert!(!redacted.contains(&secret), "{}", redacted);
            prop_assert!(redacted.contains("\"m\": 2"), "{}", redacted);
        }
    }
}

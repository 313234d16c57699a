//! Path segments: percent-encoding of placeholder values and the dot-segment guard.

use std::fmt::{self, Write as _};

use percent_encoding::{AsciiSet, CONTROLS, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::error::{Error, Result};

/// Everything but RFC 3986 unreserved characters (`A–Z a–z 0–9 - . _ ~`). Sub-delimiters are
/// encoded too: in OpenAPI's default path style `,` separates list items and `;` starts matrix
/// parameters, so `Smith, John` must travel as `Smith%2C%20John` (as Go's `url.PathEscape`
/// does). `#[path(encoded)]` is the way to send such structure on purpose.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// For `#[path(encoded)]`: the value is trusted to be encoded already, so only what cannot
/// stand in a path as itself is encoded: controls, space, non-ASCII, `?` and `#` (which would
/// end the path), `\` (which URL parsers read as `/` for http(s), opening a way to traverse),
/// and the characters the URL parser would encode on its own (`"`, `<`, `>`, `` ` ``, `{`, `}`),
/// so that the parsed path is exactly the one built.
const ENCODED_SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'?')
    .add(b'#')
    .add(b'\\')
    .add(b'"')
    .add(b'<')
    .add(b'>')
    .add(b'`')
    .add(b'{')
    .add(b'}');

/// Appends `value`, formatted with `Display`, to `out` as (part of) one path segment.
pub(crate) fn push_segment<T: fmt::Display + ?Sized>(out: &mut String, value: &T) {
    push_with(out, value, SEGMENT);
}

/// Appends a pre-encoded value (which may hold several segments).
pub(crate) fn push_encoded<T: fmt::Display + ?Sized>(out: &mut String, value: &T) {
    push_with(out, value, ENCODED_SEGMENT);
}

/// Formats straight into the URL, encoding as it goes: no temporary string per parameter.
fn push_with<T: fmt::Display + ?Sized>(out: &mut String, value: &T, set: &'static AsciiSet) {
    struct Encoding<'a> {
        out: &'a mut String,
        set: &'static AsciiSet,
    }
    impl fmt::Write for Encoding<'_> {
        fn write_str(&mut self, text: &str) -> fmt::Result {
            self.out.extend(utf8_percent_encode(text, self.set));
            Ok(())
        }
    }
    // Writing to a String cannot fail; a `Display` impl that reports an error anyway has
    // written what it could.
    let _ = write!(Encoding { out, set }, "{value}");
}

/// Rejects a path with a `.` or `..` segment, spelled literally or percent-encoded. URL parsers
/// (and servers) collapse those, so the request would reach a different resource than the
/// template names.
pub(crate) fn check_no_dot_segments(path: &str) -> Result<()> {
    for segment in path.split('/') {
        if let Some(dots) = dot_segment(segment) {
            return Err(Error::invalid_request(format!(
                "path `{path}` has a `{dots}` segment; a path parameter must not be `.` or `..`"
            )));
        }
    }
    Ok(())
}

/// `Some(".")` or `Some("..")` when `segment` is one, spelled with `.` or `%2e`/`%2E`; checked
/// without allocating, as it runs on every call.
fn dot_segment(segment: &str) -> Option<&'static str> {
    let mut rest = segment.as_bytes();
    let mut dots = 0;
    while !rest.is_empty() {
        if let [b'.', tail @ ..] = rest {
            rest = tail;
        } else if rest.len() >= 3 && rest[..3].eq_ignore_ascii_case(b"%2e") {
            rest = &rest[3..];
        } else {
            return None;
        }
        dots += 1;
        if dots > 2 {
            return None;
        }
    }
    match dots {
        1 => Some("."),
        2 => Some(".."),
        _ => None,
    }
}

/// The last line of defence: the URL parser must not have changed the path we built. It
/// resolves dot segments (`%2e%2E` too) and reads `\` as `/`, so any difference means a value
/// would have steered the request to another resource.
pub(crate) fn check_parsed(built: &str, parsed: &url::Url) -> Result<()> {
    let expected = if built.is_empty() { "/" } else { built };
    if parsed.path() == expected {
        return Ok(());
    }
    Err(Error::invalid_request(format!(
        "the path `{built}` would be sent as `{}`: a path value must not contain `.`/`..` segments or backslashes",
        parsed.path()
    )))
}

#[cfg(test)]
mod tests {

    #[test]
    fn dot_segments_are_found_however_spelled() {
        for dots in [".", "..", "%2e", "%2E%2e", ".%2E"] {
            assert!(dot_segment(dots).is_some(), "{dots}");
        }
        for other in ["", "...", "a.", ".a", "%2e%2e%2e", "%2", "%2f", "é."] {
            assert!(dot_segment(other).is_none(), "{other}");
        }
    }
    use super::*;

    fn seg(value: &str) -> String {
        let mut out = String::new();
        push_segment(&mut out, value);
        out
    }

    #[test]
    fn reserved_and_unsafe_characters_are_encoded() {
        assert_eq!(seg("a/b"), "a%2Fb");
        assert_eq!(seg("a?b"), "a%3Fb");
        assert_eq!(seg("a#b"), "a%23b");
        assert_eq!(seg("a%b"), "a%25b");
        assert_eq!(seg("a b"), "a%20b");
        assert_eq!(seg("é\n"), "%C3%A9%0A");
        assert_eq!(seg("a-b_c.d~e"), "a-b_c.d~e");
        assert_eq!(seg("e:f@g,h;i"), "e%3Af%40g%2Ch%3Bi");
        assert_eq!(seg("a\\b"), "a%5Cb");
    }

    #[test]
    fn the_parsed_path_must_be_the_built_one() {
        let parsed = |s: &str| url::Url::parse(s).unwrap();
        assert!(check_parsed("/a/b", &parsed("http://h/a/b")).is_ok());
        assert!(check_parsed("", &parsed("http://h")).is_ok());
        assert!(check_parsed("/a/x\\..\\b", &parsed("http://h/a/x\\..\\b")).is_err());
        assert!(check_parsed("/a/%2e%2e/b", &parsed("http://h/a/%2e%2e/b")).is_err());
    }

    #[test]
    fn dot_segments_are_rejected_even_encoded() {
        for bad in ["/a/./b", "/a/..", "/a/%2e%2E/b", "/%2E"] {
            assert!(check_no_dot_segments(bad).is_err(), "{bad}");
        }
        for good in ["/a/.b", "/a/b..", "/a/...", "/"] {
            assert!(check_no_dot_segments(good).is_ok(), "{good}");
        }
    }
}

//! Path segments: percent-encoding of placeholder values and the dot-segment guard.

use std::fmt::{self, Write as _};

use percent_encoding::{AsciiSet, CONTROLS, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::error::{Error, Result};

/// Everything but RFC 3986 unreserved characters and the sub-delims that are harmless inside a
/// segment. `/`, `?`, `#`, `%`, space, controls and non-ASCII are encoded.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'!')
    .remove(b'$')
    .remove(b'&')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b'+')
    .remove(b',')
    .remove(b';')
    .remove(b'=')
    .remove(b':')
    .remove(b'@');

/// For `#[path(encoded)]`: the value is trusted to be encoded already, so only what cannot
/// appear in a path at all is encoded (space, controls, `?`, `#`, non-ASCII).
const ENCODED_SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'?')
    .add(b'#')
    .add(b'"')
    .add(b'<')
    .add(b'>');

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
        let decoded = segment.replace("%2e", ".").replace("%2E", ".");
        if decoded == "." || decoded == ".." {
            return Err(Error::invalid_request(format!(
                "path `{path}` has a `{decoded}` segment; a path parameter must not be `.` or `..`"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
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
        assert_eq!(seg("a-b_c.d~e:f@g"), "a-b_c.d~e:f@g");
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

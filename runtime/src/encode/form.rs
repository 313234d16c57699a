//! `application/x-www-form-urlencoded` bodies, as the WHATWG URL standard serializes them
//! (what browsers send and every form parser reads): space as `+`, everything but
//! `*-._` and ASCII alphanumerics percent-encoded.

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

/// For `#[field(encoded)]`: the value is already encoded; only what cannot stand in a form
/// body at all is escaped.
const ENCODED: &AsciiSet = &CONTROLS.add(b' ');

/// Appends `key=value` to a form body, with `&` as needed.
pub(crate) fn push_pair(body: &mut String, key: &str, value: &str, encoded: bool) {
    if !body.is_empty() {
        body.push('&');
    }
    if encoded {
        body.extend(utf8_percent_encode(key, ENCODED));
        body.push('=');
        body.extend(utf8_percent_encode(value, ENCODED));
    } else {
        body.extend(url::form_urlencoded::byte_serialize(key.as_bytes()));
        body.push('=');
        body.extend(url::form_urlencoded::byte_serialize(value.as_bytes()));
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::test_strategies::hostile_text;

    #[test]
    fn reserved_characters_and_spaces_are_encoded() {
        let mut body = String::new();
        push_pair(&mut body, "q", "a&b=c+d e%", false);
        push_pair(&mut body, "name", "Zoë", false);
        push_pair(&mut body, "raw", "a%20b+c", true);
        assert_eq!(body, "q=a%26b%3Dc%2Bd+e%25&name=Zo%C3%AB&raw=a%20b+c");
    }

    proptest! {
        /// Whatever the key and value, a form parser reads back exactly one pair equal to
        /// them.
        #[test]
        fn a_pair_parses_back_to_itself(key in hostile_text(), value in hostile_text()) {
            let mut body = String::new();
            push_pair(&mut body, &key, &value, false);
            let pairs: Vec<(String, String)> = url::form_urlencoded::parse(body.as_bytes()).into_owned().collect();
            prop_assert_eq!(pairs, vec![(key, value)]);
        }
    }
}

//! Query string components.

use percent_encoding::{AsciiSet, CONTROLS, NON_ALPHANUMERIC, utf8_percent_encode};

/// Encodes `&`, `=`, `+`, `#`, `%`, space and everything else outside a small safe set, so a
/// value can never start a new parameter or be read as a space.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'!')
    .remove(b'$')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b',')
    .remove(b';')
    .remove(b':')
    .remove(b'@')
    .remove(b'/')
    .remove(b'?');

/// For `#[query(encoded)]`: only what cannot stand in a query at all.
const ENCODED_COMPONENT: &AsciiSet = &CONTROLS.add(b' ').add(b'#').add(b'"').add(b'<').add(b'>');

/// Appends `key=value` to a URL under construction, with `?` or `&` as needed.
pub(crate) fn push_pair(
    url: &mut String,
    has_query: &mut bool,
    key: &str,
    value: &str,
    encoded: bool,
) {
    url.push(if *has_query { '&' } else { '?' });
    *has_query = true;
    let set = if encoded {
        ENCODED_COMPONENT
    } else {
        COMPONENT
    };
    url.extend(utf8_percent_encode(key, set));
    url.push('=');
    url.extend(utf8_percent_encode(value, set));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_are_joined_and_encoded() {
        let mut url = String::from("http://h/p");
        let mut has_query = false;
        push_pair(&mut url, &mut has_query, "q", "a&b=c+d e#", false);
        push_pair(&mut url, &mut has_query, "per page", "é", false);
        push_pair(&mut url, &mut has_query, "raw", "a%20b+c", true);
        assert_eq!(
            url,
            "http://h/p?q=a%26b%3Dc%2Bd%20e%23&per%20page=%C3%A9&raw=a%20b+c"
        );
    }
}

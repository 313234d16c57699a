//! Query string components.

use percent_encoding::{AsciiSet, CONTROLS, NON_ALPHANUMERIC, utf8_percent_encode};

/// Encodes `&`, `=`, `+`, `#`, `%`, space and everything else outside a small safe set, so a
/// value can never start a new parameter or be read as a space. `'` is encoded as well: the
/// URL parser would otherwise encode it for http(s), and the query sent would differ from the
/// one built.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'!')
    .remove(b'$')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b',')
    .remove(b';')
    .remove(b':')
    .remove(b'@')
    .remove(b'/')
    .remove(b'?');

/// A value of a comma-joined list: its own commas escaped.
const WITHOUT_COMMA: &AsciiSet = &COMPONENT.add(b',');

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

/// Appends `key=v1,v2` (or with `%20` or `|` between the values): each value is escaped, so a
/// `,` or `|` inside one stays part of it (a space cannot be told from `spaceDelimited`'s
/// `%20`: OpenAPI defines it so).
pub(crate) fn push_joined(
    url: &mut String,
    has_query: &mut bool,
    key: &str,
    values: &[String],
    delimiter: char,
) {
    url.push(if *has_query { '&' } else { '?' });
    *has_query = true;
    url.extend(utf8_percent_encode(key, COMPONENT));
    url.push('=');
    let (inside, between) = match delimiter {
        ',' => (WITHOUT_COMMA, ","),
        ' ' => (COMPONENT, "%20"),
        _ => (COMPONENT, "|"),
    };
    for (i, value) in values.iter().enumerate() {
        if i > 0 {
            url.push_str(between);
        }
        url.extend(utf8_percent_encode(value, inside));
    }
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

    #[test]
    fn joined_values_keep_their_own_delimiters_escaped() {
        let values = ["bug".to_owned(), "ui,ux".to_owned(), "a b|c".to_owned()];
        let mut url = String::from("http://h/p");
        let mut has_query = false;
        push_joined(&mut url, &mut has_query, "labels", &values, ',');
        push_joined(&mut url, &mut has_query, "s", &values, ' ');
        push_joined(&mut url, &mut has_query, "p", &values, '|');
        assert_eq!(
            url,
            "http://h/p?labels=bug,ui%2Cux,a%20b%7Cc&s=bug%20ui,ux%20a%20b%7Cc&p=bug|ui,ux|a%20b%7Cc"
        );
    }

    proptest::proptest! {
        /// Whatever the key and value, a real form parser reads back exactly that pair.
        #[test]
        fn a_pair_round_trips_through_a_form_parser(
            key in crate::test_strategies::hostile_text(),
            value in crate::test_strategies::hostile_text(),
        ) {
            let mut url = String::from("http://h/p");
            let mut has_query = false;
            push_pair(&mut url, &mut has_query, &key, &value, false);
            let query = &url[url.find('?').expect("a query") + 1..];
            let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect();
            proptest::prop_assert_eq!(pairs, vec![(key, value)]);
            // And the URL parser keeps the query as it was built.
            let parsed = url::Url::parse(&url).expect("a valid URL");
            proptest::prop_assert_eq!(parsed.query(), Some(query));
        }
    }
}

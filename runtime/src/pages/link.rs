//! The `next` target of RFC 8288 `Link` header fields: `<https://api.test/items?page=2>;
//! rel="next", <…>; rel="last"`.

/// The target of the first link whose relation types include `next`, across all `Link`
/// values in order. A value that does not parse is skipped from where it stops making sense:
/// a server's odd link never hides the well-formed ones after it.
pub(crate) fn next_target<'a>(values: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    values.into_iter().find_map(|value| {
        Links { rest: value }.find_map(|(target, rel)| has_next(rel).then_some(target))
    })
}

/// Whether a `rel` value (space-separated relation types, compared without case) names `next`.
fn has_next(rel: &str) -> bool {
    rel.split_ascii_whitespace()
        .any(|relation| relation.eq_ignore_ascii_case("next"))
}

/// The links of one field value: `(target, rel)`, `rel` empty when the link has none.
struct Links<'a> {
    rest: &'a str,
}

impl<'a> Iterator for Links<'a> {
    type Item = (&'a str, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let start = self.rest.find('<')?;
            let after = &self.rest[start + 1..];
            let Some(end) = after.find('>') else {
                self.rest = "";
                return None;
            };
            let target = after[..end].trim();
            let (rel, rest) = params_rel(&after[end + 1..]);
            self.rest = rest;
            if let Some(rel) = rel {
                return Some((target, rel));
            }
        }
    }
}

/// Reads `; name=value` parameters up to the `,` that ends the link (outside quotes): the
/// first `rel` value, and what follows the link.
fn params_rel(mut text: &str) -> (Option<&str>, &str) {
    let mut rel = None;
    loop {
        text = text.trim_start();
        match text.as_bytes().first() {
            Some(b';') => text = &text[1..],
            Some(b',') => return (rel, &text[1..]),
            None => return (rel, text),
            // Junk after the target: skip to the next link.
            Some(_) => return (rel, text.find(',').map_or("", |i| &text[i + 1..])),
        }
        let name_end = text.find(['=', ';', ',']).unwrap_or(text.len());
        let name = text[..name_end].trim();
        text = &text[name_end..];
        let value = match text.strip_prefix('=') {
            Some(after) => {
                let (value, rest) = param_value(after.trim_start());
                text = rest;
                value
            }
            None => "",
        };
        // RFC 8288 §3: a second `rel` on the same link is ignored.
        if name.eq_ignore_ascii_case("rel") && rel.is_none() {
            rel = Some(value);
        }
    }
}

/// A token or a quoted string (its backslash escapes are left in: relation types have none),
/// and what follows it.
fn param_value(text: &str) -> (&str, &str) {
    if let Some(quoted) = text.strip_prefix('"') {
        let mut escaped = false;
        for (i, c) in quoted.char_indices() {
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => return (&quoted[..i], &quoted[i + 1..]),
                _ => escaped = false,
            }
        }
        (quoted, "")
    } else {
        let end = text.find([';', ',']).unwrap_or(text.len());
        (text[..end].trim_end(), &text[end..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn next(values: &[&'static str]) -> Option<&'static str> {
        next_target(values.iter().copied())
    }

    #[test]
    fn github_links_give_the_next_page() {
        let github = r#"<https://api.github.com/repositories/1/issues?page=2>; rel="next", <https://api.github.com/repositories/1/issues?page=5>; rel="last""#;
        assert_eq!(
            next(&[github]),
            Some("https://api.github.com/repositories/1/issues?page=2")
        );
        // The last page has `prev` and `first` only.
        let last =
            r#"<https://a.test/x?page=1>; rel="first", <https://a.test/x?page=4>; rel="prev""#;
        assert_eq!(next(&[last]), None);
    }

    #[test]
    fn relation_types_are_a_case_insensitive_list_quoted_or_not() {
        assert_eq!(next(&["</b>; rel=next"]), Some("/b"));
        assert_eq!(next(&["</b>; rel=\"prefetch NEXT\""]), Some("/b"));
        assert_eq!(next(&["</b>;rel=\"nextish\""]), None);
        assert_eq!(
            next(&["</a>; title=\"a, b; rel=next\"; rel=prev, </b>; rel=next"]),
            Some("/b")
        );
        // Only the first `rel` of a link counts.
        assert_eq!(next(&["</a>; rel=prev; rel=next"]), None);
        // A comma inside the target is part of it.
        assert_eq!(next(&["</a,b>; rel=next"]), Some("/a,b"));
    }

    #[test]
    fn links_spread_over_fields_and_odd_values_are_read_past() {
        assert_eq!(next(&["", "</a>; rel=prev", "</b>; rel=next"]), Some("/b"));
        assert_eq!(next(&["<broken; rel=next"]), None);
        assert_eq!(next(&["junk, </b>; rel=next"]), Some("/b"));
        assert_eq!(next(&["</a> junk; rel=next, </b>; rel=next"]), Some("/b"));
        assert_eq!(next(&["</a>; rel=\"next"]), Some("/a"));
        assert_eq!(next(&["</a>; rel"]), None);
    }

    proptest::proptest! {
        /// A server's `Link` header is untrusted: any text is read without a panic, and a
        /// target found is a part of what was sent.
        #[test]
        fn any_header_text_parses_without_panic(text in "[<>;,= \"a-z/:?#&.\\\\-]{0,80}") {
            if let Some(target) = next_target([text.as_str()]) {
                proptest::prop_assert!(text.contains(target));
            }
        }
    }
}

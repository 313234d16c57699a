//! The path template of an endpoint (`/users/<id>/posts?sort=asc`) as a parsed value.

/// A parsed template: path pieces in order, then the static query (without `?`), if any.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Template {
    pub(crate) pieces: Vec<Piece>,
    pub(crate) query: Option<String>,
    /// How the template writes placeholders: `<id>` or `{id}` (its first one decides), so
    /// messages quote them back the same way.
    pub(crate) braces: bool,
}

/// One piece of the path.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Piece {
    Literal(String),
    Placeholder(String),
}

impl Template {
    /// Parses a template. Errors are messages for the template's string literal.
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        if text.contains("://") || text.starts_with("//") {
            return Err(format!(
                "`{text}` is an absolute URL; endpoint paths are relative to the client's base URL, like `/users/<id>`"
            ));
        }
        if text.contains('#') {
            return Err("a path template cannot have a fragment (`#…`)".to_owned());
        }
        if text.contains('\\') {
            return Err(
                "the path template contains `\\`, which URL parsers read as `/`; write it percent-encoded as `%5C`"
                    .to_owned(),
            );
        }
        if let Some(bad) = text.chars().find(|c| c.is_whitespace() || c.is_control()) {
            return Err(format!(
                "the path template contains {bad:?}; write it percent-encoded (a space is `%20`)"
            ));
        }
        let (path, query) = match text.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (text, None),
        };
        if let Some(query) = query {
            check_static_query(query)?;
        }
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let mut braces = None;
        if !path.is_empty() && !path.starts_with('/') {
            literal.push('/');
        }
        let mut chars = path.chars();
        while let Some(c) = chars.next() {
            let close = match c {
                '<' => '>',
                '{' => '}',
                '>' | '}' => {
                    return Err(format!(
                        "`{c}` has no opening `{}`",
                        if c == '>' { '<' } else { '{' }
                    ));
                }
                _ => {
                    literal.push(c);
                    continue;
                }
            };
            let mut name = String::new();
            loop {
                match chars.next() {
                    Some(n) if n == close => break,
                    Some(n @ ('<' | '{' | '/' | '>' | '}')) => {
                        return Err(format!(
                            "`{c}{name}` is not closed before `{n}`; write `{c}{name}{close}`"
                        ));
                    }
                    Some(n) => name.push(n),
                    None => {
                        return Err(format!(
                            "`{c}{name}` is not closed; write `{c}{name}{close}`"
                        ));
                    }
                }
            }
            if name.is_empty() {
                return Err(format!(
                    "`{c}{close}` is an empty placeholder; name a parameter, like `{c}id{close}`"
                ));
            }
            if !is_identifier(&name) {
                return Err(format!(
                    "`{c}{name}{close}` is not a parameter name; placeholders hold a Rust identifier, like `{c}user_id{close}`"
                ));
            }
            if !literal.is_empty() {
                pieces.push(Piece::Literal(std::mem::take(&mut literal)));
            }
            braces.get_or_insert(c == '{');
            pieces.push(Piece::Placeholder(name));
        }
        if !literal.is_empty() {
            pieces.push(Piece::Literal(literal));
        }
        let template = Self {
            pieces,
            query: query.filter(|q| !q.is_empty()).map(str::to_owned),
            braces: braces.unwrap_or(false),
        };
        template.check_dot_segments()?;
        Ok(template)
    }

    /// `name` as a placeholder written the way this template writes them.
    pub(crate) fn quote(&self, name: &str) -> String {
        if self.braces {
            format!("{{{name}}}")
        } else {
            format!("<{name}>")
        }
    }

    /// The placeholder names, in order (a name may repeat).
    pub(crate) fn placeholders(&self) -> impl Iterator<Item = &str> {
        self.pieces.iter().filter_map(|p| match p {
            Piece::Placeholder(name) => Some(name.as_str()),
            Piece::Literal(_) => None,
        })
    }

    fn check_dot_segments(&self) -> Result<(), String> {
        // Only segments made of literals alone can be checked here; values are checked at run time.
        let mut segment = String::new();
        let mut dynamic = false;
        let check = |segment: &str, dynamic: bool| {
            if !dynamic && (segment == "." || segment == "..") {
                Err(format!(
                    "the path has a `{segment}` segment, which URL parsers collapse; write the path without it"
                ))
            } else {
                Ok(())
            }
        };
        for piece in &self.pieces {
            match piece {
                Piece::Placeholder(_) => dynamic = true,
                Piece::Literal(text) => {
                    for (i, part) in text.split('/').enumerate() {
                        if i > 0 {
                            check(&segment, dynamic)?;
                            segment.clear();
                            dynamic = false;
                        }
                        segment.push_str(part);
                    }
                }
            }
        }
        check(&segment, dynamic)
    }
}

fn check_static_query(query: &str) -> Result<(), String> {
    if let Some(start) = query.find(['<', '{']) {
        let name: String = query[start + 1..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        return Err(format!(
            "placeholders are only allowed in the path, not in the query; drop it from the template and add a parameter `#[query] {name}: …`"
        ));
    }
    Ok(())
}

pub(crate) fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
        && name != "_"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(s: &str) -> Piece {
        Piece::Literal(s.to_owned())
    }

    fn ph(s: &str) -> Piece {
        Piece::Placeholder(s.to_owned())
    }

    #[test]
    fn both_placeholder_styles_parse() {
        let t = Template::parse("/users/<id>/posts/{post_id}.json").unwrap();
        assert_eq!(
            t.pieces,
            vec![
                lit("/users/"),
                ph("id"),
                lit("/posts/"),
                ph("post_id"),
                lit(".json")
            ]
        );
        assert_eq!(t.query, None);
    }

    #[test]
    fn static_query_is_kept() {
        let t = Template::parse("/search?sort=asc&x=1").unwrap();
        assert_eq!(t.pieces, vec![lit("/search")]);
        assert_eq!(t.query.as_deref(), Some("sort=asc&x=1"));
    }

    #[test]
    fn relative_and_empty_paths() {
        assert_eq!(
            Template::parse("users").unwrap().pieces,
            vec![lit("/users")]
        );
        assert_eq!(
            Template::parse("<id>").unwrap().pieces,
            vec![lit("/"), ph("id")]
        );
        assert!(Template::parse("").unwrap().pieces.is_empty());
    }

    #[test]
    fn malformed_templates_are_explained() {
        let cases = [
            ("/users/<id", "not closed"),
            ("/users/<>", "empty placeholder"),
            ("/users/{a b}", "contains ' '"),
            ("/users/<a-b>", "not a parameter name"),
            ("/users/id>", "no opening"),
            ("/search?q=<q>", "only allowed in the path"),
            ("https://api.test/x", "absolute URL"),
            ("/a#frag", "fragment"),
            ("/a/../b", "`..` segment"),
            ("/a/<x/y>", "not closed before `/`"),
            ("/a\\..\\b", "`%5C`"),
        ];
        for (template, expected) in cases {
            let error = Template::parse(template).unwrap_err();
            assert!(error.contains(expected), "{template}: {error}");
        }
    }

    #[test]
    fn dots_next_to_placeholders_are_left_to_run_time() {
        assert!(Template::parse("/files/<name>.").is_ok());
        assert!(Template::parse("/a/./b").is_err());
    }
}

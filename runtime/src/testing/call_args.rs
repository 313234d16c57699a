//! Reading a recorded request back into the typed arguments of the call that made it: what
//! the argument structs generated for typed mocks (`UserApiGetUserArgs`) are decoded from.

use std::borrow::Cow;
use std::fmt;

use bytes::Bytes;
use percent_encoding::percent_decode_str;
use serde::Deserialize;

use super::deep_values::Tree;
use super::multipart_parts::{RecordedPart, parse_parts};
use super::text_values::{Pairs, Values};
use crate::encode::style::Style;
use crate::request::Request;

/// Decodes one endpoint's arguments from the request the client built. Implemented by the
/// argument structs `#[rest_api]` generates; the `'de` lifetime is how their `Deserialize`
/// bounds stay out of the way of types that are not `Deserialize` until a matcher needs them.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be decoded from a request",
    note = "argument matchers (`.with(..)`) decode the request back into typed arguments: every argument type must implement `serde::Deserialize` (the owned form: `String` for `&str`, `Vec<T>` for `&[T]`)"
)]
pub trait DecodeArgs<'de>: Sized {
    /// Reads the arguments, or says which one could not be read.
    fn decode(call: &MockCall<'de>) -> Result<Self, ArgError>;
}

/// A piece of an endpoint's path template, as generated code describes it.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub enum PathPiece {
    /// Text written in the template, like `/users/`.
    Literal(&'static str),
    /// A placeholder; `raw` when it is `#[path(encoded)]` (it may then hold `/`).
    Param {
        /// `#[path(encoded)]`.
        raw: bool,
    },
}

/// Why a request could not be read back into an endpoint's arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgError(String);

impl ArgError {
    pub(super) fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

impl fmt::Display for ArgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ArgError {}

/// One recorded request, as argument decoders read it. Used by generated code.
#[doc(hidden)]
pub struct MockCall<'de> {
    request: &'de Request,
}

impl<'de> MockCall<'de> {
    pub(crate) fn new(request: &'de Request) -> Self {
        Self { request }
    }

    /// Placeholder number `index` of `pieces`, matched against the end of the URL's path.
    pub fn path<T: Deserialize<'de>>(
        &self,
        pieces: &[PathPiece],
        index: usize,
        name: &str,
    ) -> Result<T, ArgError> {
        let path = self.request.url().path();
        let values = match_suffix(path, pieces).ok_or_else(|| {
            ArgError::new(format!(
                "the URL path {path:?} does not follow the endpoint's template"
            ))
        })?;
        let (raw, value) = values
            .get(index)
            .copied()
            .ok_or_else(|| ArgError::new(format!("path `{name}`: no such placeholder")))?;
        let value = if raw {
            value.to_owned()
        } else {
            percent_decode_str(value).decode_utf8_lossy().into_owned()
        };
        decode(&format!("path `{name}`"), vec![value])
    }

    /// Every value of query parameter `key`, decoded (or as sent, when `raw`).
    pub fn query<T: Deserialize<'de>>(&self, key: &str, raw: bool) -> Result<T, ArgError> {
        let values = pairs(self.request.url().query().unwrap_or(""), raw)
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v)
            .collect();
        decode(&format!("query `{key}`"), values)
    }

    /// A `#[query]` with a `style`: the joined value split again, or the bracketed pairs
    /// under `key` as a tree.
    pub fn query_styled<T: Deserialize<'de>>(
        &self,
        key: &str,
        style: Style,
    ) -> Result<T, ArgError> {
        let query = self.request.url().query().unwrap_or("");
        let what = format!("query `{key}`");
        match style.delimiter() {
            Some(delimiter) => {
                let between = match delimiter {
                    ',' => ",",
                    ' ' => "%20",
                    _ => "|",
                };
                let values = pairs(query, true)
                    .filter(|(k, _)| k == key)
                    .flat_map(|(_, v)| v.split(between).map(form_decoded).collect::<Vec<_>>())
                    .collect();
                decode(&what, values)
            }
            None => deep(&what, Some(key), pairs(query, false)),
        }
    }

    /// The query parameters, except those other arguments own, as a map or struct; with
    /// `deep`, bracketed keys are nested values.
    pub fn query_map<T: Deserialize<'de>>(
        &self,
        others: &[&str],
        deep: bool,
    ) -> Result<T, ArgError> {
        let pairs = pairs(self.request.url().query().unwrap_or(""), false)
            .filter(|(k, _)| !owned_by(others, k))
            .collect::<Vec<_>>();
        map_of("query map", pairs, deep)
    }

    /// Every value of header `name`.
    pub fn header<T: Deserialize<'de>>(&self, name: &str) -> Result<T, ArgError> {
        let values = self
            .request
            .headers()
            .get_all(name)
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .collect();
        decode(&format!("header `{name}`"), values)
    }

    /// Every header of the request, as a map or struct.
    pub fn header_map<T: Deserialize<'de>>(&self) -> Result<T, ArgError> {
        let pairs = self
            .request
            .headers()
            .iter()
            .map(|(k, v)| {
                let value = String::from_utf8_lossy(v.as_bytes()).into_owned();
                (k.as_str().to_owned(), value)
            })
            .collect();
        T::deserialize(Pairs(pairs)).map_err(|e| ArgError::new(format!("header map: {e}")))
    }

    fn body_bytes(&self) -> &'de [u8] {
        self.request.body().as_bytes().unwrap_or_default()
    }

    /// The body as JSON.
    pub fn json_body<T: Deserialize<'de>>(&self) -> Result<T, ArgError> {
        serde_json::from_slice(self.body_bytes())
            .map_err(|e| ArgError::new(format!("JSON body: {e}")))
    }

    /// The body as UTF-8 text.
    pub fn text_body(&self) -> Result<String, ArgError> {
        String::from_utf8(self.body_bytes().to_vec())
            .map_err(|_| ArgError::new("text body: not UTF-8"))
    }

    /// The body's bytes.
    pub fn bytes_body(&self) -> Bytes {
        Bytes::copy_from_slice(self.body_bytes())
    }

    /// The body as `T`, read the way the client sent a `T` (see [`BodyValue`]).
    pub fn body_value<T: super::BodyValue<'de>>(&self) -> Result<T, ArgError> {
        T::read(self)
    }

    /// Every value of form field `key` (decoded, or as sent when `raw`).
    pub fn field<T: Deserialize<'de>>(&self, key: &str, raw: bool) -> Result<T, ArgError> {
        let values = pairs(&self.form_text()?, raw)
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v)
            .collect();
        decode(&format!("form field `{key}`"), values)
    }

    /// A `#[field]` with a `style`: the joined value split again (a value holding the
    /// delimiter cannot be told apart in a form), or the bracketed pairs under `key`.
    pub fn field_styled<T: Deserialize<'de>>(
        &self,
        key: &str,
        style: Style,
    ) -> Result<T, ArgError> {
        let text = self.form_text()?;
        let what = format!("form field `{key}`");
        match style.delimiter() {
            Some(delimiter) => {
                let values = pairs(&text, false)
                    .filter(|(k, _)| k == key)
                    .flat_map(|(_, v)| v.split(delimiter).map(str::to_owned).collect::<Vec<_>>())
                    .collect();
                decode(&what, values)
            }
            None => deep(&what, Some(key), pairs(&text, false)),
        }
    }

    /// The form fields, except those other arguments own, as a map or struct; with `deep`,
    /// bracketed keys are nested values.
    pub fn field_map<T: Deserialize<'de>>(
        &self,
        others: &[&str],
        deep: bool,
    ) -> Result<T, ArgError> {
        let pairs = pairs(&self.form_text()?, false)
            .filter(|(k, _)| !owned_by(others, k))
            .collect::<Vec<_>>();
        map_of("form fields", pairs, deep)
    }

    fn form_text(&self) -> Result<String, ArgError> {
        String::from_utf8(self.body_bytes().to_vec())
            .map_err(|_| ArgError::new("form body: not UTF-8"))
    }

    /// The multipart parts named `name`, in order.
    pub fn parts(&self, name: &str) -> Result<Vec<RecordedPart>, ArgError> {
        let content_type = self
            .request
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let parts = parse_parts(content_type, self.body_bytes()).map_err(ArgError::new)?;
        Ok(parts.into_iter().filter(|p| p.name() == name).collect())
    }

    /// The request's URL (what a `#[url]` argument became).
    pub fn url(&self) -> url::Url {
        self.request.url().clone()
    }
}

fn decode<'de, T: Deserialize<'de>>(what: &str, values: Vec<String>) -> Result<T, ArgError> {
    T::deserialize(Values(values)).map_err(|e| ArgError::new(format!("{what}: {e}")))
}

/// The pairs under `root` (or all of them) as a nested value.
fn deep<'de, T: Deserialize<'de>>(
    what: &str,
    root: Option<&str>,
    pairs: impl Iterator<Item = (String, String)>,
) -> Result<T, ArgError> {
    let tree = Tree::from_pairs(root, pairs).map_err(|e| ArgError::new(format!("{what}: {e}")))?;
    T::deserialize(tree).map_err(|e| ArgError::new(format!("{what}: {e}")))
}

fn map_of<'de, T: Deserialize<'de>>(
    what: &str,
    pairs: Vec<(String, String)>,
    deep_keys: bool,
) -> Result<T, ArgError> {
    if deep_keys {
        return deep(what, None, pairs.into_iter());
    }
    T::deserialize(Pairs(pairs)).map_err(|e| ArgError::new(format!("{what}: {e}")))
}

/// Whether another argument sent `key`: its own key, or a bracketed key under it.
fn owned_by(others: &[&str], key: &str) -> bool {
    others.iter().any(|other| {
        key == *other
            || key
                .strip_prefix(other)
                .is_some_and(|rest| rest.starts_with('['))
    })
}

/// One piece of a raw query value, decoded the WHATWG way.
fn form_decoded(raw: &str) -> String {
    url::form_urlencoded::parse(format!("v={raw}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// `key=value` pairs of a query or form, decoded the WHATWG way, or split only when `raw`.
fn pairs(text: &str, raw: bool) -> Box<dyn Iterator<Item = (String, String)> + '_> {
    if raw {
        Box::new(text.split('&').filter(|p| !p.is_empty()).map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let key = url::form_urlencoded::parse(k.as_bytes())
                .next()
                .map_or(Cow::Borrowed(k), |(key, _)| key);
            (key.into_owned(), v.to_owned())
        }))
    } else {
        Box::new(
            url::form_urlencoded::parse(text.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned())),
        )
    }
}

/// The placeholder values of `pieces` when they match the end of `path`: the template follows
/// the base URL's own path, which the request does not record separately.
fn match_suffix<'p>(path: &'p str, pieces: &[PathPiece]) -> Option<Vec<(bool, &'p str)>> {
    if pieces.is_empty() {
        return Some(Vec::new());
    }
    (0..=path.len())
        .filter(|&start| path.is_char_boundary(start))
        .find_map(|start| {
            let mut values = Vec::new();
            match_from(&path[start..], pieces, &mut values).then_some(values)
        })
}

fn match_from<'p>(rest: &'p str, pieces: &[PathPiece], values: &mut Vec<(bool, &'p str)>) -> bool {
    let Some((first, others)) = pieces.split_first() else {
        return rest.is_empty();
    };
    match *first {
        PathPiece::Literal(text) => rest
            .strip_prefix(text)
            .is_some_and(|after| match_from(after, others, values)),
        PathPiece::Param { raw } => {
            for end in (0..=rest.len()).filter(|&end| rest.is_char_boundary(end)) {
                let value = &rest[..end];
                if !raw && value.contains('/') {
                    break;
                }
                values.push((raw, value));
                if match_from(&rest[end..], others, values) {
                    return true;
                }
                values.pop();
            }
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const USERS_POSTS: &[PathPiece] = &[
        PathPiece::Literal("/users/"),
        PathPiece::Param { raw: false },
        PathPiece::Literal("/posts/"),
        PathPiece::Param { raw: false },
        PathPiece::Literal(".json"),
    ];

    #[test]
    fn placeholders_are_read_from_the_end_of_the_path() {
        let values =
            match_suffix("/api/v1/users/a%20b/posts/7.json", USERS_POSTS).expect("matches");
        assert_eq!(values, vec![(false, "a%20b"), (false, "7")]);
        assert!(match_suffix("/api/v1/users/a/b/posts/7.json", USERS_POSTS).is_none());
    }

    #[test]
    fn an_encoded_placeholder_may_span_segments() {
        let pieces = &[
            PathPiece::Literal("/files/"),
            PathPiece::Param { raw: true },
        ];
        let values = match_suffix("/files/a/b.txt", pieces).expect("matches");
        assert_eq!(values, vec![(true, "a/b.txt")]);
    }
}

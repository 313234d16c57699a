//! The body-making half of `Call`: `#[body]` of each kind, `#[form]` fields, `#[multipart]`
//! parts and the `#[progress]` observer.

use bytes::Bytes;
use http::HeaderMap;
use http::header::{CONTENT_TYPE, HeaderValue};
use serde::Serialize;
use serde_json::value::RawValue;

use super::Call;
use crate::body::{Body, Multipart, Part};
use crate::codec::{PartValue, RequestValue};
use crate::encode::form;
use crate::encode::style::{Style, deep_pairs, joined_values};
use crate::error::{Error, Result};
use crate::progress::Progress;

/// The body as the arguments build it.
#[derive(Default)]
pub(super) enum PendingBody {
    #[default]
    Empty,
    /// A finished body and the `Content-Type` its kind implies.
    Ready(Body, &'static str),
    /// `#[form]`: the encoded pairs so far.
    Form(String),
    /// `#[multipart]`: the parts so far.
    Multipart(Multipart),
}

impl PendingBody {
    /// Puts the body's natural `Content-Type` into `headers` unless the endpoint set one; a
    /// multipart type set there gets the form's boundary if it lacks one.
    pub(super) fn finish(self, headers: &mut HeaderMap) -> Body {
        let (body, content_type) = match self {
            Self::Empty => return Body::empty(),
            Self::Ready(body, content_type) => (body, content_type.to_owned()),
            Self::Form(pairs) => (
                Body::from(pairs),
                "application/x-www-form-urlencoded".to_owned(),
            ),
            Self::Multipart(form) => {
                let content_type = form.content_type();
                if let Some(given) = headers.get(CONTENT_TYPE)
                    && let Some(with_boundary) = add_boundary(given, form.boundary())
                {
                    headers.insert(CONTENT_TYPE, with_boundary);
                }
                (Body::from(form), content_type)
            }
        };
        if !headers.contains_key(CONTENT_TYPE)
            && let Ok(value) = HeaderValue::try_from(content_type)
        {
            headers.insert(CONTENT_TYPE, value);
        }
        body
    }
}

/// `multipart/related` → `multipart/related; boundary=…`; `None` when the type is not
/// multipart or already names a boundary.
fn add_boundary(given: &HeaderValue, boundary: &str) -> Option<HeaderValue> {
    let text = given.to_str().ok()?;
    let lower = text.to_ascii_lowercase();
    if !lower.starts_with("multipart/") || lower.contains("boundary=") {
        return None;
    }
    HeaderValue::try_from(format!("{text}; boundary={boundary}")).ok()
}

/// What a `#[body]` of bytes may be.
pub trait BodyBytes {
    /// The bytes, copied only when they are not already shared.
    fn body_bytes(&self) -> Bytes;
}

impl BodyBytes for Bytes {
    fn body_bytes(&self) -> Bytes {
        self.clone()
    }
}

impl BodyBytes for [u8] {
    fn body_bytes(&self) -> Bytes {
        Bytes::copy_from_slice(self)
    }
}

impl BodyBytes for Vec<u8> {
    fn body_bytes(&self) -> Bytes {
        Bytes::copy_from_slice(self)
    }
}

impl<const N: usize> BodyBytes for [u8; N] {
    fn body_bytes(&self) -> Bytes {
        Bytes::copy_from_slice(self)
    }
}

impl<T: BodyBytes + ?Sized> BodyBytes for &T {
    fn body_bytes(&self) -> Bytes {
        (**self).body_bytes()
    }
}

/// What a `#[body]` of type `Body` may be.
pub trait BodyArg {
    /// The body.
    fn into_body(self) -> Body;
}

impl BodyArg for Body {
    fn into_body(self) -> Body {
        self
    }
}

impl BodyArg for &Body {
    fn into_body(self) -> Body {
        self.clone()
    }
}

impl Call {
    fn set_body(&mut self, body: Body, content_type: &'static str) {
        self.body = PendingBody::Ready(body, content_type);
    }

    /// A `#[body]` of any other type: serialized to JSON now, once, so it can be sent again.
    pub fn json_body<T: Serialize + ?Sized>(&mut self, value: &T) {
        match serde_json::to_vec(value) {
            Ok(bytes) => self.set_body(Body::from(bytes), "application/json"),
            Err(e) => self.fail(Error::invalid_request(format!(
                "could not serialize the body: {e}"
            ))),
        }
    }

    /// A `#[body]` of text (`String`, `&str`): sent as UTF-8 `text/plain`.
    pub fn text_body<T: AsRef<str> + ?Sized>(&mut self, text: &T) {
        let bytes = Bytes::copy_from_slice(text.as_ref().as_bytes());
        self.set_body(Body::from(bytes), "text/plain; charset=utf-8");
    }

    /// A `#[body]` of bytes (`Bytes`, `Vec<u8>`, `&[u8]`): sent as
    /// `application/octet-stream`.
    pub fn bytes_body<T: BodyBytes + ?Sized>(&mut self, bytes: &T) {
        self.set_body(Body::from(bytes.body_bytes()), "application/octet-stream");
    }

    /// A `#[body]` of type [`Body`]: a file, a stream or a multipart form built by hand.
    pub fn raw_body(&mut self, body: impl BodyArg) {
        let body = body.into_body();
        match body.as_multipart() {
            // Its `Content-Type` comes from the form when the request is finished.
            Some(form) => self.body = PendingBody::Multipart(form.clone()),
            None => self.set_body(body, "application/octet-stream"),
        }
    }

    fn form(&mut self) -> &mut String {
        if !matches!(self.body, PendingBody::Form(_)) {
            self.body = PendingBody::Form(String::new());
        }
        match &mut self.body {
            PendingBody::Form(pairs) => pairs,
            _ => unreachable!("set just above"),
        }
    }

    fn push_field(&mut self, key: &str, value: &dyn RequestValue, encoded: bool) {
        let pairs = self.form();
        let result = value.each_value(&mut |v| {
            form::push_pair(pairs, key, v, encoded);
            Ok(())
        });
        if let Err(e) = result {
            self.fail(Error::invalid_request(format!("form field `{key}`: {e}")));
        }
    }

    /// A `#[field]`: `None` adds nothing, sequences repeat the key.
    pub fn field(&mut self, key: &str, value: &dyn RequestValue) {
        self.push_field(key, value, false);
    }

    /// A `#[field(encoded)]`: key and value are already form-encoded.
    pub fn field_encoded(&mut self, key: &str, value: &dyn RequestValue) {
        self.push_field(key, value, true);
    }

    /// A `#[field]` with a `style` or `explode = false`: one value joined by the style's
    /// delimiter, or `deepObject`'s bracketed pairs (`metadata[order_id]=6735`).
    pub fn field_styled(&mut self, key: &str, value: &dyn RequestValue, style: Style) {
        if style == Style::Form {
            return self.field(key, value);
        }
        let pairs = self.form();
        let result = match style.delimiter() {
            Some(delimiter) => joined_values(value).map(|values| {
                if !values.is_empty() {
                    let text = values.join(&delimiter.to_string());
                    form::push_pair(pairs, key, &text, false);
                }
            }),
            None => value.json_value().and_then(|json| {
                deep_pairs(Some(key), &json, &mut |k, v| {
                    form::push_pair(pairs, k, v, false);
                })
            }),
        };
        if let Err(e) = result {
            self.fail(Error::invalid_request(format!("form field `{key}`: {e}")));
        }
    }

    /// A `#[field_map(style = "deepObject")]`: top-level fields as form fields, nested values
    /// in brackets, as Stripe's API takes them (`items[0][price]=p`).
    pub fn field_map_deep(&mut self, map: &dyn RequestValue) {
        let pairs = self.form();
        let result = map.json_value().and_then(|json| {
            deep_pairs(None, &json, &mut |k, v| form::push_pair(pairs, k, v, false))
        });
        if let Err(e) = result {
            self.fail(Error::invalid_request(format!("form field map: {e}")));
        }
    }

    /// A `#[field_map]`: each field or entry becomes a form field, in order.
    pub fn field_map(&mut self, map: &dyn RequestValue) {
        let pairs = self.form();
        let result = map.each_pair(&mut |k, v| {
            form::push_pair(pairs, k, v, false);
            Ok(())
        });
        if let Err(e) = result {
            self.fail(Error::invalid_request(format!("form field map: {e}")));
        }
    }

    fn multipart(&mut self) -> &mut Multipart {
        if !matches!(self.body, PendingBody::Multipart(_)) {
            self.body = PendingBody::Multipart(Multipart::new());
        }
        match &mut self.body {
            PendingBody::Multipart(form) => form,
            _ => unreachable!("set just above"),
        }
    }

    /// A `#[part]` of text, bytes or [`Part`]s.
    pub fn part<T: PartValue + ?Sized>(&mut self, name: &str, value: &T) {
        value.add_to(name, self.multipart());
    }

    /// A `#[part]` of any other type: one `application/json` part, none for `None`; with
    /// `each`, one part per element of a sequence.
    pub fn json_part<T: Serialize + ?Sized>(&mut self, name: &str, value: &T, each: bool) {
        if let Err(e) = self.push_json_part(name, value, each) {
            self.fail(e);
        }
    }

    fn push_json_part<T: Serialize + ?Sized>(
        &mut self,
        name: &str,
        value: &T,
        each: bool,
    ) -> Result<()> {
        let invalid = |e: serde_json::Error| {
            Error::invalid_request(format!("could not serialize part `{name}`: {e}"))
        };
        // Serialized once, as written: struct fields keep their order.
        let json = serde_json::to_string(value).map_err(invalid)?;
        let items: Vec<Box<RawValue>> = match serde_json::from_str(&json) {
            Ok(items) if each => items,
            _ => vec![RawValue::from_string(json).map_err(invalid)?],
        };
        for item in items.iter().filter(|item| item.get() != "null") {
            let part = Part::bytes(item.get().to_owned()).content_type("application/json");
            self.multipart().push(name.to_owned(), part);
        }
        Ok(())
    }

    /// The `#[progress]` parameter.
    pub fn progress(&mut self, progress: Option<Progress>) {
        self.progress = progress;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_multipart_type_given_by_the_endpoint_gets_the_boundary() {
        let related = HeaderValue::from_static("multipart/related; type=\"application/json\"");
        assert_eq!(
            add_boundary(&related, "b1").unwrap(),
            "multipart/related; type=\"application/json\"; boundary=b1"
        );
        assert!(
            add_boundary(
                &HeaderValue::from_static("multipart/mixed; boundary=x"),
                "b"
            )
            .is_none()
        );
        assert!(add_boundary(&HeaderValue::from_static("application/json"), "b").is_none());
    }
}

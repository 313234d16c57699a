//! Decoders for each kind of return type, picked by the macro from the written type.

use std::marker::PhantomData;

use bytes::Bytes;
use http::StatusCode;
use serde::de::DeserializeOwned;

use crate::error::response_snippet;
use crate::error::{Error, Result};
use crate::redact::Redactor;

/// Turns a successful response body into the endpoint's return value.
pub trait Decode {
    /// The decoded value.
    type Output: Send + 'static;

    /// Decodes the body; a decode error's body snippet hides what `redactor` names.
    ///
    /// # Errors
    ///
    /// [`Error::Decode`] when the body is not a valid `Output`.
    fn decode(status: StatusCode, body: Bytes, redactor: &Redactor) -> Result<Self::Output>;
}

/// `()`: the body is ignored.
pub struct Unit;

impl Decode for Unit {
    type Output = ();

    fn decode(_: StatusCode, _: Bytes, _: &Redactor) -> Result<()> {
        Ok(())
    }
}

/// `String`: the body as UTF-8 text.
pub struct Text;

impl Decode for Text {
    type Output = String;

    fn decode(_: StatusCode, body: Bytes, redactor: &Redactor) -> Result<String> {
        String::from_utf8(body.to_vec()).map_err(|e| Error::Decode {
            path: ".".to_owned(),
            message: format!("the body is not valid UTF-8: {e}"),
            snippet: response_snippet(&body, redactor),
        })
    }
}

/// `Bytes`: the body as it came.
pub struct Raw;

impl Decode for Raw {
    type Output = Bytes;

    fn decode(_: StatusCode, body: Bytes, _: &Redactor) -> Result<Bytes> {
        Ok(body)
    }
}

/// Any other type: JSON through serde. An empty body (and any 204 or 205) decodes as JSON
/// `null`, so `Option<T>` gives `None` and `()` gives `()`.
pub struct Json<T>(PhantomData<fn() -> T>);

impl<T: DeserializeOwned + Send + 'static> Decode for Json<T> {
    type Output = T;

    fn decode(status: StatusCode, body: Bytes, redactor: &Redactor) -> Result<T> {
        let no_content = matches!(status.as_u16(), 204 | 205) || body.is_empty();
        let input: &[u8] = if no_content { b"null" } else { &body };
        let mut deserializer = serde_json::Deserializer::from_slice(input);
        serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
            // serde quotes the value it could not use, and that value may be a token.
            let inner = crate::redact::serde_message(&e.inner().to_string());
            let message = if no_content {
                format!(
                    "the response has no body, but `{}` cannot be empty: {inner}; return `Option<…>` or `()` to allow that",
                    std::any::type_name::<T>(),
                )
            } else {
                inner
            };
            Error::Decode {
                path: e.path().to_string(),
                message,
                snippet: response_snippet(&body, redactor),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct User {
        id: u64,
        email: String,
    }

    #[test]
    fn decode_error_names_the_failing_field() {
        let body = Bytes::from_static(br#"[{"id":1,"email":"a"},{"id":2,"email":5}]"#);
        let error = Json::<Vec<User>>::decode(StatusCode::OK, body, &Redactor::new()).unwrap_err();
        match error {
            Error::Decode { path, snippet, .. } => {
                assert_eq!(path, "[1].email");
                assert!(snippet.starts_with("[{\"id\":1"));
            }
            other => panic!("expected Decode, got {other:?}"),
        }
    }

    #[test]
    fn empty_bodies_decode_to_none_and_unit() {
        assert_eq!(
            Json::<Option<u32>>::decode(StatusCode::OK, Bytes::new(), &Redactor::new()).unwrap(),
            None
        );
        assert_eq!(
            Json::<Option<u32>>::decode(
                StatusCode::NO_CONTENT,
                Bytes::from_static(b"junk"),
                &Redactor::new()
            )
            .unwrap(),
            None
        );
        Json::<()>::decode(StatusCode::OK, Bytes::new(), &Redactor::new()).unwrap();
        let error =
            Json::<User>::decode(StatusCode::OK, Bytes::new(), &Redactor::new()).unwrap_err();
        assert!(error.to_string().contains("no body"), "{error}");
    }
}

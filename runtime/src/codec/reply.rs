//! What an endpoint can return, and how each such type is read from the response.

use std::any::{Any, TypeId};

use bytes::Bytes;
use http::StatusCode;
use serde::de::DeserializeOwned;

use crate::client::Client;
use crate::error::{Error, Result, response_snippet};
use crate::redact::Redactor;
use crate::request::Request;
use crate::response::{Received, Response};
use crate::stream::ByteStream;

/// A type an endpoint can return: the `T` of `Result<T, E>`.
///
/// Implemented for every `T: serde::de::DeserializeOwned` (decoded from JSON), with `String`
/// (UTF-8 text), [`Bytes`] (the body as it came) and `()` (the body ignored) read as they
/// are, and for [`ByteStream`] (the body handed over unread) and [`Response<T>`] (`T` with the
/// status, headers and URL). The choice goes by the type itself, so an alias or a re-export
/// behaves like the name it stands for.
///
/// # Examples
///
/// ```
/// type Download = ferrofit::ByteStream;
/// type Page<T> = ferrofit::Response<Vec<T>>;
///
/// #[ferrofit::rest_api]
/// trait Files {
///     #[get("/files/<name>")]
///     async fn file(&self, name: &str) -> ferrofit::Result<Download>;
///
///     #[get("/names")]
///     async fn names(&self) -> ferrofit::Result<Page<String>>;
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be decoded from a response",
    label = "an endpoint returns this",
    note = "derive `serde::Deserialize` for `{Self}` to decode it from JSON, or return `String`, `Bytes`, `ByteStream`, `()` or `Response<…>` of one of them"
)]
pub trait FromReply: Sized + Send + 'static {
    /// Whether the body is handed over unread rather than read whole first.
    #[doc(hidden)]
    const STREAM: bool;

    /// The value from a successful response's status and body (read whole unless
    /// [`Self::STREAM`]); a decode error's body snippet hides what `redactor` names.
    ///
    /// # Errors
    ///
    /// [`Error::Decode`] when the body is not a valid `Self`.
    #[doc(hidden)]
    fn from_body(status: StatusCode, body: Received, redactor: &Redactor) -> Result<Self>;

    /// The value from a successful response's head (status, headers, URL) and body; only
    /// streams that read the headers need more than [`from_body`](Self::from_body).
    ///
    /// # Errors
    ///
    /// As [`from_body`](Self::from_body).
    #[doc(hidden)]
    fn from_head(head: &Response<()>, body: Received, call: &mut ReplyContext) -> Result<Self> {
        Self::from_body(head.status(), body, call.client.redactor())
    }

    /// The value from a successful response; only [`Response<T>`] keeps the head.
    ///
    /// # Errors
    ///
    /// As [`from_body`](Self::from_body).
    #[doc(hidden)]
    fn from_reply(response: Response<Received>, call: &mut ReplyContext) -> Result<Self> {
        let (head, body) = response.split();
        Self::from_head(&head, body, call)
    }

    /// Whether the value may send the request again (a reconnecting event stream, the next
    /// page): the call then keeps a copy of it in the [`ReplyContext`].
    #[doc(hidden)]
    const REPLAYS: bool = false;

    /// Whether the type is [`Pages`](crate::Pages), which only an endpoint with
    /// `#[paginate(..)]` may return.
    #[doc(hidden)]
    const PAGES: bool = false;

    /// Names `Self` for a call to receive: generated code passes it, so a type that is no
    /// reply is reported where the endpoint names it.
    #[doc(hidden)]
    const RECEIVE: Receiving<Self> = Receiving {
        stream: Self::STREAM,
        replays: Self::REPLAYS,
        pages: Self::PAGES,
        from_reply: Self::from_reply,
    };

    /// The reply's media type and schema for the OpenAPI export; `json` gives the schema of
    /// the type as written when it is decoded from JSON.
    #[cfg(feature = "openapi")]
    #[doc(hidden)]
    fn describe(
        schemas: &mut crate::openapi::Schemas,
        json: impl FnOnce(&mut crate::openapi::Schemas) -> serde_json::Value,
    ) -> Option<(&'static str, serde_json::Value)>;
}

/// What a reply type may need besides the response: the client that sent the call and, when
/// the type [`REPLAYS`](FromReply::REPLAYS), a copy of the request as it entered the client.
#[doc(hidden)]
pub struct ReplyContext {
    pub(crate) client: Client,
    pub(crate) request: Option<Request>,
}

impl ReplyContext {
    pub(crate) fn new(client: Client, request: Option<Request>) -> Self {
        Self { client, request }
    }
}

/// A reply type, named for a call to receive (see [`FromReply::RECEIVE`]): how to read it,
/// as plain values, so the call needs no `FromReply` bound of its own and a type that is no
/// reply gives one error, where generated code names it.
#[doc(hidden)]
pub struct Receiving<T> {
    pub(crate) stream: bool,
    pub(crate) replays: bool,
    pages: bool,
    pub(crate) from_reply: fn(Response<Received>, &mut ReplyContext) -> Result<T>,
}

impl<T> Receiving<T> {
    /// Itself, checked to be no [`Pages`](crate::Pages): generated code calls it in an inline
    /// `const` for an endpoint without `#[paginate(..)]`, so that is a compile error there.
    ///
    /// # Panics
    ///
    /// If it is pages: while compiling, as the `const` is evaluated.
    #[must_use]
    pub const fn unpaginated(self) -> Self {
        assert!(
            !self.pages,
            "an endpoint that returns `Pages<T>` needs `#[paginate(..)]` to say where the next page is: `#[paginate(link)]`, `#[paginate(cursor = \"next\", param = \"cursor\", items = \"data\")]`, `#[paginate(page = \"page\")]` or `#[paginate(offset = \"offset\")]`"
        );
        self
    }
}

impl<T> Clone for Receiving<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Receiving<T> {}

/// How a reply type is read, by the type itself.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum ReplyShape {
    /// `()`: the body is ignored.
    Unit,
    /// `String`: UTF-8 text.
    Text,
    /// `Bytes`: as it came.
    Raw,
    /// Anything else: JSON.
    Json,
}

impl ReplyShape {
    /// The shape of `T`. Types are compared, not names, so aliases land where their target
    /// does. The comparison folds to a constant once `T` is known.
    pub(crate) fn of<T: ?Sized + 'static>() -> Self {
        let id = TypeId::of::<T>();
        if id == TypeId::of::<()>() {
            Self::Unit
        } else if id == TypeId::of::<String>() {
            Self::Text
        } else if id == TypeId::of::<Bytes>() {
            Self::Raw
        } else {
            Self::Json
        }
    }
}

/// `value` as a `T`, when `T` is `U` (a shape already said so).
pub(crate) fn same_type<U: 'static, T: 'static>(value: U) -> Option<T> {
    let mut slot = Some(value);
    (&mut slot as &mut dyn Any)
        .downcast_mut::<Option<T>>()
        .and_then(Option::take)
}

fn shape_mismatch() -> Error {
    Error::invalid_request("internal: a shape did not match its type")
}

#[diagnostic::do_not_recommend]
impl<T: DeserializeOwned + Send + 'static> FromReply for T {
    const STREAM: bool = false;

    fn from_body(status: StatusCode, body: Received, redactor: &Redactor) -> Result<Self> {
        let body = match body {
            Received::Bytes(bytes) => bytes,
            // `STREAM` is false: the call reads the body whole before it gets here.
            Received::Stream(_) => return Err(shape_mismatch()),
        };
        match ReplyShape::of::<T>() {
            ReplyShape::Unit => same_type(()),
            ReplyShape::Text => same_type(text(body, redactor)?),
            ReplyShape::Raw => same_type(body),
            ReplyShape::Json => return json(status, body, redactor),
        }
        .ok_or_else(shape_mismatch)
    }

    #[cfg(feature = "openapi")]
    fn describe(
        schemas: &mut crate::openapi::Schemas,
        json: impl FnOnce(&mut crate::openapi::Schemas) -> serde_json::Value,
    ) -> Option<(&'static str, serde_json::Value)> {
        match ReplyShape::of::<T>() {
            ReplyShape::Unit => None,
            ReplyShape::Text => Some(("text/plain", schemas.of::<String>())),
            ReplyShape::Raw => Some(("application/octet-stream", schemas.binary())),
            ReplyShape::Json => Some(("application/json", json(schemas))),
        }
    }
}

impl FromReply for ByteStream {
    const STREAM: bool = true;

    fn from_body(_: StatusCode, body: Received, _: &Redactor) -> Result<Self> {
        Ok(body.into_stream())
    }

    #[cfg(feature = "openapi")]
    fn describe(
        schemas: &mut crate::openapi::Schemas,
        _: impl FnOnce(&mut crate::openapi::Schemas) -> serde_json::Value,
    ) -> Option<(&'static str, serde_json::Value)> {
        Some(("application/octet-stream", schemas.binary()))
    }
}

impl<T: FromReply> FromReply for Response<T> {
    const STREAM: bool = T::STREAM;

    fn from_body(_: StatusCode, _: Received, _: &Redactor) -> Result<Self> {
        Err(Error::invalid_request(
            "`Response<Response<…>>` is not a reply type: return `Response<T>` once",
        ))
    }

    fn from_reply(response: Response<Received>, call: &mut ReplyContext) -> Result<Self> {
        let (head, body) = response.split();
        let value = T::from_head(&head, body, call)?;
        Ok(head.map(|()| value))
    }

    const REPLAYS: bool = T::REPLAYS;
    const PAGES: bool = T::PAGES;

    #[cfg(feature = "openapi")]
    fn describe(
        schemas: &mut crate::openapi::Schemas,
        json: impl FnOnce(&mut crate::openapi::Schemas) -> serde_json::Value,
    ) -> Option<(&'static str, serde_json::Value)> {
        T::describe(schemas, json)
    }
}

/// The body as UTF-8 text.
fn text(body: Bytes, redactor: &Redactor) -> Result<String> {
    String::from_utf8(body.to_vec()).map_err(|e| Error::Decode {
        path: ".".to_owned(),
        message: format!("the body is not valid UTF-8: {e}"),
        snippet: response_snippet(&body, redactor),
    })
}

/// The body as JSON. An empty body (and any 204 or 205) decodes as JSON `null`, so
/// `Option<T>` gives `None` and `()` gives `()`.
pub(crate) fn json<T: DeserializeOwned>(
    status: StatusCode,
    body: Bytes,
    redactor: &Redactor,
) -> Result<T> {
    let no_content = matches!(status.as_u16(), 204 | 205) || body.is_empty();
    let input: &[u8] = if no_content { b"null" } else { &body };
    // Decoding is deterministic: a body that fails here fails the same way again below, where
    // the path to the field is tracked. Tracking costs a string per field, so only a body
    // that failed pays for it. Neither checks for trailing data (`Deserializer::end`).
    if let Ok(value) = T::deserialize(&mut serde_json::Deserializer::from_slice(input)) {
        return Ok(value);
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct User {
        id: u64,
        email: String,
    }

    fn decode<T: FromReply>(status: StatusCode, body: &'static [u8]) -> Result<T> {
        let body = Received::Bytes(Bytes::from_static(body));
        T::from_body(status, body, &Redactor::new())
    }

    #[test]
    fn decode_error_names_the_failing_field() {
        let body = br#"[{"id":1,"email":"a"},{"id":2,"email":5}]"#;
        match decode::<Vec<User>>(StatusCode::OK, body).unwrap_err() {
            Error::Decode { path, snippet, .. } => {
                assert_eq!(path, "[1].email");
                assert!(snippet.starts_with("[{\"id\":1"));
            }
            other => panic!("expected Decode, got {other:?}"),
        }
    }

    #[test]
    fn empty_bodies_decode_to_none_and_unit() {
        assert_eq!(decode::<Option<u32>>(StatusCode::OK, b"").unwrap(), None);
        assert_eq!(
            decode::<Option<u32>>(StatusCode::NO_CONTENT, b"junk").unwrap(),
            None
        );
        decode::<()>(StatusCode::OK, b"ignored").unwrap();
        let error = decode::<User>(StatusCode::OK, b"").unwrap_err();
        assert!(error.to_string().contains("no body"), "{error}");
    }

    type Text = String;
    type Raw = Bytes;

    #[test]
    fn shapes_go_by_the_type_so_aliases_read_like_their_target() {
        assert_eq!(ReplyShape::of::<Text>(), ReplyShape::Text);
        assert_eq!(ReplyShape::of::<Raw>(), ReplyShape::Raw);
        assert_eq!(ReplyShape::of::<Option<String>>(), ReplyShape::Json);
        assert_eq!(ReplyShape::of::<Vec<u8>>(), ReplyShape::Json);
        assert_eq!(
            decode::<Text>(StatusCode::OK, b"\"quoted\"").unwrap(),
            "\"quoted\""
        );
        assert_eq!(decode::<Raw>(StatusCode::OK, b"[1]").unwrap(), &b"[1]"[..]);
        assert!(matches!(
            decode::<Text>(StatusCode::OK, b"\xff"),
            Err(Error::Decode { .. })
        ));
    }
}

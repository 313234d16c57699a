//! How a `#[body]` is sent, chosen by its type: text, bytes, a [`Body`] built by hand, or JSON.
//!
//! Generated code asks `(&&BodyPick::<T>::new()).body_codec()` for the codec of the
//! parameter's type `T` (references removed): method lookup tries `&BodyPick<T>` first, where
//! the special types live, then `BodyPick<T>`, where everything else is JSON. Types are
//! matched after aliases are resolved, so `type Note = String` is sent as text.

use std::borrow::Cow;
use std::marker::PhantomData;

use bytes::Bytes;
use serde::Serialize;

use crate::__private::{BodyArg, BodyBytes, Call};
use crate::body::Body;

/// A way of sending a `#[body]` argument of type `A`.
#[diagnostic::on_unimplemented(
    message = "`{A}` cannot be sent as a `#[body]`",
    label = "this argument is the body",
    note = "derive `serde::Serialize` for it to send JSON, or send `String`/`&str` (text), `Bytes`/`Vec<u8>`/`&[u8]` (bytes) or `ferrofit::Body` (a file, a stream, a form)"
)]
pub trait EncodeBody<A> {
    /// Puts `arg` into `call` as its body.
    #[doc(hidden)]
    fn encode(self, call: &mut Call, arg: A);
}

/// `String`, `str`, `Cow<str>`: UTF-8 `text/plain`.
#[doc(hidden)]
pub struct TextBody;
/// `Bytes`, `Vec<u8>`, `[u8]`, `[u8; N]`: `application/octet-stream`.
#[doc(hidden)]
pub struct BytesBody;
/// [`Body`]: a file, stream or form built by hand.
#[doc(hidden)]
pub struct RawBody;
/// Anything else: JSON.
#[doc(hidden)]
pub struct JsonBody;

impl<A: AsRef<str>> EncodeBody<A> for TextBody {
    fn encode(self, call: &mut Call, arg: A) {
        call.text_body(arg.as_ref());
    }
}

impl<A: BodyBytes> EncodeBody<A> for BytesBody {
    fn encode(self, call: &mut Call, arg: A) {
        call.bytes_body(&arg);
    }
}

impl<A: BodyArg> EncodeBody<A> for RawBody {
    fn encode(self, call: &mut Call, arg: A) {
        call.raw_body(arg);
    }
}

#[diagnostic::do_not_recommend]
impl<A: Serialize> EncodeBody<A> for JsonBody {
    fn encode(self, call: &mut Call, arg: A) {
        call.json_body(&arg);
    }
}

/// Names a body type for the codec lookup.
#[doc(hidden)]
pub struct BodyPick<T: ?Sized>(PhantomData<fn() -> *const T>);

impl<T: ?Sized> BodyPick<T> {
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Self {
        Self(PhantomData)
    }
}

/// Chosen first: the types sent as they are.
#[doc(hidden)]
pub trait ViaBodyAsIs {
    type Codec;
    fn body_codec(&self) -> Self::Codec;
}

macro_rules! as_is {
    ($codec:ident: $($ty:ty),* $(,)?) => {$(
        impl ViaBodyAsIs for &BodyPick<$ty> {
            type Codec = $codec;
            fn body_codec(&self) -> $codec {
                $codec
            }
        }
    )*};
}

as_is!(TextBody: String, str);
as_is!(BytesBody: Bytes, Vec<u8>, [u8]);
as_is!(RawBody: Body);

impl ViaBodyAsIs for &BodyPick<Cow<'_, str>> {
    type Codec = TextBody;
    fn body_codec(&self) -> TextBody {
        TextBody
    }
}

impl<const N: usize> ViaBodyAsIs for &BodyPick<[u8; N]> {
    type Codec = BytesBody;
    fn body_codec(&self) -> BytesBody {
        BytesBody
    }
}

/// Chosen otherwise: JSON.
#[doc(hidden)]
pub trait ViaJsonBody {
    fn body_codec(&self) -> JsonBody;
}

impl<T: ?Sized> ViaJsonBody for BodyPick<T> {
    fn body_codec(&self) -> JsonBody {
        JsonBody
    }
}

/// What the OpenAPI export says of a body codec.
#[cfg(feature = "openapi")]
#[doc(hidden)]
pub trait DescribeBody {
    /// The `Content-Type` it sends.
    fn media_type(&self) -> &'static str;
    /// Its schema; `json` gives the schema of the argument's type when that is what is sent.
    fn schema(
        &self,
        schemas: &mut crate::openapi::Schemas,
        json: impl FnOnce(&mut crate::openapi::Schemas) -> serde_json::Value,
    ) -> serde_json::Value;
}

#[cfg(feature = "openapi")]
mod describe {
    use serde_json::Value;

    use super::{BytesBody, DescribeBody, JsonBody, RawBody, TextBody};
    use crate::openapi::Schemas;

    impl DescribeBody for TextBody {
        fn media_type(&self) -> &'static str {
            "text/plain"
        }
        fn schema(&self, schemas: &mut Schemas, _: impl FnOnce(&mut Schemas) -> Value) -> Value {
            schemas.of::<String>()
        }
    }

    impl DescribeBody for BytesBody {
        fn media_type(&self) -> &'static str {
            "application/octet-stream"
        }
        fn schema(&self, schemas: &mut Schemas, _: impl FnOnce(&mut Schemas) -> Value) -> Value {
            schemas.binary()
        }
    }

    impl DescribeBody for RawBody {
        fn media_type(&self) -> &'static str {
            "application/octet-stream"
        }
        fn schema(&self, schemas: &mut Schemas, _: impl FnOnce(&mut Schemas) -> Value) -> Value {
            schemas.binary()
        }
    }

    impl DescribeBody for JsonBody {
        fn media_type(&self) -> &'static str {
            "application/json"
        }
        fn schema(&self, schemas: &mut Schemas, json: impl FnOnce(&mut Schemas) -> Value) -> Value {
            json(schemas)
        }
    }
}

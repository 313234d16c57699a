//! How a `#[part]` is sent, chosen by its type: as it is (text, bytes, a [`Part`], a file
//! path, and `Option`s and sequences of those), one JSON part per element of a sequence, or
//! one JSON part.
//!
//! Generated code asks `(&&&PartPick::<T>::new()).part_codec()`: method lookup tries
//! `&&PartPick<T>` (types sent as they are), then `&PartPick<T>` (sequences of JSON values),
//! then `PartPick<T>` (one JSON value). Aliases resolve before the lookup.

use std::marker::PhantomData;

use bytes::Bytes;
use serde::Serialize;

use crate::__private::Call;
use crate::body::{Multipart, Part};

/// What a `#[part]` sent as it is (not as JSON) may be: text, bytes, a [`Part`], a file path
/// (`&Path`, `PathBuf`: the file, streamed), or an `Option` (none: no part) or sequence (one
/// part each) of those.
#[doc(hidden)]
pub trait PartValue {
    /// Text (a `string` schema) rather than bytes.
    const TEXT: bool;
    /// Several parts of one name.
    const REPEATS: bool = false;
    /// Adds the part(s) named `name` to `form`.
    fn add_to(&self, name: &str, form: &mut Multipart);
}

/// The types sent as one part each: text (`TEXT`) or bytes, and how each becomes a part.
macro_rules! single_parts {
    ($($ty:ty => $text:literal, |$value:ident| $part:expr;)*) => {$(
        impl PartValue for $ty {
            const TEXT: bool = $text;
            fn add_to(&self, name: &str, form: &mut Multipart) {
                let $value = self;
                form.push(name.to_owned(), $part);
            }
        }
    )*};
}

single_parts! {
    str => true, |text| Part::text(text);
    String => true, |text| Part::text(text.as_str());
    Bytes => false, |bytes| Part::bytes(bytes.clone());
    [u8] => false, |bytes| Part::bytes(Bytes::copy_from_slice(bytes));
    Vec<u8> => false, |bytes| Part::bytes(Bytes::copy_from_slice(bytes));
    std::path::Path => false, |path| Part::file(path);
    std::path::PathBuf => false, |path| Part::file(path.as_path());
    Part => false, |part| part.clone();
}

impl<T: PartValue + ?Sized> PartValue for &T {
    const TEXT: bool = T::TEXT;
    const REPEATS: bool = T::REPEATS;
    fn add_to(&self, name: &str, form: &mut Multipart) {
        (**self).add_to(name, form);
    }
}

impl<T: PartValue> PartValue for Option<T> {
    const TEXT: bool = T::TEXT;
    const REPEATS: bool = T::REPEATS;
    fn add_to(&self, name: &str, form: &mut Multipart) {
        if let Some(value) = self {
            value.add_to(name, form);
        }
    }
}

impl<T: PartValue> PartValue for Vec<T> {
    const TEXT: bool = T::TEXT;
    const REPEATS: bool = true;
    fn add_to(&self, name: &str, form: &mut Multipart) {
        self.as_slice().add_to(name, form);
    }
}

impl<T: PartValue> PartValue for [T] {
    const TEXT: bool = T::TEXT;
    const REPEATS: bool = true;
    fn add_to(&self, name: &str, form: &mut Multipart) {
        for value in self {
            value.add_to(name, form);
        }
    }
}

impl<T: PartValue, const N: usize> PartValue for [T; N] {
    const TEXT: bool = T::TEXT;
    const REPEATS: bool = true;
    fn add_to(&self, name: &str, form: &mut Multipart) {
        self.as_slice().add_to(name, form);
    }
}

/// A way of sending a `#[part]` argument of type `A`.
#[diagnostic::on_unimplemented(
    message = "`{A}` cannot be sent as a `#[part]`",
    label = "this argument is a part",
    note = "derive `serde::Serialize` for it to send a JSON part, or send text (`String`, `&str`), bytes (`Bytes`, `Vec<u8>`), a `ferrofit::Part` or a file path (`&Path`, `PathBuf`), or an `Option` or sequence of those"
)]
pub trait EncodePart<A: ?Sized> {
    /// Adds `arg` to `call`'s form as the part(s) named `name`.
    #[doc(hidden)]
    fn encode(self, call: &mut Call, name: &str, arg: &A);
}

/// Text, bytes, parts and files, as they are.
#[doc(hidden)]
pub struct RawPart {
    /// Text rather than bytes (for the OpenAPI export).
    pub text: bool,
    /// Several parts of one name.
    pub repeats: bool,
}
/// A sequence of JSON values: one `application/json` part each.
#[doc(hidden)]
pub struct JsonEachPart;
/// One `application/json` part (none for `None`).
#[doc(hidden)]
pub struct JsonPart;

impl<A: PartValue + ?Sized> EncodePart<A> for RawPart {
    fn encode(self, call: &mut Call, name: &str, arg: &A) {
        call.part(name, arg);
    }
}

#[diagnostic::do_not_recommend]
impl<A: Serialize + ?Sized> EncodePart<A> for JsonEachPart {
    fn encode(self, call: &mut Call, name: &str, arg: &A) {
        call.json_part(name, arg, true);
    }
}

#[diagnostic::do_not_recommend]
impl<A: Serialize + ?Sized> EncodePart<A> for JsonPart {
    fn encode(self, call: &mut Call, name: &str, arg: &A) {
        call.json_part(name, arg, false);
    }
}

/// Names a part type for the codec lookup.
#[doc(hidden)]
pub struct PartPick<T: ?Sized>(PhantomData<fn() -> *const T>);

impl<T: ?Sized> PartPick<T> {
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Self {
        Self(PhantomData)
    }
}

/// Chosen first: types sent as they are.
#[doc(hidden)]
pub trait ViaPartAsIs {
    fn part_codec(&self) -> RawPart;
}

impl<T: PartValue + ?Sized> ViaPartAsIs for &&PartPick<T> {
    fn part_codec(&self) -> RawPart {
        RawPart {
            text: T::TEXT,
            repeats: T::REPEATS,
        }
    }
}

/// Chosen next: sequences (and optional sequences) of JSON values.
#[doc(hidden)]
pub trait ViaJsonEachPart {
    fn part_codec(&self) -> JsonEachPart;
}

macro_rules! json_each {
    ($([$($generics:tt)*] $ty:ty),* $(,)?) => {$(
        impl<$($generics)*> ViaJsonEachPart for &PartPick<$ty> {
            fn part_codec(&self) -> JsonEachPart {
                JsonEachPart
            }
        }
    )*};
}

json_each!(
    [T] Vec<T>,
    [T] [T],
    [T, const N: usize] [T; N],
    [T] Option<Vec<T>>,
    [T, const N: usize] Option<[T; N]>,
);

/// Chosen otherwise: one JSON value.
#[doc(hidden)]
pub trait ViaJsonPart {
    fn part_codec(&self) -> JsonPart;
}

impl<T: ?Sized> ViaJsonPart for PartPick<T> {
    fn part_codec(&self) -> JsonPart {
        JsonPart
    }
}

/// What the OpenAPI export says of a part codec: the part's schema and, for JSON, its
/// `Content-Type`; `json` gives the schema of the argument's type.
#[cfg(feature = "openapi")]
#[doc(hidden)]
pub trait DescribePart {
    fn describe(
        &self,
        schemas: &mut crate::openapi::Schemas,
        json: impl FnOnce(&mut crate::openapi::Schemas) -> serde_json::Value,
    ) -> (serde_json::Value, Option<&'static str>);
}

#[cfg(feature = "openapi")]
mod describe {
    use serde_json::Value;

    use super::{DescribePart, JsonEachPart, JsonPart, RawPart};
    use crate::openapi::Schemas;

    impl DescribePart for RawPart {
        fn describe(
            &self,
            schemas: &mut Schemas,
            _: impl FnOnce(&mut Schemas) -> Value,
        ) -> (Value, Option<&'static str>) {
            let one = if self.text {
                schemas.of::<String>()
            } else {
                schemas.binary()
            };
            let schema = if self.repeats {
                schemas.array(one)
            } else {
                one
            };
            (schema, None)
        }
    }

    // One JSON part or one per element: described alike, by the argument's own schema (an
    // array of its elements when it is a sequence), each part `application/json`.
    macro_rules! json_parts {
        ($($codec:ty),*) => {$(
            impl DescribePart for $codec {
                fn describe(
                    &self,
                    schemas: &mut Schemas,
                    json: impl FnOnce(&mut Schemas) -> Value,
                ) -> (Value, Option<&'static str>) {
                    (json(schemas), Some("application/json"))
                }
            }
        )*};
    }

    json_parts!(JsonEachPart, JsonPart);
}

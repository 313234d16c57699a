//! A typed mock's `#[body]` argument read back by its type, the way the client sent it: text
//! for `String`, bytes for `Bytes` and `Vec<u8>`, a [`Body`] of the bytes, JSON otherwise.
//! Types are compared after aliases resolve, as the client's codec lookup does.

use std::any::TypeId;

use bytes::Bytes;
use serde::Deserialize;

use super::call_args::{ArgError, MockCall};
use crate::body::Body;
use crate::codec::same_type;

/// A type a typed mock can read a `#[body]` argument back into.
#[diagnostic::on_unimplemented(
    message = "a typed mock cannot read a `#[body]` back into `{Self}`",
    note = "argument matchers decode the body the client sent: derive `serde::Deserialize` for it"
)]
pub trait BodyValue<'de>: Sized {
    /// The body of `call` as `Self`.
    ///
    /// # Errors
    ///
    /// When the body is not a valid `Self`.
    fn read(call: &MockCall<'de>) -> Result<Self, ArgError>;
}

#[diagnostic::do_not_recommend]
impl<'de, T: Deserialize<'de> + 'static> BodyValue<'de> for T {
    fn read(call: &MockCall<'de>) -> Result<Self, ArgError> {
        let id = TypeId::of::<T>();
        let read = if id == TypeId::of::<String>() {
            same_type(call.text_body()?)
        } else if id == TypeId::of::<Bytes>() {
            same_type(call.bytes_body())
        } else if id == TypeId::of::<Vec<u8>>() {
            same_type(call.bytes_body().to_vec())
        } else {
            return call.json_body();
        };
        read.ok_or_else(|| ArgError::new("internal: a body shape did not match its type"))
    }
}

impl BodyValue<'_> for Body {
    fn read(call: &MockCall<'_>) -> Result<Self, ArgError> {
        Ok(Body::from(call.bytes_body()))
    }
}

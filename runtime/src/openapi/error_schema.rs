//! The error body an endpoint declares with `Result<T, ApiError<E>>`, found from its return
//! type in generated code: `ApiError<E>` is described by `E`'s schema, any other error type
//! declares no body. Picked with autoref specialization on the concrete error type, as
//! [`SchemaOf`](super::SchemaOf) picks a schema.

use std::marker::PhantomData;

use schemars::JsonSchema;
use serde_json::Value;

use super::Schemas;
use crate::ApiError;

/// Names the error type of a `Result` in generated code, through aliases:
/// `<ApiResult<T> as ResultParts>::Error`.
#[doc(hidden)]
pub trait ResultParts {
    type Error;
}

impl<T, E> ResultParts for Result<T, E> {
    type Error = E;
}

/// `(&ErrorOf::<E>::new()).error_schema(schemas, body)` in generated code.
#[doc(hidden)]
pub struct ErrorOf<E>(PhantomData<E>);

impl<E> ErrorOf<E> {
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Self {
        Self(PhantomData)
    }
}

/// Chosen first, for `ApiError<E>`: the schema `body` gives (`E`'s, or an open one and a note).
#[doc(hidden)]
pub trait ViaApiError {
    fn error_schema(
        &self,
        schemas: &mut Schemas,
        body: impl FnOnce(&mut Schemas) -> Value,
    ) -> Option<Value>;
}

impl<E> ViaApiError for ErrorOf<ApiError<E>> {
    fn error_schema(
        &self,
        schemas: &mut Schemas,
        body: impl FnOnce(&mut Schemas) -> Value,
    ) -> Option<Value> {
        Some(body(schemas))
    }
}

/// Chosen otherwise: `ferrofit::Error` or the caller's own type declare no error body.
#[doc(hidden)]
pub trait ViaUntypedError {
    fn error_schema(
        &self,
        schemas: &mut Schemas,
        body: impl FnOnce(&mut Schemas) -> Value,
    ) -> Option<Value>;
}

impl<E> ViaUntypedError for &ErrorOf<E> {
    fn error_schema(
        &self,
        _schemas: &mut Schemas,
        _body: impl FnOnce(&mut Schemas) -> Value,
    ) -> Option<Value> {
        None
    }
}

/// RFC 9457 problem details, as the RFC defines the members; others are allowed.
impl JsonSchema for crate::Problem {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Problem".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "object",
            "description": "RFC 9457 problem details",
            "properties": {
                "type": { "type": "string", "format": "uri-reference", "default": "about:blank" },
                "title": { "type": "string" },
                "status": { "type": "integer", "minimum": 100, "maximum": 599 },
                "detail": { "type": "string" },
                "instance": { "type": "string", "format": "uri-reference" }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::openapi::{SchemaOf, ViaJsonSchema as _, ViaUnknown as _};

    #[derive(JsonSchema)]
    #[allow(dead_code)]
    struct Body {
        message: String,
    }

    #[test]
    // The borrows are what pick the typed impls over the fallbacks.
    #[allow(clippy::needless_borrow)]
    fn only_api_error_declares_a_body() {
        let mut schemas = Schemas::default();
        let typed = (&ErrorOf::<ApiError<Body>>::new()).error_schema(&mut schemas, |s| {
            (&SchemaOf::<ApiError<Body>>::new()).schema(s)
        });
        assert_eq!(typed.unwrap()["$ref"], "#/components/schemas/Body");
        let plain = (&ErrorOf::<crate::Error>::new()).error_schema(&mut schemas, |s| {
            (&SchemaOf::<crate::Error>::new()).schema(s)
        });
        assert_eq!(plain, None);
        let (_, notes) = schemas.into_parts();
        assert!(
            notes.is_empty(),
            "the untyped body was never described: {notes:?}"
        );
    }
}

//! JSON Schemas of the types a trait names, from `schemars` (JSON Schema 2020-12, the dialect of
//! OpenAPI 3.1), with named types kept as `#/components/schemas/…` references. A type without
//! `JsonSchema` gets an empty schema and a note instead of a compile error: generated code picks
//! between the two with autoref specialization on a concrete type.

use std::marker::PhantomData;

use schemars::JsonSchema;
use schemars::generate::{SchemaGenerator, SchemaSettings};
use serde_json::{Map, Value, json};

/// The key that marks an open schema left by a type without `JsonSchema`, naming the type:
/// the contract check reports it as not checked instead of passing it.
pub(crate) const UNCHECKED: &str = "x-ferrofit-unchecked";

/// Where a trait's schemas are gathered while it is described.
pub struct Schemas {
    generator: SchemaGenerator,
    notes: Vec<String>,
}

impl Default for Schemas {
    fn default() -> Self {
        let settings = SchemaSettings::draft2020_12().with(|s| {
            s.definitions_path = "/components/schemas".into();
            s.meta_schema = None;
        });
        Self {
            generator: settings.into_generator(),
            notes: Vec::new(),
        }
    }
}

impl Schemas {
    /// The schema of `T`: a reference for named types, inline for the others.
    pub fn of<T: JsonSchema + ?Sized>(&mut self) -> Value {
        self.generator.subschema_for::<T>().to_value()
    }

    /// An empty schema for `type_name`, which does not implement `JsonSchema`, with a note.
    pub fn unknown(&mut self, type_name: &str) -> Value {
        let note = format!(
            "`{type_name}` does not implement `schemars::JsonSchema`; its schema is left open"
        );
        if !self.notes.contains(&note) {
            self.notes.push(note.clone());
        }
        json!({ "description": note, UNCHECKED: type_name })
    }

    /// Raw bytes: a file part, or a whole `application/octet-stream` body.
    pub fn binary(&self) -> Value {
        json!({ "type": "string", "contentMediaType": "application/octet-stream" })
    }

    /// Exactly this text: a query parameter written in the path template.
    pub fn constant(&self, value: &str) -> Value {
        json!({ "type": "string", "const": value })
    }

    /// An array of `items`: a parameter or part that repeats.
    pub fn array(&self, items: Value) -> Value {
        json!({ "type": "array", "items": items })
    }

    /// Records a note for the document's `x-ferrofit-notes`.
    pub fn note(&mut self, note: String) {
        self.notes.push(note);
    }

    pub(crate) fn into_parts(mut self) -> (Map<String, Value>, Vec<String>) {
        (self.generator.take_definitions(true), self.notes)
    }
}

impl std::fmt::Debug for Schemas {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Schemas")
            .field("definitions", &self.generator.definitions().len())
            .field("notes", &self.notes)
            .finish()
    }
}

/// Names a type for the schema lookup in generated code: `(&SchemaOf::<T>::new()).schema(s)`.
#[doc(hidden)]
pub struct SchemaOf<T: ?Sized>(PhantomData<T>);

impl<T: ?Sized> SchemaOf<T> {
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Self {
        Self(PhantomData)
    }
}

/// Chosen first, when `T: JsonSchema`.
#[doc(hidden)]
pub trait ViaJsonSchema {
    fn schema(&self, schemas: &mut Schemas) -> Value;
}

impl<T: JsonSchema + ?Sized> ViaJsonSchema for SchemaOf<T> {
    fn schema(&self, schemas: &mut Schemas) -> Value {
        schemas.of::<T>()
    }
}

/// Chosen otherwise: an empty schema and a note.
#[doc(hidden)]
pub trait ViaUnknown {
    fn schema(&self, schemas: &mut Schemas) -> Value;
}

impl<T: ?Sized> ViaUnknown for &SchemaOf<T> {
    fn schema(&self, schemas: &mut Schemas) -> Value {
        schemas.unknown(std::any::type_name::<T>())
    }
}

/// `impl JsonSchema for $outer` that describes it as `$inner`: a wrapper the wire does not see.
macro_rules! described_as {
    ($(#[$doc:meta])* $param:ident: $outer:ty => $inner:ty) => {
        $(#[$doc])*
        impl<$param: JsonSchema> JsonSchema for $outer {
            fn inline_schema() -> bool {
                <$inner>::inline_schema()
            }

            fn schema_name() -> std::borrow::Cow<'static, str> {
                <$inner>::schema_name()
            }

            fn schema_id() -> std::borrow::Cow<'static, str> {
                <$inner>::schema_id()
            }

            fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
                <$inner>::json_schema(generator)
            }
        }
    };
}

described_as! {
    /// A `Response<T>` is described by its body, `T`: so a reply type written through an alias
    /// (`type Page<T> = Response<Vec<T>>`) gets `T`'s schema too.
    T: crate::Response<T> => T
}

described_as! {
    /// `Pages<T>` is described by the items of a page, `Vec<T>`; the endpoint's description
    /// puts them where its `#[paginate(..)]` says (`EndpointDescription::__pages`).
    T: crate::Pages<T> => Vec<T>
}

described_as! {
    /// `ApiError<E>` is described by its body, `E`, so generated code can ask for the schema
    /// of the error type as it names it.
    E: crate::ApiError<E> => E
}

#[cfg(test)]
mod tests {
    use super::*;

    #[allow(dead_code)]
    struct Opaque(u8);

    #[derive(JsonSchema)]
    #[allow(dead_code)]
    struct Named {
        id: u64,
    }

    #[test]
    // The borrow is what picks `ViaJsonSchema` over `ViaUnknown`.
    #[allow(clippy::needless_borrow)]
    fn named_types_are_references_and_unknown_types_are_noted() {
        let mut schemas = Schemas::default();
        assert_eq!(
            (&SchemaOf::<u32>::new()).schema(&mut schemas)["type"],
            "integer"
        );
        assert_eq!(
            (&SchemaOf::<Named>::new()).schema(&mut schemas)["$ref"],
            "#/components/schemas/Named"
        );
        let open = (&SchemaOf::<Opaque>::new()).schema(&mut schemas);
        assert!(
            open["description"]
                .as_str()
                .is_some_and(|d| d.contains("Opaque"))
        );
        let (definitions, notes) = schemas.into_parts();
        assert!(definitions.contains_key("Named"));
        assert_eq!(notes.len(), 1);
    }
}

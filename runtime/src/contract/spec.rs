//! A provider's OpenAPI 3.x document, read from JSON or YAML, with `$ref` resolution.

use std::fmt;

use serde_json::Value;

/// A provider's OpenAPI 3.0 or 3.1 document, the other side of a contract check.
///
/// # Examples
///
/// ```
/// let spec = ferrofit::contract::Spec::parse(
///     "openapi: 3.0.0\ninfo: {title: Pets, version: '1'}\npaths: {}\n",
/// )?;
/// assert_eq!(spec.title(), "Pets");
/// # Ok::<(), ferrofit::contract::SpecError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Spec {
    document: Value,
}

/// Why a document cannot be checked against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError(String);

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SpecError {}

/// How many `$ref`s one lookup follows before it gives up (a cycle).
const MAX_REFS: usize = 32;

impl Spec {
    /// Reads a document in JSON or YAML (JSON is YAML, but its own parser reports better
    /// errors).
    ///
    /// # Errors
    ///
    /// If the text is neither, or the document is not OpenAPI 3.x (Swagger 2.0 is refused).
    pub fn parse(text: &str) -> Result<Self, SpecError> {
        let document: Value = if text.trim_start().starts_with('{') {
            serde_json::from_str(text).map_err(|e| SpecError(format!("invalid JSON: {e}")))?
        } else {
            serde_yaml_ng::from_str(text).map_err(|e| SpecError(format!("invalid YAML: {e}")))?
        };
        Self::from_json(document)
    }

    /// Takes a document already parsed.
    ///
    /// # Errors
    ///
    /// If the document is not OpenAPI 3.x.
    pub fn from_json(document: Value) -> Result<Self, SpecError> {
        match document["openapi"].as_str() {
            Some(v) if v.starts_with("3.") => Ok(Self { document }),
            Some(v) => Err(SpecError(format!(
                "OpenAPI {v} is not supported; 3.0 and 3.1 are"
            ))),
            None if document.get("swagger").is_some() => Err(SpecError(
                "a Swagger 2.0 document; convert it to OpenAPI 3 first".to_owned(),
            )),
            None => Err(SpecError(
                "not an OpenAPI document: no `openapi` field".to_owned(),
            )),
        }
    }

    /// The document's `info.title`.
    pub fn title(&self) -> &str {
        self.document["info"]["title"].as_str().unwrap_or("")
    }

    /// The document's `info.version`.
    pub fn version(&self) -> &str {
        self.document["info"]["version"].as_str().unwrap_or("")
    }

    /// The document as JSON.
    pub fn as_json(&self) -> &Value {
        &self.document
    }

    /// `value`, with `$ref`s to this document followed.
    pub(crate) fn resolve<'a>(&'a self, mut value: &'a Value) -> &'a Value {
        for _ in 0..MAX_REFS {
            let Some(pointer) = value["$ref"].as_str().and_then(|r| r.strip_prefix('#')) else {
                return value;
            };
            match self.document.pointer(pointer) {
                Some(target) => value = target,
                None => return &Value::Null,
            }
        }
        &Value::Null
    }

    /// The path items, by template.
    pub(crate) fn paths(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.document["paths"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.as_str(), self.resolve(v)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_yaml_and_refusals() {
        assert!(
            Spec::parse(
                r#"{"openapi": "3.1.0", "info": {"title": "x", "version": "1"}, "paths": {}}"#
            )
            .is_ok()
        );
        assert!(Spec::parse("openapi: '3.0.3'\ninfo: {title: x, version: '1'}\npaths: {}").is_ok());
        let error = Spec::parse(r#"{"swagger": "2.0"}"#).unwrap_err();
        assert!(error.to_string().contains("Swagger 2.0"), "{error}");
        assert!(
            Spec::parse("{not json")
                .unwrap_err()
                .to_string()
                .starts_with("invalid JSON")
        );
        assert!(Spec::parse(": - :\n  - ]").is_err());
    }

    #[test]
    fn refs_are_followed_and_cycles_end() {
        let spec = Spec::parse(
            r##"{"openapi": "3.0.0", "components": {"schemas": {
                "A": {"$ref": "#/components/schemas/B"}, "B": {"type": "string"},
                "C": {"$ref": "#/components/schemas/C"}}}}"##,
        )
        .expect("parses");
        let a = serde_json::json!({"$ref": "#/components/schemas/A"});
        assert_eq!(spec.resolve(&a)["type"], "string");
        let c = serde_json::json!({"$ref": "#/components/schemas/C"});
        assert!(spec.resolve(&c).is_null());
    }
}

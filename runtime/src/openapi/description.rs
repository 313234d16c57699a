//! What `#[rest_api]` knows about a trait, as data: endpoints with their parameters, bodies and
//! replies, each with a JSON Schema. The OpenAPI export and the contract check both read it.

use serde_json::{Map, Value, json};

use super::schema::Schemas;

/// A described trait: its endpoints and the schemas they reference.
///
/// # Examples
///
/// ```
/// use ferrofit::openapi::Describe;
///
/// #[ferrofit::rest_api]
/// trait Health {
///     /// Is the service up?
///     #[get("/health")]
///     async fn health(&self) -> ferrofit::Result<String>;
/// }
///
/// let description = HealthClient::describe();
/// assert_eq!(description.name(), "Health");
/// assert_eq!(description.endpoints()[0].path(), Some("/health"));
/// ```
#[derive(Debug, Clone)]
pub struct ApiDescription {
    name: &'static str,
    doc: &'static str,
    version: &'static str,
    endpoints: Vec<EndpointDescription>,
    schemas: Map<String, Value>,
    notes: Vec<String>,
}

impl ApiDescription {
    /// Used by generated code.
    #[doc(hidden)]
    pub fn __new(
        name: &'static str,
        doc: &'static str,
        version: &'static str,
        endpoints: Vec<EndpointDescription>,
        schemas: Schemas,
    ) -> Self {
        let (mut schemas, notes) = schemas.into_parts();
        let mut endpoints = endpoints;
        let renames = super::generic_names::renames(&schemas);
        if !renames.is_empty() {
            schemas = schemas
                .into_iter()
                .map(|(name, mut schema)| {
                    super::generic_names::rename_refs(&mut schema, &renames);
                    (renames.get(&name).cloned().unwrap_or(name), schema)
                })
                .collect();
            for endpoint in &mut endpoints {
                endpoint.rename_refs(&renames);
            }
        }
        Self {
            name,
            doc,
            version,
            endpoints,
            schemas,
            notes,
        }
    }

    /// The trait's name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The trait's doc comment.
    pub fn doc(&self) -> &'static str {
        self.doc
    }

    /// The version of the crate that declares the trait.
    pub fn version(&self) -> &'static str {
        self.version
    }

    /// Every endpoint, in declaration order.
    pub fn endpoints(&self) -> &[EndpointDescription] {
        &self.endpoints
    }

    /// Named schemas, by name (what `#/components/schemas/…` references point to).
    pub fn schemas(&self) -> &Map<String, Value> {
        &self.schemas
    }

    /// What could not be described exactly: types without `JsonSchema`, endpoints left out.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }
}

/// Where a parameter travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamLocation {
    /// A path placeholder.
    Path,
    /// A query parameter.
    Query,
    /// A request header.
    Header,
}

impl ParamLocation {
    /// The OpenAPI name: `path`, `query` or `header`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Path => "path",
            Self::Query => "query",
            Self::Header => "header",
        }
    }
}

/// One parameter of an endpoint.
#[derive(Debug, Clone)]
pub struct ParamDescription {
    name: String,
    location: ParamLocation,
    required: bool,
    schema: Value,
    style: Option<(&'static str, bool)>,
}

impl ParamDescription {
    /// The parameter's name (the header's name for headers).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Where it travels.
    pub fn location(&self) -> ParamLocation {
        self.location
    }

    /// Whether every call sends it.
    pub fn required(&self) -> bool {
        self.required
    }

    /// Its JSON Schema.
    pub fn schema(&self) -> &Value {
        &self.schema
    }

    /// Its OpenAPI `style` and `explode`, when the trait asks for other than the default
    /// (`form`, exploded, for a query): `("form", false)` for `explode = false`,
    /// `("deepObject", true)`…
    pub fn style(&self) -> Option<(&'static str, bool)> {
        self.style
    }
}

/// A request body: its content type and schema.
#[derive(Debug, Clone)]
pub struct BodyDescription {
    content_type: &'static str,
    schema: Value,
    required: bool,
    /// Content types of multipart parts that are not plain text or files, and the styles of
    /// form fields.
    part_types: Map<String, Value>,
    /// A `#[field_map(style = "deepObject")]`: nested values of the body's type go in brackets.
    deep_map: bool,
}

impl BodyDescription {
    /// `application/json`, `application/x-www-form-urlencoded`, `multipart/form-data`…
    pub fn content_type(&self) -> &'static str {
        self.content_type
    }

    /// The body's JSON Schema (an object of fields for forms and multipart).
    pub fn schema(&self) -> &Value {
        &self.schema
    }

    /// Whether every call sends a body.
    pub fn required(&self) -> bool {
        self.required
    }

    pub(crate) fn part_types(&self) -> &Map<String, Value> {
        &self.part_types
    }

    /// Whether the nested values of a `#[field_map]` body go in brackets.
    pub(crate) fn deep_map(&self) -> bool {
        self.deep_map
    }
}

/// One field of a form or part of a multipart body, as generated code lists them.
#[doc(hidden)]
#[derive(Debug)]
pub struct BodyField {
    pub name: &'static str,
    pub schema: Value,
    pub required: bool,
    /// The part's content type when it is not text or a file (JSON parts).
    pub content_type: Option<&'static str>,
    /// A form field's `style` and `explode`, when not the default.
    pub style: Option<(&'static str, bool)>,
}

/// One endpoint: method, path, parameters, body and success reply.
#[derive(Debug, Clone)]
pub struct EndpointDescription {
    name: &'static str,
    method: &'static str,
    path: Option<&'static str>,
    doc: &'static str,
    deprecated: bool,
    auth: bool,
    params: Vec<ParamDescription>,
    body: Option<BodyDescription>,
    reply_type: Option<&'static str>,
    reply_schema: Option<Value>,
    error_schema: Option<Value>,
    accept: Option<&'static str>,
}

impl EndpointDescription {
    /// Used by generated code: `path` in OpenAPI form (`/users/{id}`), `None` for `#[url]`.
    #[doc(hidden)]
    pub fn __new(name: &'static str, method: &'static str, path: Option<&'static str>) -> Self {
        Self {
            name,
            method,
            path,
            doc: "",
            deprecated: false,
            auth: true,
            params: Vec::new(),
            body: None,
            reply_type: None,
            reply_schema: None,
            error_schema: None,
            accept: None,
        }
    }

    #[doc(hidden)]
    pub fn __doc(mut self, doc: &'static str) -> Self {
        self.doc = doc;
        self
    }

    #[doc(hidden)]
    pub fn __deprecated(mut self) -> Self {
        self.deprecated = true;
        self
    }

    #[doc(hidden)]
    pub fn __no_auth(mut self) -> Self {
        self.auth = false;
        self
    }

    #[doc(hidden)]
    pub fn __param(
        mut self,
        location: ParamLocation,
        name: &str,
        required: bool,
        schema: Value,
    ) -> Self {
        self.params.push(ParamDescription {
            name: name.to_owned(),
            location,
            required,
            schema,
            style: None,
        });
        self
    }

    /// The style of the parameter added last.
    #[doc(hidden)]
    pub fn __style(mut self, style: &'static str, explode: bool) -> Self {
        if let Some(param) = self.params.last_mut() {
            param.style = Some((style, explode));
        }
        self
    }

    /// A body described by one schema (JSON, text, bytes).
    #[doc(hidden)]
    pub fn __body(mut self, content_type: &'static str, schema: Value, required: bool) -> Self {
        self.body = Some(BodyDescription {
            content_type,
            schema,
            required,
            part_types: Map::new(),
            deep_map: false,
        });
        self
    }

    /// A form or multipart body made of fields; `open` when a map adds fields of its own.
    #[doc(hidden)]
    pub fn __fields(
        mut self,
        content_type: &'static str,
        fields: Vec<BodyField>,
        open: bool,
    ) -> Self {
        let mut properties = Map::new();
        let mut required = Vec::new();
        let mut part_types = Map::new();
        for field in fields {
            if field.required {
                required.push(Value::from(field.name));
            }
            let mut encoding = Map::new();
            if let Some(content_type) = field.content_type {
                encoding.insert("contentType".into(), content_type.into());
            }
            if let Some((style, explode)) = field.style {
                encoding.insert("style".into(), style.into());
                encoding.insert("explode".into(), explode.into());
            }
            if !encoding.is_empty() {
                part_types.insert(field.name.to_owned(), Value::Object(encoding));
            }
            properties.insert(field.name.to_owned(), field.schema);
        }
        let mut schema = json!({ "type": "object", "properties": properties });
        if !required.is_empty() {
            schema["required"] = Value::Array(required);
        }
        if !open {
            schema["additionalProperties"] = Value::Bool(false);
        }
        self.body = Some(BodyDescription {
            content_type,
            schema,
            required: true,
            part_types,
            deep_map: false,
        });
        self
    }

    /// A `#[field_map]`'s type joins the form's fields: the body is that type, or both; with
    /// `deep`, its nested values go in brackets (`deepObject`).
    #[doc(hidden)]
    pub fn __field_map(mut self, schema: Value, deep: bool) -> Self {
        if let Some(body) = &mut self.body {
            let has_fields = body.schema["properties"]
                .as_object()
                .is_some_and(|p| !p.is_empty());
            body.schema = if has_fields {
                json!({ "allOf": [body.schema.take(), schema] })
            } else {
                schema
            };
            body.deep_map = deep;
        }
        self
    }

    /// The success reply: its content type and schema, or none for `()`.
    #[doc(hidden)]
    pub fn __reply(mut self, reply: Option<(&'static str, Value)>) -> Self {
        let (content_type, schema) = reply.unzip();
        self.reply_type = content_type;
        self.reply_schema = schema;
        self
    }

    /// The trait's fixed `Accept` header.
    #[doc(hidden)]
    pub fn __accept(mut self, accept: &'static str) -> Self {
        self.accept = Some(accept);
        self
    }

    /// The error body of `Result<T, ApiError<E>>`: `E`'s schema, `None` for other error types.
    #[doc(hidden)]
    pub fn __error(mut self, schema: Option<Value>) -> Self {
        self.error_schema = schema;
        self
    }

    /// The endpoint's `#[paginate(..)]`: its reply is one page, with the item array (passed
    /// to [`__reply`](Self::__reply)) where the pagination says, and the query parameters the
    /// pages after the first send (the cursor, the page number, the offset) are parameters
    /// too, optional, unless the trait declares them itself.
    #[doc(hidden)]
    pub fn __pages(mut self, pagination: crate::Pagination) -> Self {
        self.reply_schema = self
            .reply_schema
            .map(|items| crate::pages::page_shape(&pagination, items));
        let (name, schema) = match pagination.style() {
            crate::PageStyle::Cursor { param, .. } => {
                (param, serde_json::json!({"type": "string"}))
            }
            crate::PageStyle::Page { param, .. } => {
                (param, serde_json::json!({"type": "integer", "minimum": 1}))
            }
            crate::PageStyle::Offset { offset, .. } => {
                (offset, serde_json::json!({"type": "integer", "minimum": 0}))
            }
            _ => return self,
        };
        let declared = self
            .params
            .iter()
            .any(|p| p.location == ParamLocation::Query && p.name == name);
        if declared {
            self
        } else {
            self.__param(ParamLocation::Query, name, false, schema)
        }
    }

    /// The trait method's name (the operation id).
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The HTTP method.
    pub fn method(&self) -> &'static str {
        self.method
    }

    /// The path template in OpenAPI form (`/users/{id}`), or `None` when the URL is a
    /// `#[url]` argument.
    pub fn path(&self) -> Option<&'static str> {
        self.path
    }

    /// The method's doc comment.
    pub fn doc(&self) -> &'static str {
        self.doc
    }

    /// Whether the method is `#[deprecated]`.
    pub fn deprecated(&self) -> bool {
        self.deprecated
    }

    /// Whether calls carry credentials (not `#[no_auth]`).
    pub fn uses_auth(&self) -> bool {
        self.auth
    }

    /// Path, query and header parameters, in declaration order.
    pub fn params(&self) -> &[ParamDescription] {
        &self.params
    }

    /// The request body, if the endpoint sends one.
    pub fn body(&self) -> Option<&BodyDescription> {
        self.body.as_ref()
    }

    /// The success reply's content type, `None` for `()`.
    pub fn reply_content_type(&self) -> Option<&'static str> {
        self.reply_type
    }

    /// The success reply's schema, `None` for `()`.
    pub fn reply_schema(&self) -> Option<&Value> {
        self.reply_schema.as_ref()
    }

    /// The schema of the error body the endpoint declares (`ApiError<E>`), JSON, for any
    /// status that is not a success; `None` when it declares none.
    pub fn error_schema(&self) -> Option<&Value> {
        self.error_schema.as_ref()
    }

    /// Points the endpoint's schema references at renamed definitions.
    fn rename_refs(&mut self, renames: &std::collections::HashMap<String, String>) {
        use super::generic_names::rename_refs;
        for param in &mut self.params {
            rename_refs(&mut param.schema, renames);
        }
        if let Some(body) = &mut self.body {
            rename_refs(&mut body.schema, renames);
        }
        for schema in [&mut self.reply_schema, &mut self.error_schema]
            .into_iter()
            .flatten()
        {
            rename_refs(schema, renames);
        }
    }

    /// The `Accept` header the trait sends, when it fixes one (`#[headers("Accept: …")]`).
    pub fn accept(&self) -> Option<&'static str> {
        self.accept
    }
}

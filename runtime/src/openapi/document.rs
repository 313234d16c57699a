//! Writes an [`ApiDescription`] as an OpenAPI 3.1 document.

use std::fmt;

use serde_json::{Map, Value, json};

use super::description::{ApiDescription, EndpointDescription};

/// An OpenAPI 3.1 document, as JSON.
///
/// # Examples
///
/// ```
/// #[ferrofit::rest_api]
/// trait Health {
///     /// Is the service up?
///     #[get("/health")]
///     #[no_auth]
///     async fn health(&self) -> ferrofit::Result<String>;
/// }
///
/// let document = HealthClient::openapi();
/// assert_eq!(document.as_json()["openapi"], "3.1.0");
/// assert_eq!(document.as_json()["paths"]["/health"]["get"]["summary"], "Is the service up?");
/// println!("{document}");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct OpenApi(Value);

impl OpenApi {
    /// The document as a JSON value.
    pub fn as_json(&self) -> &Value {
        &self.0
    }

    /// The document as a JSON value, owned.
    pub fn into_json(self) -> Value {
        self.0
    }

    /// Describes the credentials as `client` really sends them, in place of the bearer
    /// token the trait alone suggests: an `AuthInterceptor`'s tokens or `StaticAuth::bearer`
    /// are `http` `bearer`, `StaticAuth::basic` is `basic`, an API key in a header or the
    /// query (a `StaticAuth`, or a secret default header such as `X-Api-Key`) is `apiKey`
    /// with its name. Every endpoint that sends credentials requires all of them (they go
    /// together); a client without credentials leaves every endpoint open.
    ///
    /// # Examples
    ///
    /// ```
    /// use ferrofit::auth::StaticAuth;
    ///
    /// #[ferrofit::rest_api]
    /// trait Weather {
    ///     #[get("/weather")]
    ///     async fn weather(&self, #[query] q: &str) -> ferrofit::Result<String>;
    /// }
    ///
    /// let client = ferrofit::Client::builder()
    ///     .base_url("https://api.openweathermap.org/data/2.5")
    ///     .interceptor(StaticAuth::api_key_query("appid", "k3y"))
    ///     .build()?;
    /// let document = WeatherClient::openapi().with_client_auth(&client);
    /// let json = document.as_json();
    /// assert_eq!(
    ///     json["components"]["securitySchemes"]["apiKeyQuery_appid"],
    ///     serde_json::json!({ "type": "apiKey", "in": "query", "name": "appid" })
    /// );
    /// assert_eq!(
    ///     json["paths"]["/weather"]["get"]["security"],
    ///     serde_json::json!([{ "apiKeyQuery_appid": [] }])
    /// );
    /// # Ok::<(), ferrofit::Error>(())
    /// ```
    #[must_use]
    pub fn with_client_auth(mut self, client: &crate::Client) -> Self {
        let schemes = client.auth_schemes();
        let definitions: Map<String, Value> = schemes
            .iter()
            .map(|scheme| (scheme.key(), scheme.to_json()))
            .collect();
        let requirement: Map<String, Value> = schemes
            .iter()
            .map(|scheme| (scheme.key(), json!([])))
            .collect();
        if let Some(components) = self.0["components"].as_object_mut() {
            if definitions.is_empty() {
                components.remove("securitySchemes");
            } else {
                components.insert("securitySchemes".into(), Value::Object(definitions));
            }
        }
        for item in self.0["paths"].as_object_mut().into_iter().flatten() {
            for operation in item.1.as_object_mut().into_iter().flatten() {
                let sends = operation.1["security"]
                    .as_array()
                    .is_some_and(|s| !s.is_empty());
                if sends {
                    operation.1["security"] = if requirement.is_empty() {
                        json!([])
                    } else {
                        json!([requirement.clone()])
                    };
                }
            }
        }
        self
    }

    /// Adds a server URL (`servers`), which OpenAPI tools call the paths on.
    #[must_use]
    pub fn with_server(mut self, url: &str) -> Self {
        if let Some(servers) = self.0["servers"].as_array_mut() {
            servers.push(json!({ "url": url }));
        } else {
            self.0["servers"] = json!([{ "url": url }]);
        }
        self
    }
}

/// Pretty-printed JSON, top-level keys in the order people read them (`openapi`, `info`,
/// `servers`, `paths`, `components`); nested keys are sorted.
impl fmt::Display for OpenApi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        #[derive(serde::Serialize)]
        struct Ordered<'a> {
            openapi: &'a Value,
            info: &'a Value,
            #[serde(skip_serializing_if = "Option::is_none")]
            servers: Option<&'a Value>,
            paths: &'a Value,
            #[serde(skip_serializing_if = "Option::is_none")]
            components: Option<&'a Value>,
            #[serde(rename = "x-ferrofit-notes", skip_serializing_if = "Option::is_none")]
            notes: Option<&'a Value>,
        }
        let ordered = Ordered {
            openapi: &self.0["openapi"],
            info: &self.0["info"],
            servers: self.0.get("servers"),
            paths: &self.0["paths"],
            components: self.0.get("components"),
            notes: self.0.get("x-ferrofit-notes"),
        };
        let text = serde_json::to_string_pretty(&ordered).map_err(|_| fmt::Error)?;
        f.write_str(&text)
    }
}

impl From<&ApiDescription> for OpenApi {
    fn from(api: &ApiDescription) -> Self {
        let mut notes: Vec<Value> = api
            .notes()
            .iter()
            .map(|n| Value::from(n.as_str()))
            .collect();
        let mut paths = Map::new();
        for endpoint in api.endpoints() {
            let Some(path) = endpoint.path() else {
                notes.push(Value::from(format!(
                    "`{}` takes its URL at run time (#[url]); it is not under `paths`",
                    endpoint.name()
                )));
                continue;
            };
            let item = paths
                .entry(path)
                .or_insert_with(|| Value::Object(Map::new()));
            let method = endpoint.method().to_ascii_lowercase();
            if !is_openapi_method(&method) {
                notes.push(Value::from(format!(
                    "`{}` uses method {}, which OpenAPI 3.1 cannot describe",
                    endpoint.name(),
                    endpoint.method()
                )));
                continue;
            }
            if let Some(existing) = item.get(&method) {
                notes.push(Value::from(format!(
                    "`{}` has the same method and path as `{}`; only the first is described",
                    endpoint.name(),
                    existing["operationId"].as_str().unwrap_or_default()
                )));
                continue;
            }
            item[method.as_str()] = operation(api, endpoint);
        }
        let mut document = json!({
            "openapi": "3.1.0",
            "info": { "title": api.name(), "version": api.version() },
            "paths": paths,
        });
        if !api.doc().is_empty() {
            document["info"]["description"] = Value::from(api.doc());
        }
        let mut components = Map::new();
        if !api.schemas().is_empty() {
            components.insert("schemas".into(), Value::Object(api.schemas().clone()));
        }
        if api.endpoints().iter().any(EndpointDescription::uses_auth) {
            components.insert(
                "securitySchemes".into(),
                json!({ "bearerAuth": { "type": "http", "scheme": "bearer" } }),
            );
        }
        if !components.is_empty() {
            document["components"] = Value::Object(components);
        }
        if !notes.is_empty() {
            document["x-ferrofit-notes"] = Value::Array(notes);
        }
        Self(document)
    }
}

fn is_openapi_method(method: &str) -> bool {
    matches!(
        method,
        "get" | "put" | "post" | "delete" | "options" | "head" | "patch" | "trace"
    )
}

fn operation(api: &ApiDescription, endpoint: &EndpointDescription) -> Value {
    let mut op = json!({
        "operationId": endpoint.name(),
        "tags": [api.name()],
    });
    let doc = endpoint.doc().trim();
    if !doc.is_empty() {
        let (summary, rest) = doc.split_once("\n\n").unwrap_or((doc, ""));
        op["summary"] = Value::from(summary.replace('\n', " "));
        if !rest.trim().is_empty() {
            op["description"] = Value::from(doc);
        }
    }
    if endpoint.deprecated() {
        op["deprecated"] = Value::Bool(true);
    }
    let params: Vec<Value> = endpoint
        .params()
        .iter()
        .map(|p| {
            let mut param = json!({
                "name": p.name(),
                "in": p.location().as_str(),
                "required": p.required(),
                "schema": p.schema(),
            });
            if let Some((style, explode)) = p.style() {
                param["style"] = Value::from(style);
                param["explode"] = Value::Bool(explode);
            } else if is_object(api, p.schema()) {
                // A `#[query_map]`: its own keys at the top level of the query.
                param["style"] = Value::from("form");
                param["explode"] = Value::Bool(true);
            }
            param
        })
        .collect();
    if !params.is_empty() {
        op["parameters"] = Value::Array(params);
    }
    if let Some(body) = endpoint.body() {
        let mut media = json!({ "schema": body.schema() });
        let mut encoding = body.part_types().clone();
        if body.deep_map() {
            for name in nested_properties(api, body.schema()) {
                encoding.insert(name, json!({ "style": "deepObject", "explode": true }));
            }
        }
        if !encoding.is_empty() {
            media["encoding"] = Value::Object(encoding);
        }
        op["requestBody"] = json!({
            "required": body.required(),
            "content": { body.content_type(): media },
        });
    }
    op["responses"] = match (endpoint.reply_content_type(), endpoint.reply_schema()) {
        (Some(content_type), Some(schema)) => json!({
            "200": {
                "description": "Success",
                "content": { content_type: { "schema": schema } },
            }
        }),
        _ => json!({ "200": { "description": "Success; the body is ignored" } }),
    };
    if let Some(schema) = endpoint.error_schema() {
        op["responses"]["default"] = json!({
            "description": "An error: any status that is not a success, with this body",
            "content": { "application/json": { "schema": schema } },
        });
    }
    op["security"] = if endpoint.uses_auth() {
        json!([{ "bearerAuth": [] }])
    } else {
        json!([])
    };
    op
}

/// The properties of an object schema (following `$ref`s and `allOf`) whose values are
/// objects or arrays: what a `deepObject` form writes in brackets.
fn nested_properties(api: &ApiDescription, schema: &Value) -> Vec<String> {
    let resolved = resolve(api, schema);
    let mut names = Vec::new();
    if let Some(parts) = resolved["allOf"].as_array() {
        for part in parts {
            names.extend(nested_properties(api, part));
        }
    }
    for (name, property) in resolved["properties"].as_object().into_iter().flatten() {
        let property = resolve(api, property);
        let options = property["anyOf"].as_array().into_iter().flatten();
        let nested =
            |s: &Value| matches!(resolve(api, s)["type"].as_str(), Some("object" | "array"));
        if nested(property) || options.into_iter().any(nested) {
            names.push(name.clone());
        }
    }
    names
}

fn resolve<'a>(api: &'a ApiDescription, schema: &'a Value) -> &'a Value {
    schema["$ref"]
        .as_str()
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
        .and_then(|name| api.schemas().get(name))
        .unwrap_or(schema)
}

/// Whether a schema (following one `$ref`) describes an object.
fn is_object(api: &ApiDescription, schema: &Value) -> bool {
    let resolved = schema["$ref"]
        .as_str()
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
        .and_then(|name| api.schemas().get(name))
        .unwrap_or(schema);
    resolved["type"] == "object"
}

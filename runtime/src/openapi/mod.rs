//! OpenAPI 3.1 export of a `#[rest_api]` trait (feature `openapi`).
//!
//! With the feature on, every generated client implements [`Describe`] and has an
//! `openapi()` function: paths and methods, path/query/header parameters with their types and
//! optionality, request bodies (JSON, text, bytes, forms, multipart), the success reply,
//! operation ids from method names, summaries from doc comments, and `security` for endpoints
//! that send credentials (all but `#[no_auth]`). Schemas come from [`schemars`]: derive
//! `JsonSchema` on the types a trait names. A type without it gets an open schema and a note
//! under `x-ferrofit-notes`, not a compile error.
//!
//! ```
//! use schemars::JsonSchema;
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Serialize, Deserialize, JsonSchema)]
//! struct User { id: u64, name: String }
//!
//! #[ferrofit::rest_api]
//! trait UserApi {
//!     /// Fetch one user.
//!     #[get("/users/<id>")]
//!     async fn get_user(&self, id: u64, #[query] fields: Option<String>) -> ferrofit::Result<User>;
//! }
//!
//! let document = UserApiClient::openapi();
//! let get = &document.as_json()["paths"]["/users/{id}"]["get"];
//! assert_eq!(get["operationId"], "get_user");
//! assert_eq!(get["parameters"][1]["required"], false);
//! assert_eq!(
//!     get["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
//!     "#/components/schemas/User"
//! );
//! ```

mod description;
mod document;
mod error_schema;
mod generic_names;
mod schema;

pub use description::{
    ApiDescription, BodyDescription, BodyField, EndpointDescription, ParamDescription,
    ParamLocation,
};
pub use document::OpenApi;
pub use error_schema::{ErrorOf, ResultParts, ViaApiError, ViaUntypedError};
#[cfg(feature = "testing")]
pub(crate) use schema::UNCHECKED;
pub use schema::{SchemaOf, Schemas, ViaJsonSchema, ViaUnknown};

/// A client that can describe its trait. `#[rest_api]` implements it for every generated
/// client when the `openapi` feature is on.
///
/// # Examples
///
/// ```
/// use ferrofit::openapi::Describe;
///
/// #[ferrofit::rest_api]
/// trait Health {
///     #[get("/health")]
///     async fn health(&self) -> ferrofit::Result<()>;
/// }
///
/// assert_eq!(HealthClient::describe().endpoints().len(), 1);
/// assert_eq!(HealthClient::describe().to_openapi().as_json()["info"]["title"], "Health");
/// ```
pub trait Describe {
    /// The trait as data.
    fn describe() -> ApiDescription;
}

impl ApiDescription {
    /// The description as an OpenAPI 3.1 document.
    pub fn to_openapi(&self) -> OpenApi {
        OpenApi::from(self)
    }
}

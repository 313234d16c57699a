//! Checks a `#[rest_api]` trait against a provider's OpenAPI 3.x document (features `testing`
//! and `openapi`): every endpoint exists with its method and path template, every parameter
//! exists in the same place with a compatible type and requiredness, a body is accepted where
//! one is sent, and the success reply decodes into the return type. Data is compared in the
//! direction it flows: what the trait sends must be allowed by the document, what the document
//! lets the provider send must decode.
//!
//! ```
//! use ferrofit::contract::{self, Spec};
//!
//! #[derive(serde::Deserialize, schemars::JsonSchema)]
//! struct Pet { id: Option<i64>, name: String }
//!
//! #[ferrofit::rest_api]
//! trait PetApi {
//!     #[get("/pets/<id>")]
//!     async fn get_pet(&self, id: i64) -> ferrofit::Result<Pet>;
//! }
//!
//! let spec = Spec::parse(r##"
//! openapi: 3.0.3
//! info: { title: Pets, version: "1" }
//! paths:
//!   /pets/{petId}:
//!     get:
//!       parameters: [{ name: petId, in: path, required: true, schema: { type: integer } }]
//!       responses:
//!         "200":
//!           description: ok
//!           content:
//!             application/json:
//!               schema:
//!                 type: object
//!                 required: [name]
//!                 properties: { id: { type: integer }, name: { type: string } }
//! "##)?;
//! contract::check::<PetApiClient>(&spec).assert_ok();
//! # Ok::<(), ferrofit::contract::SpecError>(())
//! ```

mod brackets;
mod endpoint_compare;
mod findings;
mod integer_range;
mod reply_compare;
mod report;
mod schema_compare;
mod spec;

pub use report::{ContractReport, Finding};
pub use spec::{Spec, SpecError};

use crate::openapi::{ApiDescription, Describe};

/// Checks the trait behind client `C` against `spec`.
pub fn check<C: Describe>(spec: &Spec) -> ContractReport {
    check_description(&C::describe(), spec)
}

/// Checks a trait's description against `spec`.
pub fn check_description(api: &ApiDescription, spec: &Spec) -> ContractReport {
    let ours = schema_compare::Ours(api.schemas());
    let mut report = ContractReport::new(
        api.name(),
        format!("{} {}", spec.title(), spec.version())
            .trim()
            .to_owned(),
    );
    for endpoint in api.endpoints() {
        match endpoint_compare::check(endpoint, &ours, spec) {
            Ok(findings) => report.add(endpoint.name(), findings),
            Err(reason) => report.skip(endpoint.name(), reason),
        }
    }
    report
}

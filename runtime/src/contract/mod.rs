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

mod endpoint_compare;
mod reply_compare;
mod schema_compare;
mod spec;

use std::fmt;

pub use spec::{Spec, SpecError};

use crate::openapi::{ApiDescription, Describe};

/// Checks the trait behind client `C` against `spec`.
pub fn check<C: Describe>(spec: &Spec) -> ContractReport {
    check_description(&C::describe(), spec)
}

/// Checks a trait's description against `spec`.
pub fn check_description(api: &ApiDescription, spec: &Spec) -> ContractReport {
    let ours = schema_compare::Ours(api.schemas());
    let mut report = ContractReport {
        api: api.name(),
        spec: format!("{} {}", spec.title(), spec.version())
            .trim()
            .to_owned(),
        checked: 0,
        mismatches: Vec::new(),
        skipped: Vec::new(),
    };
    for endpoint in api.endpoints() {
        match endpoint_compare::check(endpoint, &ours, spec) {
            Ok(problems) => {
                report.checked += 1;
                report
                    .mismatches
                    .extend(problems.into_iter().map(|problem| Mismatch {
                        method: endpoint.name(),
                        problem,
                    }));
            }
            Err(reason) => report.skipped.push((endpoint.name(), reason)),
        }
    }
    report
}

/// One way a trait method disagrees with the provider's document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    method: &'static str,
    problem: String,
}

impl Mismatch {
    /// The trait method.
    pub fn method(&self) -> &'static str {
        self.method
    }

    /// What disagrees, in a sentence.
    pub fn problem(&self) -> &str {
        &self.problem
    }
}

/// The outcome of a contract check: mismatches by trait method, and the methods that could not
/// be checked (a `#[url]` endpoint has no path to compare).
#[derive(Debug, Clone)]
pub struct ContractReport {
    api: &'static str,
    spec: String,
    checked: usize,
    mismatches: Vec<Mismatch>,
    skipped: Vec<(&'static str, String)>,
}

impl ContractReport {
    /// Whether the trait agrees with the document.
    pub fn is_ok(&self) -> bool {
        self.mismatches.is_empty()
    }

    /// Every mismatch, in trait order.
    pub fn mismatches(&self) -> &[Mismatch] {
        &self.mismatches
    }

    /// The mismatches of one trait method.
    pub fn of(&self, method: &str) -> Vec<&str> {
        self.mismatches
            .iter()
            .filter(|m| m.method == method)
            .map(|m| m.problem.as_str())
            .collect()
    }

    /// How many endpoints were compared.
    pub fn checked(&self) -> usize {
        self.checked
    }

    /// Methods not compared, with the reason.
    pub fn skipped(&self) -> &[(&'static str, String)] {
        &self.skipped
    }

    /// Panics with the report unless the trait agrees with the document.
    ///
    /// # Panics
    ///
    /// When there is a mismatch.
    #[track_caller]
    pub fn assert_ok(&self) {
        assert!(self.is_ok(), "{self}");
    }
}

impl fmt::Display for ContractReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.mismatches.len();
        write!(
            f,
            "{} against {}: {} endpoint{} checked, {} mismatch{}",
            self.api,
            if self.spec.is_empty() {
                "the spec"
            } else {
                &self.spec
            },
            self.checked,
            if self.checked == 1 { "" } else { "s" },
            if n == 0 {
                "no".to_owned()
            } else {
                n.to_string()
            },
            if n == 1 { "" } else { "es" },
        )?;
        for m in &self.mismatches {
            write!(f, "\n  {}: {}", m.method, m.problem)?;
        }
        for (method, reason) in &self.skipped {
            write!(f, "\n  {method}: not checked: {reason}")?;
        }
        Ok(())
    }
}

//! `prism mock` (npm `@stoplight/prism-cli`) serving an OpenAPI document on loopback: a server
//! we did not write that validates every request against the document (422 when one violates
//! it) and answers with examples generated from the document's schemas.

use std::path::Path;
use std::process::Command;

use super::listening::Listening;
use super::tools;

/// A running prism mock server, stopped when dropped.
pub struct Prism(Listening);

impl Prism {
    /// Starts prism on the document at `spec`, or `None` when prism is not installed (and CI
    /// does not require it).
    pub fn start(spec: &Path) -> Option<Self> {
        let prism = tools::require("prism", "npm install -g @stoplight/prism-cli")?;
        let command = |port: u16| {
            let mut command = Command::new(&prism);
            command
                .args(["mock", "--host", "127.0.0.1", "--port", &port.to_string()])
                .arg(spec);
            command
        };
        Some(Self(Listening::start(
            "prism",
            command,
            "Prism is listening",
        )))
    }

    pub fn base_url(&self) -> String {
        format!("{}/", self.0.origin())
    }
}

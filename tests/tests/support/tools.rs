//! Tools we did not write that tests check our output with: `openapi-spec-validator` (PyPI)
//! and `prism` (npm `@stoplight/prism-cli`). `.ci/run` installs them under `target/tools/`
//! and sets `FERROFIT_REQUIRE_TOOLS`, so in CI a missing tool fails the test; on a developer
//! machine without them, the test says what it skipped and how to install the tool.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Where `.ci/run` installs the tools.
fn tools_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/tools")
}

/// The tool's executable: under `target/tools/` first, then on `PATH`.
pub fn find(name: &str) -> Option<PathBuf> {
    let installed = [
        tools_dir().join("venv/bin").join(name),
        tools_dir().join("node/node_modules/.bin").join(name),
    ];
    if let Some(path) = installed.into_iter().find(|p| p.exists()) {
        return Some(path);
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

/// The tool, or `None` after printing why the test is skipped; a failure when CI requires it.
pub fn require(name: &str, install: &str) -> Option<PathBuf> {
    let found = find(name);
    if found.is_none() {
        unavailable(
            name,
            &format!("it is not installed ({install}; `.ci/run` does it)"),
        );
    }
    found
}

/// The one policy for a tool a test cannot use: in CI (`FERROFIT_REQUIRE_TOOLS`) a failure,
/// elsewhere a skip said loudly on stderr.
#[track_caller]
pub fn unavailable(name: &str, why: &str) {
    assert!(
        std::env::var_os("FERROFIT_REQUIRE_TOOLS").is_none(),
        "`{name}` is required (FERROFIT_REQUIRE_TOOLS is set) but cannot be used: {why}"
    );
    eprintln!("SKIPPED: `{name}` cannot be used: {why}");
}

/// `keyctl`, if it is installed and the kernel lets this process use its keyrings (a seccomp
/// profile, as in default containers, refuses the system calls with `EPERM`).
pub fn keyctl() -> Option<PathBuf> {
    let keyctl = require("keyctl", "apt-get install keyutils")?;
    let probe = Command::new(&keyctl)
        .args(["session", "-", "true"])
        .output()
        .expect("keyctl runs");
    if probe.status.success() {
        return Some(keyctl);
    }
    let said = String::from_utf8_lossy(&probe.stderr);
    unavailable(
        "keyctl",
        &format!("the kernel refuses its keyrings here ({})", said.trim()),
    );
    None
}

/// `openapi-spec-validator` accepts the document at `path`.
pub fn assert_valid_openapi(path: &Path) {
    let Some(validator) = require(
        "openapi-spec-validator",
        "pip install openapi-spec-validator",
    ) else {
        return;
    };
    let output = Command::new(validator)
        .arg(path)
        .output()
        .expect("openapi-spec-validator runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.contains("OK"),
        "openapi-spec-validator rejected {}:\n{stdout}\n{stderr}",
        path.display()
    );
}

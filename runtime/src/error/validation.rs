//! Field errors parsed from the common shapes of 422 bodies.

use serde_json::Value;

use super::FieldErrors;

/// Parses field → messages from a 422 body. Returns an empty map when no known shape matches:
/// the body stays available on the error for the caller to read.
///
/// Shapes, tried in this order:
/// - RFC 9457 problem details: `invalid-params: [{name, reason}]`, or `errors: [{pointer|field, detail|message}]`
/// - GitHub: `errors: [{resource, field, code}]` (the `code` is the message unless there is one)
/// - JSON:API: `errors: [{source: {pointer: "/data/attributes/name"}, detail}]`
/// - Rails / Laravel: `errors: {"field": ["msg"] | "msg"}`
/// - FastAPI: `detail: [{loc: ["body", "field"], msg}]`
/// - Django REST framework: `{"field": ["msg"]}` at the top level
pub(crate) fn parse_field_errors(body: &[u8]) -> FieldErrors {
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return FieldErrors::new();
    };
    let mut fields = FieldErrors::new();
    if let Some(params) = value.get("invalid-params").and_then(Value::as_array) {
        for param in params {
            let name = param.get("name").and_then(Value::as_str);
            let reason = message_of(param, &["reason", "detail", "message"]);
            add(&mut fields, name, reason);
        }
    }
    match value.get("errors") {
        Some(Value::Array(items)) => {
            for item in items {
                let name = item
                    .get("source")
                    .and_then(|s| s.get("pointer").or_else(|| s.get("parameter")))
                    .or_else(|| item.get("pointer"))
                    .and_then(Value::as_str)
                    .map(field_from_pointer)
                    .or_else(|| item.get("field").and_then(Value::as_str).map(str::to_owned));
                // GitHub's items carry only a `code` (`missing_field`, `invalid`) unless custom.
                let message = message_of(item, &["detail", "message", "title", "code"]);
                add(&mut fields, name.as_deref(), message);
            }
        }
        Some(Value::Object(map)) => {
            for (name, messages) in map {
                add_messages(&mut fields, name, messages);
            }
        }
        _ => {}
    }
    if let Some(Value::Array(items)) = value.get("detail") {
        for item in items {
            let name = item.get("loc").and_then(Value::as_array).map(|loc| {
                let parts: Vec<String> = loc
                    .iter()
                    .skip_while(|p| matches!(p.as_str(), Some("body" | "query" | "path")))
                    .map(|p| match p {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .collect();
                parts.join(".")
            });
            add(
                &mut fields,
                name.as_deref(),
                message_of(item, &["msg", "message"]),
            );
        }
    }
    if fields.is_empty()
        && let Value::Object(map) = &value
    {
        // Django REST framework style: every top-level value is a list of strings.
        let all_lists = map.values().all(|v| {
            v.as_array()
                .is_some_and(|a| !a.is_empty() && a.iter().all(Value::is_string))
        });
        if all_lists {
            for (name, messages) in map {
                add_messages(&mut fields, name, messages);
            }
        }
    }
    fields
}

fn message_of(item: &Value, keys: &[&str]) -> Option<String> {
    keys.iter()
        .find_map(|k| item.get(*k).and_then(Value::as_str))
        .map(str::to_owned)
}

fn add(fields: &mut FieldErrors, name: Option<&str>, message: Option<String>) {
    if let (Some(name), Some(message)) = (name, message)
        && !name.is_empty()
    {
        fields.entry(name.to_owned()).or_default().push(message);
    }
}

fn add_messages(fields: &mut FieldErrors, name: &str, messages: &Value) {
    match messages {
        Value::String(message) => add(fields, Some(name), Some(message.clone())),
        Value::Array(list) => {
            for message in list.iter().filter_map(Value::as_str) {
                add(fields, Some(name), Some(message.to_owned()));
            }
        }
        _ => {}
    }
}

/// `/data/attributes/address/city` → `address.city`; `#/name` → `name`.
fn field_from_pointer(pointer: &str) -> String {
    let trimmed = pointer.trim_start_matches('#').trim_start_matches('/');
    let trimmed = trimmed
        .strip_prefix("data/attributes/")
        .or_else(|| trimmed.strip_prefix("data/relationships/"))
        .unwrap_or(trimmed);
    trimmed
        .split('/')
        .map(|part| part.replace("~1", "/").replace("~0", "~"))
        .collect::<Vec<_>>()
        .join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Vec<(String, Vec<String>)> {
        parse_field_errors(json.as_bytes()).into_iter().collect()
    }

    fn one(name: &str, message: &str) -> Vec<(String, Vec<String>)> {
        vec![(name.to_owned(), vec![message.to_owned()])]
    }

    #[test]
    fn rfc9457_invalid_params() {
        let body = r#"{"type":"about:blank","title":"Invalid","invalid-params":[{"name":"age","reason":"must be positive"}]}"#;
        assert_eq!(parse(body), one("age", "must be positive"));
    }

    #[test]
    fn rfc9457_errors_with_pointer() {
        let body =
            r##"{"title":"Invalid","errors":[{"detail":"is required","pointer":"#/email"}]}"##;
        assert_eq!(parse(body), one("email", "is required"));
    }

    #[test]
    fn rails_errors_object() {
        let body = r#"{"errors":{"name":["can't be blank","is too short"],"email":"taken"}}"#;
        assert_eq!(
            parse(body),
            vec![
                ("email".to_owned(), vec!["taken".to_owned()]),
                (
                    "name".to_owned(),
                    vec!["can't be blank".to_owned(), "is too short".to_owned()]
                ),
            ]
        );
    }

    #[test]
    fn django_top_level_lists() {
        assert_eq!(parse(r#"{"username":["taken"]}"#), one("username", "taken"));
        // A top level with other values is not a field map.
        assert!(parse(r#"{"message":"bad","code":3}"#).is_empty());
    }

    #[test]
    fn json_api_source_pointer() {
        let body = r#"{"errors":[{"status":"422","source":{"pointer":"/data/attributes/first-name"},"detail":"too short"}]}"#;
        assert_eq!(parse(body), one("first-name", "too short"));
    }

    #[test]
    fn fastapi_detail_loc() {
        let body =
            r#"{"detail":[{"loc":["body","address","zip"],"msg":"invalid","type":"value_error"}]}"#;
        assert_eq!(parse(body), one("address.zip", "invalid"));
    }

    #[test]
    fn github_items_without_a_message_give_their_code() {
        let body = r#"{"message":"Validation Failed","errors":[
            {"resource":"Issue","field":"title","code":"missing_field"},
            {"resource":"Label","field":"name","code":"custom","message":"name is reserved"},
            "a bare string is not a field"
        ],"documentation_url":"https://docs.github.com/rest"}"#;
        assert_eq!(
            parse(body),
            vec![
                ("name".to_owned(), vec!["name is reserved".to_owned()]),
                ("title".to_owned(), vec!["missing_field".to_owned()]),
            ]
        );
    }

    #[test]
    fn not_json_gives_no_fields() {
        assert!(parse("<html>oops</html>").is_empty());
    }

    proptest::proptest! {
        /// Arbitrary bytes never panic and never make up fields.
        #[test]
        fn any_body_parses_without_panicking(body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..1024)) {
            let fields = parse_field_errors(&body);
            if serde_json::from_slice::<serde_json::Value>(&body).is_err() {
                proptest::prop_assert!(fields.is_empty());
            }
        }

        /// Every known shape, filled with hostile names and messages, gives back exactly them.
        #[test]
        fn known_shapes_give_back_their_fields(
            name in crate::test_strategies::hostile_text(),
            message in crate::test_strategies::hostile_text(),
            shape in 0..5usize,
        ) {
            let pointer = format!("/data/attributes/{}", name.replace('~', "~0").replace('/', "~1"));
            let body = match shape {
                0 => serde_json::json!({"invalid-params": [{"name": name, "reason": message}]}),
                1 => serde_json::json!({"errors": [{"field": name, "message": message}]}),
                2 => serde_json::json!({"errors": [{"source": {"pointer": pointer}, "detail": message}]}),
                3 => serde_json::json!({"errors": {name.clone(): [message]}}),
                _ => serde_json::json!({"detail": [{"loc": ["body", name], "msg": message}]}),
            };
            let fields = parse_field_errors(body.to_string().as_bytes());
            if !name.is_empty() && !name.contains('/') && !name.contains('~') {
                proptest::prop_assert_eq!(fields.get(&name), Some(&vec![message.clone()]), "{}", body);
            }
            proptest::prop_assert!(fields.values().flatten().all(|m| *m == message));
        }
    }
}

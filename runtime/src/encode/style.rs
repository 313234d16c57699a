//! The OpenAPI serialization styles beyond repeating a key: one value joined with a delimiter
//! (`form` with `explode = false`, `spaceDelimited`, `pipeDelimited`) and nested values in
//! brackets (`deepObject`, and the bracketed forms Stripe's API takes: `metadata[k]=v`,
//! `items[0][price]=p`). The result is `key = value` text pairs, which the query and form
//! encoders then escape as usual.

use serde_json::Value;

use crate::codec::RequestValue;

/// How `#[query]`, `#[field]`, `#[query_map]` and `#[field_map]` write a value, as their
/// `style = "…"` and `explode = false` say. Used by generated code.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// One pair per value, the key repeated: `a=1&a=2`.
    Form,
    /// `explode = false`: `a=1,2`.
    Comma,
    /// `spaceDelimited`: `a=1 2`.
    Space,
    /// `pipeDelimited`: `a=1|2`.
    Pipe,
    /// `deepObject`: `a[b]=1&a[c][0]=2`.
    DeepObject,
}

impl Style {
    /// The delimiter of a joined style.
    pub(crate) fn delimiter(self) -> Option<char> {
        match self {
            Self::Comma => Some(','),
            Self::Space => Some(' '),
            Self::Pipe => Some('|'),
            Self::Form | Self::DeepObject => None,
        }
    }
}

/// The values of `value` for a joined style: the scalars of a sequence, or the keys and
/// values of a struct or map in turn (`color=R,100,G,200`). Empty when there is nothing to
/// send (`None`, an empty sequence).
pub(crate) fn joined_values(value: &dyn RequestValue) -> Result<Vec<String>, String> {
    let mut values = Vec::new();
    let scalars = value.each_value(&mut |v| {
        values.push(v.to_owned());
        Ok(())
    });
    if scalars.is_ok() {
        return Ok(values);
    }
    values.clear();
    value
        .each_pair(&mut |k, v| {
            values.push(k.to_owned());
            values.push(v.to_owned());
            Ok(())
        })
        .map_err(|e| e.to_string())?;
    Ok(values)
}

/// How deep a nested value may go: far beyond any API's parameters, short of a stack overflow.
const MAX_DEPTH: usize = 32;

/// Calls `sink` with each `(bracketed key, text)` of `value` under `root`: `root[a][b]` for
/// nested maps and structs (their keys in sorted order, so the same value always gives the
/// same text), `root[0]` for sequence items in order, nothing for `null`. Without a root
/// (a whole `#[query_map]` or `#[field_map]`), the top level must be a struct or map and its
/// keys stand bare.
///
/// # Errors
///
/// A key holding `[` or `]`, which would be read as another level; a value nested deeper
/// than 32 levels; a top level that is not a struct or map when there is no root.
pub(crate) fn deep_pairs(
    root: Option<&str>,
    value: &Value,
    sink: &mut dyn FnMut(&str, &str),
) -> Result<(), String> {
    match (root, value) {
        (None, Value::Object(map)) => {
            for (key, item) in map {
                check_key(key)?;
                walk(key, item, 1, sink)?;
            }
            Ok(())
        }
        (None, Value::Null) => Ok(()),
        (None, _) => Err("a `deepObject` map takes a struct or map".to_owned()),
        (Some(root), value) => walk(root, value, 0, sink),
    }
}

fn walk(
    path: &str,
    value: &Value,
    depth: usize,
    sink: &mut dyn FnMut(&str, &str),
) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err(format!(
            "`{path}` is nested more than {MAX_DEPTH} levels deep"
        ));
    }
    match value {
        Value::Null => Ok(()),
        Value::Bool(b) => {
            sink(path, if *b { "true" } else { "false" });
            Ok(())
        }
        Value::Number(n) => {
            sink(path, &n.to_string());
            Ok(())
        }
        Value::String(s) => {
            sink(path, s);
            Ok(())
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                walk(&format!("{path}[{i}]"), item, depth + 1, sink)?;
            }
            Ok(())
        }
        Value::Object(map) => {
            for (key, item) in map {
                check_key(key)?;
                walk(&format!("{path}[{key}]"), item, depth + 1, sink)?;
            }
            Ok(())
        }
    }
}

fn check_key(key: &str) -> Result<(), String> {
    if key.contains(['[', ']']) {
        return Err(format!(
            "the key `{key}` holds a bracket, which would be read as another level"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn pairs(root: Option<&str>, value: Value) -> Result<Vec<(String, String)>, String> {
        let mut out = Vec::new();
        deep_pairs(root, &value, &mut |k, v| {
            out.push((k.to_owned(), v.to_owned()))
        })?;
        Ok(out)
    }

    #[test]
    fn nested_values_go_in_brackets_keys_sorted_items_in_order() {
        let value = json!({
            "amount": 2000,
            "metadata": {"order_id": "6735", "paid": true},
            "items": [{"price": "p_1", "quantity": 2}],
            "expand": ["customer"],
            "description": null
        });
        assert_eq!(
            pairs(None, value).unwrap(),
            [
                ("amount", "2000"),
                ("expand[0]", "customer"),
                ("items[0][price]", "p_1"),
                ("items[0][quantity]", "2"),
                ("metadata[order_id]", "6735"),
                ("metadata[paid]", "true"),
            ]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
        );
        assert_eq!(
            pairs(Some("created"), json!({"gte": 1, "lt": 2})).unwrap(),
            [("created[gte]", "1"), ("created[lt]", "2")]
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
        );
        assert_eq!(
            pairs(Some("q"), json!("x")).unwrap(),
            [("q".to_owned(), "x".to_owned())]
        );
    }

    #[test]
    fn brackets_in_keys_depth_and_bare_scalars_are_refused() {
        assert!(
            pairs(None, json!({"a]": 1}))
                .unwrap_err()
                .contains("bracket")
        );
        assert!(
            pairs(Some("m"), json!({"x[y": 1}))
                .unwrap_err()
                .contains("bracket")
        );
        assert!(
            pairs(None, json!([1]))
                .unwrap_err()
                .contains("struct or map")
        );
        let mut deep = json!(1);
        for _ in 0..40 {
            deep = json!([deep]);
        }
        assert!(pairs(Some("d"), deep).unwrap_err().contains("levels"));
    }
}

//! Names for the schemas of one generic type used with several arguments. schemars names
//! them `Listing`, `Listing2`, `Listing3`…; the export names each after its arguments,
//! `Listing_Charge`, `Listing_Refund`, from what tells the family's members apart: the
//! schemas they refer to, or the types they hold.

use std::collections::HashMap;

use serde_json::{Map, Value};

/// Old name → new name, for every family of definitions `Base`, `Base2`, … whose members
/// have the same shape and differ only in the schemas they refer to or their types.
pub(crate) fn renames(definitions: &Map<String, Value>) -> HashMap<String, String> {
    let mut families: HashMap<&str, Vec<&str>> = HashMap::new();
    for name in definitions.keys() {
        let base = name.trim_end_matches(|c: char| c.is_ascii_digit());
        if base.len() < name.len() && !base.is_empty() && definitions.contains_key(base) {
            families
                .entry(base)
                .or_insert_with(|| vec![base])
                .push(name);
        }
    }
    let mut renames = HashMap::new();
    for (base, members) in families {
        // Members of another shape are other types that only share the name: left alone.
        let mut groups: Vec<(String, Vec<&str>)> = Vec::new();
        for member in members {
            let shape = skeleton(&definitions[member]).to_string();
            match groups.iter_mut().find(|(s, _)| *s == shape) {
                Some((_, group)) => group.push(member),
                None => groups.push((shape, vec![member])),
            }
        }
        for (_, group) in groups.into_iter().filter(|(_, g)| g.len() > 1) {
            name_group(base, &group, definitions, &mut renames);
        }
    }
    renames
}

/// Names one family's members of one shape after the tokens that tell them apart, when
/// that gives each a new, unique name.
fn name_group(
    base: &str,
    members: &[&str],
    definitions: &Map<String, Value>,
    renames: &mut HashMap<String, String>,
) {
    let tokens: Vec<Vec<String>> = members
        .iter()
        .map(|m| {
            let mut out = Vec::new();
            collect_tokens(&definitions[*m], &mut out);
            out
        })
        .collect();
    let differing: Vec<usize> = (0..tokens[0].len())
        .filter(|&i| tokens.iter().any(|t| t.get(i) != tokens[0].get(i)))
        .collect();
    let names: Vec<String> = tokens
        .iter()
        .map(|t| {
            let mut parts = vec![base.to_owned()];
            for &i in &differing {
                if let Some(token) = t.get(i)
                    && !parts.contains(token)
                {
                    parts.push(token.clone());
                }
            }
            parts.join("_")
        })
        .collect();
    let unique = names
        .iter()
        .enumerate()
        .all(|(i, n)| n != base && !names[..i].contains(n) && !definitions.contains_key(n));
    if unique {
        for (member, name) in members.iter().zip(names) {
            renames.insert((*member).to_owned(), name);
        }
    }
}

/// The schema with every reference and type replaced by `*`: what one generic type's
/// members share.
fn skeleton(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let v = match k.as_str() {
                        "$ref" | "type" => Value::from("*"),
                        "description" | "title" => Value::Null,
                        _ => skeleton(v),
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(skeleton).collect()),
        other => other.clone(),
    }
}

/// The referenced schema names and type names, in document order.
fn collect_tokens(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, item) in map {
                match (key.as_str(), item) {
                    ("$ref", Value::String(r)) => {
                        out.push(r.rsplit('/').next().unwrap_or(r).to_owned());
                    }
                    ("type", Value::String(t)) => out.push(t.clone()),
                    ("type", Value::Array(ts)) => out.push(
                        ts.iter()
                            .filter_map(Value::as_str)
                            .filter(|t| *t != "null")
                            .collect::<Vec<_>>()
                            .join("_"),
                    ),
                    _ => collect_tokens(item, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_tokens(item, out)),
        _ => {}
    }
}

/// Rewrites `#/components/schemas/<old>` references in `value` to their new names.
pub(crate) fn rename_refs(value: &mut Value, renames: &HashMap<String, String>) {
    match value {
        Value::Object(map) => {
            for (key, item) in map.iter_mut() {
                if key == "$ref"
                    && let Some(new) = item
                        .as_str()
                        .and_then(|r| r.strip_prefix("#/components/schemas/"))
                        .and_then(|name| renames.get(name))
                {
                    *item = Value::from(format!("#/components/schemas/{new}"));
                } else {
                    rename_refs(item, renames);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| rename_refs(item, renames)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_generic_family_is_named_after_what_tells_it_apart_and_others_left_alone() {
        let list = |item: Value| json!({"type": "object", "properties": {"data": {"type": "array", "items": item}}});
        let definitions = json!({
            "Listing": list(json!({"$ref": "#/components/schemas/Charge"})),
            "Listing2": list(json!({"$ref": "#/components/schemas/Refund"})),
            "Listing3": list(json!({"type": "array", "items": {"type": "integer"}})),
            "Page": list(json!({"type": "integer"})),
            "Page2": list(json!({"type": "string"})),
            "Sha": {"type": "string"},
            "Sha256": {"type": "object", "properties": {"hex": {"type": "string"}}},
        });
        let renames = renames(definitions.as_object().unwrap());
        assert_eq!(renames["Listing"], "Listing_Charge");
        assert_eq!(renames["Listing2"], "Listing_Refund");
        assert!(
            !renames.contains_key("Listing3"),
            "shapes differ: left alone"
        );
        assert_eq!(renames["Page"], "Page_integer");
        assert_eq!(renames["Page2"], "Page_string");
        assert!(!renames.contains_key("Sha256"), "{renames:?}");
        let mut reply = json!({"$ref": "#/components/schemas/Listing2"});
        rename_refs(&mut reply, &renames);
        assert_eq!(reply["$ref"], "#/components/schemas/Listing_Refund");
    }
}

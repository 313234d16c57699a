//! Bracketed names (`created[gte]`, `expand[]`, `address[line1]`, `items[0][price]`), which a
//! trait may write by hand for a document's `deepObject` parameters and form encodings: the
//! document names the root (`created`, `address`) and describes the rest in its schema.

use serde_json::{Map, Value, json};

use super::schema_compare::Resolve;

/// `created[gte]` → (`created`, [`gte`]); `expand[]` → (`expand`, [``]); a plain name or
/// unbalanced brackets → (the name, []).
pub(super) fn split(name: &str) -> (&str, Vec<&str>) {
    let Some(open) = name.find('[').filter(|&at| at > 0) else {
        return (name, Vec::new());
    };
    let (root, mut rest) = name.split_at(open);
    let mut segments = Vec::new();
    while !rest.is_empty() {
        let Some(end) = rest.strip_prefix('[').and_then(|inner| inner.find(']')) else {
            return (name, Vec::new());
        };
        segments.push(&rest[1..=end]);
        rest = &rest[end + 2..];
    }
    (root, segments)
}

/// Whether a segment stands for an array item: `[]` or `[0]`.
pub(super) fn is_index(segment: &str) -> bool {
    segment.is_empty() || segment.bytes().all(|b| b.is_ascii_digit())
}

/// The part of `schema` that `segments` name, `$ref`s followed: `properties` for names,
/// `items` for indexes, trying each branch of an `anyOf`/`oneOf` (Stripe's `created` is an
/// object of bounds or an integer); `None` when the schema has no such part.
pub(super) fn descend<'a>(
    schema: &'a Value,
    segments: &[&str],
    side: &'a dyn Resolve,
) -> Option<&'a Value> {
    let Some((segment, rest)) = segments.split_first() else {
        return Some(schema);
    };
    let schema = side.resolve(schema);
    for key in ["anyOf", "oneOf"] {
        if let Some(branches) = schema[key].as_array() {
            return branches.iter().find_map(|b| descend(b, segments, side));
        }
    }
    let next = if is_index(segment) {
        schema.get("items")?
    } else {
        schema.get("properties")?.get(*segment)?
    };
    descend(next, rest, side)
}

/// A form schema whose bracketed fields are nested as the document nests them:
/// `{"address[line1]": S}` becomes `{"address": {"properties": {"line1": S}}}`. A schema
/// without bracketed fields comes back as it is.
pub(super) fn nest_fields(schema: &Value) -> Value {
    let Some(properties) = schema["properties"].as_object() else {
        return schema.clone();
    };
    if !properties.keys().any(|name| !split(name).1.is_empty()) {
        return schema.clone();
    }
    let required: Vec<&str> = schema["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let mut nested = json!({ "type": "object", "properties": {}, "required": [] });
    for (name, field) in properties {
        let (root, segments) = split(name);
        let required = required.contains(&name.as_str());
        insert(&mut nested, root, &segments, field.clone(), required);
    }
    nested
}

/// Puts `field` at `root` + `segments` of an object schema, making the levels between; a
/// required field makes each level on its way required.
fn insert(object: &mut Value, root: &str, segments: &[&str], field: Value, required: bool) {
    if required
        && let Some(names) = object["required"].as_array_mut()
        && !names.iter().any(|n| n == root)
    {
        names.push(Value::from(root));
    }
    let mut properties: Map<String, Value> = object["properties"]
        .as_object_mut()
        .map(std::mem::take)
        .unwrap_or_default();
    let slot = properties.entry(root.to_owned()).or_insert(Value::Null);
    place(slot, segments, field, required);
    object["properties"] = Value::Object(properties);
}

fn place(slot: &mut Value, segments: &[&str], field: Value, required: bool) {
    let Some((first, rest)) = segments.split_first() else {
        *slot = field;
        return;
    };
    if is_index(first) && rest.is_empty() && field["type"] == "array" {
        // `expand[]` sent once per item: the field's list is the array itself.
        *slot = field;
        return;
    }
    if is_index(first) {
        if slot["type"] != "array" {
            *slot = json!({ "type": "array", "items": null });
        }
        place(&mut slot["items"], rest, field, required);
    } else {
        if slot["type"] != "object" {
            *slot = json!({ "type": "object", "properties": {}, "required": [] });
        }
        insert(slot, first, rest, field, required);
    }
}

#[cfg(test)]
mod tests {
    use super::super::schema_compare::Plain;
    use super::*;

    #[test]
    fn names_split_into_a_root_and_segments() {
        assert_eq!(split("created[gte]"), ("created", vec!["gte"]));
        assert_eq!(split("expand[]"), ("expand", vec![""]));
        assert_eq!(split("items[0][price]"), ("items", vec!["0", "price"]));
        assert_eq!(split("plain"), ("plain", vec![]));
        assert_eq!(split("bad[open"), ("bad[open", vec![]));
        assert_eq!(split("[x]"), ("[x]", vec![]));
    }

    #[test]
    fn segments_descend_into_properties_and_items() {
        let schema = json!({"type": "object", "properties": {
            "gte": {"type": "integer"},
            "items": {"anyOf": [{"type": "array", "items": {"type": "object", "properties": {"price": {"type": "string"}}}}, {"type": "null"}]}
        }});
        assert_eq!(
            descend(&schema, &["gte"], &Plain).unwrap()["type"],
            "integer"
        );
        assert_eq!(
            descend(&schema, &["items", "0", "price"], &Plain).unwrap()["type"],
            "string"
        );
        assert!(descend(&schema, &["lt"], &Plain).is_none());
    }

    #[test]
    fn bracketed_fields_nest_like_the_document() {
        let form = json!({"type": "object", "properties": {
            "email": {"type": "string"},
            "address[line1]": {"type": "string"},
            "expand[]": {"type": "string"}
        }, "required": ["email", "address[line1]"], "additionalProperties": false});
        let nested = nest_fields(&form);
        assert_eq!(
            nested["properties"]["address"]["properties"]["line1"]["type"],
            "string"
        );
        assert_eq!(nested["properties"]["expand"]["items"]["type"], "string");
        assert_eq!(nested["required"], json!(["address", "email"]));
    }
}

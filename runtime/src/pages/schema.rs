//! The shape of one page for the OpenAPI export and the contract check: the item array, at
//! the `items` path the endpoint declares, next to its cursor field.

use serde_json::{Map, Value, json};

use super::style::{PageStyle, Pagination, path_keys as keys};

/// The schema of one page whose items are `items` (an array schema).
pub(crate) fn page_schema(pagination: &Pagination, items: Value) -> Value {
    let mut page = Value::Null;
    match pagination.items() {
        Some(path) => place(&mut page, &keys(path), items, true),
        None => page = items,
    }
    if let PageStyle::Cursor { field, .. } = pagination.style() {
        // The last page may leave it out or set it to `null`; it is text or a number.
        let cursor = json!({
            "description": "The next page's cursor; missing, `null` or empty on the last page.",
            "type": ["string", "integer", "null"],
        });
        if page.get("type") == Some(&json!("array")) {
            // A cursor in a reply that is the bare list: nowhere to put it, so keep the list.
            return page;
        }
        place(&mut page, &keys(field), cursor, false);
    }
    page
}

/// Puts `leaf` at `keys` under `schema`, making the objects on the way (`required` names the
/// keys that lead to it when `required`).
fn place(schema: &mut Value, keys: &[String], leaf: Value, required: bool) {
    let Some((key, rest)) = keys.split_first() else {
        *schema = leaf;
        return;
    };
    if !schema.is_object() || schema.get("type") != Some(&json!("object")) {
        *schema = json!({ "type": "object", "properties": {} });
    }
    let object = schema.as_object_mut().expect("just made an object");
    if required {
        let names = object
            .entry("required")
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(names) = names
            && !names.iter().any(|n| n == key)
        {
            names.push(Value::String(key.clone()));
        }
    }
    let properties = object
        .entry("properties")
        .or_insert_with(|| Value::Object(Map::new()));
    let Value::Object(properties) = properties else {
        unreachable!("`properties` was made an object above");
    };
    let child = properties.entry(key.clone()).or_insert(Value::Null);
    place(child, rest, leaf, required);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items() -> Value {
        json!({ "type": "array", "items": { "$ref": "#/components/schemas/Issue" } })
    }

    #[test]
    fn a_page_that_is_the_list_is_the_item_array() {
        let pagination = Pagination::__new(PageStyle::Link, None);
        assert_eq!(page_schema(&pagination, items()), items());
    }

    #[test]
    fn items_in_a_field_are_a_required_property_and_the_cursor_an_optional_one() {
        let style = PageStyle::Cursor {
            field: "meta.next",
            param: "cursor",
        };
        let pagination = Pagination::__new(style, Some("data"));
        let schema = page_schema(&pagination, items());
        assert_eq!(schema["type"], "object");
        assert_eq!(schema["required"], json!(["data"]));
        assert_eq!(schema["properties"]["data"], items());
        let meta = &schema["properties"]["meta"];
        assert_eq!(meta["type"], "object");
        assert_eq!(meta.get("required"), None);
        assert_eq!(
            meta["properties"]["next"]["type"],
            json!(["string", "integer", "null"])
        );
    }

    #[test]
    fn items_and_cursor_under_one_object_share_it() {
        let style = PageStyle::Cursor {
            field: "/result/next~1page",
            param: "after",
        };
        let pagination = Pagination::__new(style, Some("result.items"));
        let schema = page_schema(&pagination, items());
        let result = &schema["properties"]["result"];
        assert_eq!(result["required"], json!(["items"]));
        assert_eq!(result["properties"]["items"], items());
        assert!(result["properties"]["next/page"].is_object());
        assert_eq!(schema["required"], json!(["result"]));
    }
}

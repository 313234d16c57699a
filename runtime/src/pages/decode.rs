//! A page's body: its items, and the cursor it names.

use bytes::Bytes;
use http::StatusCode;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::style::{PageStyle, Pagination, pointer};
use crate::codec::decode_json;
use crate::error::{Error, Result, response_snippet};
use crate::redact::Redactor;

/// The items of a page, and its cursor when the list has cursors. An empty body (or 204) is
/// an empty page; a page whose items are `null` is too.
///
/// # Errors
///
/// [`Error::Decode`] when the body is not JSON, the items are missing or not a list of `T`.
pub(crate) fn decode_page<T: DeserializeOwned>(
    status: StatusCode,
    body: Bytes,
    pagination: Pagination,
    redactor: &Redactor,
) -> Result<(Vec<T>, Option<String>)> {
    if body.is_empty() || matches!(status.as_u16(), 204 | 205) {
        return Ok((Vec::new(), None));
    }
    let cursor_field = match pagination.style() {
        PageStyle::Cursor { field, .. } => Some(field),
        _ => None,
    };
    let items = pagination.items();
    if items.is_none() && cursor_field.is_none() {
        // The page is the list: decoded straight from the bytes, with the usual errors.
        let list: Option<Vec<T>> = decode_json(status, body, redactor)?;
        return Ok((list.unwrap_or_default(), None));
    }
    let mut page: Value = decode_json(status, body.clone(), redactor)?;
    let cursor = cursor_field
        .and_then(|field| page.pointer(&pointer(field)))
        .and_then(|value| match value {
            Value::String(text) => Some(text.clone()),
            Value::Number(number) => Some(number.to_string()),
            _ => None,
        });
    let list = match items {
        Some(path) => match page.pointer_mut(&pointer(path)) {
            Some(list) => list.take(),
            None => {
                return Err(Error::Decode {
                    path: path.to_owned(),
                    message: format!(
                        "the page has no `{path}`, where `#[paginate(items = \"{path}\")]` says its items are"
                    ),
                    snippet: response_snippet(&body, redactor),
                });
            }
        },
        None => page,
    };
    if list.is_null() {
        return Ok((Vec::new(), cursor));
    }
    let list = serde_path_to_error::deserialize(list).map_err(|e| {
        let at = e.path().to_string();
        let path = match items {
            Some(items) if at == "." => items.to_owned(),
            Some(items) => format!(
                "{items}{}",
                if at.starts_with('[') {
                    at
                } else {
                    format!(".{at}")
                }
            ),
            None => at,
        };
        Error::Decode {
            path,
            message: crate::redact::serde_message(&e.inner().to_string()),
            snippet: response_snippet(&body, redactor),
        }
    })?;
    Ok((list, cursor))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Item {
        id: u32,
    }

    fn page(
        style: PageStyle,
        items: Option<&'static str>,
        body: &'static str,
    ) -> Result<(Vec<Item>, Option<String>)> {
        decode_page(
            StatusCode::OK,
            Bytes::from_static(body.as_bytes()),
            Pagination::__new(style, items),
            &Redactor::default(),
        )
    }

    const CURSOR: PageStyle = PageStyle::Cursor {
        field: "meta.next",
        param: "cursor",
    };

    #[test]
    fn items_and_cursor_come_from_where_the_attribute_says() {
        let (items, cursor) = page(
            CURSOR,
            Some("data"),
            r#"{"data": [{"id": 1}, {"id": 2}], "meta": {"next": "abc"}}"#,
        )
        .unwrap();
        assert_eq!(items, [Item { id: 1 }, Item { id: 2 }]);
        assert_eq!(cursor.as_deref(), Some("abc"));
        let (_, cursor) = page(
            CURSOR,
            Some("data"),
            r#"{"data": [], "meta": {"next": 17}}"#,
        )
        .unwrap();
        assert_eq!(cursor.as_deref(), Some("17"));
        let (items, cursor) = page(
            CURSOR,
            Some("data"),
            r#"{"data": null, "meta": {"next": null}}"#,
        )
        .unwrap();
        assert!(items.is_empty() && cursor.is_none());
        let (items, _) = page(PageStyle::Link, None, r#"[{"id": 3}]"#).unwrap();
        assert_eq!(items, [Item { id: 3 }]);
        assert!(page(PageStyle::Link, None, "").unwrap().0.is_empty());
    }

    #[test]
    fn a_bad_item_or_a_missing_list_names_where_it_is() {
        let error = page(
            CURSOR,
            Some("data"),
            r#"{"data": [{"id": 1}, {"id": "x"}]}"#,
        )
        .unwrap_err();
        match error {
            Error::Decode { path, .. } => assert_eq!(path, "data[1].id"),
            other => panic!("{other:?}"),
        }
        let error = page(CURSOR, Some("items"), r#"{"data": []}"#).unwrap_err();
        assert!(error.to_string().contains("no `items`"), "{error}");
        let error = page(PageStyle::Link, None, r#"[{"id": 1}, {}]"#).unwrap_err();
        match error {
            Error::Decode { path, .. } => assert_eq!(path, "[1]"),
            other => panic!("{other:?}"),
        }
    }
}

//! Scripted pages for a typed mock of a `#[paginate(..)]` endpoint: each request is answered
//! with the page it asks for, written so that the endpoint's pagination finds the next one.

use serde_json::{Map, Value};

use super::MockReply;
use crate::pages::path_keys;
use crate::request::Request;
use crate::{PageStyle, Pagination};

/// The query parameter a mocked `Link` adds to say which page a request asks for.
const PAGE_MARK: &str = "ferrofit_mock_page";

/// The reply to `request` from the scripted `pages` (each a JSON array): the page it asks
/// for, or an empty one past the last.
pub(super) fn page_reply(pages: &[Value], request: &Request) -> MockReply {
    let Some(pagination) = request.endpoint().and_then(|e| e.pagination().copied()) else {
        return MockReply::json(500, &"returns_pages: the endpoint has no #[paginate(..)]");
    };
    let index = page_index(&pagination, pages, request);
    let page = pages
        .get(index)
        .cloned()
        .unwrap_or(Value::Array(Vec::new()));
    let has_next = index + 1 < pages.len();
    let mut body = match pagination.items() {
        Some(items) => at_path(Value::Null, &path_keys(items), page),
        None => page,
    };
    let mut reply = None;
    match pagination.style() {
        PageStyle::Link if has_next => {
            let mut next = request.url().clone();
            let kept: Vec<(String, String)> = next
                .query_pairs()
                .filter(|(key, _)| key != PAGE_MARK)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            next.query_pairs_mut()
                .clear()
                .extend_pairs(kept)
                .append_pair(PAGE_MARK, &(index + 1).to_string());
            reply = Some(format!("<{next}>; rel=\"next\""));
        }
        PageStyle::Cursor { field, .. } => {
            let cursor = has_next.then(|| Value::String(format!("page-{}", index + 1)));
            body = at_path(body, &path_keys(field), cursor.unwrap_or(Value::Null));
        }
        _ => {}
    }
    let reply_without_link = MockReply::json(200, &body);
    match reply {
        Some(link) => reply_without_link.header("link", &link),
        None => reply_without_link,
    }
}

/// Which of `pages` `request` asks for (from 0): by the mark a mocked `Link` put in its URL,
/// the cursor a mocked page named, the page number (1 is the first) or the offset (the items
/// of the pages before it).
fn page_index(pagination: &Pagination, pages: &[Value], request: &Request) -> usize {
    let query = |key: &str| {
        request
            .url()
            .query_pairs()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.into_owned())
    };
    let number = |key: &str| query(key).and_then(|v| v.parse::<usize>().ok());
    match pagination.style() {
        PageStyle::Link => number(PAGE_MARK).unwrap_or(0),
        PageStyle::Cursor { param, .. } => query(param)
            .and_then(|c| c.strip_prefix("page-").and_then(|n| n.parse().ok()))
            .unwrap_or(0),
        PageStyle::Page { param, .. } => number(param).unwrap_or(1).saturating_sub(1),
        PageStyle::Offset { offset, .. } => {
            let mut left = number(offset).unwrap_or(0);
            let mut index = 0;
            while left > 0 && index < pages.len() {
                left = left.saturating_sub(pages[index].as_array().map_or(0, Vec::len));
                index += 1;
            }
            index
        }
    }
}

/// `root` with `leaf` at `keys`, objects made on the way.
fn at_path(root: Value, keys: &[String], leaf: Value) -> Value {
    let Some((key, rest)) = keys.split_first() else {
        return leaf;
    };
    let mut object = match root {
        Value::Object(object) => object,
        _ => Map::new(),
    };
    let child = object.remove(key).unwrap_or(Value::Null);
    object.insert(key.clone(), at_path(child, rest, leaf));
    Value::Object(object)
}

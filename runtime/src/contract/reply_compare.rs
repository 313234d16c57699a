//! Replies against the document: the success reply, and the error body an endpoint declares
//! with `ApiError<E>` against every error response the document gives a JSON body.

use serde_json::{Map, Value};

use super::Spec;
use super::schema_compare::{Flow, Ours, compare};
use crate::openapi::EndpointDescription;

/// The spec's media type entry matching `content_type` (exact, `type/*` or `*/*`).
pub(super) fn media<'s>(content: &'s Map<String, Value>, content_type: &str) -> Option<&'s Value> {
    let wanted = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let (kind, _) = wanted.split_once('/').unwrap_or((&wanted, ""));
    let key = |k: &str| {
        k.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    };
    content
        .iter()
        .find(|(k, _)| key(k) == wanted)
        .or_else(|| content.iter().find(|(k, _)| key(k) == format!("{kind}/*")))
        .or_else(|| content.iter().find(|(k, _)| key(k) == "*/*"))
        .map(|(_, v)| v)
}

pub(super) fn check_reply(
    endpoint: &EndpointDescription,
    ours: &Ours<'_>,
    spec: &Spec,
    operation: &Value,
    out: &mut Vec<String>,
) {
    let responses = operation["responses"].as_object();
    let mut codes: Vec<&String> = responses.into_iter().flatten().map(|(k, _)| k).collect();
    codes.sort();
    let success = codes
        .iter()
        .find(|c| c.starts_with('2'))
        .or_else(|| codes.iter().find(|c| c.as_str() == "default"));
    // A trait returning `()` reads no reply: nothing to check.
    let (Some(content_type), Some(schema)) =
        (endpoint.reply_content_type(), endpoint.reply_schema())
    else {
        return;
    };
    let Some(code) = success else {
        out.push(format!(
            "reply: the trait decodes {content_type}, but the spec lists no success reply (2XX or default)"
        ));
        return;
    };
    let response = spec.resolve(&operation["responses"][code.as_str()]);
    let Some(content) = response["content"].as_object() else {
        out.push(format!(
            "reply: the trait decodes {content_type}, but the spec's {code} reply has no body"
        ));
        return;
    };
    match media(content, content_type) {
        None => out.push(format!(
            "reply: the trait decodes {content_type}, the spec's {code} reply is {}",
            content.keys().cloned().collect::<Vec<_>>().join(", ")
        )),
        Some(media) => compare(
            (schema, ours),
            (&media["schema"], spec),
            Flow::Received,
            "reply",
            out,
        ),
    }
}

/// Every error response of the document with a JSON body must decode as the declared error
/// body: one that does not reaches the caller as `ApiError::Other`, its typed body lost.
pub(super) fn check_errors(
    endpoint: &EndpointDescription,
    ours: &Ours<'_>,
    spec: &Spec,
    operation: &Value,
    out: &mut Vec<String>,
) {
    let Some(schema) = endpoint.error_schema() else {
        return;
    };
    let Some(responses) = operation["responses"].as_object() else {
        return;
    };
    let has_success = responses.keys().any(|code| code.starts_with('2'));
    let mut codes: Vec<&String> = responses
        .keys()
        .filter(|code| is_error_code(code) || (code.as_str() == "default" && has_success))
        .collect();
    codes.sort();
    for code in codes {
        let response = spec.resolve(&responses[code.as_str()]);
        let Some(media) = response["content"].as_object().and_then(json_media) else {
            continue;
        };
        compare(
            (schema, ours),
            (&media["schema"], spec),
            Flow::Received,
            &format!("error {code}"),
            out,
        );
    }
}

/// `4XX`, `5XX` and the statuses from 400 up.
fn is_error_code(code: &str) -> bool {
    code.starts_with('4') || code.starts_with('5')
}

/// The first JSON media type: `application/json` or a `+json` type (`problem+json`,
/// `vnd.github+json`).
pub(super) fn json_media(content: &Map<String, Value>) -> Option<&Value> {
    content.iter().find_map(|(key, media)| {
        let essence = key
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        (essence == "application/json" || essence.ends_with("+json")).then_some(media)
    })
}

//! Replies against the document: the success reply, and the error body an endpoint declares
//! with `ApiError<E>` against every error response the document gives a JSON body.

use serde_json::{Map, Value};

use super::Spec;
use super::findings::Findings;
use super::schema_compare::{Flow, Ours, compare};
use crate::openapi::EndpointDescription;

/// The media type without parameters, lower-cased: `Application/JSON; charset=utf-8` →
/// `application/json`.
fn essence(media_type: &str) -> String {
    media_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

fn is_json(essence: &str) -> bool {
    essence == "application/json" || essence.ends_with("+json")
}

/// The spec's media type entry for `content_type`: the same type; any JSON type for a JSON one
/// (`application/vnd.github+json` is JSON by its suffix); then `type/*` and `*/*` on either
/// side.
pub(super) fn media<'s>(content: &'s Map<String, Value>, content_type: &str) -> Option<&'s Value> {
    let wanted = essence(content_type);
    let (kind, _) = wanted.split_once('/').unwrap_or((&wanted, ""));
    let find = |test: &dyn Fn(&str) -> bool| {
        content
            .iter()
            .find(|(key, _)| test(&essence(key)))
            .map(|(_, media)| media)
    };
    find(&|key| key == wanted)
        .or_else(|| {
            is_json(&wanted)
                .then(|| find(&|key| is_json(key)))
                .flatten()
        })
        .or_else(|| {
            (wanted == "*/*" || wanted == format!("{kind}/*"))
                .then(|| find(&|key| wanted == "*/*" || key.starts_with(&format!("{kind}/"))))
                .flatten()
        })
        .or_else(|| find(&|key| key == format!("{kind}/*")))
        .or_else(|| find(&|key| key == "*/*"))
}

pub(super) fn check_reply(
    endpoint: &EndpointDescription,
    ours: &Ours<'_>,
    spec: &Spec,
    operation: &Value,
    out: &mut Findings,
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
    // The server answers what the trait asks for, else what it decodes (a trait-wide
    // `Accept: application/json` on a method that reads text).
    let (wanted, trait_side): (Vec<&str>, String) = match endpoint.accept() {
        Some(accept) => (
            accept
                .split(',')
                .filter(|range| !is_refused(range))
                .chain([content_type])
                .collect(),
            format!("the trait asks for {accept}"),
        ),
        None => (
            vec![content_type],
            format!("the trait decodes {content_type}"),
        ),
    };
    let Some(code) = success else {
        out.push(format!(
            "reply: {trait_side}, but the spec lists no success reply (2XX or default)"
        ));
        return;
    };
    let response = spec.resolve(&operation["responses"][code.as_str()]);
    let Some(content) = response["content"].as_object() else {
        out.push(format!(
            "reply: {trait_side}, but the spec's {code} reply has no body"
        ));
        return;
    };
    match wanted.iter().find_map(|range| media(content, range)) {
        None => out.push(format!(
            "reply: {trait_side}, the spec's {code} reply is {}",
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

/// A media range the client refuses: `q=0`.
fn is_refused(range: &str) -> bool {
    range.split(';').skip(1).any(|param| {
        let param = param.trim().to_ascii_lowercase();
        param
            .strip_prefix("q=")
            .and_then(|q| q.parse::<f32>().ok())
            .is_some_and(|q| q == 0.0)
    })
}

/// Every error response of the document with a JSON body must decode as the declared error
/// body: one that does not reaches the caller as `ApiError::Other`, its typed body lost.
pub(super) fn check_errors(
    endpoint: &EndpointDescription,
    ours: &Ours<'_>,
    spec: &Spec,
    operation: &Value,
    out: &mut Findings,
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
    content
        .iter()
        .find_map(|(key, media)| is_json(&essence(key)).then_some(media))
}

//! One endpoint of the trait against the provider's document: path and method, parameters,
//! request body, success reply and error bodies.

use serde_json::{Map, Value};

use super::Spec;
use super::brackets;
use super::findings::Findings;
use super::reply_compare::{check_errors, check_reply, media};
use super::schema_compare::{Flow, Ours, Resolve, compare};
use crate::openapi::{EndpointDescription, ParamDescription, ParamLocation};

/// The mismatches of `endpoint`, one line each; `Err` with the reason when it is not checked.
pub(super) fn check(
    endpoint: &EndpointDescription,
    ours: &Ours<'_>,
    spec: &Spec,
) -> Result<Findings, String> {
    let path = endpoint
        .path()
        .ok_or("its URL is a #[url] argument, known only at run time")?;
    let mut out = Findings::default();
    let Some((spec_path, item)) = find_path(spec, path) else {
        let hint = closest_path(spec, path)
            .map(|p| format!("; did you mean `{p}`?"))
            .unwrap_or_default();
        out.push(format!(
            "{} {path}: the spec has no such path{hint}",
            endpoint.method()
        ));
        return Ok(out);
    };
    let method = endpoint.method().to_ascii_lowercase();
    let Some(operation) = item.get(&method).map(|o| spec.resolve(o)) else {
        let methods: Vec<&str> = [
            "get", "put", "post", "delete", "patch", "head", "options", "trace",
        ]
        .into_iter()
        .filter(|m| item.get(*m).is_some())
        .collect();
        out.push(format!(
            "{} {spec_path}: the spec has no {} operation here (it has {})",
            endpoint.method(),
            endpoint.method(),
            methods.join(", ").to_uppercase()
        ));
        return Ok(out);
    };
    let names = placeholder_names(path)
        .into_iter()
        .zip(placeholder_names(spec_path))
        .collect::<Vec<_>>();
    check_security(endpoint, spec, operation, &mut out);
    check_params(endpoint, ours, spec, item, operation, &names, &mut out);
    check_body(endpoint, ours, spec, operation, &mut out);
    check_reply(endpoint, ours, spec, operation, &mut out);
    check_errors(endpoint, ours, spec, operation, &mut out);
    Ok(out)
}

/// A `#[no_auth]` endpoint the provider protects would fail with 401 on every call.
fn check_security(
    endpoint: &EndpointDescription,
    spec: &Spec,
    operation: &Value,
    out: &mut Findings,
) {
    if endpoint.uses_auth() {
        return;
    }
    let requirements = match operation.get("security") {
        Some(own) => own,
        None => &spec.as_json()["security"],
    };
    let Some(requirements) = requirements.as_array() else {
        return;
    };
    // `{}` among the alternatives makes credentials optional.
    let optional = requirements
        .iter()
        .any(|r| r.as_object().is_some_and(Map::is_empty));
    if !requirements.is_empty() && !optional {
        let schemes: Vec<&str> = requirements
            .iter()
            .filter_map(Value::as_object)
            .flat_map(|r| r.keys().map(String::as_str))
            .collect();
        out.push(format!(
            "security: the spec requires credentials ({}), but the trait marks it #[no_auth]",
            schemes.join(" or ")
        ));
    }
}

/// Templates compared with placeholder names set aside: `/pet/{id}` is `/pet/{petId}`.
fn shape(template: &str) -> String {
    let mut shape = String::new();
    let mut in_placeholder = false;
    for c in template.trim_end_matches('/').chars() {
        match c {
            '{' => {
                in_placeholder = true;
                shape.push_str("{}");
            }
            '}' => in_placeholder = false,
            c if !in_placeholder => shape.push(c),
            _ => {}
        }
    }
    shape
}

fn placeholder_names(template: &str) -> Vec<&str> {
    template
        .split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
        .collect()
}

fn find_path<'s>(spec: &'s Spec, path: &str) -> Option<(&'s str, &'s Value)> {
    let wanted = shape(path);
    spec.paths().find(|(p, _)| shape(p) == wanted)
}

/// The spec path most like `path`, for a hint: equal segments count most, then segments
/// one or two edits apart (`pets` for `pet`), then placeholders in the same place.
fn closest_path<'s>(spec: &'s Spec, path: &str) -> Option<&'s str> {
    let wanted = shape(path);
    let segments: Vec<&str> = wanted.split('/').filter(|s| !s.is_empty()).collect();
    spec.paths()
        .map(|(p, _)| {
            let theirs = shape(p);
            let theirs: Vec<&str> = theirs.split('/').filter(|s| !s.is_empty()).collect();
            let score: usize = theirs
                .iter()
                .zip(&segments)
                .map(|(a, b)| match (*a, *b) {
                    ("{}", "{}") => 1,
                    (a, b) if a == b => 3,
                    (a, b) if edit_distance(a, b) <= 2 => 2,
                    _ => 0,
                })
                .sum();
            (score + usize::from(theirs.len() == segments.len()), p)
        })
        .filter(|(score, _)| *score >= 3)
        .max_by_key(|(score, _)| *score)
        .map(|(_, p)| p)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substituted = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substituted.min(row[j] + 1).min(previous + 1);
        }
    }
    row[b.len()]
}

/// Path-level parameters, overridden by the operation's (same name and place).
fn spec_params<'s>(spec: &'s Spec, item: &'s Value, operation: &'s Value) -> Vec<&'s Value> {
    let mut params: Vec<&Value> = Vec::new();
    for list in [&item["parameters"], &operation["parameters"]] {
        for param in list
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| spec.resolve(p))
        {
            params.retain(|p| !(p["name"] == param["name"] && p["in"] == param["in"]));
            params.push(param);
        }
    }
    params
}

fn same_name(location: ParamLocation, ours: &str, theirs: &str) -> bool {
    match location {
        ParamLocation::Header => ours.eq_ignore_ascii_case(theirs),
        _ => ours == theirs,
    }
}

fn check_params(
    endpoint: &EndpointDescription,
    ours: &Ours<'_>,
    spec: &Spec,
    item: &Value,
    operation: &Value,
    path_names: &[(&str, &str)],
    out: &mut Findings,
) {
    let theirs = spec_params(spec, item, operation);
    let mut matched: Vec<&Value> = Vec::new();
    for param in endpoint.params() {
        let location = param.location();
        // Path placeholders match by position: the names are the trait's and the spec's own.
        let spec_name = match location {
            ParamLocation::Path => path_names
                .iter()
                .find(|(o, _)| *o == param.name())
                .map_or(param.name(), |(_, t)| *t),
            _ => param.name(),
        };
        // `created[gte]` written by hand is part of the document's `created`.
        let (root, segments) = match location {
            ParamLocation::Query => brackets::split(spec_name),
            _ => (spec_name, Vec::new()),
        };
        let found = theirs.iter().find(|p| {
            p["in"] == location.as_str()
                && p["name"]
                    .as_str()
                    .is_some_and(|n| same_name(location, root, n))
        });
        let what = format!("{} parameter `{}`", location.as_str(), param.name());
        let Some(their_param) = found else {
            if location == ParamLocation::Header {
                // A server ignores a header it does not know: worth knowing, not breaking.
                if !is_ignored_header(param.name()) {
                    out.note(format!(
                        "{what}: the spec does not name it; the trait sends it anyway"
                    ));
                }
                continue;
            }
            out.push(format!("{what}: the spec has no such parameter"));
            continue;
        };
        matched.push(their_param);
        if segments.is_empty() && their_param["required"] == true && !param.required() {
            out.push(format!(
                "{what}: the spec requires it, but the trait may leave it out"
            ));
        }
        let Some(their_schema) = brackets::descend(&their_param["schema"], &segments, spec) else {
            out.push(format!(
                "{what}: the spec's `{root}` has no `{}`",
                &param.name()[root.len()..]
            ));
            continue;
        };
        if location == ParamLocation::Query && segments.is_empty() {
            match check_style(param, their_param, spec.resolve(their_schema), ours) {
                StyleFit::Same => {}
                // A joined list is one string on the wire (`labels=bug,ui`): what a string
                // parameter of "comma-separated names" takes.
                StyleFit::JoinedString => continue,
                StyleFit::Differs(problem) => {
                    out.push(format!("{what}: {problem}"));
                    continue;
                }
            }
        }
        let (ours_schema, their_schema) = shapes(param, &segments, their_schema, ours, spec);
        compare(
            (ours_schema, ours),
            (their_schema, spec),
            Flow::Sent,
            &what,
            out,
        );
    }
    for their_param in theirs {
        let already = matched.iter().any(|m| std::ptr::eq(*m, their_param));
        if !already && their_param["required"] == true {
            out.push(format!(
                "{} parameter `{}`: the spec requires it, but the trait never sends it",
                their_param["in"].as_str().unwrap_or("?"),
                their_param["name"].as_str().unwrap_or("?")
            ));
        }
    }
}

enum StyleFit {
    Same,
    JoinedString,
    Differs(String),
}

/// Whether the trait writes a query parameter in the style the document reads it: only a
/// list or an object has a style to disagree on.
fn check_style(
    param: &ParamDescription,
    their_param: &Value,
    their_schema: &Value,
    ours: &Ours<'_>,
) -> StyleFit {
    let ours_repeat = ours.resolve(param.schema())["type"] == "array";
    let ours_style = param.style().unwrap_or(("form", true));
    let joined = ours_repeat
        && matches!(
            ours_style,
            ("form", false) | ("spaceDelimited" | "pipeDelimited", _)
        );
    let style = their_param["style"].as_str().unwrap_or("form");
    let explode = their_param["explode"].as_bool().unwrap_or(style == "form");
    if joined && their_schema["type"] == "string" {
        return StyleFit::JoinedString;
    }
    let shaped = ours_repeat || their_schema["type"] == "array" || style == "deepObject";
    if shaped && (style, explode) != ours_style {
        return StyleFit::Differs(format!(
            "the spec takes style `{style}` with explode {explode}, the trait sends style `{}` with explode {}",
            ours_style.0, ours_style.1
        ));
    }
    StyleFit::Same
}

/// The two schemas to compare: one value is an array of one in a query or header
/// (`status=sold`), and each value of a repeated `expand[]` is an item of the spec's array.
fn shapes<'a>(
    param: &'a ParamDescription,
    segments: &[&str],
    their_schema: &'a Value,
    ours: &'a Ours<'_>,
    spec: &'a Spec,
) -> (&'a Value, &'a Value) {
    let their_schema = spec.resolve(their_schema);
    let ours_repeat = ours.resolve(param.schema())["type"] == "array";
    if ours_repeat && segments.last().is_some_and(|s| brackets::is_index(s)) {
        (&ours.resolve(param.schema())["items"], their_schema)
    } else if their_schema["type"] == "array"
        && !ours_repeat
        && param.location() != ParamLocation::Path
    {
        (param.schema(), &their_schema["items"])
    } else {
        (param.schema(), their_schema)
    }
}

/// Headers OpenAPI describes elsewhere (content negotiation, security schemes).
fn is_ignored_header(name: &str) -> bool {
    ["accept", "content-type", "authorization"]
        .iter()
        .any(|h| h.eq_ignore_ascii_case(name))
}

fn check_body(
    endpoint: &EndpointDescription,
    ours: &Ours<'_>,
    spec: &Spec,
    operation: &Value,
    out: &mut Findings,
) {
    let request_body = spec.resolve(&operation["requestBody"]);
    let content = request_body["content"].as_object();
    match (endpoint.body(), content) {
        (Some(body), None) => out.push(format!(
            "body: the trait sends {}, but the spec's operation takes no body",
            body.content_type()
        )),
        (Some(body), Some(content)) => match media(content, body.content_type()) {
            None => out.push(format!(
                "body: the trait sends {}, the spec accepts {}",
                body.content_type(),
                content.keys().cloned().collect::<Vec<_>>().join(", ")
            )),
            Some(media) => {
                // Fields written `address[line1]` are the document's `address.line1`.
                let schema = match body.content_type() {
                    "application/x-www-form-urlencoded" => brackets::nest_fields(body.schema()),
                    _ => body.schema().clone(),
                };
                compare(
                    (&schema, ours),
                    (&media["schema"], spec),
                    Flow::Sent,
                    "body",
                    out,
                );
            }
        },
        (None, Some(content)) if request_body["required"] == true => out.push(format!(
            "body: the spec requires one ({}), but the trait sends none",
            content.keys().cloned().collect::<Vec<_>>().join(", ")
        )),
        (None, _) => {}
    }
}

//! Compares one of our JSON Schemas with the provider's, in the direction data flows: what the
//! trait sends must be accepted by the provider's schema; what the provider may send must
//! decode into the trait's type. Only what can be known from both is compared (types, enums,
//! array items, object fields and their requiredness); an open schema on either side matches.

use serde_json::{Map, Value};

use super::findings::Findings;
use super::integer_range::IntRange;
use crate::openapi::UNCHECKED;

/// Follows `$ref`s within one side's document.
pub(super) trait Resolve {
    fn resolve<'a>(&'a self, value: &'a Value) -> &'a Value;
}

impl Resolve for super::Spec {
    fn resolve<'a>(&'a self, value: &'a Value) -> &'a Value {
        super::Spec::resolve(self, value)
    }
}

/// Our schemas: references point into the description's `components/schemas`.
pub(super) struct Ours<'s>(pub(super) &'s Map<String, Value>);

impl Resolve for Ours<'_> {
    fn resolve<'a>(&'a self, mut value: &'a Value) -> &'a Value {
        for _ in 0..32 {
            let Some(name) = value["$ref"]
                .as_str()
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
            else {
                return value;
            };
            match self.0.get(name) {
                Some(target) => value = target,
                None => return &Value::Null,
            }
        }
        &Value::Null
    }
}

/// Which way the data goes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Flow {
    /// The trait sends it (parameters, bodies): the provider must accept it.
    Sent,
    /// The provider sends it (replies): the trait must decode it.
    Received,
}

/// What both sides say about a value, `$ref`s followed, `allOf` merged and `null` set apart.
#[derive(Default)]
struct View {
    types: Vec<String>,
    properties: Map<String, Value>,
    required: Vec<String>,
    items: Option<Value>,
    values: Option<Vec<Value>>,
    /// `additionalProperties` is a schema or `true`: fields beyond `properties` are fine.
    open: bool,
    map_values: Option<Value>,
    /// The integers allowed, when the type is `integer`.
    range: Option<IntRange>,
    /// `null` is allowed too (`Option<T>`; `nullable: true` in 3.0 documents).
    nullable: bool,
}

fn view(schema: &Value, side: &dyn Resolve, depth: usize) -> View {
    let schema = side.resolve(schema);
    let mut merged = View::default();
    if depth > 8 {
        return merged;
    }
    // `Option<T>` is `anyOf: [T, null]` in our schemas; 3.0 documents say `nullable`.
    for key in ["anyOf", "oneOf"] {
        if let Some(variants) = schema[key].as_array() {
            let non_null: Vec<&Value> = variants
                .iter()
                .filter(|v| side.resolve(v)["type"] != "null")
                .collect();
            if let [only] = non_null.as_slice() {
                let mut only = view(only, side, depth + 1);
                only.nullable |= non_null.len() < variants.len() || schema["nullable"] == true;
                return only;
            }
            let mut values = Vec::new();
            for variant in &non_null {
                let v = side.resolve(variant);
                match (&v["const"], v["enum"].as_array()) {
                    (Value::Null, Some(e)) => values.extend(e.iter().cloned()),
                    (Value::Null, None) => return merged,
                    (c, _) => values.push(c.clone()),
                }
            }
            merged.types = types_of_values(&values);
            merged.values = Some(values);
            return merged;
        }
    }
    if let Some(parts) = schema["allOf"].as_array() {
        for part in parts {
            let part = view(part, side, depth + 1);
            merge(&mut merged, part);
        }
    }
    merge(&mut merged, own_fields(schema));
    merged
}

/// What `schema` says itself, without its `allOf` parts.
fn own_fields(schema: &Value) -> View {
    let mut view = View {
        types: match &schema["type"] {
            Value::String(t) => vec![t.clone()],
            Value::Array(ts) => ts
                .iter()
                .filter_map(|t| t.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        },
        properties: schema["properties"]
            .as_object()
            .cloned()
            .unwrap_or_default(),
        required: schema["required"]
            .as_array()
            .map(|r| {
                r.iter()
                    .filter_map(|n| n.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default(),
        items: schema.get("items").cloned(),
        values: match (&schema["const"], schema["enum"].as_array()) {
            (Value::Null, Some(values)) => Some(values.clone()),
            (Value::Null, None) => None,
            (c, _) => Some(vec![c.clone()]),
        },
        open: matches!(
            &schema["additionalProperties"],
            Value::Bool(true) | Value::Object(_)
        ),
        map_values: schema["additionalProperties"]
            .as_object()
            .map(|m| Value::Object(m.clone())),
        range: None,
        nullable: schema["nullable"] == true
            || schema["type"] == "null"
            || schema["type"]
                .as_array()
                .is_some_and(|types| types.iter().any(|t| t == "null")),
    };
    if view.types.iter().any(|t| t == "integer") {
        view.range = IntRange::of(schema);
    }
    view.types.retain(|t| t != "null");
    if view.types.is_empty() {
        if !view.properties.is_empty() || view.map_values.is_some() {
            view.types.push("object".into());
        } else if view.items.is_some() {
            view.types.push("array".into());
        } else if let Some(values) = &view.values {
            view.types = types_of_values(values);
        }
    }
    view
}

fn merge(into: &mut View, from: View) {
    for t in from.types {
        if !into.types.contains(&t) {
            into.types.push(t);
        }
    }
    into.properties.extend(from.properties);
    into.required.extend(from.required);
    into.items = into.items.take().or(from.items);
    into.values = into.values.take().or(from.values);
    into.open |= from.open;
    into.map_values = into.map_values.take().or(from.map_values);
    into.range = into.range.or(from.range);
    into.nullable |= from.nullable;
}

fn types_of_values(values: &[Value]) -> Vec<String> {
    let mut types: Vec<String> = values
        .iter()
        .filter_map(|v| match v {
            Value::String(_) => Some("string"),
            Value::Number(n) if n.is_f64() => Some("number"),
            Value::Number(_) => Some("integer"),
            Value::Bool(_) => Some("boolean"),
            _ => None,
        })
        .map(str::to_owned)
        .collect();
    types.dedup();
    types
}

/// Whether a value of type `t` fits `types` (an integer is a number).
fn fits(t: &str, types: &[String]) -> bool {
    types
        .iter()
        .any(|u| u == t || (t == "integer" && u == "number"))
}

fn show(values: &[Value]) -> String {
    values
        .iter()
        .map(Value::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Compares `ours` with `theirs` at `at` ("reply", "query parameter `status`"), adding one line
/// per mismatch to `out`.
pub(super) fn compare(
    ours: (&Value, &dyn Resolve),
    theirs: (&Value, &dyn Resolve),
    flow: Flow,
    at: &str,
    out: &mut Findings,
) {
    compare_at(ours, theirs, flow, at, 0, out);
}

fn compare_at(
    ours: (&Value, &dyn Resolve),
    theirs: (&Value, &dyn Resolve),
    flow: Flow,
    at: &str,
    depth: usize,
    out: &mut Findings,
) {
    if depth > 6 {
        return;
    }
    if let Some(type_name) = ours.1.resolve(ours.0)[UNCHECKED].as_str() {
        out.unchecked(format!(
            "{at}: `{type_name}` does not implement `schemars::JsonSchema`, so it is not compared"
        ));
        return;
    }
    if flow == Flow::Received
        && !is_union(ours)
        && let Some(branches) = union_branches(theirs)
    {
        // The provider may send any branch: each must decode.
        for (label, branch) in branches {
            let at = format!("{at} ({label})");
            compare_at(ours, (branch, theirs.1), flow, &at, depth + 1, out);
        }
        return;
    }
    if flow == Flow::Sent
        && !is_union(ours)
        && let Some(branches) = union_branches(theirs)
    {
        // What the trait sends must fit one branch; when none fits, the closest one says why.
        let mut closest: Option<Findings> = None;
        for (_, branch) in branches {
            let mut found = Findings::default();
            compare_at(ours, (branch, theirs.1), flow, at, depth + 1, &mut found);
            if found.mismatches.is_empty() {
                return;
            }
            if closest
                .as_ref()
                .is_none_or(|c| found.mismatches.len() < c.mismatches.len())
            {
                closest = Some(found);
            }
        }
        for mismatch in closest.map(|c| c.mismatches).unwrap_or_default() {
            out.push(mismatch);
        }
        return;
    }
    let (o, t) = (view(ours.0, ours.1, 0), view(theirs.0, theirs.1, 0));
    if o.types.is_empty() || t.types.is_empty() {
        return;
    }
    let (from, to, from_name, to_name) = match flow {
        Flow::Sent => (&o, &t, "the trait sends", "the spec expects"),
        Flow::Received => (&t, &o, "the spec may send", "the trait decodes"),
    };
    let misfits: Vec<&String> = from
        .types
        .iter()
        .filter(|ty| !fits(ty, &to.types))
        .collect();
    if !misfits.is_empty() {
        out.push(format!(
            "{at}: {from_name} {}, {to_name} {}",
            from.types.join(" or "),
            to.types.join(" or ")
        ));
        return;
    }
    if flow == Flow::Received && t.nullable && !o.nullable {
        out.push(format!(
            "{at}: the spec may send null, which the trait's type cannot hold (make it an `Option`)"
        ));
    }
    if flow == Flow::Received
        && t.types == ["integer"]
        && let (Some(theirs_range), Some(ours_range)) = (t.range, o.range)
        && !ours_range.contains(&theirs_range)
    {
        let hint = if theirs_range.lo < ours_range.lo && ours_range.lo == 0 {
            "a negative one fails to decode: use a signed type such as `i64`"
        } else {
            "a larger one fails to decode: use a wider type such as `i64`"
        };
        out.push(format!(
            "{at}: the spec may send integers from {theirs_range}, the trait's type holds {ours_range} ({hint})"
        ));
    }
    if let (Some(from_values), Some(to_values)) = (&from.values, &to.values) {
        let extra: Vec<Value> = from_values
            .iter()
            .filter(|v| !to_values.contains(v))
            .cloned()
            .collect();
        if !extra.is_empty() {
            out.push(match flow {
                Flow::Sent => format!(
                    "{at}: the trait may send {}, which the spec does not allow (it allows {})",
                    show(&extra),
                    show(to_values)
                ),
                Flow::Received => format!(
                    "{at}: the spec may send {}, which the trait cannot decode (it knows {})",
                    show(&extra),
                    show(to_values)
                ),
            });
        }
    }
    if let (Some(oi), Some(ti)) = (&o.items, &t.items) {
        compare_at(
            (oi, ours.1),
            (ti, theirs.1),
            flow,
            &format!("{at}[]"),
            depth + 1,
            out,
        );
    }
    if let (Some(om), Some(tm)) = (&o.map_values, &t.map_values) {
        compare_at(
            (om, ours.1),
            (tm, theirs.1),
            flow,
            &format!("{at}{{}}"),
            depth + 1,
            out,
        );
    }
    if fits("object", &o.types) && fits("object", &t.types) {
        compare_fields(&o, &t, ours, theirs, flow, at, depth, out);
    }
}

/// The non-null variants of a schema's `anyOf`/`oneOf` when there are several and they are
/// not all constants (an enum written as a union is compared as an enum).
fn variants<'a>(schema: (&'a Value, &'a dyn Resolve)) -> Option<Vec<&'a Value>> {
    let (schema, side) = (schema.1.resolve(schema.0), schema.1);
    let list = schema["anyOf"].as_array().or(schema["oneOf"].as_array())?;
    let non_null: Vec<&Value> = list
        .iter()
        .filter(|v| side.resolve(v)["type"] != "null")
        .collect();
    let all_constants = non_null.iter().all(|v| {
        let v = side.resolve(v);
        v.get("const").is_some() || v.get("enum").is_some()
    });
    (non_null.len() > 1 && !all_constants).then_some(non_null)
}

fn is_union(schema: (&Value, &dyn Resolve)) -> bool {
    variants(schema).is_some()
}

/// The branches of a union, each labelled by its schema name or position.
fn union_branches<'a>(schema: (&'a Value, &'a dyn Resolve)) -> Option<Vec<(String, &'a Value)>> {
    let branches = variants(schema)?;
    Some(
        branches
            .into_iter()
            .enumerate()
            .map(|(i, branch)| {
                let label = branch["$ref"]
                    .as_str()
                    .and_then(|r| r.rsplit('/').next())
                    .map_or_else(
                        || format!("branch {}", i + 1),
                        |name| format!("branch `{name}`"),
                    );
                (label, branch)
            })
            .collect(),
    )
}

#[allow(clippy::too_many_arguments)]
fn compare_fields(
    o: &View,
    t: &View,
    ours: (&Value, &dyn Resolve),
    theirs: (&Value, &dyn Resolve),
    flow: Flow,
    at: &str,
    depth: usize,
    out: &mut Findings,
) {
    match flow {
        Flow::Sent => {
            for name in &t.required {
                if !o.properties.contains_key(name) {
                    out.push(format!("{at}: the spec requires field `{name}`, which the trait's type does not have"));
                } else if !o.required.contains(name) {
                    out.push(format!(
                        "{at}.{name}: the spec requires it, but the trait may leave it out"
                    ));
                }
            }
            if !t.properties.is_empty() && !t.open {
                for name in o
                    .properties
                    .keys()
                    .filter(|n| !t.properties.contains_key(*n))
                {
                    out.push(format!(
                        "{at}.{name}: the trait sends it, but the spec's schema has no such field"
                    ));
                }
            }
        }
        Flow::Received => {
            for name in &o.required {
                if !t.properties.contains_key(name) {
                    if !t.open {
                        out.push(format!("{at}.{name}: the trait needs it, but the spec's schema has no such field"));
                    }
                } else if !t.required.contains(name) {
                    out.push(format!("{at}.{name}: the trait needs it, but the spec may leave it out (make it an `Option`)"));
                }
            }
        }
    }
    for (name, ours_field) in &o.properties {
        if let Some(theirs_field) = t.properties.get(name) {
            compare_at(
                (ours_field, ours.1),
                (theirs_field, theirs.1),
                flow,
                &format!("{at}.{name}"),
                depth + 1,
                out,
            );
        }
    }
}

/// A schema with nothing to resolve, for unit tests.
#[cfg(test)]
pub(super) struct Plain;

#[cfg(test)]
impl Resolve for Plain {
    fn resolve<'a>(&'a self, value: &'a Value) -> &'a Value {
        value
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn diff(ours: Value, theirs: Value, flow: Flow) -> Vec<String> {
        let mut out = Findings::default();
        compare((&ours, &Plain), (&theirs, &Plain), flow, "x", &mut out);
        out.mismatches
    }

    #[test]
    fn types_follow_the_data_flow() {
        let int = json!({"type": "integer"});
        let num = json!({"type": "number"});
        assert!(diff(int.clone(), num.clone(), Flow::Sent).is_empty());
        assert_eq!(diff(int.clone(), num.clone(), Flow::Received).len(), 1);
        assert_eq!(
            diff(json!({"type": "string"}), int, Flow::Sent),
            ["x: the trait sends string, the spec expects integer"]
        );
        assert!(diff(json!({}), json!({"type": "string"}), Flow::Sent).is_empty());
    }

    #[test]
    fn enums_fields_and_options_are_compared() {
        let ours = json!({"type": "string", "enum": ["a", "lost"]});
        let theirs = json!({"type": "string", "enum": ["a", "b"]});
        assert_eq!(diff(ours.clone(), theirs.clone(), Flow::Sent).len(), 1);
        assert_eq!(diff(ours, theirs, Flow::Received).len(), 1);
        let ours = json!({"type": "object", "properties": {"id": {"type": "integer"}, "nam": {"type": "string"}}, "required": ["id", "nam"]});
        let theirs = json!({"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}, "required": ["name"]});
        let received = diff(ours.clone(), theirs.clone(), Flow::Received);
        assert_eq!(received.len(), 2, "{received:?}");
        let sent = diff(ours, theirs, Flow::Sent);
        assert!(
            sent.iter().any(|m| m.contains("requires field `name`")),
            "{sent:?}"
        );
        let option = json!({"anyOf": [{"type": "integer"}, {"type": "null"}]});
        assert!(diff(option.clone(), json!({"type": "integer"}), Flow::Received).is_empty());
        let nullable = json!({"type": "integer", "nullable": true});
        assert!(diff(option, nullable.clone(), Flow::Received).is_empty());
        assert_eq!(
            diff(json!({"type": "integer"}), nullable, Flow::Received),
            ["x: the spec may send null, which the trait's type cannot hold (make it an `Option`)"]
        );
    }
}

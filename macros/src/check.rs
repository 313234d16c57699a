//! Checks that need the whole endpoint at once: its signature, placeholders against
//! parameters, bodies against verbs, one cancel token. Parameters written without a role that
//! a placeholder names become path parameters here.

use syn::{TraitItem, TraitItemFn};

use crate::ast::{Api, Endpoint, Param, ident_name};
use crate::attr::{Encoding, Role};
use crate::ctxt::Ctxt;
use crate::path::Template;
use crate::ty::is_cancel_token;

pub(crate) fn check(cx: &mut Ctxt, api: &mut Api) {
    for endpoint in &mut api.endpoints {
        if let TraitItem::Fn(method) = &api.item.items[endpoint.index] {
            check_signature(cx, method);
        }
        bind_placeholders(cx, endpoint);
        check_body(cx, endpoint);
        check_url(cx, endpoint);
        check_one(
            cx,
            &endpoint.params,
            |r| matches!(r, Role::Progress),
            "#[progress]",
        );
        check_cancel(cx, &endpoint.params);
        check_extras(cx, &endpoint.params);
        check_paginate(cx, endpoint);
    }
}

/// Pages are read with GET: sending a body again for every page is no list anyone serves.
fn check_paginate(cx: &mut Ctxt, endpoint: &Endpoint) {
    if let (Some(paginate), Some(verb)) = (&endpoint.paginate, &endpoint.verb)
        && verb.method != "GET"
    {
        cx.error_spanned_by(
            &paginate.attr,
            format!(
                "`#[paginate]` reads a list page by page with GET requests; a {} endpoint cannot be paginated",
                verb.method
            ),
        );
    }
}

fn check_extras(cx: &mut Ctxt, params: &[Param]) {
    for param in params
        .iter()
        .filter(|p| matches!(p.role, Some(Role::Extra)))
    {
        if matches!(param.ty, syn::Type::Reference(_)) {
            cx.error_spanned_by(
                &param.ty,
                "`#[extra]` stores the value in the request for interceptors, so it takes an owned value (`Clone + Send + Sync + 'static`), not a reference",
            );
        }
    }
}

fn bind_placeholders(cx: &mut Ctxt, endpoint: &mut Endpoint) {
    let Some(verb) = &endpoint.verb else {
        // The missing (or misspelt) verb is already reported. Without its template nothing
        // can be bound, and a parameter without a role may well be a placeholder of it:
        // reporting it would only repeat the verb's error.
        return;
    };
    let Some(template) = &verb.template else {
        return;
    };
    let placeholders: Vec<&str> = template.placeholders().collect();
    for param in &mut endpoint.params {
        let name = ident_name(&param.ident);
        if param.role.is_none() {
            if placeholders.contains(&name.as_str()) {
                param.role = Some(Role::Path {
                    name,
                    encoded: false,
                });
            } else {
                cx.error_spanned_by(&param.tokens, no_role_message(param, template));
            }
        }
    }
    let mut bound: Vec<&str> = Vec::new();
    for param in &endpoint.params {
        if let Some(Role::Path { name, .. }) = &param.role {
            if !verb.has_path {
                // Reported by `check_url`: an endpoint without a path has no placeholders.
            } else if !placeholders.contains(&name.as_str()) {
                cx.error_spanned_by(
                    &param.tokens,
                    format!("`{name}` is not a placeholder in `{}`; add `{}` to the path or give the parameter another role", verb.lit.value(), template.quote(name)),
                );
            } else if bound.contains(&name.as_str()) {
                cx.error_spanned_by(
                    &param.tokens,
                    format!(
                        "placeholder `{}` is already bound to another parameter",
                        template.quote(name)
                    ),
                );
            }
            bound.push(name);
        }
    }
    let mut reported: Vec<&str> = Vec::new();
    for placeholder in placeholders {
        if !bound.contains(&placeholder) && !reported.contains(&placeholder) {
            cx.error_spanned_by(
                &verb.lit,
                format!("`{}` has no matching parameter; add `{placeholder}: &str` (or another `Display` type) or rename the placeholder", template.quote(placeholder)),
            );
            reported.push(placeholder);
        }
    }
}

fn no_role_message(param: &Param, template: &Template) -> String {
    let name = &param.ident;
    let placeholder = template.quote(&ident_name(name));
    format!(
        "parameter `{name}` has no role; use it in the path as `{placeholder}`, or mark it `#[query]`, `#[header(\"X-Name\")]`, `#[body]`, `#[field]`, `#[part]`, `#[url]`, `#[query_map]`, `#[header_map]`, `#[field_map]`, `#[progress]`, `#[cancel]` or `#[extra]`"
    )
}

fn check_body(cx: &mut Ctxt, endpoint: &Endpoint) {
    let bodies: Vec<&Param> = endpoint
        .params
        .iter()
        .filter(|p| matches!(p.role, Some(Role::Body)))
        .collect();
    for extra in bodies.iter().skip(1) {
        cx.error_spanned_by(
            &extra.tokens,
            "a request has one body; combine the values into one struct and mark it `#[body]`",
        );
    }
    check_encoding(cx, endpoint, bodies.first().copied());
    if let (Some(first), Some(verb)) = (bodies.first(), &endpoint.verb)
        && !verb.body_allowed
    {
        cx.error_spanned_by(
            &first.tokens,
            format!(
                "{} requests cannot have a `#[body]`; send the values as `#[query]` parameters, or use `#[http(method = \"{}\", path = \"…\", body = true)]` if the API really wants one",
                verb.method, verb.method
            ),
        );
    }
}

/// `#[form]` needs `#[field]`s and the reverse, likewise `#[multipart]` and `#[part]`; neither
/// goes with `#[body]` or on a verb without a body.
fn check_encoding(cx: &mut Ctxt, endpoint: &Endpoint, body: Option<&Param>) {
    for encoding in [Encoding::Form, Encoding::Multipart] {
        let feeds = |param: &&Param| {
            matches!(
                (&param.role, encoding),
                (
                    Some(Role::Field { .. } | Role::FieldMap { .. }),
                    Encoding::Form
                ) | (Some(Role::Part { .. }), Encoding::Multipart)
            )
        };
        let feeders: Vec<&Param> = endpoint.params.iter().filter(feeds).collect();
        let (attribute, role) = (encoding.attribute(), encoding.role());
        let Some((_, attr)) = endpoint.encoding.as_ref().filter(|(e, _)| *e == encoding) else {
            for param in feeders {
                cx.error_spanned_by(
                    &param.tokens,
                    format!("`#[{role}]` parameters make a `#[{attribute}]` body; add `#[{attribute}]` to the method"),
                );
            }
            continue;
        };
        if feeders.is_empty() {
            let roles = match encoding {
                Encoding::Form => "`#[field]` or `#[field_map]` parameter",
                Encoding::Multipart => "`#[part]` parameter",
            };
            cx.error_spanned_by(
                attr,
                format!("`#[{attribute}]` needs at least one {roles} to make the body from"),
            );
        }
        if let Some(verb) = endpoint.verb.as_ref().filter(|v| !v.body_allowed) {
            cx.error_spanned_by(
                attr,
                format!(
                    "{} requests cannot have a body, so not a `#[{attribute}]` one; use `#[post]`, `#[put]` or `#[patch]`, or send the values as `#[query]` parameters",
                    verb.method
                ),
            );
        }
        if let Some(body) = body {
            cx.error_spanned_by(
                &body.tokens,
                format!("a `#[{attribute}]` request makes its body from its `#[{role}]` parameters; remove this `#[body]` or the `#[{attribute}]`"),
            );
        }
    }
}

/// `#[url]` gives the whole URL: the verb has no path, and no parameter fills one.
fn check_url(cx: &mut Ctxt, endpoint: &Endpoint) {
    check_one(cx, &endpoint.params, |r| matches!(r, Role::Url), "#[url]");
    let Some(verb) = &endpoint.verb else { return };
    let url = endpoint
        .params
        .iter()
        .find(|p| matches!(p.role, Some(Role::Url)));
    match url {
        Some(url) => {
            if verb.has_path {
                cx.error_spanned_by(
                    &verb.lit,
                    format!(
                        "the URL comes from the `#[url]` parameter `{}`, so the verb takes no path; write `#[{}]` alone",
                        url.ident,
                        crate::attr::name_of(&verb.attr).unwrap_or_default()
                    ),
                );
            }
            for param in &endpoint.params {
                if let Some(Role::Path { name, .. }) = &param.role {
                    cx.error_spanned_by(
                        &param.tokens,
                        format!("the `#[url]` parameter gives the whole URL, so there is no path for `{name}` to fill; make it a `#[query]` or put it into the URL"),
                    );
                }
            }
        }
        None if !verb.has_path => cx.error_spanned_by(
            &verb.attr,
            "the verb needs a path, like `#[get(\"/users\")]`, or the method a `#[url]` parameter that gives the whole URL",
        ),
        None => {}
    }
}

/// At most one parameter has the role `name`.
fn check_one(cx: &mut Ctxt, params: &[Param], is_role: impl Fn(&Role) -> bool, name: &str) {
    for extra in params
        .iter()
        .filter(|p| p.role.as_ref().is_some_and(&is_role))
        .skip(1)
    {
        cx.error_spanned_by(
            &extra.tokens,
            format!("only one `{name}` parameter is allowed"),
        );
    }
}

fn check_cancel(cx: &mut Ctxt, params: &[Param]) {
    check_one(cx, params, |r| matches!(r, Role::Cancel), "#[cancel]");
    for param in params
        .iter()
        .filter(|p| matches!(p.role, Some(Role::Cancel)))
    {
        if !is_cancel_token(&param.ty) {
            cx.error_spanned_by(
                &param.ty,
                "`#[cancel]` takes a `&CancelToken` (or `CancelToken`, or an `Option` of either)",
            );
        }
    }
}

fn check_signature(cx: &mut Ctxt, method: &TraitItemFn) {
    let sig = &method.sig;
    if sig.asyncness.is_none() {
        cx.error_spanned_by(
            sig.fn_token,
            format!(
                "endpoint methods must be `async`; write `async fn {}(…)`",
                sig.ident
            ),
        );
    }
    if let Some(constness) = &sig.constness {
        cx.error_spanned_by(constness, "endpoint methods cannot be `const`");
    }
    if let Some(variadic) = &sig.variadic {
        cx.error_spanned_by(variadic, "endpoint methods cannot be variadic");
    }
    for param in &sig.generics.params {
        let name = match param {
            syn::GenericParam::Lifetime(_) => continue,
            syn::GenericParam::Type(t) => &t.ident,
            syn::GenericParam::Const(c) => &c.ident,
        };
        cx.error_spanned_by(
            param,
            format!("endpoint methods cannot be generic; replace `{name}` with a concrete type, like `&Filter`"),
        );
    }
    match sig.receiver() {
        None => cx.error_spanned_by(
            &sig.ident,
            format!("`{}` needs `&self` as its first parameter", sig.ident),
        ),
        Some(receiver) => {
            let by_shared_ref = matches!(receiver.kind, syn::ReceiverKind::Reference(_, _, None));
            if !by_shared_ref || receiver.mutability.is_some() {
                cx.error_spanned_by(receiver, "endpoint methods take `&self`");
            }
        }
    }
    if let Some(default) = &method.default {
        cx.error_spanned_by(default, "an endpoint method has no body: the client generates it; remove the `{ … }` and end with `;`");
    }
}

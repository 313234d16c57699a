//! The trait as the macro understands it: an `Api` of `Endpoint`s with typed `Param`s, built
//! from syn. Every node keeps the tokens it came from, so errors point at them. What each
//! attribute says is read by `attr`; this module only puts it in place.

use proc_macro2::TokenStream;
use quote::{ToTokens, format_ident};
use syn::{Attribute, FnArg, Ident, ItemTrait, Pat, TraitItem, TraitItemFn, Type};

use crate::attr::{self, CacheArgs, Encoding, Flags, MacroArgs, Paginate, Role, Verb};
use crate::ctxt::Ctxt;
use crate::headers::{StaticHeader, parse_headers};
use crate::ty::{ReturnKind, return_kind};

pub(crate) struct Api {
    /// The trait with every ferrofit attribute removed, otherwise as written.
    pub(crate) item: ItemTrait,
    pub(crate) client: Ident,
    pub(crate) krate: syn::Path,
    pub(crate) headers: Vec<StaticHeader>,
    pub(crate) endpoints: Vec<Endpoint>,
}

pub(crate) struct Endpoint {
    /// Position of the method among the trait's items.
    pub(crate) index: usize,
    pub(crate) ident: Ident,
    pub(crate) verb: Option<Verb>,
    pub(crate) headers: Vec<StaticHeader>,
    pub(crate) timeout_ms: Option<u64>,
    pub(crate) flags: Flags,
    /// `#[form]` or `#[multipart]`, with the attribute for errors.
    pub(crate) encoding: Option<(Encoding, Attribute)>,
    /// `#[cache(..)]`.
    pub(crate) cache: Option<CacheArgs>,
    /// `#[paginate(..)]`.
    pub(crate) paginate: Option<Paginate>,
    pub(crate) params: Vec<Param>,
    pub(crate) ret: Option<ReturnKind>,
    /// The method's attributes of the language and of other tools, carried to what is
    /// generated for it.
    pub(crate) carried: Carried,
}

/// A method's own attributes, by where they are carried.
#[derive(Default)]
pub(crate) struct Carried {
    /// `cfg`: on everything generated for the endpoint, so an endpoint that is configured out
    /// is gone from the client, the mock and the description alike.
    pub(crate) cfgs: Vec<Attribute>,
    /// `cfg_attr` and lint levels: on the generated method and the mock's (a `cfg_attr` may
    /// stand for any attribute, which only a method can take).
    pub(crate) lints: Vec<Attribute>,
    /// `doc` and `deprecated`: on the mock's method (the impl's method takes the trait's).
    pub(crate) docs: Vec<Attribute>,
}

impl Carried {
    fn of(attrs: &[Attribute]) -> Self {
        let mut carried = Self::default();
        for a in attrs {
            match attr::name_of(a).as_deref() {
                Some("cfg") => carried.cfgs.push(a.clone()),
                Some(name) if name == "cfg_attr" || attr::is_lint(name) => {
                    carried.lints.push(a.clone());
                }
                Some("doc" | "deprecated") => carried.docs.push(a.clone()),
                _ => {}
            }
        }
        carried
    }
}

pub(crate) struct Param {
    pub(crate) ident: Ident,
    pub(crate) ty: Type,
    pub(crate) role: Option<Role>,
    /// Where errors about the parameter point: its role attribute, or `name: Type` when it
    /// has none.
    pub(crate) tokens: TokenStream,
}

impl Api {
    pub(crate) fn from_syn(cx: &mut Ctxt, args: MacroArgs, mut item: ItemTrait) -> Self {
        if !item.generics.params.is_empty() || item.generics.where_clause.is_some() {
            cx.error_spanned_by(
                &item.generics,
                "a #[rest_api] trait cannot be generic; give each API its own trait",
            );
        }
        if let Some(unsafety) = &item.unsafety {
            cx.error_spanned_by(unsafety, "a #[rest_api] trait cannot be `unsafe`");
        }
        let headers = take_trait_attrs(cx, &mut item.attrs);
        let mut endpoints = Vec::new();
        for (index, trait_item) in item.items.iter_mut().enumerate() {
            match trait_item {
                TraitItem::Fn(method) => {
                    if let Some(endpoint) = Endpoint::from_syn(cx, index, method) {
                        endpoints.push(endpoint);
                    }
                }
                other => cx.error_spanned_by(
                    &*other,
                    "a #[rest_api] trait may hold only methods; move constants, types and macros elsewhere",
                ),
            }
        }
        let client = args
            .client
            .unwrap_or_else(|| format_ident!("{}Client", item.ident));
        let krate = args.krate.unwrap_or_else(|| syn::parse_quote!(::ferrofit));
        Self {
            item,
            client,
            krate,
            headers,
            endpoints,
        }
    }
}

/// Takes `#[headers]` off the trait; flags method-level attributes put there by mistake.
fn take_trait_attrs(cx: &mut Ctxt, attrs: &mut Vec<Attribute>) -> Vec<StaticHeader> {
    let mut headers = Vec::new();
    attrs.retain(|a| {
        let name = attr::name_of(a);
        match name.as_deref() {
            Some(attr::HEADERS) => {
                headers.extend(parse_headers(cx, a));
                false
            }
            Some(n) if attr::method_attribute_names().any(|m| m == n) => {
                cx.error_spanned_by(a, format!("`#[{n}]` goes on a method, not on the trait; only `#[headers(..)]` applies to the whole trait"));
                false
            }
            Some(n) if attr::PARAM_ROLES.contains(&n) => {
                cx.error_spanned_by(a, format!("`#[{n}]` goes on a method's parameter, not on the trait; only `#[headers(..)]` applies to the whole trait"));
                false
            }
            _ => true,
        }
    });
    headers
}

impl Endpoint {
    fn from_syn(cx: &mut Ctxt, index: usize, method: &mut TraitItemFn) -> Option<Self> {
        let mut verb: Option<Verb> = None;
        let mut headers = Vec::new();
        let mut timeout_ms = None;
        let mut flags = Flags::default();
        let mut encoding: Option<(Encoding, Attribute)> = None;
        let mut cache = None;
        let mut paginate: Option<Paginate> = None;
        let mut paginate_seen = false;
        let mut verb_attr: Option<Attribute> = None;
        let mut unknown_attribute = false;
        method.attrs.retain(|a| {
            let Some(name) = attr::name_of(a) else {
                return true;
            };
            let verb_method = attr::VERBS
                .iter()
                .find(|(v, _)| *v == name)
                .map(|(_, m)| *m);
            if verb_method.is_some() || name == attr::HTTP {
                if let Some(first) = &verb_attr {
                    let first = attr::name_of(first).unwrap_or_default();
                    cx.error_spanned_by(
                        a,
                        format!("a method has one HTTP verb; remove `#[{name}]` or `#[{first}]`"),
                    );
                    return false;
                }
                verb_attr = Some(a.clone());
                verb = attr::parse_verb(cx, a, &name, verb_method);
                return false;
            }
            match name.as_str() {
                attr::HEADERS => headers.extend(parse_headers(cx, a)),
                attr::TIMEOUT => match attr::parse_timeout(a) {
                    Ok(ms) => timeout_ms = Some(ms),
                    Err(e) => cx.syn_error(e),
                },
                attr::NO_AUTH => match attr::require_flag(a, attr::NO_AUTH) {
                    Ok(()) => flags.no_auth = true,
                    Err(e) => cx.syn_error(e),
                },
                attr::IDEMPOTENT => match attr::require_flag(a, attr::IDEMPOTENT) {
                    Ok(()) => flags.idempotent = true,
                    Err(e) => cx.syn_error(e),
                },
                attr::RETRY => match attr::parse_retry(a) {
                    Ok(n) => flags.max_attempts = Some(n),
                    Err(e) => cx.syn_error(e),
                },
                attr::CACHE => match attr::parse_cache(a) {
                    Ok(args) => cache = Some(args),
                    Err(e) => cx.syn_error(e),
                },
                attr::PAGINATE => {
                    if std::mem::replace(&mut paginate_seen, true) {
                        cx.error_spanned_by(a, "an endpoint has one `#[paginate(..)]`; remove this one");
                    } else {
                        paginate = attr::parse_paginate(cx, a);
                    }
                }
                attr::FORM | attr::MULTIPART => {
                    let kind = if name == attr::FORM {
                        Encoding::Form
                    } else {
                        Encoding::Multipart
                    };
                    if let Err(e) = attr::require_flag(a, &name) {
                        cx.syn_error(e);
                    }
                    // Kept after a bad argument too, so its fields are not reported as stray.
                    match &encoding {
                        Some((first, _)) => cx.error_spanned_by(
                            a,
                            format!(
                                "a request has one body encoding; remove `#[{name}]` or `#[{}]`",
                                first.attribute()
                            ),
                        ),
                        None => encoding = Some((kind, a.clone())),
                    }
                }
                attr::HEADER => {
                    cx.error_spanned_by(
                        a,
                        "`#[header(..)]` goes on a parameter; for a fixed header on the method write `#[headers(\"Name: value\")]`",
                    );
                }
                n if attr::PARAM_ROLES.contains(&n) => {
                    cx.error_spanned_by(
                        a,
                        format!("`#[{n}]` goes on a parameter, not on the method"),
                    );
                }
                _ if attr::is_passthrough(a) => return true,
                n => {
                    let hint = attr::did_you_mean(n, attr::method_attribute_names());
                    cx.error_spanned_by(
                        a,
                        format!("unknown attribute `#[{n}]` on an endpoint{hint}"),
                    );
                    unknown_attribute = true;
                }
            }
            false
        });

        let params = take_params(cx, method);
        if verb_attr.is_none()
            && method.default.is_some()
            && headers.is_empty()
            && timeout_ms.is_none()
        {
            // A provided method without a verb is a helper built on the endpoints: keep it.
            return None;
        }
        if verb_attr.is_none() && !unknown_attribute {
            // (After an unknown attribute, likely a misspelt verb, this would only repeat it.)
            cx.error_spanned_by(
                &method.sig.ident,
                format!(
                    "`{}` has no HTTP verb; add one, like `#[get(\"/path\")]`, `#[post(\"/path\")]` or `#[http(method = \"PURGE\", path = \"/path\")]`",
                    method.sig.ident
                ),
            );
        }
        let ret = return_kind(cx, &method.sig.output, &method.sig.ident);
        let carried = Carried::of(&method.attrs);
        Some(Self {
            index,
            ident: method.sig.ident.clone(),
            verb,
            headers,
            timeout_ms,
            flags,
            encoding,
            cache,
            paginate,
            params,
            ret,
            carried,
        })
    }
}

fn take_params(cx: &mut Ctxt, method: &mut TraitItemFn) -> Vec<Param> {
    let mut params = Vec::new();
    for input in &mut method.sig.inputs {
        let FnArg::Typed(arg) = input else { continue };
        let mut role: Option<(Role, TokenStream)> = None;
        arg.attrs.retain(|a| {
            let Some(name) = attr::name_of(a) else {
                return true;
            };
            if !attr::PARAM_ROLES.contains(&name.as_str()) {
                if attr::is_lint(&name) {
                    return true;
                }
                let hint = attr::did_you_mean(&name, attr::PARAM_ROLES.iter().copied());
                cx.error_spanned_by(
                    a,
                    format!("unknown attribute `#[{name}]` on a parameter{hint}"),
                );
                // Most likely a misspelt role: do not also report the parameter as role-less.
                role.get_or_insert((Role::Invalid, a.to_token_stream()));
                return false;
            }
            if let Some((_, first)) = &role {
                cx.error_spanned_by(
                    a,
                    format!("a parameter has one role, and this one already has `{first}`; remove one of them"),
                );
                return false;
            }
            let parsed =
                attr::parse_role(cx, a, &name, &plain_name(&arg.pat)).unwrap_or(Role::Invalid);
            role = Some((parsed, a.to_token_stream()));
            false
        });
        let Pat::Ident(pat) = &*arg.pat else {
            cx.error_spanned_by(
                &arg.pat,
                "endpoint parameters need a plain name, like `id: u64`",
            );
            continue;
        };
        if let Some(by_ref) = &pat.by_ref {
            cx.error_spanned_by(by_ref, "write the parameter without `ref`");
        }
        let (role, tokens) = match role {
            Some((role, tokens)) => (Some(role), tokens),
            None => (None, arg.to_token_stream()),
        };
        params.push(Param {
            ident: pat.ident.clone(),
            ty: (*arg.ty).clone(),
            role,
            tokens,
        });
    }
    params
}

/// The name a parameter is known by in templates and as a default key: `r#type` → `type`.
fn plain_name(pat: &Pat) -> String {
    match pat {
        Pat::Ident(p) => ident_name(&p.ident),
        _ => String::new(),
    }
}

/// An identifier without its raw prefix: `r#type` → `type`.
pub(crate) fn ident_name(ident: &Ident) -> String {
    let name = ident.to_string();
    match name.strip_prefix("r#") {
        Some(raw) => raw.to_owned(),
        None => name,
    }
}

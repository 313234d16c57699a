//! The attributes `#[rest_api]` understands: their names (in one place), what each one says
//! (`Verb`, `Role`, `Flags`), and the reading of their arguments.

mod args;
mod paginate;
mod style;

pub(crate) use args::{
    CacheArgs, HeaderLines, parse_cache, parse_retry, parse_timeout, require_flag,
};

pub(crate) use paginate::{Paginate, parse_paginate};
pub(crate) use style::Style;

use syn::{Attribute, Ident, LitStr};

use args::{NameArgs, parse_http, parse_verb_path};

use crate::ctxt::Ctxt;
use crate::path::Template;
use crate::token::is_http_token;

/// HTTP verb attributes and the method each stands for.
pub(crate) const VERBS: &[(&str, &str)] = &[
    ("get", "GET"),
    ("post", "POST"),
    ("put", "PUT"),
    ("patch", "PATCH"),
    ("delete", "DELETE"),
    ("head", "HEAD"),
    ("options", "OPTIONS"),
];
/// `#[http(method = "PURGE", path = "/x", body = true)]`.
pub(crate) const HTTP: &str = "http";
/// Static headers: `#[headers("Name: value", …)]`, on the trait or a method.
pub(crate) const HEADERS: &str = "headers";
/// `#[timeout(secs = 5)]` or `#[timeout(ms = 250)]` on a method.
pub(crate) const TIMEOUT: &str = "timeout";
/// `#[no_auth]`: the auth interceptor leaves the endpoint alone.
pub(crate) const NO_AUTH: &str = "no_auth";
/// `#[idempotent]`: safe to retry even for POST or PATCH.
pub(crate) const IDEMPOTENT: &str = "idempotent";
/// `#[retry(max = N)]` or `#[retry(never)]`.
pub(crate) const RETRY: &str = "retry";
/// `#[cache(policy = "force_cache", max_stale = "7d")]` or `#[cache(never)]`.
pub(crate) const CACHE: &str = "cache";
/// `#[form]`: the body is `application/x-www-form-urlencoded`, made of `#[field]`s.
pub(crate) const FORM: &str = "form";
/// `#[multipart]`: the body is `multipart/form-data`, made of `#[part]`s.
pub(crate) const MULTIPART: &str = "multipart";
/// `#[paginate(link)]`, `#[paginate(cursor = "…", param = "…")]`, … on a list endpoint.
pub(crate) const PAGINATE: &str = "paginate";

/// Parameter roles.
pub(crate) const PATH: &str = "path";
pub(crate) const QUERY: &str = "query";
pub(crate) const QUERY_MAP: &str = "query_map";
pub(crate) const HEADER: &str = "header";
pub(crate) const HEADER_MAP: &str = "header_map";
pub(crate) const BODY: &str = "body";
pub(crate) const CANCEL: &str = "cancel";
pub(crate) const EXTRA: &str = "extra";
pub(crate) const FIELD: &str = "field";
pub(crate) const FIELD_MAP: &str = "field_map";
pub(crate) const PART: &str = "part";
pub(crate) const URL: &str = "url";
pub(crate) const PROGRESS: &str = "progress";
pub(crate) const PARAM_ROLES: &[&str] = &[
    PATH, QUERY, QUERY_MAP, HEADER, HEADER_MAP, BODY, CANCEL, EXTRA, FIELD, FIELD_MAP, PART, URL,
    PROGRESS,
];

/// Lint attributes, kept wherever they are written (methods and parameters alike).
pub(crate) const LINTS: &[&str] = &["allow", "warn", "deny", "forbid", "expect"];

/// Other attributes of the language or of other tools that are kept on methods.
const PASSTHROUGH: &[&str] = &[
    "doc",
    "deprecated",
    "must_use",
    "cfg",
    "cfg_attr",
    "diagnostic",
];

/// The method-level attribute names, for "did you mean" hints.
pub(crate) fn method_attribute_names() -> impl Iterator<Item = &'static str> {
    VERBS.iter().map(|(name, _)| *name).chain([
        HTTP, HEADERS, TIMEOUT, NO_AUTH, IDEMPOTENT, RETRY, FORM, MULTIPART, PAGINATE,
    ])
}

/// The single identifier naming an attribute, or `None` for a path like `tracing::instrument`.
pub(crate) fn name_of(attr: &Attribute) -> Option<String> {
    attr.path().get_ident().map(ToString::to_string)
}

/// Whether an attribute belongs to the language or another tool and is kept untouched.
pub(crate) fn is_passthrough(attr: &Attribute) -> bool {
    match name_of(attr) {
        Some(name) => is_lint(&name) || PASSTHROUGH.contains(&name.as_str()),
        None => true,
    }
}

/// Whether `name` is a lint attribute (`allow`, `warn`, …).
pub(crate) fn is_lint(name: &str) -> bool {
    LINTS.contains(&name)
}

/// `#[rest_api(client = Name, crate = "path")]`.
pub(crate) struct MacroArgs {
    pub(crate) client: Option<Ident>,
    pub(crate) krate: Option<syn::Path>,
}

impl MacroArgs {
    /// Reads the arguments; a mistake is reported and the defaults are used.
    pub(crate) fn parse(cx: &mut Ctxt, tokens: proc_macro2::TokenStream) -> Self {
        let mut args = Self {
            client: None,
            krate: None,
        };
        let parser = syn::meta::parser(|meta| {
            if meta.path.is_ident("client") {
                args.client = Some(meta.value()?.parse()?);
            } else if meta.path.is_ident("crate") {
                let lit: LitStr = meta.value()?.parse()?;
                args.krate = Some(lit.parse()?);
            } else {
                return Err(meta.error("expected `client = Name` or `crate = \"path\"`"));
            }
            Ok(())
        });
        if let Err(e) = syn::parse::Parser::parse2(parser, tokens) {
            cx.syn_error(e);
        }
        args
    }
}

/// What a verb attribute says: `#[get("/users/<id>")]`, `#[get]` (the URL comes from a
/// `#[url]` parameter) or `#[http(..)]`.
pub(crate) struct Verb {
    pub(crate) method: String,
    /// The path as written; an empty string spanning the attribute when there is none.
    pub(crate) lit: LitStr,
    /// Whether a path was written at all.
    pub(crate) has_path: bool,
    /// The attribute, for errors about the verb as a whole.
    pub(crate) attr: Attribute,
    /// `None` if the template did not parse (already reported).
    pub(crate) template: Option<Template>,
    pub(crate) body_allowed: bool,
}

/// Endpoint flags for interceptors: `#[no_auth]`, `#[idempotent]`, `#[retry(..)]`.
#[derive(Default)]
pub(crate) struct Flags {
    pub(crate) no_auth: bool,
    pub(crate) idempotent: bool,
    pub(crate) max_attempts: Option<u32>,
}

/// What a parameter's role attribute says.
pub(crate) enum Role {
    Path {
        name: String,
        encoded: bool,
    },
    Query {
        key: String,
        encoded: bool,
        style: Style,
    },
    QueryMap {
        style: Style,
    },
    Header {
        /// Lower-cased, as sent.
        name: String,
        /// As the trait wrote it, for the OpenAPI export.
        written: String,
    },
    HeaderMap,
    Body,
    Cancel,
    Extra,
    Field {
        key: String,
        encoded: bool,
        style: Style,
    },
    FieldMap {
        style: Style,
    },
    Part {
        name: String,
    },
    Url,
    Progress,
    /// A role attribute that could not be read (already reported).
    Invalid,
}

/// How a method's body is encoded from its parameters: `#[form]` or `#[multipart]`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    Form,
    Multipart,
}

impl Encoding {
    pub(crate) fn attribute(self) -> &'static str {
        match self {
            Self::Form => FORM,
            Self::Multipart => MULTIPART,
        }
    }

    /// The parameter role that feeds this encoding.
    pub(crate) fn role(self) -> &'static str {
        match self {
            Self::Form => FIELD,
            Self::Multipart => PART,
        }
    }
}

/// Reads the verb attribute `attr`, named `name`; `verb_method` is the method of a named verb
/// (`None` for `#[http]`).
pub(crate) fn parse_verb(
    cx: &mut Ctxt,
    attr: &Attribute,
    name: &str,
    verb_method: Option<&str>,
) -> Option<Verb> {
    let no_path = || LitStr::new("", syn::spanned::Spanned::span(attr));
    let (method, lit, body_allowed) = match verb_method {
        Some(method) => {
            let lit = if matches!(attr.meta, syn::Meta::Path(_)) {
                None
            } else {
                match parse_verb_path(attr, name) {
                    Ok(lit) => Some(lit),
                    Err(e) => {
                        cx.syn_error(e);
                        return None;
                    }
                }
            };
            (
                method.to_owned(),
                lit,
                !matches!(method, "GET" | "HEAD" | "OPTIONS"),
            )
        }
        None => {
            let args = match parse_http(attr) {
                Ok(args) => args,
                Err(e) => {
                    cx.syn_error(e);
                    return None;
                }
            };
            let Some(method) = args.method else {
                cx.error_spanned_by(
                    attr,
                    "`#[http]` needs a method: `#[http(method = \"PURGE\", path = \"/path\")]`",
                );
                return None;
            };
            let m = method.value();
            if !is_http_token(&m) {
                cx.error_spanned_by(&method, format!("`{m}` is not a valid HTTP method name"));
                return None;
            }
            (m, args.path, args.body)
        }
    };
    let has_path = lit.is_some();
    let lit = lit.unwrap_or_else(no_path);
    let template = match Template::parse(&lit.value()) {
        Ok(template) => Some(template),
        Err(message) => {
            cx.error_spanned_by(&lit, message);
            None
        }
    };
    Some(Verb {
        method,
        lit,
        has_path,
        attr: attr.clone(),
        template,
        body_allowed,
    })
}

/// Reads the role attribute `attr`, named `name`, of a parameter whose default name (for a
/// path placeholder or query key) is `default_name`.
pub(crate) fn parse_role(
    cx: &mut Ctxt,
    attr: &Attribute,
    name: &str,
    default_name: &str,
) -> Option<Role> {
    let name_args = |cx: &mut Ctxt| -> Option<NameArgs> {
        if matches!(attr.meta, syn::Meta::Path(_)) {
            return Some(NameArgs::default());
        }
        match attr.parse_args::<NameArgs>() {
            Ok(args) => Some(args),
            Err(e) => {
                cx.syn_error(e);
                None
            }
        }
    };
    let no_args = |cx: &mut Ctxt| {
        if !matches!(attr.meta, syn::Meta::Path(_)) {
            cx.error_spanned_by(attr, format!("`#[{name}]` takes no arguments"));
        }
    };
    let named = |args: &NameArgs| {
        let name = args
            .name
            .as_ref()
            .map_or_else(|| default_name.to_owned(), LitStr::value);
        (name, args.encoded.is_some())
    };
    // `style`/`explode` for the roles that take them; `encoded` passes a value through as
    // written, so it only goes with the default style.
    let styled = |cx: &mut Ctxt, args: &NameArgs, maps: bool| {
        let style = Style::read(cx, args, name, maps);
        if let (Some(span), true) = (args.encoded, style != Style::Form) {
            cx.error_at(span, "`encoded` passes one value through as written; it does not go with a `style` or `explode = false`");
        }
        style
    };
    let unstyled = |cx: &mut Ctxt, args: &NameArgs| {
        if let Some(lit) = &args.style {
            cx.error_spanned_by(lit, format!("`style` applies to `#[query]`, `#[field]`, `#[query_map]` and `#[field_map]`, not to `#[{name}]`"));
        }
        if let Some(explode) = &args.explode {
            cx.error_spanned_by(
                explode,
                format!("`explode` applies to `#[query]` and `#[field]`, not to `#[{name}]`"),
            );
        }
    };
    // A map takes a style and nothing else.
    let map_args = |cx: &mut Ctxt| -> Option<NameArgs> {
        if matches!(attr.meta, syn::Meta::Path(_)) {
            return Some(NameArgs::default());
        }
        let args = match attr.parse_args::<NameArgs>() {
            Ok(args) => args,
            Err(e) => {
                let usage = format!(
                    "`#[{name}]` takes no arguments but `style = \"deepObject\"`, for nested values"
                );
                cx.error_at(e.span(), usage);
                return None;
            }
        };
        if let Some(lit) = &args.name {
            cx.error_spanned_by(
                lit,
                format!("`#[{name}]` takes its keys from the value; remove the name"),
            );
        }
        if let Some(span) = args.encoded {
            cx.error_at(
                span,
                format!(
                    "`encoded` applies to `#[path]`, `#[query]` and `#[field]`, not to `#[{name}]`"
                ),
            );
        }
        Some(args)
    };
    let role = match name {
        PATH => {
            let args = name_args(cx)?;
            unstyled(cx, &args);
            let (name, encoded) = named(&args);
            Role::Path { name, encoded }
        }
        QUERY => {
            let args = name_args(cx)?;
            let (key, encoded) = named(&args);
            let style = styled(cx, &args, false);
            Role::Query {
                key,
                encoded,
                style,
            }
        }
        HEADER => {
            let args = name_args(cx)?;
            unstyled(cx, &args);
            if let Some(span) = args.encoded {
                cx.error_at(
                    span,
                    "`encoded` applies to `#[path]`, `#[query]` and `#[field]`, not to headers",
                );
            }
            let Some(lit) = args.name else {
                cx.error_spanned_by(
                    attr,
                    "`#[header]` needs the header's name: `#[header(\"X-Request-Id\")]`",
                );
                return None;
            };
            if let Err(message) = crate::token::check_header_name(&lit.value()) {
                cx.error_spanned_by(&lit, message);
                return None;
            }
            Role::Header {
                name: lit.value().to_ascii_lowercase(),
                written: lit.value(),
            }
        }
        QUERY_MAP => {
            let args = map_args(cx)?;
            Role::QueryMap {
                style: styled(cx, &args, true),
            }
        }
        HEADER_MAP => {
            no_args(cx);
            Role::HeaderMap
        }
        BODY => {
            no_args(cx);
            Role::Body
        }
        CANCEL => {
            no_args(cx);
            Role::Cancel
        }
        EXTRA => {
            no_args(cx);
            Role::Extra
        }
        FIELD => {
            let args = name_args(cx)?;
            let (key, encoded) = named(&args);
            let style = styled(cx, &args, false);
            Role::Field {
                key,
                encoded,
                style,
            }
        }
        FIELD_MAP => {
            let args = map_args(cx)?;
            Role::FieldMap {
                style: styled(cx, &args, true),
            }
        }
        PART => {
            let args = name_args(cx)?;
            unstyled(cx, &args);
            if let Some(span) = args.encoded {
                cx.error_at(
                    span,
                    "`encoded` applies to `#[path]`, `#[query]` and `#[field]`, not to parts",
                );
            }
            let (name, _) = named(&args);
            Role::Part { name }
        }
        URL => {
            no_args(cx);
            Role::Url
        }
        PROGRESS => {
            no_args(cx);
            Role::Progress
        }
        other => {
            // Callers pass only names from `PARAM_ROLES`; say so rather than guess a role.
            cx.error_spanned_by(attr, format!("`#[{other}]` is not a parameter role"));
            return None;
        }
    };
    Some(role)
}

/// "did you mean `get`?" for a misspelt attribute.
pub(crate) fn did_you_mean<'a>(name: &str, known: impl Iterator<Item = &'a str>) -> String {
    known
        .map(|k| (edit_distance(name, k), k))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, k)| format!("; did you mean `#[{k}]`?"))
        .unwrap_or_default()
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(previous + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_for_typos() {
        assert_eq!(
            did_you_mean("gett", method_attribute_names()),
            "; did you mean `#[get]`?"
        );
        assert_eq!(
            did_you_mean("header", method_attribute_names()),
            "; did you mean `#[headers]`?"
        );
        assert_eq!(did_you_mean("frobnicate", method_attribute_names()), "");
    }
}

//! Reading types where the macro needs their shape: the `Result` a method returns, references
//! to strip before a codec lookup, and whether a parameter is a cancel token.
//!
//! How a body, part or reply is encoded is not decided here: generated code asks the runtime's
//! codec traits (`ferrofit::codec`), which see types after aliases resolve. The `Result` is
//! the one shape read from its name (an alias is recognised by its name ending in `Result`);
//! the type checker then holds it to `Result<T, E>` with `E: From<ferrofit::Error>`.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{GenericArgument, Ident, PathArguments, ReturnType, Type};

use crate::ctxt::Ctxt;

/// What an endpoint returns on success.
pub(crate) struct ReturnKind {
    /// `T` of `Result<T, E>`, as written.
    pub(crate) value: Type,
    /// `T` without a written `Response<…>`: whose JSON schema the OpenAPI export shows.
    pub(crate) schema: Type,
    /// The whole return type: where a missing `From<ferrofit::Error>` is reported.
    pub(crate) span: Span,
    /// The whole return type, as written: its error type declares the error body.
    pub(crate) output: Type,
}

pub(crate) fn return_kind(cx: &mut Ctxt, output: &ReturnType, ident: &Ident) -> Option<ReturnKind> {
    const EXPECTED: &str = "expected `ferrofit::Result<T>`, `Result<T, E>` where `E: From<ferrofit::Error>`, or an alias whose name ends in `Result` and whose first argument is `T` (like `type ApiResult<T> = Result<T, ApiError>`)";
    let ty = match output {
        ReturnType::Type(_, ty) => &**ty,
        ReturnType::Default => {
            cx.error_spanned_by(ident, format!("`{ident}` returns nothing; {EXPECTED}"));
            return None;
        }
    };
    let Some((name, args)) = last_segment(ty) else {
        cx.error_spanned_by(ty, format!("unsupported return type; {EXPECTED}"));
        return None;
    };
    if !name.ends_with("Result") || args.is_empty() || args.len() > 2 {
        cx.error_spanned_by(ty, format!("unsupported return type; {EXPECTED}"));
        return None;
    }
    let value = args[0];
    let schema = match last_segment(value) {
        Some((name, inner)) if name == "Response" && inner.len() == 1 => inner[0],
        _ => value,
    };
    if matches!(schema, Type::ImplTrait(_) | Type::Infer(_) | Type::Never(_)) {
        cx.error_spanned_by(
            schema,
            "the success type must be a concrete type, like `User`, `()`, `String` or `Bytes`",
        );
        return None;
    }
    Some(ReturnKind {
        value: value.clone(),
        schema: schema.clone(),
        span: ty.span(),
        output: ty.clone(),
    })
}

/// The last path segment's name and its type arguments: `std::result::Result<A, B>` →
/// (`Result`, [A, B]).
fn last_segment(ty: &Type) -> Option<(String, Vec<&Type>)> {
    let Type::Path(path) = ty else { return None };
    if path.qself.is_some() {
        return None;
    }
    let segment = path.path.segments.last()?;
    let args = match &segment.arguments {
        PathArguments::None => Vec::new(),
        PathArguments::AngleBracketed(args) => args
            .args
            .iter()
            .filter_map(|a| match a {
                GenericArgument::Type(t) => Some(t),
                _ => None,
            })
            .collect(),
        PathArguments::Parenthesized(_) => return None,
    };
    Some((segment.ident.to_string(), args))
}

/// The field a typed mock's argument struct gives a `#[body]`: friendlier owned types for the
/// usual spellings; any other type is read back by its own type (`BodyValue`), aliases included.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyField {
    /// `String`, `str`, `Cow<str>`: a `String`.
    Text,
    /// `Bytes`, `Vec<u8>`, `[u8]`, `[u8; N]`, `Body`: `Bytes`.
    Bytes,
    /// Anything else: the owned type itself.
    ByType,
}

pub(crate) fn body_field(ty: &Type) -> BodyField {
    let ty = strip_references(ty);
    if is_bytes(ty) {
        return BodyField::Bytes;
    }
    match last_segment(ty) {
        Some((name, args)) if name == "String" && args.is_empty() => BodyField::Text,
        Some((name, args)) if name == "str" && args.is_empty() => BodyField::Text,
        Some((name, args)) if name == "Cow" && args.len() == 1 && is_named(args[0], "str") => {
            BodyField::Text
        }
        Some((name, args)) if name == "Body" && args.is_empty() => BodyField::Bytes,
        _ => BodyField::ByType,
    }
}

/// `Bytes`, `Vec<u8>`, `[u8]` or `[u8; N]`.
fn is_bytes(ty: &Type) -> bool {
    match strip_references(ty) {
        Type::Slice(slice) => is_named(&slice.elem, "u8"),
        Type::Array(array) => is_named(&array.elem, "u8"),
        ty => match last_segment(ty) {
            Some((name, args)) if name == "Bytes" && args.is_empty() => true,
            Some((name, args)) if name == "Vec" && args.len() == 1 => is_named(args[0], "u8"),
            _ => false,
        },
    }
}

/// `T` of `name<T>` (`Option<T>`, `Vec<T>`), by the written path's last segment.
pub(crate) fn single_arg<'a>(ty: &'a Type, name: &str) -> Option<&'a Type> {
    match last_segment(ty) {
        Some((n, args)) if n == name && args.len() == 1 => Some(args[0]),
        _ => None,
    }
}

pub(crate) fn is_named(ty: &Type, expected: &str) -> bool {
    matches!(last_segment(strip_references(ty)), Some((name, args)) if args.is_empty() && name == expected)
}

/// Whether a type is `CancelToken`, `&CancelToken` or an `Option` of either.
pub(crate) fn is_cancel_token(ty: &Type) -> bool {
    match last_segment(strip_references(ty)) {
        Some((name, args)) if name == "Option" && args.len() == 1 => is_token(args[0]),
        _ => is_token(ty),
    }
}

fn is_token(ty: &Type) -> bool {
    matches!(last_segment(strip_references(ty)), Some((name, args)) if name == "CancelToken" && args.is_empty())
}

/// `T` of `&T`, `&&T`, `(T)`: what a codec lookup names.
pub(crate) fn strip_references(ty: &Type) -> &Type {
    match ty {
        Type::Reference(r) => strip_references(&r.elem),
        Type::Paren(p) => strip_references(&p.elem),
        Type::Group(g) => strip_references(&g.elem),
        _ => ty,
    }
}

//! Reading types: which decoder a return type needs, and whether a parameter is a cancel token.
//! The macro sees tokens, not resolved types, so these go by the written path's last segment.

use syn::{GenericArgument, Ident, PathArguments, ReturnType, Type};

use crate::ctxt::Ctxt;

/// What an endpoint returns on success.
pub(crate) struct ReturnKind {
    /// `T` of `Result<T, E>` (inside `Response<…>` when `response` is set).
    pub(crate) value: Type,
    pub(crate) decoder: Decoder,
    pub(crate) response: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decoder {
    Unit,
    Text,
    Raw,
    Json,
}

pub(crate) fn return_kind(cx: &mut Ctxt, output: &ReturnType, ident: &Ident) -> Option<ReturnKind> {
    const EXPECTED: &str =
        "expected `ferrofit::Result<T>` or `Result<T, E>` where `E: From<ferrofit::Error>`";
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
    if name != "Result" || args.is_empty() || args.len() > 2 {
        cx.error_spanned_by(ty, format!("unsupported return type; {EXPECTED}"));
        return None;
    }
    let value = args[0];
    let (value, response) = match last_segment(value) {
        Some((name, inner)) if name == "Response" && inner.len() == 1 => (inner[0], true),
        _ => (value, false),
    };
    if matches!(value, Type::ImplTrait(_) | Type::Infer(_) | Type::Never(_)) {
        cx.error_spanned_by(
            value,
            "the success type must be a concrete type, like `User`, `()`, `String` or `Bytes`",
        );
        return None;
    }
    let decoder = match value {
        Type::Tuple(t) if t.elems.is_empty() => Decoder::Unit,
        _ => match last_segment(value) {
            Some((name, args)) if args.is_empty() && name == "String" => Decoder::Text,
            Some((name, args)) if args.is_empty() && name == "Bytes" => Decoder::Raw,
            _ => Decoder::Json,
        },
    };
    Some(ReturnKind {
        value: value.clone(),
        decoder,
        response,
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

fn strip_references(ty: &Type) -> &Type {
    match ty {
        Type::Reference(r) => strip_references(&r.elem),
        Type::Paren(p) => strip_references(&p.elem),
        Type::Group(g) => strip_references(&g.elem),
        _ => ty,
    }
}

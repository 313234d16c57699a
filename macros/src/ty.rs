//! Reading types: which decoder a return type needs, how a body or part is encoded, and whether
//! a parameter is a cancel token.
//! The macro sees tokens, not resolved types, so these go by the written path's last segment
//! (a `Result` alias is recognised by its name ending in `Result`).

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
    /// `ByteStream`: the body is handed over unread.
    Stream,
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
    // The shape is read from the name: `Result`, or an alias like `GhResult<T>`. Whatever it
    // stands for, the type checker holds it to `Result<T, E>` with `E: From<ferrofit::Error>`.
    if !name.ends_with("Result") || args.is_empty() || args.len() > 2 {
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
            Some((name, args)) if args.is_empty() && name == "ByteStream" => Decoder::Stream,
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

/// How a `#[body]` is sent, read from its written type.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyKind {
    /// `String`, `str`, `Cow<str>`: UTF-8 `text/plain`.
    Text,
    /// `Bytes`, `Vec<u8>`, `[u8]`, `[u8; N]`: `application/octet-stream`.
    Bytes,
    /// `ferrofit::Body`: a file, stream or form built by hand.
    Body,
    /// Anything else: JSON.
    Json,
}

pub(crate) fn body_kind(ty: &Type) -> BodyKind {
    let ty = strip_references(ty);
    if is_bytes(ty) {
        return BodyKind::Bytes;
    }
    match last_segment(ty) {
        Some((name, args)) if name == "String" && args.is_empty() => BodyKind::Text,
        Some((name, args)) if name == "str" && args.is_empty() => BodyKind::Text,
        Some((name, args)) if name == "Cow" && args.len() == 1 && is_named(args[0], "str") => {
            BodyKind::Text
        }
        Some((name, args)) if name == "Body" && args.is_empty() => BodyKind::Body,
        _ => BodyKind::Json,
    }
}

/// How a `#[part]` is sent: as it is (text, bytes, `Part`, file paths, and `Option`s and
/// sequences of those), or as JSON; `each` when a sequence of JSON values makes one part per element.
pub(crate) struct PartKind {
    pub(crate) raw: bool,
    pub(crate) each: bool,
}

pub(crate) fn part_kind(ty: &Type) -> PartKind {
    let mut ty = strip_references(ty);
    let mut each = false;
    loop {
        if is_bytes(ty) {
            return PartKind { raw: true, each };
        }
        let element = match ty {
            Type::Slice(slice) => Some(&*slice.elem),
            Type::Array(array) => Some(&*array.elem),
            _ => match last_segment(ty) {
                Some((name, args)) if args.len() == 1 && (name == "Vec" || name == "Option") => {
                    each |= name == "Vec";
                    Some(args[0])
                }
                _ => None,
            },
        };
        if matches!(ty, Type::Slice(_) | Type::Array(_)) {
            each = true;
        }
        match element {
            Some(inner) => ty = strip_references(inner),
            None => break,
        }
    }
    let raw = matches!(last_segment(ty), Some((name, args)) if args.is_empty() && ["String", "str", "Bytes", "Part", "Path", "PathBuf"].contains(&name.as_str()));
    PartKind { raw, each }
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

fn strip_references(ty: &Type) -> &Type {
    match ty {
        Type::Reference(r) => strip_references(&r.elem),
        Type::Paren(p) => strip_references(&p.elem),
        Type::Group(g) => strip_references(&g.elem),
        _ => ty,
    }
}

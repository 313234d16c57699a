//! The owned form of a parameter type: what a typed mock decodes an argument into and what the
//! OpenAPI export describes. `&str` → `String`, `&[T]` → `Vec<T>`, `&Path` → `PathBuf`,
//! `Cow<str>` → `String`, `&T` → `T`; named lifetimes become `'static`.

use syn::{GenericArgument, PathArguments, Type};

pub(crate) fn owned(ty: &Type) -> Type {
    match ty {
        Type::Reference(r) => owned_referent(&r.elem),
        Type::Paren(p) => owned(&p.elem),
        Type::Group(g) => owned(&g.elem),
        Type::Slice(s) => vec_of(&s.elem),
        Type::Array(a) => {
            let mut array = a.clone();
            *array.elem = owned(&a.elem);
            Type::Array(array)
        }
        Type::Tuple(t) => {
            let mut tuple = t.clone();
            for elem in &mut tuple.elems {
                *elem = owned(elem);
            }
            Type::Tuple(tuple)
        }
        Type::ImplTrait(_) => syn::parse_quote!(::std::string::String),
        Type::Path(p) if p.qself.is_none() => owned_path(p),
        other => other.clone(),
    }
}

/// What `&T` owns: `str` and slices have owned counterparts; other `T` are already owned.
fn owned_referent(elem: &Type) -> Type {
    match elem {
        Type::Slice(s) => vec_of(&s.elem),
        Type::Path(p) if p.qself.is_none() && p.path.is_ident("str") => {
            syn::parse_quote!(::std::string::String)
        }
        Type::Path(p) if p.qself.is_none() && last_is(p, "Path") => {
            syn::parse_quote!(::std::path::PathBuf)
        }
        other => owned(other),
    }
}

fn vec_of(elem: &Type) -> Type {
    let elem = owned(elem);
    syn::parse_quote!(::std::vec::Vec<#elem>)
}

fn last_is(p: &syn::TypePath, name: &str) -> bool {
    p.path
        .segments
        .last()
        .is_some_and(|s| s.ident == name && matches!(s.arguments, PathArguments::None))
}

/// `Cow<str>` and `Cow<[T]>` become their owned forms; other paths keep their shape with
/// owned type arguments and `'static` lifetimes.
fn owned_path(p: &syn::TypePath) -> Type {
    if p.path.is_ident("str") {
        return syn::parse_quote!(::std::string::String);
    }
    let mut path = p.clone();
    let Some(last) = path.path.segments.last_mut() else {
        return Type::Path(path);
    };
    if let PathArguments::AngleBracketed(args) = &mut last.arguments {
        if last.ident == "Cow"
            && let Some(GenericArgument::Type(inner)) = args
                .args
                .iter()
                .find(|a| matches!(a, GenericArgument::Type(_)))
        {
            return owned_referent(inner);
        }
        for arg in &mut args.args {
            match arg {
                GenericArgument::Type(t) => *t = owned(t),
                GenericArgument::Lifetime(l) => *l = syn::Lifetime::new("'static", l.span()),
                _ => {}
            }
        }
    }
    Type::Path(path)
}

#[cfg(test)]
mod tests {
    use quote::ToTokens;

    use super::*;

    fn owned_text(ty: &str) -> String {
        let ty: Type = syn::parse_str(ty).expect("a type");
        owned(&ty).to_token_stream().to_string().replace(' ', "")
    }

    #[test]
    fn borrowed_types_become_owned() {
        assert_eq!(owned_text("&str"), "::std::string::String");
        assert_eq!(owned_text("&[String]"), "::std::vec::Vec<String>");
        assert_eq!(
            owned_text("Option<&'a str>"),
            "Option<::std::string::String>"
        );
        assert_eq!(owned_text("&NewUser"), "NewUser");
        assert_eq!(owned_text("Cow<'_, str>"), "::std::string::String");
        assert_eq!(owned_text("&std::path::Path"), "::std::path::PathBuf");
        assert_eq!(owned_text("Thing<'a>"), "Thing<'static>");
        assert_eq!(owned_text("u64"), "u64");
    }
}

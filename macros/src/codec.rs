//! The codec lookups generated code makes: which `ferrofit::codec` codec sends a `#[body]` or
//! `#[part]`, chosen by the parameter's type through method lookup (autoref), so the type
//! checker, not the macro, decides — after aliases resolve.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::Type;
use syn::spanned::Spanned;

use crate::ty::strip_references;

/// The `use` that brings the lookup traits into scope; emitted once per method body.
pub(crate) fn lookups_in_scope(private: &TokenStream) -> TokenStream {
    quote! {
        #[allow(unused_imports)]
        use #private::{
            ViaBodyAsIs as _, ViaJsonBody as _, ViaJsonEachPart as _, ViaJsonPart as _,
            ViaPartAsIs as _,
        };
    }
}

/// The codec of a `#[body]` of type `ty`, spanned at the type so a type that cannot be a body
/// is reported there.
pub(crate) fn body_codec(krate: &syn::Path, ty: &Type) -> TokenStream {
    let named = strip_references(ty);
    let span = ty.span();
    if matches!(named, Type::ImplTrait(_)) {
        // `impl Trait` cannot be named in a lookup: it is sent as JSON.
        return quote_spanned!(span=> #krate::codec::JsonBody);
    }
    quote_spanned!(span=> (&&#krate::__private::BodyPick::<#named>::new()).body_codec())
}

/// The codec of a `#[part]` of type `ty`.
pub(crate) fn part_codec(krate: &syn::Path, ty: &Type) -> TokenStream {
    let named = strip_references(ty);
    let span = ty.span();
    if matches!(named, Type::ImplTrait(_)) {
        return quote_spanned!(span=> #krate::codec::JsonPart);
    }
    quote_spanned!(span=> (&&&#krate::__private::PartPick::<#named>::new()).part_codec())
}

//! Carrying an endpoint's `cfg` attributes to every item generated for it.

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::Attribute;

/// `items` with `cfgs` on each of its items. Tokens that are not items (they always are) are
/// returned as they are.
pub(crate) fn each_item(cfgs: &[Attribute], items: TokenStream) -> TokenStream {
    if cfgs.is_empty() {
        return items;
    }
    let Ok(mut file) = syn::parse2::<syn::File>(items.clone()) else {
        return items;
    };
    for item in &mut file.items {
        if let Some(attrs) = item_attrs(item) {
            attrs.splice(0..0, cfgs.iter().cloned());
        }
    }
    file.into_token_stream()
}

fn item_attrs(item: &mut syn::Item) -> Option<&mut Vec<Attribute>> {
    Some(match item {
        syn::Item::Const(i) => &mut i.attrs,
        syn::Item::Enum(i) => &mut i.attrs,
        syn::Item::Fn(i) => &mut i.attrs,
        syn::Item::Impl(i) => &mut i.attrs,
        syn::Item::Mod(i) => &mut i.attrs,
        syn::Item::Static(i) => &mut i.attrs,
        syn::Item::Struct(i) => &mut i.attrs,
        syn::Item::Trait(i) => &mut i.attrs,
        syn::Item::Type(i) => &mut i.attrs,
        syn::Item::Use(i) => &mut i.attrs,
        _ => return None,
    })
}

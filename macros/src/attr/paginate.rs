//! `#[paginate(..)]`: how a list endpoint's pages follow each other.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Attribute, LitStr};

use crate::ctxt::Ctxt;

/// What `#[paginate(..)]` says.
pub(crate) struct Paginate {
    pub(crate) style: PageStyle,
    /// `items = "data"`: where a page's list is.
    pub(crate) items: Option<LitStr>,
    /// The attribute, for errors about it as a whole.
    pub(crate) attr: Attribute,
}

pub(crate) enum PageStyle {
    Link,
    Cursor {
        field: LitStr,
        param: LitStr,
    },
    Page {
        param: LitStr,
        size: Option<LitStr>,
    },
    Offset {
        offset: LitStr,
        limit: Option<LitStr>,
    },
}

const USAGE: &str = "`#[paginate(link)]`, `#[paginate(cursor = \"next_cursor\", param = \"cursor\", items = \"data\")]`, `#[paginate(page = \"page\")]` or `#[paginate(offset = \"offset\", limit = \"limit\")]`";

/// The arguments as written, before they are put together.
#[derive(Default)]
struct Written {
    link: Option<syn::Path>,
    cursor: Option<LitStr>,
    param: Option<LitStr>,
    page: Option<LitStr>,
    size: Option<LitStr>,
    offset: Option<LitStr>,
    limit: Option<LitStr>,
    items: Option<LitStr>,
}

/// Reads `#[paginate(..)]`; every mistake is reported, and `None` comes back after any.
pub(crate) fn parse_paginate(cx: &mut Ctxt, attr: &Attribute) -> Option<Paginate> {
    if matches!(attr.meta, syn::Meta::Path(_)) {
        cx.error_spanned_by(
            attr,
            format!("`#[paginate]` needs to know where the next page is: write {USAGE}"),
        );
        return None;
    }
    let mut written = Written::default();
    let mut errors = 0;
    let parsed = attr.parse_nested_meta(|meta| {
        let name = meta
            .path
            .get_ident()
            .map(ToString::to_string)
            .unwrap_or_default();
        let slot = match name.as_str() {
            "link" => {
                written.link = Some(meta.path.clone());
                return Ok(());
            }
            "cursor" => &mut written.cursor,
            "param" => &mut written.param,
            "page" => &mut written.page,
            "size" => &mut written.size,
            "offset" => &mut written.offset,
            "limit" => &mut written.limit,
            "items" => &mut written.items,
            _ => {
                return Err(meta.error(format!(
                    "unknown pagination argument `{name}`; write {USAGE}"
                )));
            }
        };
        let lit: LitStr = meta.value()?.parse()?;
        if lit.value().trim().is_empty() {
            return Err(syn::Error::new(
                lit.span(),
                format!("`{name}` names a field or query parameter; it cannot be empty"),
            ));
        }
        if slot.replace(lit).is_some() {
            return Err(meta.error(format!("`{name}` is given twice")));
        }
        Ok(())
    });
    if let Err(e) = parsed {
        cx.syn_error(e);
        return None;
    }
    let mut fail = |cx: &mut Ctxt, tokens: &dyn quote::ToTokens, message: String| {
        cx.error_spanned_by(tokens, message);
        errors += 1;
    };
    let styles: Vec<(&str, TokenStream)> = [
        written.link.as_ref().map(|p| ("link", quote!(#p))),
        written.cursor.as_ref().map(|l| ("cursor", quote!(#l))),
        written.page.as_ref().map(|l| ("page", quote!(#l))),
        written.offset.as_ref().map(|l| ("offset", quote!(#l))),
    ]
    .into_iter()
    .flatten()
    .collect();
    if styles.is_empty() {
        fail(
            cx,
            attr,
            format!("`#[paginate]` needs to know where the next page is: write {USAGE}"),
        );
    }
    for (name, tokens) in styles.iter().skip(1) {
        fail(
            cx,
            tokens,
            format!("a list pages one way; remove `{name}` or `{}`", styles[0].0),
        );
    }
    let first = styles.first().map(|(name, _)| *name);
    if let (Some(param), false) = (&written.param, first == Some("cursor")) {
        fail(cx, param, "`param` names the query parameter a cursor goes back in; it goes with `cursor = \"…\"`".to_owned());
    }
    if let (Some(size), false) = (&written.size, first == Some("page")) {
        fail(
            cx,
            size,
            "`size` names the page size parameter of `page = \"…\"`; with `offset`, write `limit`"
                .to_owned(),
        );
    }
    if let (Some(limit), false) = (&written.limit, first == Some("offset")) {
        fail(
            cx,
            limit,
            "`limit` names the page size parameter of `offset = \"…\"`; with `page`, write `size`"
                .to_owned(),
        );
    }
    if let (Some(cursor), None) = (&written.cursor, &written.param) {
        fail(
            cx,
            cursor,
            format!(
                "a cursor goes back to the server as a query parameter: add `param = \"cursor\"` (the name the API takes) after `cursor = \"{}\"`",
                cursor.value()
            ),
        );
    }
    if let (Some(cursor), None) = (&written.cursor, &written.items) {
        fail(
            cx,
            cursor,
            "a page with a cursor is an object: say where its list is, like `items = \"data\"`"
                .to_owned(),
        );
    }
    if errors > 0 {
        return None;
    }
    let style = match first? {
        "link" => PageStyle::Link,
        "cursor" => PageStyle::Cursor {
            field: written.cursor?,
            param: written.param?,
        },
        "page" => PageStyle::Page {
            param: written.page?,
            size: written.size,
        },
        _ => PageStyle::Offset {
            offset: written.offset?,
            limit: written.limit,
        },
    };
    Some(Paginate {
        style,
        items: written.items,
        attr: attr.clone(),
    })
}

impl Paginate {
    /// The runtime's `Pagination` for it.
    pub(crate) fn to_tokens(&self, private: &TokenStream) -> TokenStream {
        let some = |lit: &Option<LitStr>| match lit {
            Some(lit) => quote!(::core::option::Option::Some(#lit)),
            None => quote!(::core::option::Option::None),
        };
        let style = match &self.style {
            PageStyle::Link => quote!(#private::PageStyle::Link),
            PageStyle::Cursor { field, param } => {
                quote!(#private::PageStyle::Cursor { field: #field, param: #param })
            }
            PageStyle::Page { param, size } => {
                let size = some(size);
                quote!(#private::PageStyle::Page { param: #param, size: #size })
            }
            PageStyle::Offset { offset, limit } => {
                let limit = some(limit);
                quote!(#private::PageStyle::Offset { offset: #offset, limit: #limit })
            }
        };
        let items = some(&self.items);
        quote!(#private::Pagination::__new(#style, #items))
    }
}

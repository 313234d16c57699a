//! The OpenAPI serialization style of a query parameter or form field: `style = "…"` and
//! `explode = false` in `#[query]`, `#[field]`, `#[query_map]` and `#[field_map]`.

use proc_macro2::TokenStream;
use quote::quote;

use super::args::NameArgs;
use crate::ctxt::Ctxt;

/// How a value becomes `key=value` pairs.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Style {
    /// `style = "form"`, exploded (the default): a sequence repeats the key, `a=1&a=2`.
    Form,
    /// `explode = false`: `a=1,2`.
    Comma,
    /// `style = "spaceDelimited"`: `a=1%202`.
    Space,
    /// `style = "pipeDelimited"`: `a=1|2`.
    Pipe,
    /// `style = "deepObject"`: nested values in brackets, `a[b]=1&a[c][0]=2`.
    DeepObject,
}

const STYLES: &str = "`form`, `spaceDelimited`, `pipeDelimited` or `deepObject`";

impl Style {
    /// The style `args` ask for on a `#[role]`; `maps` says whether the role is a map, which
    /// takes `deepObject` only. Errors are reported and give the default.
    pub(crate) fn read(cx: &mut Ctxt, args: &NameArgs, role: &str, maps: bool) -> Self {
        let explode = args.explode.as_ref().map(|e| (e.value, e));
        let Some(lit) = &args.style else {
            return match explode {
                Some((false, _)) if !maps => Self::Comma,
                Some((false, e)) => {
                    cx.error_spanned_by(e, format!("`#[{role}]` is always exploded, one pair per entry; remove `explode = false`"));
                    Self::Form
                }
                _ => Self::Form,
            };
        };
        let style = match lit.value().as_str() {
            "form" if maps => {
                cx.error_spanned_by(lit, format!("`#[{role}]` writes form pairs already; the style it can take is `deepObject`, for nested values"));
                return Self::Form;
            }
            "form" => match explode {
                Some((false, _)) => Self::Comma,
                _ => Self::Form,
            },
            "spaceDelimited" | "pipeDelimited" if maps => {
                cx.error_spanned_by(lit, format!("`#[{role}]` takes `style = \"deepObject\"` only; a delimited style joins the items of one sequence, so put it on a `#[query]` or `#[field]`"));
                return Self::Form;
            }
            "spaceDelimited" => Self::Space,
            "pipeDelimited" => Self::Pipe,
            "deepObject" => Self::DeepObject,
            other => {
                cx.error_spanned_by(lit, format!("unknown style `{other}`; expected {STYLES}"));
                return Self::Form;
            }
        };
        if let Some((value, e)) = explode {
            let fits = match style {
                Self::Space | Self::Pipe => !value,
                Self::DeepObject => value,
                Self::Form | Self::Comma => true,
            };
            if !fits {
                let message = match style {
                    Self::DeepObject => "`deepObject` is always exploded; remove `explode = false`",
                    _ => {
                        "a delimited style joins the items into one value; remove `explode = true` (write `style = \"form\"` to repeat the key)"
                    }
                };
                cx.error_spanned_by(e, message);
            }
        }
        style
    }

    /// The runtime's `Style` variant, for generated code.
    pub(crate) fn to_tokens(self, private: &TokenStream) -> TokenStream {
        match self {
            Self::Form => quote!(#private::Style::Form),
            Self::Comma => quote!(#private::Style::Comma),
            Self::Space => quote!(#private::Style::Space),
            Self::Pipe => quote!(#private::Style::Pipe),
            Self::DeepObject => quote!(#private::Style::DeepObject),
        }
    }

    /// The OpenAPI `style` and `explode` of a parameter or encoding.
    pub(crate) fn openapi(self) -> (&'static str, bool) {
        match self {
            Self::Form => ("form", true),
            Self::Comma => ("form", false),
            Self::Space => ("spaceDelimited", false),
            Self::Pipe => ("pipeDelimited", false),
            Self::DeepObject => ("deepObject", true),
        }
    }
}

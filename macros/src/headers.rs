//! Static header lines (`#[headers("Name: value", …)]`): parsed, and merged with a trait's.

use syn::Attribute;

use crate::attr::HeaderLines;
use crate::ctxt::Ctxt;
use crate::token::check_header_name;

/// One `"Name: value"` of `#[headers(..)]`.
pub(crate) struct StaticHeader {
    /// Lower-cased: how headers are compared and sent.
    pub(crate) name: String,
    /// As the trait wrote it, for the OpenAPI export.
    pub(crate) written: String,
    pub(crate) value: String,
}

pub(crate) fn parse_headers(cx: &mut Ctxt, attr: &Attribute) -> Vec<StaticHeader> {
    let lines = match attr.parse_args::<HeaderLines>() {
        Ok(lines) => lines.0,
        Err(e) => {
            cx.error_at(
                e.span(),
                "expected header lines in quotes: `#[headers(\"Accept: application/json\")]`",
            );
            return Vec::new();
        }
    };
    if lines.is_empty() {
        cx.error_spanned_by(
            attr,
            "`#[headers]` is empty; write `#[headers(\"Name: value\", …)]` or remove it",
        );
    }
    lines
        .iter()
        .filter_map(|lit| {
            let line = lit.value();
            let Some((name, value)) = line.split_once(':') else {
                cx.error_spanned_by(lit, format!("`{line}` is not a header line; write `\"Name: value\"`"));
                return None;
            };
            let (name, value) = (name.trim(), value.trim());
            if let Err(message) = check_header_name(name) {
                cx.error_spanned_by(lit, message);
                return None;
            }
            if let Some(bad) = value.chars().find(|c| !(c.is_ascii_graphic() || *c == ' ' || *c == '\t')) {
                cx.error_spanned_by(lit, format!("the value of header `{name}` contains {bad:?}; static header values must be printable ASCII"));
                return None;
            }
            Some(StaticHeader {
                name: name.to_ascii_lowercase(),
                written: name.to_owned(),
                value: value.to_owned(),
            })
        })
        .collect()
}

/// Trait headers, except those the method sets itself, then the method's.
pub(crate) fn merged_headers<'a>(
    api: &'a [StaticHeader],
    method: &'a [StaticHeader],
) -> Vec<&'a StaticHeader> {
    api.iter()
        .filter(|h| !method.iter().any(|m| m.name == h.name))
        .chain(method)
        .collect()
}

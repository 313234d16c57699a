//! Static header lines (`#[headers("Name: value", …)]`) and header-name checks.

use syn::Attribute;

use crate::ast::StaticHeader;
use crate::attr::HeaderLines;
use crate::ctxt::Ctxt;

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
                value: value.to_owned(),
            })
        })
        .collect()
}

/// RFC 9110 token characters.
pub(crate) fn check_header_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("the header name is empty; write `\"Name: value\"`".to_owned());
    }
    match name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(*c)))
    {
        Some(bad) => Err(format!(
            "`{name}` is not a valid header name: {bad:?} is not allowed"
        )),
        None => Ok(()),
    }
}

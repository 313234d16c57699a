//! Reading the arguments inside attributes: names and flags of parameter roles, `#[http(..)]`,
//! `#[timeout(..)]`, `#[retry(..)]`, `#[headers(..)]`, flags that take none.

use proc_macro2::Span;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Attribute, LitInt, LitStr, Token};

/// Arguments of `#[path]`, `#[query]`, `#[field]`, `#[part]`, `#[header]` and the maps: an
/// optional name, an optional `encoded` flag and the OpenAPI `style`/`explode`, in any order:
/// `#[query("labels", explode = false)]`.
#[derive(Default)]
pub(crate) struct NameArgs {
    pub(crate) name: Option<LitStr>,
    pub(crate) encoded: Option<Span>,
    pub(crate) style: Option<LitStr>,
    pub(crate) explode: Option<syn::LitBool>,
}

const EXPECTED: &str = "expected a name in quotes, `encoded`, `style = \"…\"` or `explode = false`";

impl Parse for NameArgs {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut args = Self::default();
        while !input.is_empty() {
            if input.peek(LitStr) {
                let name: LitStr = input.parse()?;
                if args.name.is_some() {
                    return Err(syn::Error::new(name.span(), "the name is given twice"));
                }
                args.name = Some(name);
            } else {
                let flag: syn::Ident = input
                    .parse()
                    .map_err(|e| syn::Error::new(e.span(), EXPECTED))?;
                if flag == "encoded" {
                    args.encoded = Some(flag.span());
                } else if flag == "style" {
                    input.parse::<Token![=]>()?;
                    args.style = Some(input.parse().map_err(|e| {
                        syn::Error::new(
                            e.span(),
                            "write the style in quotes: `style = \"deepObject\"`",
                        )
                    })?);
                } else if flag == "explode" {
                    input.parse::<Token![=]>()?;
                    args.explode = Some(input.parse().map_err(|e| {
                        syn::Error::new(e.span(), "write `explode = false` or `explode = true`")
                    })?);
                } else {
                    return Err(syn::Error::new(
                        flag.span(),
                        format!("unknown option `{flag}`; {EXPECTED}"),
                    ));
                }
            }
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        Ok(args)
    }
}

/// Arguments of `#[headers(..)]`: one or more `"Name: value"` strings.
pub(crate) struct HeaderLines(pub(crate) Punctuated<LitStr, Token![,]>);

impl Parse for HeaderLines {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        Punctuated::parse_terminated(input).map(Self)
    }
}

/// `#[http(method = "PURGE", path = "/x", body = true)]`.
pub(crate) struct HttpArgs {
    pub(crate) method: Option<LitStr>,
    pub(crate) path: Option<LitStr>,
    pub(crate) body: bool,
}

/// Parses `attr`'s arguments with `logic`; an attribute written without them (`#[cache]`)
/// gets an error that shows how to write it, as its siblings' errors do.
fn nested_args(
    attr: &Attribute,
    usage: &str,
    logic: impl FnMut(syn::meta::ParseNestedMeta<'_>) -> syn::Result<()>,
) -> syn::Result<()> {
    if let syn::Meta::Path(path) = &attr.meta {
        let name = path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default();
        return Err(syn::Error::new_spanned(
            path,
            format!("`#[{name}]` needs arguments: write {usage}"),
        ));
    }
    attr.parse_nested_meta(logic)
}

pub(crate) fn parse_http(attr: &Attribute) -> syn::Result<HttpArgs> {
    let mut args = HttpArgs {
        method: None,
        path: None,
        body: false,
    };
    nested_args(attr, "`#[http(method = \"…\", path = \"…\")]`", |meta| {
        if meta.path.is_ident("method") {
            args.method = Some(meta.value()?.parse()?);
        } else if meta.path.is_ident("path") {
            args.path = Some(meta.value()?.parse()?);
        } else if meta.path.is_ident("body") {
            args.body = meta.value()?.parse::<syn::LitBool>()?.value;
        } else {
            return Err(meta.error("expected `method = \"…\"`, `path = \"…\"` or `body = true`"));
        }
        Ok(())
    })?;
    Ok(args)
}

/// `#[timeout(secs = 5)]` or `#[timeout(ms = 250)]`, in milliseconds.
pub(crate) fn parse_timeout(attr: &Attribute) -> syn::Result<u64> {
    let mut millis = None;
    nested_args(
        attr,
        "`#[timeout(secs = N)]` or `#[timeout(ms = N)]`",
        |meta| {
            let factor = if meta.path.is_ident("secs") {
                1000
            } else if meta.path.is_ident("ms") {
                1
            } else {
                return Err(meta.error("expected `secs = N` or `ms = N`"));
            };
            let value: LitInt = meta.value()?.parse()?;
            let n: u64 = value.base10_parse()?;
            if millis.is_some() {
                return Err(meta.error("give the timeout once, as `secs = N` or `ms = N`"));
            }
            millis = Some(n.checked_mul(factor).filter(|ms| *ms > 0).ok_or_else(|| {
                syn::Error::new(value.span(), "the timeout must be greater than zero")
            })?);
            Ok(())
        },
    )?;
    millis.ok_or_else(|| {
        syn::Error::new_spanned(attr, "write `#[timeout(secs = N)]` or `#[timeout(ms = N)]`")
    })
}

/// `#[retry(max = N)]` (N ≥ 1 attempts in all) or `#[retry(never)]` (1 attempt).
pub(crate) fn parse_retry(attr: &Attribute) -> syn::Result<u32> {
    let mut attempts = None;
    nested_args(attr, "`#[retry(max = N)]` or `#[retry(never)]`", |meta| {
        if attempts.is_some() {
            return Err(meta.error("write either `#[retry(max = N)]` or `#[retry(never)]`"));
        }
        if meta.path.is_ident("never") {
            attempts = Some(1);
        } else if meta.path.is_ident("max") {
            let value: LitInt = meta.value()?.parse()?;
            let n: u32 = value.base10_parse()?;
            if n == 0 {
                return Err(syn::Error::new(
                    value.span(),
                    "`max` counts attempts, the first included, so it is at least 1; use `#[retry(never)]` for no retries",
                ));
            }
            attempts = Some(n);
        } else {
            return Err(meta.error("expected `max = N` or `never`"));
        }
        Ok(())
    })?;
    attempts.ok_or_else(|| {
        syn::Error::new_spanned(attr, "write `#[retry(max = N)]` or `#[retry(never)]`")
    })
}

/// An attribute that takes no arguments: `#[no_auth]`, `#[idempotent]`.
pub(crate) fn require_flag(attr: &Attribute, name: &str) -> syn::Result<()> {
    match attr.meta {
        syn::Meta::Path(_) => Ok(()),
        _ => Err(syn::Error::new_spanned(
            attr,
            format!("`#[{name}]` takes no arguments"),
        )),
    }
}

/// The string of a verb attribute: `#[get("/users/<id>")]`.
pub(crate) fn parse_verb_path(attr: &Attribute, verb: &str) -> syn::Result<LitStr> {
    attr.parse_args::<LitStr>().map_err(|e| {
        syn::Error::new(
            e.span(),
            format!("expected the path in quotes: `#[{verb}(\"/path\")]`"),
        )
    })
}

/// What `#[cache(..)]` says: the `CachePolicy` variant and the maximum staleness in seconds.
#[derive(Default)]
pub(crate) struct CacheArgs {
    pub(crate) policy: Option<&'static str>,
    pub(crate) max_stale_secs: Option<u64>,
}

/// Policy names in `#[cache(policy = "…")]` and the `CachePolicy` variants they stand for.
const CACHE_POLICIES: &[(&str, &str)] = &[
    ("standard", "Standard"),
    ("refresh", "Refresh"),
    ("force_cache", "ForceCache"),
    ("refresh_force_cache", "RefreshForceCache"),
    ("no_cache", "NoCache"),
    ("only_if_cached", "OnlyIfCached"),
];

/// `#[cache(policy = "force_cache", max_stale = "7d")]` or `#[cache(never)]`.
pub(crate) fn parse_cache(attr: &Attribute) -> syn::Result<CacheArgs> {
    let mut args = CacheArgs::default();
    let mut never = false;
    nested_args(
        attr,
        "`#[cache(policy = \"…\", max_stale = \"…\")]` or `#[cache(never)]`",
        |meta| {
            if meta.path.is_ident("never") {
                never = true;
            } else if meta.path.is_ident("policy") {
                let lit: LitStr = meta.value()?.parse()?;
                let name = lit.value();
                let variant = CACHE_POLICIES
                    .iter()
                    .find(|(n, _)| *n == name)
                    .ok_or_else(|| {
                        let known: Vec<&str> = CACHE_POLICIES.iter().map(|(n, _)| *n).collect();
                        syn::Error::new(
                            lit.span(),
                            format!(
                                "unknown cache policy `{name}`; expected one of: {}",
                                known.join(", ")
                            ),
                        )
                    })?;
                args.policy = Some(variant.1);
            } else if meta.path.is_ident("max_stale") {
                let lit: LitStr = meta.value()?.parse()?;
                args.max_stale_secs = Some(
                    parse_duration(&lit.value())
                        .map_err(|message| syn::Error::new(lit.span(), message))?,
                );
            } else {
                return Err(meta.error("expected `policy = \"…\"`, `max_stale = \"…\"` or `never`"));
            }
            Ok(())
        },
    )?;
    if never {
        if args.policy.is_some() || args.max_stale_secs.is_some() {
            return Err(syn::Error::new_spanned(
                attr,
                "`#[cache(never)]` stands alone; remove `policy` and `max_stale`",
            ));
        }
        args.policy = Some("NoCache");
    }
    if args.policy.is_none() && args.max_stale_secs.is_none() {
        return Err(syn::Error::new_spanned(
            attr,
            "write `#[cache(policy = \"force_cache\", max_stale = \"7d\")]` or `#[cache(never)]`",
        ));
    }
    Ok(args)
}

/// `"90s"`, `"15m"`, `"12h"`, `"7d"` or a sum like `"1d12h"`, in seconds.
fn parse_duration(text: &str) -> Result<u64, String> {
    let invalid = || {
        format!("`{text}` is not a duration; write a number with a unit: `90s`, `15m`, `12h`, `7d`")
    };
    let mut total: u64 = 0;
    let mut digits = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            _ => return Err(invalid()),
        };
        let n: u64 = digits.parse().map_err(|_| invalid())?;
        total = n
            .checked_mul(unit)
            .and_then(|secs| total.checked_add(secs))
            .ok_or_else(invalid)?;
        digits.clear();
    }
    if !digits.is_empty() || text.is_empty() {
        return Err(invalid());
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::parse_duration;

    #[test]
    fn durations_add_their_units() {
        assert_eq!(parse_duration("7d"), Ok(604_800));
        assert_eq!(parse_duration("1d12h"), Ok(129_600));
        assert_eq!(parse_duration("90s"), Ok(90));
        for bad in ["", "7", "d", "7w", "1.5h", "99999999999999999999d"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}

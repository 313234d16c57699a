//! The procedural macro behind [ferrofit](https://docs.rs/ferrofit): `#[rest_api]` turns an
//! annotated trait into a typed REST client. Depend on `ferrofit`, which re-exports it and
//! documents the attributes.
//!
//! The macro runs in three steps, all visible in [`rest_api`]: `ast` reads the trait (with
//! `attr` reading each attribute), `check` looks at each endpoint as a whole, and `expand`
//! writes the code. Every mistake found on the way is collected in a `Ctxt` and reported at
//! once, next to a fallback expansion that keeps the user's other code compiling.

#![warn(clippy::unwrap_used)]

mod ast;
mod attr;
mod cfg;
mod check;
mod codec;
mod ctxt;
mod describe;
mod expand;
mod headers;
mod mock;
mod owned;
mod path;
mod token;
mod ty;

use proc_macro::TokenStream;

/// Generates a typed REST client from a trait. See `ferrofit::rest_api` for the documentation.
#[proc_macro_attribute]
pub fn rest_api(args: TokenStream, input: TokenStream) -> TokenStream {
    match syn::parse::<syn::ItemTrait>(input.clone()) {
        Ok(item) => rest_api_for(args.into(), item).into(),
        Err(_) => {
            let input = proc_macro2::TokenStream::from(input);
            let error = syn::Error::new_spanned(
                &input,
                "#[rest_api] goes on a trait: `#[rest_api] pub trait UserApi { … }`",
            )
            .into_compile_error();
            quote::quote!(#input #error).into()
        }
    }
}

/// parse → check → expand, or the fallback and every error found.
fn rest_api_for(args: proc_macro2::TokenStream, item: syn::ItemTrait) -> proc_macro2::TokenStream {
    let mut cx = ctxt::Ctxt::default();
    let args = attr::MacroArgs::parse(&mut cx, args);
    let mut api = ast::Api::from_syn(&mut cx, args, item);
    check::check(&mut cx, &mut api);
    match cx.check() {
        Ok(()) => expand::expand(&api),
        Err(errors) => {
            let fallback = expand::fallback(&api);
            let errors = errors.into_compile_error();
            quote::quote!(#fallback #errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use proc_macro2::{TokenStream, TokenTree};

    /// Tokens in `stream`, inside groups too: (outside feature gates, inside them). Code under
    /// `if_testing!`/`if_openapi!` costs a build without the feature only its tokenizing.
    fn count(stream: TokenStream) -> (usize, usize) {
        let mut counts = (0, 0);
        let mut gate = false;
        for tree in stream {
            match tree {
                TokenTree::Group(group) if gate => {
                    let (outside, inside) = count(group.stream());
                    counts.1 += 1 + outside + inside;
                    gate = false;
                }
                TokenTree::Group(group) => {
                    let (outside, inside) = count(group.stream());
                    counts.0 += 1 + outside;
                    counts.1 += inside;
                }
                TokenTree::Ident(ident) => {
                    gate = ident == "if_testing" || ident == "if_openapi";
                    counts.0 += 1;
                }
                TokenTree::Punct(p) if gate && p.as_char() == '!' => counts.0 += 1,
                _ => {
                    gate = false;
                    counts.0 += 1;
                }
            }
        }
        counts
    }

    /// Tokens the macro emits for a trait of `endpoints` typical endpoints.
    fn expanded(endpoints: usize) -> (usize, usize) {
        let methods: String = (0..endpoints)
            .map(|i| {
                format!(
                    "#[get(\"/items/<id>\")] async fn get{i}(&self, id: u64, #[query] page: Option<u32>) -> ferrofit::Result<Item>;"
                )
            })
            .collect();
        let item: syn::ItemTrait =
            syn::parse_str(&format!("pub trait Api {{ {methods} }}")).expect("a valid trait");
        count(super::rest_api_for(TokenStream::new(), item))
    }

    /// Expansion size is a cost every user pays on every build: each endpoint only feeds its
    /// arguments to the runtime. `cargo test -p ferrofit-macros -- --nocapture` prints it.
    #[test]
    fn each_endpoint_expands_to_a_small_fixed_size() {
        let (base, gated_base) = expanded(1);
        let (eleven, gated_eleven) = expanded(11);
        let per_endpoint = (eleven - base) / 10;
        let gated_per_endpoint = (gated_eleven - gated_base) / 10;
        println!(
            "expansion: {per_endpoint} tokens per endpoint (a one-endpoint trait: {base}), \
             plus {gated_per_endpoint} behind feature gates (mocks, OpenAPI)"
        );
        assert!(per_endpoint < 250, "{per_endpoint} tokens per endpoint");
        assert!(
            gated_per_endpoint < 800,
            "{gated_per_endpoint} gated tokens per endpoint"
        );
    }
}

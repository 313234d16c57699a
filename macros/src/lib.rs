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
mod check;
mod ctxt;
mod expand;
mod headers;
mod path;
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

    /// Tokens in `stream`, inside groups too.
    fn count(stream: TokenStream) -> usize {
        stream
            .into_iter()
            .map(|tree| match tree {
                TokenTree::Group(group) => 1 + count(group.stream()),
                _ => 1,
            })
            .sum()
    }

    /// Tokens the macro emits for a trait of `endpoints` typical endpoints.
    fn expanded(endpoints: usize) -> usize {
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
        let base = expanded(1);
        let per_endpoint = (expanded(11) - base) / 10;
        println!("expansion: {per_endpoint} tokens per endpoint (a one-endpoint trait: {base})");
        assert!(per_endpoint < 250, "{per_endpoint} tokens per endpoint");
    }
}

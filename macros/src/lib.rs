//! The procedural macro behind [ferrofit](https://docs.rs/ferrofit): `#[rest_api]` turns an
//! annotated trait into a typed REST client. Depend on `ferrofit`, which re-exports it and
//! documents the attributes.
//!
//! The macro runs in three steps: `ast` reads the trait (reporting every mistake it finds),
//! `check` looks at each endpoint as a whole, and `expand` writes the code.

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
        Ok(item) => expand::rest_api(args.into(), item).into(),
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

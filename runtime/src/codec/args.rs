//! What path, query, header and form arguments must be: named by generated code through these
//! traits, so a type that is not is reported at the argument with what to do about it.

use std::fmt::Display;

use serde::Serialize;

use crate::encode::value::{self, ValueError};

/// What a value's sink returns.
#[doc(hidden)]
pub type ValueResult = Result<(), ValueError>;

/// A path placeholder's or `#[url]` argument's type: written with [`Display`].
///
/// # Examples
///
/// ```
/// #[ferrofit::rest_api]
/// trait Items {
///     #[get("/items/<id>")]
///     async fn item(&self, id: u64) -> ferrofit::Result<String>;
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be written into a URL",
    label = "this argument is part of the URL",
    note = "path and `#[url]` arguments are written with `std::fmt::Display`: implement it, or pass a `String`, `&str` or number"
)]
pub trait UrlValue {
    /// The value to format, for generated code to name this trait at the argument.
    #[doc(hidden)]
    fn url_value(&self) -> &dyn Display;
}

#[diagnostic::do_not_recommend]
impl<T: Display> UrlValue for T {
    fn url_value(&self) -> &dyn Display {
        self
    }
}

/// A `#[query]`, `#[header]` or `#[field]` argument's type (and their `…_map` forms): written
/// with [`Serialize`] — strings, numbers, bools, and `Option`s and sequences of those.
///
/// # Examples
///
/// ```
/// #[ferrofit::rest_api]
/// trait Search {
///     #[get("/search")]
///     async fn search(&self, #[query] q: &str, #[query] tag: &[String]) -> ferrofit::Result<String>;
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be written into a request",
    label = "this argument is written into the request",
    note = "query, header and form arguments are written with `serde::Serialize`: derive it, or pass a string, number or bool, or an `Option` or sequence of those"
)]
pub trait RequestValue {
    /// The value, for generated code to name this trait at the argument.
    #[doc(hidden)]
    fn request_value(&self) -> &dyn RequestValue;

    /// Calls `sink` with each text value (none for `None`, one per element of a sequence).
    #[doc(hidden)]
    fn each_value(&self, sink: &mut dyn FnMut(&str) -> ValueResult) -> ValueResult;

    /// Calls `sink` with each `(key, text value)` of a struct or map.
    #[doc(hidden)]
    fn each_pair(&self, sink: &mut dyn FnMut(&str, &str) -> ValueResult) -> ValueResult;

    /// The value as JSON, for the nested `deepObject` style.
    #[doc(hidden)]
    fn json_value(&self) -> Result<serde_json::Value, String>;
}

#[diagnostic::do_not_recommend]
impl<T: Serialize> RequestValue for T {
    fn request_value(&self) -> &dyn RequestValue {
        self
    }

    fn each_value(&self, sink: &mut dyn FnMut(&str) -> ValueResult) -> ValueResult {
        value::for_each_value(self, sink)
    }

    fn each_pair(&self, sink: &mut dyn FnMut(&str, &str) -> ValueResult) -> ValueResult {
        value::for_each_pair(self, sink)
    }

    fn json_value(&self) -> Result<serde_json::Value, String> {
        serde_json::to_value(self).map_err(|e| e.to_string())
    }
}

/// An `#[extra]` argument's type: stored in the request's extensions for interceptors to read
/// (as [`CacheOptions`](crate::cache::CacheOptions) are), so it must be
/// `Clone + Send + Sync + 'static`.
///
/// # Examples
///
/// ```
/// #[derive(Clone)]
/// struct TraceId(u64);
///
/// #[ferrofit::rest_api]
/// trait Items {
///     #[get("/items")]
///     async fn items(&self, #[extra] trace: TraceId) -> ferrofit::Result<String>;
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot travel with a request as an `#[extra]`",
    label = "this argument is stored in the request's extensions",
    note = "an `#[extra]` is read by interceptors, so it must be `Clone + Send + Sync + 'static`: derive `Clone`, and own its data (no references)"
)]
pub trait ExtraValue {
    /// Stores the value in `extensions`.
    #[doc(hidden)]
    fn insert_into(self, extensions: &mut http::Extensions);
}

#[diagnostic::do_not_recommend]
impl<T: Clone + Send + Sync + 'static> ExtraValue for T {
    fn insert_into(self, extensions: &mut http::Extensions) {
        extensions.insert(self);
    }
}

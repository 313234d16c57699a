//! Turning call arguments into URL, header and form text.

pub(crate) mod form;
pub(crate) mod header;
pub(crate) mod path;
pub(crate) mod query;
pub(crate) mod style;
pub(crate) mod value;

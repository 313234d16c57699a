//! Turning call arguments into URL and header text.

pub(crate) mod header;
pub(crate) mod path;
pub(crate) mod query;
pub(crate) mod value;

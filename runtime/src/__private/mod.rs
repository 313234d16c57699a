//! What generated code calls. Not public API: anything here may change in any release.

mod call;
mod call_body;
mod decode;

pub use call::{Call, CancelArg};
pub use call_body::{BodyArg, BodyBytes, PartValue};
pub use decode::{Decode, Json, Raw, Text, Unit};

pub use crate::endpoint::Endpoint;

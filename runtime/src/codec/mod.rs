//! How values travel: which types an endpoint can take as a `#[body]` or `#[part]` or
//! return, and how each is encoded and decoded.
//!
//! `#[rest_api]` does not read type names to decide: the generated code asks these traits,
//! so an alias, a re-export or a fully qualified path behaves like the type it names, and a
//! type that fits nowhere is reported at the argument or return type that uses it.
//!
//! | Type | As a `#[body]` | As a `#[part]` | Returned |
//! |---|---|---|---|
//! | `String`, `&str` | `text/plain` | a text part | UTF-8 text (`String`) |
//! | `Bytes`, `Vec<u8>`, `&[u8]` | `application/octet-stream` | a file part | `Bytes`: as it came; `Vec<u8>`: JSON |
//! | [`Body`](crate::Body) | as built | — | — |
//! | [`Part`](crate::Part), `&Path`, `PathBuf` | — | the part, the file | — |
//! | [`ByteStream`](crate::ByteStream) | — | — | the body unread |
//! | `()` | — | — | the body ignored |
//! | [`Response<T>`](crate::Response) | — | — | `T` with status, headers, URL |
//! | anything `Serialize` / `Deserialize` | JSON | a JSON part (one per element of a sequence) | JSON |

mod args;
mod body;
mod part;
mod reply;

#[doc(hidden)]
pub use crate::encode::value::ValueError;
#[doc(hidden)]
pub use args::ValueResult;
pub use args::{ExtraValue, RequestValue, UrlValue};
pub use body::EncodeBody;
pub use part::EncodePart;
pub use reply::FromReply;
#[doc(hidden)]
pub use reply::{Receiving, ReplyContext};

#[cfg(feature = "openapi")]
#[doc(hidden)]
pub use body::DescribeBody;
#[doc(hidden)]
pub use body::{BodyPick, BytesBody, JsonBody, RawBody, TextBody, ViaBodyAsIs, ViaJsonBody};
#[cfg(feature = "openapi")]
#[doc(hidden)]
pub use part::DescribePart;
#[doc(hidden)]
pub use part::{
    JsonEachPart, JsonPart, PartPick, PartValue, RawPart, ViaJsonEachPart, ViaJsonPart, ViaPartAsIs,
};
pub(crate) use reply::json as decode_json;
pub(crate) use reply::{ReplyShape, same_type};

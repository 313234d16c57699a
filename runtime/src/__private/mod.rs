//! What generated code calls. Not public API: anything here may change in any release.

mod call;
mod call_body;

pub use crate::codec::{
    BodyPick, PartPick, ViaBodyAsIs, ViaJsonBody, ViaJsonEachPart, ViaJsonPart, ViaPartAsIs,
};
pub use crate::pages::{PageStyle, Paginated, Pagination, paginated};
pub use crate::response::Received;
pub(crate) use call::exchange;
pub use call::{Call, CancelArg};
pub use call_body::{BodyArg, BodyBytes};

pub use crate::encode::style::Style;
pub use crate::endpoint::Endpoint;
/// Named by generated bounds, so users need no `serde` path of their own.
pub use serde;

/// Emits its input only when ferrofit's `testing` feature is on: the typed mocks `#[rest_api]`
/// generates go through it, so they never reach a build without the feature and users write
/// no `cfg` of their own.
#[cfg(feature = "testing")]
#[doc(hidden)]
#[macro_export]
macro_rules! __ferrofit_if_testing {
    ($($item:tt)*) => { $($item)* };
}

/// Without the `testing` feature, typed mocks vanish.
#[cfg(not(feature = "testing"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __ferrofit_if_testing {
    ($($item:tt)*) => {};
}

pub use __ferrofit_if_testing as if_testing;

/// Emits its input only when ferrofit's `openapi` feature is on: `Describe` and `openapi()`.
#[cfg(feature = "openapi")]
#[doc(hidden)]
#[macro_export]
macro_rules! __ferrofit_if_openapi {
    ($($item:tt)*) => { $($item)* };
}

/// Without the `openapi` feature, the description vanishes.
#[cfg(not(feature = "openapi"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __ferrofit_if_openapi {
    ($($item:tt)*) => {};
}

pub use __ferrofit_if_openapi as if_openapi;

#[cfg(test)]
mod tests {
    /// CI runs this without features too (`cargo test -p ferrofit --lib`): typed mocks are
    /// emitted only with `testing`.
    #[test]
    fn gated_code_exists_only_with_its_feature() {
        let emitted = std::cell::Cell::new(false);
        crate::__ferrofit_if_testing! { emitted.set(true); }
        assert_eq!(emitted.get(), cfg!(feature = "testing"));
        let emitted = std::cell::Cell::new(false);
        crate::__ferrofit_if_openapi! { emitted.set(true); }
        assert_eq!(emitted.get(), cfg!(feature = "openapi"));
    }

    /// A trait compiles with and without the features: the mock and the description the macro
    /// writes must go through the gates, or they would name `crate::testing` and
    /// `crate::openapi`, which do not exist without them.
    #[allow(dead_code)]
    #[crate::rest_api(crate = "crate")]
    trait Gated {
        #[get("/items/<id>")]
        async fn item(&self, id: u32, #[query] page: Option<u32>) -> crate::Result<String>;
    }

    #[test]
    fn generated_mocks_and_descriptions_follow_the_features() {
        let client = crate::Client::builder()
            .base_url("http://localhost")
            .build()
            .expect("client");
        let _ = GatedClient::new(client);
        #[cfg(feature = "testing")]
        {
            let mock = GatedMock::new();
            mock.item().never();
        }
        #[cfg(feature = "openapi")]
        assert!(GatedClient::openapi().as_json()["paths"]["/items/{id}"].is_object());
    }
}

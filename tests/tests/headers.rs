//! Headers: precedence (client default < trait < method < parameter < client override),
//! header maps, and refusal of CR/LF.

mod support;

use std::collections::BTreeMap;

use ferrofit::{Error, rest_api};
use support::{Answer, CaptureServer, NO_CONTENT};

#[rest_api]
#[headers("X-Layer: trait", "Accept: application/json", "X-Trait-Only: yes")]
trait Layered {
    #[get("/a")]
    async fn trait_level(&self) -> ferrofit::Result<()>;

    #[get("/b")]
    #[headers("X-Layer: method", "X-Multi: one", "X-Multi: two")]
    async fn method_level(&self) -> ferrofit::Result<()>;

    #[get("/c")]
    #[headers("X-Layer: method")]
    async fn param_level(
        &self,
        #[header("X-Layer")] layer: Option<&str>,
        #[header("X-Request-Id")] request_id: &str,
    ) -> ferrofit::Result<()>;

    #[get("/d")]
    async fn repeated(&self, #[header("X-Tag")] tags: Vec<String>) -> ferrofit::Result<()>;

    #[get("/e")]
    async fn with_header_map(
        &self,
        #[header_map] extra: BTreeMap<String, String>,
    ) -> ferrofit::Result<()>;
}

async fn setup() -> (CaptureServer, LayeredClient) {
    let server = CaptureServer::start(Answer::Full(NO_CONTENT)).await;
    let client = ferrofit::Client::builder()
        .base_url(&server.base_url)
        .default_header("X-Layer", "client")
        .default_header("X-Client-Only", "yes")
        .default_header("Accept-Language", "en")
        .user_agent("ferrofit-tests")
        .build()
        .unwrap();
    (server, LayeredClient::new(client))
}

#[tokio::test]
async fn the_most_specific_layer_wins() {
    let (server, api) = setup().await;

    api.trait_level().await.unwrap();
    let seen = server.last();
    assert_eq!(seen.header_values("x-layer"), ["trait"]);
    assert_eq!(seen.header_values("x-trait-only"), ["yes"]);
    assert_eq!(seen.header_values("x-client-only"), ["yes"]);
    assert_eq!(seen.header_values("accept"), ["application/json"]);
    assert_eq!(seen.header_values("user-agent"), ["ferrofit-tests"]);

    api.method_level().await.unwrap();
    let seen = server.last();
    assert_eq!(seen.header_values("x-layer"), ["method"]);
    assert_eq!(seen.header_values("x-multi"), ["one", "two"]);
    assert_eq!(seen.header_values("x-trait-only"), ["yes"]);

    api.param_level(Some("param"), "rid-1").await.unwrap();
    let seen = server.last();
    assert_eq!(seen.header_values("x-layer"), ["param"]);
    assert_eq!(seen.header_values("x-request-id"), ["rid-1"]);
}

#[tokio::test]
async fn a_none_parameter_leaves_the_static_header_alone() {
    let (server, api) = setup().await;
    api.param_level(None, "rid-2").await.unwrap();
    assert_eq!(server.last().header_values("x-layer"), ["method"]);
}

#[tokio::test]
async fn sequences_send_the_header_once_per_value() {
    let (server, api) = setup().await;
    api.repeated(vec!["a".into(), "b".into()]).await.unwrap();
    assert_eq!(server.last().header_values("x-tag"), ["a", "b"]);
}

#[tokio::test]
async fn header_maps_add_headers_and_override_lower_layers() {
    let (server, api) = setup().await;
    let extra = BTreeMap::from([
        ("X-Layer".to_owned(), "map".to_owned()),
        ("X-Extra".to_owned(), "1".to_owned()),
    ]);
    api.with_header_map(extra).await.unwrap();
    let seen = server.last();
    assert_eq!(seen.header_values("x-layer"), ["map"]);
    assert_eq!(seen.header_values("x-extra"), ["1"]);
}

#[tokio::test]
async fn cr_and_lf_are_rejected_and_nothing_is_sent() {
    let (server, api) = setup().await;
    let error = api
        .param_level(None, "id\r\nX-Injected: yes")
        .await
        .unwrap_err();
    assert!(matches!(error, Error::InvalidRequest { .. }), "{error:?}");
    assert!(error.to_string().contains("CR or LF"), "{error}");

    let error = api
        .with_header_map(BTreeMap::from([("X-A".to_owned(), "1\n2".to_owned())]))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::InvalidRequest { .. }), "{error:?}");

    let error = api
        .with_header_map(BTreeMap::from([("Bad Name".to_owned(), "1".to_owned())]))
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("not a valid header name"),
        "{error}"
    );
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn an_override_header_replaces_what_the_trait_and_the_arguments_set() {
    let server = CaptureServer::start(Answer::Full(NO_CONTENT)).await;
    let client = ferrofit::Client::builder()
        .base_url(&server.base_url)
        .override_header("Accept", "application/json")
        .override_header("X-Layer", "one")
        .override_header("X-Layer", "two")
        .default_header("X-Trait-Only", "default loses")
        .build()
        .unwrap();
    let api = LayeredClient::new(client);

    api.trait_level().await.unwrap();
    let seen = server.last();
    assert_eq!(seen.header_values("accept"), ["application/json"]);
    assert_eq!(seen.header_values("x-layer"), ["one", "two"]);
    assert_eq!(seen.header_values("x-trait-only"), ["yes"]);

    api.param_level(Some("param"), "rid-3").await.unwrap();
    assert_eq!(server.last().header_values("x-layer"), ["one", "two"]);

    let invalid = ferrofit::Client::builder()
        .base_url(&server.base_url)
        .override_header("Accept", "a\r\nInjected: yes")
        .build();
    assert!(matches!(invalid, Err(Error::Config { .. })), "{invalid:?}");
}

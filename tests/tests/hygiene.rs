//! Generated code names everything by absolute path: user code that shadows `core`, `std`,
//! `Result`, `Option`, common trait names or `ferrofit` itself still compiles and works.

#![allow(dead_code, unreachable_pub)]

mod shadows {
    // Every name the generated code could be tempted to use unqualified.
    mod core {}
    mod std {}
    mod ferrofit {}
    mod __private {}
    type Result = ();
    type Option = ();
    struct Send;
    struct Sync;
    struct Future;
    struct Clone;
    struct Debug;
    struct Box;
    struct String;
    struct Vec;
    struct Client;
    struct Call;
    struct Endpoint;
    struct Part;
    struct Progress;
    struct ByteStream;
    struct Body;
    // Names the typed mock and the OpenAPI description use.
    struct Default;
    struct Deref;
    struct SchemaOf;
    struct Schemas;
    struct TypedMock;
    struct Expect;
    struct Deserialize;
    struct Serialize;

    #[::ferrofit::rest_api]
    #[headers("X-Shadowed: yes")]
    pub trait Shadowed {
        #[get("/items/<id>")]
        async fn item(
            &self,
            id: u32,
            #[query] page: ::core::option::Option<u32>,
            #[cancel] cancel: &::ferrofit::CancelToken,
        ) -> ::ferrofit::Result<::std::string::String>;

        #[post("/form")]
        #[form]
        async fn form(
            &self,
            #[field] a: &str,
            #[field_map] rest: &::std::collections::BTreeMap<&str, &str>,
        ) -> ::ferrofit::Result<()>;

        #[post("/upload")]
        #[multipart]
        async fn upload(
            &self,
            #[part] file: ::ferrofit::Part,
            #[part] meta: &::serde_json::Value,
            #[progress] progress: &::ferrofit::Progress,
        ) -> ::ferrofit::Result<()>;

        #[get]
        async fn next(&self, #[url] link: &str) -> ::ferrofit::Result<::ferrofit::ByteStream>;

        #[put("/raw")]
        async fn raw(&self, #[body] body: ::ferrofit::Body) -> ::ferrofit::Result<()>;
    }

    pub use self::ShadowedClient as Generated;
}

mod reexported {
    /// A crate that re-exports ferrofit under another name; users of it do not depend on
    /// ferrofit directly, so the generated code must use the path they give.
    pub mod sdk {
        pub use ::ferrofit as http_api;
    }

    mod ferrofit {}

    #[sdk::http_api::rest_api(crate = "self::sdk::http_api", client = Renamed)]
    pub trait ViaReexport {
        #[get("/ping")]
        async fn ping(&self) -> sdk::http_api::Result<()>;
    }
}

use ferrofit::http::Method;
use ferrofit::testing::{MockReply, MockTransport};
use reexported::ViaReexport as _;
use shadows::Shadowed as _;

#[tokio::test]
async fn generated_code_survives_shadowed_names() {
    let mock = MockTransport::new();
    mock.on(Method::GET, "/items/3")
        .query("page", "2")
        .header("x-shadowed", "yes")
        .reply(MockReply::status(200).body("ok"));
    mock.on(Method::GET, "/ping").reply(MockReply::status(204));
    mock.on(Method::POST, "/form").reply(MockReply::status(204));
    mock.on(Method::POST, "/upload")
        .reply(MockReply::status(204));
    mock.on(Method::GET, "/next")
        .reply(MockReply::status(200).body("n"));
    mock.on(Method::PUT, "/raw").reply(MockReply::status(204));
    let client = ferrofit::Client::builder()
        .base_url("http://hygiene.test")
        .transport(mock.clone())
        .build()
        .unwrap();
    let api = shadows::Generated::new(client.clone());
    let token = ferrofit::CancelToken::new();
    assert_eq!(api.item(3, Some(2), &token).await.unwrap(), "ok");
    let rest = [("b", "2")].into_iter().collect();
    api.form("1", &rest).await.unwrap();
    let meta = serde_json::json!({"k": 1});
    let progress = ferrofit::Progress::new();
    api.upload(ferrofit::Part::text("x"), &meta, &progress)
        .await
        .unwrap();
    api.next("/next").await.unwrap();
    api.raw(ferrofit::Body::from("r")).await.unwrap();
    reexported::Renamed::new(client).ping().await.unwrap();
    assert_eq!(mock.requests().len(), 6);
}

#[tokio::test]
async fn generated_mocks_and_descriptions_survive_shadowed_names() {
    let mock = shadows::ShadowedMock::default();
    mock.item()
        .with(|args| args.id == 3 && args.page == Some(2))
        .once()
        .returns("ok".to_owned());
    let api = shadows::Generated::new(mock.client());
    let token = ferrofit::CancelToken::new();
    assert_eq!(api.item(3, Some(2), &token).await.unwrap(), "ok");
    mock.verify();
    let document = shadows::Generated::openapi();
    assert!(document.as_json()["paths"]["/items/{id}"]["get"].is_object());
    let document = reexported::Renamed::openapi();
    assert!(document.as_json()["paths"]["/ping"]["get"].is_object());
}

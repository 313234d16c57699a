//! Contract checks against a real public document: the Swagger Petstore (OpenAPI 3.0, shipped
//! in `fixtures/` as YAML and JSON). A trait written against it passes; deliberately wrong
//! traits get one line per mistake, by trait method.

use std::collections::HashMap;

use ferrofit::Part;
use ferrofit::contract::{self, Spec};
use ferrofit::rest_api;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

fn petstore_yaml() -> Spec {
    Spec::parse(include_str!("../fixtures/petstore-3.0.yaml")).expect("the Petstore YAML parses")
}

fn petstore_json() -> Spec {
    Spec::parse(include_str!("../fixtures/petstore-3.0.json")).expect("the Petstore JSON parses")
}

/// The Petstore's own types, written against its schemas.
#[allow(dead_code)]
mod right {
    use super::*;

    #[derive(Serialize, Deserialize, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    pub(crate) struct Pet {
        pub(crate) id: Option<i64>,
        pub(crate) category: Option<Category>,
        pub(crate) name: String,
        pub(crate) photo_urls: Vec<String>,
        pub(crate) tags: Option<Vec<Category>>,
        pub(crate) status: Option<PetStatus>,
    }

    #[derive(Serialize, Deserialize, JsonSchema)]
    pub(crate) struct Category {
        pub(crate) id: Option<i64>,
        pub(crate) name: Option<String>,
    }

    #[derive(Serialize, Deserialize, JsonSchema)]
    #[serde(rename_all = "lowercase")]
    pub(crate) enum PetStatus {
        Available,
        Pending,
        Sold,
    }

    #[derive(Serialize, Deserialize, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    pub(crate) struct Order {
        pub(crate) id: Option<i64>,
        pub(crate) pet_id: Option<i64>,
        pub(crate) quantity: Option<i32>,
        pub(crate) ship_date: Option<String>,
        pub(crate) status: Option<OrderStatus>,
        pub(crate) complete: Option<bool>,
    }

    #[derive(Serialize, Deserialize, JsonSchema)]
    #[serde(rename_all = "lowercase")]
    pub(crate) enum OrderStatus {
        Placed,
        Approved,
        Delivered,
    }

    #[derive(Deserialize, JsonSchema)]
    pub(crate) struct ApiResponse {
        pub(crate) code: Option<i32>,
        #[serde(rename = "type")]
        pub(crate) kind: Option<String>,
        pub(crate) message: Option<String>,
    }

    /// The login reply is a JSON string.
    #[derive(Deserialize, JsonSchema)]
    #[serde(transparent)]
    pub(crate) struct SessionToken(pub(crate) String);

    #[rest_api]
    pub(crate) trait Petstore {
        #[get("/pet/findByStatus")]
        async fn find_by_status(&self, #[query] status: PetStatus) -> ferrofit::Result<Vec<Pet>>;

        #[get("/pet/<id>")]
        async fn get_pet(&self, id: i64) -> ferrofit::Result<Pet>;

        #[put("/pet")]
        async fn update_pet(&self, #[body] pet: &Pet) -> ferrofit::Result<()>;

        #[post("/pet/<id>")]
        #[form]
        async fn rename_pet(
            &self,
            id: i64,
            #[field] name: Option<&str>,
            #[field] status: Option<&str>,
        ) -> ferrofit::Result<()>;

        #[delete("/pet/<id>")]
        async fn delete_pet(
            &self,
            id: i64,
            #[header("api_key")] api_key: Option<&str>,
        ) -> ferrofit::Result<()>;

        #[post("/pet/<id>/uploadImage")]
        #[multipart]
        async fn upload_image(
            &self,
            id: i64,
            #[part("additionalMetadata")] metadata: Option<&str>,
            #[part] file: Part,
        ) -> ferrofit::Result<ApiResponse>;

        #[get("/store/inventory")]
        async fn inventory(&self) -> ferrofit::Result<HashMap<String, i32>>;

        #[post("/store/order")]
        async fn place_order(&self, #[body] order: &Order) -> ferrofit::Result<Order>;

        #[get("/user/login")]
        #[no_auth]
        async fn login(
            &self,
            #[query] username: &str,
            #[query] password: &str,
        ) -> ferrofit::Result<SessionToken>;

        #[get]
        async fn follow(&self, #[url] url: &str) -> ferrofit::Result<Pet>;
    }
}

/// The same API as someone might get it wrong.
#[allow(dead_code)]
mod wrong {
    use super::*;

    #[derive(Serialize, Deserialize, JsonSchema)]
    pub(crate) struct Pet {
        pub(crate) id: i64,
        pub(crate) name: String,
        pub(crate) photo_urls: Vec<String>,
    }

    #[derive(Serialize, Deserialize, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    pub(crate) struct Order {
        pub(crate) pet_id: i64,
        pub(crate) status: OrderStatus,
    }

    #[derive(Serialize, Deserialize, JsonSchema)]
    #[serde(rename_all = "lowercase")]
    pub(crate) enum OrderStatus {
        Placed,
        Cancelled,
    }

    #[rest_api]
    pub(crate) trait Petstore {
        #[get("/pets/<id>")]
        async fn get_pet(&self, id: i64) -> ferrofit::Result<Pet>;

        #[get("/pet/<id>")]
        async fn get_pet_by_name(&self, id: &str) -> ferrofit::Result<Pet>;

        #[patch("/pet")]
        async fn patch_pet(&self, #[body] pet: &Pet) -> ferrofit::Result<()>;

        #[get("/pet/findByStatus")]
        async fn find_by_status(&self, #[query] state: Option<&str>) -> ferrofit::Result<Vec<Pet>>;

        #[post("/store/order")]
        async fn place_order(&self, #[body] order: &Order) -> ferrofit::Result<Order>;

        #[get("/user/login")]
        async fn login(
            &self,
            #[query] username: Option<&str>,
            #[query] password: &str,
        ) -> ferrofit::Result<String>;

        #[get("/store/inventory")]
        #[no_auth]
        async fn inventory(
            &self,
            #[header("X-Tenant")] tenant: &str,
        ) -> ferrofit::Result<HashMap<String, String>>;

        #[delete("/store/order/<id>")]
        async fn cancel_order(&self, id: i64, #[body] reason: &str) -> ferrofit::Result<()>;
    }
}

#[test]
fn a_trait_written_against_the_petstore_passes() {
    for spec in [petstore_yaml(), petstore_json()] {
        let report = contract::check::<right::PetstoreClient>(&spec);
        println!("{report}");
        report.assert_ok();
        assert_eq!(report.checked(), 9);
        assert_eq!(report.skipped().len(), 1, "the #[url] endpoint: {report}");
    }
}

#[test]
fn each_mistake_is_reported_by_trait_method() {
    let report = contract::check::<wrong::PetstoreClient>(&petstore_yaml());
    println!("{report}");
    // Every mismatch, word for word: a new one, a lost one or a reworded one fails here.
    let expected = [
        "get_pet: GET /pets/{id}: the spec has no such path; did you mean `/pet/{petId}`?",
        "get_pet_by_name: path parameter `id`: the trait sends string, the spec expects integer",
        "get_pet_by_name: reply.id: the trait needs it, but the spec may leave it out (make it an `Option`)",
        "get_pet_by_name: reply.photo_urls: the trait needs it, but the spec's schema has no such field",
        "patch_pet: PATCH /pet: the spec has no PATCH operation here (it has PUT, POST)",
        "find_by_status: query parameter `state`: the spec has no such parameter",
        "find_by_status: query parameter `status`: the spec requires it, but the trait never sends it",
        "find_by_status: reply[].id: the trait needs it, but the spec may leave it out (make it an `Option`)",
        "find_by_status: reply[].photo_urls: the trait needs it, but the spec's schema has no such field",
        "place_order: body.status: the trait may send \"cancelled\", which the spec does not allow (it allows \"placed\", \"approved\", \"delivered\")",
        "place_order: reply.petId: the trait needs it, but the spec may leave it out (make it an `Option`)",
        "place_order: reply.status: the trait needs it, but the spec may leave it out (make it an `Option`)",
        "place_order: reply.status: the spec may send \"approved\", \"delivered\", which the trait cannot decode (it knows \"placed\", \"cancelled\")",
        "login: query parameter `username`: the spec requires it, but the trait may leave it out",
        "login: reply: the trait decodes text/plain, the spec's 200 reply is application/json, application/xml",
        "inventory: security: the spec requires credentials (api_key), but the trait marks it #[no_auth]",
        "inventory: reply{}: the spec may send integer, the trait decodes string",
        "cancel_order: body: the trait sends text/plain, but the spec's operation takes no body",
        // A header the document does not name is sent anyway: a note, not a mismatch.
        "inventory: note: header parameter `X-Tenant`: the spec does not name it; the trait sends it anyway",
    ];
    let shown = report.to_string();
    let lines: Vec<&str> = shown.lines().skip(1).map(str::trim).collect();
    assert_eq!(lines, expected, "{report}");
    assert_eq!(report.mismatches().len(), expected.len() - 1);
    assert!(!report.is_ok());
}

#[test]
fn yaml_and_json_give_the_same_report() {
    let yaml = contract::check::<wrong::PetstoreClient>(&petstore_yaml()).to_string();
    let json = contract::check::<wrong::PetstoreClient>(&petstore_json()).to_string();
    assert_eq!(yaml, json);
}

#[test]
fn a_trait_agrees_with_its_own_export() {
    let own = Spec::from_json(right::PetstoreClient::openapi().into_json()).expect("3.1");
    contract::check::<right::PetstoreClient>(&own).assert_ok();
}

#[test]
fn documents_that_cannot_be_checked_are_refused_clearly() {
    let error = Spec::parse("swagger: '2.0'\ninfo: {title: x, version: '1'}").unwrap_err();
    assert!(error.to_string().contains("Swagger 2.0"), "{error}");
    let error = Spec::parse("{\"openapi\": 3").unwrap_err();
    assert!(error.to_string().starts_with("invalid JSON"), "{error}");
}

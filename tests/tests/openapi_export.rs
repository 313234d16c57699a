//! The OpenAPI 3.1 export of a trait: what the document says about each kind of parameter,
//! body and reply, and that an independent validator (`openapi-spec-validator`) accepts it.

mod support;

use ferrofit::rest_api;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

#[derive(Serialize, Deserialize, JsonSchema)]
struct Pet {
    id: u64,
    name: String,
    tag: Option<String>,
}

#[derive(Serialize, JsonSchema)]
struct NewPet {
    name: String,
}

#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
enum Status {
    Available,
    Sold,
}

/// Not `JsonSchema`: described with an open schema and a note.
#[derive(Serialize)]
struct Opaque {
    blob: String,
}

#[derive(Serialize, JsonSchema)]
struct Filter {
    limit: Option<u32>,
    owner: String,
}

/// The pet store.
///
/// Sample API for the export tests.
#[allow(dead_code)]
#[rest_api]
#[headers("Accept: application/json")]
trait PetApi {
    /// Find a pet by id.
    ///
    /// Returns 404 when there is none.
    #[get("/pets/<id>")]
    async fn get_pet(&self, id: u64) -> ferrofit::Result<Pet>;

    /// List pets.
    #[get("/pets?sort=name")]
    #[no_auth]
    async fn list_pets(
        &self,
        #[query] status: Option<Status>,
        #[query] tags: &[String],
        #[query] limit: u32,
        #[header("X-Request-Id")] request_id: Option<&str>,
    ) -> ferrofit::Result<Vec<Pet>>;

    #[post("/pets")]
    #[headers("X-Client: tests", "X-Request-Id: fixed")]
    async fn create_pet(
        &self,
        #[body] pet: &NewPet,
        #[header("X-Request-Id")] request_id: &str,
    ) -> ferrofit::Result<Pet>;

    #[put("/pets/<id>/blob")]
    async fn put_blob(&self, id: u64, #[body] blob: &Opaque) -> ferrofit::Result<()>;

    #[deprecated]
    #[delete("/pets/<id>")]
    async fn delete_pet(&self, id: u64) -> ferrofit::Result<()>;

    #[get("/pets/search")]
    async fn search(&self, #[query_map] filter: &Filter) -> ferrofit::Result<Vec<Pet>>;

    #[post("/login")]
    #[form]
    #[no_auth]
    async fn login(
        &self,
        #[field] user: &str,
        #[field] password: &str,
        #[field] remember: Option<bool>,
    ) -> ferrofit::Result<String>;

    #[post("/pets/<id>/photos")]
    #[multipart]
    async fn upload_photo(
        &self,
        id: u64,
        #[part] caption: &str,
        #[part] meta: &NewPet,
        #[part] photo: ferrofit::Part,
        #[part] extra: Vec<ferrofit::Part>,
    ) -> ferrofit::Result<()>;

    #[get("/pets/<id>/photo")]
    async fn download_photo(&self, id: u64) -> ferrofit::Result<ferrofit::ByteStream>;

    #[get]
    async fn next_page(&self, #[url] url: &str) -> ferrofit::Result<Vec<Pet>>;
}

fn document() -> Value {
    PetApiClient::openapi().into_json()
}

fn operation(doc: &Value, path: &str, method: &str) -> Value {
    doc["paths"][path][method].clone()
}

#[test]
fn operations_carry_ids_summaries_security_and_deprecation() {
    let doc = document();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["info"]["title"], "PetApi");
    assert_eq!(
        doc["info"]["description"],
        "The pet store.\n\nSample API for the export tests."
    );
    let get = operation(&doc, "/pets/{id}", "get");
    assert_eq!(get["operationId"], "get_pet");
    assert_eq!(get["summary"], "Find a pet by id.");
    assert_eq!(
        get["description"],
        "Find a pet by id.\n\nReturns 404 when there is none."
    );
    assert_eq!(get["security"], json!([{"bearerAuth": []}]));
    assert_eq!(
        doc["components"]["securitySchemes"]["bearerAuth"]["scheme"],
        "bearer"
    );
    assert_eq!(operation(&doc, "/pets", "get")["security"], json!([]));
    assert_eq!(operation(&doc, "/pets/{id}", "delete")["deprecated"], true);
}

#[test]
fn parameters_keep_their_place_type_and_optionality() {
    let doc = document();
    let params = operation(&doc, "/pets", "get")["parameters"].clone();
    let by_name = |name: &str| {
        params
            .as_array()
            .and_then(|a| a.iter().find(|p| p["name"] == name))
            .cloned()
            .unwrap_or_else(|| panic!("no parameter {name} in {params}"))
    };
    assert_eq!(
        by_name("sort"),
        json!({"name": "sort", "in": "query", "required": true, "schema": {"type": "string", "const": "name"}})
    );
    assert_eq!(by_name("status")["required"], false);
    assert_eq!(
        by_name("status")["schema"]["$ref"],
        "#/components/schemas/Status"
    );
    assert_eq!(by_name("tags")["required"], false);
    assert_eq!(
        by_name("tags")["schema"],
        json!({"type": "array", "items": {"type": "string"}})
    );
    assert_eq!(by_name("limit")["required"], true);
    assert_eq!(by_name("limit")["schema"]["type"], "integer");
    assert_eq!(by_name("X-Request-Id")["in"], "header");
    assert_eq!(by_name("X-Request-Id")["required"], false);
    let path_param = &operation(&doc, "/pets/{id}", "get")["parameters"][0];
    assert_eq!(path_param["in"], "path");
    assert_eq!(path_param["required"], true);
    let map = &operation(&doc, "/pets/search", "get")["parameters"][0];
    assert_eq!(
        (map["style"].as_str(), map["explode"].as_bool()),
        (Some("form"), Some(true))
    );
}

#[test]
fn bodies_and_replies_have_their_content_types() {
    let doc = document();
    let create = operation(&doc, "/pets", "post");
    assert_eq!(
        create["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/NewPet"
    );
    assert_eq!(
        create["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/Pet"
    );
    // A fixed header is a one-value parameter, unless an argument of the same name replaces it.
    assert_eq!(
        create["parameters"],
        json!([
            {"name": "X-Client", "in": "header", "required": true, "schema": {"type": "string", "const": "tests"}},
            {"name": "X-Request-Id", "in": "header", "required": true, "schema": {"type": "string"}},
        ])
    );
    let login = operation(&doc, "/login", "post");
    let form = &login["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"];
    assert_eq!(form["required"], json!(["user", "password"]));
    assert_eq!(form["properties"]["remember"]["type"], "boolean");
    assert_eq!(
        login["responses"]["200"]["content"]["text/plain"]["schema"]["type"],
        "string"
    );
    let upload = &operation(&doc, "/pets/{id}/photos", "post")["requestBody"]["content"]["multipart/form-data"];
    assert_eq!(upload["schema"]["properties"]["caption"]["type"], "string");
    assert_eq!(
        upload["schema"]["properties"]["photo"]["contentMediaType"],
        "application/octet-stream"
    );
    assert_eq!(upload["schema"]["properties"]["extra"]["type"], "array");
    assert_eq!(
        upload["encoding"]["meta"]["contentType"],
        "application/json"
    );
    let download = operation(&doc, "/pets/{id}/photo", "get");
    assert!(download["responses"]["200"]["content"]["application/octet-stream"].is_object());
    let delete = operation(&doc, "/pets/{id}", "delete");
    assert!(delete["responses"]["200"]["content"].is_null());
}

#[test]
fn what_cannot_be_described_is_noted_not_a_compile_error() {
    let doc = document();
    let blob = &operation(&doc, "/pets/{id}/blob", "put")["requestBody"]["content"]["application/json"]
        ["schema"];
    assert!(
        blob["description"]
            .as_str()
            .is_some_and(|d| d.contains("Opaque")),
        "{blob}"
    );
    let notes = doc["x-ferrofit-notes"].to_string();
    assert!(
        notes.contains("Opaque` does not implement `schemars::JsonSchema`"),
        "{notes}"
    );
    assert!(
        notes.contains("`next_page` takes its URL at run time"),
        "{notes}"
    );
}

/// `openapi-spec-validator` (PyPI), which `.ci/run` installs, accepts the document.
#[test]
fn an_independent_validator_accepts_the_document() {
    let dir = support::TempDir::new();
    let path = dir.path().join("petapi.json");
    std::fs::write(&path, PetApiClient::openapi().to_string()).expect("write the document");
    support::tools::assert_valid_openapi(&path);
}

#[test]
fn the_printed_document_is_the_document_with_its_keys_in_reading_order() {
    let document = PetApiClient::openapi().with_server("https://pets.example.com/v1");
    let text = document.to_string();
    let reparsed: Value = serde_json::from_str(&text).expect("printed JSON parses");
    assert_eq!(&reparsed, document.as_json());
    let position = |key: &str| text.find(&format!("\n  \"{key}\"")).unwrap_or(usize::MAX);
    assert!(position("openapi") < position("info"));
    assert!(position("info") < position("servers"));
    assert!(position("servers") < position("paths"));
    assert!(position("paths") < position("components"));
    assert!(position("components") < position("x-ferrofit-notes"));
}

#[rest_api]
#[allow(dead_code)]
// `&Vec` on purpose: each spelling of a sequence must be described as an array.
#[allow(clippy::ptr_arg)]
trait Arrays {
    #[put("/labels")]
    async fn labels(&self, #[body] labels: &[&str]) -> ferrofit::Result<()>;

    #[put("/names")]
    async fn names(&self, #[body] names: &Vec<String>) -> ferrofit::Result<()>;

    #[put("/ids")]
    async fn ids(&self, #[body] ids: &[u32]) -> ferrofit::Result<()>;

    #[put("/maybe")]
    async fn maybe(&self, #[body] ids: Option<&[u32]>) -> ferrofit::Result<()>;
}

#[test]
fn array_bodies_are_arrays_of_their_items() {
    let doc = ArraysClient::openapi().into_json();
    let body = |path: &str| {
        doc["paths"][path]["put"]["requestBody"]["content"]["application/json"]["schema"].clone()
    };
    assert_eq!(
        body("/labels"),
        serde_json::json!({"type": "array", "items": {"type": "string"}})
    );
    assert_eq!(
        body("/names"),
        serde_json::json!({"type": "array", "items": {"type": "string"}})
    );
    assert_eq!(body("/ids")["type"], "array");
    assert_eq!(body("/ids")["items"]["type"], "integer");
    assert_eq!(body("/maybe")["type"], "array");
}

#[test]
fn the_security_scheme_is_the_one_the_client_really_uses() {
    use ferrofit::auth::StaticAuth;
    let build =
        |builder: ferrofit::ClientBuilder| builder.base_url("https://api.test").build().unwrap();
    let security = |client: &ferrofit::Client| {
        let doc = PetApiClient::openapi().with_client_auth(client).into_json();
        (
            doc["components"]["securitySchemes"].clone(),
            doc["paths"]["/pets/{id}"]["get"]["security"].clone(),
        )
    };
    let basic = build(ferrofit::Client::builder().interceptor(StaticAuth::basic("ada", "pw")));
    assert_eq!(
        security(&basic),
        (
            serde_json::json!({"basicAuth": {"type": "http", "scheme": "basic"}}),
            serde_json::json!([{"basicAuth": []}])
        )
    );
    let keyed = build(ferrofit::Client::builder().default_header("X-Api-Key", "k3y"));
    let text = PetApiClient::openapi().with_client_auth(&keyed).to_string();
    assert!(
        !text.contains("k3y"),
        "the key itself is never written: {text}"
    );
    let bearer = build(ferrofit::Client::builder().default_header("Authorization", "Bearer t0k3n"));
    let text = PetApiClient::openapi()
        .with_client_auth(&bearer)
        .to_string();
    assert!(
        text.contains("\"bearerAuth\"") && !text.contains("t0k3n"),
        "{text}"
    );
    assert_eq!(
        security(&keyed).0,
        serde_json::json!({"apiKeyHeader_x-api-key": {"type": "apiKey", "in": "header", "name": "x-api-key"}})
    );
    let open = build(ferrofit::Client::builder());
    assert_eq!(security(&open), (Value::Null, serde_json::json!([])));
    let doc = PetApiClient::openapi().with_client_auth(&open).into_json();
    assert!(doc["components"].get("securitySchemes").is_none());
}

#[derive(Serialize, Deserialize, JsonSchema)]
struct Listing<T> {
    data: Vec<T>,
    has_more: bool,
}

#[derive(Serialize, Deserialize, JsonSchema)]
struct Charge {
    id: String,
}

#[derive(Serialize, Deserialize, JsonSchema)]
struct Refund {
    id: String,
}

#[rest_api]
#[allow(dead_code)]
trait Lists {
    #[get("/charges")]
    async fn charges(&self) -> ferrofit::Result<Listing<Charge>>;

    #[get("/refunds")]
    async fn refunds(&self) -> ferrofit::Result<Listing<Refund>>;
}

#[test]
fn generic_schemas_are_named_after_their_arguments() {
    let doc = ListsClient::openapi().into_json();
    let reply = |path: &str| {
        doc["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
            .clone()
    };
    assert_eq!(reply("/charges"), "#/components/schemas/Listing_Charge");
    assert_eq!(reply("/refunds"), "#/components/schemas/Listing_Refund");
    // Every reference still points at a definition.
    let dir = support::TempDir::new();
    let path = dir.path().join("lists.json");
    std::fs::write(&path, ListsClient::openapi().to_string()).expect("write the document");
    support::tools::assert_valid_openapi(&path);
}

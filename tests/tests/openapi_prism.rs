//! Contract test of the OpenAPI export: `prism mock`, a validating mock server we did not
//! write, serves the document of a sample trait; every endpoint is called through the
//! generated client. Prism answers 422 to a request that violates the document, so each
//! success shows the client sends what the document says; its example replies must decode
//! into the return types.

mod support;

use ferrofit::auth::{AuthInterceptor, MemoryTokenStore, Tokens};
use ferrofit::rest_api;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
struct Pet {
    id: u64,
    name: String,
    tag: Option<String>,
    status: Status,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
struct NewPet {
    name: String,
    tags: Vec<String>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
enum Status {
    Available,
    Pending,
    Sold,
}

#[derive(Serialize, JsonSchema)]
struct Page {
    limit: u32,
    offset: Option<u32>,
}

/// A pet store, called through prism. (With a trait-wide `Accept: application/json`, prism
/// answers `rename`, which returns text, with 406: the document is that precise.)
#[rest_api]
trait PetStore {
    #[get("/pets/<id>")]
    async fn get_pet(&self, id: u64) -> ferrofit::Result<Pet>;

    #[get("/pets?view=full")]
    #[no_auth]
    async fn list_pets(
        &self,
        #[query] status: Option<Status>,
        #[query] tags: &[String],
        #[query] limit: u32,
        #[header("X-Request-Id")] request_id: &str,
    ) -> ferrofit::Result<Vec<Pet>>;

    #[get("/pets/page")]
    async fn page(&self, #[query_map] page: &Page) -> ferrofit::Result<Vec<Pet>>;

    #[post("/pets")]
    async fn create_pet(&self, #[body] pet: &NewPet) -> ferrofit::Result<Pet>;

    #[put("/pets/<id>/name")]
    async fn rename(&self, id: u64, #[body] name: &str) -> ferrofit::Result<String>;

    #[delete("/pets/<id>")]
    async fn delete_pet(&self, id: u64) -> ferrofit::Result<()>;

    #[post("/login")]
    #[form]
    #[no_auth]
    async fn login(
        &self,
        #[field] user: &str,
        #[field] password: &str,
        #[field] remember: Option<bool>,
    ) -> ferrofit::Result<String>;

    #[put("/pets/<id>/photo")]
    async fn put_photo(&self, id: u64, #[body] photo: Vec<u8>) -> ferrofit::Result<()>;

    #[get("/pets/<id>/photo")]
    async fn get_photo(&self, id: u64) -> ferrofit::Result<ferrofit::Bytes>;

    #[post("/pets/<id>/photos")]
    #[multipart]
    async fn upload_photo(
        &self,
        id: u64,
        #[part] caption: &str,
        #[part] photo: ferrofit::Part,
    ) -> ferrofit::Result<()>;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prism_accepts_every_request_and_its_examples_decode() {
    let dir = support::TempDir::new();
    let spec = dir.path().join("petstore.json");
    std::fs::write(&spec, PetStoreClient::openapi().to_string()).expect("write the document");
    support::tools::assert_valid_openapi(&spec);
    let Some(prism) = support::prism::Prism::start(&spec) else {
        return;
    };
    let store = std::sync::Arc::new(MemoryTokenStore::with_tokens(Tokens::new("t0k3n")));
    let refresher = |_: Tokens| async { Err(ferrofit::Error::invalid_request("no refresh")) };
    let client = ferrofit::Client::builder()
        .base_url(prism.base_url())
        .interceptor(AuthInterceptor::new(store, refresher))
        .build()
        .expect("client");
    let api = PetStoreClient::new(client);

    let pet = api.get_pet(7).await.expect("get_pet");
    println!("get_pet: {pet:?}");
    let tags = ["a b".to_owned(), "c".to_owned()];
    let pets = api
        .list_pets(Some(Status::Sold), &tags, 10, "req-1")
        .await
        .expect("list_pets");
    println!("list_pets: {pets:?}");
    api.list_pets(None, &[], 1, "req-2")
        .await
        .expect("list_pets, optional ones left out");
    api.page(&Page {
        limit: 5,
        offset: Some(10),
    })
    .await
    .expect("page");
    let new_pet = NewPet {
        name: "Rex".into(),
        tags: vec!["dog".into()],
    };
    let created = api.create_pet(&new_pet).await.expect("create_pet");
    println!("create_pet: {created:?}");
    let renamed = api.rename(7, "Max").await.expect("rename");
    println!("rename: {renamed:?}");
    api.delete_pet(7).await.expect("delete_pet");
    let token = api.login("ada", "p&ss w", Some(true)).await.expect("login");
    println!("login: {token:?}");
    api.put_photo(7, b"\x89PNG\r\n".to_vec())
        .await
        .expect("put_photo");
    let bytes = api.get_photo(7).await.expect("get_photo");
    println!("get_photo: {} bytes", bytes.len());
    let photo = ferrofit::Part::bytes(&b"\x89PNG\r\n"[..]).file_name("rex.png");
    api.upload_photo(7, "Rex at the beach", photo)
        .await
        .expect("upload_photo");
}

/// The check above can fail: a request the document does not allow gets prism's 422.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prism_rejects_a_request_that_violates_the_document() {
    let dir = support::TempDir::new();
    let spec = dir.path().join("petstore.json");
    std::fs::write(&spec, PetStoreClient::openapi().to_string()).expect("write the document");
    let Some(prism) = support::prism::Prism::start(&spec) else {
        return;
    };
    // Without a token, and with a limit that is not a number.
    let url = format!("{}pets?view=full&limit=many", prism.base_url());
    let client = ferrofit::Client::builder()
        .base_url(prism.base_url())
        .build()
        .expect("client");
    let request = ferrofit::Request::new(ferrofit::http::Method::GET, url.parse().expect("url"));
    let reply = client.send(request).await.expect("prism answers");
    assert_eq!(reply.status().as_u16(), 422, "prism validates requests");
}

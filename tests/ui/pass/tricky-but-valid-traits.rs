//! Valid traits that push on the edges: explicit lifetimes, raw identifiers, renamed path
//! parameters, provided helper methods, other error types, renamed clients, `Response<String>`,
//! owned and optional cancel tokens, lint attributes, relative and empty paths, endpoints
//! configured out with `cfg` (their types need not exist), `cfg_attr` and `deprecated`.

use ferrofit::{Bytes, CancelToken, Response};

#[derive(Debug)]
pub struct AppError(ferrofit::Error);

impl From<ferrofit::Error> for AppError {
    fn from(error: ferrofit::Error) -> Self {
        Self(error)
    }
}

#[derive(serde::Deserialize)]
pub struct User {
    pub name: String,
}

/// A crate's own `Result` alias, as GitHub or Stripe clients write them.
pub type GhResult<T> = std::result::Result<T, AppError>;

/// Documented trait.
#[ferrofit::rest_api(client = Users)]
#[headers("Accept: application/json")]
pub(crate) trait UserApi: Send + Sync {
    /// Documented endpoint.
    #[get("/users/<type>/{id}")]
    #[allow(clippy::needless_lifetimes)]
    async fn by_kind<'a>(&'a self, r#type: &'a str, #[path("id")] user_id: u64) -> ferrofit::Result<User>;

    #[get("users")]
    async fn relative(&self) -> std::result::Result<Vec<User>, AppError>;

    #[get("users")]
    async fn aliased(&self) -> GhResult<Vec<User>>;

    #[get("")]
    async fn root(&self) -> Result<Response<String>, AppError>;

    #[delete("/users/<id>")]
    #[timeout(ms = 1500)]
    async fn delete(&self, id: u64, #[cancel] cancel: CancelToken) -> ferrofit::Result<()>;

    #[get("/avatar/<id>")]
    async fn avatar(&self, id: u64, #[cancel] cancel: Option<&CancelToken>) -> ferrofit::Result<Bytes>;

    #[http(method = "LIST", path = "/users?all=true")]
    async fn list_all(&self) -> ferrofit::Result<Response<Option<Vec<User>>>>;

    /// Configured out: gone from the client, the mock and the description, so its types
    /// need not exist.
    #[cfg(any())]
    #[get("/gone")]
    async fn gone(&self, #[query] filter: NoSuchFilter) -> ferrofit::Result<NoSuchType>;

    #[cfg_attr(all(), doc = "Documented through `cfg_attr`.")]
    #[get("/kept")]
    async fn kept(&self) -> ferrofit::Result<()>;

    /// Deprecated: its mock method is too.
    #[deprecated(note = "use `by_kind`")]
    #[get("/old")]
    async fn old(&self) -> ferrofit::Result<()>;

    /// A provided method is not an endpoint: it is kept as written.
    async fn name_of(&self, id: u64) -> ferrofit::Result<String> {
        Ok(self.by_kind("person", id).await?.name)
    }
}

fn main() {
    fn assert_client<T: Clone + std::fmt::Debug + Send + Sync + 'static>() {}
    assert_client::<Users>();
    let client = ferrofit::Client::builder()
        .base_url("http://localhost:1")
        .build()
        .expect("valid");
    let users = Users::new(client);
    let document = Users::openapi().into_json().to_string();
    assert!(document.contains("/kept") && !document.contains("/gone"), "{document}");
    let _ = users.client();
}

//! The API of the quickstart example, shared with the contracts example, which exports it as
//! OpenAPI, checks it and mocks it.

use ferrofit::{CancelToken, rest_api};
use schemars::JsonSchema;
use serde::Serialize;

use crate::demo_server::User;

/// A user to create.
#[derive(Serialize, JsonSchema)]
pub struct NewUser<'a> {
    /// Display name.
    pub name: &'a str,
    /// E-mail address.
    pub email: &'a str,
    /// Free-form tags.
    pub tags: &'a [&'a str],
}

/// The demo API's users.
#[rest_api]
#[headers("Accept: application/json")]
pub trait UserApi {
    /// Fetch one user.
    #[get("/users/<id>")]
    async fn get_user(&self, id: u64) -> ferrofit::Result<User>;

    /// List users, a page at a time, optionally by tag.
    #[get("/users")]
    async fn list_users(
        &self,
        #[query] page: Option<u32>,
        #[query("per-page")] per_page: u32,
        #[query] tag: &[&str],
    ) -> ferrofit::Result<Vec<User>>;

    /// Create a user.
    #[post("/users")]
    #[headers("X-Source: quickstart")]
    async fn create_user(
        &self,
        #[body] user: &NewUser<'_>,
        #[header("X-Request-Id")] request_id: &str,
    ) -> ferrofit::Result<User>;

    /// Delete a user.
    #[delete("/users/{id}")]
    async fn delete_user(&self, id: u64, #[cancel] cancel: &CancelToken) -> ferrofit::Result<()>;

    /// Is the service up?
    #[head("/health")]
    #[no_auth]
    async fn health(&self) -> ferrofit::Result<ferrofit::Response<()>>;

    /// An endpoint that takes its time.
    #[get("/slow")]
    async fn slow(&self, #[cancel] cancel: &CancelToken) -> ferrofit::Result<String>;
}

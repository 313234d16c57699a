//! The trait stays a real trait: tests implement it with plain `async fn`, and calls on the
//! generated client are `Send`, so they can be spawned on a multi-threaded runtime.

#[derive(Debug, serde::Deserialize)]
pub struct User {
    pub id: u64,
}

#[ferrofit::rest_api]
pub trait UserApi {
    #[get("/users/<id>")]
    async fn get_user(&self, id: &str) -> ferrofit::Result<User>;
}

struct FakeUsers;

impl UserApi for FakeUsers {
    async fn get_user(&self, id: &str) -> ferrofit::Result<User> {
        Ok(User { id: id.parse().map_err(|_| ferrofit::Error::invalid_request("bad id"))? })
    }
}

async fn first_user(api: &impl UserApi) -> ferrofit::Result<u64> {
    Ok(api.get_user("1").await?.id)
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        assert_eq!(first_user(&FakeUsers).await.unwrap(), 1);

        let client = ferrofit::Client::builder()
            .base_url("http://127.0.0.1:1")
            .build()
            .unwrap();
        let api = UserApiClient::new(client);
        // The trait's futures may borrow their arguments (so that mocks can be plain
        // `async fn`); to spawn, move a cheap clone of the client in.
        let handle = tokio::spawn({
            let api = api.clone();
            async move { api.get_user("7").await }
        });
        assert!(handle.await.unwrap().is_err(), "nothing listens on port 1");
    });
}

use serde::Deserialize;

/// Decoded by the client, but never serialized: a typed reply cannot be written.
#[derive(Deserialize)]
struct User {
    id: u64,
}

#[ferrofit::rest_api]
trait UserApi {
    #[get("/users/<id>")]
    async fn get_user(&self, id: u64) -> ferrofit::Result<User>;
}

fn main() {
    let mock = UserApiMock::new();
    mock.get_user().returns(User { id: 1 });
}

use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
struct User {
    id: u64,
}

/// Sent as JSON, never read back: a matcher cannot decode it.
#[derive(Serialize)]
struct NewUser {
    name: String,
}

#[ferrofit::rest_api]
trait UserApi {
    #[post("/users")]
    async fn create_user(&self, #[body] user: &NewUser) -> ferrofit::Result<User>;
}

fn main() {
    let mock = UserApiMock::new();
    mock.create_user().with(|args| args.user.name == "Ada").returns(User { id: 1 });
}

use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
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
    // `get_user` has no `name` argument.
    mock.get_user().with(|args| args.name == "Ada").returns(User { id: 1 });
}

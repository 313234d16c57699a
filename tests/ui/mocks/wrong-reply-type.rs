use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
struct User {
    id: u64,
}

#[ferrofit::rest_api]
trait UserApi {
    #[get("/users/<id>")]
    async fn get_user(&self, id: u64) -> ferrofit::Result<User>;

    #[get("/users/count")]
    async fn count(&self) -> ferrofit::Result<u64>;
}

fn main() {
    let mock = UserApiMock::new();
    // The endpoint returns a `User`, not a list of them.
    mock.get_user().returns(vec![User { id: 1 }]);
    // Nor does `count` return text.
    mock.count().returns("12".to_owned());
}

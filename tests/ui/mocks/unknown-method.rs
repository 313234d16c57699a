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
    // A method the trait does not have: a typo, or one renamed in the trait.
    mock.get_usr().returns(User { id: 1 });
}

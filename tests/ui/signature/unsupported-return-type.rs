struct User;
type UserResult = Result<User, ferrofit::Error>;

#[ferrofit::rest_api]
trait Api {
    #[get("/users/<id>")]
    async fn plain(&self, id: u64) -> User;

    #[get("/users")]
    async fn nothing(&self);

    #[get("/users")]
    async fn option(&self) -> Option<User>;

    // An alias without the success type as its first argument cannot be read.
    #[get("/users")]
    async fn opaque_alias(&self) -> UserResult;
}

fn main() {}

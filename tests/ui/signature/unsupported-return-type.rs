struct User;

#[ferrofit::rest_api]
trait Api {
    #[get("/users/<id>")]
    async fn plain(&self, id: u64) -> User;

    #[get("/users")]
    async fn nothing(&self);

    #[get("/users")]
    async fn option(&self) -> Option<User>;
}

fn main() {}

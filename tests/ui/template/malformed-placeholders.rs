#[ferrofit::rest_api]
trait Api {
    #[get("/users/<id")]
    async fn unclosed(&self, id: u64) -> ferrofit::Result<()>;

    #[get("/users/<>")]
    async fn empty(&self) -> ferrofit::Result<()>;

    #[get("/users/{user-id}")]
    async fn not_an_identifier(&self) -> ferrofit::Result<()>;

    #[get("/users/id}")]
    async fn unopened(&self) -> ferrofit::Result<()>;
}

fn main() {}

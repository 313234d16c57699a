#[ferrofit::rest_api]
trait Api {
    #[get("/users/<id>")]
    async fn get(&self, id: u64, #[path("org")] org: &str) -> ferrofit::Result<()>;

    #[get("/users/<id>")]
    async fn twice(&self, id: u64, #[path("id")] again: u64) -> ferrofit::Result<()>;
}

fn main() {}

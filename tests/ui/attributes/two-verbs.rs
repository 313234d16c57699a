#[ferrofit::rest_api]
trait Api {
    #[get("/users")]
    #[post("/users")]
    async fn users(&self) -> ferrofit::Result<()>;
}

fn main() {}

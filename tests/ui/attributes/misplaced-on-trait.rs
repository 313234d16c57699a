#[ferrofit::rest_api]
#[get("/users")]
trait Api {
    #[get("/users")]
    async fn users(&self) -> ferrofit::Result<()>;
}

fn main() {}

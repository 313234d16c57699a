#[ferrofit::rest_api]
trait Api {
    #[get("/users")]
    async fn list(&self, page: u32) -> ferrofit::Result<()>;
}

fn main() {}

#[ferrofit::rest_api]
trait Api {
    #[get("/users")]
    async fn list(&self, #[query] #[header("X-Page")] page: u32) -> ferrofit::Result<()>;
}

fn main() {}

#[ferrofit::rest_api]
trait Api {
    #[get("/search?q=<q>")]
    async fn search(&self, q: &str) -> ferrofit::Result<()>;
}

fn main() {}

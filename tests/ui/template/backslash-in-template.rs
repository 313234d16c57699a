#[ferrofit::rest_api]
trait Api {
    #[get("/files\\..\\admin/<name>")]
    async fn traversal(&self, name: &str) -> ferrofit::Result<()>;
}

fn main() {}

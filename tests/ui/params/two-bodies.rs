#[ferrofit::rest_api]
trait Api {
    #[post("/users")]
    async fn create(&self, #[body] name: &str, #[body] email: &str) -> ferrofit::Result<()>;
}

fn main() {}

#[ferrofit::rest_api]
trait Api {
    #[get("/users")]
    async fn get(&self, #[body] filter: &str) -> ferrofit::Result<()>;

    #[head("/users")]
    async fn head(&self, #[body] filter: &str) -> ferrofit::Result<()>;

    #[options("/users")]
    async fn options(&self, #[body] filter: &str) -> ferrofit::Result<()>;

    #[http(method = "SEARCH", path = "/users")]
    async fn search(&self, #[body] filter: &str) -> ferrofit::Result<()>;
}

fn main() {}

#[ferrofit::rest_api]
trait Api {
    #[get("/a")]
    #[timeout(minutes = 1)]
    async fn unit(&self) -> ferrofit::Result<()>;

    #[get("/b")]
    #[timeout(secs = 0)]
    async fn zero(&self) -> ferrofit::Result<()>;

    #[get("/c")]
    #[timeout]
    async fn missing(&self) -> ferrofit::Result<()>;
}

fn main() {}

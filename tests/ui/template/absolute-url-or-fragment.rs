#[ferrofit::rest_api]
trait Api {
    #[get("https://api.example.com/users")]
    async fn absolute(&self) -> ferrofit::Result<()>;

    #[get("/docs#intro")]
    async fn fragment(&self) -> ferrofit::Result<()>;

    #[get("/a/../admin")]
    async fn dot_dot(&self) -> ferrofit::Result<()>;
}

fn main() {}

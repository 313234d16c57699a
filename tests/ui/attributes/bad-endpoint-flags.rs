#[ferrofit::rest_api]
trait Api {
    #[get("/a")]
    #[retry(max = 0)]
    async fn zero_attempts(&self) -> ferrofit::Result<()>;

    #[get("/b")]
    #[retry(sometimes)]
    async fn unknown_mode(&self) -> ferrofit::Result<()>;

    #[get("/c")]
    #[retry(never, max = 3)]
    async fn both(&self) -> ferrofit::Result<()>;

    #[post("/d")]
    #[no_auth(please)]
    #[idempotent = true]
    async fn flags_with_arguments(&self) -> ferrofit::Result<()>;

    #[get("/e")]
    #[retyr(max = 2)]
    async fn misspelt(&self) -> ferrofit::Result<()>;
}

fn main() {}

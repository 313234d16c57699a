#[ferrofit::rest_api]
trait Api {
    #[get("/a")]
    #[cache(policy = "forced")]
    async fn unknown_policy(&self) -> ferrofit::Result<()>;

    #[get("/b")]
    #[cache(max_stale = "7 days")]
    async fn bad_duration(&self) -> ferrofit::Result<()>;

    #[get("/c")]
    #[cache(never, policy = "refresh")]
    async fn never_with_more(&self) -> ferrofit::Result<()>;

    #[get("/d")]
    #[cache]
    async fn empty(&self) -> ferrofit::Result<()>;

    #[get("/e")]
    #[cache(ttl = "1h")]
    async fn unknown_key(&self) -> ferrofit::Result<()>;
}

fn main() {}

#[ferrofit::rest_api]
#[get("/users")]
#[retry(never)]
#[query]
trait Api {
    #[get("/users")]
    async fn users(&self) -> ferrofit::Result<()>;
}

fn main() {}

#[ferrofit::rest_api]
trait Api {
    #[get("/users")]
    async fn no_self() -> ferrofit::Result<()>;

    #[get("/users")]
    async fn mut_self(&mut self) -> ferrofit::Result<()>;

    #[get("/users")]
    async fn owned_self(self) -> ferrofit::Result<()>;
}

fn main() {}

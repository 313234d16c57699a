#[ferrofit::rest_api]
trait Api {
    const VERSION: u32;
    type Item;

    #[get("/users")]
    async fn list(&self) -> ferrofit::Result<()>;
}

fn main() {}

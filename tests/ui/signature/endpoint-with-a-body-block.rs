#[ferrofit::rest_api]
trait Api {
    #[get("/users")]
    async fn list(&self) -> ferrofit::Result<()> {
        Ok(())
    }
}

fn main() {}

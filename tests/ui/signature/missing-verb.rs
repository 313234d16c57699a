#[ferrofit::rest_api]
trait Api {
    async fn list(&self) -> ferrofit::Result<()>;
}

fn main() {}

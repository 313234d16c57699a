#[ferrofit::rest_api]
trait Api {
    #[get("/points")]
    async fn at(&self, #[query] (x, y): (u32, u32)) -> ferrofit::Result<()>;
}

fn main() {}

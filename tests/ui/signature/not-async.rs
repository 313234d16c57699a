#[ferrofit::rest_api]
trait Api {
    #[get("/users")]
    fn list(&self) -> ferrofit::Result<()>;
}

fn main() {}

#[ferrofit::rest_api]
trait Api {
    #[get("/users/<id>/posts/{post}")]
    async fn post(&self, post: u64) -> ferrofit::Result<()>;
}

fn main() {}

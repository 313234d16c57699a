#[derive(Clone)]
struct Tag(&'static str);

#[ferrofit::rest_api]
trait Api {
    #[get("/a")]
    async fn tagged(&self, #[extra] tag: &Tag) -> ferrofit::Result<()>;
}

fn main() {}

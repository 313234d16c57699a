#[ferrofit::rest_api]
trait Api<T> {
    #[get("/users")]
    async fn list<Q: serde::Serialize>(&self, #[query_map] q: Q) -> ferrofit::Result<()>;
}

fn main() {}

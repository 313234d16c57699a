#[ferrofit::rest_api]
trait Api {
    #[get("/users")]
    async fn list(&self, #[cancel] cancel: bool) -> ferrofit::Result<()>;

    #[get("/users")]
    async fn twice(
        &self,
        #[cancel] a: &ferrofit::CancelToken,
        #[cancel] b: &ferrofit::CancelToken,
    ) -> ferrofit::Result<()>;
}

fn main() {}

// Several mistakes in one trait: all are reported at once, each on its own token, and code that
// uses the client sees no follow-on errors.
#[ferrofit::rest_api]
pub trait Api {
    #[get("/users/<id>")]
    async fn get_user(&self) -> ferrofit::Result<()>;

    #[post("/users")]
    fn create_user(&self, #[body] name: &str, #[body] email: &str) -> ferrofit::Result<()>;

    #[get("/search")]
    async fn search(&self, q: &str) -> ferrofit::Result<()>;
}

async fn use_it(api: ApiClient) {
    let _ = api.get_user().await;
    let _ = api.search("x").await;
}

fn main() {
    let _ = use_it;
}

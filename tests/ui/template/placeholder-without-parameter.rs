#[ferrofit::rest_api]
trait Api {
    #[get("/users/<id>/posts/{post}")]
    async fn post(&self, post: u64) -> ferrofit::Result<()>;
}

// Quoted back as the template writes them: `{repo}`, not `<repo>`.
#[ferrofit::rest_api]
trait Repos {
    #[get("/repos/{owner}/{repo}")]
    async fn repo(&self, owner: &str, name: &str) -> ferrofit::Result<()>;
}

fn main() {}

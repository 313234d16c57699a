use ferrofit::rest_api;

#[rest_api]
trait Api {
    #[get("/search")]
    #[form]
    async fn form_on_get(&self, #[field] q: &str) -> ferrofit::Result<()>;

    #[head("/search")]
    #[form]
    async fn form_on_head(&self, #[field] q: &str) -> ferrofit::Result<()>;

    #[post("/login")]
    #[form]
    async fn form_without_fields(&self, #[query] q: &str) -> ferrofit::Result<()>;

    #[post("/login")]
    async fn field_without_form(&self, #[field] user: &str) -> ferrofit::Result<()>;

    #[post("/login")]
    #[form]
    async fn form_and_body(&self, #[field] user: &str, #[body] extra: &str) -> ferrofit::Result<()>;

    #[post("/login")]
    #[form]
    #[multipart]
    async fn form_and_multipart(&self, #[field] user: &str) -> ferrofit::Result<()>;

    #[post("/login")]
    #[form(strict)]
    async fn form_with_arguments(&self, #[field] user: &str, #[field_map(x)] rest: &str) -> ferrofit::Result<()>;
}

fn main() {}

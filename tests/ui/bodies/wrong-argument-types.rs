use ferrofit::rest_api;

struct NotDisplay;

#[rest_api]
trait Api {
    #[get("/files/<name>")]
    async fn not_an_observer(&self, name: &str, #[progress] progress: u32) -> ferrofit::Result<ferrofit::ByteStream>;

    #[get]
    async fn url_not_display(&self, #[url] next: NotDisplay) -> ferrofit::Result<()>;
}

fn main() {}

use ferrofit::rest_api;

#[rest_api]
trait Api {
    #[get("/users")]
    async fn url_and_path(&self, #[url] next: &str) -> ferrofit::Result<()>;

    #[get]
    async fn url_and_path_parameter(&self, #[url] next: &str, #[path] id: u64) -> ferrofit::Result<()>;

    #[get]
    async fn two_urls(&self, #[url] a: &str, #[url] b: &str) -> ferrofit::Result<()>;

    #[get]
    async fn neither_path_nor_url(&self, #[query] page: u32) -> ferrofit::Result<()>;

    #[http(method = "PURGE")]
    async fn http_without_path_or_url(&self) -> ferrofit::Result<()>;

    #[get]
    async fn url_with_arguments(&self, #[url(absolute)] next: &str) -> ferrofit::Result<()>;
}

fn main() {}

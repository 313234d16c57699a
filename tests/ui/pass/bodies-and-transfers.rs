//! Every body and transfer feature compiles together, and the futures stay `Send`.

use ferrofit::{Body, ByteStream, Bytes, Part, Progress, Response, rest_api};
use serde::Serialize;

#[derive(Serialize)]
struct Meta {
    title: String,
}

#[derive(Serialize)]
struct Filters {
    tag: Vec<String>,
}

#[rest_api]
trait Transfers {
    #[post("/login")]
    #[form]
    async fn login(&self, #[field] user: &str, #[field("pass")] password: String, #[field(encoded)] raw: &str, #[field_map] more: &Filters) -> ferrofit::Result<()>;

    #[post("/upload")]
    #[multipart]
    async fn upload(
        &self,
        #[part] title: &str,
        #[part("file")] file: Part,
        #[part] thumbnails: Vec<Part>,
        #[part] note: Option<String>,
        #[part] raw: Bytes,
        #[part] blob: &[u8],
        #[part] meta: &Meta,
        #[part] metas: Vec<Meta>,
        #[progress] progress: &Progress,
    ) -> ferrofit::Result<Response<()>>;

    #[get]
    async fn page(&self, #[url] next: &str, #[query] limit: Option<u32>) -> ferrofit::Result<Vec<u32>>;

    #[get("/files/<name>")]
    async fn download(&self, name: &str, #[progress] progress: Option<&Progress>) -> ferrofit::Result<ByteStream>;

    #[get("/files/<name>")]
    async fn download_with_headers(&self, name: &str) -> ferrofit::Result<Response<ByteStream>>;

    #[put("/files/<name>")]
    async fn put_file(&self, name: &str, #[body] body: Body, #[progress] progress: fn(u64, Option<u64>)) -> ferrofit::Result<()>;

    #[get("/cached")]
    #[cache(policy = "refresh_force_cache", max_stale = "1d12h")]
    async fn cached(&self, #[extra] options: ferrofit::cache::CacheOptions) -> ferrofit::Result<String>;

    #[get("/never")]
    #[cache(never)]
    async fn never(&self) -> ferrofit::Result<String>;

    #[put("/text")]
    async fn put_text(&self, #[body] text: String) -> ferrofit::Result<()>;

    #[put("/bytes")]
    async fn put_bytes(&self, #[body] bytes: &[u8]) -> ferrofit::Result<()>;

    #[http(method = "PROPFIND", body = true)]
    async fn propfind(&self, #[url] target: &ferrofit::Url, #[body] xml: &str) -> ferrofit::Result<String>;
}

fn assert_send<T: Send>(_: T) {}

fn main() {
    let client = ferrofit::Client::builder().base_url("http://localhost").build().unwrap();
    let api = TransfersClient::new(client);
    let progress = Progress::new();
    assert_send(api.upload("t", Part::file("a.png"), vec![], None, Bytes::new(), b"x", &Meta { title: "m".into() }, vec![], &progress));
    assert_send(api.download("n", None));
    assert_send(api.page("/users?page=2", Some(10)));
}

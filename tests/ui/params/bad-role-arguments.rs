#[ferrofit::rest_api]
trait Api {
    #[get("/users")]
    async fn header_without_name(&self, #[header] request_id: &str) -> ferrofit::Result<()>;

    #[get("/users")]
    async fn bad_header_name(&self, #[header("X Request Id")] request_id: &str) -> ferrofit::Result<()>;

    #[get("/users")]
    async fn encoded_header(&self, #[header("X-Id", encoded)] id: &str) -> ferrofit::Result<()>;

    #[get("/users")]
    async fn unknown_option(&self, #[query("page", raw)] page: u32) -> ferrofit::Result<()>;

    #[post("/users")]
    async fn body_with_arguments(&self, #[body(json)] user: &str) -> ferrofit::Result<()>;
}

fn main() {}

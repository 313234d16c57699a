use ferrofit::rest_api;

#[rest_api]
trait Api {
    #[head("/upload")]
    #[multipart]
    async fn multipart_on_head(&self, #[part] file: ferrofit::Part) -> ferrofit::Result<()>;

    #[post("/upload")]
    #[multipart]
    async fn multipart_without_parts(&self) -> ferrofit::Result<()>;

    #[post("/upload")]
    async fn part_without_multipart(&self, #[part] file: ferrofit::Part) -> ferrofit::Result<()>;

    #[post("/upload")]
    #[multipart]
    async fn multipart_and_body(&self, #[part] file: ferrofit::Part, #[body] meta: &str) -> ferrofit::Result<()>;

    #[post("/upload")]
    #[multipart]
    async fn encoded_part(&self, #[part("file", encoded)] file: ferrofit::Part) -> ferrofit::Result<()>;

    #[post("/upload")]
    #[form]
    async fn part_in_a_form(&self, #[field] name: &str, #[part] file: ferrofit::Part) -> ferrofit::Result<()>;
}

fn main() {}

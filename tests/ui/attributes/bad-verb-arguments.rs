#[ferrofit::rest_api]
trait Api {
    #[get]
    async fn no_path(&self) -> ferrofit::Result<()>;

    #[get(42)]
    async fn path_not_a_string(&self) -> ferrofit::Result<()>;

    #[http(method = "PURGE")]
    async fn http_without_path(&self) -> ferrofit::Result<()>;

    #[http(method = "NOT A METHOD", path = "/x")]
    async fn bad_method(&self) -> ferrofit::Result<()>;

    #[http(verb = "GET", path = "/x")]
    async fn unknown_key(&self) -> ferrofit::Result<()>;
}

fn main() {}

#[ferrofit::rest_api]
trait Api {
    #[gett("/users")]
    async fn users(&self) -> ferrofit::Result<()>;

    #[get("/users")]
    #[header("Accept: text/plain")]
    async fn misplaced(&self) -> ferrofit::Result<()>;

    #[get("/users")]
    #[frobnicate]
    async fn unknown(&self) -> ferrofit::Result<()>;
}

fn main() {}

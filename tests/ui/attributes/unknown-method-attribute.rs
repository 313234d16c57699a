#[ferrofit::rest_api]
trait Api {
    // Only the misspelt verb is reported: `id` is a placeholder of the path it names.
    #[gett("/users/<id>")]
    async fn users(&self, id: u64) -> ferrofit::Result<()>;

    #[get("/users")]
    #[header("Accept: text/plain")]
    async fn misplaced(&self) -> ferrofit::Result<()>;

    #[get("/users")]
    #[frobnicate]
    async fn unknown(&self) -> ferrofit::Result<()>;
}

fn main() {}

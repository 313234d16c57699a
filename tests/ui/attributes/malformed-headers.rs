#[ferrofit::rest_api]
#[headers()]
trait Api {
    #[get("/users")]
    #[headers("Accept application/json")]
    async fn no_colon(&self) -> ferrofit::Result<()>;

    #[get("/users")]
    #[headers("Bad Name: x", ": empty")]
    async fn bad_name(&self) -> ferrofit::Result<()>;

    #[get("/users")]
    #[headers("X-Lang: français")]
    async fn non_ascii(&self) -> ferrofit::Result<()>;

    #[get("/users")]
    #[headers(Accept)]
    async fn not_a_string(&self) -> ferrofit::Result<()>;
}

fn main() {}

#[ferrofit::rest_api(clinet = UsersClient)]
trait Api {
    #[get("/users")]
    async fn users(&self) -> ferrofit::Result<()>;
}

#[ferrofit::rest_api]
struct NotATrait;

fn main() {}

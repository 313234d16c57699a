//! Path, query and header arguments whose types cannot be written into a request are
//! reported at the argument.

use ferrofit::rest_api;

/// Neither `Display` nor `Serialize`.
struct Opaque;

#[rest_api]
trait Api {
    #[get("/items/<id>")]
    async fn path(&self, id: Opaque) -> ferrofit::Result<()>;

    #[get("/items")]
    async fn query(&self, #[query] filter: Opaque) -> ferrofit::Result<()>;

    #[get("/items")]
    async fn header(&self, #[header("X-Filter")] filter: &Opaque) -> ferrofit::Result<()>;
}

fn main() {}

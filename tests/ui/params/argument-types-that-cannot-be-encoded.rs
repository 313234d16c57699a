//! Path, query, query-map and header arguments whose types cannot be written into a request,
//! and an `#[extra]` that is not `Clone + Send + Sync`, are reported at the argument.

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

    #[get("/items")]
    async fn query_map(&self, #[query_map] filters: &Opaque) -> ferrofit::Result<()>;

    #[get("/items")]
    async fn extra(&self, #[extra] tag: Opaque) -> ferrofit::Result<()>;
}

fn main() {}

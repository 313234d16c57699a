//! `#[paginate]` and `Pages<T>` go together, and the items must be readable.

use ferrofit::Pages;

/// Not `Deserialize`.
struct Plain;

#[ferrofit::rest_api]
trait Api {
    #[get("/list")]
    #[paginate(link)]
    async fn paginate_on_a_list(&self) -> ferrofit::Result<Vec<u32>>;

    #[get("/pages")]
    async fn pages_without_paginate(&self) -> ferrofit::Result<Pages<u32>>;

    #[get("/plain")]
    #[paginate(link)]
    async fn items_that_cannot_be_read(&self) -> ferrofit::Result<Pages<Plain>>;
}

fn main() {}

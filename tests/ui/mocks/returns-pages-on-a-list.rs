//! `returns_pages` scripts a paginated endpoint; a plain list takes `returns(vec![..])`.

#[ferrofit::rest_api]
trait Api {
    #[get("/list")]
    async fn list(&self) -> ferrofit::Result<Vec<u32>>;
}

fn main() {
    let mock = ApiMock::new();
    mock.list().returns_pages([vec![1, 2], vec![3]]);
}

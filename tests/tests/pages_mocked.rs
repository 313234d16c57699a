//! Typed mocks of paginated endpoints: `returns_pages` answers each request with the page it
//! asks for, in the shape the endpoint's `#[paginate(..)]` reads, for every style.

use ferrofit::Pages;
use futures_util::TryStreamExt;

#[ferrofit::rest_api]
trait Catalog {
    #[get("/linked")]
    #[paginate(link)]
    async fn linked(&self, #[query] per_page: u32) -> ferrofit::Result<Pages<u32>>;

    #[get("/cursor")]
    #[paginate(cursor = "/meta/next", param = "after", items = "result.items")]
    async fn cursor(&self) -> ferrofit::Result<Pages<String>>;

    #[get("/numbered")]
    #[paginate(page = "page", size = "size")]
    async fn numbered(&self, #[query] size: u32) -> ferrofit::Result<Pages<u32>>;

    #[get("/offsets")]
    #[paginate(offset = "offset", limit = "limit")]
    async fn offsets(&self, #[query] limit: u32) -> ferrofit::Result<Pages<u32>>;
}

fn query_of(mock: &CatalogMock) -> Vec<String> {
    mock.transport()
        .requests()
        .iter()
        .map(|r| r.url().query().unwrap_or("").to_owned())
        .collect()
}

#[tokio::test]
async fn mocked_link_pages_follow_each_other_and_keep_the_calls_query() {
    let mock = CatalogMock::new();
    mock.linked()
        .with(|args| args.per_page == 2)
        .returns_pages([vec![1, 2], vec![3, 4], vec![5]]);
    let api = CatalogClient::new(mock.client());
    let mut pages = api.linked(2).await.unwrap().into_pages();
    let first = pages.try_next().await.unwrap().unwrap();
    assert!(
        first.headers()["link"]
            .to_str()
            .unwrap()
            .contains("rel=\"next\"")
    );
    let rest: Vec<_> = pages.try_collect().await.unwrap();
    assert_eq!(
        rest.iter()
            .map(|p| p.clone().into_inner())
            .collect::<Vec<_>>(),
        [vec![3, 4], vec![5]]
    );
    assert!(
        !rest[1].headers().contains_key("link"),
        "the last page links nowhere"
    );
    let queries = query_of(&mock);
    assert_eq!(queries.len(), 3);
    assert!(
        queries.iter().all(|q| q.starts_with("per_page=2")),
        "{queries:?}"
    );
    mock.verify();
}

#[tokio::test]
async fn mocked_cursor_pages_nest_items_and_cursor_where_the_endpoint_reads_them() {
    let mock = CatalogMock::new();
    mock.cursor()
        .returns_pages([vec!["a".to_owned()], vec!["b".to_owned(), "c".to_owned()]]);
    let api = CatalogClient::new(mock.client());
    let items = api.cursor().await.unwrap().try_collect().await.unwrap();
    assert_eq!(items, ["a", "b", "c"]);
    assert_eq!(query_of(&mock), ["", "after=page-1"]);
}

#[tokio::test]
async fn mocked_counted_pages_end_on_the_short_page_or_the_empty_one_after_the_last() {
    let mock = CatalogMock::new();
    mock.numbered().returns_pages([vec![1, 2], vec![3]]);
    mock.offsets().returns_pages([vec![1, 2], vec![3, 4]]);
    let api = CatalogClient::new(mock.client());

    assert_eq!(
        api.numbered(2).await.unwrap().try_collect().await.unwrap(),
        [1, 2, 3]
    );
    assert_eq!(
        api.offsets(2).await.unwrap().try_collect().await.unwrap(),
        [1, 2, 3, 4]
    );
    assert_eq!(
        query_of(&mock),
        [
            "size=2",
            "size=2&page=2",
            "limit=2",
            "limit=2&offset=2",
            "limit=2&offset=4",
        ],
        "the short page 2 ends the numbers; full pages of offsets need an empty one after them"
    );
}

//! Query parameters: Option, renamed keys, repeated keys, static template queries, pre-encoded
//! values, query maps, serde-renamed enums.

mod support;

use std::collections::BTreeMap;

use ferrofit::{Error, rest_api};
use serde::Serialize;
use support::{Answer, CaptureServer, NO_CONTENT};

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
enum Order {
    NewestFirst,
}

#[derive(Serialize)]
struct Filter {
    q: String,
    lang: Option<String>,
    tag: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    page: Option<u32>,
}

#[rest_api]
trait Search {
    #[get("/users")]
    async fn list(
        &self,
        #[query] page: Option<u32>,
        #[query("per-page")] per_page: u32,
        #[query] tag: &[String],
    ) -> ferrofit::Result<()>;

    #[get("/search?sort=asc&v=2")]
    async fn with_static(&self, #[query] q: &str) -> ferrofit::Result<()>;

    #[get("/search?fixed=1")]
    async fn only_static(&self) -> ferrofit::Result<()>;

    #[get("/raw")]
    async fn encoded(
        &self,
        #[query(encoded)] filter: &str,
        #[query] plain: &str,
    ) -> ferrofit::Result<()>;

    #[get("/find")]
    async fn by_map(
        &self,
        #[query_map] filter: &Filter,
        #[query] order: Order,
    ) -> ferrofit::Result<()>;

    #[get("/find")]
    async fn by_btree(
        &self,
        #[query_map] params: BTreeMap<&'static str, i64>,
    ) -> ferrofit::Result<()>;

    #[get("/find")]
    async fn bad_value(&self, #[query] filter: &Filter) -> ferrofit::Result<()>;
}

async fn setup() -> (CaptureServer, SearchClient) {
    let server = CaptureServer::start(Answer::Full(NO_CONTENT)).await;
    let api = SearchClient::new(support::client(&server.base_url));
    (server, api)
}

#[tokio::test]
async fn none_is_omitted_renamed_keys_and_sequences_repeat() {
    let (server, api) = setup().await;
    let tags = vec!["a b".to_owned(), "c&d".to_owned()];
    api.list(None, 20, &tags).await.unwrap();
    assert_eq!(
        server.last().target,
        "/users?per-page=20&tag=a%20b&tag=c%26d"
    );
    api.list(Some(3), 5, &[]).await.unwrap();
    assert_eq!(server.last().target, "/users?page=3&per-page=5");
}

#[tokio::test]
async fn static_query_is_kept_and_dynamic_ones_follow() {
    let (server, api) = setup().await;
    api.with_static("x+y=z").await.unwrap();
    assert_eq!(server.last().target, "/search?sort=asc&v=2&q=x%2By%3Dz");
    api.only_static().await.unwrap();
    assert_eq!(server.last().target, "/search?fixed=1");
}

#[tokio::test]
async fn encoded_values_pass_through_and_plain_ones_are_encoded() {
    let (server, api) = setup().await;
    api.encoded("a%20b+c", "a%20b").await.unwrap();
    assert_eq!(server.last().target, "/raw?filter=a%20b+c&plain=a%2520b");
}

#[tokio::test]
async fn query_map_flattens_fields_in_order_and_omits_none() {
    let (server, api) = setup().await;
    let filter = Filter {
        q: "rust lang".to_owned(),
        lang: None,
        tag: vec!["x", "y"],
        page: Some(2),
    };
    api.by_map(&filter, Order::NewestFirst).await.unwrap();
    assert_eq!(
        server.last().target,
        "/find?q=rust%20lang&tag=x&tag=y&page=2&order=newest-first"
    );
    api.by_btree(BTreeMap::from([("b", 2), ("a", -1)]))
        .await
        .unwrap();
    assert_eq!(server.last().target, "/find?a=-1&b=2");
}

#[tokio::test]
async fn a_struct_as_a_single_query_value_is_an_invalid_request() {
    let (server, api) = setup().await;
    let filter = Filter {
        q: String::new(),
        lang: None,
        tag: vec![],
        page: None,
    };
    let error = api.bad_value(&filter).await.unwrap_err();
    assert!(matches!(error, Error::InvalidRequest { .. }), "{error:?}");
    assert!(error.to_string().contains("query_map"), "{error}");
    assert!(server.requests().is_empty());
}

//! Pagination against an in-process axum API on loopback: `Link` headers, cursors (nested),
//! page numbers and offsets; pages fetched lazily, through the interceptors and under the
//! call's cancel token; loops, bad links and a `next` link to another origin.

mod support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use ferrofit::retry::{RetryInterceptor, RetryPolicy};
use ferrofit::{CancelToken, Error, Pages};
use futures_util::{StreamExt, TryStreamExt};
use serde_json::{Value, json};

#[ferrofit::rest_api]
trait Lists {
    #[get("/linked")]
    #[paginate(link)]
    async fn linked(&self, #[query] per_page: u32) -> ferrofit::Result<Pages<u32>>;

    #[get("/linked")]
    #[paginate(link)]
    async fn linked_cancellable(
        &self,
        #[query] per_page: u32,
        #[cancel] cancel: &CancelToken,
    ) -> ferrofit::Result<Pages<u32>>;

    #[get("/cursor")]
    #[paginate(cursor = "meta.next", param = "after", items = "data")]
    async fn cursor(&self) -> ferrofit::Result<Pages<Value>>;

    #[get("/numbered")]
    #[paginate(page = "page", size = "size")]
    async fn numbered(&self, #[query] size: u32) -> ferrofit::Result<Pages<u32>>;

    #[get("/offsets")]
    #[paginate(offset = "skip", limit = "take", items = "results")]
    async fn offsets(&self, #[query] take: u32) -> ferrofit::Result<Pages<u32>>;

    #[get("/flaky")]
    #[paginate(link)]
    async fn flaky(&self) -> ferrofit::Result<Pages<u32>>;

    #[get("/nowhere")]
    #[paginate(link)]
    async fn missing(&self) -> ferrofit::Result<Pages<u32>>;

    #[get("/link-to/<name>")]
    #[paginate(link)]
    async fn link_to(
        &self,
        name: &str,
        #[header("Authorization")] authorization: &str,
    ) -> ferrofit::Result<Pages<u32>>;
}

/// What the server saw: the query of every request, in order, and its headers.
#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<Asked>>>);

/// One request's query and headers.
type Asked = (HashMap<String, String>, HeaderMap);

impl Seen {
    fn record(&self, query: &HashMap<String, String>, headers: &HeaderMap) {
        self.0
            .lock()
            .unwrap()
            .push((query.clone(), headers.clone()));
    }

    fn count(&self) -> usize {
        self.0.lock().unwrap().len()
    }

    fn queries(&self, key: &str) -> Vec<Option<String>> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .map(|(q, _)| q.get(key).cloned())
            .collect()
    }

    fn header(&self, request: usize, name: &str) -> Option<String> {
        self.0.lock().unwrap()[request]
            .1
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    }
}

/// The numbers `1..=total`, `per_page` at a time, page `page` (from 1).
fn slice(total: u32, page: u32, per_page: u32) -> Vec<u32> {
    let start = (page - 1) * per_page + 1;
    (start..=total.min(start + per_page - 1)).collect()
}

fn number(query: &HashMap<String, String>, key: &str, default: u32) -> u32 {
    query.get(key).map_or(default, |v| v.parse().unwrap())
}

/// GitHub-style: 7 items, `Link` with `next` (and `first`/`last`, which must not count as
/// pages seen) until the last page.
async fn linked(
    State((seen, base)): State<(Seen, Arc<Mutex<String>>)>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    seen.record(&query, &headers);
    let per_page = number(&query, "per_page", 3);
    let page = number(&query, "page", 1);
    let last = 7_u32.div_ceil(per_page);
    let base = base.lock().unwrap().clone();
    let url = |p: u32| format!("{base}/linked?per_page={per_page}&page={p}");
    let mut links = vec![
        format!("<{}>; rel=\"first\"", url(1)),
        format!("<{}>; rel=\"last\"", url(last)),
    ];
    if page < last {
        links.push(format!("<{}>; rel=\"next\"", url(page + 1)));
    }
    let items = slice(7, page, per_page);
    ([("link", links.join(", "))], axum::Json(items)).into_response()
}

/// Two pages, `[1]` and `[2]`; the first request for page 2 fails with 503.
async fn flaky(State(seen): State<Seen>, Query(query): Query<HashMap<String, String>>) -> Response {
    seen.record(&query, &HeaderMap::new());
    match (query.get("page").map(String::as_str), seen.count()) {
        (None, _) => ([("link", "</flaky?page=2>; rel=\"next\"")], axum::Json([1])).into_response(),
        (Some("2"), 2) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
        (Some("2"), _) => axum::Json([2]).into_response(),
        (Some(other), _) => panic!("unexpected page {other}"),
    }
}

async fn cursor(
    State(seen): State<Seen>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    seen.record(&query, &HeaderMap::new());
    let (data, next) = match query.get("after").map(String::as_str) {
        None => (json!([{"id": "a"}, {"id": "b"}]), json!("c2")),
        Some("c2") => (json!([{"id": "c"}]), json!(3)),
        Some("3") => (json!([{"id": "d"}, {"id": "e"}]), Value::Null),
        Some(other) => panic!("unexpected cursor {other}"),
    };
    axum::Json(json!({"data": data, "meta": {"next": next}})).into_response()
}

async fn numbered(
    State(seen): State<Seen>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    seen.record(&query, &HeaderMap::new());
    let items = slice(5, number(&query, "page", 1), number(&query, "size", 10));
    axum::Json(items).into_response()
}

async fn offsets(
    State(seen): State<Seen>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    seen.record(&query, &HeaderMap::new());
    let (skip, take) = (number(&query, "skip", 0), number(&query, "take", 10));
    let items: Vec<u32> = (skip + 1..=6.min(skip + take)).collect();
    axum::Json(json!({ "results": items })).into_response()
}

/// Serves `Link: <target>; rel="next"` for `/link-to/<name>` with the items `[1]`, and the
/// items `[2]` with no link for `/end`.
async fn link_to(
    State((seen, targets)): State<(Seen, Arc<HashMap<String, String>>)>,
    axum::extract::Path(name): axum::extract::Path<String>,
    headers: HeaderMap,
) -> Response {
    seen.record(
        &HashMap::from([("name".to_owned(), name.clone())]),
        &headers,
    );
    match targets.get(&name) {
        Some(target) => (
            [("link", format!("<{target}>; rel=\"next\""))],
            axum::Json([1]),
        )
            .into_response(),
        None => axum::Json([2]).into_response(),
    }
}

/// Every item of the list a call returns; panics on any error.
async fn all<T>(call: impl std::future::Future<Output = ferrofit::Result<Pages<T>>>) -> Vec<T>
where
    T: serde::de::DeserializeOwned + Send + 'static,
{
    call.await
        .expect("the first page")
        .try_collect()
        .await
        .expect("every page")
}

struct Api {
    client: ListsClient,
    seen: Seen,
    base: String,
}

/// The API on loopback; `targets` maps a `/link-to/<name>` to the `next` link it sends.
async fn api(targets: HashMap<String, String>, builder: ferrofit::ClientBuilder) -> Api {
    let seen = Seen::default();
    let base = Arc::new(Mutex::new(String::new()));
    let router = Router::new()
        .route(
            "/linked",
            get(linked).with_state((seen.clone(), base.clone())),
        )
        .route("/cursor", get(cursor).with_state(seen.clone()))
        .route("/flaky", get(flaky).with_state(seen.clone()))
        .route("/numbered", get(numbered).with_state(seen.clone()))
        .route("/offsets", get(offsets).with_state(seen.clone()))
        .route(
            "/link-to/{name}",
            get(link_to).with_state((seen.clone(), Arc::new(targets))),
        );
    let url = support::server::serve(router).await;
    base.lock().unwrap().clone_from(&url);
    let client = ListsClient::new(builder.base_url(&url).build().unwrap());
    Api {
        client,
        seen,
        base: url,
    }
}

async fn plain() -> Api {
    api(HashMap::new(), ferrofit::Client::builder()).await
}

#[tokio::test]
async fn link_pages_are_read_to_the_end_in_order_and_first_and_last_links_are_not_loops() {
    let api = plain().await;
    let items = all(api.client.linked(3)).await;
    assert_eq!(items, [1, 2, 3, 4, 5, 6, 7]);
    assert_eq!(
        api.seen.queries("page"),
        [None, Some("2".into()), Some("3".into())]
    );
    assert_eq!(api.seen.queries("per_page"), vec![Some("3".to_owned()); 3]);
}

#[tokio::test]
async fn the_call_fetches_the_first_page_and_later_pages_only_when_the_stream_reaches_them() {
    let api = plain().await;
    let mut items = api.client.linked(3).await.unwrap();
    assert_eq!(
        api.seen.count(),
        1,
        "awaiting the call fetches the first page"
    );
    for expected in 1..=3 {
        assert_eq!(items.try_next().await.unwrap(), Some(expected));
    }
    assert_eq!(
        api.seen.count(),
        1,
        "the first page's items need no other request"
    );
    assert_eq!(items.try_next().await.unwrap(), Some(4));
    assert_eq!(
        api.seen.count(),
        2,
        "page 2 is fetched when the stream reaches it"
    );
    drop(items);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(api.seen.count(), 2, "nothing is fetched ahead");
}

#[tokio::test]
async fn nested_cursors_text_or_number_are_sent_back_until_null() {
    let api = plain().await;
    let items = all(api.client.cursor()).await;
    let ids: Vec<&str> = items.iter().map(|i| i["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["a", "b", "c", "d", "e"]);
    assert_eq!(
        api.seen.queries("after"),
        [None, Some("c2".into()), Some("3".into())]
    );
}

#[tokio::test]
async fn page_numbers_stop_on_a_page_shorter_than_the_size_asked() {
    let api = plain().await;
    let items = all(api.client.numbered(2)).await;
    assert_eq!(items, [1, 2, 3, 4, 5]);
    assert_eq!(
        api.seen.queries("page"),
        [None, Some("2".into()), Some("3".into())],
        "page 3 holds one item of two: no page 4"
    );
    assert_eq!(api.seen.queries("size"), vec![Some("2".to_owned()); 3]);
}

#[tokio::test]
async fn offsets_move_by_the_items_received_and_stop_on_an_empty_page() {
    let api = plain().await;
    let items = all(api.client.offsets(3)).await;
    assert_eq!(items, [1, 2, 3, 4, 5, 6]);
    assert_eq!(
        api.seen.queries("skip"),
        [None, Some("3".into()), Some("6".into())],
        "six items fill two pages of three exactly, so the third is asked and is empty"
    );
}

#[tokio::test]
async fn whole_pages_keep_their_headers_and_urls() {
    let api = plain().await;
    let pages: Vec<_> = api
        .client
        .linked(3)
        .await
        .unwrap()
        .into_pages()
        .try_collect()
        .await
        .unwrap();
    let lens: Vec<usize> = pages.iter().map(|p| p.len()).collect();
    assert_eq!(lens, [3, 3, 1]);
    assert!(
        pages[0].headers()["link"]
            .to_str()
            .unwrap()
            .contains("rel=\"next\"")
    );
    assert_eq!(
        pages[2].url().as_str(),
        format!("{}/linked?per_page=3&page=3", api.base)
    );
}

#[tokio::test]
async fn max_items_and_max_pages_stop_fetching() {
    let api = plain().await;
    let items = api
        .client
        .linked(3)
        .await
        .unwrap()
        .max_items(4)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items, [1, 2, 3, 4]);
    assert_eq!(
        api.seen.count(),
        2,
        "no page past the one holding the fourth item"
    );

    let api = plain().await;
    let items = api
        .client
        .linked(3)
        .await
        .unwrap()
        .max_pages(2)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items, [1, 2, 3, 4, 5, 6]);
    assert_eq!(api.seen.count(), 2);
}

#[tokio::test]
async fn a_next_link_back_to_a_page_already_read_ends_with_a_paging_error() {
    let api = api_with_targets([
        ("a", "/link-to/b".to_owned()),
        ("b", "/link-to/a".to_owned()),
    ])
    .await;
    let mut items = api.client.link_to("a", "Bearer t").await.unwrap();
    assert_eq!(items.try_next().await.unwrap(), Some(1), "page a");
    assert_eq!(items.try_next().await.unwrap(), Some(1), "page b");
    let error = items.try_next().await.unwrap_err();
    assert!(matches!(error, Error::Paging { .. }), "{error:?}");
    assert!(error.to_string().contains("link-to/a"), "{error}");
    assert!(
        items.next().await.is_none(),
        "the stream ends after the error"
    );
    assert_eq!(api.seen.count(), 2, "the repeated page is not fetched");
}

/// An API whose `/link-to/<name>` pages link where `targets` says.
async fn api_with_targets<const N: usize>(targets: [(&str, String); N]) -> Api {
    let targets = targets
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    api(targets, ferrofit::Client::builder()).await
}

#[tokio::test]
async fn a_next_link_that_is_not_http_ends_with_an_error_and_is_never_fetched() {
    for target in [
        "file:///etc/passwd",
        "ftp://127.0.0.1/list",
        "javascript:alert(1)",
    ] {
        let api = api_with_targets([("a", target.to_owned())]).await;
        let mut items = api.client.link_to("a", "Bearer t").await.unwrap();
        assert_eq!(items.try_next().await.unwrap(), Some(1));
        let error = items.try_next().await.unwrap_err();
        assert!(matches!(error, Error::Paging { .. }), "{target}: {error:?}");
    }
}

#[tokio::test]
async fn a_next_link_to_another_origin_gets_no_credentials_but_the_same_origin_does() {
    let elsewhere = plain().await;
    let home = api_with_targets([
        ("a", "/link-to/b".to_owned()),
        (
            "b",
            format!(
                "{}/link-to/end",
                elsewhere.base.replace("127.0.0.1", "localhost")
            ),
        ),
    ])
    .await;
    let items = all(home.client.link_to("a", "Bearer s3cr3t")).await;
    assert_eq!(
        items,
        [1, 1, 2],
        "a relative link resolves against the page, then on to the other origin"
    );
    assert_eq!(
        home.seen.header(0, "authorization").as_deref(),
        Some("Bearer s3cr3t")
    );
    assert_eq!(
        home.seen.header(1, "authorization").as_deref(),
        Some("Bearer s3cr3t"),
        "the same origin keeps the header"
    );
    assert_eq!(elsewhere.seen.count(), 1);
    assert_eq!(
        elsewhere.seen.header(0, "authorization"),
        None,
        "another origin must not get it"
    );
}

#[tokio::test]
async fn each_page_goes_through_the_interceptors_so_a_503_on_page_two_is_retried() {
    let policy =
        RetryPolicy::new().backoff(Duration::from_millis(1), 1.0, Duration::from_millis(1));
    let builder = ferrofit::Client::builder().interceptor(RetryInterceptor::new(policy));
    let api = api(HashMap::new(), builder).await;
    let items = all(api.client.flaky()).await;
    assert_eq!(items, [1, 2]);
    assert_eq!(
        api.seen.queries("page"),
        [None, Some("2".into()), Some("2".into())]
    );
}

#[tokio::test]
async fn a_cancelled_token_stops_the_next_page_before_it_is_sent() {
    let api = plain().await;
    let token = CancelToken::new();
    let mut items = api.client.linked_cancellable(3, &token).await.unwrap();
    for _ in 0..3 {
        items.try_next().await.unwrap();
    }
    token.cancel("the user left");
    let error = items.try_next().await.unwrap_err();
    assert!(matches!(error, Error::Cancelled { .. }), "{error:?}");
    assert_eq!(api.seen.count(), 1, "page 2 was never sent");
}

#[tokio::test]
async fn a_failing_first_page_is_the_calls_error_and_a_failing_later_page_ends_the_stream() {
    let api = api_with_targets([("a", "/nowhere".to_owned())]).await;
    let error = api
        .client
        .missing()
        .await
        .expect_err("a 404 first page fails the call");
    assert_eq!(error.status(), Some(StatusCode::NOT_FOUND), "{error:?}");

    let mut items = api.client.link_to("a", "x").await.unwrap();
    assert_eq!(items.try_next().await.unwrap(), Some(1));
    let error = items.try_next().await.unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::NOT_FOUND), "{error:?}");
    assert!(items.next().await.is_none());
}

#[derive(Debug, serde::Deserialize, PartialEq)]
struct Record {
    id: u32,
    title: String,
}

#[ferrofit::rest_api]
trait JsonServerApi {
    #[get("/<collection>")]
    #[paginate(link)]
    async fn records(
        &self,
        collection: &str,
        #[query("_page")] page: u32,
        #[query("_limit")] limit: u32,
    ) -> ferrofit::Result<Pages<Record>>;
}

/// json-server 0.17, which no one here wrote: its `Link` carries `first`, `prev` and `last`
/// links to pages already seen (only `next` counts), and an empty `Link:` when one page holds
/// everything.
#[tokio::test]
async fn json_servers_link_pages_are_read_to_the_end() {
    let records = |n: u32| -> Vec<Value> {
        (1..=n)
            .map(|id| json!({"id": id, "title": format!("record {id}")}))
            .collect()
    };
    let db = json!({"issues": records(23), "tags": records(2)});
    let Some(server) = support::json_server::JsonServer::start(&db) else {
        return;
    };
    let api = JsonServerApiClient::new(support::client(&server.origin()));

    let mut pages = api.records("issues", 1, 5).await.unwrap().into_pages();
    let mut ids = Vec::new();
    let mut count = 0;
    while let Some(page) = pages.try_next().await.unwrap() {
        count += 1;
        assert_eq!(page.headers()["x-total-count"], "23");
        ids.extend(page.into_inner().into_iter().map(|r| r.id));
    }
    assert_eq!(count, 5, "23 records, 5 a page");
    assert_eq!(ids, (1..=23).collect::<Vec<_>>());

    let tags = api.records("tags", 1, 5).await.unwrap();
    assert_eq!(
        tags.response().headers()["link"],
        "",
        "one page: an empty `Link`"
    );
    let tags = tags.try_collect().await.unwrap();
    assert_eq!(tags.len(), 2);
    assert_eq!(
        tags[1],
        Record {
            id: 2,
            title: "record 2".into()
        }
    );
}

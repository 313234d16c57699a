//! `#[url]`: relative references resolved against the base URL, absolute http(s) URLs used as
//! they are (pagination links), other schemes refused, and no credentials for other origins.

mod support;

use ferrofit::auth::{AuthInterceptor, MemoryTokenStore, Tokens};
use ferrofit::{Error, Url, rest_api};
use support::{Answer, CaptureServer, OK_EMPTY_JSON};

#[rest_api]
trait Pages {
    #[get]
    async fn page(
        &self,
        #[url] link: &str,
        #[query] limit: Option<u32>,
    ) -> ferrofit::Result<serde_json::Value>;

    #[delete]
    async fn delete(&self, #[url] resource: &Url) -> ferrofit::Result<()>;
}

fn client(base: &str) -> PagesClient {
    PagesClient::new(support::client(base))
}

#[tokio::test]
async fn relative_references_resolve_against_the_base_url_as_rfc_3986_says() {
    let server = CaptureServer::start(Answer::Full(OK_EMPTY_JSON)).await;
    let api = client(&format!("{}/api/v2", server.base_url));
    api.page("users?page=2", None).await.unwrap();
    assert_eq!(server.last().target, "/api/v2/users?page=2");
    api.page("/other/root?cursor=a%2Fb", Some(10))
        .await
        .unwrap();
    assert_eq!(server.last().target, "/other/root?cursor=a%2Fb&limit=10");
    api.page("../v1/legacy#fragment", None).await.unwrap();
    assert_eq!(server.last().target, "/api/v1/legacy");
}

#[tokio::test]
async fn an_absolute_link_is_used_as_it_is() {
    let server = CaptureServer::start(Answer::Full(OK_EMPTY_JSON)).await;
    let api = client("http://base.invalid/api");
    let next = format!("{}/items?after=Zm9v%3D&sort=desc", server.base_url);
    api.page(&next, Some(5)).await.unwrap();
    let seen = server.last();
    assert_eq!(seen.target, "/items?after=Zm9v%3D&sort=desc&limit=5");
    let url: Url = format!("{}/items/7", server.base_url).parse().unwrap();
    api.delete(&url).await.unwrap();
    assert_eq!(server.last().method, "DELETE");
    assert_eq!(server.last().target, "/items/7");
}

#[tokio::test]
async fn other_schemes_and_broken_urls_are_invalid_requests() {
    let api = client("http://127.0.0.1:9");
    for bad in [
        "ftp://files.example.com/a",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "http://",
    ] {
        let error = api.page(bad, None).await.unwrap_err();
        assert!(
            matches!(error, Error::InvalidRequest { .. }),
            "{bad}: {error:?}"
        );
    }
}

#[tokio::test]
async fn credentials_go_only_to_the_base_urls_origin() {
    let base = CaptureServer::start(Answer::Full(OK_EMPTY_JSON)).await;
    let elsewhere = CaptureServer::start(Answer::Full(OK_EMPTY_JSON)).await;
    let store = MemoryTokenStore::with_tokens(Tokens::new("secret-token"));
    let client = ferrofit::Client::builder()
        .base_url(&base.base_url)
        .default_header("X-Api-Key", "k-123")
        .default_header("Accept-Language", "en")
        .interceptor(AuthInterceptor::new(store, |_: Tokens| async {
            Ok(Tokens::new("unused"))
        }))
        .build()
        .unwrap();
    let api = PagesClient::new(client);
    api.page("/same-origin", None).await.unwrap();
    let same = base.last();
    assert_eq!(same.header_values("authorization"), ["Bearer secret-token"]);
    assert_eq!(same.header_values("x-api-key"), ["k-123"]);

    api.page(&format!("{}/next", elsewhere.base_url), None)
        .await
        .unwrap();
    let other = elsewhere.last();
    assert!(
        other.header_values("authorization").is_empty(),
        "{:?}",
        other.headers
    );
    assert!(
        other.header_values("x-api-key").is_empty(),
        "{:?}",
        other.headers
    );
    assert_eq!(other.header_values("accept-language"), ["en"]);
}
